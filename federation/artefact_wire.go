package federation

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// Artefacts on the wire: each version is a Create (the first) or Update
// {Article} by the member who made it, sent to the Group, which announces
// it to its followers as it does other community content. A copse node
// that follows the community keeps every version it receives, and fills
// a gap (a version it missed, or the versions before it followed) from
// the artefact's history collection (FEP-bad1) at the artefact's origin.

// maxHistoryPages bounds how much of a remote history is read at once.
const maxHistoryPages = 20

// ArtefactVersionIRI is the id of the activity that made version n of a
// local artefact (each history item).
func (u URLs) ArtefactVersionIRI(id storage.ID, n int) string {
	return u.Artefact(id) + "/versions/" + strconv.Itoa(n)
}

// artefactPeople are the accounts an artefact's document names, loaded
// before it is converted.
type artefactPeople struct {
	group       storage.Account
	authors     []string // URIs, the creator first
	editor      string
	membersOnly bool // the community's content is for its members
}

type artefactAccounts interface {
	AccountByID(ctx context.Context, id storage.ID) (storage.Account, error)
}

type artefactReader interface {
	artefactAccounts
	communityVisibilityReader
}

func loadArtefactPeople(ctx context.Context, q artefactReader, a storage.Artefact, v storage.ArtefactVersion) (artefactPeople, error) {
	g, err := q.AccountByID(ctx, a.CommunityID)
	if err != nil {
		return artefactPeople{}, fmt.Errorf("community of %s: %w", a.URI, err)
	}
	membersOnly, err := membersOnlyCommunity(ctx, q, g)
	if err != nil {
		return artefactPeople{}, err
	}
	p := artefactPeople{group: g, editor: v.EditorURI, membersOnly: membersOnly}
	for _, id := range a.Authors {
		au, err := q.AccountByID(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue // gone
		}
		if err != nil {
			return artefactPeople{}, fmt.Errorf("author of %s: %w", a.URI, err)
		}
		p.authors = append(p.authors, au.URI)
	}
	return p, nil
}

// artefactDocument converts version v of a local artefact to its Article.
// A members-only community's artefact is addressed to its members only,
// as its announces are (and as receivers infer members-only from).
func (e *Engine) artefactDocument(a storage.Artefact, v storage.ArtefactVersion, p artefactPeople) activitypub.Artefact {
	doc := activitypub.Artefact{ID: a.URI, URL: e.urls.ArtefactPage(p.group.Username, a.ID), Authors: p.authors, Name: v.Title,
		Summary: v.Summary, Content: v.BodyHTML, Source: v.BodySource, Audience: p.group.URI, Context: a.URI,
		History: e.urls.ArtefactHistory(a.ID), To: []string{activitypub.PublicIRI}, CC: []string{p.group.URI, p.group.Followers},
		Published: a.CreatedAt, Version: v.Number, ChangeNote: v.Note, Editor: p.editor, Licence: a.Licence,
		Organisation: a.Organisation}
	if p.membersOnly {
		doc.To, doc.CC = membersAddressing(p.group)
	}
	if len(p.authors) > 0 {
		doc.AttributedTo = p.authors[0]
	}
	if v.Number > 1 {
		doc.Updated = v.CreatedAt
	}
	for _, f := range v.Files {
		doc.Attachments = append(doc.Attachments, activitypub.ArtefactDocument{URL: e.urls.ArtefactFile(a.ID, f.FileID),
			MediaType: f.MediaType, Name: f.Name, Size: f.Size, SHA256: f.SHA256})
	}
	for _, t := range a.Tags {
		doc.Tags = append(doc.Tags, activitypub.Tag{Type: activitypub.TagHashtag, Href: e.urls.Tag(t), Name: "#" + t})
	}
	return doc
}

// ArtefactPage is the web page of a local artefact in the community with
// handle (web/pages serves it).
func (u URLs) ArtefactPage(handle string, id storage.ID) string {
	return u.Base + "/c/" + url.PathEscape(handle) + "/artefacts/" + id.String()
}

