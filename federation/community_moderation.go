package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// maxModerationReason bounds the reason a moderator gives: it is shown
// in the public log and sent to every follower of the community.
const maxModerationReason = 1000

// moderating is a community hosted here as one of its moderators acts
// on it.
type moderating struct {
	group     storage.Account
	community storage.Community
	moderator storage.Account
}

// moderate loads the local community groupID and checks that moderator
// (a local member) moderates it: ErrDenied otherwise, ErrNotFound when
// there is no such community here.
func (e *Engine) moderate(ctx context.Context, q communityReader, moderator storage.Account, groupID storage.ID) (moderating, error) {
	c, err := q.CommunityByAccount(ctx, groupID)
	if err != nil {
		return moderating{}, fmt.Errorf("community %d: %w", groupID, err)
	}
	g, err := q.AccountByID(ctx, groupID)
	if err != nil {
		return moderating{}, fmt.Errorf("community %d: %w", groupID, err)
	}
	mod, err := moderates(ctx, q, moderator, g)
	if err != nil {
		return moderating{}, fmt.Errorf("community %s: %w", g.Acct(), err)
	}
	if !mod {
		return moderating{}, fmt.Errorf("%s moderates not %s: %w", moderator.URI, g.Acct(), ErrDenied)
	}
	return moderating{group: g, community: c, moderator: moderator}, nil
}

// moderatorReader reads who moderates a community.
type moderatorReader interface {
	IsCommunityModerator(ctx context.Context, community, account storage.ID) (bool, error)
	IsRemoteModerator(ctx context.Context, communityID storage.ID, uri string) (bool, error)
}

// moderates is the rule of who moderates community g from this node: a
// member here whom g lists, in its moderators here (a community hosted
// here) or in its moderators collection as last read (one hosted
// elsewhere, whose Group then applies what they do).
func moderates(ctx context.Context, q moderatorReader, who, g storage.Account) (bool, error) {
	if !who.Local() || who.ID == 0 {
		return false, nil
	}
	if g.Local() {
		return q.IsCommunityModerator(ctx, g.ID, who.ID)
	}
	return q.IsRemoteModerator(ctx, g.ID, who.URI)
}

// Moderates reports whether who moderates community g from this node
// (moderates): what the pages offer moderator's forms by. Every action
// checks again.
func (e *Engine) Moderates(ctx context.Context, who, g storage.Account) (bool, error) {
	ok, err := moderates(ctx, e.store, who, g)
	if err != nil {
		return false, fmt.Errorf("moderators of %s: %w", g.Acct(), err)
	}
	return ok, nil
}

func cleanReason(reason string) (string, error) {
	reason = strings.TrimSpace(cleanText(reason))
	if utf8.RuneCountInString(reason) > maxModerationReason {
		return "", invalid("reason is longer than %d characters", maxModerationReason)
	}
	return reason, nil
}

// JoinRequests lists the members waiting for a moderator of the
// community to let them in, newest first: those asking to join a
// community hosted here, or, for a moderator here of one hosted
// elsewhere, the requests its Group announced to this node.
func (e *Engine) JoinRequests(ctx context.Context, moderator storage.Account, groupID storage.ID, p storage.Page) ([]storage.ListedAccount, error) {
	if g, err := e.store.AccountByID(ctx, groupID); err == nil && !g.Local() && g.ActorType == activitypub.TypeGroup {
		if ok, err := e.Moderates(ctx, moderator, g); err != nil || !ok {
			if err == nil {
				err = fmt.Errorf("%s moderates not %s: %w", moderator.URI, g.Acct(), ErrDenied)
			}
			return nil, err
		}
		return e.store.RemoteJoinRequestPage(ctx, g.ID, p)
	}
	m, err := e.moderate(ctx, e.store, moderator, groupID)
	if err != nil {
		return nil, err
	}
	return e.store.FollowRequestPage(ctx, m.group.ID, p)
}

