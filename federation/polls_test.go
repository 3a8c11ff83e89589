package federation

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig/testkit"
)

// pollEngine is an engine whose clock the test moves.
func pollEngine(t *testing.T) (*Engine, *time.Time) {
	t.Helper()
	store, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "copse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }
	store.Now = clock
	e := New(store, Options{URLs: URLs{Base: "https://council-a.example"}, Now: clock, NewKey: testkit.Keys()})
	if err := e.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e, &now
}

// hanna is a Mastodon user the engine knows, fetched just now.
func hanna(t *testing.T, e *Engine) storage.Account {
	t.Helper()
	id := "https://mastodon.example/users/hanna"
	a := storage.Account{URI: id, Username: "hanna", Domain: "mastodon.example", ActorType: activitypub.TypePerson,
		Inbox: id + "/inbox", SharedInbox: "https://mastodon.example/inbox", Followers: id + "/followers", FetchedAt: e.now()}
	if err := e.store.InTx(context.Background(), func(tx *storage.Tx) error { return tx.InsertAccount(context.Background(), &a) }); err != nil {
		t.Fatal(err)
	}
	return a
}

func follows(t *testing.T, e *Engine, follower, target storage.Account) {
	t.Helper()
	f := storage.Follow{AccountID: follower.ID, TargetID: target.ID, URI: follower.URI + "#follows/" + target.Username}
	if err := e.store.InTx(context.Background(), func(tx *storage.Tx) error { return tx.InsertFollow(context.Background(), &f) }); err != nil {
		t.Fatal(err)
	}
}

// sent returns the activities queued for inbox, oldest first, and takes
// them off the queue.
func sent(t *testing.T, e *Engine, inbox string) []activitypub.Activity {
	t.Helper()
	ctx := context.Background()
	ds, err := e.store.DueDeliveries(ctx, e.now().Add(time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []activitypub.Activity
	for _, d := range ds {
		if d.InboxURL != inbox {
			continue
		}
		a, err := activitypub.ParseActivity(d.Body)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
		if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.DeliverySucceeded(ctx, d) }); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func pollCounts(t *testing.T, e *Engine, status storage.ID) ([]int, int) {
	t.Helper()
	p, err := e.store.PollByStatus(context.Background(), status)
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, o := range p.Options {
		out = append(out, o.Votes)
	}
	return out, p.VotersCount
}

func notified(t *testing.T, e *Engine, who storage.Account, status storage.ID) bool {
	t.Helper()
	ns, err := e.store.Notifications(context.Background(), who.ID, storage.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		if n.Type == storage.NotifyPoll && n.StatusID == status {
			return true
		}
	}
	return false
}

func isInvalid(err error) bool {
	var inv *InvalidError
	return errors.As(err, &inv)
}

func TestPollDraftValidate(t *testing.T) {
	t.Parallel()
	ok := PollDraft{Options: []string{"a", "b"}, ExpiresIn: time.Hour}
	tests := []struct {
		name  string
		edit  func(*PollDraft)
		media int
		want  string // in the message; "" for valid
	}{
		{"valid", func(*PollDraft) {}, 0, ""},
		{"four options, the longest allowed", func(p *PollDraft) { p.Options = []string{"a", "b", "c", strings.Repeat("ä", 50)} }, 0, ""},
		{"shortest and longest end", func(p *PollDraft) { p.ExpiresIn = MinPollExpiry }, 0, ""},
		{"longest end", func(p *PollDraft) { p.ExpiresIn = MaxPollExpiry }, 0, ""},
		{"one option", func(p *PollDraft) { p.Options = []string{"a"} }, 0, "more than one"},
		{"blank options dropped", func(p *PollDraft) { p.Options = []string{"a", "  "} }, 0, "more than one"},
		{"five options", func(p *PollDraft) { p.Options = []string{"a", "b", "c", "d", "e"} }, 0, "more than 4"},
		{"long option", func(p *PollDraft) { p.Options = []string{"a", strings.Repeat("ä", 51)} }, 0, "longer than 50"},
		{"duplicates after trimming", func(p *PollDraft) { p.Options = []string{"a", " a"} }, 0, "duplicate"},
		{"no end", func(p *PollDraft) { p.ExpiresIn = 0 }, 0, "blank"},
		{"too soon", func(p *PollDraft) { p.ExpiresIn = MinPollExpiry - time.Second }, 0, "too soon"},
		{"in the past", func(p *PollDraft) { p.ExpiresIn = -time.Hour }, 0, "too soon"},
		{"too late", func(p *PollDraft) { p.ExpiresIn = MaxPollExpiry + time.Second }, 0, "too far"},
		{"with media", func(*PollDraft) {}, 1, "media"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			p.Options = slices.Clone(ok.Options)
			tt.edit(&p)
			err := p.validate(tt.media)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("err = %v; want none", err)
			case tt.want != "" && (!isInvalid(err) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("err = %v; want an InvalidError about %q", err, tt.want)
			}
		})
	}
	var none *PollDraft
	if err := none.validate(3); err != nil {
		t.Errorf("no poll: err = %v", err)
	}
}

func TestRemotePoll(t *testing.T) {
	t.Parallel()
	end := time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)
	closed := end.Add(-time.Hour)
	got := remotePoll(7, activitypub.Poll{EndTime: end, Closed: closed,
		Options: []activitypub.PollOption{{Name: "a", Votes: 2}, {Name: "b", Votes: 3}}})
	if !got.ExpiresAt.Equal(closed) || !got.ClosedAt.Equal(closed) || got.VotersCount != 5 || got.StatusID != 7 {
		t.Errorf("closed early, voters not given: %+v", got)
	}
	got = remotePoll(7, activitypub.Poll{Multiple: true, EndTime: end, Options: []activitypub.PollOption{{Name: "a", Votes: 2}}})
	if !got.ExpiresAt.Equal(end) || !got.ClosedAt.IsZero() || got.VotersCount != 0 {
		t.Errorf("multiple choice, voters not given (unknown): %+v", got)
	}
}

