package federation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// Posting into a community on purpose (Draft.Community), as copse's pages
// do: a new thread names the Group as a mention does from a Mastodon app,
// without the mention in its text, and is refused before anything is
// written when the Group would refuse it (the rule every Group applies,
// postingRule and mayPostIn), with the reason in a DeniedError. A post
// from an app that mentions a Group is not checked so: it is the member's
// post either way, and the Group takes it in or not.

// DeniedError is ErrDenied with the reason a person is told.
type DeniedError struct{ Reason string }

func (e *DeniedError) Error() string { return ErrDenied.Error() + ": " + e.Reason }

// Unwrap makes errors.Is(err, ErrDenied) hold.
func (e *DeniedError) Unwrap() error { return ErrDenied }

// CommunityPolicy is the community row of Group g: its own when it is
// hosted here, else what the remote Group stated, as this node applies
// it (approval to join when it approves followers by hand; posting and
// visibility as it last said; a Group that said nothing beyond its actor
// is public and open to its members' posts).
func (e *Engine) CommunityPolicy(ctx context.Context, g storage.Account) (storage.Community, error) {
	return communityPolicy(ctx, e.store, g)
}

func communityPolicy(ctx context.Context, q communityVisibilityReader, g storage.Account) (storage.Community, error) {
	if g.ActorType != activitypub.TypeGroup {
		return storage.Community{}, fmt.Errorf("community %s: %w", g.Acct(), storage.ErrNotFound)
	}
	if g.Local() {
		c, err := q.CommunityByAccount(ctx, g.ID)
		if err != nil {
			return storage.Community{}, fmt.Errorf("community %s: %w", g.Acct(), err)
		}
		return c, nil
	}
	rc, err := q.RemoteCommunity(ctx, g.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return storage.Community{}, fmt.Errorf("remote community %s: %w", g.URI, err)
	}
	c := storage.Community{AccountID: g.ID, JoinPolicy: storage.JoinOpen, PostingPolicy: storage.PostingMembers,
		Visibility: storage.CommunityPublic}
	if g.Locked {
		c.JoinPolicy = storage.JoinApproval
	}
	if rc.PostingRestricted {
		c.PostingPolicy = storage.PostingModerators
	}
	if rc.MembersOnly {
		c.Visibility = storage.CommunityMembersOnly
	}
	return c, nil
}

// MayPostIn reports whether who may start a thread in the community g,
// here or elsewhere, and if not, why, in words for a person: the rule
// the Group applies (postingRule), as far as this node knows who's
// standing. A community that moved takes nothing.
func (e *Engine) MayPostIn(ctx context.Context, who, g storage.Account) (bool, string, error) {
	c, err := e.CommunityPolicy(ctx, g)
	if err != nil {
		return false, "", err
	}
	if g.MovedTo != "" {
		return false, movedNotice(g), nil
	}
	s, err := e.store.StandingIn(ctx, g.ID, who.ID)
	if err != nil {
		return false, "", fmt.Errorf("standing in %s: %w", g.Acct(), err)
	}
	ok, why := postingRule(s, c, e.store.Now())
	return ok, why, nil
}

