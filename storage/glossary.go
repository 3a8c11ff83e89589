package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// A community's glossary (issue 13 item 4): terms, each with every version
// it has had. The glossary_terms row is the current state, copied from its
// newest version; versions are only ever added.

// MaxGlossaryTerms bounds how many terms a community's glossary holds
// (InsertTerm refuses one more): a glossary is read whole, A to Z, so a
// term past the bound would be kept and never listed.
const MaxGlossaryTerms = 2000

// Term is a glossary term as it stands now.
type Term struct {
	ID               ID
	CommunityID      ID // the Group account
	URI              string
	URL              string
	Local            bool
	CreatedBy        ID // 0 once the account is gone
	Term             string
	Tag              string // the term as a hashtag name; "" when it is none
	DefinitionSource string // Markdown
	DefinitionHTML   string // rendered and sanitised
	Aliases          []string
	Related          []string // names of other terms
	ReferenceURL     string
	ReferenceText    string
	Version          int
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// TermVersion is one state of a term.
type TermVersion struct {
	TermID           ID
	Number           int
	Term             string
	DefinitionSource string
	DefinitionHTML   string
	Aliases          []string
	Related          []string
	ReferenceURL     string
	ReferenceText    string
	EditorID         ID // 0 once the account is gone
	EditorURI        string
	Note             string
	CreatedAt        time.Time
}

// TermUsage is a term with how many of its community's posts and
// artefacts carry its hashtag.
type TermUsage struct {
	Term
	Posts     int
	Artefacts int
}

const termColumns = `id, community_id, uri, url, local, created_by, term, tag, definition_source, definition_html,
aliases, related, reference_url, reference_text, version, created_at, updated_at`

func scanTerm(row scanner, extra ...any) (Term, error) {
	var t Term
	var createdBy sql.NullInt64
	var aliases, related string
	var local int
	var created, updated int64
	dest := append([]any{&t.ID, &t.CommunityID, &t.URI, &t.URL, &local, &createdBy, &t.Term, &t.Tag, &t.DefinitionSource,
		&t.DefinitionHTML, &aliases, &related, &t.ReferenceURL, &t.ReferenceText, &t.Version, &created, &updated}, extra...)
	err := row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return Term{}, ErrNotFound
	}
	if err != nil {
		return Term{}, fmt.Errorf("term: %w", err)
	}
	if err := json.Unmarshal([]byte(aliases), &t.Aliases); err != nil {
		return Term{}, fmt.Errorf("term %d aliases: %w", t.ID, err)
	}
	if err := json.Unmarshal([]byte(related), &t.Related); err != nil {
		return Term{}, fmt.Errorf("term %d related: %w", t.ID, err)
	}
	t.Local = local == 1
	t.CreatedBy = ID(createdBy.Int64)
	t.CreatedAt, t.UpdatedAt = fromMillis(created), fromMillis(updated)
	return t, nil
}

const qTermByID = `SELECT ` + termColumns + ` FROM glossary_terms WHERE id = ?`

// TermByID returns a glossary term, or ErrNotFound.
func (q queries) TermByID(ctx context.Context, id ID) (Term, error) {
	return scanTerm(q.q.QueryRowContext(ctx, qTermByID, id))
}

const qTermByURI = `SELECT ` + termColumns + ` FROM glossary_terms WHERE uri = ?`

// TermByURI returns the term with ActivityPub id uri, or ErrNotFound.
func (q queries) TermByURI(ctx context.Context, uri string) (Term, error) {
	return scanTerm(q.q.QueryRowContext(ctx, qTermByURI, uri))
}

const qTermByName = `SELECT ` + termColumns + ` FROM glossary_terms WHERE community_id = ? AND term = ? COLLATE NOCASE LIMIT 1`

// TermByName returns a community's term named name (case aside), or
// ErrNotFound.
func (q queries) TermByName(ctx context.Context, communityID ID, name string) (Term, error) {
	return scanTerm(q.q.QueryRowContext(ctx, qTermByName, communityID, name))
}

