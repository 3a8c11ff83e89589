package federation

import (
	"context"
	"errors"
	"fmt"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// Glossary terms on the wire: each version is a Create (the first) or
// Update{DefinedTerm} by the member who made it, sent to the Group, which
// announces it to its followers. A copse node that follows the community
// keeps every version it receives and fills a gap from the term's history
// collection (FEP-bad1) at its origin, as for artefacts.

// termDocument converts version v of a local term to its DefinedTerm.
// A members-only community's term is addressed to its members only, as
// its announces are.
func (e *Engine) termDocument(g storage.Account, t storage.Term, v storage.TermVersion, creator string, membersOnly bool) activitypub.Term {
	page := e.urls.GlossaryPage(g.Username)
	doc := activitypub.Term{ID: t.URI, URL: page + "#" + TermAnchor(v.Term), AttributedTo: creator, Name: v.Term,
		Description: v.DefinitionHTML, Source: v.DefinitionSource, Aliases: v.Aliases, TermSet: e.urls.Glossary(g.Username),
		Audience: g.URI, History: e.urls.TermHistory(t.ID), To: []string{activitypub.PublicIRI},
		CC: []string{g.URI, g.Followers}, Published: t.CreatedAt, Version: v.Number, ChangeNote: v.Note, Editor: v.EditorURI,
		Reference: activitypub.TermLink{Href: v.ReferenceURL, Name: v.ReferenceText}}
	if membersOnly {
		doc.To, doc.CC = membersAddressing(g)
	}
	if v.Number > 1 {
		doc.Updated = v.CreatedAt
	}
	for _, r := range v.Related {
		doc.Related = append(doc.Related, activitypub.TermLink{Href: page + "#" + TermAnchor(r), Name: r})
	}
	return doc
}

// termCreator is the URI of the account that made a term ("" once gone).
func termCreator(ctx context.Context, q artefactAccounts, t storage.Term) (string, error) {
	if t.CreatedBy == 0 {
		return "", nil
	}
	a, err := q.AccountByID(ctx, t.CreatedBy)
	if errors.Is(err, storage.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("creator of %s: %w", t.URI, err)
	}
	return a.URI, nil
}

// sendTerm sends the Create or Update{DefinedTerm} of version v by actor
// to the community hosted here, which announces it to its followers.
func (e *Engine) sendTerm(ctx context.Context, tx *storage.Tx, g, actor storage.Account, t storage.Term, v storage.TermVersion, typ string) error {
	creator, err := termCreator(ctx, tx, t)
	if err != nil {
		return err
	}
	membersOnly, err := membersOnlyCommunity(ctx, tx, g)
	if err != nil {
		return err
	}
	id := e.urls.TermVersionIRI(t.ID, v.Number)
	body, err := activitypub.MarshalTermActivity(id, typ, actor.URI, v.CreatedAt, e.termDocument(g, t, v, creator, membersOnly))
	if err != nil {
		return fmt.Errorf("%s %s: %w", typ, t.URI, err)
	}
	return e.announceRepertoire(ctx, tx, g, activitypub.Activity{ID: id, Type: typ, Actor: actor.URI}, body, "") // terms are never boosted
}

// TermDocument is the DefinedTerm of a local term as it stands.
func (e *Engine) TermDocument(ctx context.Context, t storage.Term) ([]byte, error) {
	v, err := e.store.TermVersion(ctx, t.ID, t.Version)
	if err != nil {
		return nil, fmt.Errorf("version %d of %s: %w", t.Version, t.URI, err)
	}
	g, err := e.store.AccountByID(ctx, t.CommunityID)
	if err != nil {
		return nil, fmt.Errorf("community of %s: %w", t.URI, err)
	}
	creator, err := termCreator(ctx, e.store, t)
	if err != nil {
		return nil, err
	}
	membersOnly, err := membersOnlyCommunity(ctx, e.store, g)
	if err != nil {
		return nil, err
	}
	return activitypub.MarshalTerm(e.termDocument(g, t, v, creator, membersOnly))
}

// TermHistory is the history collection of a local term (page 0) or one
// of its pages (from 1), newest version first.
func (e *Engine) TermHistory(ctx context.Context, t storage.Term, page int) ([]byte, error) {
	g, err := e.store.AccountByID(ctx, t.CommunityID)
	if err != nil {
		return nil, fmt.Errorf("community of %s: %w", t.URI, err)
	}
	creator, err := termCreator(ctx, e.store, t)
	if err != nil {
		return nil, err
	}
	membersOnly, err := membersOnlyCommunity(ctx, e.store, g)
	if err != nil {
		return nil, err
	}
	return versionHistory[storage.TermVersion, activitypub.TermHistoryItem]{
		coll: e.urls.TermHistory(t.ID), current: t.Version,
		versions: func(after, limit int) ([]storage.TermVersion, error) {
			return e.store.TermVersions(ctx, t.ID, after, limit)
		},
		item: func(v storage.TermVersion) activitypub.TermHistoryItem {
			return activitypub.TermHistoryItem{ID: e.urls.TermVersionIRI(t.ID, v.Number), Type: versionActivityType(v.Number),
				Actor: v.EditorURI, Published: v.CreatedAt, Doc: e.termDocument(g, t, v, creator, membersOnly)}
		},
		collection: activitypub.MarshalTermHistory,
		page:       activitypub.MarshalTermHistoryPage,
	}.serve(page)
}

// GlossaryCollection is the collection of a local community's terms, A
// to Z, by id.
func (e *Engine) GlossaryCollection(ctx context.Context, g storage.Account) ([]byte, error) {
	terms, err := e.store.CommunityTerms(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(terms))
	for _, t := range terms {
		ids = append(ids, t.URI)
	}
	return marshalJSON(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": e.urls.Glossary(g.Username), "type": "OrderedCollection", "attributedTo": g.URI,
		"totalItems": len(ids), "orderedItems": ids})
}