// draftCommunity checks a draft posted into the community d.Community
// (Post with Draft.Community): the Group, its policy, and for a reply,
// that parent is in it. It returns the Group, its policy and the
// mentions to write: with the Group among them for a new thread, and for
// a reply, the author of the post it answers (as an app writes them in,
// so they are told, here or on their server), unless that is author.
func (e *Engine) draftCommunity(ctx context.Context, d Draft, author storage.ID, parent storage.Status, mentioned []storage.Account) (storage.Account, storage.Community, []storage.Account, error) {
	g, err := e.store.AccountByID(ctx, d.Community)
	if err != nil {
		return storage.Account{}, storage.Community{}, nil, fmt.Errorf("community %d: %w", d.Community, err)
	}
	if !g.SuspendedAt.IsZero() {
		return storage.Account{}, storage.Community{}, nil, fmt.Errorf("community %s: %w", g.Acct(), storage.ErrNotFound)
	}
	c, err := e.CommunityPolicy(ctx, g)
	if err != nil {
		return storage.Account{}, storage.Community{}, nil, err
	}
	if utf8.RuneCountInString(d.Title) > MaxThreadTitle {
		return storage.Account{}, storage.Community{}, nil, invalid("title is longer than %d characters", MaxThreadTitle)
	}
	if parent.ID != 0 {
		pg, _, ok, err := communityOf(ctx, e.store, parent)
		if err != nil {
			return storage.Account{}, storage.Community{}, nil, fmt.Errorf("community of %s: %w", parent.URI, err)
		}
		if !ok || pg.ID != g.ID {
			return storage.Account{}, storage.Community{}, nil, fmt.Errorf("reply to %s in %s: %w", parent.URI, g.Acct(), storage.ErrNotFound)
		}
		if parent.AccountID == author || slices.ContainsFunc(mentioned, func(a storage.Account) bool { return a.ID == parent.AccountID }) {
			return g, c, mentioned, nil
		}
		to, err := e.store.AccountByID(ctx, parent.AccountID)
		if err != nil {
			return storage.Account{}, storage.Community{}, nil, fmt.Errorf("author of %s: %w", parent.URI, err)
		}
		return g, c, append(mentioned, to), nil
	}
	if !slices.ContainsFunc(mentioned, func(a storage.Account) bool { return a.ID == g.ID }) {
		mentioned = append(mentioned, g)
	}
	return g, c, mentioned, nil
}

// checkCommunityPost is the Group's rule for author's post into g (c)
// replying to parent (0 for a thread), applied in the transaction that
// stores it: a refusal is a *DeniedError and nothing is written.
func (e *Engine) checkCommunityPost(ctx context.Context, tx *storage.Tx, g storage.Account, c storage.Community, author storage.Account, parent storage.ID) error {
	ok, why, err := e.mayPostIn(ctx, tx, g, c, author, storage.Status{InReplyToID: parent})
	if err != nil {
		return fmt.Errorf("may post in %s: %w", g.Acct(), err)
	}
	if ok && g.MovedTo != "" {
		ok, why = false, movedNotice(g)
	}
	if !ok {
		return &DeniedError{Reason: why}
	}
	return nil
}

// andThen runs first, when not nil, then next: two checks in one
// transaction.
func andThen(first, next func(tx *storage.Tx) error) func(tx *storage.Tx) error {
	if first == nil {
		return next
	}
	return func(tx *storage.Tx) error {
		if err := first(tx); err != nil {
			return err
		}
		return next(tx)
	}
}

// keepCommunityMentions keeps, on an edit of st, the mentions a post
// into a community made without writing them in its text
// (Draft.Community): of its community's Group, and of the author of the
// post it answers. The edited post must name them as the first one did;
// a mention the first one wrote in is the edit's text to keep or drop.
func (e *Engine) keepCommunityMentions(ctx context.Context, st storage.Status, mentioned []storage.Account) ([]storage.Account, error) {
	g, _, ok, err := communityOf(ctx, e.store, st)
	if err != nil {
		return nil, fmt.Errorf("community of %s: %w", st.URI, err)
	}
	if !ok {
		return mentioned, nil
	}
	for _, id := range []storage.ID{g.ID, st.InReplyToAccountID} {
		if id == 0 || !slices.Contains(st.Mentions, id) || slices.ContainsFunc(mentioned, func(a storage.Account) bool { return a.ID == id }) {
			continue
		}
		a := g
		if id != g.ID {
			if a, err = e.store.AccountByID(ctx, id); err != nil {
				return nil, fmt.Errorf("mention of %d in %s: %w", id, st.URI, err)
			}
		}
		if strings.Contains(strings.ToLower(st.SourceText), "@"+strings.ToLower(a.Username)) {
			continue // written in: the edit's text decides
		}
		mentioned = append(mentioned, a)
	}
	return mentioned, nil
}