// sendArtefact sends the Create or Update{Article} of version v by actor
// to the community hosted here, which announces it to its followers.
func (e *Engine) sendArtefact(ctx context.Context, tx *storage.Tx, g, actor storage.Account, a storage.Artefact, v storage.ArtefactVersion, typ string) error {
	p, err := loadArtefactPeople(ctx, tx, a, v)
	if err != nil {
		return err
	}
	id := e.urls.ArtefactVersionIRI(a.ID, v.Number)
	body, err := activitypub.MarshalArtefactActivity(id, typ, actor.URI, v.CreatedAt, e.artefactDocument(a, v, p))
	if err != nil {
		return fmt.Errorf("%s %s: %w", typ, a.URI, err)
	}
	// A new artefact is also boosted, Announce{id}: Mastodon ignores an
	// announced Create and shows the Article it fetches as title,
	// summary and link.
	boost := ""
	if typ == activitypub.TypeCreate {
		boost = a.URI
	}
	return e.announceRepertoire(ctx, tx, g, activitypub.Activity{ID: id, Type: typ, Actor: actor.URI}, body, boost)
}

// boostObject is the Group's second announce of new community content
// that is not a post (an artefact, an event): Announce{iri}, the shape
// Mastodon shows as a boost (it ignores an announced Create and fetches
// the object), sent to inboxes, the follower nodes that read boosts
// (boostInboxes: Mastodon-like and unknown ones; group-aware ones
// already have the Announce{Create}).
func (e *Engine) boostObject(ctx context.Context, tx *storage.Tx, g storage.Account, iri string, inboxes []string, membersOnly bool) error {
	boost := objectBoost(g, iri, membersOnly)
	boost["@context"] = "https://www.w3.org/ns/activitystreams"
	boost["published"] = tx.Now().UTC().Truncate(time.Second)
	body, err := marshalJSON(boost)
	if err != nil {
		return fmt.Errorf("announce %s: %w", iri, err)
	}
	return e.publishBody(ctx, tx, g, boost["id"].(string), activitypub.TypeAnnounce, false, body, inboxes)
}

// undoObjectBoost takes back g's boost of iri, an artefact or event being
// deleted, from inboxes, the nodes that read boosts: Undo{Announce}
// embedding the boost as boostObject sent it (its id, type, actor,
// addressing and object), which is what Mastodon matches to remove it
// from timelines. The Undo's own id is a fresh one: nothing refers to it.
func (e *Engine) undoObjectBoost(ctx context.Context, tx *storage.Tx, g storage.Account, iri string, inboxes []string, membersOnly bool) error {
	boost := objectBoost(g, iri, membersOnly)
	id := e.urls.Activity(g.Username, tx.NewID())
	body, err := marshalJSON(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id,
		"type": activitypub.TypeUndo, "actor": g.URI, "to": boost["to"], "cc": boost["cc"], "object": boost})
	if err != nil {
		return fmt.Errorf("undo announce of %s: %w", iri, err)
	}
	return e.publishBody(ctx, tx, g, id, activitypub.TypeUndo, false, body, inboxes)
}

// objectBoost is the Group g's boost of iri, a local artefact or event,
// as boostObject sends it and undoObjectBoost takes it back; a
// members-only community's is addressed to its members only.
//
// Its id is iri + "#announce", made from the item, not stored: the
// Undo can be built again when the item is deleted without a row
// remembering the boost (a thread's boost is a status; an item's is
// not). The item of a community hosted here is on this node, as the
// Group is, so the id is on the Group's own host, as receivers expect
// of the Group's activities; a fragment cannot clash with any route or
// other activity, and an item is boosted once, when it is created.
func objectBoost(g storage.Account, iri string, membersOnly bool) map[string]any {
	to, cc := []string{activitypub.PublicIRI}, []string{g.Followers}
	if membersOnly {
		to, cc = []string{g.Followers}, []string{}
	}
	return map[string]any{"id": iri + "#announce", "type": activitypub.TypeAnnounce, "actor": g.URI,
		"to": to, "cc": cc, "audience": g.URI, "object": iri}
}

