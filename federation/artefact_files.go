package federation

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/copse-dev/copse/federation/textextract"
	"github.com/copse-dev/copse/storage"
)

// Artefact files: what a community may attach, decided from the bytes and
// checked against the name's extension, so that a program renamed
// plan.pdf is refused, and served with the type found, never the one the
// uploader claimed.

// fileKind is an allowed kind of file: the extensions that name it and
// the media type it is served as.
type fileKind struct {
	exts      []string
	mediaType string
}

// zipKinds are the zip containers allowed, by the type an OOXML part
// or the OpenDocument mimetype entry reveals.
var (
	kindPDF  = fileKind{[]string{".pdf"}, "application/pdf"}
	kindPNG  = fileKind{[]string{".png"}, "image/png"}
	kindJPEG = fileKind{[]string{".jpg", ".jpeg"}, "image/jpeg"}
	kindGIF  = fileKind{[]string{".gif"}, "image/gif"}
	kindWebP = fileKind{[]string{".webp"}, "image/webp"}
	kindCSV  = fileKind{[]string{".csv"}, "text/csv; charset=utf-8"}
	kindDOCX = fileKind{[]string{".docx"}, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
	kindXLSX = fileKind{[]string{".xlsx"}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
	kindPPTX = fileKind{[]string{".pptx"}, "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
	kindODT  = fileKind{[]string{".odt"}, "application/vnd.oasis.opendocument.text"}
	kindODS  = fileKind{[]string{".ods"}, "application/vnd.oasis.opendocument.spreadsheet"}
	kindODP  = fileKind{[]string{".odp"}, "application/vnd.oasis.opendocument.presentation"}
	// Word, Excel and PowerPoint 97-2003 share one container (OLE2);
	// which of the three it holds is taken from the name.
	kindDOC = fileKind{[]string{".doc"}, "application/msword"}
	kindXLS = fileKind{[]string{".xls"}, "application/vnd.ms-excel"}
	kindPPT = fileKind{[]string{".ppt"}, "application/vnd.ms-powerpoint"}
)

// oleMagic begins every OLE2 compound file (Office 97-2003).
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// errFileKind is the message for a file that is not one of the kinds.
const allowedFiles = "PDF, Word, Excel, PowerPoint, OpenDocument, CSV, PNG, JPEG, GIF or WebP"

// sniffArtefactFile returns the media type of a file named name whose
// bytes r holds (size of them), or an *InvalidError when its bytes are
// not an allowed kind or do not match its extension.
func sniffArtefactFile(name string, r io.ReaderAt, size int64) (string, error) {
	ext := strings.ToLower(path.Ext(name))
	head := make([]byte, 512)
	n, err := r.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	head = head[:n]
	kinds, err := kindsOf(head, r, size)
	if err != nil {
		return "", err
	}
	if len(kinds) == 0 {
		return "", invalid("%s is not a file copse accepts (%s)", name, allowedFiles)
	}
	for _, k := range kinds {
		if slices.Contains(k.exts, ext) {
			return k.mediaType, nil
		}
	}
	return "", invalid("%s is named %s but its content is %s", name, cmpOr(ext, "without an extension"), kindName(kinds[0]))
}

func kindName(k fileKind) string { return "a " + strings.TrimPrefix(k.exts[0], ".") + " file" }

// kindsOf is what the bytes can be: several only for OLE2.
func kindsOf(head []byte, r io.ReaderAt, size int64) ([]fileKind, error) {
	if bytes.HasPrefix(head, oleMagic) {
		return []fileKind{kindDOC, kindXLS, kindPPT}, nil
	}
	switch t := http.DetectContentType(head); {
	case t == "application/pdf":
		return []fileKind{kindPDF}, nil
	case t == "image/png":
		return []fileKind{kindPNG}, nil
	case t == "image/jpeg":
		return []fileKind{kindJPEG}, nil
	case t == "image/gif":
		return []fileKind{kindGIF}, nil
	case t == "image/webp":
		return []fileKind{kindWebP}, nil
	case t == "application/zip":
		k, ok, err := zipKind(r, size)
		if err != nil || !ok {
			return nil, err
		}
		return []fileKind{k}, nil
	case strings.HasPrefix(t, "text/plain"):
		ok, err := isText(r, size)
		if err != nil || !ok {
			return nil, err
		}
		return []fileKind{kindCSV}, nil
	}
	return nil, nil
}

// zipKind tells an OOXML or OpenDocument file from any other zip by its
// entries: only the directory and the small mimetype entry are read, so
// a zip bomb costs nothing.
func zipKind(r io.ReaderAt, size int64) (fileKind, bool, error) {
	zr, err := textextract.OpenZip(r, size) // its directory bounded too
	if err != nil {
		return fileKind{}, false, nil // not a readable zip: no kind
	}
	var ooxml fileKind
	contentTypes := false
	for _, f := range zr.File {
		switch {
		case f.Name == "mimetype":
			rc, err := f.Open()
			if err != nil {
				return fileKind{}, false, nil
			}
			b, err := io.ReadAll(io.LimitReader(rc, 100))
			rc.Close()
			if err != nil {
				return fileKind{}, false, nil
			}
			switch strings.TrimSpace(string(b)) {
			case kindODT.mediaType:
				return kindODT, true, nil
			case kindODS.mediaType:
				return kindODS, true, nil
			case kindODP.mediaType:
				return kindODP, true, nil
			}
		case f.Name == "[Content_Types].xml":
			contentTypes = true
		case strings.HasPrefix(f.Name, "word/"):
			ooxml = kindDOCX
		case strings.HasPrefix(f.Name, "xl/"):
			ooxml = kindXLSX
		case strings.HasPrefix(f.Name, "ppt/"):
			ooxml = kindPPTX
		}
	}
	if contentTypes && ooxml.mediaType != "" {
		return ooxml, true, nil
	}
	return fileKind{}, false, nil
}

// isText reports whether the whole file is UTF-8 text without NUL bytes
// (what a CSV must be; DetectContentType saw only its start).
func isText(r io.ReaderAt, size int64) (bool, error) {
	buf := make([]byte, 64<<10)
	var carry []byte
	for off := int64(0); off < size; {
		n, err := r.ReadAt(buf, off)
		if err != nil && !errors.Is(err, io.EOF) {
			return false, fmt.Errorf("read file: %w", err)
		}
		off += int64(n)
		chunk := append(carry, buf[:n]...)
		if bytes.IndexByte(chunk, 0) >= 0 {
			return false, nil
		}
		// Keep a rune cut at the chunk's end for the next round.
		cut := len(chunk)
		for i := len(chunk) - 1; i >= 0 && i >= len(chunk)-utf8.UTFMax; i-- {
			if utf8.RuneStart(chunk[i]) {
				if !utf8.FullRune(chunk[i:]) {
					cut = i
				}
				break
			}
		}
		if !utf8.Valid(chunk[:cut]) {
			return false, nil
		}
		carry = append([]byte(nil), chunk[cut:]...)
		if n == 0 {
			break
		}
	}
	return len(carry) == 0, nil
}

// artefactFileDir is where artefact files are stored: beside the media,
// under a folder the /media/ route never serves (its names are not
// media names).
func (e *Engine) artefactFileDir() string {
	if e.mediaDir == "" {
		return ""
	}
	return filepath.Join(e.mediaDir, "artefacts")
}

// ArtefactFilePath is the path of a stored artefact file, for serving it.
func (e *Engine) ArtefactFilePath(f storage.ArtefactFile) (string, error) {
	dir := e.artefactFileDir()
	name := filepath.FromSlash(f.StorageName)
	if dir == "" || !filepath.IsLocal(name) {
		return "", fmt.Errorf("artefact file %d: %w", f.ID, storage.ErrNotFound)
	}
	return filepath.Join(dir, name), nil
}

// AddArtefactFile stores an uploaded file and makes a new version of the
// artefact with it: a file of the same name is replaced, any other is
// added. The file must be an allowed kind matching its name, within the
// per-file limit and the community's; otherwise nothing is stored. An
// artefact hosted on another node takes files through a proposal
// (SubmitArtefactFile): here, ErrFilesElsewhere.
func (e *Engine) AddArtefactFile(ctx context.Context, editor storage.Account, id storage.ID, base int, name string, body io.Reader, note string) (storage.Artefact, storage.ArtefactFile, error) {
	a, err := e.store.ArtefactByID(ctx, id)
	if err != nil {
		return storage.Artefact{}, storage.ArtefactFile{}, fmt.Errorf("artefact %s: %w", id, err)
	}
	if !a.Local {
		return storage.Artefact{}, storage.ArtefactFile{}, ErrFilesElsewhere
	}
	up, err := e.storeArtefactFile(ctx, name, body)
	if err != nil {
		return storage.Artefact{}, storage.ArtefactFile{}, err
	}
	e.readText(ctx, &up)
	f := up.file
	f.ArtefactID, f.UploadedBy = id, editor.ID
	if note == "" {
		note = "Added " + f.Name
	}
	a, err = e.reviseArtefact(ctx, editor, id, base, note, func(tx *storage.Tx, a *storage.Artefact, v *storage.ArtefactVersion) error {
		return e.attachFile(ctx, tx, a, v, &f, up.text)
	})
	if err != nil {
		os.Remove(up.path)
		return storage.Artefact{}, storage.ArtefactFile{}, err
	}
	return a, f, nil
}

// storedFile is a file stored under the artefact file folder, checked
// (its name, kind and size), that no row names yet: its path is removed
// if it is not kept.
type storedFile struct {
	file storage.ArtefactFile // its storage name, name, type, size and SHA-256
	text string               // its text, for search, once readText read it
	path string
}

// readText reads the text of f for search (a file held for a proposal to
// another node is never indexed here, so it is not read).
func (e *Engine) readText(ctx context.Context, f *storedFile) {
	if !textextract.Supported(f.file.MediaType) {
		return
	}
	r, err := os.Open(f.path)
	if err != nil {
		e.log.Warn("artefact file text", "file", f.file.Name, "error", err)
		return
	}
	defer r.Close()
	f.text = e.uploadText(ctx, r, f.file.Size, f.file.MediaType, f.file.Name)
}

// storeArtefactFile checks and stores a file an artefact may hold: a
// name, an allowed kind that matches it, within the node's per-file
// limit. The file is whole on disk before it returns.
func (e *Engine) storeArtefactFile(ctx context.Context, name string, body io.Reader) (storedFile, error) {
	name = cleanLine(filepath.Base(strings.ReplaceAll(name, "\\", "/")))
	if name == "" || name == "." || name == "/" {
		return storedFile{}, invalid("the file needs a name")
	}
	if utf8.RuneCountInString(name) > maxFileName {
		return storedFile{}, invalid("file name is longer than %d characters", maxFileName)
	}
	dir := e.artefactFileDir()
	if dir == "" {
		return storedFile{}, invalid("this node stores no files")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return storedFile{}, fmt.Errorf("artefact files: %w", err)
	}
	// Hidden, as media uploads are: a backup taken meanwhile skips it.
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return storedFile{}, fmt.Errorf("artefact upload: %w", err)
	}
	kept := false
	defer func() {
		tmp.Close()
		if !kept {
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(body, e.artefacts.fileLimit+1))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return storedFile{}, invalid("%s is larger than the limit of %s", name, sizeText(e.artefacts.fileLimit))
		}
		return storedFile{}, fmt.Errorf("artefact upload: %w", err)
	}
	if size > e.artefacts.fileLimit {
		return storedFile{}, invalid("%s is larger than the limit of %s", name, sizeText(e.artefacts.fileLimit))
	}
	if size == 0 {
		return storedFile{}, invalid("%s is empty", name)
	}
	mediaType, err := sniffArtefactFile(name, tmp, size)
	if err != nil {
		return storedFile{}, err
	}
	stored := newMediaStem()
	final := filepath.Join(dir, filepath.FromSlash(stored))
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return storedFile{}, fmt.Errorf("artefact files: %w", err)
	}
	if err := tmp.Sync(); err != nil { // whole on disk before any row names it
		return storedFile{}, fmt.Errorf("artefact upload: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return storedFile{}, fmt.Errorf("artefact upload: %w", err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return storedFile{}, fmt.Errorf("artefact upload: %w", err)
	}
	kept = true
	return storedFile{file: storage.ArtefactFile{StorageName: stored, Name: name, MediaType: mediaType, Size: size,
		SHA256: hex.EncodeToString(h.Sum(nil))}, path: final}, nil
}

// attachFile puts f, a stored file, in v, the next version of a: in
// place of a file of the same name, or added; within the community's
// limit and the most files a version holds. It records f (and its text,
// for search) in tx.
func (e *Engine) attachFile(ctx context.Context, tx *storage.Tx, a *storage.Artefact, v *storage.ArtefactVersion, f *storage.ArtefactFile, text string) error {
	used, err := tx.CommunityFileBytes(ctx, a.CommunityID)
	if err != nil {
		return err
	}
	if used+f.Size > e.artefacts.communityLimit {
		return invalid("the community's files would exceed its limit of %s (%s used)", sizeText(e.artefacts.communityLimit), sizeText(used))
	}
	f.CommunityID, f.ArtefactID = a.CommunityID, a.ID
	if err := tx.InsertArtefactFile(ctx, f); err != nil {
		return err
	}
	if err := tx.SetArtefactFileText(ctx, f.ID, text); err != nil {
		return err
	}
	vf := storage.VersionFile{FileID: f.ID, Name: f.Name, MediaType: f.MediaType, Size: f.Size, SHA256: f.SHA256}
	if i := slices.IndexFunc(v.Files, func(old storage.VersionFile) bool { return strings.EqualFold(old.Name, f.Name) }); i >= 0 {
		v.Files = slices.Clone(v.Files)
		v.Files[i] = vf
		return nil
	}
	if len(v.Files) >= maxArtefactFiles {
		return invalid("an artefact has at most %d files", maxArtefactFiles)
	}
	v.Files = append(slices.Clone(v.Files), vf)
	return nil
}

// sizeText is a size as people read it.
func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%.4g MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.4g KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// uploadText is fileText for an upload: its extraction stops when the
// request that carries the file ends (or after textextract.MaxTime),
// keeping the text read until then.
func (e *Engine) uploadText(ctx context.Context, r io.ReaderAt, size int64, mediaType, name string) string {
	if !textextract.Supported(mediaType) {
		return ""
	}
	text, err := textextract.TextAtContext(ctx, r, size, mediaType)
	if err != nil {
		e.log.Warn("artefact file text", "file", name, "error", err)
	}
	return text
}
