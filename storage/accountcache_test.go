package storage

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/copse-dev/copse/activitypub"
)

// TestAccountsByIDsCache: what AccountsByIDs shows follows every change
// of an account, though it is served from the cache in between.
func TestAccountsByIDsCache(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	ann, bea := mustAccount(t, s, "ann", ""), mustAccount(t, s, "bea", "peer.example")
	show := func() map[ID]Account {
		t.Helper()
		got, err := s.AccountsByIDs(ctx, []ID{ann.ID, bea.ID, 999})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := show(); len(got) != 2 || got[ann.ID].Username != "ann" || got[bea.ID].PrivateKeyPEM != "" {
		t.Fatalf("first read = %+v", got)
	}
	steps := []struct {
		name   string
		change func(tx *Tx) error
		check  func(got map[ID]Account) bool
	}{
		{"renamed", func(tx *Tx) error {
			a := ann
			a.DisplayName = "Ann of Housing"
			return tx.UpdateAccount(ctx, &a)
		}, func(got map[ID]Account) bool { return got[ann.ID].DisplayName == "Ann of Housing" }},
		{"a failed change shows nothing of itself", func(tx *Tx) error {
			a := ann
			a.DisplayName = "never"
			if err := tx.UpdateAccount(ctx, &a); err != nil {
				return err
			}
			return errors.New("rolled back")
		}, func(got map[ID]Account) bool { return got[ann.ID].DisplayName == "Ann of Housing" }},
		{"deleted", func(tx *Tx) error { return tx.DeleteAccount(ctx, bea.ID) },
			func(got map[ID]Account) bool { _, ok := got[bea.ID]; return !ok && len(got) == 1 }},
	}
	for _, st := range steps {
		_ = s.InTx(ctx, st.change)
		if got := show(); !st.check(got) {
			t.Errorf("%s: shown %+v", st.name, got)
		}
	}
}

// TestAccountCacheRace: accounts read while one of them changed are not
// kept, so a row read just before a commit cannot outlive it.
func TestAccountCacheRace(t *testing.T) {
	t.Parallel()
	var c accountCache
	gen := c.gen.Load()
	c.drop(1) // a commit lands while the read runs
	c.put(gen, map[ID]Account{1: {ID: 1, DisplayName: "old"}})
	if found, missing := c.get([]ID{1}); len(found) != 0 || len(missing) != 1 {
		t.Errorf("a read older than a change was kept: %+v", found)
	}
	c.put(c.gen.Load(), map[ID]Account{1: {ID: 1, DisplayName: "new"}})
	if found, _ := c.get([]ID{1}); found[1].DisplayName != "new" {
		t.Errorf("a fresh read was not kept: %+v", found)
	}
}

// txAccountView is what a transaction reads of one account, by each of
// the ways the cache serves: ID, URI and (local accounts) username.
type txAccountView struct {
	byID, byURI, byName string // display names; "-" when not found
}

func viewAccount(ctx context.Context, t *testing.T, tx *Tx, a Account) txAccountView {
	t.Helper()
	name := func(got Account, err error) string {
		if errors.Is(err, ErrNotFound) {
			return "-"
		}
		if err != nil {
			t.Fatal(err)
		}
		if !got.keysOmitted {
			t.Errorf("account %s read without keys can be written back", got.URI)
		}
		return got.DisplayName
	}
	v := txAccountView{byID: name(tx.AccountByIDWithoutKeys(ctx, a.ID)), byURI: name(tx.AccountByURIWithoutKeys(ctx, a.URI))}
	v.byName = v.byURI
	if a.Domain == "" {
		v.byName = name(tx.AccountByUsernameWithoutKeys(ctx, strings.ToUpper(a.Username)))
	}
	return v
}

type accountWant struct {
	a    Account
	want txAccountView
}

func sameView(name string) txAccountView { return txAccountView{name, name, name} }

// TestTxAccountReadsThroughCache: a transaction's account reads are served
// from the account cache, yet the transaction sees its own writes, and
// one rolled back leaves the cache as it was.
func TestTxAccountReadsThroughCache(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	ann, bea := mustAccount(t, s, "ann", ""), mustAccount(t, s, "bea", "peer.example")
	view := func(a Account) (v txAccountView) {
		t.Helper()
		if err := s.InTx(ctx, func(tx *Tx) error { v = viewAccount(ctx, t, tx, a); return nil }); err != nil {
			t.Fatal(err)
		}
		return v
	}
	view(ann)
	view(bea)

	// Served from the cache: a change made behind the store's back (no
	// store write does this) is not seen until the account is dropped.
	if _, err := s.write.ExecContext(ctx, `UPDATE accounts SET display_name = 'behind' WHERE id IN (?, ?)`, ann.ID, bea.ID); err != nil {
		t.Fatal(err)
	}
	for _, a := range []Account{ann, bea} {
		if got := view(a); got != sameView("") {
			t.Errorf("%s: a transaction read %+v, want the cached account", a.Username, got)
		}
		s.accounts.drop(a.ID)
		if got := view(a); got != sameView("behind") {
			t.Errorf("%s: after a drop a transaction read %+v", a.Username, got)
		}
	}

	rollback := errors.New("rolled back")
	cat := Account{ID: 900001, Username: "cat", URI: "https://local.example/users/cat", DisplayName: "Cat"}
	steps := []struct {
		name   string
		change func(tx *Tx) error
		err    error
		inside map[string]txAccountView // what the changing transaction reads after its write
		after  map[string]txAccountView // what a later transaction reads
	}{
		{"update rolled back", func(tx *Tx) error {
			a, err := tx.AccountByID(ctx, ann.ID)
			if err != nil {
				return err
			}
			a.DisplayName = "never"
			return tx.UpdateAccount(ctx, &a)
		}, rollback,
			map[string]txAccountView{"ann": sameView("never")},
			map[string]txAccountView{"ann": sameView("behind")}},
		{"update committed", func(tx *Tx) error {
			a, err := tx.AccountByID(ctx, ann.ID)
			if err != nil {
				return err
			}
			a.DisplayName = "Ann of Housing"
			return tx.UpdateAccount(ctx, &a)
		}, nil,
			map[string]txAccountView{"ann": sameView("Ann of Housing")},
			map[string]txAccountView{"ann": sameView("Ann of Housing")}},
		{"insert rolled back", func(tx *Tx) error { c := cat; return tx.InsertAccount(ctx, &c) }, rollback,
			map[string]txAccountView{"cat": sameView("Cat")},
			map[string]txAccountView{"cat": sameView("-")}},
		{"delete rolled back", func(tx *Tx) error { return tx.DeleteAccount(ctx, bea.ID) }, rollback,
			map[string]txAccountView{"bea": sameView("-")},
			map[string]txAccountView{"bea": sameView("behind")}},
		{"profile images renamed", func(tx *Tx) error {
			return tx.RenameProfileImages(ctx, ProfileImages{AccountID: ann.ID}, ProfileImages{Avatar: "/media/a.png"})
		}, nil, nil, map[string]txAccountView{"ann": sameView("Ann of Housing")}},
		{"delete committed", func(tx *Tx) error { return tx.DeleteAccount(ctx, bea.ID) }, nil,
			map[string]txAccountView{"bea": sameView("-")},
			map[string]txAccountView{"bea": sameView("-")}},
	}
	accounts := map[string]Account{"ann": ann, "bea": bea, "cat": cat}
	for _, st := range steps {
		err := s.InTx(ctx, func(tx *Tx) error {
			if err := st.change(tx); err != nil {
				return err
			}
			for who, want := range st.inside {
				if got := viewAccount(ctx, t, tx, accounts[who]); got != want {
					t.Errorf("%s: the writing transaction read %s as %+v, want %+v", st.name, who, got, want)
				}
			}
			return st.err
		})
		if !errors.Is(err, st.err) {
			t.Fatalf("%s: %v", st.name, err)
		}
		for who, want := range st.after {
			if got := view(accounts[who]); got != want {
				t.Errorf("%s: afterwards %s reads as %+v, want %+v", st.name, who, got, want)
			}
		}
	}
	got, err := s.AccountsByIDs(ctx, []ID{ann.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got[ann.ID].AvatarURL != "/media/a.png" {
		t.Errorf("renamed avatar shown as %q", got[ann.ID].AvatarURL)
	}
}

// TestBatchAccountReadsSeeEarlierMembers: within one group-commit batch a
// member reads what earlier members wrote (through the cache or not), but
// nothing of a member that failed, and nothing it wrote outlives it.
func TestBatchAccountReadsSeeEarlierMembers(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	ann, bea := mustAccount(t, s, "ann", ""), mustAccount(t, s, "bea", "peer.example")
	cat := Account{ID: 900001, Username: "cat", URI: "https://local.example/users/cat", DisplayName: "Cat"}
	dan := Account{ID: 900002, Username: "dan", URI: "https://local.example/users/dan", DisplayName: "Dan"}
	warm := func(tx *Tx) error {
		viewAccount(ctx, t, tx, ann)
		viewAccount(ctx, t, tx, bea)
		return nil
	}
	if err := s.InTx(ctx, warm); err != nil {
		t.Fatal(err)
	}
	rename := func(tx *Tx, id ID, name string) error {
		a, err := tx.AccountByID(ctx, id)
		if err != nil {
			return err
		}
		a.DisplayName = name
		return tx.UpdateAccount(ctx, &a)
	}
	boom := errors.New("boom")
	members := []struct {
		name string
		fn   func(tx *Tx) error
		want error
	}{
		{"first writes ann and cat", func(tx *Tx) error {
			c := cat
			if err := tx.InsertAccount(ctx, &c); err != nil {
				return err
			}
			return rename(tx, ann.ID, "first")
		}, nil},
		{"second sees them, then fails", func(tx *Tx) error {
			for _, w := range []accountWant{{ann, sameView("first")}, {cat, sameView("Cat")}} {
				who, want := w.a, w.want
				if got := viewAccount(ctx, t, tx, who); got != want {
					t.Errorf("second member reads %s as %+v, want %+v", who.Username, got, want)
				}
			}
			d := dan
			if err := tx.InsertAccount(ctx, &d); err != nil {
				return err
			}
			if err := rename(tx, bea.ID, "doomed"); err != nil {
				return err
			}
			viewAccount(ctx, t, tx, dan)
			viewAccount(ctx, t, tx, bea)
			return boom
		}, boom},
		{"third sees nothing of the second", func(tx *Tx) error {
			for _, w := range []accountWant{{ann, sameView("first")}, {bea, sameView("")}, {dan, sameView("-")}} {
				who, want := w.a, w.want
				if got := viewAccount(ctx, t, tx, who); got != want {
					t.Errorf("third member reads %s as %+v, want %+v", who.Username, got, want)
				}
			}
			return nil
		}, nil},
	}
	reqs := make([]*batchReq, len(members))
	for i, m := range members {
		reqs[i] = &batchReq{ctx: ctx, fn: m.fn, done: make(chan error, 1)}
	}
	s.runBatch(reqs)
	for i, m := range members {
		if err := <-reqs[i].done; !errors.Is(err, m.want) {
			t.Errorf("%s: err = %v, want %v", m.name, err, m.want)
		}
	}
	after := []accountWant{{ann, sameView("first")}, {bea, sameView("")}, {cat, sameView("Cat")}, {dan, sameView("-")}}
	for i := 0; i < 2; i++ { // once to fill the cache, once from it
		if err := s.InTx(ctx, func(tx *Tx) error {
			for _, w := range after {
				who, want := w.a, w.want
				if got := viewAccount(ctx, t, tx, who); got != want {
					t.Errorf("after the batch %s reads as %+v, want %+v", who.Username, got, want)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.accounts.held) != 0 {
		t.Errorf("accounts still held after the batch: %v", s.accounts.held)
	}
}

// cacheTestAccount stores an account with fields, emojis and aliases, the
// parts of an Account that are slices.
func cacheTestAccount(t testing.TB, s *Store, username string) Account {
	t.Helper()
	a := Account{Username: username, URI: "https://local.example/users/" + username,
		Fields:      []activitypub.Field{{Name: "Role", Value: "Librarian"}, {Name: "Team", Value: "Stock"}},
		Emojis:      []activitypub.Emoji{{Shortcode: "book", URL: "https://local.example/emoji/book.png"}},
		AlsoKnownAs: []string{"https://old.example/users/" + username}}
	if err := s.InTx(context.Background(), func(tx *Tx) error { return tx.InsertAccount(context.Background(), &a) }); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAccountCacheCopies: an account read through the cache, on the read
// that fills it and on the reads it serves, is the caller's own: changing
// its fields, emojis or aliases leaves what the next read shows unchanged.
func TestAccountCacheCopies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	read := func(s *Store, read func(tx *Tx) (Account, error)) (Account, error) {
		var a Account
		err := s.InTx(ctx, func(tx *Tx) error {
			var err error
			a, err = read(tx)
			return err
		})
		return a, err
	}
	tests := []struct {
		name string
		read func(s *Store, a Account) (Account, error)
	}{
		{"Store.AccountsByIDs", func(s *Store, a Account) (Account, error) {
			m, err := s.AccountsByIDs(ctx, []ID{a.ID})
			return m[a.ID], err
		}},
		{"Tx.AccountsByIDs", func(s *Store, a Account) (Account, error) {
			return read(s, func(tx *Tx) (Account, error) {
				m, err := tx.AccountsByIDs(ctx, []ID{a.ID})
				return m[a.ID], err
			})
		}},
		{"AccountByIDWithoutKeys", func(s *Store, a Account) (Account, error) {
			return read(s, func(tx *Tx) (Account, error) { return tx.AccountByIDWithoutKeys(ctx, a.ID) })
		}},
		{"AccountByURIWithoutKeys", func(s *Store, a Account) (Account, error) {
			return read(s, func(tx *Tx) (Account, error) { return tx.AccountByURIWithoutKeys(ctx, a.URI) })
		}},
		{"AccountByUsernameWithoutKeys", func(s *Store, a Account) (Account, error) {
			return read(s, func(tx *Tx) (Account, error) { return tx.AccountByUsernameWithoutKeys(ctx, a.Username) })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := openTest(t)
			stored := cacheTestAccount(t, s, "ann")
			for _, round := range []string{"the read that fills the cache", "a read from the cache"} {
				got, err := tt.read(s, stored)
				if err != nil {
					t.Fatal(err)
				}
				if len(got.Fields) != 2 || len(got.Emojis) != 1 || len(got.AlsoKnownAs) != 1 {
					t.Fatalf("%s: read %+v", round, got)
				}
				got.Fields[0].Value = "changed"
				got.Emojis[0].Shortcode = "changed"
				got.AlsoKnownAs[0] = "changed"
				next, err := tt.read(s, stored)
				if err != nil {
					t.Fatal(err)
				}
				if next.Fields[0].Value != "Librarian" || next.Emojis[0].Shortcode != "book" || next.AlsoKnownAs[0] != stored.AlsoKnownAs[0] {
					t.Errorf("after changing what %s returned, the next read shows %+v %+v %v", round, next.Fields, next.Emojis, next.AlsoKnownAs)
				}
			}
		})
	}
}

// BenchmarkAccountsByIDsCached: a timeline page's 20 authors, every one
// served from the account cache.
func BenchmarkAccountsByIDsCached(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	ids := make([]ID, 0, 20)
	for i := range 20 {
		ids = append(ids, cacheTestAccount(b, s, "member"+strconv.Itoa(i)).ID)
	}
	if _, err := s.AccountsByIDs(ctx, ids); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if m, err := s.AccountsByIDs(ctx, ids); err != nil || len(m) != len(ids) {
			b.Fatal(len(m), err)
		}
	}
}

// BenchmarkAccountByURICached: the inbox's lookup of a known actor, from
// the account cache.
func BenchmarkAccountByURICached(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	a := cacheTestAccount(b, s, "ann")
	err := s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.AccountByURIWithoutKeys(ctx, a.URI); err != nil {
			return err
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := tx.AccountByURIWithoutKeys(ctx, a.URI); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
