package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/node"
)

// TestCLIAccountLifecycle runs the commands that act on one member in
// order, as an admin would: each says what it did in one line, or fails
// with one readable line.
func TestCLIAccountLifecycle(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initNode(t, dir, "localhost:8080", "http")
	steps := []struct {
		name    string
		args    []string
		stdin   string
		wantOut string
		wantErr string
	}{
		{"create admin with --password-stdin", []string{"admin", "account", "create", "--username", "root", "--email",
			"root@council.example", "--role", "admin", "--password-stdin"}, "a long passphrase\n", "created root", ""},
		{"--password-stdin with nothing on it", []string{"admin", "account", "create", "--username", "nope", "--email",
			"nope@council.example", "--password-stdin"}, "", "", "no password"},
		{"both password flags", []string{"admin", "account", "create", "--username", "nope", "--email",
			"nope@council.example", "--password", "a long passphrase", "--password-stdin"}, "a long passphrase\n", "",
			"--password or --password-stdin, not both"},
		{"create member", []string{"admin", "account", "create", "--username", "alice", "--email", "alice@council.example"},
			"a long passphrase\n", "created alice", ""},
		{"role, arguments before flags", []string{"admin", "account", "role", "alice", "moderator"}, "", "alice is now moderator", ""},
		{"role, flags between", []string{"admin", "account", "role", "alice", "--data-dir", dir, "admin"}, "", "alice is now admin", ""},
		{"role not a role", []string{"admin", "account", "role", "alice", "king"}, "", "", `role "king" is not member, moderator or admin`},
		{"role without a role", []string{"admin", "account", "role", "alice"}, "", "", "give the role"},
		{"role of nobody", []string{"admin", "account", "role", "nobody", "admin"}, "", "", `there is no member "nobody"`},
		{"role, one argument too many", []string{"admin", "account", "role", "alice", "admin", "now"}, "", "", `unexpected argument "now"`},
		{"suspend", []string{"admin", "account", "suspend", "alice"}, "", "alice is suspended", ""},
		{"listed as suspended", []string{"admin", "account", "list"}, "", "suspended", ""},
		{"the last admin who can sign in stays", []string{"admin", "account", "role", "root", "member"}, "", "",
			"root is the node's last admin who can sign in"},
		{"unsuspend", []string{"admin", "account", "unsuspend", "alice"}, "", "alice may sign in again", ""},
		{"suspend nobody", []string{"admin", "account", "suspend", "nobody"}, "", "", `there is no member "nobody"`},
		{"suspend without a username", []string{"admin", "account", "suspend"}, "", "", "give the username"},
		{"reset password from standard input", []string{"admin", "account", "reset-password", "alice"},
			"another long passphrase\n", "alice has a new password", ""},
		{"reset to a short password", []string{"admin", "account", "reset-password", "alice", "--password-stdin"},
			"short\n", "", "at least 10 characters"},
		{"two-step sign-in off", []string{"admin", "account", "two-step-off", "alice"}, "", "alice signs in with their password alone again", ""},
		{"two-step sign-in off for nobody", []string{"admin", "account", "two-step-off", "nobody"}, "", "", `there is no member "nobody"`},
		{"delete needs --yes", []string{"admin", "account", "delete", "alice"}, "", "", "cannot be undone; add --yes"},
		{"delete", []string{"admin", "account", "delete", "alice", "--yes"}, "", "deleted alice", ""},
		{"deleted is no member", []string{"admin", "account", "suspend", "alice"}, "", "", `there is no member "alice"`},
		{"unknown account command", []string{"admin", "account", "frobnicate"}, "", "", `unknown command "frobnicate"`},
	}
	for _, s := range steps {
		out, _, err := cliRun(dir, s.stdin, s.args...)
		if s.wantErr != "" {
			if err == nil {
				t.Fatalf("%s: no error (output %q); want %q", s.name, out, s.wantErr)
			}
			msg := message(err)
			if !strings.Contains(msg, s.wantErr) || strings.Contains(msg, "\n") {
				t.Fatalf("%s: error %q; want one line containing %q", s.name, msg, s.wantErr)
			}
			for _, internal := range []string{"federation:", "storage:"} {
				if strings.Contains(msg, internal) {
					t.Errorf("%s: error %q shows the internal %q", s.name, msg, internal)
				}
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, message(err))
		}
		if !strings.Contains(out, s.wantOut) {
			t.Fatalf("%s: output %q does not contain %q", s.name, out, s.wantOut)
		}
	}

	// What the commands did is what the engine sees.
	cfg := node.Default()
	cfg.DataDir = dir
	n, err := node.OpenExisting(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), true)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	ctx := context.Background()
	if _, _, err := n.Engine.CheckPassword(ctx, "alice", "another long passphrase"); err == nil {
		t.Error("the deleted member's password still works")
	}
	root, err := n.Store.AccountByUsername(ctx, "root")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := n.Engine.Can(ctx, root.ID, federation.ActManageRoles); err != nil || !ok {
		t.Errorf("root may manage roles: %v, %v; want true", ok, err)
	}
}