// groupTerm takes a Create or Update{DefinedTerm} that a remote Group
// announces; handled is false when the announce is about something else.
// The Group vouches for its own host only: a term from another host is
// fetched from there.
func (e *Engine) groupTerm(ctx context.Context, g storage.Account, act activitypub.Activity) (bool, error) {
	inner := act.Object.Activity
	if inner == nil || (inner.Type != activitypub.TypeCreate && inner.Type != activitypub.TypeUpdate) ||
		inner.Object.Type != activitypub.TypeDefinedTerm {
		return false, nil
	}
	term, ok := activitypub.TermOf(inboxBody(ctx))
	if !ok || term.ID != inner.Object.IRI {
		return true, nil // a DefinedTerm copse cannot read: nothing to show
	}
	if !sameOrigin(term.ID, g.URI) {
		body, err := e.fetcher.Get(ctx, term.ID)
		if err != nil {
			return true, fmt.Errorf("fetch term %s: %w", term.ID, err)
		}
		if term, err = activitypub.ParseTerm(body); err != nil {
			return true, fmt.Errorf("fetch term %s: %w", inner.Object.IRI, err)
		}
	}
	if term.Audience != g.URI {
		return true, fmt.Errorf("term %s of %s announced by %s: %w", term.ID, term.Audience, g.URI, ErrDenied)
	}
	if err := e.inferMembersOnly(ctx, g, term.To, term.CC); err != nil {
		return true, err
	}
	t, err := e.takeTermVersion(ctx, g, term)
	if err != nil {
		return true, err
	}
	return true, e.fillTermHistory(ctx, g, t, term.History)
}

