package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// filterEntity is the v2 Filter as the tests read it.
type filterEntity struct {
	ID           string
	Title        string
	Context      []string
	ExpiresAt    *string `json:"expires_at"`
	FilterAction string  `json:"filter_action"`
	Keywords     []struct {
		ID        string
		Keyword   string
		WholeWord bool `json:"whole_word"`
	}
	Statuses []struct {
		ID       string
		StatusID string `json:"status_id"`
	}
}

func TestFilterCRUD(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	ta := n.Token(alice)
	base := n.URL + "/api/v2/filters"

	// Created with a form, Rails' array-of-hashes style.
	var f filterEntity
	code, _, _ := call(t, "POST", base, ta, url.Values{"title": {"Spoilers"}, "context[]": {"home", "public"},
		"filter_action": {"hide"}, "expires_in": {"3600"},
		"keywords_attributes[][keyword]": {"finale", "twist"}, "keywords_attributes[][whole_word]": {"true", "false"}}, &f)
	if code != http.StatusOK || f.Title != "Spoilers" || f.FilterAction != "hide" || !slices.Equal(f.Context, []string{"home", "public"}) ||
		f.ExpiresAt == nil || len(f.Keywords) != 2 || !f.Keywords[0].WholeWord || f.Keywords[1].WholeWord {
		t.Fatalf("create = %d %+v", code, f)
	}
	// Updated with JSON: rename, change one keyword, drop another, add one.
	var g filterEntity
	code, _, _ = call(t, "PUT", base+"/"+f.ID, ta, map[string]any{"title": "No spoilers", "expires_in": nil,
		"keywords_attributes": []map[string]any{
			{"id": f.Keywords[0].ID, "keyword": "season finale"},
			{"id": f.Keywords[1].ID, "_destroy": true},
			{"keyword": "ending", "whole_word": false},
		}}, &g)
	if code != http.StatusOK || g.Title != "No spoilers" || g.ExpiresAt != nil || g.FilterAction != "hide" || len(g.Keywords) != 2 ||
		g.Keywords[0].Keyword != "season finale" || g.Keywords[1].Keyword != "ending" || g.Keywords[1].WholeWord {
		t.Fatalf("update = %d %+v", code, g)
	}
	for _, bad := range []url.Values{
		{"title": {"x"}, "context[]": {"everywhere"}},
		{"title": {""}, "context[]": {"home"}},
		{"title": {"x"}, "context[]": {"home"}, "filter_action": {"explode"}},
		{"title": {"x"}},
	} {
		if code, _, _ := call(t, "POST", base, ta, bad, nil); code != http.StatusUnprocessableEntity {
			t.Errorf("create %v: %d; want 422", bad, code)
		}
	}

	// Keywords on their own.
	var kw struct{ ID, Keyword string }
	if code, _, _ := call(t, "POST", base+"/"+f.ID+"/keywords", ta, url.Values{"keyword": {"cliffhanger"}}, &kw); code != http.StatusOK || kw.Keyword != "cliffhanger" {
		t.Fatalf("add keyword = %d %+v", code, kw)
	}
	if code, _, _ := call(t, "PUT", n.URL+"/api/v2/filter_keywords/"+kw.ID, ta, url.Values{"keyword": {"cliff-hanger"}}, &kw); code != http.StatusOK || kw.Keyword != "cliff-hanger" {
		t.Errorf("update keyword = %d %+v", code, kw)
	}
	if code, _, _ := call(t, "GET", n.URL+"/api/v2/filter_keywords/"+kw.ID, n.Token(bob), nil, nil); code != http.StatusNotFound {
		t.Errorf("bob reads alice's keyword: %d; want 404", code)
	}
	if code, _, _ := call(t, "DELETE", n.URL+"/api/v2/filter_keywords/"+kw.ID, ta, nil, nil); code != http.StatusOK {
		t.Errorf("delete keyword: %d", code)
	}
	var kws []struct{ Keyword string }
	call(t, "GET", base+"/"+f.ID+"/keywords", ta, nil, &kws)
	if len(kws) != 2 {
		t.Errorf("keywords = %+v; want 2", kws)
	}

	// Statuses.
	st := acctPost(t, n, bob, federation.Draft{Text: "plot", Visibility: activitypub.Public})
	var fs struct {
		ID       string
		StatusID string `json:"status_id"`
	}
	if code, _, _ := call(t, "POST", base+"/"+f.ID+"/statuses", ta, url.Values{"status_id": {st.ID.String()}}, &fs); code != http.StatusOK ||
		fs.StatusID != st.ID.String() {
		t.Fatalf("add status = %d %+v", code, fs)
	}
	if code, _, _ := call(t, "POST", base+"/"+f.ID+"/statuses", ta, url.Values{"status_id": {st.ID.String()}}, nil); code != http.StatusUnprocessableEntity {
		t.Errorf("the same status twice: %d; want 422", code)
	}
	if code, _, _ := call(t, "GET", n.URL+"/api/v2/filter_statuses/"+fs.ID, ta, nil, nil); code != http.StatusOK {
		t.Errorf("get status filter: %d", code)
	}
	if code, _, _ := call(t, "DELETE", n.URL+"/api/v2/filter_statuses/"+fs.ID, ta, nil, nil); code != http.StatusOK {
		t.Errorf("delete status filter: %d", code)
	}

	// v1: each keyword is a filter; a v1 filter made is a v2 filter too.
	c := stClient(n, ta)
	v1, err := c.CreateFilter(context.Background(), &mastodon.Filter{Phrase: "budget", Context: []string{"thread"}, Irreversible: true})
	if err != nil || v1.Phrase != "budget" || !v1.Irreversible || !v1.WholeWord {
		t.Fatalf("v1 create = %+v, %v", v1, err)
	}
	all, err := c.GetFilters(context.Background())
	if err != nil || len(all) != 3 {
		t.Fatalf("v1 filters = %+v, %v; want 3 keywords", all, err)
	}
	var v2 []filterEntity
	call(t, "GET", base, ta, nil, &v2)
	if len(v2) != 2 || v2[1].Title != "budget" || v2[1].FilterAction != "hide" {
		t.Errorf("v2 filters = %+v", v2)
	}
	if err := c.DeleteFilter(context.Background(), v1.ID); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := call(t, "GET", n.URL+"/api/v1/filters/"+string(v1.ID), ta, nil, nil); code != http.StatusNotFound {
		t.Errorf("deleted v1 filter: %d; want 404", code)
	}

	if code, _, _ := call(t, "DELETE", base+"/"+f.ID, n.Token(bob), nil, nil); code != http.StatusNotFound {
		t.Errorf("bob deletes alice's filter: %d; want 404", code)
	}
	if code, _, _ := call(t, "DELETE", base+"/"+f.ID, ta, nil, nil); code != http.StatusOK {
		t.Errorf("delete: %d", code)
	}
	if code, _, _ := call(t, "GET", base+"/"+f.ID, ta, nil, nil); code != http.StatusNotFound {
		t.Errorf("deleted filter: %d; want 404", code)
	}
	if code, _, _ := call(t, "GET", base, n.Token(alice, "read:statuses"), nil, nil); code != http.StatusForbidden {
		t.Errorf("filters without read:filters: %d; want 403", code)
	}
}

