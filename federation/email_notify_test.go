package federation

import (
	"context"
	"mime"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation/mailtest"
	"github.com/copse-dev/copse/storage"
)

// mailClock is a clock a test moves on.
type mailClock struct{ offset atomic.Int64 }

func (c *mailClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *mailClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// mailingEngine is an engine that mails through srv, on a clock the test
// moves on.
func mailingEngine(t *testing.T, srv *mailtest.Server) (*Engine, *mailClock) {
	t.Helper()
	e := joiningEngine(t, Registration{}, srv)
	c := &mailClock{}
	e.now, e.store.Now = c.now, c.now
	return e, c
}

// mailRound waits out the mail delay, queues and sends, and returns the
// mail srv received in the round.
func mailRound(t *testing.T, e *Engine, c *mailClock, srv *mailtest.Server) []mailtest.Mail {
	t.Helper()
	ctx := context.Background()
	before := len(srv.Received())
	c.advance(defaultMailDelay + time.Second)
	if _, err := e.QueueNotificationMail(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.SendQueuedMail(ctx); err != nil {
		t.Fatal(err)
	}
	return srv.Received()[before:]
}

// TestNotificationMail: a member is mailed, once and after the delay, the
// notifications of the types they chose that they have not read in an
// app; the mail says who did what, quotes the post, and carries a link
// (and a List-Unsubscribe header) that stops that kind of mail.
func TestNotificationMail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := mailtest.Start(t)
	e, c := mailingEngine(t, srv)
	ann := member(t, e, "ann")
	bob, err := e.CreateMember(ctx, NewMember{Username: "bob", Email: "bob@council-a.example", Password: authPassword,
		DisplayName: "Bob Reyes"})
	if err != nil {
		t.Fatal(err)
	}
	post := func(text string, v activitypub.Visibility) storage.Status {
		t.Helper()
		st, err := e.Post(ctx, bob.ID, Draft{Text: text, Visibility: v})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	annPost, err := e.Post(ctx, ann.ID, Draft{Text: "Our reading list for new starters"})
	if err != nil {
		t.Fatal(err)
	}

	// Nothing goes before the delay.
	post("@ann the rota for Saturday is up", activitypub.Public)
	if n, err := e.QueueNotificationMail(ctx); err != nil || n != 0 {
		t.Fatalf("before the delay: %d queued, %v", n, err)
	}

	tests := []struct {
		name    string
		do      func()
		subject string   // "" for no mail
		body    []string // what the mail says
	}{
		{"a mention", func() {}, "Bob Reyes mentioned you",
			[]string{"Bob Reyes (@bob) wrote:", "> @ann the rota for Saturday is up", "Read it and reply: https://council-a.example/@bob/"}},
		{"a direct message", func() { post("@ann can you cover the desk?", activitypub.Direct) },
			"Bob Reyes sent you a direct message", []string{"> @ann can you cover the desk?", "Open your app to read it and reply."}},
		{"a follow", func() {
			if err := e.Follow(ctx, bob.ID, ann.ID, FollowOptions{}); err != nil {
				t.Fatal(err)
			}
		}, "Bob Reyes now follows you", []string{"Bob Reyes (@bob) now follows you.", "https://council-a.example/@bob"}},
		{"a request to join a community ann moderates", func() {
			g := community(t, e, ann, NewCommunity{Handle: "records", Name: "Records", JoinPolicy: storage.JoinApproval})
			if err := e.Follow(ctx, bob.ID, g.ID, FollowOptions{}); err != nil {
				t.Fatal(err)
			}
		}, "Bob Reyes asks to join Records", []string{"Bob Reyes (@bob) asks to join Records, which you moderate.",
			"Accept or refuse: https://council-a.example/c/records/join-requests"}},
		{"a favourite is not mailed by default", func() {
			if err := e.Favourite(ctx, bob.ID, annPost.ID); err != nil {
				t.Fatal(err)
			}
		}, "", nil},
		{"a mention read in an app is not mailed", func() {
			post("@ann thanks for the list", activitypub.Public)
			ns, err := e.store.Notifications(ctx, ann.ID, storage.Page{Limit: 1})
			if err != nil || len(ns) == 0 {
				t.Fatal(ns, err)
			}
			if _, err := e.SaveMarkers(ctx, ann.ID, map[string]storage.ID{"notifications": ns[0].ID}); err != nil {
				t.Fatal(err)
			}
		}, "", nil},
	}
	var lastMention mailtest.Mail
	for _, tt := range tests {
		tt.do()
		got := mailRound(t, e, c, srv)
		if tt.subject == "" {
			if len(got) != 0 {
				t.Errorf("%s: mailed %q", tt.name, got[0].Message.Header.Get("Subject"))
			}
			continue
		}
		if len(got) != 1 {
			t.Fatalf("%s: %d mails; want 1", tt.name, len(got))
		}
		m := got[0]
		if m.To[0] != "ann@council-a.example" || subjectOf(t, m) != tt.subject {
			t.Errorf("%s: mail to %v, %q; want %q", tt.name, m.To, subjectOf(t, m), tt.subject)
		}
		for _, want := range append(tt.body, "Choose what you are emailed: https://council-a.example/settings/email") {
			if !strings.Contains(m.Body, want) {
				t.Errorf("%s: mail lacks %q:\n%s", tt.name, want, m.Body)
			}
		}
		if lu := m.Message.Header.Get("List-Unsubscribe"); !strings.HasPrefix(lu, "<https://council-a.example/settings/email/unsubscribe?") ||
			m.Message.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Errorf("%s: List-Unsubscribe %q", tt.name, lu)
		}
		if strings.Contains(tt.subject, "mentioned") {
			lastMention = m
		}
	}
	if again := mailRound(t, e, c, srv); len(again) != 0 {
		t.Errorf("a second round mailed %d again", len(again))
	}

	// The mention mail's link stops mention mail, and nothing else.
	link, err := url.Parse(lastMention.Link("https://council-a.example/settings/email/unsubscribe?"))
	if err != nil || link.Query().Get("kind") != storage.NotifyMention {
		t.Fatalf("unsubscribe link %v, %v", link, err)
	}
	if who, err := e.Unsubscribe(ctx, link.Query().Get("token"), link.Query().Get("kind")); err != nil || who != "ann" {
		t.Fatalf("Unsubscribe: %q, %v", who, err)
	}
	post("@ann one more thing", activitypub.Public)
	if got := mailRound(t, e, c, srv); len(got) != 0 {
		t.Errorf("after unsubscribing from mentions: mailed %q", subjectOf(t, got[0]))
	}
	if err := e.Follow(ctx, ann.ID, bob.ID, FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	s, err := e.EmailSettings(ctx, ann.ID)
	if err != nil || s.Mails(storage.NotifyMention) || !s.Mails(storage.NotifyFollow) {
		t.Errorf("settings after unsubscribing: %+v, %v", s, err)
	}
	if _, err := e.Unsubscribe(ctx, "not-a-token", storage.NotifyFollow); err == nil {
		t.Error("an unknown token unsubscribed someone")
	}
}

func subjectOf(t *testing.T, m mailtest.Mail) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(m.Message.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMailRetriedThenDropped: a mail the server does not take stays queued
// and is tried again on the schedule, then dropped; a moderation warning
// reaches a suspended member, and nothing else does.
func TestMailRetriedThenDropped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := mailtest.Start(t)
	e, c := mailingEngine(t, srv)
	working := e.mailer
	e.mailer = NewMailer(MailConfig{Host: "127.0.0.1", Port: 1, Security: MailNone, From: "copse@council-a.example"}, nil)
	ann, bob := member(t, e, "ann"), member(t, e, "bob")
	if _, err := e.Post(ctx, bob.ID, Draft{Text: "@ann hello"}); err != nil {
		t.Fatal(err)
	}
	mailRound(t, e, c, srv)
	q, err := e.store.QueuedMail(ctx, 10)
	if err != nil || len(q) != 1 || q[0].Attempts != 1 || q[0].LastError == "" {
		t.Fatalf("after a failed send: %+v, %v", q, err)
	}
	for range mailRetry {
		c.advance(7 * time.Hour)
		if _, err := e.SendQueuedMail(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if q, err := e.store.QueuedMail(ctx, 10); err != nil || len(q) != 0 {
		t.Errorf("after every retry failed: %+v, %v", q, err)
	}

	e.mailer = working
	if err := e.ActOnAccount(ctx, AccountAction{Target: ann.ID, Type: ActionSuspend, Text: "Spam links"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Post(ctx, bob.ID, Draft{Text: "@ann are you there?"}); err != nil {
		t.Fatal(err)
	}
	got := mailRound(t, e, c, srv)
	if len(got) != 1 || !strings.Contains(got[0].Body, "suspended your account") || !strings.Contains(got[0].Body, "Why: Spam links") {
		t.Fatalf("a suspended member got %d mails: %+v", len(got), got)
	}
	if got[0].Message.Header.Get("List-Unsubscribe") != "" {
		t.Error("a moderation warning carries an unsubscribe link")
	}
}

// TestJoinAnswerMail: a member whose request to join is answered is
// mailed: let in, or refused with the moderator's reason.
func TestJoinAnswerMail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := mailtest.Start(t)
	e, c := mailingEngine(t, srv)
	mod, ann, cat := member(t, e, "mod"), member(t, e, "ann"), member(t, e, "cat")
	g := community(t, e, mod, NewCommunity{Handle: "records", Name: "Records", JoinPolicy: storage.JoinApproval})
	for _, who := range []storage.Account{ann, cat} {
		if err := e.Follow(ctx, who.ID, g.ID, FollowOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.AcceptJoin(ctx, mod, g.ID, ann.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.RejectJoin(ctx, mod, g.ID, cat.ID, "Records staff only"); err != nil {
		t.Fatal(err)
	}
	got := map[string]mailtest.Mail{}
	for _, m := range mailRound(t, e, c, srv) {
		got[m.To[0]] = m
	}
	for _, who := range []string{"ann", "cat"} {
		if _, ok := got[who+"@council-a.example"]; !ok {
			t.Fatalf("%s got no mail: %v", who, got)
		}
	}
	if m := got["ann@council-a.example"]; subjectOf(t, m) != "You are now a member of Records" ||
		!strings.Contains(m.Body, "https://council-a.example/c/records") {
		t.Errorf("ann's mail: %q\n%s", subjectOf(t, m), m.Body)
	}
	if m := got["cat@council-a.example"]; subjectOf(t, m) != "Your request to join Records was refused" ||
		!strings.Contains(m.Body, "The reason given: Records staff only") {
		t.Errorf("cat's mail: %q\n%s", subjectOf(t, m), m.Body)
	}
	if _, ok := got["mod@council-a.example"]; ok {
		t.Error("the moderator was mailed about requests answered before the mail went")
	}
}
