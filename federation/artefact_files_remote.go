package federation

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// The files of an artefact of a community on another node are served to
// a member here by this node (OpenRemoteArtefactFile): it fetches the
// file from the community's node signed by its instance actor, which that
// node serves to a node with a member when the community is members-only
// (SignedReader lets the download route read the signer), and checks it
// is the file the version names before the member gets a byte of it.
// What was fetched is kept for the next reader (remoteCacheDir).

// ErrUpstream is a file another node did not send as its version names
// it (an error status, no answer, or other bytes): the API answers 502.
var ErrUpstream = errors.New("federation: the community's node did not send the file")

// OpenArtefactFile opens the stored file fileID of a, an artefact hosted
// here, for someone who may read a (the caller asks ArtefactReadable):
// ErrNotFound for a file of another artefact or one missing from
// storage. The caller closes it.
func (e *Engine) OpenArtefactFile(ctx context.Context, a storage.Artefact, fileID storage.ID) (storage.ArtefactFile, *os.File, error) {
	f, err := e.store.ArtefactFile(ctx, fileID)
	if err != nil {
		return storage.ArtefactFile{}, nil, fmt.Errorf("artefact file %s: %w", fileID, err)
	}
	if f.ArtefactID != a.ID {
		return storage.ArtefactFile{}, nil, fmt.Errorf("artefact file %s of %s: %w", fileID, a.URI, storage.ErrNotFound)
	}
	p, err := e.ArtefactFilePath(f)
	if err != nil {
		return storage.ArtefactFile{}, nil, err
	}
	fh, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		e.log.ErrorContext(ctx, "artefact file missing from storage", "artefact", a.URI, "file_id", f.ID, "path", p)
		return storage.ArtefactFile{}, nil, fmt.Errorf("artefact file %s: %w", fileID, storage.ErrNotFound)
	}
	if err != nil {
		return storage.ArtefactFile{}, nil, fmt.Errorf("open artefact file %s: %w", fileID, err)
	}
	return f, fh, nil
}

// maxRemoteFetches bounds the remote artefact files being fetched at once
// on this node: each holds a connection and a temporary file.
const maxRemoteFetches = 4

// SignedReader is the account whose key signed r, a GET by another
// server (a node fetching a file for its members), verified as the
// ActivityPub routes verify one; an unsigned request is the zero account.
// A signer on a host the node does not federate with is ErrDenied, and a
// signature that does not verify is an error wrapping ErrBadSignature.
func (e *Engine) SignedReader(r *http.Request) (storage.Account, error) {
	if r.Header.Get("Signature") == "" {
		return storage.Account{}, nil
	}
	if err := e.RefuseSigner(r); err != nil {
		return storage.Account{}, err
	}
	_, owner, err := VerifyRequest(r.Context(), r, nil, e.now(), e.PublicKey)
	if err != nil {
		return storage.Account{}, fmt.Errorf("signed read of %s: %w: %w", r.URL.Path, ErrBadSignature, err)
	}
	a, err := e.store.AccountByURI(r.Context(), owner)
	if err != nil {
		return storage.Account{}, fmt.Errorf("signer %s: %w", owner, err)
	}
	return a, nil
}

// RemoteArtefactFile is a file of an artefact hosted on another node, as
// fetched for a reader here: its bytes (in a temporary file, which Close
// removes, or the copy kept here), of the name, type, size and SHA-256
// its version records.
type RemoteArtefactFile struct {
	storage.VersionFile
	Body *os.File // at its start
	temp bool
}

// Close closes the file, and removes it if it was fetched for this
// reading only.
func (f *RemoteArtefactFile) Close() error {
	err := f.Body.Close()
	if !f.temp {
		return err
	}
	return errors.Join(err, os.Remove(f.Body.Name()))
}

// A remote file fetched for a reader is kept, by its SHA-256, under the
// artefact file folder's hidden remoteCacheDir (which backups skip: it
// can be fetched again), and the next reader is served that copy: each
// reading still passes the readability check, and the copy is what the
// SHA-256 names, whichever artefact names it. A copy unread for
// remoteCacheTTL is removed, and past remoteCacheMax bytes in all the
// least recently read go first (pruneRemoteCache, hourly).
const (
	remoteCacheDir = ".remote-cache"
	remoteCacheTTL = 30 * 24 * time.Hour
	remoteCacheMax = 2 << 30
)

// remoteCachePath is where the copy of the file whose SHA-256 is sha is
// kept; "" when the node stores no files or sha is not one.
func (e *Engine) remoteCachePath(sha string) string {
	dir := e.artefactFileDir()
	if dir == "" || len(sha) != 64 || mustHex(sha) == nil {
		return ""
	}
	return filepath.Join(dir, remoteCacheDir, sha[:2], sha)
}

// cachedRemoteFile opens the kept copy of f, if there is one of its size,
// and marks it read now.
func (e *Engine) cachedRemoteFile(f storage.VersionFile) (*RemoteArtefactFile, bool) {
	p := e.remoteCachePath(f.SHA256)
	if p == "" {
		return nil, false
	}
	file, err := os.Open(p)
	if err != nil {
		return nil, false
	}
	if st, err := file.Stat(); err != nil || st.Size() != f.Size {
		file.Close()
		return nil, false
	}
	now := e.now()
	_ = os.Chtimes(p, now, now) // read: kept the longer
	return &RemoteArtefactFile{VersionFile: f, Body: file}, true
}

