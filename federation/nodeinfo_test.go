package federation

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig/testkit"
)

// nodeInfoEngine is an engine whose client may reach loopback only when
// allowLoopback, over plain http.
func nodeInfoEngine(t *testing.T, allowLoopback bool) *Engine {
	t.Helper()
	store, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "copse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	var o TransportOptions
	if allowLoopback {
		o.AllowPrivate = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}
	e := New(store, Options{URLs: URLs{Base: "https://council-a.example"}, NewKey: testkit.Keys(),
		Client: NewHTTPClient(o), RemoteScheme: "http"})
	if err := e.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

// nodeInfoServer answers /.well-known/nodeinfo with index (its {base}
// replaced by the server's URL) and /nodeinfo/2.x with doc.
func nodeInfoServer(t *testing.T, index, doc string) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/.well-known/nodeinfo" && index != "":
			_, _ = w.Write([]byte(strings.ReplaceAll(index, "{base}", srv.URL)))
		case strings.HasPrefix(r.URL.Path, "/nodeinfo/2.") && doc != "":
			_, _ = w.Write([]byte(doc))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestFetchNodeInfo reads what a node runs from its NodeInfo, 2.1
// preferred to 2.0, and refuses what is missing, too large or on a
// private address the node is not configured to reach.
func TestFetchNodeInfo(t *testing.T) {
	both := `{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"{base}/nodeinfo/2.0"},` +
		`{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.1","href":"{base}/nodeinfo/2.1"}]}`
	only20 := `{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"{base}/nodeinfo/2.0"}]}`
	tests := []struct {
		name          string
		index, doc    string
		private       bool // the engine may not reach loopback
		software, ver string
		wantErr       error // nil: any error when software is ""
	}{
		{name: "2.1 lemmy", index: both, doc: `{"version":"2.1","software":{"name":"lemmy","version":"0.19.5"}}`,
			software: "lemmy", ver: "0.19.5"},
		{name: "2.0 mastodon, name in capitals", index: only20, doc: `{"version":"2.0","software":{"name":"Mastodon","version":"4.3.1"}}`,
			software: "mastodon", ver: "4.3.1"},
		{name: "no nodeinfo", index: "", doc: ""},
		{name: "index without 2.x", index: `{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/1.0","href":"{base}/nodeinfo/1.0"}]}`,
			doc: `{"software":{"name":"x"}}`, wantErr: errNoNodeInfo},
		{name: "no software name", index: both, doc: `{"version":"2.1","software":{"version":"1"}}`, wantErr: errNoNodeInfo},
		{name: "not JSON", index: both, doc: `<html>`},
		{name: "oversized", index: both,
			doc:     `{"version":"2.1","software":{"name":"lemmy"},"metadata":{"x":"` + strings.Repeat("a", nodeInfoMaxBytes) + `"}}`,
			wantErr: ErrTooLarge},
		{name: "private address refused", index: both, doc: `{"version":"2.1","software":{"name":"lemmy"}}`,
			private: true, wantErr: ErrPrivateAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := nodeInfoEngine(t, !tt.private)
			srv := nodeInfoServer(t, tt.index, tt.doc)
			sw, ver, err := e.fetchNodeInfo(context.Background(), strings.TrimPrefix(srv.URL, "http://"))
			if tt.software != "" {
				if err != nil || sw != tt.software || ver != tt.ver {
					t.Fatalf("got %q %q, %v; want %q %q", sw, ver, err, tt.software, tt.ver)
				}
				return
			}
			if err == nil {
				t.Fatalf("got %q %q; want an error", sw, ver)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v; want %v", err, tt.wantErr)
			}
		})
	}
}

