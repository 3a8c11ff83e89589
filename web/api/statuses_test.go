package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// The helpers of the status, timeline and notification tests start with
// st, so they stay apart from the other API tests' helpers.

const stWait = 10 * time.Second

func stClient(n *testrig.Node, token string) *mastodon.Client {
	return mastodon.NewClient(&mastodon.Config{Server: n.URL, AccessToken: token})
}

// stCode is the HTTP status of a go-mastodon error.
func stCode(err error) int {
	var apiErr *mastodon.APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}

// stFollow makes follower (on from) follow target (an account on from,
// local or remote) and waits until the follow is accepted.
func stFollow(t *testing.T, from *testrig.Node, follower, target storage.Account) {
	t.Helper()
	ctx := context.Background()
	if err := from.Engine.Follow(ctx, follower.ID, target.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatalf("follow: %v", err)
	}
	testrig.Eventually(t, stWait, follower.Username+" follows "+target.Acct(), func() bool {
		_, err := from.Store.FollowOf(ctx, follower.ID, target.ID)
		return err == nil
	})
}

// stArrived waits until n holds the status with uri and returns its ID
// there.
func stArrived(t *testing.T, n *testrig.Node, uri string) storage.ID {
	t.Helper()
	var st storage.Status
	testrig.Eventually(t, stWait, uri+" on "+n.Host, func() bool {
		var err error
		st, err = n.Store.StatusByURI(context.Background(), uri)
		return err == nil
	})
	return st.ID
}

// stDescending reports whether decimal IDs are strictly newest first.
func stDescending(ids []string) bool {
	for i := 1; i < len(ids); i++ {
		prev, _ := strconv.ParseInt(ids[i-1], 10, 64)
		cur, _ := strconv.ParseInt(ids[i], 10, 64)
		if cur >= prev {
			return false
		}
	}
	return true
}

// stLinks returns the next and prev URLs of a Link header.
func stLinks(header string) (next, prev string) {
	for _, part := range strings.Split(header, ",") {
		u, rel, ok := strings.Cut(strings.TrimSpace(part), ";")
		if !ok {
			continue
		}
		switch strings.TrimSpace(rel) {
		case `rel="next"`:
			next = strings.Trim(u, "<>")
		case `rel="prev"`:
			prev = strings.Trim(u, "<>")
		}
	}
	return next, prev
}

