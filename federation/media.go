package federation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/copse-dev/copse/federation/imaging"
	"github.com/copse-dev/copse/storage"
)

// Media uploads: a member's images are checked by their bytes (never by
// the name or type the client gave), decoded and re-encoded by package
// imaging, which leaves behind every metadata block (EXIF with its GPS
// position, XMP, comments) and makes a preview and a blurhash; then the
// files are written under the media directory, and only then is the row
// stored.

// Limits on uploads, as Mastodon sets them.
const (
	MaxMediaSize   = 16 << 20          // bytes of an uploaded file
	MaxMediaPixels = imaging.MaxPixels // 7680x4320
	MaxAttachments = 4                 // per status
	MaxDescription = 1500              // characters of alt text
)

// The sizes profile images are cropped to, as on Mastodon.
const (
	avatarSide   = 400
	headerWidth  = 1500
	headerHeight = 500
)

// Focus is the focal point of an image: x from -1 (left) to 1 (right), y
// from -1 (bottom) to 1 (top); apps crop thumbnails around it.
type Focus struct{ X, Y float64 }

func (f Focus) valid() bool {
	in := func(v float64) bool { return v >= -1 && v <= 1 }
	return in(f.X) && in(f.Y)
}

// withImageSlot runs fn, which decodes and re-encodes an image with
// package imaging, when one of the engine's image slots is free: an image
// may take imaging.MaxDecodeBytes to decode, so only a few may be at work
// at once. The codec's refusal of the image becomes the engine's
// *InvalidError, with its message, so every path that decodes an image
// answers bad input alike (422 on the API).
func (e *Engine) withImageSlot(ctx context.Context, fn func() error) error {
	select {
	case e.imageSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-e.imageSlots }()
	err := fn()
	var bad *imaging.InvalidError
	if errors.As(err, &bad) {
		return &InvalidError{Msg: bad.Msg}
	}
	return err
}

// runJanitor renames files left with old, guessable names, once, and
// removes abandoned uploads once an hour.
func (e *Engine) runJanitor(ctx context.Context) {
	log := e.log.With("component", "janitor")
	if n, err := e.RenameLegacyMedia(ctx); err != nil && ctx.Err() == nil {
		log.ErrorContext(ctx, "rename legacy media", "err", err)
	} else if n > 0 {
		log.InfoContext(ctx, "renamed media files to random names", "count", n)
	}
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := e.PruneMedia(ctx, mediaUnattachedTTL); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "prune media", "err", err)
		} else if n > 0 {
			log.InfoContext(ctx, "pruned abandoned uploads", "count", n)
		}
		if n, err := e.pruneRemoteCache(ctx, remoteCacheMax); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "prune remote file copies", "err", err)
		} else if n > 0 {
			log.InfoContext(ctx, "removed remote file copies unread for long", "count", n)
		}
		if n, err := e.releaseProposalFiles(ctx); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "release proposal files", "err", err)
		} else if n > 0 {
			log.InfoContext(ctx, "removed the files of answered proposals", "count", n)
		}
		if n, err := e.prunePreviewCards(ctx); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "prune link previews", "err", err)
		} else if n > 0 {
			log.InfoContext(ctx, "pruned link previews no post shows", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// mediaUnattachedTTL is how long an upload may wait for a post, as on
// Mastodon.
const mediaUnattachedTTL = 24 * time.Hour

// MediaDir is the directory uploads are written to.
func (e *Engine) MediaDir() string { return e.mediaDir }

// UploadMedia stores an image a member uploads, attached to no status
// yet: JPEG, PNG, GIF (animated or not) or WebP, at most MaxMediaSize
// bytes and MaxMediaPixels pixels. A file that is too large, is not one
// of those images, or cannot be decoded is an *InvalidError.
func (e *Engine) UploadMedia(ctx context.Context, accountID storage.ID, r io.Reader, description string, focus Focus) (storage.Attachment, error) {
	description = cleanText(description)
	if err := checkMediaText(description, focus); err != nil {
		return storage.Attachment{}, err
	}
	author, err := e.localAccount(ctx, accountID)
	if err != nil {
		return storage.Attachment{}, err
	}
	data, err := readUpload(r)
	if err != nil {
		return storage.Attachment{}, err
	}
	var m imaging.Media
	err = e.withImageSlot(ctx, func() (err error) { m, err = imaging.Process(ctx, data); return err })
	if err != nil {
		return storage.Attachment{}, err
	}
	stem := newMediaStem()
	a := storage.Attachment{
		ID: e.store.NewID(e.now()), AccountID: author.ID, MediaType: m.File.MediaType, Description: description, Blurhash: m.Blurhash,
		Width: m.File.Width, Height: m.File.Height, PreviewWidth: m.Preview.Width, PreviewHeight: m.Preview.Height,
		FocusX: focus.X, FocusY: focus.Y, Size: int64(len(m.File.Data)),
		File:        stem + m.File.Ext,
		PreviewFile: stem + "_small" + m.Preview.Ext,
	}
	a.URL, a.PreviewURL = e.mediaURL(a.File), e.mediaURL(a.PreviewFile)
	if err := e.writeMedia(a.File, m.File.Data); err != nil {
		return storage.Attachment{}, err
	}
	if err := e.writeMedia(a.PreviewFile, m.Preview.Data); err != nil {
		e.removeMedia(ctx, a.File)
		return storage.Attachment{}, err
	}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertMedia(ctx, &a) }); err != nil {
		e.removeMedia(ctx, a.File, a.PreviewFile)
		return storage.Attachment{}, fmt.Errorf("upload media: %w", err)
	}
	return a, nil
}

