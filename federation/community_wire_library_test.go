package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
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

// TestFetchLibraryBoundsItems: a hostile Group whose library never ends,
// every page listing thousands of ids that each answer with an artefact
// of another community, costs this node at most maxLibraryItems fetches
// of items, not pages × items.
func TestFetchLibraryBoundsItems(t *testing.T) {
	var fetches atomic.Int64
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		base := srv.URL
		switch {
		case r.URL.Path == "/c/g":
			fmt.Fprintf(w, `{"@context":"https://www.w3.org/ns/activitystreams","id":%q,"type":"Group","preferredUsername":"g","inbox":%q,"library":%q}`,
				base+"/c/g", base+"/c/g/inbox", base+"/c/g/library?page=1")
		case r.URL.Path == "/c/g/library":
			page, _ := strconv.Atoi(r.URL.Query().Get("page"))
			items := make([]string, 3000)
			for i := range items {
				items[i] = fmt.Sprintf("%s/a/%d-%d", base, page, i)
			}
			b, _ := json.Marshal(map[string]any{"id": r.URL.String(), "type": "OrderedCollectionPage", "orderedItems": items,
				"next": fmt.Sprintf("%s/c/g/library?page=%d", base, page+1)})
			w.Write(b)
		default:
			fetches.Add(1)
			fmt.Fprintf(w, `{"id":%q,"type":"Article","name":"x","content":"x","attributedTo":%q,"audience":%q,"history":%q,"version":1}`,
				base+r.URL.Path, base+"/c/g", base+"/c/other", base+r.URL.Path+"/history")
		}
	}))
	defer srv.Close()
	defer func(n int) { maxLibraryItems = n }(maxLibraryItems)
	maxLibraryItems = 120 // each fetch is signed: 10,000 would take seconds
	e := loopbackEngine(t, Options{})
	g := remoteGroup(t, e, srv.URL+"/c/g", "")
	n, err := e.FetchLibrary(context.Background(), g)
	if err != nil || n != 0 {
		t.Fatalf("FetchLibrary = %d, %v; want 0 taken, no error", n, err)
	}
	if got := fetches.Load(); got != int64(maxLibraryItems) {
		t.Errorf("FetchLibrary fetched %d items of an endless library; want %d, its bound", got, maxLibraryItems)
	}
}

// TestRemoteArtefactBounds: an artefact a hostile Group serves naming 500
// authors on its host costs at most maxArtefactAuthors actor fetches, and
// a page of its history listing 500 versions has at most
// maxHistoryPageItems of them taken.
func TestRemoteArtefactBounds(t *testing.T) {
	var actorFetches atomic.Int64
	var srv *httptest.Server
	article := func(version int) map[string]any {
		base := srv.URL
		authors := make([]string, 500)
		for i := range authors {
			authors[i] = fmt.Sprintf("%s/u/%d", base, i)
		}
		return map[string]any{"id": base + "/artefacts/1", "type": "Article", "name": "Gritting plan",
			"content": "<p>Roads first.</p>", "attributedTo": base + "/u/0", "audience": base + "/c/g",
			"history": base + "/artefacts/1/history", "version": version, "authors": authors,
			"published": "2026-12-01T10:00:00Z", "updated": "2026-12-01T10:00:00Z"}
	}
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		base := srv.URL
		var doc any
		switch {
		case r.URL.Path == "/c/g":
			doc = map[string]any{"id": base + "/c/g", "type": "Group", "preferredUsername": "g", "inbox": base + "/c/g/inbox",
				"library": base + "/c/g/library"}
		case r.URL.Path == "/c/g/library":
			doc = map[string]any{"id": base + "/c/g/library", "type": "OrderedCollectionPage",
				"orderedItems": []string{base + "/artefacts/1"}}
		case r.URL.Path == "/artefacts/1":
			doc = article(500)
		case r.URL.Path == "/artefacts/1/history":
			items := make([]any, 0, 500)
			for v := 499; v >= 1; v-- {
				a := article(v)
				delete(a, "authors")
				items = append(items, map[string]any{"type": "Update", "actor": base + "/u/0", "object": a})
			}
			doc = map[string]any{"id": base + "/artefacts/1/history", "type": "OrderedCollectionPage", "orderedItems": items}
		case strings.HasPrefix(r.URL.Path, "/u/"):
			actorFetches.Add(1)
			http.NotFound(w, r)
			return
		default:
			http.NotFound(w, r)
			return
		}
		b, _ := json.Marshal(doc)
		w.Write(b)
	}))
	defer srv.Close()
	ctx := context.Background()
	e := loopbackEngine(t, Options{})
	g := remoteGroup(t, e, srv.URL+"/c/g", "")
	if n, err := e.FetchLibrary(ctx, g); err != nil || n != 1 {
		t.Fatalf("FetchLibrary = %d, %v; want the one artefact", n, err)
	}
	if got := actorFetches.Load(); got > maxArtefactAuthors {
		t.Errorf("%d actor fetches for an artefact naming 500 authors; want at most %d", got, maxArtefactAuthors)
	}
	a, err := e.store.ArtefactByURI(ctx, srv.URL+"/artefacts/1")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := e.store.ArtefactVersionCount(ctx, a.ID); err != nil || n > 1+maxHistoryPageItems {
		t.Errorf("%d versions stored (%v) from a history page of 499; want at most %d", n, err, 1+maxHistoryPageItems)
	}
}