// notifyJoinRequest tells the moderators here of community g, hosted
// here or elsewhere, that follower asks to join it (a join_request
// notification naming g), unless they block follower. The notifications
// go when the request does (migrations 0075 and 0078).
func (e *Engine) notifyJoinRequest(ctx context.Context, tx *storage.Tx, g, follower storage.Account) error {
	mods, err := e.moderatorsHere(ctx, tx, g)
	if err != nil {
		return err
	}
	for _, m := range mods {
		if m.ID == follower.ID {
			continue
		}
		if blocked, err := tx.Blocks(ctx, m.ID, follower.ID); err != nil || blocked {
			if err != nil {
				return err
			}
			continue
		}
		n := storage.Notification{AccountID: m.ID, FromAccountID: follower.ID, Type: storage.NotifyJoinRequest, CommunityID: g.ID}
		if err := tx.InsertNotification(ctx, &n); err != nil {
			return err
		}
		e.emit(tx, Event{Kind: EventNotification, NotificationID: n.ID, Home: []storage.ID{m.ID}})
	}
	return nil
}

// moderatorsHere lists the members of this node who moderate community
// g: among its moderators when it is hosted here, among those its
// moderators collection lists when it is hosted elsewhere.
func (e *Engine) moderatorsHere(ctx context.Context, tx *storage.Tx, g storage.Account) ([]storage.Account, error) {
	if g.Local() {
		mods, err := tx.CommunityModerators(ctx, g.ID)
		if err != nil {
			return nil, err
		}
		return slices.DeleteFunc(mods, func(m storage.Account) bool { return !m.Local() }), nil
	}
	uris, err := e.localModeratorsOf(ctx, tx, g)
	if err != nil {
		return nil, err
	}
	var out []storage.Account
	for _, u := range uris {
		m, err := tx.AccountByURI(ctx, u)
		if errors.Is(err, storage.ErrNotFound) {
			continue // listed, but no longer a member here
		}
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// tellJoinAnswer tells a member here that community g let them in or
// refused their request (join_accepted, join_refused, naming g).
func (e *Engine) tellJoinAnswer(ctx context.Context, tx *storage.Tx, member, g storage.Account, accepted bool) error {
	if !member.Local() || g.ActorType != activitypub.TypeGroup {
		return nil
	}
	typ := storage.NotifyJoinRefused
	if accepted {
		typ = storage.NotifyJoinAccepted
	}
	n := storage.Notification{AccountID: member.ID, FromAccountID: g.ID, Type: typ, CommunityID: g.ID}
	if err := tx.InsertNotification(ctx, &n); err != nil {
		return err
	}
	e.emit(tx, Event{Kind: EventNotification, NotificationID: n.ID, Home: []storage.ID{member.ID}})
	return nil
}

// AcceptJoin lets a pending member in: the Group sends Accept{Follow}.
// A moderator here of a community hosted elsewhere sends the Group their
// own Accept{Follow}, which it applies (answerRemoteJoin).
func (e *Engine) AcceptJoin(ctx context.Context, moderator storage.Account, groupID, accountID storage.ID) error {
	return e.answerJoin(ctx, moderator, groupID, accountID, true, "")
}

// RejectJoin refuses a pending member, with a reason: the Group sends
// Reject{Follow} carrying it in summary and content (Lemmy and Mbin show
// neither, copse records it); a local member's refusal is recorded here.
// A moderator here of a community hosted elsewhere sends the Group their
// own Reject{Follow} with the reason.
func (e *Engine) RejectJoin(ctx context.Context, moderator storage.Account, groupID, accountID storage.ID, reason string) error {
	reason, err := cleanReason(reason)
	if err != nil {
		return err
	}
	return e.answerJoin(ctx, moderator, groupID, accountID, false, reason)
}

func (e *Engine) answerJoin(ctx context.Context, moderator storage.Account, groupID, accountID storage.ID, accept bool, reason string) error {
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		if g, remote, err := e.remoteModerated(ctx, tx, moderator, groupID); err != nil || remote {
			if err != nil {
				return err
			}
			return e.answerRemoteJoin(ctx, tx, moderator, g, accountID, accept, reason)
		}
		m, err := e.moderate(ctx, tx, moderator, groupID)
		if err != nil {
			return err
		}
		req, err := tx.FollowRequestOf(ctx, accountID, m.group.ID)
		if err != nil {
			return fmt.Errorf("join request of %d: %w", accountID, err)
		}
		if accept {
			return e.acceptJoin(ctx, tx, moderator, m.group, req)
		}
		return e.rejectJoin(ctx, tx, moderator, m.group, req, reason)
	})
}