// UpdateMedia changes the description or focal point (nil: unchanged) of
// a member's upload that no status has taken yet, as Mastodon allows;
// anything else is storage.ErrNotFound.
func (e *Engine) UpdateMedia(ctx context.Context, accountID, mediaID storage.ID, description *string, focus *Focus) (storage.Attachment, error) {
	a, err := e.store.MediaByID(ctx, mediaID, accountID)
	if err != nil {
		return storage.Attachment{}, err
	}
	if a.StatusID != 0 {
		return storage.Attachment{}, fmt.Errorf("media %d is attached: %w", mediaID, storage.ErrNotFound)
	}
	if description != nil {
		a.Description = cleanText(*description)
	}
	if focus != nil {
		a.FocusX, a.FocusY = focus.X, focus.Y
	}
	if err := checkMediaText(a.Description, Focus{a.FocusX, a.FocusY}); err != nil {
		return storage.Attachment{}, err
	}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.UpdateMedia(ctx, a) }); err != nil {
		return storage.Attachment{}, fmt.Errorf("update media: %w", err)
	}
	return a, nil
}

// DeleteMedia removes a member's upload that no status has taken, with
// its files; anything else is storage.ErrNotFound.
func (e *Engine) DeleteMedia(ctx context.Context, accountID, mediaID storage.ID) (storage.Attachment, error) {
	a, err := e.store.MediaByID(ctx, mediaID, accountID)
	if err != nil {
		return storage.Attachment{}, err
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.DeleteMedia(ctx, a.ID, accountID); err != nil {
			return err
		}
		tx.AfterCommit(func() { e.removeMedia(context.WithoutCancel(ctx), a.File, a.PreviewFile) })
		return nil
	})
	if err != nil {
		return storage.Attachment{}, fmt.Errorf("delete media: %w", err)
	}
	return a, nil
}

// PruneMedia removes uploads that no status took within olderThan of
// their upload (Mastodon waits a day), and those a deleted status left
// for a redraft that never came; it returns how many went.
func (e *Engine) PruneMedia(ctx context.Context, olderThan time.Duration) (int, error) {
	before := e.now().Add(-olderThan)
	pruned := 0
	for {
		batch, err := e.store.UnattachedMedia(ctx, before, 100)
		if err != nil {
			return pruned, err
		}
		for _, a := range batch {
			err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.DeleteMedia(ctx, a.ID, a.AccountID) })
			if errors.Is(err, storage.ErrNotFound) {
				continue // attached or removed meanwhile
			}
			if err != nil {
				return pruned, fmt.Errorf("prune media: %w", err)
			}
			e.removeMedia(ctx, a.File, a.PreviewFile)
			pruned++
		}
		if len(batch) < 100 {
			return pruned, nil
		}
	}
}

