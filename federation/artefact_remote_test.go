package federation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig/testkit"
)

// nodeB is a second engine, council-b.example, that knows g (a community
// hosted by the engine of council-a.example) as a remote Group.
func nodeB(t *testing.T, g storage.Account) (*Engine, storage.Account) {
	t.Helper()
	store, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "copse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	b := New(store, Options{URLs: URLs{Base: "https://council-b.example"}, NewKey: testkit.Keys()})
	if err := b.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	rg := storage.Account{URI: g.URI, Username: g.Username, Domain: "council-a.example", ActorType: activitypub.TypeGroup,
		Inbox: g.Inbox, SharedInbox: g.SharedInbox, Followers: g.Followers, FetchedAt: b.now()}
	if err := b.store.InTx(context.Background(), func(tx *storage.Tx) error { return tx.InsertAccount(context.Background(), &rg) }); err != nil {
		t.Fatal(err)
	}
	return b, rg
}

// proposed returns the one body b queued for the Group's inbox.
func proposed(t *testing.T, b *Engine, g storage.Account) string {
	t.Helper()
	bodies := sentRaw(t, b, g.Inbox)
	if len(bodies) != 1 {
		t.Fatalf("sent %d bodies to the Group; want 1", len(bodies))
	}
	return string(bodies[0])
}

// rejections returns the reasons of the Group's Rejects sent to inbox.
func rejections(t *testing.T, e *Engine, g storage.Account, inbox string) []string {
	t.Helper()
	var out []string
	for _, a := range ofType(sent(t, e, inbox), activitypub.TypeReject) {
		if a.Actor == g.URI {
			out = append(out, a.Content)
		}
	}
	return out
}

