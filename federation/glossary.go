package federation

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// A community's glossary (issue 13 item 4): terms with a Markdown
// definition, aliases, related terms and a reference, each change a new
// version, edited optimistically as artefacts are (a stale edit is a
// *TermStaleError, checked inside the writing transaction). Any member of
// the community may add or edit a term; its moderators too.

// Limits of what a member types into a term.
const (
	maxTermName       = 100
	maxTermDefinition = 50_000 // bytes of Markdown
	maxTermAliases    = 20
	maxTermRelated    = 20
	maxReferenceText  = 300
	maxReferenceURL   = 2000
)

// TermStaleError refuses an edit that started from a version that is no
// longer the current one: Since are the versions made after Base, oldest
// first.
type TermStaleError struct {
	Base    int
	Current int
	Since   []storage.TermVersion
}

func (e *TermStaleError) Error() string {
	return fmt.Sprintf("federation: the edit started from version %d, and the term is at version %d", e.Base, e.Current)
}

// NewTerm is what it takes to add a term to a glossary.
type NewTerm struct {
	Term          string
	Definition    string // Markdown
	Aliases       []string
	Related       []string // names of other terms
	ReferenceURL  string
	ReferenceText string
	Note          string
}

// TermEdit is a change to a term. BaseVersion is the version the editor
// started from; nil fields stay as they are.
type TermEdit struct {
	BaseVersion   int
	Term          *string
	Definition    *string
	Aliases       *[]string
	Related       *[]string
	ReferenceURL  *string
	ReferenceText *string
	Note          string
}

// TermTag is the hashtag a term is linked to: the term without its spaces
// and hyphens, normalised as hashtags are ("Data protection" and
// #DataProtection are one), or "" when that is no hashtag name.
func TermTag(term string) string {
	name, ok := NormalizeTag(strings.NewReplacer(" ", "", "-", "").Replace(term))
	if !ok {
		return ""
	}
	return name
}

// TermAnchor is the fragment that names a term on its glossary page.
func TermAnchor(term string) string {
	var b strings.Builder
	b.WriteString("term-")
	dash := false
	for _, r := range strings.ToLower(term) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// CreateTerm adds a term to the glossary of a community hosted here, by
// one of its members or moderators, as version 1, and sends
// Create{DefinedTerm} to the Group, which announces it to its followers.
// A member of another node proposes one instead (ProposeTerm), applied
// here with createTermIn, the same checks.
func (e *Engine) CreateTerm(ctx context.Context, author storage.Account, communityID storage.ID, nt NewTerm) (storage.Term, error) {
	if !author.Local() {
		return storage.Term{}, fmt.Errorf("create term by %s: %w", author.URI, ErrDenied)
	}
	var t storage.Term
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		var err error
		t, err = e.createTermIn(ctx, tx, author, communityID, nt)
		return err
	})
	if err != nil {
		return storage.Term{}, fmt.Errorf("create term: %w", err)
	}
	return t, nil
}

// newTermVersion is version 1 of a term as a member typed it, checked.
func newTermVersion(author storage.Account, nt NewTerm) (storage.TermVersion, error) {
	v := storage.TermVersion{Number: 1, Term: cleanLine(nt.Term), DefinitionSource: strings.TrimSpace(cleanText(nt.Definition)),
		Aliases: cleanList(nt.Aliases), Related: cleanList(nt.Related), ReferenceURL: strings.TrimSpace(nt.ReferenceURL),
		ReferenceText: cleanLine(nt.ReferenceText), EditorID: author.ID, EditorURI: author.URI, Note: cleanLine(nt.Note)}
	return v, validateTerm(v)
}

