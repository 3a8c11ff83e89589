package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A member's uploads are attachments rows with no status until a post
// takes them: InsertStatus (and UpdateStatus) attach an upload given in
// Status.Attachments by its ID. The files themselves live under the
// node's media directory; the engine writes and removes them.

// attachmentColumns reads an attachment with scanAttachment.
const attachmentColumns = `id, coalesce(status_id, 0), account_id, media_type, url, description, blurhash,
width, height, created_at, preview_url, preview_width, preview_height, focus_x, focus_y, file_path, preview_path,
file_size`

func scanAttachment(row scanner) (Attachment, error) {
	var a Attachment
	var created int64
	err := row.Scan(&a.ID, &a.StatusID, &a.AccountID, &a.MediaType, &a.URL, &a.Description, &a.Blurhash,
		&a.Width, &a.Height, &created, &a.PreviewURL, &a.PreviewWidth, &a.PreviewHeight, &a.FocusX, &a.FocusY,
		&a.File, &a.PreviewFile, &a.Size)
	if errors.Is(err, sql.ErrNoRows) {
		return Attachment{}, ErrNotFound
	}
	if err != nil {
		return Attachment{}, fmt.Errorf("attachment: %w", err)
	}
	a.CreatedAt = fromMillis(created)
	return a, nil
}

// qInsertAttachment stores an attachment, or attaches an existing upload
// (same ID) to the status, taking its description and focal point.
const qInsertAttachment = `INSERT INTO attachments (id, status_id, account_id, media_type, url, description, blurhash,
width, height, created_at, preview_url, preview_width, preview_height, focus_x, focus_y, file_path, preview_path,
file_size) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (id) DO UPDATE SET status_id = excluded.status_id, description = excluded.description,
focus_x = excluded.focus_x, focus_y = excluded.focus_y`

// InsertMedia stores a member's upload, attached to no status. It fills
// ID and CreatedAt when zero.
func (tx *Tx) InsertMedia(ctx context.Context, a *Attachment) error {
	if a.ID == 0 {
		a.ID = tx.NewID()
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = tx.now
	}
	a.StatusID = 0
	_, err := tx.tx.ExecContext(ctx, qInsertAttachment, a.ID, nil, a.AccountID, a.MediaType, a.URL,
		a.Description, a.Blurhash, a.Width, a.Height, millis(a.CreatedAt), a.PreviewURL, a.PreviewWidth,
		a.PreviewHeight, a.FocusX, a.FocusY, a.File, a.PreviewFile, a.Size)
	if err != nil {
		return fmt.Errorf("insert media: %w", err)
	}
	return nil
}

const qMediaByID = `SELECT ` + attachmentColumns + ` FROM attachments WHERE id = ? AND account_id = ?`

// MediaByID returns the attachment id, attached or not, if owner
// uploaded it (the author of a status owns its attachments); ErrNotFound
// otherwise.
func (q queries) MediaByID(ctx context.Context, id, owner ID) (Attachment, error) {
	a, err := scanAttachment(q.q.QueryRowContext(ctx, qMediaByID, id, owner))
	if err != nil {
		return Attachment{}, fmt.Errorf("media %d: %w", id, err)
	}
	return a, nil
}

// MediaForStatus returns owner's uploads ids, in that order, if each is
// attached to no status or already to status (zero for a new one). An
// ID that is someone else's, unknown or attached elsewhere is
// ErrNotFound, naming it.
func (q queries) MediaForStatus(ctx context.Context, owner, status ID, ids []ID) ([]Attachment, error) {
	out := make([]Attachment, 0, len(ids))
	for _, id := range ids {
		a, err := q.MediaByID(ctx, id, owner)
		if err != nil {
			return nil, err
		}
		if a.StatusID != 0 && a.StatusID != status {
			return nil, fmt.Errorf("media %d is attached to status %d: %w", id, a.StatusID, ErrNotFound)
		}
		out = append(out, a)
	}
	return out, nil
}

const qUpdateMedia = `UPDATE attachments SET description = ?, focus_x = ?, focus_y = ? WHERE id = ? AND account_id = ?`

// UpdateMedia saves an upload's description and focal point.
func (tx *Tx) UpdateMedia(ctx context.Context, a Attachment) error {
	res, err := tx.tx.ExecContext(ctx, qUpdateMedia, a.Description, a.FocusX, a.FocusY, a.ID, a.AccountID)
	if err != nil {
		return fmt.Errorf("update media %d: %w", a.ID, err)
	}
	return mustAffect(res, "update media")
}

const qDeleteMedia = `DELETE FROM attachments WHERE id = ? AND account_id = ? AND status_id IS NULL
AND NOT EXISTS (SELECT 1 FROM scheduled_status_media sm WHERE sm.attachment_id = attachments.id)`

// DeleteMedia removes an upload that no status has taken and no
// scheduled status waits for; ErrNotFound if there is none such (as
// Mastodon answers for an upload in use).
func (tx *Tx) DeleteMedia(ctx context.Context, id, owner ID) error {
	res, err := tx.tx.ExecContext(ctx, qDeleteMedia, id, owner)
	if err != nil {
		return fmt.Errorf("delete media %d: %w", id, err)
	}
	return mustAffect(res, "delete media")
}

const qDetachMedia = `UPDATE attachments SET status_id = NULL WHERE status_id = ? AND file_path != ''`

// DetachMedia makes the uploads of a status unattached again, so they
// outlive its deletion: Mastodon apps' "delete and redraft" posts them
// again by ID. Remote media, which have no file here, stay attached.
func (tx *Tx) DetachMedia(ctx context.Context, status ID) error {
	if _, err := tx.tx.ExecContext(ctx, qDetachMedia, status); err != nil {
		return fmt.Errorf("detach media of status %d: %w", status, err)
	}
	return nil
}