// TestArtefactProposalChecks: a member of another node creates and edits
// an artefact of a community hosted here exactly when a member of this
// node in the same place may: the one check (createArtefactIn,
// reviseArtefactIn) decides both, and a refusal reaches the remote member
// as a Reject saying why.
func TestArtefactProposalChecks(t *testing.T) {
	ctx := context.Background()
	type role int
	const (
		asMember role = iota
		asOutsider
		asBanned
		asAuthor
	)
	tests := []struct {
		name    string
		posting string // the community's posting policy
		policy  string // the artefact's edit policy
		who     role
		edit    bool // an edit of the artefact (else a new one)
		stale   bool // the edit started from version 1 while it is at 2
		ok      bool
		reason  string // in the Reject
	}{
		{"member creates", storage.PostingMembers, "", asMember, false, false, true, ""},
		{"non-member creates", storage.PostingMembers, "", asOutsider, false, false, false, "only members post"},
		{"banned member creates", storage.PostingMembers, "", asBanned, false, false, false, "banned"},
		{"member creates where moderators post", storage.PostingModerators, "", asMember, false, false, false, "only moderators"},
		{"author edits (authors)", storage.PostingMembers, storage.EditAuthors, asAuthor, true, false, true, ""},
		{"member edits (authors)", storage.PostingMembers, storage.EditAuthors, asMember, true, false, false, "may not edit"},
		{"member edits (members)", storage.PostingMembers, storage.EditMembers, asMember, true, false, true, ""},
		{"non-member edits (members)", storage.PostingMembers, storage.EditMembers, asOutsider, true, false, false, "may not edit"},
		{"banned member edits (members)", storage.PostingMembers, storage.EditMembers, asBanned, true, false, false, "may not edit"},
		{"author edits (moderators)", storage.PostingMembers, storage.EditModerators, asAuthor, true, false, false, "may not edit"},
		{"author edits a stale version", storage.PostingMembers, storage.EditAuthors, asAuthor, true, true, false, "stale edit: it started from version 1, and the artefact is at version 2"},
	}
	for _, tt := range tests {
		for _, remote := range []bool{false, true} {
			name := tt.name + " (here)"
			if remote {
				name = tt.name + " (from another node)"
			}
			t.Run(name, func(t *testing.T) {
				e := testEngine(t)
				mod := member(t, e, "mod")
				g := community(t, e, mod, NewCommunity{Handle: "records", Name: "Records", PostingPolicy: tt.posting})
				b, gOnB := nodeB(t, g)
				// who acts: a member of this node, or of council-b (known
				// here as a remote person, a member of its own node there).
				var actor, local storage.Account
				if remote {
					local = member(t, b, "bob")
					actor = remotePerson(t, e, "bob", "council-b.example")
				} else {
					actor = member(t, e, "bob")
				}
				if tt.who != asOutsider {
					joins(t, e, actor, g)
				}
				if tt.who == asBanned {
					if err := e.BanFromCommunity(ctx, mod, g.ID, Ban{AccountID: actor.ID, Reason: "spam", ExpiresIn: time.Hour}); err != nil {
						t.Fatal(err)
					}
				}
				var art storage.Artefact
				if tt.edit {
					na := NewArtefact{Title: "Retention schedule", Body: "v1", EditPolicy: tt.policy}
					if tt.who == asAuthor {
						na.Authors = []storage.ID{actor.ID}
					}
					var err error
					if art, err = e.CreateArtefact(ctx, mod, g.ID, na); err != nil {
						t.Fatal(err)
					}
					if tt.stale {
						if art, err = e.EditArtefact(ctx, mod, art.ID, ArtefactEdit{BaseVersion: 1, Body: strPtr("v2 by mod")}); err != nil {
							t.Fatal(err)
						}
					}
				}
				before, err := e.store.CommunityArtefacts(ctx, g.ID, storage.Page{Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				sentRaw(t, e, actor.Inbox)

				var actErr error
				switch {
				case !remote && !tt.edit:
					_, actErr = e.CreateArtefact(ctx, actor, g.ID, NewArtefact{Title: "Minutes", Body: "By bob"})
				case !remote:
					_, actErr = e.EditArtefact(ctx, actor, art.ID, ArtefactEdit{BaseVersion: 1, Body: strPtr("bob's")})
				case !tt.edit:
					if _, err := b.ProposeArtefact(ctx, local, gOnB.ID, NewArtefact{Title: "Minutes", Body: "By bob"}); err != nil {
						t.Fatal(err)
					}
					actErr = applyRaw(t, e, proposed(t, b, gOnB))
				default:
					copyOnB := storage.Artefact{CommunityID: gOnB.ID, URI: art.URI, URL: art.URL, Title: art.Title,
						BodySource: "v1", Version: art.Version, Licence: storage.LicenceReserved, EditPolicy: storage.EditAuthors}
					if err := b.store.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertArtefact(ctx, &copyOnB) }); err != nil {
						t.Fatal(err)
					}
					if _, err := b.ProposeArtefactEdit(ctx, local, copyOnB.ID, ArtefactEdit{BaseVersion: 1, Body: strPtr("bob's")}); err != nil {
						t.Fatal(err)
					}
					actErr = applyRaw(t, e, proposed(t, b, gOnB))
				}

				after, err := e.store.CommunityArtefacts(ctx, g.ID, storage.Page{Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				changed := len(after) != len(before)
				if tt.edit {
					cur, err := e.store.ArtefactByID(ctx, art.ID)
					if err != nil {
						t.Fatal(err)
					}
					changed = cur.Version != art.Version
					if tt.ok && (cur.BodySource != "bob's" || cur.Version != art.Version+1) {
						t.Errorf("artefact at version %d with %q; want bob's edit as version %d", cur.Version, cur.BodySource, art.Version+1)
					}
					if tt.ok {
						v, err := e.store.ArtefactVersion(ctx, art.ID, cur.Version)
						if err != nil || v.EditorID != actor.ID {
							t.Errorf("version %d edited by %d (%v); want %d", cur.Version, v.EditorID, err, actor.ID)
						}
					}
				}
				if changed != tt.ok {
					t.Fatalf("changed = %v; want %v", changed, tt.ok)
				}
				if !remote {
					if (actErr == nil) != tt.ok {
						t.Fatalf("err = %v; want ok %v", actErr, tt.ok)
					}
					var stale *StaleError
					if !tt.ok && !errors.Is(actErr, ErrDenied) && !errors.As(actErr, &stale) {
						t.Errorf("err = %v; want denied or stale", actErr)
					}
					return
				}
				if actErr != nil {
					t.Fatalf("apply proposal: %v", actErr)
				}
				rej := rejections(t, e, g, actor.Inbox)
				if tt.ok != (len(rej) == 0) {
					t.Fatalf("rejects = %q; want ok %v", rej, tt.ok)
				}
				if !tt.ok && !strings.Contains(rej[0], tt.reason) {
					t.Errorf("reject says %q; want it to say %q", rej[0], tt.reason)
				}
			})
		}
	}
}

// TestProposeToRemoteCommunity: a member here proposes an artefact, an
// edit and a glossary term in a community hosted on another node: each is
// the member's signed activity to the Group's inbox alone, addressed to
// the Group, carrying what she set and the version she started from;
// nothing changes here until the Group's node answers; what she typed is
// checked here first, and a file change is refused.
func TestProposeToRemoteCommunity(t *testing.T) {
	ctx := context.Background()
	a := testEngine(t)
	mod := member(t, a, "mod")
	g := community(t, a, mod, NewCommunity{Handle: "records", Name: "Records"})
	b, gOnB := nodeB(t, g)
	bob := member(t, b, "bob")
	object := func(body string) map[string]any {
		t.Helper()
		m := decode(t, []byte(body))
		if m["actor"] != bob.URI || m["audience"] != g.URI || len(m["to"].([]any)) != 1 || m["to"].([]any)[0] != g.URI || m["cc"] != nil {
			t.Fatalf("proposal not addressed to the Group alone: %s", body)
		}
		return m["object"].(map[string]any)
	}

	p, err := b.ProposeArtefact(ctx, bob, gOnB.ID, NewArtefact{Title: " Minutes ", Body: "Agreed.", EditPolicy: storage.EditMembers, Tags: []string{"Minutes"}})
	if err != nil {
		t.Fatal(err)
	}
	body := proposed(t, b, gOnB)
	obj := object(body)
	if !strings.HasPrefix(p.ActivityID, bob.URI+"/activities/") || decode(t, []byte(body))["id"] != p.ActivityID || decode(t, []byte(body))["type"] != "Create" ||
		obj["type"] != "Article" || obj["id"] != nil || obj["name"] != "Minutes" || obj["editPolicy"] != "members" ||
		obj["source"].(map[string]any)["content"] != "Agreed." || obj["attributedTo"] != bob.URI {
		t.Fatalf("pending %+v, sent %s", p, body)
	}
	if arts, err := b.store.CommunityArtefacts(ctx, gOnB.ID, storage.Page{Limit: 10}); err != nil || len(arts) != 0 {
		t.Fatalf("artefacts here before the Group answers: %v %v", arts, err)
	}
	var inv *InvalidError
	if _, err := b.ProposeArtefact(ctx, bob, gOnB.ID, NewArtefact{Title: " "}); !errors.As(err, &inv) {
		t.Errorf("blank title: %v; want invalid", err)
	}
	local := community(t, b, bob, NewCommunity{Handle: "ours", Name: "Ours"})
	if _, err := b.ProposeArtefact(ctx, bob, local.ID, NewArtefact{Title: "x"}); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("proposal to a community hosted here: %v; want not found", err)
	}
	if n := len(sentRaw(t, b, gOnB.Inbox)); n != 0 {
		t.Errorf("refused proposals sent %d activities", n)
	}

	// An edit carries its base version and only what it changes.
	copyOnB := storage.Artefact{CommunityID: gOnB.ID, URI: "https://council-a.example/artefacts/1", URL: "https://council-a.example/c/records/artefacts/1",
		Title: "Minutes", BodySource: "Agreed.", Version: 2, Licence: storage.LicenceReserved, EditPolicy: storage.EditAuthors}
	if err := b.store.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertArtefact(ctx, &copyOnB) }); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ProposeArtefactEdit(ctx, bob, copyOnB.ID, ArtefactEdit{BaseVersion: 2, Title: strPtr("Minutes of May"), Note: "month"}); err != nil {
		t.Fatal(err)
	}
	body = proposed(t, b, gOnB)
	obj = object(body)
	if decode(t, []byte(body))["type"] != "Update" || obj["id"] != copyOnB.URI || obj["baseVersion"] != 2.0 || obj["name"] != "Minutes of May" ||
		obj["source"] != nil || obj["editPolicy"] != nil || obj["changeNote"] != "month" {
		t.Fatalf("edit sent %s", body)
	}
	if _, err := b.ProposeArtefactEdit(ctx, bob, copyOnB.ID, ArtefactEdit{BaseVersion: 2, Files: &[]storage.ID{}}); !errors.Is(err, ErrFilesElsewhere) {
		t.Errorf("file change: %v; want ErrFilesElsewhere", err)
	}
	if _, err := b.ProposeArtefactEdit(ctx, bob, copyOnB.ID, ArtefactEdit{Title: strPtr("x")}); !errors.As(err, &inv) {
		t.Errorf("edit without base_version: %v; want invalid", err)
	}

	// A term, then an edit of it.
	if _, err := b.ProposeTerm(ctx, bob, gOnB.ID, NewTerm{Term: "Triage", Definition: "Sorting by urgency.", Aliases: []string{"sorting"}}); err != nil {
		t.Fatal(err)
	}
	obj = object(proposed(t, b, gOnB))
	if obj["type"] != "DefinedTerm" || obj["id"] != nil || obj["name"] != "Triage" || len(obj["alternateName"].([]any)) != 1 {
		t.Fatalf("term sent %v", obj)
	}
	if _, err := b.ProposeTerm(ctx, bob, gOnB.ID, NewTerm{Term: "Empty"}); !errors.As(err, &inv) {
		t.Errorf("term without definition: %v; want invalid", err)
	}
}

