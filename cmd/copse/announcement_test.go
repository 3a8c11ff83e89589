package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestCLIAnnouncements publishes, lists and deletes announcements as an
// operator would; bad input is one readable line, and each change is in
// the audit log.
func TestCLIAnnouncements(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initNode(t, dir, "localhost:8080", "http")
	steps := []cliStep{
		{"publish", []string{"admin", "announcement", "publish", "--text", "Upgrade on Saturday night.",
			"--starts-at", "2099-12-12T22:00:00Z", "--ends-at", "2099-12-13T01:00:00Z"}, "published", ""},
		{"publish all day", []string{"admin", "announcement", "publish", "--text", "Office closed.", "--all-day",
			"--starts-at", "2099-12-25", "--ends-at", "2099-12-26"}, "published", ""},
		{"no text", []string{"admin", "announcement", "publish"}, "", "an announcement needs text"},
		{"a bad time", []string{"admin", "announcement", "publish", "--text", "x", "--ends-at", "Saturday"}, "", `"Saturday" is not a time`},
		{"ended already", []string{"admin", "announcement", "publish", "--text", "x", "--ends-at", "2001-01-01T00:00:00Z"}, "", "in the future"},
		{"delete no id", []string{"admin", "announcement", "delete", "latest"}, "", "is not an announcement id"},
		{"delete nothing", []string{"admin", "announcement", "delete", "12345"}, "", "not found"},
	}
	runSteps(t, dir, steps)
	out, _, err := cliRun(dir, "", "admin", "announcement", "list")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^(\d+)\s+\S+\s+2099-12-27T00:00:00Z\s+yes\s+Office closed\.$`).FindStringSubmatch(out)
	if row == nil || !strings.Contains(out, "Upgrade on Saturday night.") {
		t.Fatalf("list:\n%s\nwant both, the all-day one shown to the end of its last day", out)
	}
	if out, _, err := cliRun(dir, "", "admin", "announcement", "delete", row[1]); err != nil || !strings.Contains(out, "deleted") {
		t.Fatalf("delete: %q %v", out, err)
	}
	if out, _, err := cliRun(dir, "", "admin", "announcement", "list"); err != nil || strings.Contains(out, "Office closed") {
		t.Fatalf("list after deleting: %q %v", out, err)
	}
	audit, _, err := cliRun(dir, "", "admin", "audit")
	if err != nil || strings.Count(audit, "publish_announcement") != 2 || strings.Count(audit, "delete_announcement") != 1 {
		t.Fatalf("audit:\n%s\n%v", audit, err)
	}
}
