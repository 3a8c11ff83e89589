package federation

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// repertoireKind creates, deletes and finds one kind of repertoire item
// in tests.
type repertoireKind struct {
	name   string
	action string // the moderation log's
	create func(t *testing.T, e *Engine, author storage.Account, g storage.ID, n int) (storage.ID, string)
	del    func(e *Engine, who storage.Account, id storage.ID, reason string) error
	gone   func(e *Engine, uri string) bool
}

func repertoireKinds(start time.Time) []repertoireKind {
	ctx := context.Background()
	return []repertoireKind{
		{"artefact", storage.ModRemoveArtefact,
			func(t *testing.T, e *Engine, author storage.Account, g storage.ID, n int) (storage.ID, string) {
				a, err := e.CreateArtefact(ctx, author, g, NewArtefact{Title: fmt.Sprintf("Retention schedule %d", n)})
				if err != nil {
					t.Fatal(err)
				}
				return a.ID, a.URI
			},
			func(e *Engine, who storage.Account, id storage.ID, reason string) error {
				return e.DeleteArtefact(ctx, who, id, reason)
			},
			func(e *Engine, uri string) bool {
				_, err := e.store.ArtefactByURI(ctx, uri)
				return errors.Is(err, storage.ErrNotFound)
			}},
		{"term", storage.ModRemoveTerm,
			func(t *testing.T, e *Engine, author storage.Account, g storage.ID, n int) (storage.ID, string) {
				tm, err := e.CreateTerm(ctx, author, g, NewTerm{Term: fmt.Sprintf("Triage %d", n), Definition: "Sorting by urgency."})
				if err != nil {
					t.Fatal(err)
				}
				return tm.ID, tm.URI
			},
			func(e *Engine, who storage.Account, id storage.ID, reason string) error {
				return e.DeleteTerm(ctx, who, id, reason)
			},
			func(e *Engine, uri string) bool {
				tm, err := e.store.TermByURI(ctx, uri)
				if err == nil {
					return false
				}
				vs, _ := e.store.TermVersions(ctx, tm.ID, 0, 10)
				return errors.Is(err, storage.ErrNotFound) && len(vs) == 0
			}},
		{"event", storage.ModRemoveEvent,
			func(t *testing.T, e *Engine, author storage.Account, g storage.ID, n int) (storage.ID, string) {
				ev, err := e.CreateEvent(ctx, author, g, newEvent(start.Add(time.Duration(n)*time.Hour), 0))
				if err != nil {
					t.Fatal(err)
				}
				return ev.ID, ev.URI
			},
			func(e *Engine, who storage.Account, id storage.ID, reason string) error {
				return e.DeleteEvent(ctx, who, id, reason)
			},
			func(e *Engine, uri string) bool {
				_, err := e.store.CommunityEventByURI(ctx, uri)
				return errors.Is(err, storage.ErrNotFound)
			}},
	}
}