func TestStatusPostAndReadBack(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	bob := n.Member("bob", false)
	ctx := context.Background()
	c := stClient(n, n.Token(alice))

	posted, err := c.PostStatus(ctx, &mastodon.Toot{Status: "Hello @bob, see the #Libraries routine: https://example.org/r",
		SpoilerText: "routine", Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	wantTag := `<a href="` + n.URL + `/tags/libraries" class="mention hashtag" rel="tag">#<span>Libraries</span></a>`
	wantMention := `<span class="h-card"><a href="` + n.URL + `/@bob" class="u-url mention">@<span>bob</span></a></span>`
	for _, want := range []string{wantTag, wantMention, `<a href="https://example.org/r"`} {
		if !strings.Contains(posted.Content, want) {
			t.Errorf("content %s lacks %s", posted.Content, want)
		}
	}
	if posted.Visibility != "public" || !posted.Sensitive || posted.SpoilerText != "routine" || posted.Language != "en" {
		t.Errorf("posted = visibility %q, sensitive %v, spoiler %q, language %q", posted.Visibility, posted.Sensitive,
			posted.SpoilerText, posted.Language)
	}
	if len(posted.Mentions) != 1 || string(posted.Mentions[0].ID) != bob.ID.String() || posted.Mentions[0].Acct != "bob" {
		t.Errorf("mentions = %+v; want bob", posted.Mentions)
	}
	if len(posted.Tags) != 1 || !strings.EqualFold(posted.Tags[0].Name, "libraries") {
		t.Errorf("tags = %+v; want libraries", posted.Tags)
	}
	if posted.Account.Username != "alice" {
		t.Errorf("account %q", posted.Account.Username)
	}

	for name, token := range map[string]string{"author": n.Token(alice), "bob": n.Token(bob), "anonymous": ""} {
		got, err := stClient(n, token).GetStatus(ctx, posted.ID)
		if err != nil {
			t.Fatalf("%s reads it back: %v", name, err)
		}
		if got.ID != posted.ID || got.Content != posted.Content || got.URI != posted.URI {
			t.Errorf("%s reads %+v; want what was posted", name, got)
		}
	}

	// The raw entity has the fields apps decode strictly.
	var raw map[string]any
	call(t, "GET", n.URL+"/api/v1/statuses/"+string(posted.ID), "", nil, &raw)
	for _, k := range []string{"id", "uri", "url", "created_at", "edited_at", "account", "content", "visibility", "sensitive",
		"spoiler_text", "media_attachments", "mentions", "tags", "emojis", "reblogs_count", "favourites_count",
		"replies_count", "in_reply_to_id", "in_reply_to_account_id", "reblog", "poll", "card", "language",
		"application", "favourited", "reblogged", "muted", "bookmarked", "pinned"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("status entity lacks %q", k)
		}
	}
	var own struct {
		Application *struct{ Name string } `json:"application"`
	}
	call(t, "GET", n.URL+"/api/v1/statuses/"+string(posted.ID), n.Token(alice), nil, &own)
	if own.Application == nil || own.Application.Name == "" {
		t.Errorf("the author's view names no application: %+v", own.Application)
	}

	// A reply threads to its parent.
	reply, err := stClient(n, n.Token(bob)).PostStatus(ctx, &mastodon.Toot{Status: "@alice thanks", InReplyToID: posted.ID})
	if err != nil {
		t.Fatal(err)
	}
	if reply.InReplyToID != string(posted.ID) || reply.InReplyToAccountID != alice.ID.String() {
		t.Errorf("reply threads to %v by %v", reply.InReplyToID, reply.InReplyToAccountID)
	}
}

func TestStatusRejectsWhatItCannotPost(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	rw, ro := n.Token(alice), n.Token(alice, "read")
	var known storage.Status
	if st, err := n.Engine.Post(context.Background(), alice.ID, federation.Draft{Text: "known"}); err == nil {
		known = st
	} else {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		method string
		path   string
		token  string
		form   url.Values
		want   int
	}{
		{"no token", "POST", "/api/v1/statuses", "", url.Values{"status": {"hi"}}, http.StatusUnauthorized},
		{"read-only token", "POST", "/api/v1/statuses", ro, url.Values{"status": {"hi"}}, http.StatusForbidden},
		{"read-only token deletes", "DELETE", "/api/v1/statuses/" + known.ID.String(), ro, nil, http.StatusForbidden},
		{"read-only token reads", "GET", "/api/v1/statuses/" + known.ID.String(), ro, nil, http.StatusOK},
		{"empty status", "POST", "/api/v1/statuses", rw, url.Values{"status": {"  "}}, http.StatusUnprocessableEntity},
		{"too long", "POST", "/api/v1/statuses", rw, url.Values{"status": {strings.Repeat("a", 5001)}}, http.StatusUnprocessableEntity},
		{"bad visibility", "POST", "/api/v1/statuses", rw, url.Values{"status": {"hi"}, "visibility": {"secret"}}, http.StatusUnprocessableEntity},
		{"media", "POST", "/api/v1/statuses", rw, url.Values{"status": {"hi"}, "media_ids[]": {"123"}}, http.StatusUnprocessableEntity},
		{"poll of one option", "POST", "/api/v1/statuses", rw, url.Values{"status": {"hi"}, "poll[options][]": {"a"}, "poll[expires_in]": {"600"}}, http.StatusUnprocessableEntity},
		{"reply to nothing", "POST", "/api/v1/statuses", rw, url.Values{"status": {"hi"}, "in_reply_to_id": {"12345"}}, http.StatusNotFound},
		{"unknown id", "GET", "/api/v1/statuses/12345", rw, nil, http.StatusNotFound},
		{"malformed id", "GET", "/api/v1/statuses/abc", rw, nil, http.StatusNotFound},
		{"unknown id, context", "GET", "/api/v1/statuses/12345/context", rw, nil, http.StatusNotFound},
		{"unknown id, favourite", "POST", "/api/v1/statuses/12345/favourite", rw, nil, http.StatusNotFound},
		{"unknown id, delete", "DELETE", "/api/v1/statuses/12345", rw, nil, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, _ := call(t, tt.method, n.URL+tt.path, tt.token, tt.form, nil); code != tt.want {
				t.Errorf("%s %s = %d; want %d", tt.method, tt.path, code, tt.want)
			}
		})
	}
	var e struct {
		Error string `json:"error"`
	}
	if code, _, _ := call(t, "POST", n.URL+"/api/v1/statuses", rw, `{"status": ""}`, &e); code != http.StatusUnprocessableEntity ||
		e.Error != "Validation failed: Text can't be blank" {
		t.Errorf("empty JSON status: %d %q", code, e.Error)
	}
	if n, _ := n.Store.CountStatuses(context.Background(), alice.ID, []activitypub.Visibility{activitypub.Public}); n != 1 {
		t.Errorf("alice has %d statuses; want only the one posted directly", n)
	}
}

