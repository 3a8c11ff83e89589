package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

// TestMain runs the test binary as copse itself when COPSE_TEST_SERVE is
// set: tests start a real `copse serve` process by re-executing their own
// binary (see crash_test.go), with no go build.
func TestMain(m *testing.M) {
	if os.Getenv("COPSE_TEST_SERVE") == "1" {
		err := run(context.Background(), os.Args[1:], stdio())
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "copse: "+err.Error())
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// initNode starts a node on dir once and closes it, as a first
// `copse serve` would, so that admin commands find its database.
func initNode(t *testing.T, dir, host, protocol string) {
	t.Helper()
	cfg := node.Default()
	cfg.DataDir, cfg.Host, cfg.Protocol, cfg.InsecureHTTP = dir, host, protocol, true
	n, err := node.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open node: %v", err)
	}
	n.Close()
}

// cliRun runs the command line with dir as COPSE_DATA_DIR and stdin as
// standard input, returning what it printed and the error as main would
// print it.
func cliRun(dir, stdin string, args ...string) (out, errOut string, err error) {
	env := func(k string) string {
		if k == "COPSE_DATA_DIR" {
			return dir
		}
		return ""
	}
	var o, e bytes.Buffer
	err = run(context.Background(), args, proc{getenv: env, stdin: strings.NewReader(stdin), stdout: &o, stderr: &e})
	return o.String(), e.String(), err
}

func TestCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initNode(t, dir, "localhost:8080", "http")
	yaml := func(name, text string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	steps := []struct {
		name    string
		args    []string
		stdin   string
		wantOut string
		wantErr string
	}{
		{"version", []string{"version"}, "", "copse ", ""},
		{"no command", nil, "", "", "no command given"},
		{"unknown command", []string{"frobnicate"}, "", "", `unknown command "frobnicate"`},
		{"create member", []string{"admin", "account", "create", "--username", "alice", "--email", "alice@council.example",
			"--password", "a long passphrase", "--organisation", "Hampshire County Council"}, "", "created alice", ""},
		{"password on standard input", []string{"admin", "account", "create", "--username", "dora", "--email", "dora@council.example"},
			"a long passphrase\n", "created dora", ""},
		{"no password anywhere", []string{"admin", "account", "create", "--username", "erin", "--email", "erin@council.example"},
			"", "", "no password"},
		{"duplicate member", []string{"admin", "account", "create", "--username", "alice", "--email", "other@council.example",
			"--password", "a long passphrase"}, "", "", `username "alice" or email "other@council.example" is already taken`},
		{"short password", []string{"admin", "account", "create", "--username", "bob", "--email", "bob@council.example",
			"--password", "short"}, "", "", "at least 10 characters"},
		{"missing flags", []string{"admin", "account", "create", "--username", "bob"}, "", "", "--email required"},
		{"bad role", []string{"admin", "account", "create", "--username", "bob", "--email", "bob@council.example",
			"--password", "a long passphrase", "--role", "king"}, "", "", `role "king"`},
		{"unknown flag", []string{"admin", "account", "create", "--colour", "red"}, "", "",
			"admin account create: flag provided but not defined: -colour"},
		{"set role", []string{"admin", "account", "set-role", "--username", "alice", "--role", "moderator"}, "", "alice is now moderator", ""},
		{"set role of nobody", []string{"admin", "account", "set-role", "--username", "nobody", "--role", "admin"}, "", "",
			`there is no member "nobody"`},
		{"list", []string{"admin", "account", "list"}, "", "alice@council.example  moderator", ""},
		{"deliveries", []string{"admin", "deliveries"}, "", "queued deliveries: 0", ""},
		{"show node", []string{"admin", "node", "show"}, "", "base URL: http://localhost:8080", ""},
		{"bad config", []string{"admin", "account", "list", "--host", "bad host"}, "", "", "config: host"},
		{"another host", []string{"admin", "account", "list", "--host", "council-b.example"}, "", "",
			"this data belongs to the node http://localhost:8080, not https://council-b.example"},
		{"another protocol", []string{"admin", "account", "list", "--protocol", "https"}, "", "",
			"this data belongs to the node http://localhost:8080, not https://localhost:8080"},
		{"unknown setting in file", []string{"admin", "account", "list", "--config", yaml("typo.yaml", "data_dir: /tmp\nhots: x\n")}, "", "",
			`typo.yaml: line 2: unknown setting "hots"`},
		{"no database", []string{"admin", "account", "list", "--data-dir", filepath.Join(dir, "elsewhere")}, "", "",
			"no copse database in " + filepath.Join(dir, "elsewhere")},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			out, errOut, err := cliRun(dir, s.stdin, s.args...)
			if s.wantErr != "" {
				if err == nil {
					t.Fatalf("no error; want %q", s.wantErr)
				}
				msg := message(err)
				if !strings.Contains(msg, s.wantErr) {
					t.Fatalf("error %q; want it to contain %q", msg, s.wantErr)
				}
				if strings.Contains(msg, "\n") {
					t.Errorf("error is not one line: %q", msg)
				}
				for _, internal := range []string{"federation:", "storage:", "main.", "not found in type"} {
					if strings.Contains(msg, internal) {
						t.Errorf("error %q shows the internal %q", msg, internal)
					}
				}
				if errOut != "" && s.args != nil {
					t.Errorf("printed %q besides the error", errOut)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v (stderr %s)", err, errOut)
			}
			if !strings.Contains(out, s.wantOut) {
				t.Fatalf("output %q does not contain %q", out, s.wantOut)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "elsewhere")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an admin command made a data directory where there was none (%v)", err)
	}
}

// TestAdminAdoptsTheNodesHost: an admin command run without the server's
// host and protocol acts as the node its database records, so the member
// it makes has the node's ids, not localhost's.
func TestAdminAdoptsTheNodesHost(t *testing.T) {
	dir := t.TempDir()
	initNode(t, dir, "council-a.example", "https")
	out, _, err := cliRun(dir, "", "admin", "account", "create", "--username", "alice", "--email", "alice@council-a.example",
		"--password", "a long passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "https://council-a.example/users/alice") {
		t.Errorf("created %q; want the id https://council-a.example/users/alice", out)
	}
	// serve under another host refuses to start, before it binds.
	_, errOut, err := cliRun(dir, "", "serve", "--host", "localhost:8080", "--listen", "127.0.0.1:0")
	if err == nil || !strings.Contains(message(err), "this data belongs to the node https://council-a.example, not http://localhost:8080") {
		t.Errorf("serve under another host: %v; want it refused", err)
	}
	if strings.Contains(errOut, "copse serving") {
		t.Errorf("serve logged that it was serving: %s", errOut)
	}
}

// TestSetURL: a node first started under the wrong host moves to the
// right one while nothing has federated, and admin commands then follow.
func TestSetURL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initNode(t, dir, "localhost:8080", "http")
	if _, _, err := cliRun(dir, "", "admin", "account", "create", "--username", "alice", "--email", "alice@council-a.example",
		"--password", "a long passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cliRun(dir, "", "admin", "node", "set-url", "not a url"); err == nil || !strings.Contains(message(err), "is not a base URL") {
		t.Errorf("set-url with a bad URL: %v", err)
	}
	out, _, err := cliRun(dir, "", "admin", "node", "set-url", "https://council-a.example")
	if err != nil || !strings.Contains(out, "moved http://localhost:8080 to https://council-a.example") {
		t.Fatalf("set-url: %q, %v", out, err)
	}
	out, _, err = cliRun(dir, "", "admin", "node", "show")
	if err != nil || !strings.Contains(out, "base URL: https://council-a.example") {
		t.Fatalf("show after set-url: %q, %v", out, err)
	}
	cfg := node.Default()
	cfg.DataDir, cfg.Host, cfg.Protocol = dir, "council-a.example", "https"
	n, err := node.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open under the new URL: %v", err)
	}
	defer n.Close()
	a, err := n.Store.AccountByUsername(context.Background(), "alice")
	if err != nil || a.URI != "https://council-a.example/users/alice" || a.Inbox != "https://council-a.example/users/alice/inbox" {
		t.Errorf("alice after the move: %q %q (%v)", a.URI, a.Inbox, err)
	}
}