// createTermIn is every creation of a term in a community hosted here, by
// a member of this node or of another: it checks the author may add to
// the community (mayCreateIn) and the term (every refusal comes before
// anything is written), stores version 1 and sends Create{DefinedTerm}.
func (e *Engine) createTermIn(ctx context.Context, tx *storage.Tx, author storage.Account, communityID storage.ID, nt NewTerm) (storage.Term, error) {
	if author.ActorType != activitypub.TypePerson {
		return storage.Term{}, fmt.Errorf("create term by %s: %w", author.URI, ErrDenied)
	}
	v, err := newTermVersion(author, nt)
	if err != nil {
		return storage.Term{}, err
	}
	if v.DefinitionHTML, err = e.renderArtefact(v.DefinitionSource); err != nil {
		return storage.Term{}, err
	}
	g, err := hostedCommunity(ctx, tx, communityID)
	if err != nil {
		return storage.Term{}, err
	}
	if err := mayCreateIn(ctx, tx, g, author); err != nil {
		return storage.Term{}, err
	}
	if err := uniqueTerm(ctx, tx, g.ID, 0, v.Term); err != nil {
		return storage.Term{}, err
	}
	t := storage.Term{ID: tx.NewID(), CommunityID: g.ID, Local: true, CreatedBy: author.ID, Version: 1}
	t.URI = e.urls.Term(t.ID)
	t.URL = e.urls.GlossaryPage(g.Username) + "#" + TermAnchor(v.Term)
	applyTermVersion(&t, v)
	err = tx.InsertTerm(ctx, &t)
	if errors.Is(err, storage.ErrFull) {
		return storage.Term{}, invalid("Validation failed: a glossary holds at most %d terms", storage.MaxGlossaryTerms)
	}
	if err != nil {
		return storage.Term{}, err
	}
	v.TermID = t.ID
	if err := tx.AddTermVersion(ctx, &v); err != nil {
		return storage.Term{}, err
	}
	return t, e.sendTerm(ctx, tx, g, author, t, v, activitypub.TypeCreate)
}

// EditTerm makes a new version of a term hosted here from ed, if
// ed.BaseVersion is still its current version (else a *TermStaleError)
// and editor is a member or moderator of its community (else ErrDenied);
// the Group's followers are sent Update{DefinedTerm}.
func (e *Engine) EditTerm(ctx context.Context, editor storage.Account, id storage.ID, ed TermEdit) (storage.Term, error) {
	return e.reviseTerm(ctx, editor, id, ed.BaseVersion, ed.Note, termChange(ed))
}

// termChange is what an edit does to the next version, for
// reviseTerm(In): the same for a member of this node and of another.
func termChange(ed TermEdit) func(*storage.Tx, storage.Term, *storage.TermVersion) error {
	return func(_ *storage.Tx, _ storage.Term, v *storage.TermVersion) error {
		if ed.Term != nil {
			v.Term = cleanLine(*ed.Term)
		}
		if ed.Definition != nil {
			v.DefinitionSource = strings.TrimSpace(cleanText(*ed.Definition))
		}
		if ed.Aliases != nil {
			v.Aliases = cleanList(*ed.Aliases)
		}
		if ed.Related != nil {
			v.Related = cleanList(*ed.Related)
		}
		if ed.ReferenceURL != nil {
			v.ReferenceURL = strings.TrimSpace(*ed.ReferenceURL)
		}
		if ed.ReferenceText != nil {
			v.ReferenceText = cleanLine(*ed.ReferenceText)
		}
		return nil
	}
}

// RestoreTermVersion makes a new version with what version number had:
// the versions in between stay.
func (e *Engine) RestoreTermVersion(ctx context.Context, editor storage.Account, id storage.ID, base, number int, note string) (storage.Term, error) {
	if note == "" {
		note = fmt.Sprintf("Restored version %d", number)
	}
	return e.reviseTerm(ctx, editor, id, base, note, func(tx *storage.Tx, t storage.Term, v *storage.TermVersion) error {
		old, err := tx.TermVersion(ctx, t.ID, number)
		if errors.Is(err, storage.ErrNotFound) {
			return invalid("term has no version %d", number)
		}
		if err != nil {
			return err
		}
		v.Term, v.DefinitionSource, v.DefinitionHTML = old.Term, old.DefinitionSource, old.DefinitionHTML
		v.Aliases, v.Related, v.ReferenceURL, v.ReferenceText = old.Aliases, old.Related, old.ReferenceURL, old.ReferenceText
		return nil
	})
}

// reviseTerm is every change of a term hosted here by a member of this
// node: reviseTermIn in its own transaction.
func (e *Engine) reviseTerm(ctx context.Context, editor storage.Account, id storage.ID, base int, note string,
	change func(tx *storage.Tx, t storage.Term, v *storage.TermVersion) error) (storage.Term, error) {
	if base <= 0 {
		return storage.Term{}, invalid("base_version, the version the edit started from, is required")
	}
	if !editor.Local() {
		return storage.Term{}, fmt.Errorf("edit term by %s: %w", editor.URI, ErrDenied)
	}
	var out storage.Term
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		var err error
		out, err = e.reviseTermIn(ctx, tx, editor, id, base, note, change)
		return err
	})
	if err != nil {
		return storage.Term{}, fmt.Errorf("edit term %s: %w", id, err)
	}
	return out, nil
}