// ArtefactDocument is the Article of a local artefact as it stands.
func (e *Engine) ArtefactDocument(ctx context.Context, a storage.Artefact) ([]byte, error) {
	v, err := e.store.ArtefactVersion(ctx, a.ID, a.Version)
	if err != nil {
		return nil, fmt.Errorf("version %d of %s: %w", a.Version, a.URI, err)
	}
	p, err := loadArtefactPeople(ctx, e.store, a, v)
	if err != nil {
		return nil, err
	}
	return activitypub.MarshalArtefact(e.artefactDocument(a, v, p))
}

// historyPageSize is how many versions a page of a history collection holds.
const historyPageSize = 20

// ArtefactHistory is the history collection of a local artefact (page 0)
// or one of its pages (from 1), newest version first.
func (e *Engine) ArtefactHistory(ctx context.Context, a storage.Artefact, page int) ([]byte, error) {
	p, err := loadArtefactPeople(ctx, e.store, a, storage.ArtefactVersion{})
	if err != nil {
		return nil, err
	}
	return versionHistory[storage.ArtefactVersion, activitypub.HistoryItem]{
		coll: e.urls.ArtefactHistory(a.ID), current: a.Version,
		versions: func(after, limit int) ([]storage.ArtefactVersion, error) {
			return e.store.ArtefactVersions(ctx, a.ID, after, limit)
		},
		item: func(v storage.ArtefactVersion) activitypub.HistoryItem {
			p.editor = v.EditorURI
			return activitypub.HistoryItem{ID: e.urls.ArtefactVersionIRI(a.ID, v.Number), Type: versionActivityType(v.Number),
				Actor: v.EditorURI, Published: v.CreatedAt, Doc: e.artefactDocument(a, v, p)}
		},
		collection: activitypub.MarshalArtefactHistory,
		page:       activitypub.MarshalArtefactHistoryPage,
	}.serve(page)
}

// versionHistory is the history collection (FEP-bad1) of a local
// versioned document, artefact or term: V is its stored version, I the
// history item activitypub marshals.
type versionHistory[V, I any] struct {
	coll       string // the collection's IRI
	current    int    // the number of the current version
	versions   func(after, limit int) ([]V, error)
	item       func(V) I
	collection func(id string, total int, first string) ([]byte, error)
	page       func(id, partOf, next string, items []I) ([]byte, error)
}

// serve emits the collection (page 0) or one of its pages (from 1): newest
// first, page 1 holds the current version and the 19 before it, and so on.
func (h versionHistory[V, I]) serve(page int) ([]byte, error) {
	if page <= 0 {
		return h.collection(h.coll, h.current, h.coll+"?page=1")
	}
	top := h.current - (page-1)*historyPageSize
	from := max(top-historyPageSize, 0)
	var items []I
	if top > 0 {
		vs, err := h.versions(from, top-from)
		if err != nil {
			return nil, err
		}
		for i := len(vs) - 1; i >= 0; i-- {
			items = append(items, h.item(vs[i]))
		}
	}
	next := ""
	if from > 0 {
		next = h.coll + "?page=" + strconv.Itoa(page+1)
	}
	return h.page(h.coll+"?page="+strconv.Itoa(page), h.coll, next, items)
}

// versionActivityType is the type of the activity that made version n:
// Create for the first, Update for every later one.
func versionActivityType(n int) string {
	if n == 1 {
		return activitypub.TypeCreate
	}
	return activitypub.TypeUpdate
}

