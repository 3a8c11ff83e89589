package federation

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// A Flag from a domain whose block says reject_reports is taken and
// dropped; from other domains it still makes a report.
func TestRejectReports(t *testing.T) {
	f := newReportFixture(t)
	ctx := context.Background()
	if _, err := f.e.AddDomainBlock(ctx, 0, storage.NodeDomainBlock{Domain: "lemmy.example", Severity: storage.SeverityNoop, RejectReports: true}); err != nil {
		t.Fatal(err)
	}
	remotePerson(t, f.e, "person", "social.lemmy.example") // a subdomain: covered
	remotePerson(t, f.e, "person", "mbin.example")
	for _, tt := range []struct {
		actor, id string
		kept      bool
	}{
		{"https://social.lemmy.example/users/person", "https://social.lemmy.example/f/1", false},
		{"https://mbin.example/users/person", "https://mbin.example/f/1", true},
	} {
		raw := `{"@context":"https://www.w3.org/ns/activitystreams","id":"` + tt.id + `","type":"Flag","actor":"` + tt.actor +
			`","content":"Rude","object":["` + f.dave.URI + `"]}`
		if err := applyRaw(t, f.e, raw); err != nil {
			t.Fatalf("%s: %v", tt.id, err)
		}
		_, err := f.e.store.ReportByURI(ctx, tt.id)
		if kept := err == nil; kept != tt.kept {
			t.Errorf("flag %s made a report: %v; want %v (err %v)", tt.id, kept, tt.kept, err)
		}
	}
}