func TestStatusIdempotencyKey(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	bob := n.Member("bob", false)
	ta, tb := n.Token(alice), n.Token(bob)
	post := func(token, key, text string) string {
		t.Helper()
		var st struct {
			ID string `json:"id"`
		}
		req := request(t, "POST", n.URL+"/api/v1/statuses", token, url.Values{"status": {text}})
		req.Header.Set("Idempotency-Key", key)
		if code, _, _ := send(t, req, &st); code != http.StatusOK {
			t.Fatalf("post with key %q: %d", key, code)
		}
		return st.ID
	}
	first := post(ta, "key-1", "Once only")
	if again := post(ta, "key-1", "Once only"); again != first {
		t.Errorf("the same key posted again: %s, then %s", first, again)
	}
	if other := post(ta, "key-2", "Once only"); other == first {
		t.Error("another key returned the first status")
	}
	if bobs := post(tb, "key-1", "Mine"); bobs == first {
		t.Error("bob's key-1 returned alice's status")
	}

	// Requests racing with one key post once.
	var wg sync.WaitGroup
	got := make([]string, 4)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = post(ta, "race", "Raced")
		}()
	}
	wg.Wait()
	for _, id := range got[1:] {
		if id != got[0] {
			t.Errorf("racing requests with one key made %v", got)
			break
		}
	}
	count, err := n.Store.CountStatuses(context.Background(), alice.ID, []activitypub.Visibility{activitypub.Public})
	if err != nil || count != 3 {
		t.Errorf("alice has %d statuses (%v); want 3", count, err)
	}
}

