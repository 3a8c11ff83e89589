package e2e

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestSearchRepertoireThroughGoMastodon (issue 13 item 6): a community
// on A holds an artefact and a glossary term; a member of B who follows
// it finds both through B's /api/v2/search with a third-party Mastodon
// client, as statuses of the community's account linking to their pages
// on A, opens one by its id and is told 422 on favouriting it. On A, a
// members-only community's artefact is found by its member and by
// nobody else.
func TestSearchRepertoireThroughGoMastodon(t *testing.T) {
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	alice, stranger, bea := a.Member("alice", false), a.Member("stranger", false), b.Member("bea", false)
	newCommunity := func(handle, visibility string) storage.Account {
		c, err := a.Engine.CreateCommunity(ctx, alice, federation.NewCommunity{Handle: handle, Name: handle, Visibility: visibility})
		if err != nil {
			t.Fatal(err)
		}
		g, err := a.Store.AccountByID(ctx, c.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	roads, hidden := newCommunity("roads", storage.CommunityPublic), newCommunity("hidden", storage.CommunityMembersOnly)
	groupOnB := b.Resolve("roads@" + a.Host)
	if err := b.Engine.Follow(ctx, bea.ID, groupOnB.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	joined(t, b, bea, groupOnB)
	plan, err := a.Engine.CreateArtefact(ctx, alice, roads.ID, federation.NewArtefact{Title: "Winter gritting plan",
		Summary: "Which roads come first"})
	if err != nil {
		t.Fatal(err)
	}
	term, err := a.Engine.CreateTerm(ctx, alice, roads.ID, federation.NewTerm{Term: "Gritter", Definition: "A lorry for **gritting**."})
	if err != nil {
		t.Fatal(err)
	}
	budget, err := a.Engine.CreateArtefact(ctx, alice, hidden.ID, federation.NewArtefact{Title: "Gritting budget"})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "the artefact and the term reach B", func() bool {
		_, errA := b.Store.ArtefactByURI(ctx, plan.URI)
		_, errT := b.Store.TermByURI(ctx, term.URI)
		return errA == nil && errT == nil
	})

	client := func(n *testrig.Node, acct storage.Account) *mastodon.Client {
		return mastodon.NewClient(&mastodon.Config{Server: n.URL, AccessToken: n.Token(acct)})
	}
	onB := client(b, bea)
	res, err := onB.Search(ctx, "gritting", false)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]*mastodon.Status{}
	for _, s := range res.Statuses {
		found[s.URI] = s
	}
	if len(res.Statuses) != 2 || found[plan.URI] == nil || found[term.URI] == nil {
		t.Fatalf("B found %d statuses %v; want the artefact and the term", len(res.Statuses), found)
	}
	st := found[plan.URI]
	if st.Account.Acct != "roads@"+a.Host || st.URL != plan.URL || st.Visibility != "public" ||
		!strings.Contains(st.Content, "Winter gritting plan") || !strings.Contains(st.Content, "Which roads come first") {
		t.Errorf("the artefact as a status on B: %+v", st)
	}
	if tm := found[term.URI]; !strings.Contains(tm.Content, "<strong>gritting</strong>") || tm.URL != term.URL {
		t.Errorf("the term as a status on B: %+v", tm)
	}
	opened, err := onB.GetStatus(ctx, st.ID)
	if err != nil || opened.URI != plan.URI {
		t.Fatalf("open the artefact on B: %+v, %v", opened, err)
	}
	var apiErr *mastodon.APIError
	if _, err := onB.Favourite(ctx, st.ID); !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("favourite the artefact: %v; want 422", err)
	}

	for _, tt := range []struct {
		who  storage.Account
		want int
	}{{stranger, 0}, {alice, 1}} {
		res, err := client(a, tt.who).Search(ctx, "budget", false)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Statuses) != tt.want {
			t.Errorf("%s found %d statuses for budget; want %d", tt.who.Username, len(res.Statuses), tt.want)
		} else if tt.want == 1 && (res.Statuses[0].URI != budget.URI || res.Statuses[0].Visibility != "private") {
			t.Errorf("%s found %+v; want the members-only artefact, private", tt.who.Username, res.Statuses[0])
		}
	}
}