// groupArtefact takes a Create, Update or Delete{Article} of an artefact
// that a remote Group announces, or the Group's Announce{artefact id} (the boost
// Mastodon shows); handled is false when the announce is about something
// else. The Group vouches for its own host only: an artefact from another
// host is fetched from there.
func (e *Engine) groupArtefact(ctx context.Context, g storage.Account, act activitypub.Activity) (bool, error) {
	var art activitypub.Artefact
	switch inner := act.Object.Activity; {
	case inner != nil && inner.Type == activitypub.TypeDelete:
		return e.groupArtefactDelete(ctx, g, *inner) // artefact_delete.go
	case inner == nil && act.Object.Note == nil:
		a, ok, err := e.announcedArtefact(ctx, g, act.Object.IRI)
		if err != nil || !ok {
			return ok, err
		}
		art = a
	case inner == nil || (inner.Type != activitypub.TypeCreate && inner.Type != activitypub.TypeUpdate) ||
		inner.Object.Note == nil || inner.Object.Note.Type != activitypub.TypeArticle:
		return false, nil
	default:
		a, ok := activitypub.ArtefactOf(inboxBody(ctx))
		if !ok || a.ID != inner.Object.Note.ID {
			return false, nil // an Article from other software: a post
		}
		art = a
		if !sameOrigin(art.ID, g.URI) {
			body, err := e.fetcher.Get(ctx, art.ID)
			if err != nil {
				return true, fmt.Errorf("fetch artefact %s: %w", art.ID, err)
			}
			if art, err = activitypub.ParseArtefact(body); err != nil {
				return true, fmt.Errorf("fetch artefact %s: %w", inner.Object.Note.ID, err)
			}
		}
	}
	if art.Audience != g.URI {
		return true, fmt.Errorf("artefact %s of %s announced by %s: %w", art.ID, art.Audience, g.URI, ErrDenied)
	}
	if err := e.inferMembersOnly(ctx, g, art.To, art.CC); err != nil {
		return true, err
	}
	a, err := e.takeArtefactVersion(ctx, g, art)
	if err != nil {
		return true, err
	}
	return true, e.fillArtefactHistory(ctx, g, a, art.History)
}

// announcedArtefact is the artefact a Group's Announce{id} is about: one
// known here already (ok, and nothing to take), or, when the id is on the
// Group's host and in copse's layout for artefacts, the one fetched from
// there; ok is false for anything else (a post).
func (e *Engine) announcedArtefact(ctx context.Context, g storage.Account, iri string) (activitypub.Artefact, bool, error) {
	if iri == "" {
		return activitypub.Artefact{}, false, nil
	}
	if _, err := e.store.ArtefactByURI(ctx, iri); err == nil {
		return activitypub.Artefact{}, true, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return activitypub.Artefact{}, true, err
	}
	u, err := url.Parse(iri)
	if err != nil || !sameOrigin(iri, g.URI) || !strings.HasPrefix(u.Path, "/artefacts/") {
		return activitypub.Artefact{}, false, nil
	}
	body, err := e.fetcher.Get(ctx, iri)
	if err != nil {
		return activitypub.Artefact{}, false, nil // taken as a post, or not at all, by the boost path
	}
	art, err := activitypub.ParseArtefact(body)
	if err != nil || art.ID != iri {
		return activitypub.Artefact{}, false, nil
	}
	return art, true, nil
}

