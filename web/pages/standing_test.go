package pages_test

import (
	"context"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestCommunityPageShowsStanding: a member signed in here reads their
// standing on the community's page: a request waiting, a request
// refused with the moderator's reason, membership, a ban with its reason
// and end; a reader not signed in is told nothing of the kind.
func TestCommunityPageShowsStanding(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := testrig.StartOne(t, nil)
	mod, bob := n.Member("mod", false), n.Member("bob", false)
	g := newCommunity(t, n, mod, federation.NewCommunity{Handle: "desk", Name: "Enquiry desk", JoinPolicy: storage.JoinApproval})
	b := signedInBrowser(t, n, "bob")
	standing := func() string {
		t.Helper()
		code, _, page := b.Do(http.MethodGet, "/c/desk", nil)
		if code != http.StatusOK {
			t.Fatalf("community page: %d\n%s", code, page)
		}
		_, after, ok := strings.Cut(page, `id="standing">`)
		if !ok {
			return ""
		}
		text, _, _ := strings.Cut(after, "</p>")
		return html.UnescapeString(text)
	}
	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"not a member", func() error { return nil }, "You are not a member"},
		{"asked to join", func() error { return n.Engine.Follow(ctx, bob.ID, g.ID, federation.FollowOptions{}) },
			"waiting for a moderator"},
		{"refused", func() error { return n.Engine.RejectJoin(ctx, mod, g.ID, bob.ID, "Council staff only") },
			"refused your request to join: Council staff only"},
		{"accepted after asking again", func() error {
			if err := n.Engine.Follow(ctx, bob.ID, g.ID, federation.FollowOptions{}); err != nil {
				return err
			}
			return n.Engine.AcceptJoin(ctx, mod, g.ID, bob.ID)
		}, "You are a member"},
		{"banned for a day", func() error {
			return n.Engine.BanFromCommunity(ctx, mod, g.ID, federation.Ban{AccountID: bob.ID, Reason: "Spam & adverts", ExpiresIn: 24 * time.Hour})
		}, "You are banned from this community until "},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := standing(); !strings.Contains(got, s.want) {
			t.Errorf("%s: the page says %q; want %q", s.name, got, s.want)
		}
	}
	if got := standing(); !strings.Contains(got, ": Spam & adverts") {
		t.Errorf("the ban's reason is not shown: %q", got)
	}
	anon := testrig.NewFormBrowser(t, n)
	if _, _, page := anon.Do(http.MethodGet, "/c/desk", nil); strings.Contains(page, `id="standing"`) {
		t.Error("a reader not signed in is shown a standing")
	}
}
