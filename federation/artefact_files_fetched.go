package federation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// A proposal to a community hosted here that carries files (a member of
// another node adds them to an artefact: artefact_files_proposed.go is
// their side) is not applied from the inbox: it waits in a queue
// (storage.ProposalFetch) while a worker fetches each file from the
// member's own node, signed by this node, at most the size the proposal
// names and this node's per-file limit, and keeps it only if it has that
// size and SHA-256 and is a kind an artefact may hold. Then the proposal
// is applied with the files, with the checks any proposal passes, and
// accepted or refused in one transaction; a file that cannot be fetched
// is tried again after a minute, ten minutes and an hour, and then the
// proposal is refused, saying which file and why.

// errFetching is applyArtefactProposal's answer for a proposal queued
// while its files are fetched: neither accepted nor refused yet.
var errFetching = errors.New("proposal waits for its files")

// errRefused rolls back a fetched proposal's transaction when the
// proposal is refused: what it began to write goes, and the refusal is
// sent in a transaction of its own.
var errRefused = errors.New("proposal refused")

// proposalFetchBackoff is how long to wait before each attempt after a
// failed one; after the last, the proposal is refused.
var proposalFetchBackoff = []time.Duration{time.Minute, 10 * time.Minute, time.Hour}

// proposalFetchBatch bounds the proposals one pass of the worker reads.
const proposalFetchBatch = 8

// queueProposalFetch checks the files a proposal names, as far as can be
// told before fetching them, and queues it (its activity as received, in
// the inbox's transaction tx): errFetching, or a refusal.
func (e *Engine) queueProposalFetch(ctx context.Context, tx *storage.Tx, actor storage.Account, activityID string, p activitypub.ArtefactProposal) error {
	if len(p.Files) > maxArtefactFiles {
		return invalid("an artefact has at most %d files", maxArtefactFiles)
	}
	for _, d := range p.Files {
		switch {
		case d.URL == "" || urlHost(d.URL) != urlHost(actor.URI):
			return invalid("file %s is not on your node: files are fetched from the node of the member who adds them", d.Name)
		case d.Size <= 0 || len(d.SHA256) != 64:
			return invalid("file %s does not state its size and SHA-256 digest", d.Name)
		case d.Size > e.artefacts.fileLimit:
			return invalid("%s is larger than the limit of %s", d.Name, sizeText(e.artefacts.fileLimit))
		}
	}
	body := inboxBody(ctx)
	if len(body) == 0 {
		return fmt.Errorf("queue proposal %s: the activity as received is not at hand", activityID)
	}
	if err := tx.QueueProposalFetch(ctx, &storage.ProposalFetch{ActorID: actor.ID, ActivityID: activityID, Body: body}); err != nil {
		return err
	}
	tx.AfterCommit(func() { wake(e.proposalFetchWake) })
	return errFetching
}

// runProposalFetches fetches the files of queued proposals as they come
// and as they fall due again.
func (e *Engine) runProposalFetches(ctx context.Context) {
	log := e.log.With("component", "proposal files")
	t := time.NewTicker(pollCheckEvery * e.poll)
	defer t.Stop()
	for {
		if err := e.FetchProposals(ctx); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "fetch proposals' files", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.proposalFetchWake:
		}
	}
}

// FetchProposals works through the queued proposals due now: each is
// applied with its files, refused, or tried again later. One that fails
// for a passing reason does not hold up the others.
func (e *Engine) FetchProposals(ctx context.Context) error {
	var errs []error
	for {
		due, err := e.store.DueProposalFetches(ctx, e.now(), proposalFetchBatch)
		if err != nil {
			return err
		}
		for _, q := range due {
			if err := e.fetchProposal(ctx, q); err != nil {
				errs = append(errs, fmt.Errorf("proposal %s: %w", q.ActivityID, err))
			}
		}
		if len(due) < proposalFetchBatch || len(errs) > 0 || ctx.Err() != nil {
			return errors.Join(errs...)
		}
	}
}