// qCommunityTerms counts each term's uses at read time, so the counts
// follow posts as they arrive and are deleted (status_tags rows go with
// their status): by the tag's unique name, the status_tags primary key
// (tag_id, status_id), and the status's community row; artefacts carry
// their tags as a JSON list, read over the community's artefacts.
const qCommunityTerms = `SELECT ` + termColumns + `,
	CASE WHEN g.tag = '' THEN 0 ELSE (SELECT count(*) FROM tags t JOIN status_tags st ON st.tag_id = t.id
		WHERE t.name = g.tag AND (
			EXISTS (SELECT 1 FROM community_threads c WHERE c.status_id = st.status_id AND c.group_id = g.community_id)
			OR EXISTS (SELECT 1 FROM community_statuses c WHERE c.status_id = st.status_id AND c.community_id = g.community_id))) END,
	CASE WHEN g.tag = '' THEN 0 ELSE (SELECT count(*) FROM artefacts a
		WHERE a.community_id = g.community_id AND EXISTS (SELECT 1 FROM json_each(a.tags) j WHERE j.value = g.tag)) END
FROM glossary_terms g WHERE g.community_id = ? ORDER BY g.term COLLATE NOCASE, g.id LIMIT ?`

// CommunityTerms lists a community's glossary A to Z (up to
// MaxGlossaryTerms terms), each with how many of the community's posts
// and artefacts carry its hashtag.
func (q queries) CommunityTerms(ctx context.Context, communityID ID) ([]TermUsage, error) {
	out, err := queryAll(ctx, q.q, func(row scanner) (TermUsage, error) {
		var u TermUsage
		t, err := scanTerm(row, &u.Posts, &u.Artefacts)
		u.Term = t
		return u, err
	}, qCommunityTerms, communityID, MaxGlossaryTerms)
	if err != nil {
		return nil, fmt.Errorf("community %d glossary: %w", communityID, err)
	}
	return out, nil
}

// TermName is a term's name and aliases: what links its uses to it.
type TermName struct {
	Term    string
	Aliases []string
}

const qCommunityTermNames = `SELECT term, aliases FROM glossary_terms WHERE community_id = ?
ORDER BY term COLLATE NOCASE, id LIMIT ?`

// CommunityTermNames lists the names and aliases of a community's terms
// A to Z (up to MaxGlossaryTerms), without counting their uses as
// CommunityTerms does: a page that links terms reads this.
func (q queries) CommunityTermNames(ctx context.Context, communityID ID) ([]TermName, error) {
	out, err := queryAll(ctx, q.q, func(row scanner) (TermName, error) {
		var n TermName
		var aliases string
		if err := row.Scan(&n.Term, &aliases); err != nil {
			return n, err
		}
		return n, json.Unmarshal([]byte(aliases), &n.Aliases)
	}, qCommunityTermNames, communityID, MaxGlossaryTerms)
	if err != nil {
		return nil, fmt.Errorf("community %d term names: %w", communityID, err)
	}
	return out, nil
}

const qInsertTerm = `INSERT INTO glossary_terms (` + termColumns + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

