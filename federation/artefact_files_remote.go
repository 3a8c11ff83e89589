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

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// The files of an artefact of a community on another node are served to
// a member here by this node (OpenRemoteArtefactFile): it fetches the
// file from the community's node signed by its instance actor, which that
// node serves to a node with a member when the community is members-only
// (SignedReader lets the download route read the signer), and checks it
// is the file the version names before the member gets a byte of it.
// Nothing is kept: each download is fetched again.

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
// fetched for a reader here: its bytes in a temporary file, which Close
// removes, of the name, type, size and SHA-256 its version records.
type RemoteArtefactFile struct {
	storage.VersionFile
	Body *os.File // at its start
}

// Close closes and removes the temporary file.
func (f *RemoteArtefactFile) Close() error {
	err := f.Body.Close()
	return errors.Join(err, os.Remove(f.Body.Name()))
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
	out := &RemoteArtefactFile{VersionFile: f, Body: tmp}
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
