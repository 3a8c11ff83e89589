package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIDomainPolicy runs the federation policy commands in order, as an
// operator would, ending with an export that imports back to the same.
func TestCLIDomainPolicy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initNode(t, dir, "localhost:8080", "http")
	csvFile := filepath.Join(dir, "blocks.csv")
	err := os.WriteFile(csvFile, []byte("#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"+
		"bad.example,suspend,false,false,Harassment,false\nmeh.example,silence,true,false,,false\n"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name, stdin      string
		args             []string
		wantOut, wantErr string
	}{
		{"block", "", []string{"admin", "domain", "block", "spam.example", "--public-comment", "spam"}, "spam.example is blocked (suspend)", ""},
		{"block again changes it", "", []string{"admin", "domain", "block", "--severity", "limit", "--reject-media", "spam.example"}, "spam.example is blocked (limit)", ""},
		{"bad severity", "", []string{"admin", "domain", "block", "x.example", "--severity", "ban"}, "", `severity "ban" is not suspend, limit or noop`},
		{"bad domain", "", []string{"admin", "domain", "block", "not a domain"}, "", "is not a host name"},
		{"own domain", "", []string{"admin", "domain", "block", "localhost:8080"}, "", "cannot block its own domain"},
		{"import", "", []string{"admin", "domain", "import", csvFile}, "imported 2 blocks: 2 new, 0 updated", ""},
		{"import from stdin updates", "#domain,#severity\nbad.example,noop\n", []string{"admin", "domain", "import", "-"}, "1 updated", ""},
		{"import a bad file", "#domain,#severity\nx.example,ban\n", []string{"admin", "domain", "import", "-"}, "", "CSV line 2"},
		{"allow", "", []string{"admin", "domain", "allow", "council-b.example"}, "once the federation mode is allowlist", ""},
		{"mode", "", []string{"admin", "federation", "mode", "allowlist"}, "federation mode is allowlist", ""},
		{"bad mode", "", []string{"admin", "federation", "mode", "closed"}, "", `federation mode "closed" is not open or allowlist`},
		{"list", "", []string{"admin", "domain", "list"}, "federation mode: allowlist", ""},
		{"disallow", "", []string{"admin", "domain", "disallow", "council-b.example"}, "council-b.example is no longer allowed", ""},
		{"disallow again", "", []string{"admin", "domain", "disallow", "council-b.example"}, "", "council-b.example is not allowed"},
		{"unblock", "", []string{"admin", "domain", "unblock", "meh.example"}, "meh.example is no longer blocked", ""},
		{"unblock nothing", "", []string{"admin", "domain", "unblock", "meh.example"}, "", "meh.example is not blocked"},
		{"export", "", []string{"admin", "domain", "export"}, "bad.example,noop,false,false,Harassment,false\nspam.example,silence,true,false,spam,false\n", ""},
		{"unknown", "", []string{"admin", "domain", "frobnicate"}, "", `unknown command "frobnicate"`},
	}
	for _, s := range steps {
		out, _, err := cliRun(dir, s.stdin, s.args...)
		if s.wantErr != "" {
			if err == nil {
				t.Fatalf("%s: no error (output %q); want %q", s.name, out, s.wantErr)
			}
			msg := message(err)
			if !strings.Contains(msg, s.wantErr) || strings.Contains(msg, "\n") || strings.Contains(msg, "federation:") {
				t.Fatalf("%s: error %q; want one line containing %q", s.name, msg, s.wantErr)
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
	// The export imports back unchanged.
	exported, _, err := cliRun(dir, "", "admin", "domain", "export")
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := cliRun(dir, exported, "admin", "domain", "import", "-")
	if err != nil || !strings.Contains(out, "0 new, 2 updated") {
		t.Fatalf("re-import: %q %v", out, err)
	}
	again, _, _ := cliRun(dir, "", "admin", "domain", "export")
	if again != exported {
		t.Fatalf("export after re-import:\n%s\nwant\n%s", again, exported)
	}
}