func TestFilterHideAndWarnAreAppliedByTheServer(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	stFollow(t, n, alice, bob)
	ctx := context.Background()
	ta := n.Token(alice)
	c := stClient(n, ta)
	for _, f := range []url.Values{
		{"title": {"No spoilers"}, "context[]": {"home", "notifications", "public"}, "filter_action": {"hide"},
			"keywords_attributes[0][keyword]": {"finale"}},
		{"title": {"Budget talk"}, "context[]": {"home", "thread"}, "filter_action": {"warn"},
			"keywords_attributes[0][keyword]": {"budget"}, "keywords_attributes[0][whole_word]": {"true"}},
	} {
		if code, _, _ := call(t, "POST", n.URL+"/api/v2/filters", ta, f, nil); code != http.StatusOK {
			t.Fatalf("create filter %v: %d", f, code)
		}
	}
	// An expired filter is ignored.
	if err := n.Store.InTx(ctx, func(tx *storage.Tx) error {
		return tx.InsertFilter(ctx, &storage.Filter{AccountID: alice.ID, Title: "Old", Context: []string{"home"},
			Action: storage.FilterHide, ExpiresAt: tx.Now().Add(-time.Minute), Keywords: []storage.FilterKeyword{{Keyword: "weather"}}})
	}); err != nil {
		t.Fatal(err)
	}

	// alice listens on her user stream; once a first post arrives, the
	// stream is live.
	wsURL := strings.Replace(n.URL, "http://", "ws://", 1) + "/api/v1/streaming?stream=user&access_token=" + ta
	conn, _, err := websocket.Dial(ctx, wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	events := messages(t, conn)
	testrig.Eventually(t, stWait, "the user stream live", func() bool {
		ping := acctPost(t, n, bob, federation.Draft{Text: "ping", Visibility: activitypub.Public})
		select {
		case data := <-events:
			return strings.Contains(string(data), ping.ID.String())
		case <-time.After(200 * time.Millisecond):
			return false
		}
	})

	hidden := acctPost(t, n, bob, federation.Draft{Text: "@alice the Finale was wild", Visibility: activitypub.Public})
	warned := acctPost(t, n, bob, federation.Draft{Text: "@alice budget meeting at noon", Visibility: activitypub.Public})
	unfiltered := acctPost(t, n, bob, federation.Draft{Text: "budgetary matters, nice weather", Visibility: activitypub.Public})

	// The stream: nothing of the hidden post, the warned one with its
	// filter, as an update and as a notification.
	got := map[string]bool{}
	for timeout := time.After(stWait); !got["update"] || !got["notification"]; {
		var data []byte
		select {
		case data = <-events:
		case <-timeout:
			t.Fatalf("events within %v: got %v", stWait, got)
		}
		if strings.Contains(string(data), hidden.ID.String()) {
			t.Fatalf("the hidden status on the stream: %s", data)
		}
		var ev streamEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(ev.Payload, warned.ID.String()) {
			// The warning is for home, not for notifications.
			warns := strings.Contains(ev.Payload, `"keyword_matches":["budget"]`) && strings.Contains(ev.Payload, `"title":"Budget talk"`)
			if warns != (ev.Event == "update") {
				t.Errorf("%s of the warned status: %s", ev.Event, ev.Payload)
			}
			got[ev.Event] = true
		}
	}

	home, err := c.GetTimelineHome(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	byURI := map[string]*mastodon.Status{}
	for _, s := range home {
		byURI[s.URI] = s
	}
	if byURI[hidden.URI] != nil {
		t.Error("the hidden status is in the home timeline")
	}
	if s := byURI[warned.URI]; s == nil || len(s.Filtered) != 1 || s.Filtered[0].Filter.Title != "Budget talk" ||
		!slices.Equal(s.Filtered[0].KeywordMatches, []string{"budget"}) || s.Filtered[0].Filter.FilterAction != "warn" {
		t.Errorf("warned status in home = %+v", s)
	}
	if s := byURI[unfiltered.URI]; s == nil || len(s.Filtered) != 0 {
		t.Errorf("status matching only as part of a word, and an expired filter = %+v; want shown, unfiltered", s)
	}

	notes, err := c.GetNotifications(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var noted []string
	for _, x := range notes {
		if x.Status != nil {
			noted = append(noted, x.Status.URI)
		}
	}
	if slices.Contains(noted, hidden.URI) || !slices.Contains(noted, warned.URI) {
		t.Errorf("notifications about %v; want the warned mention and not the hidden one", noted)
	}

	// The warn filter is not for the public context; the hide filter is.
	public, err := stClient(n, ta).GetTimelinePublic(ctx, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range public {
		if s.URI == hidden.URI {
			t.Error("the hidden status is in the public timeline")
		}
		if s.URI == warned.URI && len(s.Filtered) != 0 {
			t.Errorf("a home-only warning in the public timeline: %+v", s.Filtered)
		}
	}
	// Without a token, nobody's filters apply.
	anon, err := stClient(n, "").GetTimelinePublic(ctx, true, nil)
	if err != nil || !slices.Contains(statusURIs(anon), hidden.URI) {
		t.Errorf("anonymous public timeline = %v, %v; want the status", statusURIs(anon), err)
	}
}
