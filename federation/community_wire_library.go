package federation

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// A community's library as a collection (issue 13 item 3): the Group
// document links it as library; it lists the artefacts' ids, oldest
// first, in pages that follow a cursor (the last artefact's row ID), so a
// page stays the same when artefacts are added. A remote copse reads it
// with FetchLibrary.

// libraryPageSize is how many artefact ids a page of a library holds.
const libraryPageSize = 50

// maxLibraryPages bounds how many pages FetchLibrary reads of a peer's
// library (10,000 artefacts).
const maxLibraryPages = 200

// maxLibraryItems bounds how many ids FetchLibrary reads of a peer's
// library in all, as many as maxLibraryPages full pages of copse's: a
// page of another server may hold thousands (a variable so that a test
// can lower it).
var maxLibraryItems = maxLibraryPages * libraryPageSize

// Library is the collection of the artefacts of the local community
// username.
func (u URLs) Library(username string) string { return u.Actor(username) + "/library" }

// LibraryReadable reports whether viewer (the zero Account: an unsigned
// request) may read the library of the community g: nobody when it is
// suspended, else whoever may see the community (CanSeeCommunity).
func (e *Engine) LibraryReadable(ctx context.Context, viewer, g storage.Account) (bool, error) {
	if !g.SuspendedAt.IsZero() {
		return false, nil
	}
	return e.CanSeeCommunity(ctx, viewer, g)
}

// LibraryCollection is the library of the local community g: the
// collection when after is "", else the page of the artefacts after the
// cursor after ("0" for the first).
func (e *Engine) LibraryCollection(ctx context.Context, g storage.Account, after string) ([]byte, error) {
	coll := e.urls.Library(g.Username)
	if after == "" {
		return marshalJSON(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": coll, "type": "OrderedCollection", "attributedTo": g.URI, "first": coll + "?after=0"})
	}
	cursor, err := strconv.ParseInt(after, 10, 64)
	if err != nil || cursor < 0 {
		return nil, invalid("after must be an artefact cursor")
	}
	arts, err := e.store.CommunityArtefactsAfter(ctx, g.ID, storage.ID(cursor), libraryPageSize)
	if err != nil {
		return nil, err
	}
	page := activitypub.CollectionPage{ID: coll + "?after=" + after, PartOf: coll, Items: []string{}}
	for _, a := range arts {
		if a.Local {
			page.Items = append(page.Items, a.URI)
		}
	}
	if len(arts) == libraryPageSize {
		page.Next = coll + "?after=" + arts[len(arts)-1].ID.String()
	}
	return activitypub.MarshalCollectionPage(page)
}

// FetchLibrary reads the library of the remote community g, as its Group
// document links it, and takes here every artefact of it not known yet,
// with its history, as if the Group had announced it. It reads at most
// maxLibraryPages pages and maxLibraryItems ids, and only ids on the
// Group's host. It returns how many artefacts it took.
func (e *Engine) FetchLibrary(ctx context.Context, g storage.Account) (int, error) {
	if g.Local() || g.ActorType != activitypub.TypeGroup {
		return 0, fmt.Errorf("fetch library of %s: not a remote community: %w", g.URI, ErrDenied)
	}
	doc, err := e.fetcher.Get(ctx, g.URI)
	if err != nil {
		return 0, fmt.Errorf("fetch library of %s: %w", g.URI, err)
	}
	next := activitypub.LibraryOf(doc)
	if next == "" || !sameOrigin(next, g.URI) {
		return 0, nil // no library, or one elsewhere: not the Group's to vouch for
	}
	taken, read := 0, 0
	for range maxLibraryPages {
		body, err := e.fetcher.Get(ctx, next)
		if err != nil {
			return taken, fmt.Errorf("fetch library of %s: %w", g.URI, err)
		}
		p, err := activitypub.ParseIRIPage(body)
		if err != nil {
			return taken, fmt.Errorf("library of %s: %w", g.URI, err)
		}
		for _, iri := range p.Items {
			if read++; read > maxLibraryItems {
				return taken, nil
			}
			ok, err := e.takeLibraryItem(ctx, g, iri)
			if err != nil {
				return taken, err
			}
			if ok {
				taken++
			}
		}
		following := p.Next
		if following == "" && len(p.Items) == 0 {
			following = p.First // the collection itself
		}
		if following == "" || following == next || !sameOrigin(following, g.URI) {
			return taken, nil
		}
		next = following
	}
	return taken, nil
}

// takeLibraryItem takes the artefact iri of g's library unless it is
// known here; ok is false when it was known, or is not g's.
func (e *Engine) takeLibraryItem(ctx context.Context, g storage.Account, iri string) (bool, error) {
	if !sameOrigin(iri, g.URI) {
		return false, nil
	}
	if _, err := e.store.ArtefactByURI(ctx, iri); err == nil {
		return false, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return false, err
	}
	body, err := e.fetcher.Get(ctx, iri)
	if err != nil {
		return false, fmt.Errorf("fetch artefact %s: %w", iri, err)
	}
	art, err := activitypub.ParseArtefact(body)
	if err != nil {
		return false, fmt.Errorf("artefact %s: %w", iri, err)
	}
	if art.ID != iri || art.Audience != g.URI {
		return false, nil // not an artefact of this community
	}
	a, err := e.takeArtefactVersion(ctx, g, art)
	if err != nil {
		return false, err
	}
	return true, e.fillArtefactHistory(ctx, g, a, art.History)
}