// TestServeLifecycle: a port in use is one error, with nothing logged as
// serving; a node that serves logs when it stops.
func TestServeLifecycle(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	_, errOut, err := cliRun(dir, "", "serve", "--listen", ln.Addr().String(), "--host", ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "listen on "+ln.Addr().String()) {
		t.Errorf("serve on a port in use: %v", err)
	}
	if strings.Contains(errOut, "copse serving") {
		t.Errorf("logged serving on a port it could not bind: %s", errOut)
	}

	addr := freeLoopbackAddr(t)
	dir = t.TempDir() // the first node is recorded under the other address
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	env := func(k string) string {
		if k == "COPSE_DATA_DIR" {
			return dir
		}
		return ""
	}
	metricsAddr := freeLoopbackAddr(t)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", addr, "--host", addr, "--metrics-listen", metricsAddr},
			proc{getenv: env, stdout: logs, stderr: logs})
	}()
	testrig.Eventually(t, 10*time.Second, "copse serving", func() bool { return strings.Contains(logs.String(), "copse serving") })
	// Metrics on their own listener, off the public one.
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "copse_delivery_queue_depth 0") {
		t.Errorf("metrics listener answered %d: %.300s", resp.StatusCode, body)
	}
	if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("the public listener serves /metrics (%d) though a metrics listener is set", resp.StatusCode)
		}
		resp.Body.Close()
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve returned %v", err)
	}
	for _, want := range []string{"copse stopping", "copse stopped"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
}
