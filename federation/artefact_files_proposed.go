package federation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// Files a member here adds to an artefact of a community on another node
// travel with the proposal (ProposeArtefact, ProposeArtefactEdit): each is
// checked and stored here as any artefact file is, and held at an
// unguessable address of this node (/proposal-files/{token}, 128 random
// bits) that the proposal names with the file's size and SHA-256. Only a
// request signed by an actor of the community's own node is served it,
// and only while the proposal waits for an answer. The community's node
// fetches the files (artefact_files_fetched.go) and applies the proposal
// with them, or refuses it; an hour after the answer, or 14 days after a
// proposal that was never answered, the held files are removed.

// errUploadsHere refuses files sent with an artefact of a community here:
// they are added with AddArtefactFile once the artefact exists.
var errUploadsHere error = &InvalidError{Msg: "files of an artefact of a community here are added to it once it is made"}

// How long held files outlive their proposal.
const (
	proposalFilesAfterAnswer = time.Hour
	proposalFilesUnanswered  = 14 * 24 * time.Hour
)

// heldFiles are the files of a proposal stored here: the rows to record
// with the proposal, and the documents the proposal names them by.
type heldFiles struct {
	rows []storage.ProposalFile
	docs []activitypub.ArtefactDocument
}

// holdProposalFiles checks and stores uploads, to send with a proposal.
// Nothing is kept when one is refused.
func (e *Engine) holdProposalFiles(ctx context.Context, uploads []Upload) (heldFiles, error) {
	var h heldFiles
	if len(uploads) > maxArtefactFiles {
		return h, invalid("an artefact has at most %d files", maxArtefactFiles)
	}
	for _, u := range uploads {
		up, err := e.storeArtefactFile(ctx, u.Name, u.Body)
		if err != nil {
			e.releaseHeld(ctx, h)
			return heldFiles{}, err
		}
		var b [16]byte
		_, _ = rand.Read(b[:]) // never fails
		f := storage.ProposalFile{Token: hex.EncodeToString(b[:]), StorageName: up.file.StorageName, Name: up.file.Name,
			MediaType: up.file.MediaType, Size: up.file.Size, SHA256: up.file.SHA256}
		h.rows = append(h.rows, f)
		h.docs = append(h.docs, activitypub.ArtefactDocument{URL: e.urls.ProposalFile(f.Token), MediaType: f.MediaType,
			Name: f.Name, Size: f.Size, SHA256: f.SHA256})
	}
	return h, nil
}

// releaseHeld removes the stored files of h: the proposal was not sent.
func (e *Engine) releaseHeld(ctx context.Context, h heldFiles) {
	names := make([]string, 0, len(h.rows))
	for _, f := range h.rows {
		names = append(names, f.StorageName)
	}
	e.removeArtefactFiles(ctx, names)
}

// OpenProposalFile opens the file held here at token for signer, the
// actor whose signature the request carries: served only to an actor of
// the node that hosts the proposal's community, while the proposal
// waits for its answer. Anything else is ErrNotFound, as for a token that
// names nothing. The caller closes the file.
func (e *Engine) OpenProposalFile(ctx context.Context, signer storage.Account, token string) (storage.ProposalFile, *os.File, error) {
	f, p, err := e.store.ProposalFileByToken(ctx, token)
	if err != nil {
		return storage.ProposalFile{}, nil, err
	}
	g, err := e.store.AccountByID(ctx, p.CommunityID)
	if err != nil {
		return storage.ProposalFile{}, nil, fmt.Errorf("community of proposal %s: %w", p.ID, err)
	}
	if p.State != storage.ProposalPending || signer.ID == 0 || signer.Local() || urlHost(signer.URI) != urlHost(g.URI) {
		return storage.ProposalFile{}, nil, fmt.Errorf("proposal file %s for %s: %w", f.Name, signer.URI, storage.ErrNotFound)
	}
	dir, name := e.artefactFileDir(), filepath.FromSlash(f.StorageName)
	if dir == "" || !filepath.IsLocal(name) {
		return storage.ProposalFile{}, nil, fmt.Errorf("proposal file %s: %w", f.Name, storage.ErrNotFound)
	}
	file, err := os.Open(filepath.Join(dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return storage.ProposalFile{}, nil, fmt.Errorf("proposal file %s: %w", f.Name, storage.ErrNotFound)
	}
	if err != nil {
		return storage.ProposalFile{}, nil, fmt.Errorf("proposal file %s: %w", f.Name, err)
	}
	return f, file, nil
}

// releaseProposalFiles removes the held files of proposals answered an
// hour ago or more, and of those never answered in 14 days; it returns
// how many.
func (e *Engine) releaseProposalFiles(ctx context.Context) (int, error) {
	now := e.now()
	total := 0
	for {
		var names []string
		err := e.store.InTx(ctx, func(tx *storage.Tx) error {
			var err error
			names, err = tx.ReleaseProposalFiles(ctx, now.Add(-proposalFilesAfterAnswer), now.Add(-proposalFilesUnanswered), 500)
			return err
		})
		if err != nil {
			return total, err
		}
		e.removeArtefactFiles(ctx, names)
		total += len(names)
		if len(names) < 500 {
			return total, nil
		}
	}
}
