package pages_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestJoinFromThePage: a member signed in joins an open community with
// its page's button and leaves it; asks to join one whose moderators
// approve members, and withdraws the request; each answer lands back on
// the page, which says where they stand. Without the form's token nothing
// changes; nobody signed in is sent to sign in.
func TestJoinFromThePage(t *testing.T) {
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	n.Member("carol", false)
	newCommunity(t, n, alice, federation.NewCommunity{Handle: "libraries", Name: "Library practice"})
	newCommunity(t, n, alice, federation.NewCommunity{Handle: "closed", Name: "Closed", JoinPolicy: storage.JoinApproval})
	b := signedInBrowser(t, n, "carol")
	press := func(path, button string) string {
		t.Helper()
		hidden, page := formPage(t, b, path)
		if !strings.Contains(page, ">"+button+"</button>") {
			t.Fatalf("%s lacks the %q button\n%s", path, button, page)
		}
		code, loc, page := b.Do(http.MethodPost, path+"/"+map[bool]string{true: "join", false: "leave"}[strings.Contains(button, "oin")], hidden)
		if code != http.StatusSeeOther || loc != path+"#standing" {
			t.Fatalf("%s: %d %q; want 303 back to the page\n%s", button, code, loc, page)
		}
		_, _, page = b.Do(http.MethodGet, path, nil)
		return page
	}
	if page := press("/c/libraries", "Join this community"); !strings.Contains(page, "You are a member of this community.") {
		t.Errorf("after joining:\n%s", page)
	}
	if page := press("/c/libraries", "Leave this community"); !strings.Contains(page, "You are not a member of this community.") {
		t.Errorf("after leaving:\n%s", page)
	}
	if page := press("/c/closed", "Ask to join"); !strings.Contains(page, "Your request to join is waiting for a moderator.") {
		t.Errorf("after asking:\n%s", page)
	}
	if page := press("/c/closed", "Withdraw your request"); !strings.Contains(page, "You are not a member of this community.") {
		t.Errorf("after withdrawing:\n%s", page)
	}

	if code, _, _ := b.Do(http.MethodPost, "/c/libraries/join", nil); code != http.StatusForbidden {
		t.Errorf("a join without the form's token: %d; want 403", code)
	}
	if _, _, page := b.Do(http.MethodGet, "/c/libraries", nil); !strings.Contains(page, "You are not a member of this community.") {
		t.Errorf("a join without the token changed the standing:\n%s", page)
	}
	anon := testrig.NewFormBrowser(t, n)
	if code, loc, _ := anon.Do(http.MethodPost, "/c/libraries/join", nil); code != http.StatusSeeOther || !strings.Contains(loc, "sign_in") {
		t.Errorf("nobody signed in: %d %q; want to be sent to sign in", code, loc)
	}
	if _, _, page := anon.Do(http.MethodGet, "/c/libraries", nil); strings.Contains(page, "/c/libraries/join") {
		t.Errorf("a reader not signed in is offered the join form")
	}
}
