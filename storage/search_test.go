package storage

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

// searchIDs runs a search and returns the IDs found.
func searchIDs(t *testing.T, s *Store, f StatusSearch, p Page) []ID {
	t.Helper()
	sts, err := s.SearchStatuses(context.Background(), f, p)
	if err != nil {
		t.Fatalf("search %+v: %v", f, err)
	}
	return statusIDs(sts)
}

func TestSearchStatusesText(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	alice := mustAccount(t, s, "alice", "")
	cafe := storeStatus(t, s, alice, func(st *Status) {
		st.Content = `<p>Un café <a href="https://example.com/target" class="mention" rel="nofollow">au lait</a>, don&#39;t spill</p>`
	})
	quoted := storeStatus(t, s, alice, func(st *Status) {
		st.Content = `<p>1 &lt; 2 is "quoted", see C:\shared\minutes</p>`
	})
	titled := storeStatus(t, s, alice, func(st *Status) {
		st.Title, st.SpoilerText, st.Content = "Reading list", "long post", "<p>Books on tea and coffee</p>"
	})
	for _, tc := range []struct {
		name string
		q    string
		want []ID
	}{
		{"a word inside a post", "spill", []ID{cafe.ID}},
		{"diacritics fold in the index", "cafe", []ID{cafe.ID}},
		{"diacritics fold in the query", "café", []ID{cafe.ID}},
		{"case folds", "CAFE", []ID{cafe.ID}},
		{"every word must occur", "cafe spill", []ID{cafe.ID}},
		{"a missing word finds nothing", "cafe tea", nil},
		{"a phrase", `"au lait"`, []ID{cafe.ID}},
		{"a phrase out of order finds nothing", `"lait au"`, nil},
		{"an entity is text", "don't", []ID{cafe.ID}},
		{"markup is not text", "target", nil},
		{"attribute names are not text", "class", nil},
		{"quotes and backslashes are text", `"quoted" shared minutes`, []ID{quoted.ID}},
		{"an escaped < is text", `"1 2"`, []ID{quoted.ID}},
		{"the title", "reading", []ID{titled.ID}},
		{"the content warning", "long", []ID{titled.ID}},
		{"a word excluded", "coffee -tea", nil},
		{"a word excluded that is not there", "coffee -lait", []ID{titled.ID}},
		{"a hashtag's word", "#coffee", []ID{titled.ID}},
		{"FTS5 syntax is text", `coffee AND NEAR( * ^ title: "`, nil},
		{"an operator as a word", "tea OR", nil},
		{"punctuation alone finds nothing", "!!! ...", nil},
		{"only exclusions find nothing", "-tea", nil},
		{"empty", "  ", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := searchIDs(t, s, StatusSearch{Query: tc.q, Viewer: alice.ID}, Page{}); !slices.Equal(got, tc.want) {
				t.Errorf("search %q = %v; want %v", tc.q, got, tc.want)
			}
		})
	}
}