func TestRejectMedia(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	if _, err := e.AddDomainBlock(ctx, 0, storage.NodeDomainBlock{Domain: "pics.example", Severity: storage.SeverityLimit, RejectMedia: true}); err != nil {
		t.Fatal(err)
	}
	atts := []storage.Attachment{{URL: "https://cdn.example/a.png", MediaType: "image/png"}}
	if got := e.mediaFrom("cdn.pics.example", atts); len(got) != 0 {
		t.Errorf("media of a reject_media domain kept: %+v", got)
	}
	if got := e.mediaFrom("other.example", atts); len(got) != 1 {
		t.Errorf("media of another domain dropped: %+v", got)
	}
	// An actor stored from there keeps no avatar or header.
	a, err := e.storeRemoteActor(ctx, activitypub.Actor{ID: "https://pics.example/users/p", Type: activitypub.TypePerson,
		PreferredUsername: "p", Inbox: "https://pics.example/users/p/inbox",
		Icon: &activitypub.Image{URL: "https://pics.example/a.png"}, Image: &activitypub.Image{URL: "https://pics.example/h.png"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.AvatarURL != "" || a.HeaderURL != "" {
		t.Errorf("avatar %q header %q stored for a reject_media domain", a.AvatarURL, a.HeaderURL)
	}
	// Nor its custom emojis, nor emojis whose image is there.
	blob := activitypub.Emoji{Shortcode: "blob", URL: "https://pics.example/emoji/blob.png"}
	ok := activitypub.Emoji{Shortcode: "ok", URL: "https://other.example/emoji/ok.png"}
	a, err = e.storeRemoteActor(ctx, activitypub.Actor{ID: "https://pics.example/users/q", Type: activitypub.TypePerson,
		PreferredUsername: "q", Inbox: "https://pics.example/users/q/inbox", Emojis: []activitypub.Emoji{ok}})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Emojis) != 0 {
		t.Errorf("emojis stored for a reject_media domain: %+v", a.Emojis)
	}
	for _, tt := range []struct {
		domain string
		in     []activitypub.Emoji
		want   int
	}{
		{"cdn.pics.example", []activitypub.Emoji{ok}, 0},
		{"other.example", []activitypub.Emoji{ok, blob}, 1},
		{"other.example", []activitypub.Emoji{ok}, 1},
		{"other.example", []activitypub.Emoji{{Shortcode: "bad", URL: "::"}}, 0},
	} {
		if got := e.emojisFrom(tt.domain, tt.in); len(got) != tt.want || tt.want == 1 && got[0] != ok {
			t.Errorf("emojisFrom(%s, %v) = %v; want %d", tt.domain, tt.in, got, tt.want)
		}
	}
}

// Inbox requests signed on a suspended or unlisted host are refused from
// the header alone; others, and unsigned ones, go on to verification.
func TestRefuseSigner(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	if _, err := e.AddDomainBlock(ctx, 0, storage.NodeDomainBlock{Domain: "spam.example"}); err != nil {
		t.Fatal(err)
	}
	sig := func(keyID string) string {
		return `keyId="` + keyID + `",algorithm="rsa-sha256",headers="(request-target) host date",signature="AAAA"`
	}
	for _, tt := range []struct {
		name, header, value string
		refused             bool
	}{
		{"suspended", "Signature", sig("https://a.spam.example/users/x#main-key"), true},
		{"suspended, Authorization", "Authorization", "Signature " + sig("https://spam.example/actor#main-key"), true},
		{"other host", "Signature", sig("https://ok.example/users/x#main-key"), false},
		{"unsigned", "", "", false},
		{"malformed", "Signature", "nonsense", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/inbox", nil)
			if tt.header != "" {
				r.Header.Set(tt.header, tt.value)
			}
			err := e.RefuseSigner(r)
			if refused := errors.Is(err, ErrDenied); refused != tt.refused {
				t.Fatalf("RefuseSigner = %v; want refused %v", err, tt.refused)
			}
		})
	}
	if err := e.SetFederationMode(ctx, 0, storage.FederationAllowlist); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/inbox", nil)
	r.Header.Set("Signature", sig("https://ok.example/users/x#main-key"))
	if err := e.RefuseSigner(r); !errors.Is(err, ErrDenied) {
		t.Fatalf("allow-list mode let an unlisted host in: %v", err)
	}
}

// Moderators may not change federation policy; admins may.
func TestDomainPolicyNeedsAdmin(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	mod, root := member(t, e, "mod"), member(t, e, "root")
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.SetUserRole(ctx, mod.ID, storage.PermissionModerator); err != nil {
			return err
		}
		return tx.SetUserRole(ctx, root.ID, storage.PermissionAdmin)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.AddDomainBlock(ctx, mod.ID, storage.NodeDomainBlock{Domain: "x.example"}); !errors.Is(err, ErrDenied) {
		t.Fatalf("moderator blocked: %v", err)
	}
	if err := e.SetFederationMode(ctx, mod.ID, storage.FederationAllowlist); !errors.Is(err, ErrDenied) {
		t.Fatalf("moderator set the mode: %v", err)
	}
	b, err := e.AddDomainBlock(ctx, root.ID, storage.NodeDomainBlock{Domain: "x.example"})
	if err != nil || b.CreatedBy != root.ID || b.Severity != storage.SeveritySuspend {
		t.Fatalf("admin block = %+v, %v", b, err)
	}
	if _, err := e.RemoveDomainBlock(ctx, mod.ID, b.ID); !errors.Is(err, ErrDenied) {
		t.Fatalf("moderator unblocked: %v", err)
	}
	if e.Policy().Allows("x.example").Federate {
		t.Fatal("block not in force")
	}
}

// Deliveries queued before a suspend are dropped, both by the policy
// worker's purge and by a worker that picks one up first; deliveries to
// other hosts stay queued.
func TestSuspendDropsDeliveriesQueuedBefore(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	follows(t, e, remotePerson(t, e, "s", "spam.example"), alice)
	follows(t, e, remotePerson(t, e, "o", "ok.example"), alice)
	follows(t, e, remotePerson(t, e, "l", "late.spam2.example"), alice)
	if _, err := e.Post(ctx, alice.ID, Draft{Text: "queued before the block", Visibility: activitypub.Public}); err != nil {
		t.Fatal(err)
	}
	queued := func() map[string]storage.Delivery {
		ds, err := e.store.DueDeliveries(ctx, e.now().Add(time.Hour), 100)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]storage.Delivery{}
		for _, d := range ds {
			out[d.Host] = d
		}
		return out
	}
	before := queued()
	if len(before) != 3 {
		t.Fatalf("queued for %d hosts; want 3: %v", len(before), before)
	}
	for _, d := range []string{"spam.example", "spam2.example"} {
		if _, err := e.AddDomainBlock(ctx, 0, storage.NodeDomainBlock{Domain: d}); err != nil {
			t.Fatal(err)
		}
	}
	// A worker that picks up a job to a suspended host drops it unsent.
	e.attempt(ctx, e.log, before["late.spam2.example"], func() {})
	if _, ok := queued()["late.spam2.example"]; ok {
		t.Fatal("a job to a suspended host stayed queued after its attempt")
	}
	if err := e.EnforcePolicy(ctx, e.log); err != nil {
		t.Fatal(err)
	}
	after := queued()
	if _, ok := after["spam.example"]; ok {
		t.Error("a delivery queued before the suspend is still queued")
	}
	if _, ok := after["ok.example"]; !ok || len(after) != 1 {
		t.Errorf("queue after the purge: %v; want ok.example's delivery alone", after)
	}
}

