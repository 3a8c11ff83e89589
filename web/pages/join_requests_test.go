package pages_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// joinRequestNotices counts account's join_request notifications.
func joinRequestNotices(t *testing.T, n *testrig.Node, account storage.ID) int {
	t.Helper()
	ns, err := n.Store.Notifications(context.Background(), account, storage.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for _, x := range ns {
		if x.Type == storage.NotifyJoinRequest {
			count++
		}
	}
	return count
}

// TestJoinRequestsPage: a community's moderator is notified of each
// request to join and told of them on its page; on the requests page
// they see who asks (organisation, department, role), refuse one with a
// reason the person then reads, and let another in; answered requests
// leave the page and the notifications. Nobody else may open the page or
// answer.
func TestJoinRequestsPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := testrig.StartOne(t, nil)
	mod := n.Member("mod", false)
	n.Member("other", false)
	ann, err := n.Engine.CreateMember(ctx, federation.NewMember{Username: "ann", Email: "ann@example.test",
		Password: testrig.Password, DisplayName: "Ann Lee", Organisation: "Hampshire County Council",
		Department: "Libraries", JobTitle: "Information officer"})
	if err != nil {
		t.Fatal(err)
	}
	bob := n.Member("bob", false)
	g := newCommunity(t, n, mod, federation.NewCommunity{Handle: "desk", Name: "Enquiry desk", JoinPolicy: storage.JoinApproval})
	b := signedInBrowser(t, n, "mod")
	if _, _, page := b.Do(http.MethodGet, "/c/desk", nil); !strings.Contains(page, "none waiting") {
		t.Errorf("the community page before any request:\n%s", page)
	}
	for _, who := range []storage.Account{ann, bob} {
		if err := n.Engine.Follow(ctx, who.ID, g.ID, federation.FollowOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if got := joinRequestNotices(t, n, mod.ID); got != 2 {
		t.Errorf("the moderator has %d join_request notifications; want 2", got)
	}
	// In the client API, each names the community.
	req, _ := http.NewRequest(http.MethodGet, n.URL+"/api/v1/notifications?types[]=join_request", nil)
	req.Header.Set("Authorization", "Bearer "+n.Token(mod, "read"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var notes []struct {
		Type      string `json:"type"`
		Account   struct{ Username string }
		Community struct {
			Username string
			Group    bool `json:"group"`
		}
	}
	err = json.NewDecoder(resp.Body).Decode(&notes)
	resp.Body.Close()
	if err != nil || len(notes) != 2 || notes[0].Type != "join_request" || notes[0].Account.Username != "bob" ||
		notes[0].Community.Username != "desk" || !notes[0].Community.Group {
		t.Errorf("join_request notifications in the API: %+v, %v", notes, err)
	}
	if _, _, page := b.Do(http.MethodGet, "/c/desk", nil); !strings.Contains(page, `<a href="/c/desk/join-requests">2 people ask to join</a>`) {
		t.Errorf("the community page does not tell its moderator:\n%s", page)
	}
	form, page := formPage(t, b, "/c/desk/join-requests")
	mustContain(t, "the requests page", page, "Ann Lee", "@ann@", "<dd>Hampshire County Council</dd>", "<dd>Libraries</dd>",
		"<dd>Information officer</dd>", "Let Ann Lee in", "Refuse Ann Lee", "@bob@")

	// Only moderators.
	ob := signedInBrowser(t, n, "other")
	if code, _, _ := ob.Do(http.MethodGet, "/c/desk/join-requests", nil); code != http.StatusForbidden {
		t.Errorf("another member opens the requests page: %d; want 403", code)
	}
	if _, _, page := ob.Do(http.MethodGet, "/c/desk", nil); strings.Contains(page, "join-requests") {
		t.Error("the community page links the requests for a member who does not moderate it")
	}
	otherForm := testrig.Hidden(func() string { _, _, p := ob.Do(http.MethodGet, "/c/desk", nil); return p }())
	if code, _, _ := ob.Do(http.MethodPost, "/c/desk/join-requests/"+ann.ID.String()+"/accept", otherForm); code != http.StatusForbidden {
		t.Errorf("another member lets ann in: %d; want 403", code)
	}
	if code, _, _ := b.Do(http.MethodPost, "/c/desk/join-requests/"+ann.ID.String()+"/accept", url.Values{}); code != http.StatusForbidden {
		t.Errorf("a form without its CSRF token: %d; want 403", code)
	}

	refuse := url.Values{"csrf": form["csrf"], "reason": {"For enquiry desk staff only"}}
	code, location, _ := b.Do(http.MethodPost, "/c/desk/join-requests/"+ann.ID.String()+"/refuse", refuse)
	if code != http.StatusSeeOther || location != "/c/desk/join-requests?answered=refused" {
		t.Fatalf("refuse ann: %d %q", code, location)
	}
	code, location, _ = b.Do(http.MethodPost, "/c/desk/join-requests/"+bob.ID.String()+"/accept", url.Values{"csrf": form["csrf"]})
	if code != http.StatusSeeOther || location != "/c/desk/join-requests?answered=accepted" {
		t.Fatalf("accept bob: %d %q", code, location)
	}
	_, _, page = b.Do(http.MethodGet, location, nil)
	mustContain(t, "the requests page after answering", page, "They are now a member.", "Nobody is waiting to join Enquiry desk.")
	if got := joinRequestNotices(t, n, mod.ID); got != 0 {
		t.Errorf("after answering, the moderator still has %d join_request notifications", got)
	}
	m, err := n.Store.MembershipOf(ctx, g.ID, ann.ID, n.Store.Now())
	if err != nil || m.State != "rejected" || m.Reason != "For enquiry desk staff only" {
		t.Errorf("ann's standing: %+v, %v", m, err)
	}
	if m, err := n.Store.MembershipOf(ctx, g.ID, bob.ID, n.Store.Now()); err != nil || m.State != "member" {
		t.Errorf("bob's standing: %+v, %v", m, err)
	}
	for who, want := range map[storage.ID]string{ann.ID: storage.NotifyJoinRefused, bob.ID: storage.NotifyJoinAccepted} {
		ns, err := n.Store.Notifications(ctx, who, storage.Page{Limit: 5})
		if err != nil || len(ns) == 0 || ns[0].Type != want || ns[0].CommunityID != g.ID {
			t.Errorf("%d is not told %s: %+v, %v", who, want, ns, err)
		}
	}
}