const qStatusMediaFiles = `SELECT file_path, preview_path FROM attachments WHERE status_id = ? AND file_path <> ''`

// StatusMediaFiles returns the files under the media directory of the
// uploads attached to a status: DeleteStatus removes their rows by
// cascade, and the engine removes the files once that commits.
func (q queries) StatusMediaFiles(ctx context.Context, status ID) ([]string, error) {
	rows, err := queryAll(ctx, q.q, func(r scanner) ([2]string, error) {
		var f [2]string
		return f, r.Scan(&f[0], &f[1])
	}, qStatusMediaFiles, status)
	if err != nil {
		return nil, fmt.Errorf("media files of status %d: %w", status, err)
	}
	var out []string
	for _, f := range rows {
		out = append(out, f[0])
		if f[1] != "" {
			out = append(out, f[1])
		}
	}
	return out, nil
}

const qUnattachedMedia = `SELECT ` + attachmentColumns + ` FROM attachments
WHERE status_id IS NULL AND created_at < ?
AND NOT EXISTS (SELECT 1 FROM scheduled_status_media sm WHERE sm.attachment_id = attachments.id)
ORDER BY created_at LIMIT ?`

// UnattachedMedia returns up to limit uploads made before t that no
// status has taken, oldest first: the ones to clean up. Uploads a
// scheduled status waits for are not among them.
func (q queries) UnattachedMedia(ctx context.Context, before time.Time, limit int) ([]Attachment, error) {
	out, err := queryAll(ctx, q.q, scanAttachment, qUnattachedMedia, millis(before), limit)
	if err != nil {
		return nil, fmt.Errorf("unattached media: %w", err)
	}
	return out, nil
}

// Files were once named after their account and media IDs
// ("<account id>/<media id>.jpg"), which anyone could guess; now they are
// "<2 hex>/<32 hex>...", named by random bits (federation/media_names.go).
// These queries find the rows that still name a file the old way, so the
// engine can rename them once.

// qLegacyMediaFiles relies on old names starting with a decimal account
// ID of many digits: no new name, whose first folder is two hex digits
// and a slash, matches, and no old one fails to. The partial index
// attachments_files (0017) keeps this cheap among remote attachments.
const qLegacyMediaFiles = `SELECT ` + attachmentColumns + ` FROM attachments
WHERE file_path <> '' AND file_path NOT GLOB '[0-9a-f][0-9a-f]/*' ORDER BY id LIMIT ?`

// LegacyMediaFiles returns up to limit uploads whose files still have
// their old, guessable names.
func (q queries) LegacyMediaFiles(ctx context.Context, limit int) ([]Attachment, error) {
	out, err := queryAll(ctx, q.q, scanAttachment, qLegacyMediaFiles, limit)
	if err != nil {
		return nil, fmt.Errorf("legacy media files: %w", err)
	}
	return out, nil
}

const qRenameMediaFiles = `UPDATE attachments SET file_path = ?, url = ?, preview_path = ?, preview_url = ?
WHERE id = ? AND file_path = ?`

// RenameMediaFiles points an upload's row at new files and URLs, if it
// still names oldFile; ErrNotFound otherwise (deleted or renamed
// meanwhile).
func (tx *Tx) RenameMediaFiles(ctx context.Context, a Attachment, oldFile string) error {
	res, err := tx.tx.ExecContext(ctx, qRenameMediaFiles, a.File, a.URL, a.PreviewFile, a.PreviewURL, a.ID, oldFile)
	if err != nil {
		return fmt.Errorf("rename media files %d: %w", a.ID, err)
	}
	return mustAffect(res, "rename media files")
}

// ProfileImages is a local account's avatar and header URLs.
type ProfileImages struct {
	AccountID ID
	Avatar    string
	Header    string
}

// qLocalProfileImages lists local accounts with an avatar or header under
// prefix (the node's media URL): few rows, one per member or community.
const qLocalProfileImages = `SELECT id, avatar_url, header_url FROM accounts
WHERE domain = '' AND (substr(avatar_url, 1, length(?1)) = ?1 OR substr(header_url, 1, length(?1)) = ?1)
ORDER BY id`

// LocalProfileImages returns the avatar and header URLs of local accounts
// that have one starting with prefix.
func (q queries) LocalProfileImages(ctx context.Context, prefix string) ([]ProfileImages, error) {
	out, err := queryAll(ctx, q.q, func(row scanner) (ProfileImages, error) {
		var p ProfileImages
		err := row.Scan(&p.AccountID, &p.Avatar, &p.Header)
		return p, err
	}, qLocalProfileImages, prefix)
	if err != nil {
		return nil, fmt.Errorf("local profile images: %w", err)
	}
	return out, nil
}

const qRenameProfileImages = `UPDATE accounts SET avatar_url = ?, header_url = ?
WHERE id = ? AND avatar_url = ? AND header_url = ?`

// RenameProfileImages sets an account's avatar and header URLs to to if
// they are still from; ErrNotFound otherwise.
func (tx *Tx) RenameProfileImages(ctx context.Context, from, to ProfileImages) error {
	tx.holdAccount(from.AccountID)
	res, err := tx.tx.ExecContext(ctx, qRenameProfileImages, to.Avatar, to.Header, from.AccountID, from.Avatar, from.Header)
	if err != nil {
		return fmt.Errorf("rename profile images of %d: %w", from.AccountID, err)
	}
	return mustAffect(res, "rename profile images")
}
