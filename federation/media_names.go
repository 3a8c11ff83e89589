package federation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/copse-dev/copse/storage"
)

// Media files are named by 128 random bits, "<first 2 hex>/<32 hex>" and
// a kind and extension, and nothing else: not the account, not the media
// ID. A file of a followers-only post is then found only by those who
// were shown its URL; IDs, which anyone sees, lead nowhere (issue 10).
// The two-digit folder keeps any one directory to a few thousand files.

// mediaName matches the name of a file under the media directory, as the
// engine writes it; anything else under /media/ is not served.
var mediaName = regexp.MustCompile(`^([0-9a-f]{2})/([0-9a-f]{32})(_small|_avatar|_header|_emoji|_card)?\.(jpg|png|gif)$`)

// ValidMediaName reports whether name is a file name the engine writes
// (its folder the first two digits of its random part).
func ValidMediaName(name string) bool {
	m := mediaName.FindStringSubmatch(name)
	return m != nil && strings.HasPrefix(m[2], m[1])
}

// newMediaStem is a fresh random name without kind or extension, such as
// "3f/3fa9...".
func newMediaStem() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails
	h := hex.EncodeToString(b[:])
	return path.Join(h[:2], h)
}

// RenameLegacyMedia gives every file still under an old, guessable name
// ("<account id>/<media id>.jpg", "<account id>/<id>_avatar.png") a new
// random one, and points its row at it; it returns how many rows changed.
// It is run at each start and does nothing once all are renamed. Each
// file is linked (or copied) to its new name, the row updated, and only
// then the old name removed: a crash midway leaves a row naming a file
// that exists, and the old name is no longer served in any case.
func (e *Engine) RenameLegacyMedia(ctx context.Context) (int, error) {
	if e.mediaDir == "" {
		return 0, nil
	}
	renamed := 0
	for {
		batch, err := e.store.LegacyMediaFiles(ctx, 100)
		if err != nil {
			return renamed, err
		}
		for _, a := range batch {
			if err := e.renameAttachmentFiles(ctx, a); err != nil {
				return renamed, err
			}
			renamed++
		}
		if len(batch) < 100 {
			break
		}
	}
	profiles, err := e.store.LocalProfileImages(ctx, e.mediaURL(""))
	if err != nil {
		return renamed, err
	}
	for _, p := range profiles {
		ok, err := e.renameProfileImages(ctx, p)
		if err != nil {
			return renamed, err
		}
		if ok {
			renamed++
		}
	}
	return renamed, nil
}

func (e *Engine) renameAttachmentFiles(ctx context.Context, a storage.Attachment) error {
	old := a
	stem := newMediaStem()
	a.File = stem + path.Ext(old.File)
	a.PreviewFile = ""
	if old.PreviewFile != "" {
		a.PreviewFile = stem + "_small" + path.Ext(old.PreviewFile)
	}
	if err := e.linkMedia(old.File, a.File); err != nil {
		return err
	}
	if err := e.linkMedia(old.PreviewFile, a.PreviewFile); err != nil {
		e.removeMedia(ctx, a.File)
		return err
	}
	a.URL = e.mediaURL(a.File)
	a.PreviewURL = ""
	if a.PreviewFile != "" {
		a.PreviewURL = e.mediaURL(a.PreviewFile)
	}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.RenameMediaFiles(ctx, a, old.File) })
	if err != nil {
		e.removeMedia(ctx, a.File, a.PreviewFile)
		if errors.Is(err, storage.ErrNotFound) {
			return nil // deleted meanwhile
		}
		return fmt.Errorf("rename media %d: %w", a.ID, err)
	}
	e.removeMedia(ctx, old.File, old.PreviewFile)
	return nil
}

// renameProfileImages renames an account's avatar and header if either
// has an old name; ok reports whether it did.
func (e *Engine) renameProfileImages(ctx context.Context, p storage.ProfileImages) (ok bool, err error) {
	next := p
	var written, replaced []string
	for _, im := range []struct {
		url  *string
		kind string
	}{{&next.Avatar, "_avatar"}, {&next.Header, "_header"}} {
		file, local := e.localMediaFile(*im.url)
		if !local || ValidMediaName(file) {
			continue
		}
		name := newMediaStem() + im.kind + path.Ext(file)
		if err := e.linkMedia(file, name); err != nil {
			e.removeMedia(ctx, written...)
			return false, err
		}
		written = append(written, name)
		replaced = append(replaced, file)
		*im.url = e.mediaURL(name)
	}
	if len(written) == 0 {
		return false, nil
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.RenameProfileImages(ctx, p, next) })
	if err != nil {
		e.removeMedia(ctx, written...)
		if errors.Is(err, storage.ErrNotFound) {
			return false, nil // changed meanwhile
		}
		return false, fmt.Errorf("rename profile images of %d: %w", p.AccountID, err)
	}
	e.removeMedia(ctx, replaced...)
	return true, nil
}

// linkMedia gives the file from under the media directory a second name,
// to, by a hard link or, where links fail, a copy. A missing file (lost
// before this ran) is no error: the row is renamed all the same, so the
// next start does not try again.
func (e *Engine) linkMedia(from, to string) error {
	if from == "" || !filepath.IsLocal(filepath.FromSlash(from)) {
		return nil
	}
	src := filepath.Join(e.mediaDir, filepath.FromSlash(from))
	dst := filepath.Join(e.mediaDir, filepath.FromSlash(to))
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return fmt.Errorf("link media: %w", err)
	}
	err := os.Link(src, dst)
	if err == nil || errors.Is(err, os.ErrNotExist) {
		return nil
	}
	data, rerr := os.ReadFile(src)
	if rerr != nil {
		return fmt.Errorf("link media %s: %w", from, errors.Join(err, rerr))
	}
	return e.writeMedia(to, data)
}