// InsertTerm stores a new term (without its versions: add the first with
// AddTermVersion). A zero ID is given a fresh one.
//
// A glossary that holds MaxGlossaryTerms already takes no more: ErrFull.
func (tx *Tx) InsertTerm(ctx context.Context, t *Term) error {
	var n int
	if err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM glossary_terms WHERE community_id = ?`, t.CommunityID).Scan(&n); err != nil {
		return fmt.Errorf("insert term: %w", err)
	}
	if n >= MaxGlossaryTerms {
		return fmt.Errorf("insert term into the glossary of %d: %w", t.CommunityID, ErrFull)
	}
	tx.stampNew(&t.ID, &t.CreatedAt, &t.UpdatedAt)
	community := t.CommunityID
	tx.AfterCommit(func() { tx.store.termNames.drop(community) })
	return tx.insertUnique(ctx, "term", t.URI, qInsertTerm, t.ID, t.CommunityID, t.URI, t.URL, boolInt(t.Local),
		nullID(t.CreatedBy), t.Term, t.Tag, t.DefinitionSource, t.DefinitionHTML, jsonList(t.Aliases), jsonList(t.Related),
		t.ReferenceURL, t.ReferenceText, t.Version, millis(t.CreatedAt), millis(t.UpdatedAt))
}

const qUpdateTerm = `UPDATE glossary_terms SET term = ?, tag = ?, definition_source = ?, definition_html = ?, aliases = ?,
related = ?, reference_url = ?, reference_text = ?, version = ?, updated_at = ? WHERE id = ?`

// UpdateTerm writes a term's current state (after adding the version it
// now is).
func (tx *Tx) UpdateTerm(ctx context.Context, t Term) error {
	tx.AfterCommit(func() { tx.store.termNames.drop(t.CommunityID) })
	return tx.updateOne(ctx, "term", t.ID, qUpdateTerm, t.Term, t.Tag, t.DefinitionSource, t.DefinitionHTML,
		jsonList(t.Aliases), jsonList(t.Related), t.ReferenceURL, t.ReferenceText, t.Version, millis(t.UpdatedAt), t.ID)
}

// termVersions is the glossary_term_versions table: its content columns
// are those of TermVersion, aliases and related as JSON lists.
var termVersions = newVersionTable("term", "glossary_term_versions", "term_id",
	[]string{"term", "definition_source", "definition_html", "aliases", "related", "reference_url", "reference_text"})

// Entry is the version as a history lists it.
func (v TermVersion) Entry() VersionEntry {
	return VersionEntry{Number: v.Number, EditorID: v.EditorID, EditorURI: v.EditorURI, Note: v.Note, CreatedAt: v.CreatedAt}
}

func scanTermVersion(row scanner) (TermVersion, error) {
	var v TermVersion
	var e VersionEntry
	var aliases, related string
	if err := termVersions.scan(row, &v.TermID, &e, &v.Term, &v.DefinitionSource, &v.DefinitionHTML, &aliases, &related,
		&v.ReferenceURL, &v.ReferenceText); err != nil {
		return TermVersion{}, err
	}
	v.Number, v.EditorID, v.EditorURI, v.Note, v.CreatedAt = e.Number, e.EditorID, e.EditorURI, e.Note, e.CreatedAt
	if err := json.Unmarshal([]byte(aliases), &v.Aliases); err != nil {
		return TermVersion{}, fmt.Errorf("term %d version %d aliases: %w", v.TermID, v.Number, err)
	}
	if err := json.Unmarshal([]byte(related), &v.Related); err != nil {
		return TermVersion{}, fmt.Errorf("term %d version %d related: %w", v.TermID, v.Number, err)
	}
	return v, nil
}

// AddTermVersion adds a version. Its number must be new for the term: a
// second version with the same number is ErrDuplicate.
func (tx *Tx) AddTermVersion(ctx context.Context, v *TermVersion) error {
	if v.CreatedAt.IsZero() {
		v.CreatedAt = tx.now
	}
	return termVersions.add(ctx, tx, v.TermID, v.Entry(), v.Term, v.DefinitionSource, v.DefinitionHTML,
		jsonList(v.Aliases), jsonList(v.Related), v.ReferenceURL, v.ReferenceText)
}

// TermVersion returns one version of a term, or ErrNotFound.
func (q queries) TermVersion(ctx context.Context, termID ID, number int) (TermVersion, error) {
	return versionByNumber(ctx, q.q, termVersions, scanTermVersion, termID, number)
}

// TermVersions lists up to limit versions of a term numbered after
// `after`, oldest first.
func (q queries) TermVersions(ctx context.Context, termID ID, after, limit int) ([]TermVersion, error) {
	return versionsAfter(ctx, q.q, termVersions, scanTermVersion, termID, after, limit)
}

// TermVersionCount is how many versions of a term are stored here.
func (q queries) TermVersionCount(ctx context.Context, termID ID) (int, error) {
	return termVersions.count(ctx, q.q, termID)
}