// acceptJoin lets the member of the pending request req into community g,
// hosted here, as moderator decided.
func (e *Engine) acceptJoin(ctx context.Context, tx *storage.Tx, moderator, g storage.Account, req storage.Follow) error {
	member, err := tx.AccountByID(ctx, req.AccountID)
	if err != nil {
		return err
	}
	if err := e.acceptFollow(ctx, tx, member, g, req); err != nil {
		return err
	}
	if err := e.tellJoinAnswer(ctx, tx, member, g, true); err != nil {
		return err
	}
	return tx.AppendModerationLog(ctx, &storage.ModerationEntry{CommunityID: g.ID, ModeratorID: moderator.ID,
		ModeratorURI: moderator.URI, Action: storage.ModAcceptJoin, Target: member.URI})
}

// rejectJoin refuses the pending request req to join community g, hosted
// here, as moderator decided, for reason.
func (e *Engine) rejectJoin(ctx context.Context, tx *storage.Tx, moderator, g storage.Account, req storage.Follow, reason string) error {
	member, err := tx.AccountByID(ctx, req.AccountID)
	if err != nil {
		return err
	}
	if err := e.endFollow(ctx, tx, member, g); err != nil {
		return err
	}
	id := e.urls.Activity(g.Username, tx.NewID())
	if err := tx.AppendModerationLog(ctx, &storage.ModerationEntry{CommunityID: g.ID, ModeratorID: moderator.ID,
		ModeratorURI: moderator.URI, Action: storage.ModRejectJoin, Target: member.URI, Reason: reason, ActivityURI: id}); err != nil {
		return err
	}
	if member.Local() {
		if err := e.tellJoinAnswer(ctx, tx, member, g, false); err != nil {
			return err
		}
		return tx.PutJoinRejection(ctx, member.ID, g.ID, reason)
	}
	follow := activitypub.Activity{ID: req.URI, Type: activitypub.TypeFollow, Actor: member.URI, Object: activitypub.Object{IRI: g.URI}}
	rej := activitypub.Activity{ID: id, Type: activitypub.TypeReject, Actor: g.URI, To: []string{member.URI},
		Content: reason, Object: activitypub.Object{IRI: req.URI, Type: activitypub.TypeFollow, Activity: &follow}}
	body, err := withExtra(rej, map[string]any{"summary": reason})
	if err != nil {
		return err
	}
	return e.publishBody(ctx, tx, g, id, rej.Type, false, body, []string{member.Inbox})
}

// RemoveCommunityPost removes a post (thread or reply) from a community
// hosted here: the moderator's Delete, with the reason as its summary, is
// announced by the Group to its followers and the author, the nodes sent
// the Group's boost of a thread are sent its Undo, the post is deleted
// here, and the log says so.
func (e *Engine) RemoveCommunityPost(ctx context.Context, moderator storage.Account, groupID, statusID storage.ID, reason string) error {
	reason, err := cleanReason(reason)
	if err != nil {
		return err
	}
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		if g, remote, err := e.remoteModerated(ctx, tx, moderator, groupID); err != nil || remote {
			if err != nil {
				return err
			}
			return e.removeRemote(ctx, tx, moderator, g, statusID, reason)
		}
		m, err := e.moderate(ctx, tx, moderator, groupID)
		if err != nil {
			return err
		}
		in, err := tx.CommunityOfStatus(ctx, statusID)
		if err != nil || in != m.group.ID {
			return fmt.Errorf("status %d in %s: %w", statusID, m.group.Acct(), storage.ErrNotFound)
		}
		st, err := tx.StatusByID(ctx, statusID)
		if err != nil {
			return err
		}
		author, err := tx.AccountByID(ctx, st.AccountID)
		if err != nil {
			return err
		}
		del := map[string]any{
			"id": e.urls.Activity(moderator.Username, tx.NewID()), "type": activitypub.TypeDelete,
			"actor": moderator.URI, "object": st.URI, "summary": reason,
			"to": []string{activitypub.PublicIRI}, "cc": []string{m.group.URI}, "audience": m.group.URI,
		}
		if err := e.announceModeration(ctx, tx, m, del, author); err != nil {
			return err
		}
		if err := e.undoCommunityBoost(ctx, tx, m.group, st); err != nil {
			return err
		}
		if err := tx.AppendModerationLog(ctx, &storage.ModerationEntry{CommunityID: m.group.ID, ModeratorID: moderator.ID,
			ModeratorURI: moderator.URI, Action: storage.ModRemovePost, Target: st.URI, Reason: reason,
			ActivityURI: del["id"].(string)}); err != nil {
			return err
		}
		return e.deleteStatus(ctx, tx, st.ID)
	})
}

