package storage

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestRepertoireLookups: an artefact, a glossary term and an event are
// each found by their ID and by their ActivityPub id as what they are,
// and an ID or URI of nothing is ErrNotFound.
func TestRepertoireLookups(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	alice := mustAccount(t, s, "alice", "")
	c := mustCommunity(t, s, "libraries", alice)
	a := Artefact{CommunityID: c.AccountID, URI: "https://local.example/artefacts/1", Local: true, CreatedBy: alice.ID,
		Title: "Triage routine", Authors: []ID{alice.ID}, Licence: LicenceOGL, EditPolicy: EditAuthors, Version: 1}
	tm := Term{CommunityID: c.AccountID, URI: "https://local.example/glossary/triage", Local: true, Term: "triage",
		Version: 1, DefinitionSource: "x"}
	start := time.Date(2027, 3, 4, 10, 0, 0, 0, time.UTC)
	ev := CommunityEvent{CommunityID: c.AccountID, URI: "https://local.example/events/1", Local: true, OrganiserID: alice.ID,
		Name: "Stock review", Start: start, End: start.Add(time.Hour), TimeZone: "Europe/London"}
	inTx(t, s, func(tx *Tx) error {
		if err := tx.InsertArtefact(ctx, &a); err != nil {
			return err
		}
		if err := tx.InsertTerm(ctx, &tm); err != nil {
			return err
		}
		return tx.InsertCommunityEvent(ctx, &ev)
	})
	tests := []struct {
		name string
		id   ID
		uri  string
		want string // the kind found, "" for none
	}{
		{"an artefact", a.ID, a.URI, "artefact"},
		{"a term", tm.ID, tm.URI, "term"},
		{"an event", ev.ID, ev.URI, "event"},
		{"nothing", alice.ID, alice.URI, ""},
	}
	kind := func(r Repertoire) (string, ID) {
		switch {
		case r.Artefact.ID != 0:
			return "artefact", r.Artefact.ID
		case r.Term.ID != 0:
			return "term", r.Term.ID
		case r.Event.ID != 0:
			return "event", r.Event.ID
		}
		return "", 0
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for by, read := range map[string]func() (Repertoire, error){
				"id":  func() (Repertoire, error) { return s.RepertoireByID(ctx, tt.id) },
				"uri": func() (Repertoire, error) { return s.RepertoireByURI(ctx, tt.uri) },
			} {
				r, err := read()
				if tt.want == "" {
					if !errors.Is(err, ErrNotFound) {
						t.Errorf("by %s: %+v, %v; want ErrNotFound", by, r, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("by %s: %v", by, err)
				}
				if got, id := kind(r); got != tt.want || id != tt.id {
					t.Errorf("by %s: found %s %d, want %s %d", by, got, id, tt.want, tt.id)
				}
			}
		})
	}
}