func TestSearchStatusesVisibility(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	now := time.Now()
	author := mustAccount(t, s, "author", "")
	follower := mustAccount(t, s, "follower", "")
	stranger := mustAccount(t, s, "stranger", "")
	mentioned := mustAccount(t, s, "mentioned", "")
	muter := mustAccount(t, s, "muter", "")
	expiredMuter := mustAccount(t, s, "expired", "")
	blocker := mustAccount(t, s, "blocker", "")
	blocked := mustAccount(t, s, "blocked", "")
	remote := mustAccount(t, s, "remote", "far.example")
	domainBlocker := mustAccount(t, s, "domainblocker", "")
	suspended := mustAccount(t, s, "suspended", "")
	inTx(t, s, func(tx *Tx) error {
		for _, err := range []error{
			tx.InsertFollow(ctx, &Follow{AccountID: follower.ID, TargetID: author.ID}),
			tx.InsertMute(ctx, &Mute{AccountID: muter.ID, TargetID: author.ID}),
			tx.InsertMute(ctx, &Mute{AccountID: expiredMuter.ID, TargetID: author.ID, ExpiresAt: now.Add(-time.Hour)}),
			tx.InsertBlock(ctx, blocker.ID, author.ID, ""),
			tx.InsertBlock(ctx, author.ID, blocked.ID, ""),
			tx.InsertDomainBlock(ctx, domainBlocker.ID, "far.example"),
		} {
			if err != nil {
				return err
			}
		}
		suspended.SuspendedAt = now
		return tx.UpdateAccount(ctx, &suspended)
	})
	post := func(a Account, vis activitypub.Visibility, mentions ...ID) ID {
		return storeStatus(t, s, a, func(st *Status) {
			st.Content, st.Visibility, st.Mentions = "<p>the quarterly report</p>", vis, mentions
		}).ID
	}
	public := post(author, activitypub.Public)
	unlisted := post(author, activitypub.Unlisted)
	private := post(author, activitypub.FollowersOnly)
	privateMention := post(author, activitypub.FollowersOnly, mentioned.ID)
	direct := post(author, activitypub.Direct, mentioned.ID)
	fromRemote := post(remote, activitypub.Public)
	post(suspended, activitypub.Public)
	reblog := storeStatus(t, s, follower, func(st *Status) { st.Content, st.ReblogOfID = "", public })

	everyone := []ID{fromRemote, direct, privateMention, private, unlisted, public}
	for _, tc := range []struct {
		name   string
		viewer ID
		want   []ID
	}{
		{"the author finds all their own", author.ID, []ID{fromRemote, direct, privateMention, private, unlisted, public}},
		{"a follower finds followers-only ones", follower.ID, []ID{fromRemote, privateMention, private, unlisted, public}},
		{"a stranger finds public and unlisted ones", stranger.ID, []ID{fromRemote, unlisted, public}},
		{"the mentioned finds the direct one", mentioned.ID, []ID{fromRemote, direct, privateMention, unlisted, public}},
		{"a muter finds none of the muted", muter.ID, []ID{fromRemote}},
		{"an expired mute hides nothing", expiredMuter.ID, []ID{fromRemote, unlisted, public}},
		{"a blocker finds none of the blocked", blocker.ID, []ID{fromRemote}},
		{"the blocked finds none of the blocker", blocked.ID, []ID{fromRemote}},
		{"a domain block hides the domain", domainBlocker.ID, []ID{unlisted, public}},
		{"anonymous finds public ones", 0, []ID{fromRemote, public}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := searchIDs(t, s, StatusSearch{Query: "report", Viewer: tc.viewer}, Page{})
			if !slices.Equal(got, tc.want) {
				t.Errorf("found %v; want %v (all: %v)", got, tc.want, everyone)
			}
			if slices.Contains(got, reblog.ID) {
				t.Error("a reblog was found")
			}
			for _, id := range everyone {
				ok, err := s.SearchVisible(ctx, tc.viewer, id)
				if err != nil {
					t.Fatal(err)
				}
				if ok != slices.Contains(tc.want, id) {
					t.Errorf("SearchVisible(%d) = %v; the search says otherwise", id, ok)
				}
			}
		})
	}
}

func TestSearchStatusesPaging(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	alice := mustAccount(t, s, "alice", "")
	bob := mustAccount(t, s, "bob", "")
	var ids []ID // oldest first
	for i := range 5 {
		a := alice
		if i == 2 {
			a = bob
		}
		ids = append(ids, storeStatus(t, s, a, func(st *Status) { st.Content = "<p>minutes of the meeting</p>" }).ID)
	}
	for _, tc := range []struct {
		name string
		f    StatusSearch
		p    Page
		want []ID
	}{
		{"newest first", StatusSearch{}, Page{Limit: 2}, []ID{ids[4], ids[3]}},
		{"max_id", StatusSearch{}, Page{MaxID: ids[3], Limit: 2}, []ID{ids[2], ids[1]}},
		{"min_id: the oldest above, newest first", StatusSearch{}, Page{MinID: ids[0], Limit: 2}, []ID{ids[2], ids[1]}},
		{"offset", StatusSearch{Offset: 3}, Page{}, []ID{ids[1], ids[0]}},
		{"by one account", StatusSearch{Account: bob.ID}, Page{}, []ID{ids[2]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.Query, tc.f.Viewer = "meeting", alice.ID
			if got := searchIDs(t, s, tc.f, tc.p); !slices.Equal(got, tc.want) {
				t.Errorf("found %v; want %v", got, tc.want)
			}
		})
	}
}

// CountSearchedStatuses counts what SearchStatuses finds, by the same
// rule, up to its bound: where a list after the statuses starts.
func TestCountSearchedStatuses(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	alice := mustAccount(t, s, "alice", "")
	bob := mustAccount(t, s, "bob", "")
	for i := range 4 {
		a := alice
		if i == 0 {
			a = bob
		}
		storeStatus(t, s, a, func(st *Status) { st.Content = "<p>minutes of the meeting</p>" })
	}
	storeStatus(t, s, alice, func(st *Status) {
		st.Content, st.Visibility = "<p>private meeting</p>", activitypub.Direct
	})
	for _, tc := range []struct {
		name  string
		f     StatusSearch
		bound int
		want  int
	}{
		{"all the viewer may find", StatusSearch{Viewer: alice.ID}, 10, 5},
		{"anonymous: public only", StatusSearch{}, 10, 4},
		{"up to the bound", StatusSearch{Viewer: alice.ID}, 2, 2},
		{"offset aside", StatusSearch{Viewer: alice.ID, Offset: 3}, 10, 5},
		{"by one account", StatusSearch{Viewer: alice.ID, Account: bob.ID}, 10, 1},
		{"no bound", StatusSearch{Viewer: alice.ID}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.Query = "meeting"
			n, err := s.CountSearchedStatuses(context.Background(), tc.f, tc.bound)
			if err != nil || n != tc.want {
				t.Errorf("count = %d, %v; want %d", n, err, tc.want)
			}
		})
	}
}