// TestProposalCoAuthors: a member here proposing an artefact to a
// community on another node names its co-authors, people known here
// (on the Group's node or elsewhere); the proposal carries their actor
// ids, and the Group's node makes them authors beside her. A co-author
// the Group's node does not know is refused with a reason, and one not
// known here before anything is sent.
func TestProposalCoAuthors(t *testing.T) {
	ctx := context.Background()
	a := testEngine(t)
	mod, ann := member(t, a, "mod"), member(t, a, "ann")
	g := community(t, a, mod, NewCommunity{Handle: "records", Name: "Records"})
	b, gOnB := nodeB(t, g)
	bob := member(t, b, "bob")
	bobOnA := remotePerson(t, a, "bob", "council-b.example")
	joins(t, a, bobOnA, g)
	annOnB := remotePerson(t, b, "ann", "council-a.example")
	carolOnB := remotePerson(t, b, "carol", "council-c.example") // unknown to the Group's node

	if _, err := b.ProposeArtefact(ctx, bob, gOnB.ID, NewArtefact{Title: "Minutes", Body: "Agreed.",
		Authors: []storage.ID{annOnB.ID, bob.ID, annOnB.ID}}); err != nil {
		t.Fatal(err)
	}
	body := proposed(t, b, gOnB)
	if got := decode(t, []byte(body))["object"].(map[string]any)["authors"]; !reflect.DeepEqual(got, []any{ann.URI}) {
		t.Fatalf("proposal names authors %v; want ann's actor id alone: %s", got, body)
	}
	if err := applyRaw(t, a, body); err != nil {
		t.Fatal(err)
	}
	arts, err := a.store.CommunityArtefacts(ctx, g.ID, storage.Page{Limit: 10})
	if err != nil || len(arts) != 1 || !reflect.DeepEqual(arts[0].Authors, []storage.ID{bobOnA.ID, ann.ID}) {
		t.Fatalf("artefacts on the Group's node %+v, %v; want one by bob and ann", arts, err)
	}

	if _, err := b.ProposeArtefact(ctx, bob, gOnB.ID, NewArtefact{Title: "Agenda", Body: "Items.",
		Authors: []storage.ID{carolOnB.ID}}); err != nil {
		t.Fatal(err)
	}
	if err := applyRaw(t, a, proposed(t, b, gOnB)); err != nil {
		t.Fatal(err)
	}
	if rej := rejections(t, a, g, bobOnA.Inbox); len(rej) != 1 || !strings.Contains(rej[0], carolOnB.URI+" is not known to the community's server") {
		t.Errorf("rejects = %q; want one naming carol", rej)
	}
	var inv *InvalidError
	if _, err := b.ProposeArtefact(ctx, bob, gOnB.ID, NewArtefact{Title: "Notes", Authors: []storage.ID{99}}); !errors.As(err, &inv) {
		t.Errorf("an author not known here: %v; want invalid", err)
	}
	if n := len(sentRaw(t, b, gOnB.Inbox)); n != 0 {
		t.Errorf("a refused proposal sent %d activities", n)
	}
}