func TestPollLocalLifecycle(t *testing.T) {
	t.Parallel()
	e, now := pollEngine(t)
	ctx := context.Background()
	alice, bob, carol := member(t, e, "alice"), member(t, e, "bob"), member(t, e, "carol")
	h := hanna(t, e)
	follows(t, e, h, alice)

	st, err := e.Post(ctx, alice.ID, Draft{Text: "Next session?", Poll: &PollDraft{Options: []string{"audits", "plain language"}, ExpiresIn: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	if st.ObjectType != activitypub.TypeQuestion {
		t.Errorf("object type = %q", st.ObjectType)
	}
	creates := sent(t, e, h.SharedInbox)
	if len(creates) != 1 || creates[0].Type != activitypub.TypeCreate || creates[0].Object.Note == nil {
		t.Fatalf("sent to hanna: %+v", creates)
	}
	q := creates[0].Object.Note
	want := &activitypub.Poll{Options: []activitypub.PollOption{{Name: "audits"}, {Name: "plain language"}}, EndTime: now.Add(time.Hour)}
	if q.Type != activitypub.TypeQuestion || !pollEqual(q.Poll, want) {
		t.Errorf("Create{%s} with poll %+v; want %+v", q.Type, q.Poll, want)
	}

	// bob votes here: counted at once, and the counts go to hanna.
	if _, err := e.Vote(ctx, bob.ID, st.ID, []int{1}); err != nil {
		t.Fatal(err)
	}
	if counts, voters := pollCounts(t, e, st.ID); !slices.Equal(counts, []int{0, 1}) || voters != 1 {
		t.Errorf("after bob's vote: %v, %d voters", counts, voters)
	}
	if got := sent(t, e, h.SharedInbox); len(got) != 0 {
		t.Errorf("sent to hanna at once: %+v; want the counts of the next minutes together", got)
	}
	sendPollUpdates := func() {
		t.Helper()
		*now = now.Add(pollUpdateDelay)
		if n, err := e.SendPollUpdates(ctx); err != nil || n != 1 {
			t.Fatalf("SendPollUpdates = %d, %v; want the one poll", n, err)
		}
	}
	sendPollUpdates()
	updates := sent(t, e, h.SharedInbox)
	if len(updates) != 1 || updates[0].Type != activitypub.TypeUpdate || updates[0].Object.Note == nil ||
		updates[0].Object.Note.Poll == nil || updates[0].Object.Note.Poll.Options[1].Votes != 1 {
		t.Errorf("update sent to hanna: %+v", updates)
	}
	for name, vote := range map[string]struct {
		who     storage.Account
		choices []int
	}{
		"again":              {bob, []int{0}},
		"own poll":           {alice, []int{0}},
		"two choices":        {carol, []int{0, 1}},
		"out of range":       {carol, []int{2}},
		"nothing":            {carol, nil},
		"the same choice 2x": {carol, []int{0, 0}},
	} {
		if _, err := e.Vote(ctx, vote.who.ID, st.ID, vote.choices); !isInvalid(err) {
			t.Errorf("%s: err = %v; want an InvalidError", name, err)
		}
	}

	// hanna votes from her server.
	vote := func(actID, option string) {
		t.Helper()
		n := activitypub.Note{ID: h.URI + "#votes/" + actID, Type: activitypub.TypeNote, Name: option,
			AttributedTo: h.URI, InReplyTo: st.URI, To: []string{alice.URI}}
		act := activitypub.Activity{ID: n.ID + "/activity", Type: activitypub.TypeCreate, Actor: h.URI, To: n.To,
			Object: activitypub.Object{IRI: n.ID, Type: n.Type, Note: &n}}
		if err := e.Apply(ctx, act); err != nil {
			t.Fatal(err)
		}
	}
	vote("1", "audits")
	if counts, voters := pollCounts(t, e, st.ID); !slices.Equal(counts, []int{1, 1}) || voters != 2 {
		t.Errorf("after hanna's vote: %v, %d voters", counts, voters)
	}
	if _, err := e.store.StatusByURI(ctx, h.URI+"#votes/1"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the vote was stored as a status: %v", err)
	}
	sendPollUpdates()
	if got := sent(t, e, h.SharedInbox); len(got) != 1 || got[0].Object.Note.Poll.VotersCount != 2 {
		t.Errorf("after hanna's vote, sent %+v", got)
	}
	vote("2", "plain language") // a second vote in a single-choice poll
	vote("3", "neither")        // no such option
	if counts, voters := pollCounts(t, e, st.ID); !slices.Equal(counts, []int{1, 1}) || voters != 2 {
		t.Errorf("after refused votes: %v, %d voters", counts, voters)
	}

	// The hour passes.
	if n, err := e.EndPolls(ctx); err != nil || n != 0 {
		t.Errorf("EndPolls before the end = %d, %v", n, err)
	}
	*now = now.Add(2 * time.Hour)
	if n, err := e.EndPolls(ctx); err != nil || n != 1 {
		t.Fatalf("EndPolls = %d, %v; want 1", n, err)
	}
	for _, who := range []storage.Account{alice, bob} {
		if !notified(t, e, who, st.ID) {
			t.Errorf("%s was not told the poll ended", who.Username)
		}
	}
	if notified(t, e, carol, st.ID) {
		t.Errorf("carol, who did not vote, was told the poll ended")
	}
	p, err := e.store.PollByStatus(ctx, st.ID)
	if err != nil || !p.ClosedAt.Equal(p.ExpiresAt) || p.NotifiedAt.IsZero() {
		t.Errorf("ended poll = %+v, %v", p, err)
	}
	final := sent(t, e, h.SharedInbox)
	if len(final) != 1 || !final[0].Object.Note.Poll.Closed.Equal(p.ExpiresAt) {
		t.Errorf("final update = %+v", final)
	}
	note, err := e.Note(ctx, st)
	if err != nil || note.Type != activitypub.TypeQuestion || note.Poll == nil || note.Poll.Closed.IsZero() {
		t.Errorf("the Question served now = %+v, %v", note, err)
	}
	if n, err := e.EndPolls(ctx); err != nil || n != 0 {
		t.Errorf("EndPolls again = %d, %v; want 0", n, err)
	}
	if _, err := e.Vote(ctx, carol.ID, st.ID, []int{0}); !isInvalid(err) || !strings.Contains(err.Error(), "ended") {
		t.Errorf("vote after the end: err = %v", err)
	}

	// An edit keeps the poll.
	if _, err := e.Edit(ctx, alice.ID, st.ID, Draft{Text: "Next session, edited"}); err != nil {
		t.Fatal(err)
	}
	edits := sent(t, e, h.SharedInbox)
	if len(edits) != 1 || edits[0].Object.Note.Type != activitypub.TypeQuestion || edits[0].Object.Note.Poll == nil {
		t.Errorf("the edit sent %+v", edits)
	}
}

func pollEqual(a, b *activitypub.Poll) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Multiple == b.Multiple && slices.Equal(a.Options, b.Options) && a.EndTime.Equal(b.EndTime) &&
		a.Closed.Equal(b.Closed) && a.VotersCount == b.VotersCount
}

func TestPollRemote(t *testing.T) {
	t.Parallel()
	e, now := pollEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	h := hanna(t, e)
	follows(t, e, alice, h)

	qid := h.URI + "/statuses/1"
	question := activitypub.Note{ID: qid, Type: activitypub.TypeQuestion, AttributedTo: h.URI, Content: "<p>Coffee?</p>",
		To: []string{activitypub.PublicIRI}, CC: []string{h.Followers}, Published: *now,
		Poll: &activitypub.Poll{Options: []activitypub.PollOption{{Name: "yes", Votes: 2}, {Name: "no", Votes: 1}},
			EndTime: now.Add(time.Hour), VotersCount: 3}}
	apply := func(typ, id string, n activitypub.Note) {
		t.Helper()
		act := activitypub.Activity{ID: id, Type: typ, Actor: h.URI, To: n.To, CC: n.CC,
			Object: activitypub.Object{IRI: n.ID, Type: n.Type, Note: &n}}
		if err := e.Apply(ctx, act); err != nil {
			t.Fatal(err)
		}
	}
	apply(activitypub.TypeCreate, qid+"/activity", question)
	st, err := e.store.StatusByURI(ctx, qid)
	if err != nil {
		t.Fatal(err)
	}
	if counts, voters := pollCounts(t, e, st.ID); st.ObjectType != activitypub.TypeQuestion || !slices.Equal(counts, []int{2, 1}) || voters != 3 {
		t.Errorf("stored %s with counts %v, %d voters", st.ObjectType, counts, voters)
	}

	// alice votes: counted here at once, and sent to hanna only.
	if _, err := e.Vote(ctx, alice.ID, st.ID, []int{0}); err != nil {
		t.Fatal(err)
	}
	if counts, voters := pollCounts(t, e, st.ID); !slices.Equal(counts, []int{3, 1}) || voters != 4 {
		t.Errorf("after alice's vote: %v, %d voters", counts, voters)
	}
	votes := sent(t, e, h.SharedInbox)
	if len(votes) != 1 || votes[0].Object.Note == nil {
		t.Fatalf("sent %+v", votes)
	}
	v := votes[0]
	if v.Type != activitypub.TypeCreate || v.Actor != alice.URI || !activitypub.IsVote(*v.Object.Note) ||
		v.Object.Note.Name != "yes" || v.Object.Note.InReplyTo != qid || !slices.Equal(v.To, []string{h.URI}) ||
		!slices.Equal(v.Object.Note.To, []string{h.URI}) || len(v.CC) != 0 {
		t.Errorf("vote sent = %+v, note %+v", v, v.Object.Note)
	}

	// hanna's server sends its counts: not an edit.
	question.Poll.Options[0].Votes, question.Poll.VotersCount = 5, 6
	apply(activitypub.TypeUpdate, qid+"#updates/1", question)
	st, _ = e.store.StatusByURI(ctx, qid)
	if counts, voters := pollCounts(t, e, st.ID); !slices.Equal(counts, []int{5, 1}) || voters != 6 || !st.EditedAt.IsZero() {
		t.Errorf("after the update: %v, %d voters, edited at %v", counts, voters, st.EditedAt)
	}
	// An edit that changes the text is an edit, and its counts count too.
	question.Content, question.Updated = "<p>Coffee or tea?</p>", now.Add(time.Minute)
	question.Poll.Closed = now.Add(time.Minute)
	apply(activitypub.TypeUpdate, qid+"#updates/2", question)
	st, _ = e.store.StatusByURI(ctx, qid)
	p, _ := e.store.PollByStatus(ctx, st.ID)
	if st.EditedAt.IsZero() || !strings.Contains(st.Content, "tea") || p.ClosedAt.IsZero() || !p.Expired(*now) {
		t.Errorf("after the edit: edited at %v, content %q, poll %+v", st.EditedAt, st.Content, p)
	}
	if own, _ := e.store.OwnVotes(ctx, st.ID, alice.ID); !slices.Equal(own, []int{0}) {
		t.Errorf("alice's votes = %v", own)
	}
}

// TestCheckVote: a vote names each option of the poll at most once, and
// no more options than it has, before anything is read or written.
func TestCheckVote(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	poll := func(multiple bool) storage.Poll {
		return storage.Poll{Multiple: multiple, ExpiresAt: now.Add(time.Hour),
			Options: []storage.PollOption{{Title: "Yes"}, {Title: "No"}, {Title: "Maybe"}}}
	}
	tests := []struct {
		name     string
		multiple bool
		choices  []int
		ok       bool
	}{
		{"one choice", false, []int{1}, true},
		{"several of a multiple poll", true, []int{0, 2}, true},
		{"all of a multiple poll", true, []int{2, 1, 0}, true},
		{"none", true, nil, false},
		{"two of a single poll", false, []int{0, 1}, false},
		{"an option twice", true, []int{0, 0}, false},
		{"a thousand of one option", true, slices.Repeat([]int{1}, 1000), false},
		{"no such option", true, []int{3}, false},
		{"a negative option", false, []int{-1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkVote(poll(tt.multiple), 1, 2, tt.choices, now)
			if (err == nil) != tt.ok {
				t.Errorf("checkVote(%v) = %v; want ok %v", tt.choices, err, tt.ok)
			}
		})
	}
}
