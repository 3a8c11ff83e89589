package auth_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/federation/mailtest"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestEmailSettingsAndUnsubscribe: a member mailed about a mention stops
// mention mail with the mail's link (a page, then its button), sees it on
// their email settings page, chooses other mail there, and gets it; a
// mail program's one-click unsubscribe (RFC 8058) works without a
// browser; a form from another site or a link with a made-up token does
// nothing.
func TestEmailSettingsAndUnsubscribe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := mailtest.Start(t)
	n := joiningNode(t, federation.Registration{}, srv)
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	if _, err := n.Engine.Post(ctx, bob.ID, federation.Draft{Text: "@alice the minutes are ready"}); err != nil {
		t.Fatal(err)
	}
	m := srv.Wait(t, 1)
	if !strings.HasPrefix(m.To[0], "alice@") || !strings.Contains(m.Body, "> @alice the minutes are ready") {
		t.Fatalf("mail to %v:\n%s", m.To, m.Body)
	}
	link := pathOf(t, m, "/settings/email/unsubscribe?")

	b := testrig.NewFormBrowser(t, n)
	code, _, page := b.Do(http.MethodGet, link, nil)
	if code != http.StatusOK || !strings.Contains(page, "no longer email you about mentions, replies and direct messages") ||
		!strings.Contains(page, "Stop these emails</button>") {
		t.Fatalf("GET %s: %d:\n%s", link, code, page)
	}
	if s, _ := n.Engine.EmailSettings(ctx, alice.ID); !s.Mails(storage.NotifyMention) {
		t.Fatal("opening the link unsubscribed already")
	}
	u, _ := url.Parse(link)
	code, _, page = b.Do(http.MethodPost, "/settings/email/unsubscribe", u.Query())
	if code != http.StatusOK || !strings.Contains(page, "will no longer email <strong>@alice</strong> about mentions") {
		t.Fatalf("POST unsubscribe: %d:\n%s", code, page)
	}
	if code, _, page := b.Do(http.MethodPost, "/settings/email/unsubscribe",
		url.Values{"kind": {"mention"}, "token": {"made-up"}}); code != http.StatusNotFound || !strings.Contains(page, "This link does not work") {
		t.Errorf("a made-up token: %d:\n%s", code, page)
	}

	// The settings page shows it, and takes other choices.
	if code, _, _ := webSignIn(b, "/settings/email", "alice", password); code != http.StatusSeeOther {
		t.Fatalf("sign in: %d", code)
	}
	code, _, page = b.Do(http.MethodGet, "/settings/email", nil)
	if code != http.StatusOK || strings.Contains(page, `value="mention" checked`) || !strings.Contains(page, `value="follow" checked`) ||
		!strings.Contains(page, `value="weekly" checked`) || strings.Contains(page, "New reports") ||
		strings.Contains(page, "Requests to join communities you moderate") {
		t.Fatalf("GET /settings/email: %d:\n%s", code, page)
	}
	// A moderator of a community here is offered its requests to join.
	if _, err := n.Engine.CreateCommunity(ctx, alice, federation.NewCommunity{Handle: "desk", Name: "Desk"}); err != nil {
		t.Fatal(err)
	}
	if _, _, page := b.Do(http.MethodGet, "/settings/email", nil); !strings.Contains(page, "Requests to join communities you moderate") ||
		!strings.Contains(page, "New reports") {
		t.Errorf("a community's moderator is not offered its requests and reports:\n%s", page)
	}
	csrf := csrfField.FindStringSubmatch(page)
	if csrf == nil {
		t.Fatalf("no csrf field:\n%s", page)
	}
	choose := url.Values{"type": {"favourite", "mention"}, "digest": {"daily"}}
	if code, _, _ := b.Do(http.MethodPost, "/settings/email", choose); code != http.StatusForbidden {
		t.Errorf("a form without the page's token: %d; want 403", code)
	}
	choose.Set("csrf", csrf[1])
	if code, location, page := b.Do(http.MethodPost, "/settings/email", choose); code != http.StatusSeeOther || location != "/settings/email?saved=1" {
		t.Fatalf("save: %d %q:\n%s", code, location, page)
	}
	s, err := n.Engine.EmailSettings(ctx, alice.ID)
	if err != nil || strings.Join(s.Types, " ") != "mention favourite" || s.Digest != storage.DigestDaily {
		t.Errorf("saved %+v, %v", s, err)
	}
	// A community she joined is in her digest until she unticks it.
	wards, err := n.Engine.CreateCommunity(ctx, bob, federation.NewCommunity{Handle: "wards", Name: "Wards"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Follow(ctx, alice.ID, wards.AccountID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	wardsID := wards.AccountID.String()
	if _, _, page := b.Do(http.MethodGet, "/settings/email", nil); !strings.Contains(page, `name="digest_community" value="`+wardsID+`" checked`) {
		t.Errorf("the communities of the digest lack Wards, ticked:\n%s", page)
	}
	choose["digest_communities"] = []string{wardsID}
	if code, _, page := b.Do(http.MethodPost, "/settings/email", choose); code != http.StatusSeeOther {
		t.Fatalf("save with Wards unticked: %d:\n%s", code, page)
	}
	if s, err := n.Engine.EmailSettings(ctx, alice.ID); err != nil || len(s.LeaveOut) != 1 || s.LeaveOut[0] != wards.AccountID {
		t.Errorf("saved %+v (%v); want Wards left out of the digest", s, err)
	}
	if _, _, page := b.Do(http.MethodGet, "/settings/email", nil); strings.Contains(page, `value="`+wardsID+`" checked`) {
		t.Error("Wards is still ticked after leaving it out")
	}
	choose["digest_community"] = []string{wardsID}
	if code, _, _ := b.Do(http.MethodPost, "/settings/email", choose); code != http.StatusSeeOther {
		t.Fatalf("save with Wards ticked: %d", code)
	}
	if s, _ := n.Engine.EmailSettings(ctx, alice.ID); len(s.LeaveOut) != 0 {
		t.Errorf("Wards still left out: %+v", s.LeaveOut)
	}
	delete(choose, "digest_communities")
	delete(choose, "digest_community")
	choose.Set("digest", "hourly")
	if code, _, page := b.Do(http.MethodPost, "/settings/email", choose); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "The digest is off, daily or weekly") {
		t.Errorf("a digest that is not offered: %d:\n%s", code, page)
	}

	st, err := n.Engine.Post(ctx, alice.ID, federation.Draft{Text: "Draft agenda attached"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Engine.Favourite(ctx, bob.ID, st.ID); err != nil {
		t.Fatal(err)
	}
	m = srv.Wait(t, 2)
	if !strings.Contains(m.Body, "favourited your post") {
		t.Fatalf("second mail:\n%s", m.Body)
	}

	// A mail program's one-click unsubscribe: a POST to the link itself.
	oneClick := n.URL + pathOf(t, m, "/settings/email/unsubscribe?")
	resp, err := http.Post(oneClick, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s, _ := n.Engine.EmailSettings(ctx, alice.ID); resp.StatusCode != http.StatusOK || s.Mails(storage.NotifyFavourite) {
		t.Errorf("one-click unsubscribe: %d; favourites still mailed: %v", resp.StatusCode, s.Mails(storage.NotifyFavourite))
	}
}

// TestChangeEmailAddress: a member changes their address from the
// settings page: a wrong password is said beside the field (and counts as
// a failed sign-in), the right one sends the link to the new address,
// which a page with a button then confirms; a link used twice is gone.
func TestChangeEmailAddress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := mailtest.Start(t)
	n := joiningNode(t, federation.Registration{}, srv)
	alice := n.Member("alice", false)
	b := testrig.NewFormBrowser(t, n)
	if code, _, _ := webSignIn(b, "/settings/email-address", "alice", password); code != http.StatusSeeOther {
		t.Fatalf("sign in: %d", code)
	}
	code, _, page := b.Do(http.MethodGet, "/settings/email-address", nil)
	if code != http.StatusOK || !strings.Contains(page, "<strong>alice@") {
		t.Fatalf("GET /settings/email-address: %d:\n%s", code, page)
	}
	csrf := csrfField.FindStringSubmatch(page)
	if csrf == nil {
		t.Fatalf("no csrf field:\n%s", page)
	}
	form := url.Values{"csrf": {csrf[1]}, "email": {"alice@libraries.example"}, "password": {"not her password"}}
	code, _, page = b.Do(http.MethodPost, "/settings/email-address", form)
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, "Your password is not right") ||
		!strings.Contains(page, `value="alice@libraries.example"`) {
		t.Fatalf("a wrong password: %d:\n%s", code, page)
	}
	form.Set("password", password)
	if code, location, page := b.Do(http.MethodPost, "/settings/email-address", form); code != http.StatusSeeOther ||
		location != "/settings/email-address?sent=1" {
		t.Fatalf("change: %d %q:\n%s", code, location, page)
	}
	m := srv.Wait(t, 1)
	if m.To[0] != "alice@libraries.example" {
		t.Fatalf("the link went to %v", m.To)
	}
	link := pathOf(t, m, "/settings/email/confirm?token=")
	anon := testrig.NewFormBrowser(t, n) // the link may be opened anywhere
	code, _, page = anon.Do(http.MethodGet, link, nil)
	if code != http.StatusOK || !strings.Contains(page, "Confirm my new email address") {
		t.Fatalf("GET %s: %d:\n%s", link, code, page)
	}
	u, _ := url.Parse(link)
	code, _, page = anon.Do(http.MethodPost, "/settings/email/confirm", u.Query())
	if code != http.StatusOK || !strings.Contains(page, "Your email address has changed") {
		t.Fatalf("confirm: %d:\n%s", code, page)
	}
	if usr, err := n.Store.UserByAccount(ctx, alice.ID); err != nil || usr.Email != "alice@libraries.example" {
		t.Errorf("address after confirming: %q, %v", usr.Email, err)
	}
	if code, _, page := anon.Do(http.MethodPost, "/settings/email/confirm", u.Query()); code != http.StatusGone ||
		!strings.Contains(page, "This link no longer works") {
		t.Errorf("the link used twice: %d:\n%s", code, page)
	}
}
