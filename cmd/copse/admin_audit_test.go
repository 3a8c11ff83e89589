package main

import (
	"strings"
	"testing"
)

// TestCLIAudit: what the command line does to members is in the audit
// log, which `copse admin audit` lists newest first and filters.
func TestCLIAudit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initNode(t, dir, "localhost:8080", "http")
	for _, args := range [][]string{
		{"admin", "account", "create", "--username", "alice", "--email", "alice@council.example", "--password-stdin"},
		{"admin", "account", "role", "alice", "moderator"},
		{"admin", "account", "suspend", "alice"},
		{"admin", "account", "unsuspend", "alice"},
	} {
		if _, _, err := cliRun(dir, "a long passphrase\n", args...); err != nil {
			t.Fatalf("%v: %s", args, message(err))
		}
	}
	for _, s := range []struct {
		args          []string
		want, notWant []string
		wantErr       string
	}{
		{args: []string{"admin", "audit"}, want: []string{"unsuspend account alice", "suspend account alice",
			"change_role account alice role=moderator was=member", "(command line)"}},
		{args: []string{"admin", "audit", "--action", "suspend"}, want: []string{"suspend account alice"}, notWant: []string{"unsuspend", "change_role"}},
		{args: []string{"admin", "audit", "--limit", "1"}, want: []string{"unsuspend"}, notWant: []string{"change_role"}},
		{args: []string{"admin", "audit", "--before", "x"}, wantErr: `--before: "x" is not an entry id`},
	} {
		out, _, err := cliRun(dir, "", s.args...)
		if s.wantErr != "" {
			if err == nil || !strings.Contains(message(err), s.wantErr) {
				t.Errorf("%v: %v; want an error containing %q", s.args, err, s.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %s", s.args, message(err))
			continue
		}
		// Columns are aligned with runs of spaces; compare words.
		out = strings.Join(strings.Fields(out), " ")
		for _, w := range s.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: %q lacks %q", s.args, out, w)
			}
		}
		for _, w := range s.notWant {
			if strings.Contains(out, w) {
				t.Errorf("%v: %q has %q", s.args, out, w)
			}
		}
	}
}