// TestRefreshInstance checks that a read node is recorded and known by
// its kind at the next announce, and that a node that cannot be read is
// recorded as failed (both announces) and read again only after
// nodeInfoRetry.
func TestRefreshInstance(t *testing.T) {
	e := nodeInfoEngine(t, true)
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	e.now = func() time.Time { return now }
	ctx := context.Background()
	lemmy := nodeInfoServer(t, `{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.1","href":"{base}/nodeinfo/2.1"}]}`,
		`{"version":"2.1","software":{"name":"lemmy","version":"0.19.5"}}`)
	down := nodeInfoServer(t, "", "")
	lh, dh := strings.TrimPrefix(lemmy.URL, "http://"), strings.TrimPrefix(down.URL, "http://")

	kinds := func() (map[string]announceKind, []string) {
		t.Helper()
		var kinds map[string]announceKind
		err := e.store.InTx(ctx, func(tx *storage.Tx) error {
			var err error
			kinds, err = e.announceKinds(ctx, tx, []string{lh, dh})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var queued []string
		for len(e.instances.ch) > 0 {
			h := <-e.instances.ch
			queued = append(queued, h)
			e.refreshInstance(ctx, h)
		}
		slices.Sort(queued)
		return kinds, queued
	}
	want := []string{dh, lh}
	slices.Sort(want)
	if k, q := kinds(); len(k) != 0 || !slices.Equal(q, want) {
		t.Fatalf("first announce: kinds %v, queued %v; want none known, both queued", k, q)
	}
	if k, q := kinds(); k[lh] != announceRawOnly || k[dh] != announceBoth || len(q) != 0 {
		t.Fatalf("second announce: kinds %v, queued %v; want lemmy group-aware, nothing queued", k, q)
	}
	got, err := e.store.Instances(ctx, []string{lh, dh})
	if err != nil || got[lh].Software != "lemmy" || got[lh].Version != "0.19.5" || !got[dh].Failed {
		t.Fatalf("recorded %+v, %v", got, err)
	}
	now = now.Add(nodeInfoRetry)
	if _, q := kinds(); !slices.Equal(q, []string{dh}) {
		t.Fatalf("after %v queued %v; want only the failed node", nodeInfoRetry, q)
	}
	now = now.Add(nodeInfoRefresh)
	if _, q := kinds(); !slices.Equal(q, want) {
		t.Fatalf("after %v queued %v; want both again", nodeInfoRefresh, q)
	}
}

func TestAnnounceKindOf(t *testing.T) {
	tests := []struct {
		software string
		want     announceKind
	}{
		{"lemmy", announceRawOnly},
		{"piefed", announceRawOnly},
		{"mbin", announceRawOnly},
		{"kbin", announceRawOnly},
		{"nodebb", announceRawOnly},
		{"copse", announceRawOnly},
		{"friendica", announceRawOnly},
		{"hubzilla", announceRawOnly},
		{" Lemmy ", announceRawOnly},
		{"mastodon", announceBoostOnly},
		{"Mastodon", announceBoostOnly},
		{"gotosocial", announceBoostOnly},
		{"pleroma", announceBoostOnly},
		{"akkoma", announceBoostOnly},
		{"misskey", announceBoostOnly},
		{"sharkey", announceBoostOnly},
		{"", announceBoth},
		{"writefreely", announceBoth},
		{"something-new", announceBoth},
	}
	for _, tt := range tests {
		if got := announceKindOf(tt.software); got != tt.want {
			t.Errorf("announceKindOf(%q) = %v; want %v", tt.software, got, tt.want)
		}
	}
}

// TestAnnounceInboxes: each follower node gets the announces its
// software reads, the post's author's node too once its software is
// known; a thread's author's node is told of it even when it does not
// follow, in its shape; a node not known gets both.
func TestAnnounceInboxes(t *testing.T) {
	const (
		lemmy        = "https://lemmy.example/inbox"
		masto        = "https://masto.example/inbox"
		unknown      = "https://unknown.example/inbox"
		mastoAuthor  = "https://author.example/inbox"   // a Mastodon node
		lemmyAuthor  = "https://piefed.example/inbox"   // a group-aware node
		newAuthor    = "https://new.example/inbox"      // a node not known
		mastoAuthor2 = "https://author.example/u/inbox" // another inbox on the Mastodon author's node
	)
	kinds := map[string]announceKind{"lemmy.example": announceRawOnly, "masto.example": announceBoostOnly,
		"author.example": announceBoostOnly, "piefed.example": announceRawOnly}
	all := []string{lemmy, masto, unknown}
	with := func(extra ...string) []string { return append(slices.Clone(all), extra...) }
	tests := []struct {
		name        string
		inboxes     []string
		kinds       map[string]announceKind
		authorInbox string
		thread      bool
		raw, boost  []string
	}{
		{name: "thread by a local author", inboxes: all, kinds: kinds, thread: true,
			raw: []string{lemmy, unknown}, boost: []string{masto, unknown}},
		{name: "reply by a local author", inboxes: all, kinds: kinds,
			raw: []string{lemmy, unknown}},
		{name: "thread by a Mastodon author whose node follows: the boost only", inboxes: with(mastoAuthor), kinds: kinds,
			authorInbox: mastoAuthor, thread: true,
			raw: []string{lemmy, unknown}, boost: []string{masto, unknown, mastoAuthor}},
		{name: "reply by a Mastodon author whose node follows: nothing it cannot read", inboxes: with(mastoAuthor), kinds: kinds,
			authorInbox: mastoAuthor,
			raw:         []string{lemmy, unknown}},
		{name: "thread by a Mastodon author whose node does not follow: told by the boost", inboxes: all, kinds: kinds,
			authorInbox: mastoAuthor, thread: true,
			raw: []string{lemmy, unknown}, boost: []string{masto, unknown, mastoAuthor}},
		{name: "thread by a Mastodon author, followed from another inbox of the node", inboxes: with(mastoAuthor2), kinds: kinds,
			authorInbox: mastoAuthor, thread: true,
			raw: []string{lemmy, unknown}, boost: []string{masto, unknown, mastoAuthor2, mastoAuthor}},
		{name: "thread by a group-aware author whose node follows: as received only", inboxes: with(lemmyAuthor), kinds: kinds,
			authorInbox: lemmyAuthor, thread: true,
			raw: []string{lemmy, unknown, lemmyAuthor}, boost: []string{masto, unknown}},
		{name: "reply by a group-aware author whose node follows", inboxes: with(lemmyAuthor), kinds: kinds,
			authorInbox: lemmyAuthor,
			raw:         []string{lemmy, unknown, lemmyAuthor}},
		{name: "thread by a group-aware author whose node does not follow: told as received", inboxes: all, kinds: kinds,
			authorInbox: lemmyAuthor, thread: true,
			raw: []string{lemmy, unknown, lemmyAuthor}, boost: []string{masto, unknown}},
		{name: "thread by an author on a node not known that follows: both", inboxes: with(newAuthor), kinds: kinds,
			authorInbox: newAuthor, thread: true,
			raw: []string{lemmy, unknown, newAuthor}, boost: []string{masto, unknown, newAuthor}},
		{name: "reply by an author on a node not known that follows", inboxes: with(newAuthor), kinds: kinds,
			authorInbox: newAuthor,
			raw:         []string{lemmy, unknown, newAuthor}},
		{name: "thread by an author on a node not known that does not follow: the boost", inboxes: all, kinds: kinds,
			authorInbox: newAuthor, thread: true,
			raw: []string{lemmy, unknown}, boost: []string{masto, unknown, newAuthor}},
		{name: "nothing known", inboxes: all, thread: true,
			raw: all, boost: all},
		{name: "no followers", kinds: kinds, thread: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, boost := announceInboxes(tt.inboxes, tt.kinds, tt.authorInbox, tt.thread)
			if !slices.Equal(raw, tt.raw) || !slices.Equal(boost, tt.boost) {
				t.Errorf("got raw %v boost %v; want raw %v boost %v", raw, boost, tt.raw, tt.boost)
			}
		})
	}
}

// TestJoinQueuesNodeInfo: a remote account asking to join a Group hosted
// here (open or by approval) queues its node's NodeInfo read once the
// Follow is applied; following a member does not.
func TestJoinQueuesNodeInfo(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	open := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	approval := community(t, e, alice, NewCommunity{Handle: "archives", Name: "Archives", JoinPolicy: "approval"})
	queued := func() []string {
		var out []string
		for len(e.instances.ch) > 0 {
			h := <-e.instances.ch
			out = append(out, h)
			e.instances.mu.Lock()
			delete(e.instances.queued, h)
			e.instances.mu.Unlock()
		}
		return out
	}
	for i, c := range []struct {
		host   string
		target storage.Account
		want   []string
	}{
		{"lemmy.example", open, []string{"lemmy.example"}},
		{"mbin.example", approval, []string{"mbin.example"}},
		{"masto.example", alice, nil},
	} {
		p := remotePerson(t, e, "reader", c.host)
		follow := activitypub.Activity{ID: p.URI + "/follows/" + string(rune('a'+i)), Type: activitypub.TypeFollow, Actor: p.URI,
			Object: activitypub.Object{IRI: c.target.URI}}
		if err := e.Apply(ctx, follow); err != nil {
			t.Fatal(err)
		}
		if got := queued(); !slices.Equal(got, c.want) {
			t.Errorf("follow of %s from %s queued %v; want %v", c.target.Acct(), c.host, got, c.want)
		}
	}
}
