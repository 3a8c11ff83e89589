package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// CommunityEdit is a change to a community: nil fields stay as they are.
type CommunityEdit struct {
	Name          *string
	Description   *string // Markdown
	Rules         *string
	Language      *string
	JoinPolicy    *string
	PostingPolicy *string
	Visibility    *string
	// Icon and Header are new images (nil: unchanged), checked and
	// re-encoded as a member's avatar and header are; RemoveIcon and
	// RemoveHeader drop the ones it has.
	Icon, Header             io.Reader
	RemoveIcon, RemoveHeader bool
}

// EditCommunity changes a community hosted here, by one of its
// moderators, and sends Update{Group} to its followers, so that every
// server that follows it (copse, Lemmy, PieFed, Mbin, NodeBB, Mastodon)
// refreshes what it shows. Errors: ErrDenied for a non-moderator,
// *InvalidError for a bad value, storage.ErrNotFound for no community.
func (e *Engine) EditCommunity(ctx context.Context, editor storage.Account, groupID storage.ID, ed CommunityEdit) (storage.Community, error) {
	c, err := e.store.CommunityByAccount(ctx, groupID)
	if err != nil {
		return storage.Community{}, fmt.Errorf("edit community %d: %w", groupID, err)
	}
	g, err := e.store.AccountByID(ctx, groupID)
	if err != nil {
		return storage.Community{}, fmt.Errorf("edit community %d: %w", groupID, err)
	}
	mod, err := e.store.IsCommunityModerator(ctx, g.ID, editor.ID)
	if err != nil {
		return storage.Community{}, fmt.Errorf("edit community %s: %w", g.Acct(), err)
	}
	if !mod {
		return storage.Community{}, fmt.Errorf("edit community %s by %s: %w", g.Acct(), editor.URI, ErrDenied)
	}
	nc := NewCommunity{Handle: g.Username, Name: g.DisplayName, Description: c.DescriptionSource, Rules: c.Rules,
		Language: c.Language, JoinPolicy: c.JoinPolicy, PostingPolicy: c.PostingPolicy, Visibility: c.Visibility}
	for _, f := range []struct {
		to   *string
		from *string
	}{{&nc.Name, ed.Name}, {&nc.Description, ed.Description}, {&nc.Rules, ed.Rules}, {&nc.Language, ed.Language},
		{&nc.JoinPolicy, ed.JoinPolicy}, {&nc.PostingPolicy, ed.PostingPolicy}, {&nc.Visibility, ed.Visibility}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	nc = nc.clean()
	if err := nc.validate(); err != nil {
		return storage.Community{}, err
	}
	g.DisplayName = nc.Name
	if g.Note, err = e.communityNote(nc.Description, nc.Rules); err != nil {
		return storage.Community{}, err
	}
	g.Locked = nc.JoinPolicy == storage.JoinApproval
	g.Discoverable = nc.Visibility == storage.CommunityPublic
	c.DescriptionSource, c.Rules, c.Language = nc.Description, nc.Rules, nc.Language
	c.JoinPolicy, c.PostingPolicy, c.Visibility = nc.JoinPolicy, nc.PostingPolicy, nc.Visibility
	var replaced []string
	for _, drop := range []struct {
		remove bool
		url    *string
	}{{ed.RemoveIcon && ed.Icon == nil, &g.AvatarURL}, {ed.RemoveHeader && ed.Header == nil, &g.HeaderURL}} {
		if !drop.remove {
			continue
		}
		if old, ok := e.localMediaFile(*drop.url); ok {
			replaced = append(replaced, old)
		}
		*drop.url = ""
	}
	written, swapped, err := e.saveProfileImages(ctx, &g, "icon", ed.Icon, ed.Header)
	if err != nil {
		return storage.Community{}, err
	}
	replaced = append(replaced, swapped...)
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.UpdateAccount(ctx, &g); err != nil {
			return err
		}
		if err := tx.UpdateCommunity(ctx, c); err != nil {
			return err
		}
		return e.sendGroupUpdate(ctx, tx, g, c)
	})
	if err != nil {
		e.removeMedia(ctx, written...)
		return storage.Community{}, fmt.Errorf("edit community %s: %w", g.Acct(), err)
	}
	e.removeMedia(ctx, replaced...)
	return c, nil
}

// sendGroupUpdate sends Update{Group} with the Group's whole document, as
// its actor endpoint serves it (postingRestrictedToMods, moderators,
// source), to its followers.
func (e *Engine) sendGroupUpdate(ctx context.Context, tx *storage.Tx, g storage.Account, c storage.Community) error {
	doc, err := GroupDocument(g, c, e.urls)
	if err != nil {
		return err
	}
	var obj map[string]any
	if err := json.Unmarshal(doc, &obj); err != nil {
		return fmt.Errorf("group %s: %w", g.URI, err)
	}
	// One @context, the Group's (it defines Lemmy's terms), on the Update.
	docContext := obj["@context"]
	delete(obj, "@context")
	id := e.urls.Activity(g.Username, tx.NewID())
	body, err := marshalJSON(map[string]any{
		"@context": docContext,
		"id":       id,
		"type":     activitypub.TypeUpdate,
		"actor":    g.URI,
		"to":       []string{activitypub.PublicIRI},
		"cc":       []string{g.Followers},
		"object":   obj,
	})
	if err != nil {
		return fmt.Errorf("update %s: %w", g.URI, err)
	}
	inboxes, err := tx.FollowerInboxes(ctx, g.ID)
	if err != nil {
		return fmt.Errorf("followers of %s: %w", g.Acct(), err)
	}
	return e.publishBody(ctx, tx, g, id, activitypub.TypeUpdate, false, body, inboxes)
}

// storeGroupTerms keeps what a remote Group's document says beyond its
// actor (applyActorUpdate calls it for Update{Group}).
func storeGroupTerms(ctx context.Context, tx *storage.Tx, doc activitypub.Actor) error {
	if doc.Type != activitypub.TypeGroup {
		return nil
	}
	a, err := tx.AccountByURI(ctx, doc.ID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && a.Local()) {
		return nil
	}
	if err != nil {
		return err
	}
	// Whether it is members-only is learnt from its announces
	// (markMembersOnly), not from its actor: kept.
	membersOnly, err := membersOnlyCommunity(ctx, tx, a)
	if err != nil {
		return err
	}
	return tx.SetRemoteCommunity(ctx, storage.RemoteCommunity{AccountID: a.ID, MembersOnly: membersOnly,
		PostingRestricted: doc.PostingRestrictedToMods, ModeratorsURL: cmpOr(doc.Moderators, doc.AttributedTo)})
}