// TestTermProposalChecks: a member of another node adds and edits terms
// of a glossary hosted here through the checks a member here passes.
func TestTermProposalChecks(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	mod := member(t, e, "mod")
	g := community(t, e, mod, NewCommunity{Handle: "wards", Name: "Wards"})
	b, gOnB := nodeB(t, g)
	bob, nina := member(t, b, "bob"), member(t, b, "nina")
	bobOnA, ninaOnA := remotePerson(t, e, "bob", "council-b.example"), remotePerson(t, e, "nina", "council-b.example")
	joins(t, e, bobOnA, g)
	send := func(p Pending, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if err := applyRaw(t, e, proposed(t, b, gOnB)); err != nil {
			t.Fatal(err)
		}
	}

	send(b.ProposeTerm(ctx, nina, gOnB.ID, NewTerm{Term: "Triage", Definition: "By nina."}))
	if rej := rejections(t, e, g, ninaOnA.Inbox); len(rej) != 1 || !strings.Contains(rej[0], "only members") {
		t.Fatalf("a non-member's term: rejects %q", rej)
	}
	send(b.ProposeTerm(ctx, bob, gOnB.ID, NewTerm{Term: "Triage", Definition: "Sorting by urgency.", ReferenceURL: "https://www.nhs.uk/", ReferenceText: "NHS"}))
	term, err := e.store.TermByName(ctx, g.ID, "triage")
	if err != nil || term.CreatedBy != bobOnA.ID || term.ReferenceText != "NHS" || term.Version != 1 {
		t.Fatalf("bob's term: %+v %v; rejects %q", term, err, rejections(t, e, g, bobOnA.Inbox))
	}
	send(b.ProposeTerm(ctx, bob, gOnB.ID, NewTerm{Term: "TRIAGE", Definition: "Again."}))
	if rej := rejections(t, e, g, bobOnA.Inbox); len(rej) != 1 || !strings.Contains(rej[0], "already") {
		t.Fatalf("a second Triage: rejects %q", rej)
	}

	copyOnB := storage.Term{CommunityID: gOnB.ID, URI: term.URI, URL: term.URL, Term: term.Term, DefinitionSource: term.DefinitionSource, Version: 1}
	if err := b.store.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertTerm(ctx, &copyOnB) }); err != nil {
		t.Fatal(err)
	}
	send(b.ProposeTermEdit(ctx, bob, copyOnB.ID, TermEdit{BaseVersion: 1, Definition: strPtr("Sorting by urgency and need.")}))
	if term, _ = e.store.TermByID(ctx, term.ID); term.Version != 2 || term.DefinitionSource != "Sorting by urgency and need." || term.ReferenceText != "NHS" {
		t.Fatalf("after bob's edit: %+v; rejects %q", term, rejections(t, e, g, bobOnA.Inbox))
	}
	send(b.ProposeTermEdit(ctx, bob, copyOnB.ID, TermEdit{BaseVersion: 1, Term: strPtr("Sorting")}))
	if rej := rejections(t, e, g, bobOnA.Inbox); len(rej) != 1 || rej[0] != "stale edit: it started from version 1, and the term is at version 2" {
		t.Fatalf("a stale edit: rejects %q", rej)
	}
	if term, _ = e.store.TermByID(ctx, term.ID); term.Version != 2 || term.Term != "Triage" {
		t.Fatalf("a stale edit changed the term: %+v", term)
	}
}

