package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestLoadAppliesEveryShape runs the loader against a real node, as a
// peer would reach it (its own actor on its own port, signed POSTs over
// TCP), and checks what the member then sees: N mentions, N posts in the
// home feed, or N replies in the thread of their post.
func TestLoadAppliesEveryShape(t *testing.T) {
	const n = 12
	tests := []struct {
		shape string
		auth  func(node *testrig.Node, alice storage.Account) (token, password string)
		check func(t *testing.T, node *testrig.Node, alice storage.Account)
	}{
		{shapeMention, nil, func(t *testing.T, node *testrig.Node, alice storage.Account) {
			got, err := node.Store.NotificationPage(context.Background(), alice.ID,
				storage.NotificationFilter{Types: []string{storage.NotifyMention}}, storage.Page{Limit: 40})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != n {
				t.Errorf("alice has %d mention notifications, want %d", len(got), n)
			}
		}},
		{shapeFollow, func(node *testrig.Node, alice storage.Account) (string, string) {
			return node.Token(alice), ""
		}, func(t *testing.T, node *testrig.Node, alice storage.Account) {
			sts, err := node.Store.HomeTimeline(context.Background(), alice.ID, storage.Page{Limit: 40})
			if err != nil {
				t.Fatal(err)
			}
			if len(sts) != n {
				t.Errorf("alice's home feed has %d posts, want %d", len(sts), n)
			}
		}},
		// The password path signs in through the node's OAuth pages, as
		// the documented command does.
		{shapeReply, func(*testrig.Node, storage.Account) (string, string) {
			return "", "correct horse battery"
		}, func(t *testing.T, node *testrig.Node, alice storage.Account) {
			ctx := context.Background()
			sts, err := node.Store.AccountStatuses(ctx, alice.ID, []activitypub.Visibility{activitypub.Public}, storage.Page{Limit: 5})
			if err != nil || len(sts) != 1 {
				t.Fatalf("alice's statuses: %d, %v; want her one post", len(sts), err)
			}
			replies, err := node.Store.Replies(ctx, sts[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(replies) != n {
				t.Errorf("alice's post has %d replies, want %d", len(replies), n)
			}
		}},
		// -member names alice's community: the peer joins it, and every
		// thread is taken in (checked and announced by the Group).
		{shapeCommunity, nil, func(t *testing.T, node *testrig.Node, alice storage.Account) {
			ctx := context.Background()
			g, err := node.Store.AccountByUsername(ctx, "libraries")
			if err != nil {
				t.Fatal(err)
			}
			ids, err := node.Store.CommunityStatusIDs(ctx, g.ID, storage.Page{Limit: 40})
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) != n {
				t.Errorf("the community holds %d threads, want %d", len(ids), n)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.shape, func(t *testing.T) {
			node := testrig.StartOne(t, nil)
			alice := node.Member("alice", false)
			cfg := config{Node: node.URL, Member: "alice", Shape: tc.shape, N: n, Concurrency: 4,
				Timeout: time.Minute, Listen: "127.0.0.1:0"}
			if tc.auth != nil {
				cfg.Token, cfg.Password = tc.auth(node, alice)
			}
			if tc.shape == shapeCommunity {
				if _, err := node.Engine.CreateCommunity(context.Background(), alice,
					federation.NewCommunity{Handle: "libraries", Name: "Libraries"}); err != nil {
					t.Fatal(err)
				}
				cfg.Member = "libraries"
			}
			res, err := run(context.Background(), cfg, io.Discard)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if res.Applied != n {
				t.Errorf("applied %d, want %d", res.Applied, n)
			}
			tc.check(t, node, alice)
		})
	}
}

func TestCheckConfigRefuses(t *testing.T) {
	good := config{Node: "http://127.0.0.1:18080", Member: "alice", Shape: shapeMention, N: 10, Concurrency: 4,
		Timeout: time.Minute, Listen: "127.0.0.1:0"}
	if _, err := checkConfig(good); err != nil {
		t.Fatalf("a good config is refused: %v", err)
	}
	tests := []struct {
		name string
		edit func(*config)
	}{
		{"a node off loopback", func(c *config) { c.Node = "http://192.0.2.1:8080" }},
		{"a node by name", func(c *config) { c.Node = "https://example.org" }},
		{"a peer listening off loopback", func(c *config) { c.Listen = "0.0.0.0:0" }},
		{"no member", func(c *config) { c.Member = "" }},
		{"an unknown shape", func(c *config) { c.Shape = "boost" }},
		{"too many activities", func(c *config) { c.N = maxActivities + 1 }},
		{"no activities", func(c *config) { c.N = 0 }},
		{"too many connections", func(c *config) { c.Concurrency = maxConcurrency + 1 }},
		{"no time limit", func(c *config) { c.Timeout = 0 }},
		{"too long", func(c *config) { c.Timeout = maxTimeout + time.Second }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.edit(&c)
			if _, err := checkConfig(c); err == nil {
				t.Errorf("accepted %+v", c)
			}
		})
	}
}

func TestParseProcStat(t *testing.T) {
	// utime 250 and stime 50 ticks: 3 s. The command name holds a space
	// and a parenthesis, as a process may name itself.
	rest := "S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 12 0 100 2000 300"
	got, err := parseProcStat("4242 (copse (x) y) " + rest)
	if err != nil {
		t.Fatal(err)
	}
	if got != 3*time.Second {
		t.Errorf("CPU = %v, want 3s", got)
	}
	if _, err := parseProcStat("4242 (copse) S 1 2"); err == nil {
		t.Error("a short line parsed")
	}
}

func TestRunMainRefusesRemoteNode(t *testing.T) {
	var out, errOut strings.Builder
	err := runMain([]string{"-node", "http://198.51.100.7", "-member", "alice"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("err = %v, want a refusal naming loopback", err)
	}
	if out.Len() > 0 {
		t.Errorf("printed %q", fmt.Sprint(out.String()))
	}
}

// TestPrintToken: -print-token signs in through the node's OAuth pages
// and prints a token the node accepts, so that a series of runs shares
// one app registration; without -password it says what is missing.
func TestPrintToken(t *testing.T) {
	node := testrig.StartOne(t, nil)
	node.Member("alice", false)
	var out, errOut strings.Builder
	if err := runMain([]string{"-node", node.URL, "-member", "alice", "-password", "correct horse battery", "-print-token"}, &out, &errOut); err != nil {
		t.Fatalf("runMain: %v (%s)", err, errOut.String())
	}
	tok := strings.TrimSpace(out.String())
	req, err := http.NewRequest(http.MethodGet, node.URL+"/api/v1/accounts/verify_credentials", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var acct struct {
		Username string `json:"username"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&acct); err != nil || resp.StatusCode != http.StatusOK || acct.Username != "alice" {
		t.Errorf("the printed token %q: %s, account %q (%v); want alice's", tok, resp.Status, acct.Username, err)
	}

	out.Reset()
	err = runMain([]string{"-node", node.URL, "-member", "alice", "-print-token"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "-password") || out.Len() > 0 {
		t.Errorf("without -password: err = %v, printed %q; want an error naming -password", err, out.String())
	}
}
