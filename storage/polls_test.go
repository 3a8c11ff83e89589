package storage

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// pollStatus stores a status by author with a poll of the given options.
func pollStatus(t *testing.T, s *Store, author Account, multiple bool, options ...string) (Status, Poll) {
	t.Helper()
	st := storeStatus(t, s, author, nil)
	p := Poll{StatusID: st.ID, Multiple: multiple, ExpiresAt: time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)}
	for _, o := range options {
		p.Options = append(p.Options, PollOption{Title: o})
	}
	inTx(t, s, func(tx *Tx) error { return tx.InsertPoll(context.Background(), &p) })
	return st, p
}

func mustPoll(t *testing.T, s *Store, status ID) Poll {
	t.Helper()
	p, err := s.PollByStatus(context.Background(), status)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func votesOf(p Poll) []int {
	out := make([]int, 0, len(p.Options))
	for _, o := range p.Options {
		out = append(out, o.Votes)
	}
	return out
}

func TestPollStoredWithStatus(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	st, want := pollStatus(t, s, alice, true, "a", "b", "c")
	got := mustPoll(t, s, st.ID)
	if !got.Multiple || got.HideTotals || !got.ExpiresAt.Equal(want.ExpiresAt) || !got.ClosedAt.IsZero() || got.VotersCount != 0 {
		t.Errorf("poll = %+v", got)
	}
	if !slices.Equal(got.Options, []PollOption{{Title: "a"}, {Title: "b"}, {Title: "c"}}) {
		t.Errorf("options = %+v", got.Options)
	}
	if _, err := s.PollByStatus(ctx, storeStatus(t, s, alice, nil).ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("poll of a status without one: err = %v; want ErrNotFound", err)
	}
	err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertPoll(ctx, &Poll{StatusID: st.ID, Options: want.Options}) })
	if !errors.Is(err, ErrDuplicate) {
		t.Errorf("second poll: err = %v; want ErrDuplicate", err)
	}
	// The poll goes with its status.
	inTx(t, s, func(tx *Tx) error { return tx.DeleteStatus(ctx, st.ID) })
	if _, err := s.PollByStatus(ctx, st.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("poll of a deleted status: err = %v; want ErrNotFound", err)
	}
}

