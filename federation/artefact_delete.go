package federation

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// Deleting an artefact is repertoire_delete.go's one path for artefacts,
// glossary terms and events: every node removes the artefact with all its
// versions and files, and nothing of it stays readable.

// removeArtefactFiles removes the files of a deleted artefact from disk,
// after the rows that named them are gone; a file that cannot be removed
// is logged (nothing serves it any more).
func (e *Engine) removeArtefactFiles(ctx context.Context, names []string) {
	dir := e.artefactFileDir()
	for _, n := range names {
		name := filepath.FromSlash(n)
		if dir == "" || !filepath.IsLocal(name) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			e.log.WarnContext(ctx, "remove artefact file", slog.String("file", n), slog.Any("err", err))
		}
	}
}

// groupArtefactDelete takes the Delete of an artefact, a term or an
// event that a remote Group announces (groupRepertoireDelete): handled is
// false when del is not about one known here (a post's Delete).
func (e *Engine) groupArtefactDelete(ctx context.Context, g storage.Account, del activitypub.Activity) (bool, error) {
	return e.groupRepertoireDelete(ctx, g, del)
}

// goneAtOrigin reports whether the origin of iri says it is gone (410
// or 404); false when it still serves it or did not answer.
func (e *Engine) goneAtOrigin(ctx context.Context, iri string) bool {
	_, err := e.fetcher.Get(ctx, iri)
	var se *StatusError
	return err != nil && errors.As(err, &se) && (se.Code == http.StatusGone || se.Code == http.StatusNotFound)
}