// takeArtefactVersion stores a version of a remote artefact (and the
// artefact, the first time), unless it has it already.
func (e *Engine) takeArtefactVersion(ctx context.Context, g storage.Account, art activitypub.Artefact) (storage.Artefact, error) {
	if e.urls.IsLocal(art.ID) {
		return storage.Artefact{}, fmt.Errorf("remote copy of local %s: %w", art.ID, ErrDenied)
	}
	// Its creator, authors and editors may be members of other nodes
	// (artefact_remote.go): the artefact's origin vouches for them.
	if !sameOrigin(art.ID, art.History) {
		return storage.Artefact{}, fmt.Errorf("artefact %s: %w", art.ID, ErrDenied)
	}
	if err := validateArtefact(cmpOr(art.Name, "untitled"), art.Summary, art.Source, art.Organisation, storage.LicenceReserved,
		storage.EditAuthors, art.ChangeNote); err != nil || len(art.Content) > 2*maxArtefactBody || len(art.Attachments) > maxArtefactFiles {
		return storage.Artefact{}, fmt.Errorf("artefact %s is larger than copse takes (%v): %w", art.ID, err, ErrDenied)
	}
	if !activitypub.ValidURL(art.URL) {
		art.URL = art.ID
	}
	html, err := e.renderArtefact(art.Source)
	if err != nil {
		return storage.Artefact{}, err
	}
	if art.Source == "" {
		html = e.artefacts.sanitize.Sanitize(cleanText(art.Content))
	}
	v := storage.ArtefactVersion{Number: art.Version, Title: art.Name, Summary: art.Summary, BodySource: art.Source,
		BodyHTML: html, EditorURI: art.Editor, Note: art.ChangeNote, CreatedAt: art.Updated, Files: []storage.VersionFile{}}
	if v.CreatedAt.IsZero() {
		v.CreatedAt = art.Published
	}
	for _, d := range art.Attachments {
		if !activitypub.ValidURL(d.URL) {
			continue
		}
		v.Files = append(v.Files, storage.VersionFile{Name: d.Name, MediaType: d.MediaType, Size: d.Size, SHA256: d.SHA256, URL: d.URL})
	}
	// Each author may cost a fetch of its actor: as many as a member here
	// may name, the first ones, each once.
	var authors []storage.ID
	named := map[string]bool{}
	for _, uri := range art.Authors {
		if named[uri] {
			continue
		}
		if len(named) == maxArtefactAuthors {
			break
		}
		named[uri] = true
		if au, err := e.versionPerson(ctx, art.ID, uri); err == nil {
			authors = append(authors, au.ID)
		}
	}
	if art.Editor != "" {
		if ed, err := e.versionPerson(ctx, art.ID, art.Editor); err == nil {
			v.EditorID = ed.ID
		}
	}
	var tags []string
	for _, t := range art.Tags {
		if name, ok := NormalizeTag(t.Name); ok && len(tags) < maxArtefactTags {
			tags = append(tags, name)
		}
	}
	licence := art.Licence
	if validateArtefact(cmpOr(v.Title, "x"), "", "", "", licence, storage.EditAuthors, "") != nil {
		licence = storage.LicenceReserved
	}
	var out storage.Artefact
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		a, err := tx.ArtefactByURI(ctx, art.ID)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			a = storage.Artefact{CommunityID: g.ID, URI: art.ID, URL: art.URL, Authors: authors, CreatedAt: art.Published,
				EditPolicy: storage.EditAuthors}
			if len(authors) > 0 {
				a.CreatedBy = authors[0]
			}
		case err != nil:
			return err
		case a.Local || a.CommunityID != g.ID:
			return fmt.Errorf("artefact %s of another community: %w", art.ID, ErrDenied)
		}
		v.ArtefactID = a.ID
		if a.ID != 0 {
			if _, err := tx.ArtefactVersion(ctx, a.ID, v.Number); err == nil {
				out = a
				return nil // had it
			} else if !errors.Is(err, storage.ErrNotFound) {
				return err
			}
		}
		if a.ID == 0 || v.Number > a.Version {
			a.Title, a.Summary, a.BodySource, a.BodyHTML = v.Title, v.Summary, v.BodySource, v.BodyHTML
			a.Tags, a.Organisation, a.Licence, a.Version = tags, art.Organisation, licence, v.Number
			a.UpdatedAt = v.CreatedAt
			if a.Title == "" {
				a.Title = art.ID
			}
		}
		if a.ID == 0 {
			if err := tx.InsertArtefact(ctx, &a); err != nil {
				return err
			}
		} else if err := tx.UpdateArtefact(ctx, a); err != nil {
			return err
		}
		v.ArtefactID = a.ID
		if v.Title == "" {
			v.Title = a.Title
		}
		if err := tx.AddArtefactVersion(ctx, &v); err != nil {
			return err
		}
		out = a
		return nil
	})
	if err != nil {
		return storage.Artefact{}, fmt.Errorf("take artefact %s version %d: %w", art.ID, art.Version, err)
	}
	return out, nil
}