// keepRemoteFile keeps tmp, a fetched file checked against its SHA-256
// sha, as the copy of that file (a second name of the same bytes: tmp
// can still be removed).
func (e *Engine) keepRemoteFile(ctx context.Context, tmp, sha string) {
	p := e.remoteCachePath(sha)
	if p == "" {
		return
	}
	err := os.MkdirAll(filepath.Dir(p), 0o750)
	if err == nil {
		err = os.Link(tmp, p)
	}
	if err != nil && !errors.Is(err, os.ErrExist) {
		e.log.InfoContext(ctx, "remote file not kept", slog.String("sha256", sha), slog.Any("err", err))
	}
}

// pruneRemoteCache removes the copies unread for remoteCacheTTL, then the
// least recently read while they hold more than max bytes; it returns how
// many went.
func (e *Engine) pruneRemoteCache(ctx context.Context, max int64) (int, error) {
	dir := e.artefactFileDir()
	if dir == "" {
		return 0, nil
	}
	type kept struct {
		path string
		size int64
		read time.Time
	}
	var all []kept
	var total int64
	err := filepath.WalkDir(filepath.Join(dir, remoteCacheDir), func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		all = append(all, kept{path, info.Size(), info.ModTime()})
		total += info.Size()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("remote file copies: %w", err)
	}
	slices.SortFunc(all, func(a, b kept) int { return a.read.Compare(b.read) })
	stale := e.now().Add(-remoteCacheTTL)
	removed := 0
	for _, k := range all {
		if !k.read.Before(stale) && total <= max {
			break
		}
		if err := os.Remove(k.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			e.log.WarnContext(ctx, "remove remote file copy", slog.String("file", k.path), slog.Any("err", err))
			continue
		}
		total -= k.size
		removed++
	}
	return removed, nil
}

// OpenRemoteArtefactFile fetches for viewer the file whose SHA-256 is sha
// of a, an artefact of a community hosted on another node: only if viewer
// may read a (else ErrNotFound, as for one that is not there), only from
// the community's own host, signed by this node's instance actor, at most
// the size its version records and this node's per-file limit, and only
// if what arrives has that size and SHA-256 (else an error; nothing is
// served). The caller closes the file.
func (e *Engine) OpenRemoteArtefactFile(ctx context.Context, viewer storage.Account, a storage.Artefact, sha string) (*RemoteArtefactFile, error) {
	if a.Local {
		return nil, fmt.Errorf("artefact %s is hosted here: %w", a.URI, storage.ErrNotFound)
	}
	if ok, err := e.ArtefactReadable(ctx, viewer, a); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("artefact %s, unreadable by %s: %w", a.URI, viewer.URI, storage.ErrNotFound)
	}
	f, err := e.versionFile(ctx, a, sha)
	if err != nil {
		return nil, err
	}
	g, err := e.store.AccountByID(ctx, a.CommunityID)
	if err != nil {
		return nil, fmt.Errorf("community of %s: %w", a.URI, err)
	}
	if !activitypub.ValidURL(f.URL) || urlHost(f.URL) != urlHost(g.URI) {
		return nil, fmt.Errorf("file %s of %s is not on its community's host: %w", f.Name, a.URI, storage.ErrNotFound)
	}
	if f.Size > e.artefacts.fileLimit {
		return nil, invalid("%s is larger than this node fetches (%s): download it from the community's own node", f.Name, sizeText(e.artefacts.fileLimit))
	}
	if kept, ok := e.cachedRemoteFile(f); ok {
		return kept, nil
	}
	select {
	case e.remoteFetches <- struct{}{}:
		defer func() { <-e.remoteFetches }()
	case <-ctx.Done():
		return nil, fmt.Errorf("fetch %s: %w", f.URL, ctx.Err())
	}
	dir := e.artefactFileDir()
	if dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("fetch %s: %w", f.URL, err)
		}
	}
	tmp, err := os.CreateTemp(dir, ".fetch-*")
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", f.URL, err)
	}
	out := &RemoteArtefactFile{VersionFile: f, Body: tmp, temp: true}
	h := sha256.New()
	n, err := e.fetcher.Download(ctx, f.URL, f.Size, io.MultiWriter(tmp, h))
	if err == nil && (n != f.Size || !bytes.Equal(h.Sum(nil), mustHex(f.SHA256))) {
		err = fmt.Errorf("fetch %s: %d bytes that are not the file its version names (%d bytes, SHA-256 %s)", f.URL, n, f.Size, f.SHA256)
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("%w: %w", ErrUpstream, err), out.Close())
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, errors.Join(err, out.Close())
	}
	e.keepRemoteFile(ctx, tmp.Name(), f.SHA256)
	return out, nil
}

// versionFile is the file of a whose SHA-256 is sha, as the newest
// version that holds it names it; ErrNotFound when none does.
func (e *Engine) versionFile(ctx context.Context, a storage.Artefact, sha string) (storage.VersionFile, error) {
	var found *storage.VersionFile
	for after := 0; ; {
		vs, err := e.store.ArtefactVersions(ctx, a.ID, after, 100)
		if err != nil {
			return storage.VersionFile{}, fmt.Errorf("versions of %s: %w", a.URI, err)
		}
		for _, v := range vs { // oldest first: a later version's copy wins
			for _, f := range v.Files {
				if f.SHA256 == sha {
					found = &f
				}
			}
			after = v.Number
		}
		if len(vs) < 100 {
			break
		}
	}
	if found == nil {
		return storage.VersionFile{}, fmt.Errorf("file %s of %s: %w", sha, a.URI, storage.ErrNotFound)
	}
	return *found, nil
}

// mustHex is the bytes of a hex string; nil for one that is not hex,
// which matches no hash.
func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil
	}
	return b
}
