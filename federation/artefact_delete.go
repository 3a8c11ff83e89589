package federation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// Deleting an artefact: its author or a moderator of its community deletes
// it on the node that hosts the community; the member's Delete{Tombstone}
// goes to the Group, which announces it to its followers as it does every
// other change of community content. Every node removes the artefact with
// all its versions and files: nothing of it stays readable.

// DeleteArtefact deletes an artefact hosted here, by one of its authors or
// a moderator of its community (else ErrDenied), with every version and
// file, and announces Delete{Tombstone} to the community's followers.
func (e *Engine) DeleteArtefact(ctx context.Context, actor storage.Account, id storage.ID) error {
	if !actor.Local() || actor.ActorType != activitypub.TypePerson {
		return fmt.Errorf("delete artefact by %s: %w", actor.URI, ErrDenied)
	}
	var files []string
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		a, err := tx.ArtefactByID(ctx, id)
		if err != nil {
			return err
		}
		if !a.Local {
			// A copy of a remote community's artefact: deleted where the
			// community lives, and then here through its Group.
			return fmt.Errorf("artefact %s is hosted on another node: %w", a.URI, ErrDenied)
		}
		g, err := hostedCommunity(ctx, tx, a.CommunityID)
		if err != nil {
			return err
		}
		ok, err := isAuthorOrModerator(ctx, tx, a, actor.ID)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("delete %s by %s: %w", a.URI, actor.Acct(), ErrDenied)
		}
		if files, err = tx.DeleteArtefact(ctx, a.ID); err != nil {
			return err
		}
		del := activitypub.Activity{ID: e.urls.Activity(actor.Username, tx.NewID()), Type: activitypub.TypeDelete, Actor: actor.URI}
		raw, err := marshalJSON(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": del.ID,
			"type": activitypub.TypeDelete, "actor": actor.URI, "to": []string{activitypub.PublicIRI},
			"cc": []string{g.URI, g.Followers}, "audience": g.URI, "published": tx.Now().UTC().Truncate(time.Second),
			"object": map[string]any{"id": a.URI, "type": activitypub.TypeTombstone, "formerType": activitypub.TypeArticle}})
		if err != nil {
			return fmt.Errorf("delete %s: %w", a.URI, err)
		}
		return e.announceRaw(ctx, tx, g, del, raw)
	})
	if err != nil {
		return fmt.Errorf("delete artefact %s: %w", id, err)
	}
	e.removeArtefactFiles(ctx, files)
	return nil
}

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

// groupArtefactDelete takes the Delete of an artefact that a remote Group
// announces: handled is false when del is not about an artefact known
// here (a post's Delete). The Group vouches for artefacts on its own host;
// one from elsewhere is deleted only when its origin says it is gone.
func (e *Engine) groupArtefactDelete(ctx context.Context, g storage.Account, del activitypub.Activity) (bool, error) {
	iri := del.Object.IRI
	if iri == "" {
		return false, nil
	}
	a, err := e.store.ArtefactByURI(ctx, iri)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	if a.Local || a.CommunityID != g.ID {
		return true, fmt.Errorf("delete of %s announced by %s: %w", iri, g.URI, ErrDenied)
	}
	if !sameOrigin(iri, g.URI) {
		_, err := e.fetcher.Get(ctx, iri)
		var se *StatusError
		if err == nil || !errors.As(err, &se) || (se.Code != http.StatusGone && se.Code != http.StatusNotFound) {
			return true, nil // still there, or the origin did not answer: kept
		}
	}
	var files []string
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if del.ID != "" {
			if fresh, err := tx.MarkProcessed(ctx, del.ID); err != nil || !fresh {
				return err
			}
		}
		files, err = tx.DeleteArtefact(ctx, a.ID)
		return ignoreNotFound(err)
	})
	if err != nil {
		return true, fmt.Errorf("delete artefact %s: %w", iri, err)
	}
	e.removeArtefactFiles(ctx, files)
	return true, nil
}
