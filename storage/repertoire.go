package storage

import (
	"context"
	"errors"
)

// Repertoire is one item of a community's repertoire, whichever its
// kind: exactly one of Artefact, Term and Event is set (has an ID).
type Repertoire struct {
	Artefact Artefact
	Term     Term
	Event    CommunityEvent
}

// RepertoireByID is the artefact, glossary term or event with that ID
// (one generator makes the IDs of all three); ErrNotFound when none.
func (q queries) RepertoireByID(ctx context.Context, id ID) (Repertoire, error) {
	return repertoireBy(ctx, id, q.ArtefactByID, q.TermByID, q.CommunityEventByID)
}

// RepertoireByURI is the artefact, glossary term or event whose
// ActivityPub id is uri; ErrNotFound when none.
func (q queries) RepertoireByURI(ctx context.Context, uri string) (Repertoire, error) {
	return repertoireBy(ctx, uri, q.ArtefactByURI, q.TermByURI, q.CommunityEventByURI)
}

// repertoireBy asks each kind in turn for key, an ID or a URI.
func repertoireBy[K any](ctx context.Context, key K, artefact func(context.Context, K) (Artefact, error),
	term func(context.Context, K) (Term, error), event func(context.Context, K) (CommunityEvent, error)) (Repertoire, error) {
	a, err := artefact(ctx, key)
	if err == nil {
		return Repertoire{Artefact: a}, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Repertoire{}, err
	}
	t, err := term(ctx, key)
	if err == nil {
		return Repertoire{Term: t}, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Repertoire{}, err
	}
	ev, err := event(ctx, key)
	if err != nil {
		return Repertoire{}, err
	}
	return Repertoire{Event: ev}, nil
}