// TestPollsOf: a page's polls read at once match each read alone, in
// option order; a status without a poll is left out.
func TestPollsOf(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	first, _ := pollStatus(t, s, alice, false, "yes", "no")
	plain := storeStatus(t, s, alice, nil)
	second, _ := pollStatus(t, s, alice, true, "c", "a", "b")
	got, err := s.PollsOf(ctx, []ID{first.ID, plain.ID, second.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got[plain.ID]; ok || len(got) != 2 {
		t.Errorf("PollsOf = %+v; want the two polls", got)
	}
	for _, id := range []ID{first.ID, second.ID} {
		if alone := mustPoll(t, s, id); !slices.Equal(got[id].Options, alone.Options) || got[id].Multiple != alone.Multiple {
			t.Errorf("poll %d = %+v; alone %+v", id, got[id], alone)
		}
	}
	if none, err := s.PollsOf(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("PollsOf(nil) = %v, %v", none, err)
	}
}

func TestCastVotesCounts(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice, bob, carol := mustAccount(t, s, "alice", ""), mustAccount(t, s, "bob", ""), mustAccount(t, s, "carol", "remote.example")
	st, _ := pollStatus(t, s, alice, true, "a", "b", "c")
	cast := func(who Account, choices ...int) error {
		var votes []PollVote
		for _, c := range choices {
			votes = append(votes, PollVote{Choice: c})
		}
		return s.InTx(ctx, func(tx *Tx) error { return tx.CastVotes(ctx, st.ID, who.ID, votes) })
	}
	if err := cast(bob, 0, 2); err != nil {
		t.Fatal(err)
	}
	if err := cast(carol, 2); err != nil {
		t.Fatal(err)
	}
	// A further choice by a voter counts the vote, not the voter.
	if err := cast(bob, 1); err != nil {
		t.Fatal(err)
	}
	p := mustPoll(t, s, st.ID)
	if !slices.Equal(votesOf(p), []int{1, 1, 2}) || p.VotersCount != 2 || p.VotesCount() != 4 {
		t.Errorf("votes, voters, total = %v, %d, %d; want [1 1 2], 2, 4", votesOf(p), p.VotersCount, p.VotesCount())
	}
	// The same choice again is refused, and a refused vote changes nothing.
	for _, choices := range [][]int{{2}, {0, 1}, {1, 1}} {
		if err := cast(bob, choices...); !errors.Is(err, ErrDuplicate) {
			t.Errorf("bob votes %v again: err = %v; want ErrDuplicate", choices, err)
		}
	}
	if err := cast(carol, 0, 0); !errors.Is(err, ErrDuplicate) {
		t.Errorf("carol chooses 0 twice: err = %v; want ErrDuplicate", err)
	}
	if got := mustPoll(t, s, st.ID); !slices.Equal(votesOf(got), []int{1, 1, 2}) || got.VotersCount != 2 {
		t.Errorf("after refused votes: %v, %d voters", votesOf(got), got.VotersCount)
	}
	own, err := s.OwnVotes(ctx, st.ID, bob.ID)
	if err != nil || !slices.Equal(own, []int{0, 1, 2}) {
		t.Errorf("bob's votes = %v, %v", own, err)
	}
	if own, err := s.OwnVotes(ctx, st.ID, alice.ID); err != nil || own == nil || len(own) != 0 {
		t.Errorf("alice's votes = %#v, %v; want an empty list", own, err)
	}
	voters, err := s.PollVoters(ctx, st.ID)
	if err != nil || !slices.Equal(voters, []ID{min(bob.ID, carol.ID), max(bob.ID, carol.ID)}) {
		t.Errorf("voters = %v, %v", voters, err)
	}
	if n, err := s.CountVoters(ctx, st.ID); err != nil || n != 2 {
		t.Errorf("CountVoters = %d, %v; want 2", n, err)
	}
	if err := cast(carol, 7); err == nil {
		t.Errorf("a choice out of range was counted")
	}
}

func TestUpdatePollFromOrigin(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	hanna, olli := mustAccount(t, s, "hanna", "mastodon.example"), mustAccount(t, s, "olli", "")
	st, p := pollStatus(t, s, hanna, false, "yes", "no")
	inTx(t, s, func(tx *Tx) error {
		return tx.CastVotes(ctx, st.ID, olli.ID, []PollVote{{Choice: 1, URI: "https://x/v"}})
	})

	// The origin's counts replace ours; the votes cast here stay.
	closed := time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)
	p.Options = []PollOption{{Title: "yes", Votes: 5}, {Title: "no", Votes: 3}}
	p.VotersCount, p.ClosedAt = 8, closed
	inTx(t, s, func(tx *Tx) error { return tx.UpdatePoll(ctx, &p) })
	got := mustPoll(t, s, st.ID)
	if !slices.Equal(votesOf(got), []int{5, 3}) || got.VotersCount != 8 || !got.ClosedAt.Equal(closed) {
		t.Errorf("poll = %+v", got)
	}
	if !got.Expired(closed.Add(-time.Hour)) {
		t.Errorf("a closed poll is not expired")
	}
	if own, _ := s.OwnVotes(ctx, st.ID, olli.ID); !slices.Equal(own, []int{1}) {
		t.Errorf("olli's votes = %v; want [1]", own)
	}

	// Other options: a new poll, and the old votes go.
	p.Options = []PollOption{{Title: "maybe", Votes: 1}, {Title: "no", Votes: 0}, {Title: "yes", Votes: 0}}
	p.VotersCount, p.ClosedAt = 1, time.Time{}
	inTx(t, s, func(tx *Tx) error { return tx.UpdatePoll(ctx, &p) })
	got = mustPoll(t, s, st.ID)
	if len(got.Options) != 3 || got.Options[0] != (PollOption{Title: "maybe", Votes: 1}) || !got.ClosedAt.IsZero() {
		t.Errorf("poll = %+v", got)
	}
	if own, _ := s.OwnVotes(ctx, st.ID, olli.ID); len(own) != 0 {
		t.Errorf("olli's votes after the options changed = %v; want none", own)
	}

	plain := storeStatus(t, s, hanna, nil)
	err := s.InTx(ctx, func(tx *Tx) error { return tx.UpdatePoll(ctx, &Poll{StatusID: plain.ID}) })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("update of a status without a poll: err = %v; want ErrNotFound", err)
	}
}

func TestDuePolls(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	now := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	mk := func(expires time.Time) ID {
		st := storeStatus(t, s, alice, nil)
		p := Poll{StatusID: st.ID, ExpiresAt: expires, Options: []PollOption{{Title: "a"}, {Title: "b"}}}
		inTx(t, s, func(tx *Tx) error { return tx.InsertPoll(ctx, &p) })
		return st.ID
	}
	mk(now.Add(time.Hour))
	second := mk(now.Add(-time.Minute))
	first := mk(now.Add(-time.Hour))
	mk(time.Time{}) // never expires
	due, err := s.DuePolls(ctx, now, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 || due[0].StatusID != first || due[1].StatusID != second || len(due[0].Options) != 2 {
		t.Fatalf("due = %+v; want %d then %d", due, first, second)
	}
	p := due[0]
	p.NotifiedAt, p.ClosedAt = now, p.ExpiresAt
	inTx(t, s, func(tx *Tx) error { return tx.UpdatePoll(ctx, &p) })
	if due, _ = s.DuePolls(ctx, now, 10); len(due) != 1 || due[0].StatusID != second {
		t.Errorf("due after one was handled = %+v", due)
	}
	if due, _ = s.DuePolls(ctx, now.Add(2*time.Hour), 1); len(due) != 1 || due[0].StatusID != second {
		t.Errorf("due with limit 1 = %+v", due)
	}
}