func TestStatusEditHistoryAcrossNodes(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	stFollow(t, a, alice, a.Resolve(b.Acct("bob")))
	ctx := context.Background()
	cb := stClient(b, b.Token(bob))

	orig, err := cb.PostStatus(ctx, &mastodon.Toot{Status: "Draft routine for #enquiries"})
	if err != nil {
		t.Fatal(err)
	}
	onA := stArrived(t, a, orig.URI)
	edited, err := cb.UpdateStatus(ctx, &mastodon.Toot{Status: "Final routine for #enquiries", SpoilerText: "long"}, orig.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(edited.Content, "Final routine") || edited.EditedAt.IsZero() || !edited.Sensitive || edited.ID != orig.ID {
		t.Errorf("edited = %q, edited_at %v, sensitive %v", edited.Content, edited.EditedAt, edited.Sensitive)
	}
	source, err := cb.GetStatusSource(ctx, orig.ID)
	if err != nil {
		t.Fatal(err)
	}
	if source.Text != "Final routine for #enquiries" || source.SpoilerText != "long" {
		t.Errorf("source = %+v", source)
	}

	history := func(n *testrig.Node, token string, id string) []*mastodon.StatusHistory {
		t.Helper()
		h, err := stClient(n, token).GetStatusHistory(ctx, mastodon.ID(id))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	check := func(where string, h []*mastodon.StatusHistory) {
		t.Helper()
		if len(h) != 2 {
			t.Fatalf("history on %s has %d versions; want 2", where, len(h))
		}
		if !strings.Contains(h[0].Content, "Draft routine") || !strings.Contains(h[1].Content, "Final routine") ||
			h[1].SpoilerText != "long" || h[0].Account.Acct == "" || h[1].CreatedAt.Before(h[0].CreatedAt) {
			t.Errorf("history on %s = %q (%v), %q (%v); want the draft, then the final version",
				where, h[0].Content, h[0].CreatedAt, h[1].Content, h[1].CreatedAt)
		}
	}
	check("B", history(b, "", string(orig.ID)))

	// The Update reaches A, which keeps the history too.
	ta := a.Token(alice)
	testrig.Eventually(t, stWait, "the edit on A", func() bool {
		st, err := stClient(a, ta).GetStatus(ctx, mastodon.ID(onA.String()))
		return err == nil && strings.Contains(st.Content, "Final routine")
	})
	check("A", history(a, ta, onA.String()))

	// Someone else's status cannot be edited.
	if _, err := stClient(a, ta).UpdateStatus(ctx, &mastodon.Toot{Status: "mine now"}, mastodon.ID(onA.String())); stCode(err) != http.StatusNotFound {
		t.Errorf("alice edits bob's status: %v; want 404", err)
	}
}

func TestStatusDeleteAcrossNodes(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	stFollow(t, a, alice, a.Resolve(b.Acct("bob")))
	ctx := context.Background()
	tb, ta := b.Token(bob), a.Token(alice)

	first, err := stClient(b, tb).PostStatus(ctx, &mastodon.Toot{Status: "Wrong #draft, sorry", SpoilerText: "oops"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := stClient(b, tb).PostStatus(ctx, &mastodon.Toot{Status: "Also wrong"})
	if err != nil {
		t.Fatal(err)
	}
	firstOnA, secondOnA := stArrived(t, a, first.URI), stArrived(t, a, second.URI)

	if code, _, _ := call(t, "DELETE", a.URL+"/api/v1/statuses/"+firstOnA.String(), ta, nil, nil); code != http.StatusNotFound {
		t.Errorf("alice deletes bob's status: %d; want 404", code)
	}
	var deleted struct {
		ID          string  `json:"id"`
		Text        *string `json:"text"`
		SpoilerText string  `json:"spoiler_text"`
		Content     string  `json:"content"`
	}
	if code, _, _ := call(t, "DELETE", b.URL+"/api/v1/statuses/"+string(first.ID), tb, nil, &deleted); code != http.StatusOK {
		t.Fatalf("delete: %d", code)
	}
	if deleted.ID != string(first.ID) || deleted.Text == nil || *deleted.Text != "Wrong #draft, sorry" || deleted.SpoilerText != "oops" {
		t.Errorf("deleted = %+v; want the status with its source text", deleted)
	}
	if err := stClient(b, tb).DeleteStatus(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := stClient(b, tb).GetStatus(ctx, first.ID); stCode(err) != http.StatusNotFound {
		t.Errorf("a deleted status on B: %v; want 404", err)
	}
	for _, id := range []storage.ID{firstOnA, secondOnA} {
		testrig.Eventually(t, stWait, "the delete reaching A", func() bool {
			_, err := stClient(a, ta).GetStatus(ctx, mastodon.ID(id.String()))
			return stCode(err) == http.StatusNotFound
		})
	}
}

func TestStatusContextAcrossNodes(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false)
	bob := b.Member("bob", false)
	stFollow(t, a, alice, a.Resolve(b.Acct("bob")))
	stFollow(t, b, bob, b.Resolve(a.Acct("alice")))
	ctx := context.Background()
	ca, cb := stClient(a, a.Token(alice)), stClient(b, b.Token(bob))

	root, err := cb.PostStatus(ctx, &mastodon.Toot{Status: "How do you log enquiries?"})
	if err != nil {
		t.Fatal(err)
	}
	rootOnA := stArrived(t, a, root.URI)
	reply, err := ca.PostStatus(ctx, &mastodon.Toot{Status: "@bob@" + b.Host + " a shared form", InReplyToID: mastodon.ID(rootOnA.String())})
	if err != nil {
		t.Fatal(err)
	}
	replyOnB := stArrived(t, b, reply.URI)
	answer, err := cb.PostStatus(ctx, &mastodon.Toot{Status: "@alice@" + a.Host + " which form?", InReplyToID: mastodon.ID(replyOnB.String())})
	if err != nil {
		t.Fatal(err)
	}
	answerOnA := stArrived(t, a, answer.URI)
	aside, err := cb.PostStatus(ctx, &mastodon.Toot{Status: "Another answer", InReplyToID: root.ID})
	if err != nil {
		t.Fatal(err)
	}
	asideOnA := stArrived(t, a, aside.URI)

	uris := func(sts []*mastodon.Status) []string {
		var out []string
		for _, s := range sts {
			out = append(out, s.URI)
		}
		return out
	}
	// On B, from the root: the whole thread, depth first.
	cx, err := cb.GetStatusContext(ctx, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := uris(cx.Descendants), []string{reply.URI, answer.URI, aside.URI}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("descendants on B = %v; want %v", got, want)
	}
	if len(cx.Ancestors) != 0 {
		t.Errorf("the root has ancestors %v", uris(cx.Ancestors))
	}
	// On A, from alice's reply: the root above, bob's answer below.
	cx, err = ca.GetStatusContext(ctx, reply.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := uris(cx.Ancestors); fmt.Sprint(got) != fmt.Sprint([]string{root.URI}) {
		t.Errorf("ancestors on A = %v; want the root", got)
	}
	if got := uris(cx.Descendants); fmt.Sprint(got) != fmt.Sprint([]string{answer.URI}) {
		t.Errorf("descendants on A = %v; want bob's answer", got)
	}
	// From the last answer, anonymously: the chain above it.
	var anon struct {
		Ancestors   []struct{ URI string } `json:"ancestors"`
		Descendants []struct{ URI string } `json:"descendants"`
	}
	call(t, "GET", a.URL+"/api/v1/statuses/"+answerOnA.String()+"/context", "", nil, &anon)
	if len(anon.Ancestors) != 2 || anon.Ancestors[0].URI != root.URI || anon.Ancestors[1].URI != reply.URI || len(anon.Descendants) != 0 {
		t.Errorf("anonymous context of the answer = %+v", anon)
	}
	_ = asideOnA
}

func TestStatusBookmarksPinsAndMutes(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	bob := n.Member("bob", false)
	ctx := context.Background()
	ta, tb := n.Token(alice), n.Token(bob)
	ca := stClient(n, ta)

	var mine []*mastodon.Status
	for i := range 7 {
		st, err := ca.PostStatus(ctx, &mastodon.Toot{Status: fmt.Sprintf("Routine %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		mine = append(mine, st)
	}
	dm, err := ca.PostStatus(ctx, &mastodon.Toot{Status: "@bob psst", Visibility: "direct"})
	if err != nil {
		t.Fatal(err)
	}
	private, err := ca.PostStatus(ctx, &mastodon.Toot{Status: "for followers", Visibility: "private"})
	if err != nil {
		t.Fatal(err)
	}
	bobs, err := stClient(n, tb).PostStatus(ctx, &mastodon.Toot{Status: "bob's"})
	if err != nil {
		t.Fatal(err)
	}

	// Bookmarks: flagged, listed newest bookmark first, paged by Link.
	for _, st := range []*mastodon.Status{mine[2], bobs, mine[0], mine[1]} {
		got, err := ca.Bookmark(ctx, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Bookmarked != true {
			t.Errorf("bookmarked = %v after bookmarking", got.Bookmarked)
		}
	}
	if got, _ := ca.Unbookmark(ctx, mine[0].ID); got == nil || got.Bookmarked != false {
		t.Errorf("unbookmark answered %+v", got)
	}
	var listed []string
	next := n.URL + "/api/v1/bookmarks?limit=2"
	for next != "" {
		var page []struct{ ID string }
		_, h, _ := call(t, "GET", next, ta, nil, &page)
		if len(page) == 0 {
			break
		}
		for _, s := range page {
			listed = append(listed, s.ID)
		}
		next, _ = stLinks(h.Get("Link"))
	}
	if want := []string{string(mine[1].ID), string(bobs.ID), string(mine[2].ID)}; fmt.Sprint(listed) != fmt.Sprint(want) {
		t.Errorf("bookmarks = %v; want %v", listed, want)
	}
	if st, _ := stClient(n, tb).GetStatus(ctx, mine[1].ID); st == nil || st.Bookmarked != false {
		t.Error("bob sees alice's bookmark")
	}

	// Favourites list.
	if _, err := ca.Favourite(ctx, bobs.ID); err != nil {
		t.Fatal(err)
	}
	favs, err := ca.GetFavourites(ctx, nil)
	if err != nil || len(favs) != 1 || favs[0].ID != bobs.ID || favs[0].Favourited != true {
		t.Errorf("favourites = %v, %v", favs, err)
	}

	// Pins: own public, unlisted or private posts, five at most.
	pin := func(id mastodon.ID) (int, bool) {
		var st struct{ Pinned bool }
		code, _, _ := call(t, "POST", n.URL+"/api/v1/statuses/"+string(id)+"/pin", ta, nil, &st)
		return code, st.Pinned
	}
	for _, st := range append([]*mastodon.Status{private}, mine[:4]...) {
		if code, pinned := pin(st.ID); code != http.StatusOK || !pinned {
			t.Errorf("pin %s: %d, pinned %v", st.Content, code, pinned)
		}
	}
	for name, id := range map[string]mastodon.ID{"a sixth": mine[5].ID, "a direct message": dm.ID, "bob's": bobs.ID} {
		if code, _ := pin(id); code != http.StatusUnprocessableEntity {
			t.Errorf("pin %s: %d; want 422", name, code)
		}
	}
	var unpinned struct{ Pinned bool }
	if code, _, _ := call(t, "POST", n.URL+"/api/v1/statuses/"+string(private.ID)+"/unpin", ta, nil, &unpinned); code != 200 || unpinned.Pinned {
		t.Errorf("unpin: %d, pinned %v", code, unpinned.Pinned)
	}
	if code, pinned := pin(mine[5].ID); code != http.StatusOK || !pinned {
		t.Errorf("pin after unpinning one: %d", code)
	}

	// Muting a conversation flags every status in it.
	reply, err := stClient(n, tb).PostStatus(ctx, &mastodon.Toot{Status: "@alice nice", InReplyToID: mine[6].ID})
	if err != nil {
		t.Fatal(err)
	}
	var muted struct{ Muted bool }
	if code, _, _ := call(t, "POST", n.URL+"/api/v1/statuses/"+string(reply.ID)+"/mute", ta, nil, &muted); code != 200 || !muted.Muted {
		t.Errorf("mute: %d, muted %v", code, muted.Muted)
	}
	if st, _ := ca.GetStatus(ctx, mine[6].ID); st == nil || st.Muted != true {
		t.Error("the root of a muted conversation is not muted")
	}
	call(t, "POST", n.URL+"/api/v1/statuses/"+string(mine[6].ID)+"/unmute", ta, nil, &muted)
	if muted.Muted {
		t.Error("still muted after unmuting")
	}
}
