package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// A community's library (issue 13): artefacts, each with every version it
// has had and the files attached to them. The artefacts row is the current
// state, copied from its newest version; versions are only ever added.

// Licences an artefact may carry.
const (
	LicenceOGL      = "OGL-UK-3.0"
	LicenceCCBY     = "CC-BY-4.0"
	LicenceCCBYSA   = "CC-BY-SA-4.0"
	LicenceReserved = "all-rights-reserved"
)

// Licences lists the licences an artefact may carry, in the order a form
// offers them.
var Licences = []string{LicenceOGL, LicenceCCBY, LicenceCCBYSA, LicenceReserved}

// Edit policies: who, besides the community's moderators, may edit.
const (
	EditAuthors    = "authors"
	EditModerators = "moderators"
	EditMembers    = "members"
)

// Artefact is an artefact as it stands now: its newest version and what
// does not change with versions (community, identity, authors, policy).
type Artefact struct {
	ID           ID
	CommunityID  ID // the Group account
	URI          string
	URL          string
	Local        bool
	CreatedBy    ID // 0 once the account is gone
	Title        string
	Summary      string
	BodySource   string // Markdown
	BodyHTML     string // rendered and sanitised
	Tags         []string
	Authors      []ID
	Organisation string
	Licence      string
	EditPolicy   string
	Version      int // the current version's number
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// VersionFile is a file as one version has it: FileID names an
// artefact_files row for files stored here; a remote artefact's files
// are known by URL only.
type VersionFile struct {
	FileID    ID     `json:"id,omitempty,string"`
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"` // hex
	URL       string `json:"url,omitempty"`
}

// ArtefactVersion is one state of an artefact.
type ArtefactVersion struct {
	ArtefactID ID
	Number     int
	Title      string
	Summary    string
	BodySource string
	BodyHTML   string
	Files      []VersionFile
	EditorID   ID // 0 once the account is gone
	EditorURI  string
	Note       string
	CreatedAt  time.Time
}

// ArtefactFile is a file uploaded to an artefact hosted here.
type ArtefactFile struct {
	ID          ID
	ArtefactID  ID
	CommunityID ID
	StorageName string // under the artefact file directory; random
	Name        string // as uploaded
	MediaType   string
	Size        int64
	SHA256      string // hex
	UploadedBy  ID
	CreatedAt   time.Time
}

const artefactColumns = `id, community_id, uri, url, local, created_by, title, summary, body_source, body_html,
tags, authors, organisation, licence, edit_policy, version, created_at, updated_at`

func scanArtefact(row scanner) (Artefact, error) {
	var a Artefact
	var createdBy sql.NullInt64
	var tags, authors string
	var local int
	var created, updated int64
	err := row.Scan(&a.ID, &a.CommunityID, &a.URI, &a.URL, &local, &createdBy, &a.Title, &a.Summary, &a.BodySource,
		&a.BodyHTML, &tags, &authors, &a.Organisation, &a.Licence, &a.EditPolicy, &a.Version, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Artefact{}, ErrNotFound
	}
	if err != nil {
		return Artefact{}, fmt.Errorf("artefact: %w", err)
	}
	if err := json.Unmarshal([]byte(tags), &a.Tags); err != nil {
		return Artefact{}, fmt.Errorf("artefact %d tags: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(authors), &a.Authors); err != nil {
		return Artefact{}, fmt.Errorf("artefact %d authors: %w", a.ID, err)
	}
	a.Local = local == 1
	a.CreatedBy = ID(createdBy.Int64)
	a.CreatedAt, a.UpdatedAt = fromMillis(created), fromMillis(updated)
	return a, nil
}

// jsonList is a slice as a JSON array, never null.
func jsonList[T any](v []T) string {
	if v == nil {
		v = []T{}
	}
	b, _ := json.Marshal(v) // strings, IDs and plain structs always marshal
	return string(b)
}

const qArtefactByID = `SELECT ` + artefactColumns + ` FROM artefacts WHERE id = ?`

// ArtefactByID returns an artefact, or ErrNotFound.
func (q queries) ArtefactByID(ctx context.Context, id ID) (Artefact, error) {
	return scanArtefact(q.q.QueryRowContext(ctx, qArtefactByID, id))
}

const qArtefactByURI = `SELECT ` + artefactColumns + ` FROM artefacts WHERE uri = ?`

// ArtefactByURI returns the artefact with ActivityPub id uri, or ErrNotFound.
func (q queries) ArtefactByURI(ctx context.Context, uri string) (Artefact, error) {
	return scanArtefact(q.q.QueryRowContext(ctx, qArtefactByURI, uri))
}

const qCommunityArtefacts = `SELECT ` + artefactColumns + ` FROM artefacts
WHERE community_id = ? AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?`

// CommunityArtefacts lists a community's artefacts, newest first, older
// than p.MaxID when set.
func (q queries) CommunityArtefacts(ctx context.Context, communityID ID, p Page) ([]Artefact, error) {
	return q.communityArtefacts(ctx, qCommunityArtefacts, communityID, p)
}

// artefactListColumns are artefactColumns without the body and the
// authors: a library lists titles, summaries and tags, and a body may be
// 1 MB.
const artefactListColumns = `id, community_id, uri, url, local, created_by, title, summary, '', '',
tags, '[]', organisation, licence, edit_policy, version, created_at, updated_at`

const qCommunityLibrary = `SELECT ` + artefactListColumns + ` FROM artefacts
WHERE community_id = ? AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?`

// CommunityLibrary lists a community's artefacts as CommunityArtefacts
// does, without their bodies and authors (BodySource and BodyHTML are "",
// Authors empty): one page of a library, in one query.
func (q queries) CommunityLibrary(ctx context.Context, communityID ID, p Page) ([]Artefact, error) {
	return q.communityArtefacts(ctx, qCommunityLibrary, communityID, p)
}

func (q queries) communityArtefacts(ctx context.Context, query string, communityID ID, p Page) ([]Artefact, error) {
	out, err := queryAll(ctx, q.q, scanArtefact, query, communityID, p.MaxID, p.MaxID, p.limit())
	if err != nil {
		return nil, fmt.Errorf("community %d artefacts: %w", communityID, err)
	}
	return out, nil
}

const qInsertArtefact = `INSERT INTO artefacts (` + artefactColumns + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

// InsertArtefact stores a new artefact (without its versions: add the
// first with AddArtefactVersion). A zero ID is given a fresh one.
func (tx *Tx) InsertArtefact(ctx context.Context, a *Artefact) error {
	tx.stampNew(&a.ID, &a.CreatedAt, &a.UpdatedAt)
	return tx.insertUnique(ctx, "artefact", a.URI, qInsertArtefact, a.ID, a.CommunityID, a.URI, a.URL, boolInt(a.Local),
		nullID(a.CreatedBy), a.Title, a.Summary, a.BodySource, a.BodyHTML, jsonList(a.Tags), jsonList(a.Authors),
		a.Organisation, a.Licence, a.EditPolicy, a.Version, millis(a.CreatedAt), millis(a.UpdatedAt))
}

const qUpdateArtefact = `UPDATE artefacts SET title = ?, summary = ?, body_source = ?, body_html = ?, tags = ?,
authors = ?, organisation = ?, licence = ?, edit_policy = ?, version = ?, updated_at = ? WHERE id = ?`

// UpdateArtefact writes an artefact's current state (after adding the
// version it now is).
func (tx *Tx) UpdateArtefact(ctx context.Context, a Artefact) error {
	return tx.updateOne(ctx, "artefact", a.ID, qUpdateArtefact, a.Title, a.Summary, a.BodySource, a.BodyHTML,
		jsonList(a.Tags), jsonList(a.Authors), a.Organisation, a.Licence, a.EditPolicy, a.Version, millis(a.UpdatedAt), a.ID)
}

// artefactVersions is the artefact_versions table: its content columns
// are those of ArtefactVersion, files as a JSON list.
var artefactVersions = newVersionTable("artefact", "artefact_versions", "artefact_id",
	[]string{"title", "summary", "body_source", "body_html", "files"})

// Entry is the version as a history lists it.
func (v ArtefactVersion) Entry() VersionEntry {
	return VersionEntry{Number: v.Number, EditorID: v.EditorID, EditorURI: v.EditorURI, Note: v.Note, CreatedAt: v.CreatedAt}
}

func scanVersion(row scanner) (ArtefactVersion, error) {
	var v ArtefactVersion
	var e VersionEntry
	var files string
	if err := artefactVersions.scan(row, &v.ArtefactID, &e, &v.Title, &v.Summary, &v.BodySource, &v.BodyHTML, &files); err != nil {
		return ArtefactVersion{}, err
	}
	v.Number, v.EditorID, v.EditorURI, v.Note, v.CreatedAt = e.Number, e.EditorID, e.EditorURI, e.Note, e.CreatedAt
	if err := json.Unmarshal([]byte(files), &v.Files); err != nil {
		return ArtefactVersion{}, fmt.Errorf("artefact %d version %d files: %w", v.ArtefactID, v.Number, err)
	}
	return v, nil
}

// AddArtefactVersion adds a version. Its number must be new for the
// artefact: a second version with the same number is ErrDuplicate, which
// is how two edits from the same base cannot both land.
func (tx *Tx) AddArtefactVersion(ctx context.Context, v *ArtefactVersion) error {
	if v.CreatedAt.IsZero() {
		v.CreatedAt = tx.now
	}
	return artefactVersions.add(ctx, tx, v.ArtefactID, v.Entry(), v.Title, v.Summary, v.BodySource, v.BodyHTML, jsonList(v.Files))
}

// ArtefactVersion returns one version of an artefact, or ErrNotFound.
func (q queries) ArtefactVersion(ctx context.Context, artefactID ID, number int) (ArtefactVersion, error) {
	return versionByNumber(ctx, q.q, artefactVersions, scanVersion, artefactID, number)
}

// ArtefactVersions lists up to limit versions of an artefact numbered
// after `after`, oldest first (after 0: from the first).
func (q queries) ArtefactVersions(ctx context.Context, artefactID ID, after, limit int) ([]ArtefactVersion, error) {
	return versionsAfter(ctx, q.q, artefactVersions, scanVersion, artefactID, after, limit)
}

// ArtefactHistory lists up to limit of an artefact's versions numbered
// below before, newest first, without their content: one page of its
// history.
func (q queries) ArtefactHistory(ctx context.Context, artefactID ID, before, limit int) ([]VersionEntry, error) {
	return artefactVersions.entries(ctx, q.q, artefactID, before, limit)
}

// ArtefactVersionCount is how many versions of an artefact are stored
// here (a remote artefact's may have gaps).
func (q queries) ArtefactVersionCount(ctx context.Context, artefactID ID) (int, error) {
	return artefactVersions.count(ctx, q.q, artefactID)
}

const fileColumns = `id, artefact_id, community_id, storage_name, name, media_type, size, sha256, uploaded_by, created_at`

func scanArtefactFile(row scanner) (ArtefactFile, error) {
	var f ArtefactFile
	var by sql.NullInt64
	var created int64
	err := row.Scan(&f.ID, &f.ArtefactID, &f.CommunityID, &f.StorageName, &f.Name, &f.MediaType, &f.Size, &f.SHA256, &by, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return ArtefactFile{}, ErrNotFound
	}
	if err != nil {
		return ArtefactFile{}, fmt.Errorf("artefact file: %w", err)
	}
	f.UploadedBy = ID(by.Int64)
	f.CreatedAt = fromMillis(created)
	return f, nil
}

const qInsertArtefactFile = `INSERT INTO artefact_files (` + fileColumns + `) VALUES (?,?,?,?,?,?,?,?,?,?)`

// InsertArtefactFile records a stored file. A zero ID is given a fresh one.
func (tx *Tx) InsertArtefactFile(ctx context.Context, f *ArtefactFile) error {
	if f.ID == 0 {
		f.ID = tx.NewID()
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = tx.now
	}
	_, err := tx.exec(ctx, "insert artefact file", qInsertArtefactFile, f.ID, f.ArtefactID, f.CommunityID, f.StorageName,
		f.Name, f.MediaType, f.Size, f.SHA256, nullID(f.UploadedBy), millis(f.CreatedAt))
	return err
}

const qArtefactFile = `SELECT ` + fileColumns + ` FROM artefact_files WHERE id = ?`

// ArtefactFile returns a stored file, or ErrNotFound.
func (q queries) ArtefactFile(ctx context.Context, id ID) (ArtefactFile, error) {
	return scanArtefactFile(q.q.QueryRowContext(ctx, qArtefactFile, id))
}

const qCommunityFileBytes = `SELECT coalesce(sum(size), 0) FROM artefact_files WHERE community_id = ?`

// CommunityFileBytes is how many bytes of files a community's artefacts
// hold here, every version's counted (versions are kept).
func (q queries) CommunityFileBytes(ctx context.Context, communityID ID) (int64, error) {
	var n int64
	if err := q.q.QueryRowContext(ctx, qCommunityFileBytes, communityID).Scan(&n); err != nil {
		return 0, fmt.Errorf("community %d file bytes: %w", communityID, err)
	}
	return n, nil
}

const qArtefactStorageNames = `SELECT storage_name FROM artefact_files WHERE artefact_id = ?`

const qDeleteArtefact = `DELETE FROM artefacts WHERE id = ?`

// DeleteArtefact removes an artefact with every version, file row, file
// text and search entry it has (the tables cascade), and returns the
// storage names of its files, for the caller to remove from disk once
// the transaction commits; ErrNotFound when there is no such artefact.
func (tx *Tx) DeleteArtefact(ctx context.Context, id ID) ([]string, error) {
	rows, err := tx.tx.QueryContext(ctx, qArtefactStorageNames, id)
	if err != nil {
		return nil, fmt.Errorf("files of artefact %d: %w", id, err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("files of artefact %d: %w", id, err)
		}
		names = append(names, n)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("files of artefact %d: %w", id, err)
	}
	res, err := tx.exec(ctx, "delete artefact", qDeleteArtefact, id)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return nil, fmt.Errorf("delete artefact %d: %w", id, errors.Join(err, ErrNotFound))
	}
	return names, nil
}
