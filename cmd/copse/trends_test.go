package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
)

// TestCLITrends lists a hashtag two members use as waiting for review,
// approves and rejects it from the command line (each audited), and
// refuses a hashtag nobody used in one readable line.
func TestCLITrends(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	initNode(t, dir, "localhost:8080", "http")
	ctx := context.Background()
	cfg := node.Default()
	cfg.DataDir, cfg.Host = dir, "localhost:8080"
	n, err := node.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ann", "bea"} {
		a, err := n.Engine.CreateMember(ctx, federation.NewMember{Username: name, Email: name + "@council.example",
			Password: "a long passphrase", Permission: "member"})
		if err != nil {
			t.Fatal(err)
		}
		st, err := n.Engine.Post(ctx, a.ID, federation.Draft{Text: "the #retrofit pilot: https://news.example/retrofit", Visibility: "public"})
		if err != nil {
			t.Fatal(err)
		}
		// The card the link worker would read (it does not run here).
		err = n.Store.InTx(ctx, func(tx *storage.Tx) error {
			c := storage.PreviewCard{URL: "https://news.example/retrofit", Title: "Retrofit pilot"}
			if err := tx.PutPreviewCard(ctx, &c); err != nil {
				return err
			}
			return tx.SetStatusCard(ctx, st.ID, c.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	n.Close()
	steps := []cliStep{
		{"list", []string{"admin", "trends", "list"}, "#retrofit  pending", ""},
		{"approve", []string{"admin", "trends", "approve", "#retrofit"}, "#retrofit trends for members", ""},
		{"list approved", []string{"admin", "trends", "list"}, "#retrofit  approved", ""},
		{"reject", []string{"admin", "trends", "reject", "retrofit"}, "#retrofit does not trend", ""},
		{"list rejected", []string{"admin", "trends", "list"}, "#retrofit  rejected", ""},
		{"nobody used it", []string{"admin", "trends", "approve", "unheard"}, "", "not found"},
		{"list a link", []string{"admin", "trends", "list"}, "https://news.example/retrofit  2       pending  Retrofit pilot", ""},
		{"approve a link", []string{"admin", "trends", "approve", "https://news.example/retrofit"}, "https://news.example/retrofit trends for members while people share it", ""},
		{"list the approved link", []string{"admin", "trends", "list"}, "https://news.example/retrofit  2       approved  Retrofit pilot", ""},
		{"a link nobody shared", []string{"admin", "trends", "reject", "https://other.example/"}, "", "not found"},
		{"no hashtag", []string{"admin", "trends", "approve"}, "", "HASHTAG"},
	}
	runSteps(t, dir, steps)
	audit, _, err := cliRun(dir, "", "admin", "audit")
	if err != nil || !strings.Contains(audit, "approve_trend") || !strings.Contains(audit, "reject_trend") {
		t.Fatalf("audit:\n%s\n%v", audit, err)
	}
}
