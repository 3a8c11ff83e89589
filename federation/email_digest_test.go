package federation

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation/mailtest"
	"github.com/copse-dev/copse/storage"
)

// digestsQueued runs the digest worker once and returns the digests it
// queued, by member, taking them off the queue.
func digestsQueued(t *testing.T, e *Engine) map[storage.ID]storage.Mail {
	t.Helper()
	ctx := context.Background()
	if _, err := e.QueueDigests(ctx); err != nil {
		t.Fatal(err)
	}
	q, err := e.store.QueuedMail(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := map[storage.ID]storage.Mail{}
	for _, m := range q {
		if m.Kind == storage.MailDigest {
			out[m.AccountID] = m
		}
		if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.MailSent(ctx, m.ID) }); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestCommunityDigest: a member's weekly digest starts a week after the
// worker first sees them, lists what is new in their communities since
// the last one (threads with their replies, artefacts, coming events;
// not posts outside the communities, nor a members-only community they
// have not joined), is not sent when nothing is new, and follows the
// member's choice of daily or none.
func TestCommunityDigest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := mailtest.Start(t)
	e, c := mailingEngine(t, srv)
	mod, ann, out := member(t, e, "mod"), member(t, e, "ann"), member(t, e, "out")
	g := community(t, e, mod, NewCommunity{Handle: "records", Name: "Records management"})
	closed := community(t, e, mod, NewCommunity{Handle: "audit", Name: "Internal audit", Visibility: "members"})
	joins(t, e, ann, g)
	joins(t, e, out, closed)

	if got := digestsQueued(t, e); len(got) != 0 {
		t.Fatalf("the first round queued %d digests; want none (the clock starts)", len(got))
	}
	thread, err := e.Post(ctx, mod.ID, Draft{Text: "@records Retention schedule review\nComments by Friday please."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Post(ctx, ann.ID, Draft{Text: "@mod looks right to me", InReplyTo: thread.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Post(ctx, mod.ID, Draft{Text: "Lunch is at one"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Post(ctx, out.ID, Draft{Text: "@audit Findings of the payroll audit"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateArtefact(ctx, mod, g.ID, NewArtefact{Title: "Retention schedule", Summary: "How long we keep what"}); err != nil {
		t.Fatal(err)
	}
	// A two-day conference in the second week: coming in the first
	// digest, still on at the second.
	start := c.now().Add(13 * 24 * time.Hour).Truncate(time.Hour)
	if _, err := e.CreateEvent(ctx, mod, g.ID, NewEvent{Name: "Records surgery", Start: start, End: start.Add(48 * time.Hour),
		TimeZone: "Europe/London", PlaceName: "Room 4"}); err != nil {
		t.Fatal(err)
	}

	c.advance(6 * 24 * time.Hour)
	if got := digestsQueued(t, e); len(got) != 0 {
		t.Fatalf("after six days: %d digests; want none", len(got))
	}
	c.advance(24*time.Hour + time.Minute)
	got := digestsQueued(t, e)
	d, ok := got[ann.ID]
	if !ok {
		t.Fatalf("after a week ann got no digest (%d queued)", len(got))
	}
	if d.Subject != "1 new thread in your communities this week" {
		t.Errorf("subject %q", d.Subject)
	}
	for _, want := range []string{
		"Records management (@records)",
		"New threads:\n- Retention schedule review, by mod (1 reply)\n  https://council-a.example/c/records/threads/" + thread.ID.String(),
		"New in the library:\n- Retention schedule: How long we keep what\n  https://council-a.example/c/records/artefacts/",
		"Coming up:\n- Records surgery, ",
		"https://council-a.example/c/records\n",
	} {
		if !strings.Contains(d.Body, want) {
			t.Errorf("digest lacks %q:\n%s", want, d.Body)
		}
	}
	for _, not := range []string{"Lunch is at one", "payroll", "Internal audit"} {
		if strings.Contains(d.Body, not) {
			t.Errorf("digest has %q:\n%s", not, d.Body)
		}
	}
	if od, ok := got[out.ID]; !ok || !strings.Contains(od.Body, "Findings of the payroll audit") {
		t.Errorf("the members-only community's member got %+v", od)
	}

	// A week with nothing new but the event still on: the event. Then
	// a week with nothing at all: no digest.
	c.advance(7*24*time.Hour + time.Minute)
	if d, ok := digestsQueued(t, e)[ann.ID]; !ok || d.Subject != "What's new in your communities this week" ||
		strings.Contains(d.Body, "New threads") || !strings.Contains(d.Body, "Records surgery") {
		t.Errorf("a week with only the event coming: %+v", d)
	}
	c.advance(7*24*time.Hour + time.Minute)
	if got := digestsQueued(t, e); len(got) != 0 {
		t.Errorf("a week with nothing new: %d digests", len(got))
	}

	// Daily, then none.
	if err := e.SetEmailSettings(ctx, ann.ID, EmailSettings{Types: DefaultEmailTypes, Digest: storage.DigestDaily}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Post(ctx, mod.ID, Draft{Text: "@records Disposal log template"}); err != nil {
		t.Fatal(err)
	}
	c.advance(24*time.Hour + time.Minute)
	if d, ok := digestsQueued(t, e)[ann.ID]; !ok || d.Subject != "1 new thread in your communities today" {
		t.Errorf("a daily digest: %+v", d)
	}
	// Records left out of the digest: nothing to say of it.
	if err := e.SetEmailSettings(ctx, ann.ID, EmailSettings{Types: DefaultEmailTypes, Digest: storage.DigestDaily,
		LeaveOut: []storage.ID{g.ID}}); err != nil {
		t.Fatal(err)
	}
	if s, err := e.EmailSettings(ctx, ann.ID); err != nil || len(s.LeaveOut) != 1 || s.LeaveOut[0] != g.ID {
		t.Errorf("settings %+v (%v); want records left out", s, err)
	}
	if _, err := e.Post(ctx, mod.ID, Draft{Text: "@records Scanning backlog"}); err != nil {
		t.Fatal(err)
	}
	c.advance(24*time.Hour + time.Minute)
	if d, ok := digestsQueued(t, e)[ann.ID]; ok {
		t.Errorf("a digest of a community left out: %+v", d)
	}
	if err := e.SetEmailSettings(ctx, ann.ID, EmailSettings{Types: DefaultEmailTypes, Digest: storage.DigestOff}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Post(ctx, mod.ID, Draft{Text: "@records Another thread"}); err != nil {
		t.Fatal(err)
	}
	c.advance(8 * 24 * time.Hour)
	if _, ok := digestsQueued(t, e)[ann.ID]; ok {
		t.Error("a digest after choosing none")
	}
}
