package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
)

// TestCLICommunityExportImport: export a community of one node to a
// file, import it on another under a new handle, and refuse, in one
// line, an unknown community, an existing output file, a damaged archive
// and a taken handle.
func TestCLICommunityExportImport(t *testing.T) {
	t.Parallel()
	from, to := t.TempDir(), t.TempDir()
	initNode(t, from, "localhost:8081", "http")
	initNode(t, to, "localhost:8082", "http")
	ctx := context.Background()
	cfg := node.Default()
	cfg.DataDir, cfg.Host = from, "localhost:8081"
	n, err := node.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	alice, err := n.Engine.CreateMember(ctx, federation.NewMember{Username: "alice", Email: "alice@council.example",
		Password: "a long passphrase", Permission: "member", Organisation: "Westshire County Council"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.CreateCommunity(ctx, alice, federation.NewCommunity{Handle: "libraries", Name: "Libraries",
		JoinPolicy: storage.JoinOpen, PostingPolicy: storage.PostingMembers, Visibility: storage.CommunityPublic}); err != nil {
		t.Fatal(err)
	}
	n.Close()

	file := filepath.Join(t.TempDir(), "libraries.tar.gz")
	damaged := filepath.Join(t.TempDir(), "damaged.tar.gz")
	steps := []struct {
		name, dir string
		args      []string
		wantOut   string
		wantErr   string
	}{
		{"export nobody", from, []string{"admin", "community", "export", "nobody", "--out", file}, "", `there is no community "nobody" on this node`},
		{"export a member", from, []string{"admin", "community", "export", "alice", "--out", file}, "", `there is no community "alice" on this node`},
		{"export without --out", from, []string{"admin", "community", "export", "libraries"}, "", "--out required"},
		{"export", from, []string{"admin", "community", "export", "libraries", "--out", file}, "exported http://localhost:8081/users/libraries", ""},
		{"export over a file", from, []string{"admin", "community", "export", "libraries", "--out", file}, "", "exists already"},
		{"import damaged", to, []string{"admin", "community", "import", damaged}, "", "is not a whole copse community archive, nothing imported"},
		{"import", to, []string{"admin", "community", "import", file, "--handle", "library_services"}, "as http://localhost:8082/users/library_services", ""},
		{"import again", to, []string{"admin", "community", "import", file, "--handle", "library_services"}, "", "library_services"},
		{"import with no room", to, []string{"admin", "community", "import", file, "--max-size", "0"}, "", "--max-size 0 is not a size in MiB"},
		{"moved without --to", from, []string{"admin", "community", "moved", "libraries"}, "", "--to required"},
		{"moved a member", from, []string{"admin", "community", "moved", "alice", "--to", "https://council-b.example/users/x"}, "", "alice is not a community of this node"},
		{"moved nobody", from, []string{"admin", "community", "moved", "nobody", "--to", "https://council-b.example/users/x"}, "", "community nobody"},
		{"unknown", to, []string{"admin", "community", "frobnicate"}, "", `unknown command "frobnicate"`},
	}
	for _, s := range steps {
		if s.name == "import damaged" {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/2] ^= 0xff
			if err := os.WriteFile(damaged, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		out, _, err := cliRun(s.dir, "", s.args...)
		switch {
		case s.wantErr != "":
			if err == nil || !strings.Contains(message(err), s.wantErr) || strings.Contains(message(err), "\n") {
				t.Errorf("%s: err = %v, want one line with %q", s.name, err, s.wantErr)
			}
		case err != nil:
			t.Errorf("%s: %v", s.name, err)
		case !strings.Contains(out, s.wantOut):
			t.Errorf("%s: out = %q, want %q", s.name, out, s.wantOut)
		}
	}
	if _, err := os.Stat(file); err != nil {
		t.Errorf("archive: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".copse-export-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
