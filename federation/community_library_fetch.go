package federation

import (
	"context"
	"log/slog"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// When a member's Follow of a remote community is accepted, the member's
// node reads the community's moderators (fetchModerators, with the
// actors of the first joinModeratorsResolved of them) and its library
// (FetchLibrary), so that its pages here name who moderates it, and the
// artefacts made before anyone here joined are here too, not only those
// announced from now on. It runs in the background, one library at a time, each
// bounded in time; a queue that is full drops the request (the artefacts
// still arrive as they are announced, and the next join asks again).

const (
	// libraryQueueSize bounds the libraries waiting to be read.
	libraryQueueSize = 64
	// libraryFetchTimeout bounds the reading of one library (at most
	// maxLibraryPages pages and their artefacts' histories).
	libraryFetchTimeout = 2 * time.Minute
	// joinModeratorsResolved bounds the moderators' actors a join reads.
	joinModeratorsResolved = 20
)

// fetchLibraryOnJoin queues, once tx commits, the reading of the library
// of g, a remote community a member here has just joined.
func (e *Engine) fetchLibraryOnJoin(tx *storage.Tx, member, g storage.Account) {
	if g.Local() || g.ActorType != activitypub.TypeGroup || !member.Local() {
		return
	}
	tx.AfterCommit(func() {
		if !e.libraryFetches.add(g.ID) {
			e.log.Debug("library fetch not queued", slog.String("community", g.URI))
		}
	})
}

// runLibraryFetches reads the queued libraries until ctx ends.
func (e *Engine) runLibraryFetches(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-e.libraryFetches.ch:
			e.fetchQueuedLibrary(ctx, id)
			e.libraryFetches.done(id)
		}
	}
}

func (e *Engine) fetchQueuedLibrary(ctx context.Context, id storage.ID) {
	ctx, cancel := context.WithTimeout(ctx, libraryFetchTimeout)
	defer cancel()
	g, err := e.store.AccountByID(ctx, id)
	if err != nil {
		e.log.WarnContext(ctx, "library fetch", slog.Any("community_id", id), slog.Any("err", err))
		return
	}
	e.readModeratorsOnJoin(ctx, g)
	n, err := e.FetchLibrary(ctx, g)
	if err != nil {
		e.log.WarnContext(ctx, "library fetch", slog.String("community", g.URI), slog.Int("taken", n), slog.Any("err", err))
		return
	}
	e.log.InfoContext(ctx, "library fetched", slog.String("community", g.URI), slog.Int("taken", n))
}

// readModeratorsOnJoin stores who moderates remote community g, as its
// moderators collection says, and reads the actors of the first of them;
// what fails is logged (moderation announced later reads them again).
func (e *Engine) readModeratorsOnJoin(ctx context.Context, g storage.Account) {
	seen := e.moderatorsRead.changes(g.ID)
	uris, err := e.fetchModerators(ctx, g.URI)
	if err == nil {
		err = e.storeModeratorsRead(ctx, g, uris, seen)
	}
	if err != nil {
		e.log.WarnContext(ctx, "moderators on join", slog.String("community", g.URI), slog.Any("err", err))
		return
	}
	for _, u := range uris[:min(len(uris), joinModeratorsResolved)] {
		if _, err := e.AccountByIRI(ctx, u); err != nil {
			e.log.WarnContext(ctx, "moderator on join", slog.String("community", g.URI), slog.String("moderator", u), slog.Any("err", err))
		}
	}
}