// versionPerson is the account of an author or editor (uri) that a remote
// versioned document (doc, its id) names: one on the document's host is
// fetched when unknown; one of another node (a member who proposed a
// version from there, this node included) is taken only when known here.
func (e *Engine) versionPerson(ctx context.Context, doc, uri string) (storage.Account, error) {
	if sameOrigin(uri, doc) {
		return e.AccountByIRI(ctx, uri)
	}
	if name, ok := e.urls.LocalUsername(uri); ok {
		return e.store.AccountByUsername(ctx, name)
	}
	return e.store.AccountByURI(ctx, uri)
}

// fillArtefactHistory fetches the versions of a remote artefact that are
// missing here from its history collection.
func (e *Engine) fillArtefactHistory(ctx context.Context, g storage.Account, a storage.Artefact, history string) error {
	missing := func() (int, error) {
		return missingVersions(ctx, a.ID, e.store.ArtefactByID, e.store.ArtefactVersionCount,
			func(a storage.Artefact) int { return a.Version })
	}
	return e.fillHistory(ctx, a.URI, history, missing, func(body []byte) (string, error) {
		return takeEach(body, activitypub.ParseArtefactHistoryPage, func(it activitypub.HistoryItem) error {
			if it.Doc.ID != a.URI || it.Doc.Audience != g.URI {
				return nil // another's: not taken from this history
			}
			_, err := e.takeArtefactVersion(ctx, g, it.Doc)
			return err
		})
	})
}

// maxHistoryPageItems bounds the versions taken from one page of a
// peer's history (copse's pages hold historyPageSize): each is a
// transaction and a Markdown render here.
const maxHistoryPageItems = 5 * historyPageSize

// takeEach parses a page of a history with parse and hands each item, of
// the first maxHistoryPageItems, to take; it returns the next page's IRI.
func takeEach[I any](body []byte, parse func([]byte) ([]I, string, error), take func(I) error) (string, error) {
	items, next, err := parse(body)
	if err != nil {
		return "", err
	}
	items = items[:min(len(items), maxHistoryPageItems)]
	for _, it := range items {
		if err := take(it); err != nil {
			return "", err
		}
	}
	return next, nil
}

// fillHistory fetches the versions of a remote versioned document (uri)
// that are missing here from its history collection, newest first, until
// none is missing (or maxHistoryPages pages were read). missing counts
// the versions up to the current one not stored here; takePage stores
// the versions of one page and returns the next page's IRI.
func (e *Engine) fillHistory(ctx context.Context, uri, history string, missing func() (int, error),
	takePage func(body []byte) (next string, err error)) error {
	n, err := missing()
	if err != nil || n == 0 || history == "" || !sameOrigin(history, uri) {
		return err
	}
	next := history
	for range maxHistoryPages {
		body, err := e.fetcher.Get(ctx, next)
		if err != nil {
			return fmt.Errorf("history of %s: %w", uri, err)
		}
		following, err := takePage(body)
		if err != nil {
			return fmt.Errorf("history of %s: %w", uri, err)
		}
		if n, err = missing(); err != nil || n == 0 {
			return err
		}
		if following == "" || !sameOrigin(following, uri) || following == next {
			return nil
		}
		next = following
	}
	return nil
}

// missingVersions counts the versions of a stored document (by id) up to
// its current one (version reads it from the row load returns) that are
// not stored here: one count, not a read of every version.
func missingVersions[D any](ctx context.Context, id storage.ID, load func(context.Context, storage.ID) (D, error),
	count func(context.Context, storage.ID) (int, error), version func(D) int) (int, error) {
	cur, err := load(ctx, id)
	if err != nil {
		return 0, err
	}
	have, err := count(ctx, id)
	if err != nil {
		return 0, err
	}
	return max(version(cur)-have, 0), nil
}