// fetchProposal fetches the files of queued proposal q and applies it.
func (e *Engine) fetchProposal(ctx context.Context, q storage.ProposalFetch) error {
	actor, err := e.store.AccountByID(ctx, q.ActorID)
	if err != nil {
		return err
	}
	act, err := activitypub.ParseActivity(q.Body)
	p, ok := activitypub.ArtefactProposalOf(q.Body)
	if err != nil || !ok { // read once in the inbox: not expected
		e.log.WarnContext(ctx, "queued proposal unreadable", slog.String("activity_id", q.ActivityID), slog.Any("err", err))
		return e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.DoneProposalFetch(ctx, q.ID) })
	}
	var fetched []storedFile
	remove := func() {
		names := make([]string, 0, len(fetched))
		for _, sf := range fetched {
			names = append(names, sf.file.StorageName)
		}
		e.removeArtefactFiles(context.WithoutCancel(ctx), names)
	}
	for _, d := range p.Files {
		sf, err := e.fetchProposedFile(ctx, d)
		if err == nil {
			fetched = append(fetched, sf)
			continue
		}
		remove()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var inv *InvalidError
		if errors.As(err, &inv) {
			return e.refuseQueued(ctx, q, actor, act, p, inv.Msg)
		}
		if q.Attempts >= len(proposalFetchBackoff) {
			return e.refuseQueued(ctx, q, actor, act, p, fmt.Sprintf("file %s could not be fetched from your node: %v", d.Name, err))
		}
		return e.store.InTx(ctx, func(tx *storage.Tx) error {
			return tx.RetryProposalFetch(ctx, q.ID, e.now().Add(proposalFetchBackoff[q.Attempts]), err.Error())
		})
	}
	var why string
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.DoneProposalFetch(ctx, q.ID); err != nil {
			return err
		}
		g, hosted, err := e.hostedCommunity(ctx, tx, p.Audience)
		if err != nil {
			return err
		}
		if !hosted {
			return fmt.Errorf("community %s: %w", p.Audience, storage.ErrNotFound)
		}
		made, err := e.applyArtefactProposal(ctx, tx, g, actor, q.ActivityID, p, fetched)
		if r, refused := refusal(err); refused {
			why = r
			return errRefused
		}
		if err != nil {
			return err
		}
		return e.acceptProposal(ctx, tx, g, actor, act, made)
	})
	if err != nil {
		remove()
	}
	if errors.Is(err, errRefused) {
		return e.refuseQueued(ctx, q, actor, act, p, why)
	}
	return err
}

// refuseQueued refuses queued proposal q, saying why, and forgets it.
func (e *Engine) refuseQueued(ctx context.Context, q storage.ProposalFetch, actor storage.Account, act activitypub.Activity,
	p activitypub.ArtefactProposal, why string) error {
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.DoneProposalFetch(ctx, q.ID); err != nil {
			return err
		}
		g, hosted, err := e.hostedCommunity(ctx, tx, p.Audience)
		if err != nil || !hosted {
			return err // the community is gone: nothing to answer for
		}
		return e.rejectProposal(ctx, tx, g, actor, act, why)
	})
}

// fetchProposedFile fetches file d of a proposal, signed by this node,
// and stores it as an artefact file (storeArtefactFile's checks) if it is
// the file d names: its size and SHA-256. A file refused for what it is
// is an *InvalidError; a fetch that failed is another error.
func (e *Engine) fetchProposedFile(ctx context.Context, d activitypub.ArtefactDocument) (storedFile, error) {
	select {
	case e.remoteFetches <- struct{}{}:
		defer func() { <-e.remoteFetches }()
	case <-ctx.Done():
		return storedFile{}, ctx.Err()
	}
	pr, pw := io.Pipe()
	fetchErr := make(chan error, 1)
	go func() {
		n, err := e.fetcher.Download(ctx, d.URL, d.Size, pw)
		if err == nil && n != d.Size {
			err = fmt.Errorf("fetch %s: %d bytes, not the %d it names", d.URL, n, d.Size)
		}
		pw.CloseWithError(err) // nil: the reader sees the end
		fetchErr <- err
	}()
	sf, err := e.storeArtefactFile(ctx, d.Name, pr)
	pr.CloseWithError(errors.New("no longer read")) // stops a download the store gave up on
	ferr := <-fetchErr
	var inv *InvalidError
	switch {
	case errors.As(err, &inv): // what the file is (its name, its kind) decides
		return storedFile{}, err
	case ferr != nil: // the fetch failed: the store's error, if any, follows from it
		if err == nil {
			e.removeArtefactFiles(ctx, []string{sf.file.StorageName})
		}
		return storedFile{}, ferr
	case err != nil:
		return storedFile{}, err
	}
	if sf.file.SHA256 != d.SHA256 || sf.file.Size != d.Size {
		e.removeArtefactFiles(ctx, []string{sf.file.StorageName})
		return storedFile{}, invalid("%s is not the file your proposal names: its size or SHA-256 differ", d.Name)
	}
	e.readText(ctx, &sf)
	return sf, nil
}