// TestCLIInvitations: an invitation made on the command line works as
// many times as it says, and the list shows its uses.
func TestCLIInvitations(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initNode(t, dir, "localhost:8080", "http")
	out, _, err := cliRun(dir, "", "admin", "invite", "create", "--expires", "7d", "--uses", "2")
	if err != nil {
		t.Fatal(message(err))
	}
	link := strings.TrimSpace(out)
	code, ok := strings.CutPrefix(link, "http://localhost:8080/auth/sign_up?invite=")
	if !ok {
		t.Fatalf("invite create printed %q; want the sign-up link", out)
	}
	cfg := node.Default()
	cfg.DataDir = dir
	n, err := node.OpenExisting(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), true)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, name := range []string{"one", "two", "three"} {
		_, err := n.Engine.SignUp(ctx, federation.SignUp{Username: name, Email: name + "@council.example",
			Password: "a long passphrase", InviteCode: code})
		if (err == nil) != (i < 2) {
			t.Errorf("sign-up %d with a two-use invitation: %v", i+1, err)
		}
	}
	// A sign-up that waits for an admin, as an open node makes one.
	if _, err := n.Engine.CreateMember(ctx, federation.NewMember{Username: "waits", Email: "waits@elsewhere.example",
		Password: "a long passphrase", Unapproved: true, Reason: "I run a library"}); err != nil {
		t.Fatal(err)
	}
	n.Close()
	for _, s := range []struct {
		args    []string
		want    string
		wantErr string
	}{
		{[]string{"admin", "invite", "list"}, "2 of 2  used up", ""},
		{[]string{"admin", "invite", "create", "--expires", "soon"}, "", `--expires: "soon" is not a duration`},
		{[]string{"admin", "invite", "create", "--uses", "-1"}, "", "cannot be negative"},
		{[]string{"admin", "account", "list"}, "awaiting approval", ""},
		{[]string{"admin", "account", "pending"}, "address confirmed\n  I run a library", ""},
		{[]string{"admin", "account", "approve", "waits"}, "waits is approved and may sign in", ""},
		{[]string{"admin", "account", "pending"}, "no sign-ups wait for approval", ""},
		{[]string{"admin", "account", "approve", "nobody"}, "", `there is no member "nobody"`},
		{[]string{"admin", "account", "list"}, "one@council.example", ""},
	} {
		out, _, err := cliRun(dir, "", s.args...)
		if s.wantErr != "" {
			if err == nil || !strings.Contains(message(err), s.wantErr) {
				t.Errorf("%v: %v; want an error containing %q", s.args, err, s.wantErr)
			}
			continue
		}
		if err != nil || !strings.Contains(out, s.want) {
			t.Errorf("%v: %q, %v; want %q", s.args, out, err, s.want)
		}
	}
}

// TestCLIAccountActions: limit, sensitive, disable and warn from the
// command line, with the reason the member is shown, each undone, and
// every one of them in the audit log.
func TestCLIAccountActions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initNode(t, dir, "localhost:8080", "http")
	if _, _, err := cliRun(dir, "a long passphrase\n", "admin", "account", "create", "--username", "alice", "--email", "alice@council.example"); err != nil {
		t.Fatal(message(err))
	}
	steps := []struct {
		args             []string
		wantOut, wantErr string
	}{
		{[]string{"limit", "alice", "--reason", "Off-topic posting"}, "alice is limited", ""},
		{[]string{"sensitive", "@alice@localhost:8080", "--reason", "Graphic images"}, "media marked sensitive", ""},
		{[]string{"disable", "alice", "--reason", "Compromised"}, "alice may not sign in", ""},
		{[]string{"warn", "alice"}, "", "a warning needs --reason"},
		{[]string{"warn", "alice", "--reason", "Be kind"}, "alice is warned", ""},
		{[]string{"limit", "nobody"}, "", `there is no member "nobody"`},
		{[]string{"limit", "someone@elsewhere.example"}, "", `there is no member "someone@elsewhere.example"`},
	}
	for _, s := range steps {
		out, _, err := cliRun(dir, "", append([]string{"admin", "account"}, s.args...)...)
		if s.wantErr != "" {
			if err == nil || !strings.Contains(message(err), s.wantErr) {
				t.Fatalf("%v: %q %v; want an error containing %q", s.args, out, err, s.wantErr)
			}
			continue
		}
		if err != nil || !strings.Contains(out, s.wantOut) {
			t.Fatalf("%v: %q %v; want %q", s.args, out, err, s.wantOut)
		}
	}
	open := func() *node.Node {
		cfg := node.Default()
		cfg.DataDir = dir
		n, err := node.OpenExisting(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), true)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	ctx := context.Background()
	n := open()
	alice, err := n.Store.AccountByUsername(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	m, err := n.Store.AccountModeration(ctx, alice.ID)
	if err != nil || m.LimitedAt.IsZero() || m.SensitiveAt.IsZero() || m.DisabledAt.IsZero() {
		t.Fatalf("moderation after the actions = %+v, %v", m, err)
	}
	warnings, err := n.Store.AccountWarnings(ctx, alice.ID, 10)
	if err != nil || len(warnings) != 4 {
		t.Fatalf("warnings = %+v, %v; want 4", warnings, err)
	}
	n.Close()
	for _, undo := range []string{"unlimit", "unsensitive", "enable"} {
		if _, _, err := cliRun(dir, "", "admin", "account", undo, "alice"); err != nil {
			t.Fatalf("%s: %v", undo, message(err))
		}
	}
	n = open()
	defer n.Close()
	m, err = n.Store.AccountModeration(ctx, alice.ID)
	if err != nil || !m.LimitedAt.IsZero() || !m.SensitiveAt.IsZero() || !m.DisabledAt.IsZero() {
		t.Fatalf("moderation after the undos = %+v, %v", m, err)
	}
	out, _, err := cliRun(dir, "", "admin", "audit")
	if err != nil {
		t.Fatal(message(err))
	}
	logged := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 7 && f[5] == "account" && f[6] == "alice" {
			logged[f[4]] = true
		}
	}
	for _, action := range []string{"limit", "unlimit", "sensitive", "unsensitive", "disable", "enable", "warn"} {
		if !logged[action] {
			t.Errorf("the audit log does not show %s of alice:\n%s", action, out)
		}
	}
}