// takeTermVersion stores a version of a remote term (and the term, the
// first time), unless it has it already.
func (e *Engine) takeTermVersion(ctx context.Context, g storage.Account, term activitypub.Term) (storage.Term, error) {
	if e.urls.IsLocal(term.ID) {
		return storage.Term{}, fmt.Errorf("remote copy of local %s: %w", term.ID, ErrDenied)
	}
	// Its creator and editors may be members of other nodes
	// (artefact_remote.go): the term's origin vouches for them.
	if !sameOrigin(term.ID, term.History) {
		return storage.Term{}, fmt.Errorf("term %s: %w", term.ID, ErrDenied)
	}
	v := storage.TermVersion{Number: term.Version, Term: cleanLine(term.Name), DefinitionSource: term.Source,
		Aliases: cleanList(term.Aliases), Related: []string{}, EditorURI: term.Editor, Note: term.ChangeNote,
		CreatedAt: term.Updated, ReferenceText: cleanLine(term.Reference.Name)}
	for _, r := range term.Related {
		v.Related = append(v.Related, r.Name)
	}
	v.Related = cleanList(v.Related)
	if activitypub.ValidURL(term.Reference.Href) {
		v.ReferenceURL = term.Reference.Href
	}
	if v.CreatedAt.IsZero() {
		v.CreatedAt = term.Published
	}
	if v.DefinitionSource == "" {
		v.DefinitionSource = "-" // a definition in HTML only: shown as sent, sanitised
	}
	if err := validateTerm(v); err != nil || len(term.Description) > 2*maxTermDefinition {
		return storage.Term{}, fmt.Errorf("term %s is larger than copse takes (%v): %w", term.ID, err, ErrDenied)
	}
	if term.Source == "" {
		v.DefinitionSource = ""
		v.DefinitionHTML = e.artefacts.sanitize.Sanitize(cleanText(term.Description))
	} else {
		html, err := e.renderArtefact(v.DefinitionSource)
		if err != nil {
			return storage.Term{}, err
		}
		v.DefinitionHTML = html
	}
	var creator storage.ID
	if term.AttributedTo != "" {
		if au, err := e.versionPerson(ctx, term.ID, term.AttributedTo); err == nil {
			creator = au.ID
		}
	}
	if term.Editor != "" {
		if ed, err := e.versionPerson(ctx, term.ID, term.Editor); err == nil {
			v.EditorID = ed.ID
		}
	}
	url := term.URL
	if !activitypub.ValidURL(url) {
		url = term.ID
	}
	var out storage.Term
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		t, err := tx.TermByURI(ctx, term.ID)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			t = storage.Term{CommunityID: g.ID, URI: term.ID, URL: url, CreatedBy: creator, CreatedAt: term.Published}
		case err != nil:
			return err
		case t.Local || t.CommunityID != g.ID:
			return fmt.Errorf("term %s of another community: %w", term.ID, ErrDenied)
		default:
			if _, err := tx.TermVersion(ctx, t.ID, v.Number); err == nil {
				out = t
				return nil // had it
			} else if !errors.Is(err, storage.ErrNotFound) {
				return err
			}
		}
		if t.ID == 0 || v.Number > t.Version {
			applyTermVersion(&t, v)
			t.Version, t.UpdatedAt, t.URL = v.Number, v.CreatedAt, url
		}
		if t.ID == 0 {
			if err := tx.InsertTerm(ctx, &t); errors.Is(err, storage.ErrFull) {
				return fmt.Errorf("term %s: %w: %w", t.URI, err, ErrDenied) // its glossary here is full: dropped
			} else if err != nil {
				return err
			}
		} else if err := tx.UpdateTerm(ctx, t); err != nil {
			return err
		}
		v.TermID = t.ID
		if err := tx.AddTermVersion(ctx, &v); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return storage.Term{}, fmt.Errorf("take term %s version %d: %w", term.ID, term.Version, err)
	}
	return out, nil
}

// fillTermHistory fetches the versions of a remote term that are missing
// here from its history collection.
func (e *Engine) fillTermHistory(ctx context.Context, g storage.Account, t storage.Term, history string) error {
	missing := func() (int, error) {
		return missingVersions(ctx, t.ID, e.store.TermByID, e.store.TermVersionCount,
			func(t storage.Term) int { return t.Version })
	}
	return e.fillHistory(ctx, t.URI, history, missing, func(body []byte) (string, error) {
		return takeEach(body, activitypub.ParseTermHistoryPage, func(it activitypub.TermHistoryItem) error {
			if it.Doc.ID != t.URI || it.Doc.Audience != g.URI {
				return nil // another's: not taken from this history
			}
			_, err := e.takeTermVersion(ctx, g, it.Doc)
			return err
		})
	})
}
