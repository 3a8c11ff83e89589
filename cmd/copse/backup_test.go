package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/copse-dev/copse/web/node"
)

// TestBackupAndRestore backs up a node that is open (as a running one
// is), restores the copy as another data directory, and finds the member
// and the media file there.
func TestBackupAndRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	cfg := node.Default()
	cfg.DataDir = dir
	live, err := node.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if _, _, err := cliRun(dir, "", "admin", "account", "create", "--username", "alice", "--email", "alice@council-a.example",
		"--password", "a long passphrase"); err != nil {
		t.Fatal(err)
	}
	media := filepath.Join(dir, "media", "ab", "photo.jpg")
	if err := os.MkdirAll(filepath.Dir(media), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(media, []byte("jpeg bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "media", "ab", ".upload-123"), []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}

	to := filepath.Join(t.TempDir(), "backup")
	out, _, err := cliRun(dir, "", "admin", "backup", "--to", to)
	if err != nil || !strings.Contains(out, "and 1 media files") {
		t.Fatalf("backup: %q, %v", out, err)
	}
	if _, _, err := cliRun(dir, "", "admin", "backup", "--to", to); err == nil || !strings.Contains(message(err), "is not empty") {
		t.Errorf("a second backup into the same directory: %v", err)
	}

	cfg.DataDir = to
	restored, err := node.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open the restored node: %v", err)
	}
	defer restored.Close()
	if a, err := restored.Store.AccountByUsername(ctx, "alice"); err != nil || a.URI != "http://localhost:8080/users/alice" {
		t.Errorf("alice in the restored node: %q, %v", a.URI, err)
	}
	if b, err := os.ReadFile(filepath.Join(to, "media", "ab", "photo.jpg")); err != nil || string(b) != "jpeg bytes" {
		t.Errorf("media file in the backup: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(to, "media", "ab", ".upload-123")); err == nil {
		t.Error("an upload being written was copied")
	}
}