// TestEventProposalChecks: a member of another node creates an event of
// a community hosted here, and changes it as its organiser, through the
// checks a member here passes; another member may not change it.
func TestEventProposalChecks(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	mod := member(t, e, "mod")
	g := community(t, e, mod, NewCommunity{Handle: "wards", Name: "Wards"})
	b, gOnB := nodeB(t, g)
	bob, nina, olga := member(t, b, "bob"), member(t, b, "nina"), member(t, b, "olga")
	bobOnA, ninaOnA := remotePerson(t, e, "bob", "council-b.example"), remotePerson(t, e, "nina", "council-b.example")
	olgaOnA := remotePerson(t, e, "olga", "council-b.example")
	joins(t, e, bobOnA, g)
	joins(t, e, olgaOnA, g)
	send := func(p Pending, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if err := applyRaw(t, e, proposed(t, b, gOnB)); err != nil {
			t.Fatal(err)
		}
	}
	start := e.now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	ne := NewEvent{Name: "Workshop", Description: "Bring a chart.", Start: start, End: start.Add(time.Hour), OnlineURL: "https://meet.example/w"}

	send(b.ProposeEvent(ctx, nina, gOnB.ID, ne))
	if rej := rejections(t, e, g, ninaOnA.Inbox); len(rej) != 1 || !strings.Contains(rej[0], "only members") {
		t.Fatalf("a non-member's event: rejects %q", rej)
	}
	send(b.ProposeEvent(ctx, bob, gOnB.ID, ne))
	evs, err := e.store.CommunityEvents(ctx, g.ID, e.now(), true, 10)
	if err != nil || len(evs) != 1 || evs[0].OrganiserID != bobOnA.ID || evs[0].OnlineURL != "https://meet.example/w" || !evs[0].Start.Equal(start) {
		t.Fatalf("bob's event: %+v %v; rejects %q", evs, err, rejections(t, e, g, bobOnA.Inbox))
	}
	ev := evs[0]
	copyOnB := storage.CommunityEvent{CommunityID: gOnB.ID, URI: ev.URI, URL: ev.URL, Name: ev.Name, Start: ev.Start, End: ev.End,
		TimeZone: "UTC", OnlineURL: ev.OnlineURL, DescriptionSource: ev.DescriptionSource}
	if err := b.store.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertCommunityEvent(ctx, &copyOnB) }); err != nil {
		t.Fatal(err)
	}
	send(b.ProposeEventEdit(ctx, olga, copyOnB.ID, EventEdit{Name: strPtr("Olga's workshop")}))
	if rej := rejections(t, e, g, olgaOnA.Inbox); len(rej) != 1 || !strings.Contains(rej[0], "may not edit") {
		t.Fatalf("another member's change: rejects %q", rej)
	}
	send(b.ProposeEventEdit(ctx, bob, copyOnB.ID, EventEdit{PlaceName: strPtr("Ward 7"), PlaceAddress: strPtr("Royal Devon"), OnlineURL: strPtr("")}))
	if ev, err = e.store.CommunityEventByID(ctx, ev.ID); err != nil || ev.Name != "Workshop" || ev.PlaceName != "Ward 7" || ev.OnlineURL != "" {
		t.Fatalf("after bob's change: %+v %v; rejects %q", ev, err, rejections(t, e, g, bobOnA.Inbox))
	}
	// Cancelling, from the organiser's node: refused to another member,
	// done for the organiser (the event stays, cancelled).
	cancel := func(who storage.Account) {
		t.Helper()
		s, err := b.SubmitEventEdit(ctx, who, copyOnB.ID, EventEdit{Cancel: true})
		if err != nil || s.Pending == nil {
			t.Fatalf("cancel from node B: %+v, %v; want it proposed", s, err)
		}
		send(*s.Pending, nil)
	}
	cancel(olga)
	if rej := rejections(t, e, g, olgaOnA.Inbox); len(rej) != 1 || !strings.Contains(rej[0], "may not edit") {
		t.Fatalf("another member's cancellation: rejects %q", rej)
	}
	if ev, _ = e.store.CommunityEventByID(ctx, ev.ID); ev.Cancelled() {
		t.Fatal("another member's proposal cancelled the event")
	}
	cancel(bob)
	if ev, err = e.store.CommunityEventByID(ctx, ev.ID); err != nil || !ev.Cancelled() || ev.Name != "Workshop" {
		t.Fatalf("after bob cancelled it: %+v %v; rejects %q", ev, err, rejections(t, e, g, bobOnA.Inbox))
	}
}

// TestProposalRefusedOnMembersNode: the Group's Reject of a proposal
// reaches the member's node, which takes it (nothing to undo) and logs
// the reason.
func TestProposalRefusedOnMembersNode(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	mod := member(t, e, "mod")
	g := community(t, e, mod, NewCommunity{Handle: "wards", Name: "Wards"})
	b, gOnB := nodeB(t, g)
	var logged bytes.Buffer
	b.log = slog.New(slog.NewTextHandler(&logged, nil))
	nina := member(t, b, "nina")
	ninaOnA := remotePerson(t, e, "nina", "council-b.example")
	p, err := b.ProposeArtefact(ctx, nina, gOnB.ID, NewArtefact{Title: "Minutes"})
	if err != nil {
		t.Fatal(err)
	}
	if err := applyRaw(t, e, proposed(t, b, gOnB)); err != nil {
		t.Fatal(err)
	}
	rejects := sentRaw(t, e, ninaOnA.Inbox)
	if len(rejects) != 1 {
		t.Fatalf("sent nina %d activities; want the Reject", len(rejects))
	}
	if err := applyRaw(t, b, string(rejects[0])); err != nil {
		t.Fatalf("apply the Reject on nina's node: %v", err)
	}
	if out := logged.String(); !strings.Contains(out, "refused a member's proposal") || !strings.Contains(out, p.ActivityID) ||
		!strings.Contains(out, "only members post") {
		t.Errorf("log on nina's node: %s", out)
	}

	rec, err := b.store.ProposalByID(ctx, p.ProposalID)
	if err != nil || rec.State != storage.ProposalRefused || !strings.Contains(rec.Reason, "only members post") ||
		rec.ActivityURI != p.ActivityID || rec.Kind != storage.ProposalArtefact || rec.Action != storage.ProposalCreate ||
		rec.Title != "Minutes" || rec.DecidedAt.IsZero() {
		t.Fatalf("nina's proposal after the Reject: %+v (%v)", rec, err)
	}
	notes := func() []storage.Notification {
		t.Helper()
		ns, err := b.store.NotificationPage(ctx, nina.ID, storage.NotificationFilter{Types: []string{storage.NotifyProposalRefused}}, storage.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return ns
	}
	if ns := notes(); len(ns) != 1 || ns[0].ProposalID != p.ProposalID || ns[0].FromAccountID != gOnB.ID {
		t.Fatalf("nina's notifications: %+v; want one proposal_refused from the Group naming her proposal", ns)
	}
	// The same Reject again, or an Accept after it, changes nothing: the
	// first answer stands.
	if err := applyRaw(t, b, string(rejects[0])); err != nil {
		t.Fatal(err)
	}
	late := fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":"%s#late","type":"Accept","actor":"%s","object":"%s","result":"%s/artefacts/9"}`,
		g.URI, g.URI, p.ActivityID, e.urls.Base)
	if err := applyRaw(t, b, late); err != nil {
		t.Fatal(err)
	}
	if ns := notes(); len(ns) != 1 {
		t.Errorf("%d notifications after the Reject came again; want 1", len(ns))
	}
	if rec, _ := b.store.ProposalByID(ctx, p.ProposalID); rec.State != storage.ProposalRefused || rec.ObjectURI != "" {
		t.Errorf("proposal after a late Accept: %+v", rec)
	}
}