// deleteStatusRow deletes a status, whose attachment rows go with it by
// cascade, and removes the files of its uploads once tx commits (never
// before: a deletion rolled back keeps them). A member's own deletion
// detaches its uploads first, for a redraft, so none are removed then.
func (e *Engine) deleteStatusRow(ctx context.Context, tx *storage.Tx, id storage.ID) error {
	files, err := tx.StatusMediaFiles(ctx, id)
	if err != nil {
		return err
	}
	if err := tx.DeleteStatus(ctx, id); err != nil {
		return err
	}
	if len(files) > 0 {
		bg := context.WithoutCancel(ctx)
		tx.AfterCommit(func() { e.removeMedia(bg, files...) })
	}
	return nil
}

// draftMedia loads the uploads a draft names for the status statusID
// (zero for a new one): each must be the author's and attached to no
// other status. Repeated IDs count once.
func (e *Engine) draftMedia(ctx context.Context, tx *storage.Tx, authorID, statusID storage.ID, ids []storage.ID) ([]storage.Attachment, error) {
	var out []storage.Attachment
	seen := map[storage.ID]bool{}
	var missing []string
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		a, err := tx.MediaByID(ctx, id, authorID)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && a.StatusID != 0 && a.StatusID != statusID) {
			missing = append(missing, id.String())
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if len(missing) > 0 {
		return nil, invalid("Media %s not found or already attached to another post", strings.Join(missing, ", "))
	}
	if len(out) > MaxAttachments {
		return nil, invalid("Cannot attach more than %d files", MaxAttachments)
	}
	return out, nil
}

// applyMediaEdits saves edits to the descriptions and focal points of
// media, the uploads a post keeps, and changes media to match. An edit of
// an upload the post does not keep is refused.
func applyMediaEdits(ctx context.Context, tx *storage.Tx, media []storage.Attachment, edits map[storage.ID]MediaEdit) error {
	var missing []string
	for id := range edits {
		if !slices.ContainsFunc(media, func(a storage.Attachment) bool { return a.ID == id }) {
			missing = append(missing, id.String())
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return invalid("Media %s not found in this post", strings.Join(missing, ", "))
	}
	for i := range media {
		ed, ok := edits[media[i].ID]
		if !ok {
			continue
		}
		a := &media[i]
		if ed.Description != nil {
			a.Description = *ed.Description
		}
		if ed.Focus != nil {
			a.FocusX, a.FocusY = ed.Focus.X, ed.Focus.Y
		}
		if err := checkMediaText(a.Description, Focus{a.FocusX, a.FocusY}); err != nil {
			return err
		}
		if err := tx.UpdateMedia(ctx, *a); err != nil {
			return err
		}
	}
	return nil
}

// droppedMedia is the files of the uploads in old that are not in kept:
// an edit removed them.
func droppedMedia(old, kept []storage.Attachment) []string {
	keep := map[storage.ID]bool{}
	for _, a := range kept {
		keep[a.ID] = true
	}
	var files []string
	for _, a := range old {
		if !keep[a.ID] {
			files = append(files, a.File, a.PreviewFile)
		}
	}
	return files
}

// UpdateCredentialsWithImages is UpdateCredentials with a new avatar or
// header (nil: unchanged), checked and re-encoded as uploads are, the
// avatar cropped to a 400x400 square and the header to 1500x500. The
// images are saved first, so the one Update{Person} carries them.
func (e *Engine) UpdateCredentialsWithImages(ctx context.Context, accountID storage.ID, c Credentials, avatar, header io.Reader) (storage.Account, error) {
	if avatar == nil && header == nil {
		return e.UpdateCredentials(ctx, accountID, c)
	}
	if err := c.validate(); err != nil {
		return storage.Account{}, err
	}
	a, err := e.localAccount(ctx, accountID)
	if err != nil {
		return storage.Account{}, err
	}
	written, replaced, err := e.saveProfileImages(ctx, &a, "avatar", avatar, header)
	if err != nil {
		return storage.Account{}, err
	}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.UpdateAccount(ctx, &a) }); err != nil {
		e.removeMedia(ctx, written...)
		return storage.Account{}, fmt.Errorf("update profile images: %w", err)
	}
	e.removeMedia(ctx, replaced...)
	return e.UpdateCredentials(ctx, accountID, c)
}

