package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

func inTx(t *testing.T, s *Store, fn func(tx *Tx) error) {
	t.Helper()
	if err := s.InTx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// changeAccount applies change to the stored account a in a transaction
// of its own.
func changeAccount(t *testing.T, s *Store, a Account, change func(*Account)) {
	t.Helper()
	inTx(t, s, func(tx *Tx) error {
		cur, err := tx.AccountByID(context.Background(), a.ID)
		if err != nil {
			return err
		}
		change(&cur)
		return tx.UpdateAccount(context.Background(), &cur)
	})
}

func mustStatus(t *testing.T, s *Store, author Account, st Status) Status {
	t.Helper()
	st.AccountID = author.ID
	if st.Visibility == "" {
		st.Visibility = activitypub.Public
	}
	inTx(t, s, func(tx *Tx) error {
		st.ID = tx.NewID()
		st.URI = fmt.Sprintf("https://%s/statuses/%d", hostOr(author.Domain), st.ID)
		return tx.InsertStatus(context.Background(), &st)
	})
	return st
}

func usernames(rows []ListedAccount) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Account.Username)
	}
	return out
}

func TestFollowerPagesByFollowRow(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	hub := mustAccount(t, s, "hub", "")
	var accounts []Account
	for i := range 25 {
		accounts = append(accounts, mustAccount(t, s, fmt.Sprintf("u%02d", i), ""))
	}
	// Follow in the reverse of the accounts' own order: the listing must
	// follow the follows.
	var want []string
	for i := len(accounts) - 1; i >= 0; i-- {
		inTx(t, s, func(tx *Tx) error {
			return tx.InsertFollow(ctx, &Follow{AccountID: accounts[i].ID, TargetID: hub.ID})
		})
		want = append([]string{accounts[i].Username}, want...)
	}
	var got []string
	p := Page{Limit: 10}
	for range 5 {
		rows, err := s.FollowerPage(ctx, hub.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			break
		}
		got = append(got, usernames(rows)...)
		p.MaxID = rows[len(rows)-1].RowID
	}
	if !slices.Equal(got, want) {
		t.Fatalf("walked followers = %v; want %v", got, want)
	}

	// min_id pages forward: the ten just newer than the cursor, newest first.
	all, err := s.FollowerPage(ctx, hub.ID, Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.FollowerPage(ctx, hub.ID, Page{MinID: all[20].RowID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(usernames(rows), usernames(all[10:20])) {
		t.Errorf("min_id page = %v; want %v", usernames(rows), usernames(all[10:20]))
	}
	following, err := s.FollowingPage(ctx, accounts[3].ID, Page{})
	if err != nil || len(following) != 1 || following[0].Account.ID != hub.ID {
		t.Errorf("following = %v, %v", following, err)
	}

	// A suspended account drops out of both listings, and with it out of
	// the followers and following collections that page them.
	suspended := accounts[0]
	suspended.SuspendedAt = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	inTx(t, s, func(tx *Tx) error { return tx.UpdateAccount(ctx, &suspended) })
	if rows, err := s.FollowerPage(ctx, hub.ID, Page{Limit: 40}); err != nil || len(rows) != len(accounts)-1 ||
		slices.Contains(usernames(rows), suspended.Username) {
		t.Errorf("followers with %s suspended = %v, %v", suspended.Username, usernames(rows), err)
	}
	inTx(t, s, func(tx *Tx) error {
		return tx.InsertFollow(ctx, &Follow{AccountID: hub.ID, TargetID: suspended.ID})
	})
	if rows, err := s.FollowingPage(ctx, hub.ID, Page{}); err != nil || len(rows) != 0 {
		t.Errorf("hub follows only %s, suspended, yet lists %v, %v", suspended.Username, usernames(rows), err)
	}
}

func TestRelationshipBothWays(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	bob := mustAccount(t, s, "bob", "remote.example")
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

	rel, err := s.Relationship(ctx, alice.ID, bob.ID, now)
	if err != nil || rel != (Relationship{}) {
		t.Fatalf("strangers: %+v, %v", rel, err)
	}
	inTx(t, s, func(tx *Tx) error {
		if err := tx.InsertFollowRequest(ctx, &Follow{AccountID: alice.ID, TargetID: bob.ID, ShowReblogs: true, Notify: true}); err != nil {
			return err
		}
		if err := tx.InsertFollow(ctx, &Follow{AccountID: bob.ID, TargetID: alice.ID}); err != nil {
			return err
		}
		if err := tx.InsertMute(ctx, &Mute{AccountID: alice.ID, TargetID: bob.ID, Notifications: true, ExpiresAt: now.Add(time.Hour)}); err != nil {
			return err
		}
		if err := tx.SetAccountNote(ctx, alice.ID, bob.ID, "from the practice day"); err != nil {
			return err
		}
		if err := tx.InsertBlock(ctx, bob.ID, alice.ID, ""); err != nil {
			return err
		}
		return tx.InsertDomainBlock(ctx, alice.ID, "Remote.Example")
	})
	rel, err = s.Relationship(ctx, alice.ID, bob.ID, now)
	want := Relationship{ShowingReblogs: true, Notifying: true, FollowedBy: true, BlockedBy: true, Muting: true,
		MutingNotifications: true, Requested: true, DomainBlocking: true, Note: "from the practice day"}
	if err != nil || rel != want {
		t.Errorf("relationship = %+v, %v; want %+v", rel, err, want)
	}
	rel, _ = s.Relationship(ctx, alice.ID, bob.ID, now.Add(2*time.Hour))
	if rel.Muting || rel.MutingNotifications {
		t.Errorf("an expired mute still counts: %+v", rel)
	}
	rel, _ = s.Relationship(ctx, bob.ID, alice.ID, now)
	if !rel.Following || !rel.RequestedBy || !rel.Blocking || rel.Muting || rel.Note != "" {
		t.Errorf("the other way = %+v", rel)
	}
	inTx(t, s, func(tx *Tx) error { return tx.SetAccountNote(ctx, alice.ID, bob.ID, "") })
	if rel, _ = s.Relationship(ctx, alice.ID, bob.ID, now); rel.Note != "" {
		t.Errorf("note after clearing = %q", rel.Note)
	}
}

func TestMutesAndDomainBlocksFilterHomeAndNotifications(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	alice := mustAccount(t, s, "alice", "")
	bob := mustAccount(t, s, "bob", "")
	carol := mustAccount(t, s, "carol", "")
	spam := mustAccount(t, s, "spam", "spam.example")

	byBob := mustStatus(t, s, bob, Status{Content: "bob"})
	byCarol := mustStatus(t, s, carol, Status{Content: "carol"})
	bobBoostsCarol := mustStatus(t, s, bob, Status{ReblogOfID: byCarol.ID})
	bySpam := mustStatus(t, s, spam, Status{Content: "spam"})
	bobBoostsSpam := mustStatus(t, s, bob, Status{ReblogOfID: bySpam.ID})
	feed := []ID{byBob.ID, byCarol.ID, bobBoostsCarol.ID, bySpam.ID, bobBoostsSpam.ID}
	inTx(t, s, func(tx *Tx) error {
		for _, id := range feed {
			if err := tx.AddToHomeFeeds(ctx, id, []ID{alice.ID}); err != nil {
				return err
			}
		}
		for _, from := range []Account{bob, carol, spam} {
			if err := tx.InsertNotification(ctx, &Notification{AccountID: alice.ID, FromAccountID: from.ID, Type: NotifyFollow}); err != nil {
				return err
			}
		}
		return nil
	})
	home := func() []ID {
		t.Helper()
		sts, err := s.HomeTimelinePage(ctx, alice.ID, Page{Limit: 40})
		if err != nil {
			t.Fatal(err)
		}
		var out []ID
		for _, st := range sts {
			out = append(out, st.ID)
		}
		slices.Sort(out)
		return out
	}
	notified := func() []ID {
		t.Helper()
		ns, err := s.NotificationPage(ctx, alice.ID, NotificationFilter{}, Page{Limit: 40})
		if err != nil {
			t.Fatal(err)
		}
		var out []ID
		for _, n := range ns {
			out = append(out, n.FromAccountID)
		}
		slices.Sort(out)
		return out
	}
	if got := home(); !slices.Equal(got, feed) {
		t.Fatalf("home before any filter = %v; want %v", got, feed)
	}

	// Muting carol hides her post and bob's boost of it, for an hour.
	inTx(t, s, func(tx *Tx) error {
		return tx.InsertMute(ctx, &Mute{AccountID: alice.ID, TargetID: carol.ID, Notifications: false, ExpiresAt: now.Add(time.Hour)})
	})
	if got, want := home(), []ID{byBob.ID, bySpam.ID, bobBoostsSpam.ID}; !slices.Equal(got, want) {
		t.Errorf("home with carol muted = %v; want %v", got, want)
	}
	if got := notified(); len(got) != 3 {
		t.Errorf("a mute without notifications hides notifications: %v", got)
	}
	if ids, _ := s.MutedIDs(ctx, alice.ID); !slices.Equal(ids, []ID{carol.ID}) {
		t.Errorf("MutedIDs = %v", ids)
	}
	// Muting again with notifications replaces the mute.
	inTx(t, s, func(tx *Tx) error {
		return tx.InsertMute(ctx, &Mute{AccountID: alice.ID, TargetID: carol.ID, Notifications: true, ExpiresAt: now.Add(time.Hour)})
	})
	if got, want := notified(), []ID{bob.ID, spam.ID}; !slices.Equal(got, want) {
		t.Errorf("notifications with carol muted = %v; want %v", got, want)
	}

	// Blocking spam.example hides its post and the boost of it.
	inTx(t, s, func(tx *Tx) error { return tx.InsertDomainBlock(ctx, alice.ID, "spam.example") })
	if got, want := home(), []ID{byBob.ID}; !slices.Equal(got, want) {
		t.Errorf("home with carol muted and spam.example blocked = %v; want %v", got, want)
	}
	if got, want := notified(), []ID{bob.ID}; !slices.Equal(got, want) {
		t.Errorf("notifications = %v; want %v", got, want)
	}

	// The mute runs out; the domain block stays until lifted.
	now = now.Add(2 * time.Hour)
	if got, want := home(), []ID{byBob.ID, byCarol.ID, bobBoostsCarol.ID}; !slices.Equal(got, want) {
		t.Errorf("home after the mute expired = %v; want %v", got, want)
	}
	if ids, _ := s.MutedIDs(ctx, alice.ID); len(ids) != 0 {
		t.Errorf("MutedIDs after expiry = %v", ids)
	}
	if rows, _ := s.MutePage(ctx, alice.ID, now, Page{}); len(rows) != 0 {
		t.Errorf("mute page after expiry = %v", usernames(rows))
	}
	inTx(t, s, func(tx *Tx) error {
		existed, err := tx.DeleteDomainBlock(ctx, alice.ID, "SPAM.example")
		if !existed && err == nil {
			err = errors.New("no domain block to delete")
		}
		return err
	})
	if got := home(); !slices.Equal(got, feed) {
		t.Errorf("home after lifting the domain block = %v; want %v", got, feed)
	}
}

func TestDomainBlockPage(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	for _, d := range []string{"a.example", "b.example", "c.example", "b.example"} {
		inTx(t, s, func(tx *Tx) error { return tx.InsertDomainBlock(ctx, alice.ID, d) })
	}
	first, err := s.DomainBlockPage(ctx, alice.ID, Page{}, 2)
	if err != nil || len(first) != 2 || first[0].Domain != "c.example" || first[1].Domain != "b.example" {
		t.Fatalf("first page = %+v, %v", first, err)
	}
	rest, err := s.DomainBlockPage(ctx, alice.ID, Page{MaxID: first[1].ID}, 2)
	if err != nil || len(rest) != 1 || rest[0].Domain != "a.example" {
		t.Errorf("second page = %+v, %v", rest, err)
	}
	if yes, err := s.BlocksDomain(ctx, alice.ID, "B.example"); err != nil || !yes {
		t.Errorf("BlocksDomain(b.example) = %v, %v", yes, err)
	}
	if yes, _ := s.BlocksDomain(ctx, alice.ID, "d.example"); yes {
		t.Error("BlocksDomain(d.example) = true")
	}
	all, err := s.BlockedDomains(ctx, alice.ID)
	if err != nil || !slices.Equal(all, []string{"a.example", "b.example", "c.example"}) {
		t.Errorf("blocked domains = %v, %v", all, err)
	}
}

func TestSearchAccounts(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	viewer := mustAccount(t, s, "viewer", "")
	alice := mustAccount(t, s, "alice", "")
	remoteAlice := mustAccount(t, s, "alice", "far.example")
	alicia := mustAccount(t, s, "alicia", "")
	mustAccount(t, s, "bob_x", "")
	mustAccount(t, s, "bobbx", "")
	blocker := mustAccount(t, s, "alison", "")
	inTx(t, s, func(tx *Tx) error {
		alicia.DisplayName = "Dr Zoe Alicia"
		if err := tx.UpdateAccount(ctx, &alicia); err != nil {
			return err
		}
		inst := Account{Username: "local.example", URI: "https://local.example/actor", ActorType: activitypub.TypeApplication}
		if err := tx.InsertAccount(ctx, &inst); err != nil {
			return err
		}
		if err := tx.InsertBlock(ctx, blocker.ID, viewer.ID, ""); err != nil {
			return err
		}
		return tx.InsertFollow(ctx, &Follow{AccountID: viewer.ID, TargetID: remoteAlice.ID})
	})
	names := func(q AccountSearch) []string {
		t.Helper()
		q.Viewer = viewer.ID
		as, err := s.SearchAccounts(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range as {
			out = append(out, a.Acct())
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    AccountSearch
		want []string
	}{
		{"exact name first, local first", AccountSearch{Query: "@alice"}, []string{"alice", "alice@far.example"}},
		{"local first", AccountSearch{Query: "ali"}, []string{"alice", "alicia", "alice@far.example"}},
		{"a word of the display name", AccountSearch{Query: "zoe"}, []string{"alicia"}},
		{"user@domain", AccountSearch{Query: "ali@far"}, []string{"alice@far.example"}},
		{"following only", AccountSearch{Query: "ali", FollowingOnly: true}, []string{"alice@far.example"}},
		{"underscore is literal", AccountSearch{Query: "bob_"}, []string{"bob_x"}},
		{"percent is literal", AccountSearch{Query: "%"}, nil},
		{"the instance actor is not found", AccountSearch{Query: "local"}, nil},
		{"limit and offset", AccountSearch{Query: "ali", Limit: 1, Offset: 1}, []string{"alicia"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := names(tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("search %+v = %v; want %v", tc.q, got, tc.want)
			}
		})
	}
	_ = alice
}

func TestAccountStatusPageFilters(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	bob := mustAccount(t, s, "bob", "")
	root := mustStatus(t, s, alice, Status{Content: "root"})
	self := mustStatus(t, s, alice, Status{Content: "self", InReplyToID: root.ID, InReplyToURI: root.URI, InReplyToAccountID: alice.ID})
	orphan := mustStatus(t, s, alice, Status{Content: "orphan", InReplyToURI: "https://gone.example/notes/1"})
	toBob := mustStatus(t, s, alice, Status{Content: "to bob", InReplyToAccountID: bob.ID, InReplyToURI: "https://local.example/b"})
	private := mustStatus(t, s, alice, Status{Content: "private", Visibility: activitypub.FollowersOnly, Sensitive: true, Tags: []string{"Routines"}})
	boost := mustStatus(t, s, alice, Status{ReblogOfID: mustStatus(t, s, bob, Status{Content: "bob's"}).ID})

	list := func(f AccountStatusFilter) []ID {
		t.Helper()
		if f.Visibilities == nil {
			f.Visibilities = []activitypub.Visibility{activitypub.Public, activitypub.FollowersOnly}
		}
		sts, err := s.AccountStatusPage(ctx, alice.ID, f, Page{})
		if err != nil {
			t.Fatal(err)
		}
		var out []ID
		for _, st := range sts {
			out = append(out, st.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    AccountStatusFilter
		want []ID
	}{
		{"all", AccountStatusFilter{}, []ID{boost.ID, private.ID, toBob.ID, orphan.ID, self.ID, root.ID}},
		{"public only", AccountStatusFilter{Visibilities: []activitypub.Visibility{activitypub.Public}},
			[]ID{boost.ID, toBob.ID, orphan.ID, self.ID, root.ID}},
		{"no replies to others", AccountStatusFilter{ExcludeReplies: true}, []ID{boost.ID, private.ID, self.ID, root.ID}},
		{"no reblogs", AccountStatusFilter{ExcludeReblogs: true}, []ID{private.ID, toBob.ID, orphan.ID, self.ID, root.ID}},
		{"not sensitive", AccountStatusFilter{ExcludeSensitive: true}, []ID{boost.ID, toBob.ID, orphan.ID, self.ID, root.ID}},
		{"tagged", AccountStatusFilter{Tagged: "#routines"}, []ID{private.ID}},
		{"only media", AccountStatusFilter{OnlyMedia: true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := list(tc.f); !slices.Equal(got, tc.want) {
				t.Errorf("statuses = %v; want %v", got, tc.want)
			}
		})
	}
}

func TestProfileSource(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	if _, err := s.ProfileSource(ctx, alice.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("source before any is saved: %v; want ErrNotFound", err)
	}
	src := ProfileSource{Note: "Hello\n\nthere", NoteHTML: "<p>Hello</p><p>there</p>",
		Fields:     []activitypub.Field{{Name: "Site", Value: "https://a.example"}},
		FieldsHTML: []activitypub.Field{{Name: "Site", Value: `<a href="https://a.example">https://a.example</a>`}}}
	inTx(t, s, func(tx *Tx) error { return tx.SaveProfileSource(ctx, alice.ID, src) })
	got, err := s.ProfileSource(ctx, alice.ID)
	if err != nil || got.Note != src.Note || got.NoteHTML != src.NoteHTML || !slices.Equal(got.Fields, src.Fields) ||
		!slices.Equal(got.FieldsHTML, src.FieldsHTML) {
		t.Errorf("source = %+v, %v; want %+v", got, err, src)
	}
	requests, err := s.CountFollowRequests(ctx, alice.ID)
	if err != nil || requests != 0 {
		t.Errorf("follow requests = %d, %v", requests, err)
	}
}