// The peers the node lists leave out suspended domains, and in allow-list
// mode list only allowed ones.
func TestPeersFollowPolicy(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	for _, host := range []string{"ok.example", "spam.example", "partner.example", "quiet.example"} {
		remotePerson(t, e, "p", host)
	}
	if _, err := e.AddDomainBlock(ctx, 0, storage.NodeDomainBlock{Domain: "spam.example"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.AddDomainBlock(ctx, 0, storage.NodeDomainBlock{Domain: "quiet.example", Severity: storage.SeverityLimit}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.AddDomainAllow(ctx, 0, "partner.example"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		mode string
		want []string
	}{
		{storage.FederationOpen, []string{"ok.example", "partner.example", "quiet.example"}},
		{storage.FederationAllowlist, []string{"partner.example"}},
	} {
		if err := e.SetFederationMode(ctx, 0, tt.mode); err != nil {
			t.Fatal(err)
		}
		got, err := e.Peers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: peers %v; want %v", tt.mode, got, tt.want)
		}
	}
}

// A limited author's mentions notify only their followers: limited by a
// domain block, or by an account action on a member.
func TestLimitedAuthorMentionsReachFollowersOnly(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	alice, bob := member(t, e, "alice"), member(t, e, "bob")
	if _, err := e.AddDomainBlock(ctx, 0, storage.NodeDomainBlock{Domain: "quiet.example", Severity: storage.SeverityLimit}); err != nil {
		t.Fatal(err)
	}
	remote := remotePerson(t, e, "loud", "social.quiet.example")
	follows(t, e, bob, remote)
	note := map[string]any{"id": remote.URI + "/notes/1", "type": "Note", "attributedTo": remote.URI,
		"content": "<p>@alice @bob hello</p>", "to": []string{activitypub.PublicIRI}, "cc": []string{alice.URI, bob.URI},
		"tag": []any{map[string]any{"type": "Mention", "href": alice.URI, "name": "@alice@council-a.example"},
			map[string]any{"type": "Mention", "href": bob.URI, "name": "@bob@council-a.example"}}}
	apply(t, e, map[string]any{"id": remote.URI + "/activities/1", "type": "Create", "actor": remote.URI,
		"to": note["to"], "cc": note["cc"], "object": note})
	st, err := e.store.StatusByURI(ctx, remote.URI+"/notes/1")
	if err != nil {
		t.Fatal(err)
	}
	if notifiedOf(t, e, alice.ID, storage.NotifyMention, st.ID) {
		t.Error("alice, who does not follow the limited author, is notified")
	}
	if !notifiedOf(t, e, bob.ID, storage.NotifyMention, st.ID) {
		t.Error("bob, a follower, is not notified")
	}

	// A member limited by an account action.
	carol := member(t, e, "carol")
	follows(t, e, bob, carol)
	if err := e.ActOnAccount(ctx, AccountAction{Target: carol.ID, Type: ActionSilence, Text: "Off-topic"}); err != nil {
		t.Fatal(err)
	}
	mine, err := e.Post(ctx, carol.ID, Draft{Text: "@alice @bob look", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	if notifiedOf(t, e, alice.ID, storage.NotifyMention, mine.ID) || !notifiedOf(t, e, bob.ID, storage.NotifyMention, mine.ID) {
		t.Error("a limited member's mention: want bob (a follower) notified and alice not")
	}
	if err := e.UndoAccountAction(ctx, 0, carol.ID, UndoSilence); err != nil {
		t.Fatal(err)
	}
	again, err := e.Post(ctx, carol.ID, Draft{Text: "@alice again", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	if !notifiedOf(t, e, alice.ID, storage.NotifyMention, again.ID) {
		t.Error("once no longer limited, carol's mention does not reach alice")
	}
}