// saveProfileImages checks, re-encodes and writes a new avatar and header
// of a (nil: unchanged), the avatar cropped to a 400x400 square and the
// header to 1500x500, and points a's URLs at them. It returns the files
// written, to remove if a is not saved after all, and the files they
// replace, to remove once it is; on error it has removed what it wrote.
// An image it refuses is a *FieldError naming avatarName (what the
// caller calls the avatar) or "header".
func (e *Engine) saveProfileImages(ctx context.Context, a *storage.Account, avatarName string, avatar, header io.Reader) (written, replaced []string, err error) {
	images := []struct {
		r          io.Reader
		name, file string // the field, and the kind of file (media_names.go)
		w, h       int
		url        *string
	}{
		{avatar, avatarName, "avatar", avatarSide, avatarSide, &a.AvatarURL},
		{header, "header", "header", headerWidth, headerHeight, &a.HeaderURL},
	}
	for _, im := range images {
		if im.r == nil {
			continue
		}
		var f imaging.File
		data, err := readUpload(im.r)
		if err == nil {
			err = e.withImageSlot(ctx, func() (err error) { f, err = imaging.ProfileImage(ctx, data, im.w, im.h); return err })
		}
		if err != nil {
			e.removeMedia(ctx, written...)
			var inv *InvalidError
			if errors.As(err, &inv) {
				return nil, nil, &FieldError{Field: im.name, Code: "ERR_INVALID", Invalid: *inv}
			}
			return nil, nil, fmt.Errorf("%s: %w", im.name, err)
		}
		file := newMediaStem() + "_" + im.file + f.Ext
		if err := e.writeMedia(file, f.Data); err != nil {
			e.removeMedia(ctx, written...)
			return nil, nil, err
		}
		written = append(written, file)
		if old, ok := e.localMediaFile(*im.url); ok {
			replaced = append(replaced, old)
		}
		*im.url = e.mediaURL(file)
	}
	return written, replaced, nil
}

func checkMediaText(description string, focus Focus) error {
	if n := utf8.RuneCountInString(description); n > MaxDescription {
		return invalid("Validation failed: Description is too long (maximum is %d characters)", MaxDescription)
	}
	if !focus.valid() {
		return invalid("Validation failed: Focus must be two numbers from -1.0 to 1.0")
	}
	return nil
}

// readUpload reads a whole upload, refusing one over MaxMediaSize.
func readUpload(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxMediaSize+1))
	var tooBig *http.MaxBytesError
	if len(data) > MaxMediaSize || errors.As(err, &tooBig) {
		return nil, invalid("File is too large (the limit is %d MiB)", MaxMediaSize>>20)
	}
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	if len(data) == 0 {
		return nil, invalid("Validation failed: File can't be blank")
	}
	return data, nil
}

// mediaURL is the public URL of a file under the media directory.
func (e *Engine) mediaURL(file string) string { return e.urls.Media(file) }

// localMediaFile is the file under the media directory that url, one of
// this node's media URLs, names.
func (e *Engine) localMediaFile(url string) (string, bool) {
	prefix := e.urls.Base + "/media/"
	file, ok := strings.CutPrefix(url, prefix)
	return file, ok && file != ""
}

// writeMedia writes a file under the media directory whole or not at
// all: to a temporary file first, renamed into place.
func (e *Engine) writeMedia(file string, data []byte) error {
	if e.mediaDir == "" {
		return errors.New("write media: the engine has no media directory")
	}
	dst := filepath.Join(e.mediaDir, filepath.FromSlash(file))
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return fmt.Errorf("write media: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(dst), ".upload-*")
	if err != nil {
		return fmt.Errorf("write media: %w", err)
	}
	tmp := f.Name()
	err = f.Chmod(0o640)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write media %s: %w", file, err)
	}
	return nil
}

// removeMedia deletes files under the media directory; a file already
// gone is no error, and other failures are logged, not returned: the
// row that named them is gone either way.
func (e *Engine) removeMedia(ctx context.Context, files ...string) {
	for _, file := range files {
		if file == "" || e.mediaDir == "" {
			continue
		}
		err := os.Remove(filepath.Join(e.mediaDir, filepath.FromSlash(file)))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			e.log.WarnContext(ctx, "remove media file", "file", file, "err", err)
		}
	}
}
