package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/federation/mailtest"
	"github.com/copse-dev/copse/web/node"
)

// TestCLIMail: an operator checks the SMTP settings with a test mail
// (which arrives, or whose failure names the step), and reads the
// members' mail queue.
func TestCLIMail(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initNode(t, dir, "localhost:8080", "http")
	srv := mailtest.Start(t)
	good := filepath.Join(t.TempDir(), "good.yaml")
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	for path, port := range map[string]int{good: srv.Port, bad: 1} {
		conf := "smtp:\n  host: 127.0.0.1\n  port: " + strconv.Itoa(port) + "\n  security: none\n  from: copse@council-a.example\n"
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	runSteps(t, dir, []cliStep{
		{"no smtp", []string{"admin", "mail", "test", "it@council-a.example"}, "", "this node sends no mail: set smtp.host"},
		{"test", []string{"admin", "mail", "test", "--config", good, "it@council-a.example"},
			"a test mail went to it@council-a.example through 127.0.0.1", ""},
		{"server down", []string{"admin", "mail", "test", "--config", bad, "it@council-a.example"}, "", "mail: dial 127.0.0.1:1"},
		{"not an address", []string{"admin", "mail", "test", "--config", good, "not an address"}, "", "is not an email address"},
		{"no address", []string{"admin", "mail", "test"}, "", "ADDRESS"},
		{"empty queue", []string{"admin", "mail", "queue"}, "queued mail: 0", ""},
	})
	m := srv.Wait(t, 1)
	if m.To[0] != "it@council-a.example" || !strings.Contains(m.Body, "copse admin mail test") {
		t.Errorf("test mail: %v\n%s", m.To, m.Body)
	}

	// A mention of a member, mailed while the server is down, waits in
	// the queue with the reason.
	cfg := node.Default()
	cfg.DataDir, cfg.Host, cfg.Protocol, cfg.InsecureHTTP = dir, "localhost:8080", "http", true
	cfg.SMTP = federation.MailConfig{Host: "127.0.0.1", Port: 1, Security: federation.MailNone, From: "copse@council-a.example"}
	cfg.Tuning.MailDelay = 1
	n, err := node.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = n.Engine.CreateMember(ctx, federation.NewMember{Username: "ann", Email: "ann@council-a.example", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := n.Engine.CreateMember(ctx, federation.NewMember{Username: "bob", Email: "bob@council-a.example", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.Post(ctx, bob.ID, federation.Draft{Text: "@ann see the minutes"}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.QueueNotificationMail(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.SendQueuedMail(ctx); err != nil {
		t.Fatal(err)
	}
	n.Close()
	runSteps(t, dir, []cliStep{
		{"queue", []string{"admin", "mail", "queue"}, "queued mail: 1", ""},
		{"queue row", []string{"admin", "mail", "queue"}, "mention  ann", ""},
		{"queue error", []string{"admin", "mail", "queue"}, "connection refused", ""},
	})
}

// TestCLIAccountSetEmail: an operator changes a member's address at once;
// a taken or malformed address, or an unknown member, is one line.
func TestCLIAccountSetEmail(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initNode(t, dir, "localhost:8080", "http")
	runSteps(t, dir, []cliStep{
		{"create ann", []string{"admin", "account", "create", "--username", "ann", "--email", "ann@council-a.example",
			"--password", "correct horse battery"}, "", ""},
		{"create bob", []string{"admin", "account", "create", "--username", "bob", "--email", "bob@council-a.example",
			"--password", "correct horse battery"}, "", ""},
		{"set", []string{"admin", "account", "set-email", "ann", "ann@libraries.example"}, "ann's email address is now ann@libraries.example", ""},
		{"taken", []string{"admin", "account", "set-email", "ann", "bob@council-a.example"}, "", "is already taken"},
		{"malformed", []string{"admin", "account", "set-email", "ann", "not an address"}, "", "is not an email address"},
		{"nobody", []string{"admin", "account", "set-email", "zed", "zed@council-a.example"}, "", "zed"},
		{"listed", []string{"admin", "account", "list"}, "ann@libraries.example", ""},
		{"audited", []string{"admin", "audit", "--action", "change_email"}, "change_email", ""},
	})
}
