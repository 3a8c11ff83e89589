package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestCLIEmailDomainBlocks blocks, lists and unblocks email domains as an
// operator would; each change is in the audit log.
func TestCLIEmailDomainBlocks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initNode(t, dir, "localhost:8080", "http")
	steps := []cliStep{
		{"block", []string{"admin", "email-domain", "block", "Spam.Example"}, "sign-ups from spam.example and its subdomains are refused", ""},
		{"block another", []string{"admin", "email-domain", "block", "*.junk.example"}, "sign-ups from junk.example", ""},
		{"block again", []string{"admin", "email-domain", "block", "spam.example"}, "", "email domain spam.example is blocked already"},
		{"bad domain", []string{"admin", "email-domain", "block", "not a domain"}, "", "is not a host name"},
		{"no domain", []string{"admin", "email-domain", "block"}, "", "DOMAIN"},
		{"list", []string{"admin", "email-domain", "list"}, "spam.example", ""},
		{"unblock by domain", []string{"admin", "email-domain", "unblock", "SPAM.example"}, "spam.example is no longer blocked for sign-ups", ""},
		{"unblock nothing", []string{"admin", "email-domain", "unblock", "spam.example"}, "", "spam.example is not blocked"},
		{"unknown", []string{"admin", "email-domain", "frobnicate"}, "", `unknown command "frobnicate"`},
		{"none", []string{"admin", "email-domain"}, "", "name a command"},
	}
	runSteps(t, dir, steps)

	// What is left is junk.example alone; it is unblocked by its id.
	out, _, err := cliRun(dir, "", "admin", "email-domain", "list")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^(\d+)\s+junk\.example\s+\S+\s+command line$`).FindStringSubmatch(out)
	if row == nil || strings.Contains(out, "spam.example") {
		t.Fatalf("list:\n%s\nwant junk.example alone, blocked from the command line", out)
	}
	if out, _, err := cliRun(dir, "", "admin", "email-domain", "unblock", row[1]); err != nil || !strings.Contains(out, "junk.example is no longer blocked") {
		t.Fatalf("unblock by id: %q %v", out, err)
	}
	if out, _, err := cliRun(dir, "", "admin", "email-domain", "list"); err != nil || strings.Contains(out, "junk.example") {
		t.Fatalf("list after unblocking all: %q %v", out, err)
	}
	audit, _, err := cliRun(dir, "", "admin", "audit", "--action", "unblock_email_domain")
	if err != nil || strings.Count(audit, "unblock_email_domain") != 2 {
		t.Fatalf("audit of unblocks:\n%s\n%v; want two", audit, err)
	}
}