// reviseTermIn is every change of a term hosted here, by a member of this
// node or (applying their proposal) of another: inside tx it reads the
// term, checks the editor and the base version (editCheck), lets change
// turn a copy of the current version into the next, renders it, stores
// both, and sends Update{DefinedTerm}. Every refusal comes before
// anything is written.
func (e *Engine) reviseTermIn(ctx context.Context, tx *storage.Tx, editor storage.Account, id storage.ID, base int, note string,
	change func(tx *storage.Tx, t storage.Term, v *storage.TermVersion) error) (storage.Term, error) {
	note = cleanLine(note)
	if base <= 0 {
		return storage.Term{}, invalid("base_version, the version the edit started from, is required")
	}
	t, err := tx.TermByID(ctx, id)
	if err != nil {
		return storage.Term{}, err
	}
	var g storage.Account
	err = editCheck[storage.TermVersion]{what: "term", uri: t.URI, local: t.Local, base: base, current: t.Version,
		may: func() (bool, error) {
			var err error
			if g, err = hostedCommunity(ctx, tx, t.CommunityID); err != nil {
				return false, fmt.Errorf("community of %s: %w", t.URI, err)
			}
			return isContributor(ctx, tx, g, editor)
		},
		since: func(after, limit int) ([]storage.TermVersion, error) {
			return tx.TermVersions(ctx, t.ID, after, limit)
		},
		stale: func(since []storage.TermVersion) error {
			return &TermStaleError{Base: base, Current: t.Version, Since: since}
		},
	}.run(editor)
	if err != nil {
		return storage.Term{}, err
	}
	cur, err := tx.TermVersion(ctx, t.ID, t.Version)
	if err != nil {
		return storage.Term{}, fmt.Errorf("version %d of %s: %w", t.Version, t.URI, err)
	}
	next := cur
	next.Number, next.EditorID, next.EditorURI, next.Note = t.Version+1, editor.ID, editor.URI, note
	next.CreatedAt = tx.Now()
	if err := change(tx, t, &next); err != nil {
		return storage.Term{}, err
	}
	if err := validateTerm(next); err != nil {
		return storage.Term{}, err
	}
	if err := uniqueTerm(ctx, tx, g.ID, t.ID, next.Term); err != nil {
		return storage.Term{}, err
	}
	if sameTermVersion(cur, next) {
		return t, nil // an edit that changes nothing makes no version, and tells nobody
	}
	if next.DefinitionSource != cur.DefinitionSource || next.DefinitionHTML == "" {
		if next.DefinitionHTML, err = e.renderArtefact(next.DefinitionSource); err != nil {
			return storage.Term{}, err
		}
	}
	applyTermVersion(&t, next)
	t.Version, t.UpdatedAt = next.Number, tx.Now()
	if err := tx.AddTermVersion(ctx, &next); err != nil {
		return storage.Term{}, err
	}
	if err := tx.UpdateTerm(ctx, t); err != nil {
		return storage.Term{}, err
	}
	return t, e.sendTerm(ctx, tx, g, editor, t, next, activitypub.TypeUpdate)
}

// sameTermVersion reports whether two versions of a term say the same:
// its name, definition, aliases, related terms and reference.
func sameTermVersion(a, b storage.TermVersion) bool {
	return a.Term == b.Term && a.DefinitionSource == b.DefinitionSource && slices.Equal(a.Aliases, b.Aliases) &&
		slices.Equal(a.Related, b.Related) && a.ReferenceURL == b.ReferenceURL && a.ReferenceText == b.ReferenceText
}

// TermReadable reports whether viewer may read a term and its versions:
// the same rule as the community's artefacts (ArtefactReadable).
func (e *Engine) TermReadable(ctx context.Context, viewer storage.Account, t storage.Term) (bool, error) {
	return e.ArtefactReadable(ctx, viewer, storage.Artefact{CommunityID: t.CommunityID, URI: t.URI})
}

