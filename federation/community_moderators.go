package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// SetCommunityModerator adds (add true) or removes a moderator of a
// community hosted here, local or remote, on behalf of one of its
// moderators: the moderator's Add or Remove with the community's
// moderators collection as target (Lemmy's shape), announced by the
// Group to its followers and the account concerned, and logged.
// Adding a moderator twice, or removing one who is not, changes nothing
// and sends nothing. The last moderator cannot be removed.
func (e *Engine) SetCommunityModerator(ctx context.Context, moderator storage.Account, groupID, accountID storage.ID, add bool) error {
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		m, err := e.moderate(ctx, tx, moderator, groupID)
		if err != nil {
			return err
		}
		a, err := tx.AccountByID(ctx, accountID)
		if err != nil {
			return fmt.Errorf("moderator %d: %w", accountID, err)
		}
		changed, err := e.changeModerators(ctx, tx, m.group, a, add)
		if err != nil || !changed {
			return err
		}
		typ, action := "Add", storage.ModAddModerator
		if !add {
			typ, action = "Remove", storage.ModRemoveModerator
		}
		act := map[string]any{
			"id": e.urls.Activity(moderator.Username, tx.NewID()), "type": typ, "actor": moderator.URI,
			"object": a.URI, "target": e.urls.Moderators(m.group.Username),
			"to": []string{activitypub.PublicIRI}, "cc": []string{m.group.URI}, "audience": m.group.URI,
		}
		if err := e.announceModeration(ctx, tx, m, act, a); err != nil {
			return err
		}
		return tx.AppendModerationLog(ctx, &storage.ModerationEntry{CommunityID: m.group.ID, ModeratorID: moderator.ID,
			ModeratorURI: moderator.URI, Action: action, Target: a.URI, ActivityURI: act["id"].(string)})
	})
}

// changeModerators adds or removes a as a moderator of the community g
// hosted here; it reports false when nothing changed.
func (e *Engine) changeModerators(ctx context.Context, tx *storage.Tx, g, a storage.Account, add bool) (bool, error) {
	if a.ActorType == activitypub.TypeGroup || a.ActorType == activitypub.TypeApplication {
		return false, invalid("only a person can moderate a community")
	}
	is, err := tx.IsCommunityModerator(ctx, g.ID, a.ID)
	if err != nil || is == add {
		return false, err
	}
	if add {
		banned, _, err := communityBanned(ctx, tx, g, a)
		if err != nil {
			return false, err
		}
		if banned {
			return false, invalid("%s is banned from the community: lift the ban first", a.Acct())
		}
		return true, tx.AddCommunityModerator(ctx, g.ID, a.ID)
	}
	mods, err := tx.CommunityModerators(ctx, g.ID)
	if err != nil {
		return false, err
	}
	if len(mods) <= 1 {
		return false, invalid("a community keeps at least one moderator")
	}
	return true, tx.RemoveCommunityModerator(ctx, g.ID, a.ID)
}

// applyModeratorChange applies an Add or Remove sent to a Group hosted
// here whose target is its moderators collection: accepted from one of
// its moderators (a remote one: a local moderator acts through the API),
// then announced by the Group as received and logged. An Add or Remove
// of anything else (a member's pinned posts) is ignored. The account
// added must be known here already.
func (e *Engine) applyModeratorChange(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity) error {
	name, ok := strings.CutSuffix(act.Target, "/moderators")
	if !ok {
		return nil
	}
	g, err := e.localTarget(ctx, tx, name)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if g.ActorType != activitypub.TypeGroup || e.urls.Moderators(g.Username) != act.Target {
		return nil
	}
	mod, err := tx.IsCommunityModerator(ctx, g.ID, actor.ID)
	if err != nil {
		return err
	}
	if !mod {
		return fmt.Errorf("%s %s of %s's moderators by %s, not a moderator: %w", act.Type, act.ID, g.Acct(), actor.URI, ErrDenied)
	}
	a, err := tx.AccountByURI(ctx, act.Object.IRI)
	if err != nil {
		return fmt.Errorf("%s %s: %w", act.Type, act.Object.IRI, err)
	}
	add := act.Type == "Add"
	changed, err := e.changeModerators(ctx, tx, g, a, add)
	if err != nil || !changed {
		return err
	}
	raw := inboxBody(ctx)
	if len(raw) == 0 {
		if raw, err = marshalJSON(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": act.ID,
			"type": act.Type, "actor": actor.URI, "object": a.URI, "target": act.Target}); err != nil {
			return err
		}
	}
	if err := e.announceReceived(ctx, tx, g, raw, a); err != nil {
		return err
	}
	action := storage.ModAddModerator
	if !add {
		action = storage.ModRemoveModerator
	}
	return tx.AppendModerationLog(ctx, &storage.ModerationEntry{CommunityID: g.ID, ModeratorID: actor.ID,
		ModeratorURI: actor.URI, Action: action, Target: a.URI, ActivityURI: act.ID})
}

// announceReceived has a Group hosted here announce a moderation
// activity exactly as received to its follower nodes that read it (not
// Mastodon-like ones: relayInboxes) and the account it concerns.
func (e *Engine) announceReceived(ctx context.Context, tx *storage.Tx, g storage.Account, raw []byte, concerned storage.Account) error {
	followers, kinds, err := e.followerKinds(ctx, tx, g, allFollowers, "")
	if err != nil {
		return err
	}
	inboxes := relayInboxes(followers, kinds, concerned)
	id := e.urls.Activity(g.Username, tx.NewID())
	body, err := marshalJSON(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       id, "type": activitypub.TypeAnnounce, "actor": g.URI,
		"to": []string{activitypub.PublicIRI}, "cc": []string{g.Followers}, "audience": g.URI,
		"published": tx.Now().UTC().Truncate(time.Second),
		"object":    json.RawMessage(raw),
	})
	if err != nil {
		return fmt.Errorf("announce moderation: %w", err)
	}
	public, err := moderationInOutbox(ctx, tx, g)
	if err != nil {
		return err
	}
	return e.publishBody(ctx, tx, g, id, activitypub.TypeAnnounce, public, body, inboxes)
}

// applyRemoteModeratorChange records a remote Group's announced Add or
// Remove on its moderators collection, so that this node knows at once
// which of its members moderate that community (their report queue)
// and whose moderation to accept. The announce was checked by the
// caller (applyCommunityModeration).
func applyRemoteModeratorChange(ctx context.Context, tx *storage.Tx, g storage.Account, inner activitypub.Activity, entry storage.ModerationEntry) error {
	rc, err := tx.RemoteCommunity(ctx, g.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	if rc.ModeratorsURL != "" && rc.ModeratorsURL != inner.Target {
		return nil // not its moderators collection
	}
	if rc.ModeratorsURL == "" && !sameOrigin(inner.Target, g.URI) {
		return nil
	}
	who := inner.Object.IRI
	if who == "" {
		return nil
	}
	entry.Target, entry.Action = who, storage.ModAddModerator
	if inner.Type == "Add" {
		err = tx.AddRemoteModerator(ctx, g.ID, who)
	} else {
		entry.Action = storage.ModRemoveModerator
		err = tx.RemoveRemoteModerator(ctx, g.ID, who)
	}
	if err != nil {
		return err
	}
	return tx.AppendModerationLog(ctx, &entry)
}