// Ban is a moderator's ban of a member from a community.
type Ban struct {
	AccountID  storage.ID
	Reason     string
	ExpiresIn  time.Duration // 0: never ends
	RemoveData bool          // remove the member's posts in the community too
}

// BanFromCommunity bans a member from a community hosted here: the
// moderator's Block with the community as its target (never a personal
// block), carrying the reason, removeData and the end as both endTime
// (Lemmy) and expires (Mbin), announced by the Group. The member's later
// posts to the community are refused until the ban ends or is lifted.
func (e *Engine) BanFromCommunity(ctx context.Context, moderator storage.Account, groupID storage.ID, b Ban) error {
	reason, err := cleanReason(b.Reason)
	if err != nil {
		return err
	}
	if b.ExpiresIn < 0 {
		return invalid("expires_in must be positive")
	}
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		if g, remote, err := e.remoteModerated(ctx, tx, moderator, groupID); err != nil || remote {
			if err != nil {
				return err
			}
			return e.banRemote(ctx, tx, moderator, g, b, reason)
		}
		m, err := e.moderate(ctx, tx, moderator, groupID)
		if err != nil {
			return err
		}
		member, err := tx.AccountByID(ctx, b.AccountID)
		if err != nil {
			return fmt.Errorf("ban %d: %w", b.AccountID, err)
		}
		if isMod, err := tx.IsCommunityModerator(ctx, m.group.ID, member.ID); err != nil || isMod || member.ID == m.group.ID {
			if err == nil {
				err = invalid("a moderator of the community can't be banned from it")
			}
			return err
		}
		ban := storage.CommunityBan{CommunityID: m.group.ID, AccountID: member.ID, ModeratorID: moderator.ID, Reason: reason,
			BlockURI: e.urls.Activity(moderator.Username, tx.NewID())}
		block := map[string]any{
			"id": ban.BlockURI, "type": activitypub.TypeBlock, "actor": moderator.URI, "object": member.URI,
			"target": m.group.URI, "summary": reason, "removeData": b.RemoveData,
			"to": []string{activitypub.PublicIRI}, "cc": []string{m.group.URI}, "audience": m.group.URI,
		}
		if b.ExpiresIn > 0 {
			ban.ExpiresAt = tx.Now().Add(b.ExpiresIn).UTC().Truncate(time.Second)
			block["endTime"], block["expires"] = ban.ExpiresAt, ban.ExpiresAt
		}
		if err := tx.PutCommunityBan(ctx, &ban); err != nil {
			return err
		}
		if err := e.announceModeration(ctx, tx, m, block, member); err != nil {
			return err
		}
		if err := tx.AppendModerationLog(ctx, &storage.ModerationEntry{CommunityID: m.group.ID, ModeratorID: moderator.ID,
			ModeratorURI: moderator.URI, Action: storage.ModBan, Target: member.URI, Reason: reason,
			ActivityURI: ban.BlockURI, ExpiresAt: ban.ExpiresAt}); err != nil {
			return err
		}
		if err := e.endBannedMembership(ctx, tx, m.group, member, ban); err != nil {
			return err
		}
		if !b.RemoveData {
			return nil
		}
		return e.removeMemberData(ctx, tx, m.group, member)
	})
}

// CommunityBans lists the bans in force in community g, newest first, for
// one of its moderators (ErrDenied for anyone else).
func (e *Engine) CommunityBans(ctx context.Context, moderator, g storage.Account) ([]storage.CommunityBan, error) {
	ok, err := e.Moderates(ctx, moderator, g)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("bans of %s: %w", g.Acct(), ErrDenied)
	}
	return e.store.CommunityBans(ctx, g.ID, e.now(), maxBansShown)
}

// maxBansShown bounds the bans CommunityBans lists.
const maxBansShown = 200