// GlossaryReadable reports whether viewer may read a community's
// glossary (the same rule).
func (e *Engine) GlossaryReadable(ctx context.Context, viewer storage.Account, communityID storage.ID) (bool, error) {
	return e.ArtefactReadable(ctx, viewer, storage.Artefact{CommunityID: communityID})
}

// applyTermVersion copies a version's content into the term.
func applyTermVersion(t *storage.Term, v storage.TermVersion) {
	t.Term, t.Tag = v.Term, TermTag(v.Term)
	t.DefinitionSource, t.DefinitionHTML = v.DefinitionSource, v.DefinitionHTML
	t.Aliases, t.Related, t.ReferenceURL, t.ReferenceText = v.Aliases, v.Related, v.ReferenceURL, v.ReferenceText
}

// uniqueTerm refuses a name another term of the glossary has (case aside).
func uniqueTerm(ctx context.Context, tx *storage.Tx, communityID, self storage.ID, name string) error {
	other, err := tx.TermByName(ctx, communityID, name)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if other.ID != self {
		return invalid("%q is in the glossary already", other.Term)
	}
	return nil
}

func validateTerm(v storage.TermVersion) error {
	switch {
	case v.Term == "":
		return invalid("term can't be blank")
	case utf8.RuneCountInString(v.Term) > maxTermName:
		return invalid("term is longer than %d characters", maxTermName)
	case v.DefinitionSource == "":
		return invalid("definition can't be blank")
	case len(v.DefinitionSource) > maxTermDefinition:
		return invalid("definition is longer than %d bytes", maxTermDefinition)
	case len(v.Aliases) > maxTermAliases:
		return invalid("a term has at most %d aliases", maxTermAliases)
	case len(v.Related) > maxTermRelated:
		return invalid("a term has at most %d related terms", maxTermRelated)
	case utf8.RuneCountInString(v.ReferenceText) > maxReferenceText:
		return invalid("reference text is longer than %d characters", maxReferenceText)
	case len(v.ReferenceURL) > maxReferenceURL:
		return invalid("reference URL is longer than %d characters", maxReferenceURL)
	case v.ReferenceURL != "" && !activitypub.ValidURL(v.ReferenceURL):
		return invalid("reference URL must be an http or https URL")
	case utf8.RuneCountInString(v.Note) > maxChangeNote:
		return invalid("change note is longer than %d characters", maxChangeNote)
	}
	for _, s := range append(slices.Clone(v.Aliases), v.Related...) {
		if utf8.RuneCountInString(s) > maxTermName {
			return invalid("alias or related term %q is longer than %d characters", s, maxTermName)
		}
	}
	return nil
}

// cleanList is a list of names a member typed: each trimmed, blanks and
// repeats (case aside, as strings.EqualFold compares) dropped. It is
// linear: a peer's term may name thousands before validateTerm refuses
// it, and comparing each with every other took over a second.
func cleanList(in []string) []string {
	out := []string{}
	seen := make(map[string]bool, len(in))
	for _, s := range in {
		s = cleanLine(s)
		if key := foldKey(s); s != "" && !seen[key] {
			seen[key] = true
			out = append(out, s)
		}
	}
	return out
}

// foldKey is s with each rune replaced by the least rune of its simple
// case folding orbit: two strings have the same key exactly when
// strings.EqualFold reports them equal.
func foldKey(s string) string {
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, s)
}

// Term is the ActivityPub id of a term hosted here (web/ap serves it).
func (u URLs) Term(id storage.ID) string { return u.Base + "/glossary/" + id.String() }

// TermHistory is the history collection (FEP-bad1) of a local term.
func (u URLs) TermHistory(id storage.ID) string { return u.Term(id) + "/history" }

// TermVersionIRI is the id of the activity that made version n of a local
// term.
func (u URLs) TermVersionIRI(id storage.ID, n int) string {
	return fmt.Sprintf("%s/versions/%d", u.Term(id), n)
}

// Glossary is the collection of a local community's terms (a term's
// inDefinedTermSet).
func (u URLs) Glossary(username string) string { return u.Actor(username) + "/glossary" }

// GlossaryPage is the web page of a local community's glossary.
func (u URLs) GlossaryPage(handle string) string {
	return u.Base + "/c/" + url.PathEscape(handle) + "/glossary"
}