// logged counts the community's log entries with action and target.
func logged(t *testing.T, e *Engine, g storage.Account, action, target string) []storage.ModerationEntry {
	t.Helper()
	list, err := e.store.ModerationLog(context.Background(), g.ID, storage.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []storage.ModerationEntry
	for _, l := range list {
		if l.Action == action && l.Target == target {
			out = append(out, l)
		}
	}
	return out
}

// TestDeleteRepertoirePermissions: an artefact, a glossary term and an
// event are deleted by their author or a moderator of the community, not
// by another member nor by someone outside it. A delete is announced by
// the Group to its followers as Delete{Tombstone}; a moderator's delete
// of someone else's item is logged with its reason, the author's own is
// not.
func TestDeleteRepertoirePermissions(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	mod, author, other, outsider := member(t, e, "mod"), member(t, e, "author"), member(t, e, "other"), member(t, e, "outsider")
	g := community(t, e, mod, NewCommunity{Handle: "records", Name: "Records"})
	joins(t, e, author, g)
	joins(t, e, other, g)
	peer := remotePerson(t, e, "peer", "council-b.example")
	follows(t, e, peer, g)
	sentRaw(t, e, peer.SharedInbox)

	tests := []struct {
		name   string
		who    storage.Account
		ok     bool
		logged bool
	}{
		{"another member", other, false, false},
		{"a non-member", outsider, false, false},
		{"the author", author, true, false},
		{"a moderator", mod, true, true},
	}
	n := 0
	for _, k := range repertoireKinds(clock.now().Add(48 * time.Hour)) {
		for _, tt := range tests {
			n++
			t.Run(k.name+" by "+tt.name, func(t *testing.T) {
				id, uri := k.create(t, e, author, g.ID, n)
				sentRaw(t, e, peer.SharedInbox)
				err := k.del(e, tt.who, id, "Duplicate of another")
				if (err == nil) != tt.ok || (!tt.ok && !errors.Is(err, ErrDenied)) {
					t.Fatalf("err = %v; want ok %v", err, tt.ok)
				}
				if k.gone(e, uri) != tt.ok {
					t.Fatalf("gone = %v; want %v", !tt.ok, tt.ok)
				}
				var dels []map[string]any
				for _, a := range announced(t, g, sentRaw(t, e, peer.SharedInbox)) {
					if obj, ok := a["object"].(map[string]any); ok && a["type"] == "Delete" && obj["id"] == uri {
						dels = append(dels, a)
					}
				}
				if want := map[bool]int{true: 1, false: 0}[tt.ok]; len(dels) != want {
					t.Fatalf("followers got %d Deletes of %s; want %d", len(dels), uri, want)
				}
				if tt.ok && dels[0]["actor"] != tt.who.URI {
					t.Errorf("Delete by %v; want %s", dels[0]["actor"], tt.who.URI)
				}
				l := logged(t, e, g, k.action, uri)
				if (len(l) == 1) != tt.logged || (tt.logged && (l[0].Reason != "Duplicate of another" || l[0].ModeratorID != mod.ID)) {
					t.Fatalf("log = %+v; want logged %v", l, tt.logged)
				}
			})
		}
	}
	if err := e.DeleteTerm(ctx, mod, 12345, ""); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("delete of an unknown term: %v", err)
	}
	if err := e.DeleteEvent(ctx, mod, 12345, ""); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("delete of an unknown event: %v", err)
	}
}

