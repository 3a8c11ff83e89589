package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestCLIDomainLists subscribes to a shared list from the command line,
// reviews its drafts and ends the subscription.
func TestCLIDomainLists(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	body := "# the councils' list\nspam.example\nloud.example\n"
	list := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(body))
	}))
	defer list.Close()
	dir := t.TempDir()
	initNode(t, dir, "localhost:8080", "http")
	cfg := filepath.Join(dir, "copse.yaml")
	if err := os.WriteFile(cfg, []byte("allow_private: [\"127.0.0.0/8\"]\npolicy_list_refresh: 2h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name             string
		args             []string
		wantOut, wantErr string
		change           string
	}{
		{name: "subscribe", args: []string{"subscribe", list.URL}, wantOut: "2 domains (text): 2 new drafts, 0 blocked"},
		{name: "subscribe again", args: []string{"subscribe", list.URL}, wantErr: "already subscribed"},
		{name: "not https", args: []string{"subscribe", "ftp://lists.example/x"}, wantErr: "is not an https URL"},
		{name: "drafts", args: []string{"drafts"}, wantOut: "spam.example"},
		{name: "approve", args: []string{"approve", "spam.example"}, wantOut: "spam.example is blocked (suspend)"},
		{name: "approve again", args: []string{"approve", "spam.example"}, wantErr: "no draft spam.example"},
		{name: "reject", args: []string{"reject", "loud.example"}, wantOut: "the draft to block loud.example is rejected"},
		{name: "list shows the block", args: []string{"list"}, wantOut: "spam.example"},
		{name: "broken list", args: []string{"subscriptions", "--refresh"}, change: "not a domain\n", wantOut: `line 1: "not a domain" is not one domain`},
		{name: "unsubscribe", args: []string{"unsubscribe", list.URL}, wantOut: "its blocks stay"},
		{name: "unsubscribe again", args: []string{"unsubscribe", list.URL}, wantErr: "not subscribed"},
	}
	for _, s := range steps {
		if s.change != "" {
			mu.Lock()
			body = s.change
			mu.Unlock()
		}
		args := append([]string{"admin", "domain"}, s.args...)
		args = append(args, "--config", cfg)
		out, _, err := cliRun(dir, "", args...)
		if s.wantErr != "" {
			if err == nil || !strings.Contains(message(err), s.wantErr) {
				t.Fatalf("%s: error %v (output %q); want %q", s.name, err, out, s.wantErr)
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
}

// TestCLIDomainAllowLists subscribes to a shared list of allowed domains
// (--kind allows) from the command line, in allow-list mode, and reviews
// its drafts: approving one allows the domain.
func TestCLIDomainAllowLists(t *testing.T) {
	t.Parallel()
	list := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("# the councils' trust list\ncouncil-b.example\ncouncil-c.example\n"))
	}))
	defer list.Close()
	dir := t.TempDir()
	initNode(t, dir, "localhost:8080", "http")
	cfg := filepath.Join(dir, "copse.yaml")
	if err := os.WriteFile(cfg, []byte("allow_private: [\"127.0.0.0/8\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	listHost := strings.TrimPrefix(list.URL, "http://")
	steps := []struct {
		name             string
		args             []string
		wantOut, wantErr string
	}{
		{name: "allow-list mode", args: []string{"federation", "mode", "allowlist"}},
		{name: "unknown kind", args: []string{"domain", "subscribe", list.URL, "--kind", "mutes"}, wantErr: `list kind "mutes" is not blocks or allows`},
		{name: "list host not allowed", args: []string{"domain", "subscribe", list.URL, "--kind", "allows"}, wantErr: "allow-list mode"},
		{name: "allow the list's host", args: []string{"domain", "allow", listHost}},
		{name: "subscribe", args: []string{"domain", "subscribe", list.URL, "--kind", "allows"},
			wantOut: "subscribed to allows list " + list.URL},
		{name: "subscriptions", args: []string{"domain", "subscriptions"}, wantOut: "allows"},
		{name: "drafts", args: []string{"domain", "drafts"}, wantOut: "council-b.example  allow"},
		{name: "approve", args: []string{"domain", "approve", "council-b.example"}, wantOut: "council-b.example is allowed"},
		{name: "reject", args: []string{"domain", "reject", "council-c.example"}, wantOut: "the draft to allow council-c.example is rejected"},
		{name: "list shows the allow", args: []string{"domain", "list"}, wantOut: "council-b.example"},
		{name: "unsubscribe", args: []string{"domain", "unsubscribe", list.URL}, wantOut: "its allows stay"},
	}
	for _, s := range steps {
		args := append([]string{"admin"}, s.args...)
		args = append(args, "--config", cfg)
		out, _, err := cliRun(dir, "", args...)
		if s.wantErr != "" {
			if err == nil || !strings.Contains(message(err), s.wantErr) {
				t.Fatalf("%s: error %v (output %q); want %q", s.name, err, out, s.wantErr)
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
}