// TestProposalAcceptedOnMembersNode: the Group's node answers an applied
// proposal with Accept{activity} naming what it made as the result, and
// the member's node records the proposal accepted with that item. An
// answer from any actor but the Group proposed to is refused, and one
// whose result is on another host keeps no item.
func TestProposalAcceptedOnMembersNode(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	mod := member(t, e, "mod")
	g := community(t, e, mod, NewCommunity{Handle: "wards", Name: "Wards"})
	b, gOnB := nodeB(t, g)
	nina := member(t, b, "nina")
	ninaOnA := remotePerson(t, e, "nina", "council-b.example")
	joins(t, e, ninaOnA, g)
	p, err := b.ProposeTerm(ctx, nina, gOnB.ID, NewTerm{Term: "Triage", Definition: "Sorting by urgency."})
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := b.store.ProposalByID(ctx, p.ProposalID); err != nil || rec.State != storage.ProposalPending || rec.Kind != storage.ProposalTerm {
		t.Fatalf("proposal as sent: %+v (%v)", rec, err)
	}
	if err := applyRaw(t, e, proposed(t, b, gOnB)); err != nil {
		t.Fatal(err)
	}
	terms, err := e.store.CommunityTerms(ctx, g.ID)
	if err != nil || len(terms) != 1 {
		t.Fatalf("terms on the Group's node: %v (%v)", terms, err)
	}
	var accepts []string
	for _, raw := range sentRaw(t, e, ninaOnA.Inbox) {
		if act, err := activitypub.ParseActivity(raw); err == nil && act.Type == activitypub.TypeAccept {
			if act.Object.IRI != p.ActivityID || act.Result != terms[0].Term.URI || act.Actor != g.URI {
				t.Fatalf("Accept sent: %s", raw)
			}
			accepts = append(accepts, string(raw))
		}
	}
	if len(accepts) != 1 {
		t.Fatalf("sent nina %d Accepts; want 1", len(accepts))
	}

	// Another actor's Accept of nina's proposal is refused.
	other := remotePerson(t, b, "mallory", "council-a.example")
	forged := fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":"%s#a","type":"Accept","actor":"%s","object":"%s","result":"%s"}`,
		other.URI, other.URI, p.ActivityID, terms[0].Term.URI)
	if err := applyRaw(t, b, forged); !errors.Is(err, ErrDenied) {
		t.Errorf("another actor's Accept: %v; want denied", err)
	}
	if err := applyRaw(t, b, accepts[0]); err != nil {
		t.Fatal(err)
	}
	rec, err := b.store.ProposalByID(ctx, p.ProposalID)
	if err != nil || rec.State != storage.ProposalAccepted || rec.ObjectURI != terms[0].Term.URI || rec.Reason != "" {
		t.Fatalf("proposal after the Accept: %+v (%v)", rec, err)
	}
	if ns, _ := b.store.NotificationPage(ctx, nina.ID, storage.NotificationFilter{}, storage.Page{Limit: 10}); len(ns) != 0 {
		t.Errorf("an accepted proposal notified nina: %+v", ns)
	}

	// A result on another host is not kept.
	p2, err := b.ProposeTerm(ctx, nina, gOnB.ID, NewTerm{Term: "Escalation", Definition: "Passing it up."})
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":"%s#a2","type":"Accept","actor":"%s","object":"%s","result":"https://evil.example/x"}`,
		g.URI, g.URI, p2.ActivityID)
	if err := applyRaw(t, b, elsewhere); err != nil {
		t.Fatal(err)
	}
	if rec, _ := b.store.ProposalByID(ctx, p2.ProposalID); rec.State != storage.ProposalAccepted || rec.ObjectURI != "" {
		t.Errorf("proposal accepted with a result elsewhere: %+v", rec)
	}
}

