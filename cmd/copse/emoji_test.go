package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation/imaging/imagingtest"
)

// TestCLIEmojis adds, lists and removes custom emojis as an operator
// would, with one-line errors for what is refused; each change is in the
// audit log.
func TestCLIEmojis(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initNode(t, dir, "localhost:8080", "http")
	heron := filepath.Join(t.TempDir(), "heron.png")
	notImage := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(heron, imagingtest.PNG(t, imagingtest.Halves(300, 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(notImage, []byte("not an image"), 0o600); err != nil {
		t.Fatal(err)
	}
	steps := []cliStep{
		{"add", []string{"admin", "emoji", "add", ":heron:", heron, "--category", "Birds"}, ":heron: added", ""},
		{"add hidden", []string{"admin", "emoji", "add", "--hidden", "wren", heron}, ":wren: added", ""},
		{"taken in another case", []string{"admin", "emoji", "add", "Heron", heron}, "", "the shortcode :Heron: is taken"},
		{"bad shortcode", []string{"admin", "emoji", "add", "grey-heron", heron}, "", "2 to 64 letters, digits or underscores"},
		{"not an image", []string{"admin", "emoji", "add", "notes", notImage}, "", "File type is not supported"},
		{"no file", []string{"admin", "emoji", "add", "owl", filepath.Join(dir, "missing.png")}, "", "missing.png"},
		{"no image named", []string{"admin", "emoji", "add", "owl"}, "", "IMAGE FILE OR ADDRESS"},
		{"copied from a private address", []string{"admin", "emoji", "add", "owl", "http://127.0.0.1:9/owl.png"}, "", "the image could not be fetched"},
		{"remove nothing", []string{"admin", "emoji", "remove", "owl"}, "", "no emoji :owl:"},
		{"set nothing", []string{"admin", "emoji", "set", "wren"}, "", "say what to change"},
		{"set an unknown one", []string{"admin", "emoji", "set", "owl", "--shown"}, "", "no emoji :owl:"},
		{"set a long category", []string{"admin", "emoji", "set", "wren", "--category", strings.Repeat("b", 65)}, "", "at most 64"},
		{"show in pickers", []string{"admin", "emoji", "set", ":wren:", "--shown", "--category", "Birds"}, `:wren: is in category "Birds" and shown in pickers`, ""},
		{"hide again", []string{"admin", "emoji", "set", "wren", "--hidden", "--category", ""}, `:wren: is in category "" and left out of pickers`, ""},
	}
	runSteps(t, dir, steps)

	out, _, err := cliRun(dir, "", "admin", "emoji", "list")
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile(`(?m)^:(\w+):\s+(\S*)\s+(shown|hidden)\s+\S+\s+(http://localhost:8080/media/\S+_emoji\.png)$`).FindAllStringSubmatch(out, -1)
	if len(rows) != 2 || rows[0][1] != "wren" || rows[0][3] != "hidden" || rows[1][1] != "heron" || rows[1][2] != "Birds" || rows[1][3] != "shown" {
		t.Fatalf("list:\n%s\nwant wren (hidden, no category) before heron (Birds)", out)
	}
	if out, _, err := cliRun(dir, "", "admin", "emoji", "remove", ":heron:"); err != nil || !strings.Contains(out, ":heron: removed") {
		t.Fatalf("remove: %q %v", out, err)
	}
	if out, _, err := cliRun(dir, "", "admin", "emoji", "list"); err != nil || strings.Contains(out, "heron") || !strings.Contains(out, "wren") {
		t.Fatalf("list after removing heron:\n%s\n%v", out, err)
	}
	audit, _, err := cliRun(dir, "", "admin", "audit")
	if err != nil || strings.Count(audit, "add_emoji") != 2 || strings.Count(audit, "change_emoji") != 2 || strings.Count(audit, "remove_emoji") != 1 {
		t.Fatalf("audit:\n%s\n%v; want two adds, two changes and a removal", audit, err)
	}
}
