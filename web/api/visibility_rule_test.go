package api_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// Once its author is suspended, a status is shown on no path: not by the
// client API (by ID, in the home timeline, in a notification), not as
// ActivityPub, not as a page. Before the one visibility rule, only the timelines' SQL knew of
// suspension, and the other paths served the post.
func TestSuspendedAuthorsStatusShownNowhere(t *testing.T) {
	t.Parallel()
	a := testrig.Start(t, 1)[0]
	olli := a.Member("olli", false)
	mia := a.Member("mia", false)
	stFollow(t, a, mia, olli)
	ctx := context.Background()
	st, err := stClient(a, a.Token(olli)).PostStatus(ctx, &mastodon.Toot{Status: "Hello @mia"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stClient(a, a.Token(olli)).PostStatus(ctx, &mastodon.Toot{Status: "@mia psst", Visibility: "direct"}); err != nil {
		t.Fatal(err)
	}
	tm := a.Token(mia)
	conversation := func() string {
		t.Helper()
		code, _, raw := call(t, "GET", a.URL+"/api/v1/conversations", tm, nil, nil)
		if code != http.StatusOK {
			t.Fatalf("mia's conversations: %d %s", code, raw)
		}
		return raw
	}
	if !strings.Contains(conversation(), "psst") {
		t.Fatal("mia's conversation lacks olli's message before the suspension")
	}
	home := func() string {
		t.Helper()
		code, _, raw := call(t, "GET", a.URL+"/api/v1/timelines/home", tm, nil, nil)
		if code != http.StatusOK {
			t.Fatalf("mia's home: %d %s", code, raw)
		}
		return raw
	}
	if !strings.Contains(home(), string(st.ID)) {
		t.Fatal("mia's home timeline lacks olli's post before the suspension")
	}
	var notes []mastodon.Notification
	if code, _, raw := call(t, "GET", a.URL+"/api/v1/notifications?types[]=mention", tm, nil, &notes); code != http.StatusOK || len(notes) != 2 {
		t.Fatalf("mia's notifications before: %d, %s", code, raw)
	}
	fetch := func(endpoint, token, accept string) int {
		t.Helper()
		req, err := http.NewRequest("GET", endpoint, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if page := profilePage(t, a.URL+"/@olli"); !strings.Contains(page, "Hello") {
		t.Fatalf("olli's profile page does not show the post:\n%s", page)
	}
	paths := []struct {
		name, endpoint, token, accept string
	}{
		{"the API, to mia", a.URL + "/api/v1/statuses/" + string(st.ID), tm, "application/json"},
		{"the API, anonymous", a.URL + "/api/v1/statuses/" + string(st.ID), "", "application/json"},
		{"the API's thread, to mia", a.URL + "/api/v1/statuses/" + string(st.ID) + "/context", tm, "application/json"},
		{"mia's notification", a.URL + "/api/v1/notifications/" + string(notes[1].ID), tm, "application/json"},
		{"ActivityPub", st.URI, "", "application/activity+json"},
		{"the page", a.URL + "/@olli/" + string(st.ID), "", "text/html"},
	}
	for _, p := range paths {
		if code := fetch(p.endpoint, p.token, p.accept); code != http.StatusOK {
			t.Fatalf("%s before the suspension: %d; want 200", p.name, code)
		}
	}

	olli, err = a.Store.AccountByID(ctx, olli.ID)
	if err != nil {
		t.Fatal(err)
	}
	olli.SuspendedAt = a.Clock.Now()
	if err := a.Store.InTx(ctx, func(tx *storage.Tx) error { return tx.UpdateAccount(ctx, &olli) }); err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			// A page of a suspended member says Gone; the API says Not Found.
			if code := fetch(p.endpoint, p.token, p.accept); code != http.StatusNotFound && code != http.StatusGone {
				t.Errorf("GET: %d; want 404 or 410", code)
			}
		})
	}
	if code, _, raw := call(t, "GET", a.URL+"/api/v1/notifications", tm, nil, &notes); code != http.StatusOK || strings.Contains(raw, string(st.ID)) {
		t.Errorf("mia's notifications after: %d, %s; want the mention left out", code, raw)
	}
	if strings.Contains(conversation(), "psst") {
		t.Error("mia's conversation still shows olli's message")
	}
	if strings.Contains(home(), string(st.ID)) {
		t.Error("mia's home timeline still shows the post")
	}
	if page := profilePage(t, a.URL+"/@olli"); strings.Contains(page, "Hello") {
		t.Errorf("olli's profile page still shows the post:\n%s", page)
	}
}

// profilePage GETs a profile page as a browser would.
func profilePage(t *testing.T, endpoint string) string {
	t.Helper()
	req, err := http.NewRequest("GET", endpoint, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", endpoint, err)
	}
	return string(b)
}