// UnbanFromCommunity lifts a ban: Undo{Block} embedding the Block that
// was sent (peers match it by id), announced by the Group.
func (e *Engine) UnbanFromCommunity(ctx context.Context, moderator storage.Account, groupID, accountID storage.ID) error {
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		if g, remote, err := e.remoteModerated(ctx, tx, moderator, groupID); err != nil || remote {
			if err != nil {
				return err
			}
			return e.unbanRemote(ctx, tx, moderator, g, accountID)
		}
		m, err := e.moderate(ctx, tx, moderator, groupID)
		if err != nil {
			return err
		}
		ban, err := tx.CommunityBan(ctx, m.group.ID, accountID)
		if err != nil {
			return fmt.Errorf("ban of %d: %w", accountID, err)
		}
		member, err := tx.AccountByID(ctx, accountID)
		if err != nil {
			return err
		}
		if _, err := tx.DeleteCommunityBan(ctx, m.group.ID, accountID); err != nil {
			return err
		}
		blocker := moderator.URI
		if by, err := tx.AccountByID(ctx, ban.ModeratorID); err == nil {
			blocker = by.URI // the Block is the banning moderator's
		}
		undo := map[string]any{
			"id": e.urls.Activity(moderator.Username, tx.NewID()), "type": activitypub.TypeUndo, "actor": moderator.URI,
			"object": map[string]any{"id": ban.BlockURI, "type": activitypub.TypeBlock, "actor": blocker,
				"object": member.URI, "target": m.group.URI},
			"to": []string{activitypub.PublicIRI}, "cc": []string{m.group.URI}, "audience": m.group.URI,
		}
		if err := e.announceModeration(ctx, tx, m, undo, member); err != nil {
			return err
		}
		return tx.AppendModerationLog(ctx, &storage.ModerationEntry{CommunityID: m.group.ID, ModeratorID: moderator.ID,
			ModeratorURI: moderator.URI, Action: storage.ModUnban, Target: member.URI, ActivityURI: undo["id"].(string)})
	})
}

// announceModeration stores the moderator's activity (so its id
// resolves) and has the Group announce it to its follower nodes that
// read it (not Mastodon-like ones: relayInboxes) and to the member it
// concerns: Lemmy, PieFed and Mbin accept moderation only as the
// Group's Announce.
func (e *Engine) announceModeration(ctx context.Context, tx *storage.Tx, m moderating, inner map[string]any, concerned storage.Account) error {
	inner["@context"] = []any{"https://www.w3.org/ns/activitystreams", groupContext}
	innerBody, err := marshalJSON(inner)
	if err != nil {
		return fmt.Errorf("marshal %s: %w", inner["type"], err)
	}
	innerID, innerType := inner["id"].(string), inner["type"].(string)
	if err := e.publishBody(ctx, tx, m.moderator, innerID, innerType, false, innerBody, nil); err != nil {
		return err
	}
	followers, kinds, err := e.followerKinds(ctx, tx, m.group, allFollowers, "")
	if err != nil {
		return err
	}
	inboxes := relayInboxes(followers, kinds, concerned)
	id := e.urls.Activity(m.group.Username, tx.NewID())
	body, err := marshalJSON(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       id, "type": activitypub.TypeAnnounce, "actor": m.group.URI,
		"to": []string{activitypub.PublicIRI}, "cc": []string{m.group.Followers}, "audience": m.group.URI,
		"published": tx.Now().UTC().Truncate(time.Second),
		"object":    json.RawMessage(innerBody),
	})
	if err != nil {
		return fmt.Errorf("announce %s: %w", innerID, err)
	}
	public, err := moderationInOutbox(ctx, tx, m.group)
	if err != nil {
		return err
	}
	return e.publishBody(ctx, tx, m.group, id, activitypub.TypeAnnounce, public, body, inboxes)
}

// withExtra marshals act with properties the vocabulary types lack.
func withExtra(act activitypub.Activity, extra map[string]any) ([]byte, error) {
	body, err := activitypub.MarshalActivity(act)
	if err != nil {
		return nil, fmt.Errorf("marshal %s: %w", act.Type, err)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("marshal %s: %w", act.Type, err)
	}
	for k, v := range extra {
		m[k] = v
	}
	return marshalJSON(m)
}

// communityBanned reports whether author is banned from the community g
// now, and the reason told to them.
func communityBanned(ctx context.Context, tx *storage.Tx, g, author storage.Account) (bool, string, error) {
	ban, err := tx.CommunityBan(ctx, g.ID, author.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return false, "", nil
	}
	if err != nil {
		return false, "", err
	}
	if !ban.Active(tx.Now()) {
		return false, "", nil
	}
	return true, banNotice(ban), nil
}

// banNotice is what a banned member is told when refused: the ban and
// its reason.
func banNotice(ban storage.CommunityBan) string {
	why := "you are banned from this community"
	if ban.Reason != "" {
		why += ": " + ban.Reason
	}
	return why
}
