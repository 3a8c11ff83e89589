package federation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// TestLibraryCollectionPages: the library collection points at its first
// page; pages hold libraryPageSize local artefacts, oldest first, and
// link the next; a remote copy in the table is not listed; a bad cursor
// is refused.
func TestLibraryCollectionPages(t *testing.T) {
	t.Parallel()
	e := testEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	c, err := e.CreateCommunity(ctx, alice, NewCommunity{Handle: "libraries", Name: "Libraries", JoinPolicy: storage.JoinOpen,
		PostingPolicy: storage.PostingMembers, Visibility: storage.CommunityPublic})
	if err != nil {
		t.Fatal(err)
	}
	g, err := e.store.AccountByID(ctx, c.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		for i := range libraryPageSize + 2 {
			a := storage.Artefact{ID: tx.NewID(), CommunityID: g.ID, Local: i != 3, Title: fmt.Sprint("artefact ", i),
				Licence: storage.Licences[0], EditPolicy: storage.EditMembers, Version: 1}
			a.URI = e.urls.Artefact(a.ID)
			if !a.Local {
				a.URI = "https://elsewhere.example/artefacts/" + a.ID.String()
			} else {
				want = append(want, a.URI)
			}
			if err := tx.InsertArtefact(ctx, &a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	body, err := e.LibraryCollection(ctx, g, "")
	if err != nil {
		t.Fatal(err)
	}
	coll, err := activitypub.ParseIRIPage(body)
	if err != nil || coll.ID != e.urls.Library("libraries") || coll.First != coll.ID+"?after=0" {
		t.Fatalf("collection = %+v, %v", coll, err)
	}
	var got []string
	next, pages := coll.First, 0
	for next != "" {
		_, after, _ := strings.Cut(next, "?after=")
		body, err := e.LibraryCollection(ctx, g, after)
		if err != nil {
			t.Fatal(err)
		}
		p, err := activitypub.ParseIRIPage(body)
		if err != nil {
			t.Fatal(err)
		}
		got, next = append(got, p.Items...), p.Next
		if pages++; pages > 3 {
			t.Fatal("the pages do not end")
		}
	}
	if pages != 2 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%d pages listing %d ids; want 2 pages listing the %d local artefacts in order", pages, len(got), len(want))
	}
	var inv *InvalidError
	for _, bad := range []string{"x", "-1"} {
		if _, err := e.LibraryCollection(ctx, g, bad); !errors.As(err, &inv) {
			t.Errorf("after=%q: %v, want an InvalidError", bad, err)
		}
	}
}
