package pages_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

const (
	benchThreads = 10_000
	benchReplies = 50_000 // five to a thread
)

// BenchmarkCommunityPage measures the community page (/c/{handle}: about,
// members, threads newest first with replies) and the API's thread list
// (/api/copse/v1/communities/{id}/threads) of a community holding
// benchThreads threads and benchReplies replies, written straight to
// storage, read by two concurrent clients. It reports requests per
// second, p50 and p99 latency and the process's CPU per request.
func BenchmarkCommunityPage(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(node.GCPercent)) // as copse serve runs
	n, alice, c := benchNode(b)
	g, err := n.Store.AccountByID(context.Background(), c.AccountID)
	if err != nil {
		b.Fatal(err)
	}
	benchFillCommunity(b, n, alice, g)
	benchFillMembers(b, n, g)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
	for _, bc := range []struct{ name, path string }{
		{"page", "/c/libraries"},
		{"thread-list", "/api/copse/v1/communities/" + g.ID.String() + "/threads"},
		{"directory", "/directory"},
		{"directory-page-30", "/directory?page=30"},
		{"directory-organisation", "/directory?organisation=Council+7"},
		{"members-page-30", "/c/libraries/members?page=30"},
	} {
		b.Run(bc.name, func(b *testing.B) { benchServe(b, client, n.URL+bc.path) })
	}
}

// benchNode starts a node without rate limits, with alice, a member, and
// the community "libraries" she started.
func benchNode(b *testing.B) (*testrig.Node, storage.Account, storage.Community) {
	b.Helper()
	n := testrig.StartOne(b, func(c *node.Config) {
		c.Tuning.RateLimitRequests = 1 << 30
		c.Tuning.RateLimitWindow = time.Hour
	})
	alice := n.Member("alice", false)
	c, err := n.Engine.CreateCommunity(context.Background(), alice, federation.NewCommunity{Handle: "libraries", Name: "Libraries"})
	if err != nil {
		b.Fatal(err)
	}
	return n, alice, c
}

// benchMembers join the benchmark's community: the size the fanout
// target names, 5,000 members on 200 nodes, from 60 organisations.
const benchMembers = 5_000

// benchFillMembers makes benchMembers remote accounts, each naming one of
// 60 organisations (a tenth naming none), members of the community g.
func benchFillMembers(b *testing.B, n *testrig.Node, g storage.Account) {
	b.Helper()
	ctx := context.Background()
	err := n.Store.InTx(ctx, func(tx *storage.Tx) error {
		for i := range benchMembers {
			host := fmt.Sprintf("node%d.example", i%200)
			id := fmt.Sprintf("https://%s/users/m%d", host, i)
			a := storage.Account{URI: id, Username: fmt.Sprintf("m%d", i), Domain: host, ActorType: activitypub.TypePerson,
				DisplayName: fmt.Sprintf("Member %d", i), Inbox: id + "/inbox", SharedInbox: "https://" + host + "/inbox",
				Department: fmt.Sprintf("Department %d", i%7), FetchedAt: time.Now()}
			if i%10 != 0 {
				a.Organisation = fmt.Sprintf("Council %d", i%60)
			}
			if err := tx.InsertAccount(ctx, &a); err != nil {
				return err
			}
			if err := tx.InsertFollow(ctx, &storage.Follow{AccountID: a.ID, TargetID: g.ID, URI: id + "#join"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("members: %v", err)
	}
}

// benchFillCommunity writes benchThreads threads by author into the
// community g, each with benchReplies/benchThreads replies, as the
// engine records community posts, in batches.
func benchFillCommunity(b *testing.B, n *testrig.Node, author, g storage.Account) {
	b.Helper()
	ctx := context.Background()
	perThread := benchReplies / benchThreads
	const batch = 500
	for done := 0; done < benchThreads; done += batch {
		err := n.Store.InTx(ctx, func(tx *storage.Tx) error {
			for i := done; i < min(done+batch, benchThreads); i++ {
				id := tx.NewID()
				uri := fmt.Sprintf("%s/users/alice/statuses/%d", n.URL, id)
				root := storage.Status{ID: id, URI: uri, AccountID: author.ID, Mentions: []storage.ID{g.ID},
					Content: fmt.Sprintf("<p>Thread %d on the enquiry routine.</p>", i), Visibility: activitypub.Public, Local: true}
				if err := tx.InsertStatus(ctx, &root); err != nil {
					return err
				}
				if _, err := tx.AddCommunityStatus(ctx, g.ID, root.ID); err != nil {
					return err
				}
				if err := tx.AddCommunityPost(ctx, storage.CommunityPost{StatusID: root.ID, GroupID: g.ID, RootID: root.ID}); err != nil {
					return err
				}
				for j := range perThread {
					rid := tx.NewID()
					reply := storage.Status{ID: rid, URI: fmt.Sprintf("%s/users/alice/statuses/%d", n.URL, rid), AccountID: author.ID,
						InReplyToID: root.ID, InReplyToURI: root.URI, Mentions: []storage.ID{g.ID},
						Content: fmt.Sprintf("<p>Reply %d.</p>", j), Visibility: activitypub.Public, Local: true}
					if err := tx.InsertStatus(ctx, &reply); err != nil {
						return err
					}
					if _, err := tx.AddCommunityStatus(ctx, g.ID, reply.ID); err != nil {
						return err
					}
					if err := tx.AddCommunityPost(ctx, storage.CommunityPost{StatusID: reply.ID, GroupID: g.ID, RootID: root.ID}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("fill the community: %v", err)
		}
	}
}