// The index follows every change of a status, made by whatever path:
// the triggers keep it, not the code that writes.
func TestSearchIndexFollowsEditsAndDeletes(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	st := storeStatus(t, s, alice, func(st *Status) { st.Content = "<p>draft agenda</p>" })
	find := func(q string) []ID {
		t.Helper()
		return searchIDs(t, s, StatusSearch{Query: q, Viewer: alice.ID}, Page{})
	}
	if got := find("agenda"); !slices.Equal(got, []ID{st.ID}) {
		t.Fatalf("before the edit: %v", got)
	}

	st.Content, st.SpoilerText, st.EditedAt = "<p>final minutes</p>", "approved", time.Now()
	inTx(t, s, func(tx *Tx) error { return tx.UpdateStatus(ctx, &st) })
	for q, want := range map[string][]ID{"agenda": nil, "draft": nil, "minutes": {st.ID}, "approved": {st.ID}} {
		if got := find(q); !slices.Equal(got, want) {
			t.Errorf("after the edit, %q finds %v; want %v", q, got, want)
		}
	}

	inTx(t, s, func(tx *Tx) error { return tx.DeleteStatus(ctx, st.ID) })
	if got := find("minutes"); len(got) != 0 {
		t.Errorf("after the delete: %v", got)
	}
	var rows int
	if err := s.q.QueryRowContext(ctx, `SELECT count(*) FROM statuses_fts WHERE statuses_fts MATCH 'minutes'`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 0 {
		t.Errorf("the index still holds %d rows for the deleted status", rows)
	}
}

// Statuses stored before migration 0007 are indexed by it.
func TestSearchMigrationBackfills(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	st := storeStatus(t, s, alice, func(st *Status) { st.Content = "<p>an older post</p>" })
	// Undo migration 0007, then run it again as on an upgrade.
	for _, q := range []string{
		`DROP TABLE followed_tags`, `DROP TRIGGER statuses_fts_insert`, `DROP TRIGGER statuses_fts_update`,
		`DROP TRIGGER statuses_fts_delete`, `DROP VIEW statuses_search_text`, `DROP TABLE statuses_fts`,
		`DELETE FROM schema_migrations WHERE version = 7`,
	} {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := migrate(ctx, s.write); err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, s, StatusSearch{Query: "older", Viewer: alice.ID}, Page{}); !slices.Equal(got, []ID{st.ID}) {
		t.Errorf("after the migration: %v; want %v", got, []ID{st.ID})
	}
}

var ftsQuerySeeds = []string{
	"cafe", `"au lait"`, "a\x00b", "-tea coffee", `NEAR(a b)`, `title: x`, `a*`, `^a`, `"`, `""`, `"a""b"`,
	"AND", "OR NOT", "(", ")", "#tag @user", "- -", "café 日本語", "\x00", "a\"b\"c\"d",
}

func TestFTSQuery(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"cafe", `("cafe")`},
		{"cafe  au", `("cafe" "au")`},
		{`"au lait" cafe`, `("au lait" "cafe")`},
		{`cafe -tea`, `("cafe") NOT "tea"`},
		{`#tag @user`, `("tag" "user")`},
		{`say "hi`, `("say" "hi")`},
		{`a AND b`, `("a" "AND" "b")`},
		{`-tea`, ``},
		{`!!!`, ``},
	} {
		if got := ftsQuery(tc.in); got != tc.want {
			t.Errorf("ftsQuery(%q) = %s; want %s", tc.in, got, tc.want)
		}
	}
}

// Whatever a member types, the query is valid FTS5.
func FuzzSearchStatuses(f *testing.F) {
	for _, s := range ftsQuerySeeds {
		f.Add(s)
	}
	s, err := Open(context.Background(), filepath.Join(f.TempDir(), "copse.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	alice := Account{Username: "alice", URI: "https://local.example/users/alice"}
	if err := s.InTx(context.Background(), func(tx *Tx) error { return tx.InsertAccount(context.Background(), &alice) }); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := s.SearchStatuses(context.Background(), StatusSearch{Query: q, Viewer: alice.ID}, Page{}); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
	})
}
