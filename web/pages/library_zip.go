package pages

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"
	"time"
	"unicode"

	"github.com/copse-dev/copse/storage"
)

// libraryZipBatch is how many artefacts (with their bodies) a library
// download reads at a time: the archive streams, and memory holds one
// batch and one file's copy buffer.
const libraryZipBatch = 50

func libraryZipPath(handle string) string { return libraryPath(handle) + ".zip" }

// LibraryZip serves /c/{handle}/library.zip: the library as it stands, so
// that members are never locked in (issue 13, item 7). Each artefact is a
// folder with its current version: README.md (title, summary, licence,
// tags, organisation, version, its address, then the Markdown body) and
// its files as stored. Whoever may read the library may download it; the
// whole community, with every version, is `copse admin community export`.
func (h *Handler) LibraryZip(w http.ResponseWriter, r *http.Request) {
	if err := h.libraryZip(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) libraryZip(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g, _, err := h.hostedCommunity(r)
	if err != nil {
		return err
	}
	if ok, err := h.engine.ArtefactReadable(ctx, viewerOf(r), storage.Artefact{CommunityID: g.ID, URI: g.URI}); err != nil || !ok {
		return errors.Join(err, storage.ErrNotFound)
	}
	// The first batch is read before anything is sent, so a failure to
	// read is still an error page.
	batch, err := h.store.CommunityArtefacts(ctx, g.ID, storage.Page{Limit: libraryZipBatch})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment",
		map[string]string{"filename": g.Username + "-library-" + time.Now().UTC().Format("2006-01-02") + ".zip"}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	zw := zip.NewWriter(w)
	for len(batch) > 0 {
		for _, a := range batch {
			if err := h.zipArtefact(r, zw, g, a); err != nil {
				// Headers are sent: all that is left is to stop, and the
				// broken archive tells the browser the download failed.
				h.log.WarnContext(ctx, "library download stopped", "community", g.Username, "err", err)
				return nil
			}
		}
		if len(batch) < libraryZipBatch {
			break
		}
		if batch, err = h.store.CommunityArtefacts(ctx, g.ID, storage.Page{MaxID: batch[len(batch)-1].ID, Limit: libraryZipBatch}); err != nil {
			h.log.WarnContext(ctx, "library download stopped", "community", g.Username, "err", err)
			return nil
		}
	}
	if err := zw.Close(); err != nil {
		h.log.WarnContext(ctx, "library download stopped", "community", g.Username, "err", err)
	}
	return nil
}

// zipArtefact writes one artefact's folder: README.md and its current
// files.
func (h *Handler) zipArtefact(r *http.Request, zw *zip.Writer, g storage.Account, a storage.Artefact) error {
	ctx := r.Context()
	dir := zipName(a.Title) + "-" + a.ID.String() + "/"
	cur, err := h.store.ArtefactVersion(ctx, a.ID, a.Version)
	if err != nil {
		return fmt.Errorf("artefact %d: %w", a.ID, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", a.Title)
	if a.Summary != "" {
		fmt.Fprintf(&b, "%s\n\n", a.Summary)
	}
	fmt.Fprintf(&b, "- Licence: %s\n- Version: %d, %s\n- Address: %s\n", licenceNames[a.Licence], a.Version,
		a.UpdatedAt.UTC().Format(time.RFC3339), h.urls.Base+artefactPath(g.Acct(), a.ID))
	if len(a.Tags) > 0 {
		fmt.Fprintf(&b, "- Tags: %s\n", strings.Join(a.Tags, ", "))
	}
	if a.Organisation != "" {
		fmt.Fprintf(&b, "- Organisation: %s\n", a.Organisation)
	}
	fmt.Fprintf(&b, "\n%s\n", a.BodySource)
	f, err := zw.CreateHeader(&zip.FileHeader{Name: dir + "README.md", Method: zip.Deflate, Modified: a.UpdatedAt})
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, b.String()); err != nil {
		return err
	}
	used := map[string]bool{"README.md": true}
	for _, vf := range cur.Files {
		if vf.FileID == 0 {
			continue // a remote artefact's file, known by its address only
		}
		stored, err := h.store.ArtefactFile(ctx, vf.FileID)
		if err != nil {
			return fmt.Errorf("artefact %d file %d: %w", a.ID, vf.FileID, err)
		}
		p, err := h.engine.ArtefactFilePath(stored)
		if err != nil {
			return err
		}
		name := zipName(strings.TrimSuffix(vf.Name, path.Ext(vf.Name))) + strings.ToLower(zipExt(vf.Name))
		for i := 2; used[name]; i++ {
			name = fmt.Sprintf("%d-%s", i, name)
		}
		used[name] = true
		if err := copyToZip(zw, dir+name, p, stored.CreatedAt); err != nil {
			return fmt.Errorf("artefact %d file %s: %w", a.ID, vf.Name, err)
		}
	}
	return nil
}

func copyToZip(zw *zip.Writer, name, file string, modified time.Time) error {
	src, err := os.Open(file)
	if err != nil {
		return err
	}
	defer src.Close()
	// Stored, not compressed: documents and images are compressed already.
	dst, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: modified})
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	return err
}

// zipName is s as a safe file name: letters, digits, '-' and '_' kept,
// runs of anything else one '-', at most 60 characters; "artefact" if
// nothing is left.
func zipName(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range s {
		switch {
		case unicode.IsLetter(c) || unicode.IsDigit(c) || c == '_':
			b.WriteRune(c)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		return "artefact"
	}
	return out
}

// zipExt is name's extension when it is a plain one (".pdf"), else "".
func zipExt(name string) string {
	ext := path.Ext(name)
	if len(ext) < 2 || len(ext) > 8 || zipName(ext[1:]) != ext[1:] {
		return ""
	}
	return ext
}