// TestRestoreProposedElsewhere: restoring a version of an artefact or a
// term of a community on another node proposes an edit carrying what that
// version held, from the copy here, with the base version the member saw;
// a version whose files are not the current ones is refused here (files
// change on the community's own node), as is a version that does not
// exist.
func TestRestoreProposedElsewhere(t *testing.T) {
	ctx := context.Background()
	a := testEngine(t)
	mod := member(t, a, "mod")
	g := community(t, a, mod, NewCommunity{Handle: "records", Name: "Records"})
	b, gOnB := nodeB(t, g)
	bob := member(t, b, "bob")
	joins(t, b, bob, gOnB)

	art := storage.Artefact{CommunityID: gOnB.ID, URI: "https://council-a.example/artefacts/1", URL: "https://council-a.example/c/records/artefacts/1",
		Title: "Minutes of May", BodySource: "Agreed in May.", Version: 3, Licence: storage.LicenceReserved, EditPolicy: storage.EditMembers}
	file := storage.VersionFile{Name: "minutes.pdf", MediaType: "application/pdf", Size: 10, SHA256: strings.Repeat("a", 64), URL: "https://council-a.example/files/1"}
	versions := []storage.ArtefactVersion{
		{Number: 1, Title: "Minutes", Summary: "First", BodySource: "Agreed.", BodyHTML: "<p>Agreed.</p>", Files: []storage.VersionFile{file}},
		{Number: 2, Title: "Minutes", BodySource: "Agreed.", BodyHTML: "<p>Agreed.</p>"},
		{Number: 3, Title: "Minutes of May", BodySource: "Agreed in May.", BodyHTML: "<p>Agreed in May.</p>"},
	}
	term := storage.Term{CommunityID: gOnB.ID, URI: "https://council-a.example/terms/1", Term: "Triage", DefinitionSource: "Sorting.", Version: 2}
	err := b.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertArtefact(ctx, &art); err != nil {
			return err
		}
		for _, v := range versions {
			v.ArtefactID = art.ID
			if err := tx.AddArtefactVersion(ctx, &v); err != nil {
				return err
			}
		}
		if err := tx.InsertTerm(ctx, &term); err != nil {
			return err
		}
		for _, v := range []storage.TermVersion{
			{Number: 1, Term: "Triage", DefinitionSource: "Sorting by urgency.", Aliases: []string{"sorting"}},
			{Number: 2, Term: "Triage", DefinitionSource: "Sorting."},
		} {
			v.TermID = term.ID
			if err := tx.AddTermVersion(ctx, &v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	s, err := b.SubmitArtefactRestore(ctx, bob, art.ID, 3, 2, "")
	if err != nil || s.Pending == nil {
		t.Fatalf("restore version 2: %+v, %v; want pending", s, err)
	}
	obj := decode(t, []byte(proposed(t, b, gOnB)))["object"].(map[string]any)
	if obj["id"] != art.URI || obj["baseVersion"] != 3.0 || obj["name"] != "Minutes" || obj["source"].(map[string]any)["content"] != "Agreed." ||
		obj["changeNote"] != "Restored version 2" {
		t.Fatalf("restore sent %v", obj)
	}
	if rec, err := b.store.ProposalByID(ctx, s.Pending.ProposalID); err != nil || rec.Action != storage.ProposalRestore || rec.ObjectURI != art.URI {
		t.Errorf("restore recorded as %+v (%v)", rec, err)
	}
	var inv *InvalidError
	if _, err := b.SubmitArtefactRestore(ctx, bob, art.ID, 3, 1, ""); !errors.As(err, &inv) || !strings.Contains(inv.Msg, "files") {
		t.Errorf("restore of a version with other files: %v; want invalid, about files", err)
	}
	if _, err := b.SubmitArtefactRestore(ctx, bob, art.ID, 3, 7, ""); !errors.As(err, &inv) {
		t.Errorf("restore of no version: %v; want invalid", err)
	}
	if n := len(sentRaw(t, b, gOnB.Inbox)); n != 0 {
		t.Errorf("refused restores sent the Group %d activities", n)
	}

	ts, err := b.SubmitTermRestore(ctx, bob, term.ID, 2, 1, "back")
	if err != nil || ts.Pending == nil {
		t.Fatalf("restore term version 1: %+v, %v; want pending", ts, err)
	}
	obj = decode(t, []byte(proposed(t, b, gOnB)))["object"].(map[string]any)
	if obj["id"] != term.URI || obj["baseVersion"] != 2.0 || obj["changeNote"] != "back" || len(obj["alternateName"].([]any)) != 1 ||
		!strings.Contains(fmt.Sprint(obj["source"]), "Sorting by urgency.") {
		t.Fatalf("term restore sent %v", obj)
	}
}

// TestSubmitRoutes: a member's new artefact, term or event, or change of
// one, is made here when its community is hosted here and proposed to the
// Group when it is hosted on another node (nothing written here but the
// activity); a proposed change of an item the member may not read is not
// found and sends nothing; an event elsewhere is not cancelled from here,
// nor are files added from here.
func TestSubmitRoutes(t *testing.T) {
	ctx := context.Background()
	a := testEngine(t)
	mod := member(t, a, "mod")
	g := community(t, a, mod, NewCommunity{Handle: "records", Name: "Records"})
	secret := community(t, a, mod, NewCommunity{Handle: "secret", Name: "Secret", Visibility: storage.CommunityMembersOnly})
	b, gOnB := nodeB(t, g)
	bob := member(t, b, "bob")
	ours := community(t, b, bob, NewCommunity{Handle: "ours", Name: "Ours"})
	secretOnB := storage.Account{URI: secret.URI, Username: secret.Username, Domain: "council-a.example", ActorType: activitypub.TypeGroup,
		Inbox: secret.Inbox, FetchedAt: b.now()}
	start := b.now().Add(48 * time.Hour).Truncate(time.Second)
	artOnB := storage.Artefact{CommunityID: gOnB.ID, URI: "https://council-a.example/artefacts/1", Title: "Minutes", BodySource: "Agreed.",
		Version: 1, Licence: storage.LicenceReserved, EditPolicy: storage.EditMembers}
	termOnB := storage.Term{CommunityID: gOnB.ID, URI: "https://council-a.example/terms/1", Term: "Triage", DefinitionSource: "Sorting.", Version: 1}
	evOnB := storage.CommunityEvent{CommunityID: gOnB.ID, URI: "https://council-a.example/events/1", Name: "Workshop", Start: start,
		End: start.Add(time.Hour), TimeZone: "UTC"}
	var hiddenOnB storage.Artefact
	err := b.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertAccount(ctx, &secretOnB); err != nil {
			return err
		}
		if err := tx.SetRemoteCommunity(ctx, storage.RemoteCommunity{AccountID: secretOnB.ID, MembersOnly: true}); err != nil {
			return err
		}
		hiddenOnB = artOnB
		hiddenOnB.CommunityID, hiddenOnB.URI = secretOnB.ID, "https://council-a.example/artefacts/2"
		for _, art := range []*storage.Artefact{&artOnB, &hiddenOnB} {
			if err := tx.InsertArtefact(ctx, art); err != nil {
				return err
			}
		}
		if err := tx.InsertTerm(ctx, &termOnB); err != nil {
			return err
		}
		return tx.InsertCommunityEvent(ctx, &evOnB)
	})
	if err != nil {
		t.Fatal(err)
	}
	local, err := b.CreateArtefact(ctx, bob, ours.ID, NewArtefact{Title: "Rota", Body: "Mondays."})
	if err != nil {
		t.Fatal(err)
	}

	routed := func(t *testing.T, s submission, err error, wantPending bool) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		sent := len(sentRaw(t, b, gOnB.Inbox))
		switch {
		case wantPending && (s.pending == nil || !strings.HasPrefix(s.pending.ActivityID, bob.URI+"/activities/") || !s.zero || sent != 1):
			t.Errorf("pending %+v, item zero %v, %d sent to the Group; want a proposal sent once and no item", s.pending, s.zero, sent)
		case !wantPending && (s.pending != nil || s.zero || sent != 0):
			t.Errorf("pending %+v, item zero %v, %d sent to the Group; want the item made here", s.pending, s.zero, sent)
		}
	}
	tests := []struct {
		name        string
		submit      func() (submission, error)
		wantPending bool
	}{
		{"artefact here", func() (submission, error) {
			return submissionOf(b.SubmitArtefact(ctx, bob, ours.ID, NewArtefact{Title: "Handover"}))
		}, false},
		{"artefact elsewhere", func() (submission, error) {
			return submissionOf(b.SubmitArtefact(ctx, bob, gOnB.ID, NewArtefact{Title: "Handover"}))
		}, true},
		{"artefact edit here", func() (submission, error) {
			return submissionOf(b.SubmitArtefactEdit(ctx, bob, local.ID, ArtefactEdit{BaseVersion: 1, Title: strPtr("Rota 2")}))
		}, false},
		{"artefact edit elsewhere", func() (submission, error) {
			return submissionOf(b.SubmitArtefactEdit(ctx, bob, artOnB.ID, ArtefactEdit{BaseVersion: 1, Title: strPtr("Minutes 2")}))
		}, true},
		{"term here", func() (submission, error) {
			return submissionOf(b.SubmitTerm(ctx, bob, ours.ID, NewTerm{Term: "Rota", Definition: "Who works when."}))
		}, false},
		{"term elsewhere", func() (submission, error) {
			return submissionOf(b.SubmitTerm(ctx, bob, gOnB.ID, NewTerm{Term: "Rota", Definition: "Who works when."}))
		}, true},
		{"term edit elsewhere", func() (submission, error) {
			return submissionOf(b.SubmitTermEdit(ctx, bob, termOnB.ID, TermEdit{BaseVersion: 1, Definition: strPtr("Sorting by need.")}))
		}, true},
		{"event here", func() (submission, error) {
			return submissionOf(b.SubmitEvent(ctx, bob, ours.ID, NewEvent{Name: "Meet", Start: start, End: start.Add(time.Hour)}))
		}, false},
		{"event elsewhere", func() (submission, error) {
			return submissionOf(b.SubmitEvent(ctx, bob, gOnB.ID, NewEvent{Name: "Meet", Start: start, End: start.Add(time.Hour)}))
		}, true},
		{"event edit elsewhere", func() (submission, error) {
			return submissionOf(b.SubmitEventEdit(ctx, bob, evOnB.ID, EventEdit{Capacity: intPtr(20)}))
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.submit()
			routed(t, s, err, tt.wantPending)
		})
	}

	refusals := []struct {
		name string
		do   func() error
		want func(error) bool
	}{
		{"edit of an artefact bob may not read", func() error {
			_, err := b.SubmitArtefactEdit(ctx, bob, hiddenOnB.ID, ArtefactEdit{BaseVersion: 1, Title: strPtr("x")})
			return err
		}, func(err error) bool { return errors.Is(err, storage.ErrNotFound) }},
		{"file change of an artefact elsewhere", func() error {
			_, err := b.SubmitArtefactEdit(ctx, bob, artOnB.ID, ArtefactEdit{BaseVersion: 1, Files: &[]storage.ID{}})
			return err
		}, func(err error) bool { return errors.Is(err, ErrFilesElsewhere) }},
		{"upload to an artefact elsewhere", func() error {
			_, _, err := b.AddArtefactFile(ctx, bob, artOnB.ID, 1, "a.csv", strings.NewReader("a,b\n"), "")
			return err
		}, func(err error) bool { return errors.Is(err, ErrFilesElsewhere) }},
		{"cancel of an event elsewhere", func() error {
			_, err := b.CancelEvent(ctx, bob, evOnB.ID)
			return err
		}, func(err error) bool {
			var inv *InvalidError
			return errors.As(err, &inv) && strings.Contains(inv.Msg, "own node")
		}},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); !tt.want(err) {
				t.Errorf("got %v", err)
			}
			if n := len(sentRaw(t, b, gOnB.Inbox)) + len(sentRaw(t, b, secretOnB.Inbox)); n != 0 {
				t.Errorf("a refusal sent %d activities", n)
			}
		})
	}
	if err := b.CheckFileUpload(ctx, local.ID); err != nil {
		t.Errorf("upload to an artefact here: %v", err)
	}
}

// submission is what TestSubmitRoutes checks of a Submitted of any kind.
type submission struct {
	pending *Pending
	zero    bool // the item is the zero value
}

func submissionOf[T any](s Submitted[T], err error) (submission, error) {
	return submission{pending: s.Pending, zero: reflect.ValueOf(s.Item).IsZero()}, err
}

func intPtr(n int) *int { return &n }
