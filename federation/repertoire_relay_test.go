package federation

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/copse-dev/copse/storage"
)

// TestRepertoireRelayByNodeSoftware: a community's artefacts, events and
// glossary terms reach each follower node in the shapes its software
// reads. New, edited and deleted items go as received (Announce{Create},
// {Update}, {Delete}) to group-aware and unknown nodes only; a new
// artefact or event is also boosted, to Mastodon-like and unknown nodes
// only, and when it is deleted those nodes get Undo{Announce} embedding
// that boost as it was sent. A term is never boosted, so never undone.
func TestRepertoireRelayByNodeSoftware(t *testing.T) {
	e, clock := eventEngine(t)
	ctx := context.Background()
	alice, bob := member(t, e, "alice"), member(t, e, "bob")
	g := community(t, e, alice, NewCommunity{Handle: "records", Name: "Records"})
	joins(t, e, bob, g)
	drain := followersBySoftware(t, e, g)

	// boosts is each boost sent, by the IRI it boosts, without the
	// fields an embedded copy may leave out: what its Undo must embed.
	boosts := map[string]map[string]any{}
	boostOf := func(iri string) string {
		id, _ := boosts[iri]["id"].(string)
		if id == "" {
			t.Fatalf("no boost of %s was sent", iri)
		}
		return id
	}
	// check records the boosts in sent, and fails t when an Undo embeds
	// anything but a boost as it was sent.
	check := func(t *testing.T, sent map[string][][]byte) {
		t.Helper()
		for name, bodies := range sent {
			for _, b := range bodies {
				var m map[string]any
				if err := json.Unmarshal(b, &m); err != nil {
					t.Fatal(err)
				}
				if iri, ok := m["object"].(string); ok && m["type"] == "Announce" {
					delete(m, "@context")
					delete(m, "published")
					boosts[iri] = m
				}
				if m["type"] != "Undo" {
					continue
				}
				inner, _ := m["object"].(map[string]any)
				iri, _ := inner["object"].(string)
				if want := boosts[iri]; !reflect.DeepEqual(inner, want) {
					t.Errorf("%s got an Undo embedding %v; want the boost sent, %v", name, inner, want)
				}
			}
		}
	}

	var (
		art  storage.Artefact
		ev   storage.CommunityEvent
		term storage.Term
	)
	announced := func(typ string) map[string][]string {
		return map[string][]string{"lemmy": {"Announce{" + typ + "}"}, "unknown": {"Announce{" + typ + "}"}}
	}
	created := map[string][]string{"lemmy": {"Announce{Create}"}, "mastodon": {"boost"}, "unknown": {"Announce{Create}", "boost"}}
	deleted := func(iri string) map[string][]string {
		undo := "Undo{Announce " + boostOf(iri) + "}"
		return map[string][]string{"lemmy": {"Announce{Delete}"}, "mastodon": {undo}, "unknown": {"Announce{Delete}", undo}}
	}
	tests := []struct {
		name string
		do   func() error
		want func() map[string][]string
	}{
		{"a new artefact", func() (err error) {
			art, err = e.CreateArtefact(ctx, alice, g.ID, NewArtefact{Title: "Retention schedule", Body: "Keep for **seven** years."})
			return err
		}, func() map[string][]string { return created }},
		{"an edit of the artefact", func() (err error) {
			art, err = e.EditArtefact(ctx, alice, art.ID, ArtefactEdit{BaseVersion: 1, Body: strPtr("Keep for six years.")})
			return err
		}, func() map[string][]string { return announced("Update") }},
		{"a new event", func() (err error) {
			ev, err = e.CreateEvent(ctx, bob, g.ID, newEvent(clock.now().Add(48*time.Hour), 0))
			return err
		}, func() map[string][]string { return created }},
		{"a new glossary term", func() (err error) {
			term, err = e.CreateTerm(ctx, alice, g.ID, NewTerm{Term: "Retention", Definition: "How long a record is kept."})
			return err
		}, func() map[string][]string { return announced("Create") }},
		{"the artefact deleted by its author", func() error { return e.DeleteArtefact(ctx, alice, art.ID, "") },
			func() map[string][]string { return deleted(art.URI) }},
		{"the event deleted by a moderator", func() error { return e.DeleteEvent(ctx, alice, ev.ID, "cancelled") },
			func() map[string][]string { return deleted(ev.URI) }},
		{"the term deleted by its creator", func() error { return e.DeleteTerm(ctx, alice, term.ID, "") },
			func() map[string][]string { return announced("Delete") }},
	}
	drain() // the follows
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); err != nil {
				t.Fatal(err)
			}
			sent := drain()
			check(t, sent)
			checkShapes(t, shapesOf(t, sent), tt.want())
		})
	}
}
