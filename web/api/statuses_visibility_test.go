package api_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/web/testrig"
)

// A followers-only and a direct reply in a public thread, posted on B,
// are stored on A for the follower and the mentioned member; a member of
// A who is neither must not see them through any endpoint.
func TestStatusPrivateAndDirectInvisibleToOthers(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.Member("alice", false) // follows bob
	carol := a.Member("carol", false) // mentioned in the direct reply
	dave := a.Member("dave", false)   // neither: follows nobody, mentioned nowhere
	bob := b.Member("bob", false)
	bobOnA := a.Resolve(b.Acct("bob"))
	stFollow(t, a, alice, bobOnA)
	ctx := context.Background()
	cb := stClient(b, b.Token(bob))

	root, err := cb.PostStatus(ctx, &mastodon.Toot{Status: "A public question"})
	if err != nil {
		t.Fatal(err)
	}
	private, err := cb.PostStatus(ctx, &mastodon.Toot{Status: "followers only", Visibility: "private", InReplyToID: root.ID})
	if err != nil {
		t.Fatal(err)
	}
	direct, err := cb.PostStatus(ctx, &mastodon.Toot{Status: "@carol@" + a.Host + " just for you", Visibility: "direct", InReplyToID: root.ID})
	if err != nil {
		t.Fatal(err)
	}
	rootOnA, privateOnA, directOnA := stArrived(t, a, root.URI), stArrived(t, a, private.URI), stArrived(t, a, direct.URI)

	ta, tc, td := a.Token(alice), a.Token(carol), a.Token(dave)
	get := func(token, id string) int {
		code, _, _ := call(t, "GET", a.URL+"/api/v1/statuses/"+id, token, nil, nil)
		return code
	}
	for _, tt := range []struct {
		who   string
		token string
		id    string
		want  int
	}{
		{"alice, a follower, the followers-only post", ta, privateOnA.String(), http.StatusOK},
		{"alice, the direct post", ta, directOnA.String(), http.StatusNotFound},
		{"carol, the direct post", tc, directOnA.String(), http.StatusOK},
		{"carol, the followers-only post", tc, privateOnA.String(), http.StatusNotFound},
		{"dave, the followers-only post", td, privateOnA.String(), http.StatusNotFound},
		{"dave, the direct post", td, directOnA.String(), http.StatusNotFound},
		{"anonymous, the followers-only post", "", privateOnA.String(), http.StatusNotFound},
		{"anonymous, the direct post", "", directOnA.String(), http.StatusNotFound},
		{"dave, the public root", td, rootOnA.String(), http.StatusOK},
	} {
		if got := get(tt.token, tt.id); got != tt.want {
			t.Errorf("GET as %s: %d; want %d", tt.who, got, tt.want)
		}
	}
	for _, sub := range []string{"/context", "/reblogged_by", "/favourited_by", "/history", "/source"} {
		for _, id := range []string{privateOnA.String(), directOnA.String()} {
			if code, _, _ := call(t, "GET", a.URL+"/api/v1/statuses/"+id+sub, td, nil, nil); code != http.StatusNotFound {
				t.Errorf("dave GETs %s of a hidden status: %d; want 404", sub, code)
			}
		}
	}
	for _, action := range []string{"favourite", "reblog", "bookmark", "mute"} {
		if code, _, _ := call(t, "POST", a.URL+"/api/v1/statuses/"+privateOnA.String()+"/"+action, td, nil, nil); code != http.StatusNotFound {
			t.Errorf("dave %ss the followers-only post: %d; want 404", action, code)
		}
	}

	// The thread shows each viewer what they may see.
	context := func(token string) []string {
		t.Helper()
		var cx struct {
			Descendants []struct{ URI string } `json:"descendants"`
		}
		if code, _, _ := call(t, "GET", a.URL+"/api/v1/statuses/"+rootOnA.String()+"/context", token, nil, &cx); code != http.StatusOK {
			t.Fatalf("context: %d", code)
		}
		var out []string
		for _, s := range cx.Descendants {
			out = append(out, s.URI)
		}
		return out
	}
	for _, tt := range []struct {
		who   string
		token string
		want  []string
	}{
		{"alice", ta, []string{private.URI}},
		{"carol", tc, []string{direct.URI}},
		{"dave", td, nil},
		{"anonymous", "", nil},
	} {
		if got := context(tt.token); !slices.Equal(got, tt.want) {
			t.Errorf("context of the root for %s = %v; want %v", tt.who, got, tt.want)
		}
	}

	// Timelines: neither hidden post reaches dave (home, public, tag) nor
	// the public timelines at all.
	timeline := func(path, token string, q url.Values) []string {
		t.Helper()
		var sts []struct{ URI string }
		if code, _, _ := call(t, "GET", a.URL+path, token, q, &sts); code != http.StatusOK {
			t.Fatalf("%s: %d", path, code)
		}
		var out []string
		for _, s := range sts {
			out = append(out, s.URI)
		}
		return out
	}
	for _, tl := range []struct {
		name, path, token string
	}{
		{"dave's home", "/api/v1/timelines/home", td},
		{"public, as dave", "/api/v1/timelines/public", td},
		{"public, as alice", "/api/v1/timelines/public", ta},
		{"public, anonymous", "/api/v1/timelines/public", ""},
	} {
		got := timeline(tl.path, tl.token, nil)
		if slices.Contains(got, private.URI) || slices.Contains(got, direct.URI) {
			t.Errorf("%s holds a hidden post: %v", tl.name, got)
		}
	}
	if home := timeline("/api/v1/timelines/home", ta, nil); !slices.Contains(home, private.URI) || slices.Contains(home, direct.URI) {
		t.Errorf("alice's home = %v; want the followers-only post and not the direct one", home)
	}
	if home := timeline("/api/v1/timelines/home", tc, nil); !slices.Contains(home, direct.URI) {
		t.Errorf("carol's home = %v; want the direct post", home)
	}

	// Notifications: only carol is told, of the mention.
	for _, tt := range []struct {
		who   string
		token string
		want  int
	}{{"alice", ta, 0}, {"dave", td, 0}, {"carol", tc, 1}} {
		notes, err := stClient(a, tt.token).GetNotifications(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(notes) != tt.want {
			t.Errorf("%s has %d notifications; want %d", tt.who, len(notes), tt.want)
		}
	}
}