// TestDeletedEventRemindsNobody: the attendees of a deleted event are not
// reminded of it.
func TestDeletedEventRemindsNobody(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	mod, amy := member(t, e, "mod"), member(t, e, "amy")
	g := community(t, e, mod, NewCommunity{Handle: "records", Name: "Records"})
	joins(t, e, amy, g)
	ev, err := e.CreateEvent(ctx, mod, g.ID, newEvent(clock.now().Add(30*time.Hour), 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Attend(ctx, amy, ev.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.DeleteEvent(ctx, mod, ev.ID, ""); err != nil {
		t.Fatal(err)
	}
	clock.advance(7 * time.Hour)
	if n, err := e.SendEventReminders(ctx); err != nil || n != 0 {
		t.Fatalf("reminders sent: %d, %v; want none", n, err)
	}
}

// TestRemoteModeratorDeletesRepertoire: a moderator on another node
// sends Delete{Tombstone} of an artefact, a term and an event to the
// Group hosted here; each is deleted, logged with the reason and
// announced as received. A remote follower who moderates nothing is sent
// Reject and nothing goes. And the other way: a member here who
// moderates a community on another node sends their delete of its item
// to its Group, and keeps the copy until the Group announces it.
func TestRemoteModeratorDeletesRepertoire(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	alice, author := member(t, e, "alice"), member(t, e, "author")
	g := community(t, e, alice, NewCommunity{Handle: "libraries", Name: "Libraries"})
	joins(t, e, author, g)
	carol := remotePerson(t, e, "carol", "council-b.example") // a remote moderator
	erin := remotePerson(t, e, "erin", "council-c.example")   // a follower who moderates nothing
	follows(t, e, carol, g)
	follows(t, e, erin, g)
	if err := e.SetCommunityModerator(ctx, alice, g.ID, carol.ID, true); err != nil {
		t.Fatal(err)
	}
	del := func(actor storage.Account, n int, uri, former string) string {
		return fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":"%s/delete/%d","type":"Delete","actor":"%s",`+
			`"object":{"id":"%s","type":"Tombstone","formerType":"%s"},"summary":"Out of date",`+
			`"to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["%s"],"audience":"%s"}`,
			actor.URI, n, actor.URI, uri, former, g.URI, g.URI)
	}
	former := map[string]string{"artefact": "Article", "term": "DefinedTerm", "event": "Event"}
	for i, k := range repertoireKinds(clock.now().Add(48 * time.Hour)) {
		t.Run(k.name, func(t *testing.T) {
			_, uri := k.create(t, e, author, g.ID, i)
			sentRaw(t, e, erin.SharedInbox)
			sentRaw(t, e, erin.Inbox)
			if err := applyRaw(t, e, del(erin, 10+i, uri, former[k.name])); err != nil {
				t.Fatal(err)
			}
			if k.gone(e, uri) {
				t.Fatal("a non-moderator's Delete took effect")
			}
			if n := len(ofType(sent(t, e, erin.Inbox), activitypub.TypeReject)); n != 1 {
				t.Errorf("%d Rejects to erin; want 1", n)
			}
			if anns := announced(t, g, sentRaw(t, e, erin.SharedInbox)); len(anns) != 0 {
				t.Errorf("a refused Delete was announced: %v", anns)
			}
			if err := applyRaw(t, e, del(carol, 20+i, uri, former[k.name])); err != nil {
				t.Fatal(err)
			}
			if !k.gone(e, uri) {
				t.Fatal("the remote moderator's Delete did not take effect")
			}
			anns := announced(t, g, sentRaw(t, e, erin.SharedInbox))
			if len(anns) != 1 || anns[0]["id"] != fmt.Sprintf("%s/delete/%d", carol.URI, 20+i) {
				t.Errorf("followers got %v; want carol's Delete as received", anns)
			}
			if l := logged(t, e, g, k.action, uri); len(l) != 1 || l[0].ModeratorURI != carol.URI || l[0].Reason != "Out of date" {
				t.Errorf("log = %+v; want %s by carol, reason Out of date", l, k.action)
			}
		})
	}

	// A term a member of another node made in the community hosted here
	// (stored as a remote member's creation would be).
	remoteTerm := func(n int, by storage.Account) storage.Term {
		t.Helper()
		tm := storage.Term{ID: e.store.NewID(e.now()), CommunityID: g.ID, Local: true, CreatedBy: by.ID, Version: 1,
			Term: fmt.Sprintf("Outreach %d", n)}
		tm.URI = e.urls.Term(tm.ID)
		err := e.store.InTx(ctx, func(tx *storage.Tx) error {
			if err := tx.InsertTerm(ctx, &tm); err != nil {
				return err
			}
			return tx.AddTermVersion(ctx, &storage.TermVersion{TermID: tm.ID, Number: 1, Term: tm.Term, EditorURI: by.URI})
		})
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	t.Run("a moderator here deletes a remote member's term", func(t *testing.T) {
		fay := remotePerson(t, e, "fay", "council-d.example") // made it, follows no longer
		tm := remoteTerm(1, fay)
		sentRaw(t, e, fay.SharedInbox)
		if err := e.DeleteTerm(ctx, alice, tm.ID, "Off topic"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.TermByID(ctx, tm.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
		if anns := announced(t, g, sentRaw(t, e, fay.SharedInbox)); len(anns) != 1 || anns[0]["type"] != "Delete" {
			t.Errorf("the author got %v; want the Group's Announce{Delete}", anns)
		}
		if l := logged(t, e, g, storage.ModRemoveTerm, tm.URI); len(l) != 1 || l[0].Reason != "Off topic" {
			t.Errorf("log = %+v", l)
		}
	})
	t.Run("a remote member deletes their own term", func(t *testing.T) {
		tm := remoteTerm(2, erin)
		if err := applyRaw(t, e, del(erin, 30, tm.URI, "DefinedTerm")); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.TermByID(ctx, tm.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("after the author's delete: %v", err)
		}
		if l := logged(t, e, g, storage.ModRemoveTerm, tm.URI); len(l) != 0 {
			t.Errorf("the author's own delete was logged: %+v", l)
		}
	})

	t.Run("a moderator here of a remote community", func(t *testing.T) {
		rg := remoteGroup(t, e, "https://council-b.example/c/planning", "https://council-b.example/c/planning/followers")
		dave := member(t, e, "dave")
		joins(t, e, dave, rg)
		term := storage.Term{CommunityID: rg.ID, URI: "https://council-b.example/glossary/7", Term: "Setback",
			Version: 1, CreatedBy: carol.ID}
		err := e.store.InTx(ctx, func(tx *storage.Tx) error {
			if err := tx.InsertTerm(ctx, &term); err != nil {
				return err
			}
			return tx.AddTermVersion(ctx, &storage.TermVersion{TermID: term.ID, Number: 1, Term: "Setback", EditorURI: carol.URI})
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.DeleteTerm(ctx, dave, term.ID, "spam"); !errors.Is(err, ErrDenied) {
			t.Fatalf("delete by a member who moderates nothing there: %v; want denied", err)
		}
		if err := e.store.InTx(ctx, func(tx *storage.Tx) error {
			return tx.SetRemoteModerators(ctx, rg.ID, []string{dave.URI})
		}); err != nil {
			t.Fatal(err)
		}
		if err := e.DeleteTerm(ctx, dave, term.ID, "spam"); err != nil {
			t.Fatal(err)
		}
		dels := ofType(sent(t, e, rg.Inbox), activitypub.TypeDelete)
		if len(dels) != 1 || dels[0].Object.IRI != term.URI || dels[0].Actor != dave.URI {
			t.Fatalf("the Group got %+v; want dave's Delete of the term", dels)
		}
		if _, err := e.store.TermByURI(ctx, term.URI); err != nil {
			t.Fatalf("the copy went before the Group said so: %v", err)
		}
	})
}

// TestGroupRepertoireDeleteTaken: a remote Group's announced Delete of a
// term or an event removes this node's copy; a moderator's delete of
// someone else's item is logged here with its reason, the author's own is
// not; a Group cannot delete another community's item.
func TestGroupRepertoireDeleteTaken(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	g := remoteGroup(t, e, "https://council-b.example/users/wards", "https://council-b.example/users/wards/followers")
	other := remoteGroup(t, e, "https://council-b.example/users/other", "https://council-b.example/users/other/followers")
	joins(t, e, alice, g)
	bea := remotePerson(t, e, "bea", "council-b.example")
	start := clock.now().Add(48 * time.Hour)
	insert := func(community storage.Account, n int) (string, string) {
		t.Helper()
		term := storage.Term{CommunityID: community.ID, URI: fmt.Sprintf("https://council-b.example/glossary/%d", n),
			Term: fmt.Sprintf("Triage %d", n), Version: 1, CreatedBy: bea.ID}
		ev := storage.CommunityEvent{CommunityID: community.ID, URI: fmt.Sprintf("https://council-b.example/events/%d", n),
			Name: "Ward round", Start: start, End: start.Add(time.Hour), TimeZone: "UTC", OrganiserID: bea.ID}
		err := e.store.InTx(ctx, func(tx *storage.Tx) error {
			if err := tx.InsertTerm(ctx, &term); err != nil {
				return err
			}
			if err := tx.AddTermVersion(ctx, &storage.TermVersion{TermID: term.ID, Number: 1, Term: term.Term}); err != nil {
				return err
			}
			return tx.InsertCommunityEvent(ctx, &ev)
		})
		if err != nil {
			t.Fatal(err)
		}
		return term.URI, ev.URI
	}
	announce := func(n int, actor, object, former, summary string) string {
		return fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":"https://council-b.example/activities/%d",`+
			`"type":"Announce","actor":"%s","to":["https://www.w3.org/ns/activitystreams#Public"],`+
			`"object":{"id":"https://council-b.example/delete/%d","type":"Delete","actor":"%s",`+
			`"object":{"id":"%s","type":"Tombstone","formerType":"%s"},"summary":"%s"}}`, n, g.URI, n, actor, object, former, summary)
	}
	gone := func(uri string) bool {
		_, errT := e.store.TermByURI(ctx, uri)
		_, errE := e.store.CommunityEventByURI(ctx, uri)
		return errors.Is(errT, storage.ErrNotFound) && errors.Is(errE, storage.ErrNotFound)
	}
	termURI, eventURI := insert(g, 1)
	otherTerm, _ := insert(other, 2)
	mod := "https://council-b.example/users/mo" // on the Group's node: it vouches

	tests := []struct {
		name, body, uri string
		ok              bool
		action, reason  string
	}{
		{"the author's own delete of a term", announce(1, bea.URI, termURI, "DefinedTerm", ""), termURI, true, "", ""},
		{"a moderator's delete of an event", announce(2, mod, eventURI, "Event", "Duplicate"), eventURI, true,
			storage.ModRemoveEvent, "Duplicate"},
		{"another community's term", announce(3, mod, otherTerm, "DefinedTerm", "x"), otherTerm, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := receive(t, e, tt.body)
			if gone(tt.uri) != tt.ok {
				t.Fatalf("gone = %v (%v); want %v", !tt.ok, err, tt.ok)
			}
			if !tt.ok && !errors.Is(err, ErrDenied) {
				t.Errorf("err = %v; want denied", err)
			}
			for _, action := range []string{storage.ModRemoveTerm, storage.ModRemoveEvent} {
				l := logged(t, e, g, action, tt.uri)
				if want := action == tt.action; (len(l) == 1) != want || (want && (l[0].Reason != tt.reason || l[0].ModeratorURI != mod)) {
					t.Errorf("%s log = %+v; want %v", action, l, want)
				}
			}
		})
	}
}
