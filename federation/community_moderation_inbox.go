package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// maxRemoteModerators bounds what a node keeps of a remote Group's
// moderators collection: Lemmy's largest communities list a few dozen.
const maxRemoteModerators = 500

// isModerationAnnounce reports whether act is a Group's Announce of a
// moderation activity: a removal (Delete), a ban (Block) or its end
// (Undo{Block}), a lock of a thread (Lock, Undo{Lock}), a pin (Add or
// Remove on the featured collection).
func isModerationAnnounce(act activitypub.Activity) bool {
	inner := act.Object.Activity
	if act.Type != activitypub.TypeAnnounce || inner == nil {
		return false
	}
	switch inner.Type {
	case activitypub.TypeDelete, activitypub.TypeBlock, TypeLock:
		return true
	case activitypub.TypeUndo:
		return inner.Object.Type == activitypub.TypeBlock || inner.Object.Type == TypeLock
	case "Add", "Remove":
		return inner.Target != "" // a pin, or a change of moderators
	}
	return false
}

// refreshCommunityModerators fetches, before the transaction that applies
// it, the moderators collection of the Group that announces a moderation
// activity by someone on another node, so the check sees who moderates it
// now (a moderator removed yesterday no longer counts). Anything else
// needs no fetch and gets nil.
func (e *Engine) refreshCommunityModerators(ctx context.Context, act activitypub.Activity) error {
	if !isModerationAnnounce(act) || sameOrigin(act.Object.Activity.Actor, act.Actor) {
		return nil
	}
	g, err := e.store.AccountByURI(ctx, act.Actor)
	if err != nil || g.ActorType != activitypub.TypeGroup {
		return nil // refused when applied
	}
	if !e.moderatorsRead.due(g.ID, e.now()) {
		return nil // read within the minute: a burst of removals reads it once
	}
	seen := e.moderatorsRead.changes(g.ID)
	uris, err := e.fetchModerators(ctx, g.URI)
	if err != nil {
		e.moderatorsRead.forget(g.ID) // read again next time
		return fmt.Errorf("moderators of %s: %w", g.URI, err)
	}
	return e.storeModeratorsRead(ctx, g, uris, seen)
}

// storeModeratorsRead keeps uris as the moderators of remote community
// g, read from its collection when seen changes had been applied from
// its announces, unless one was applied since: the read may predate it,
// and the announced change is the newer word.
func (e *Engine) storeModeratorsRead(ctx context.Context, g storage.Account, uris []string, seen uint64) error {
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		if e.moderatorsRead.changes(g.ID) != seen {
			return nil
		}
		return tx.SetRemoteModerators(ctx, g.ID, uris)
	})
}

// moderatorsInterval is how long a remote Group's moderators, read for
// a moderation it announced, stand for the next ones: the Group vouches
// for each by announcing it, and the list read a minute ago is current
// enough to check them.
const moderatorsInterval = time.Minute

// readTimes records when each remote Group's moderators were last read,
// and how many changes to them this node applied from the Group's
// announces (counted within this process: a read and an announce race
// only while both are in flight).
type readTimes struct {
	mu      sync.Mutex
	at      map[storage.ID]time.Time
	applied map[storage.ID]uint64
}

// changes is how many changes to g's moderators were applied from its
// announces.
func (r *readTimes) changes(g storage.ID) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.applied[g]
}

// changed counts a change to g's moderators applied from its announce.
func (r *readTimes) changed(g storage.ID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.applied == nil || len(r.applied) > 10_000 {
		r.applied = map[storage.ID]uint64{}
	}
	r.applied[g]++
}

// due reports whether g's moderators should be read now, and if so
// counts this read.
func (r *readTimes) due(g storage.ID, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.at[g]; ok && now.Sub(t) < moderatorsInterval {
		return false
	}
	if r.at == nil || len(r.at) > 10_000 {
		r.at = map[storage.ID]time.Time{}
	}
	r.at[g] = now
	return true
}

// forget drops g's last read, which failed.
func (r *readTimes) forget(g storage.ID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.at, g)
}

// fetchModerators reads a Group's moderators collection (FEP-1b12:
// `attributedTo`, Lemmy's `moderators`), on the Group's own host only.
func (e *Engine) fetchModerators(ctx context.Context, groupURI string) ([]string, error) {
	body, err := e.fetcher.Get(ctx, groupURI)
	if err != nil {
		return nil, err
	}
	var g struct {
		Moderators   json.RawMessage `json:"moderators"`
		AttributedTo json.RawMessage `json:"attributedTo"`
	}
	if err := activitypub.UnmarshalBounded(body, &g); err != nil {
		return nil, invalid("group %s: %v", groupURI, err)
	}
	var coll string
	for _, c := range append(iris(g.Moderators), iris(g.AttributedTo)...) {
		if sameOrigin(c, groupURI) && c != groupURI {
			coll = c
			break
		}
	}
	if coll == "" {
		return nil, nil // no moderators collection: only the Group's own node moderates
	}
	var out []string
	next := coll
	for page := 0; next != "" && page < 5 && len(out) < maxRemoteModerators; page++ {
		if !sameOrigin(next, groupURI) {
			break
		}
		body, err := e.fetcher.Get(ctx, next)
		if err != nil {
			return nil, err
		}
		var c struct {
			OrderedItems json.RawMessage `json:"orderedItems"`
			Items        json.RawMessage `json:"items"`
			First        json.RawMessage `json:"first"`
			Next         json.RawMessage `json:"next"`
		}
		if err := activitypub.UnmarshalBounded(body, &c); err != nil {
			return nil, invalid("moderators %s: %v", next, err)
		}
		out = append(out, iris(c.OrderedItems)...)
		out = append(out, iris(c.Items)...)
		next = ""
		if first := iris(c.First); len(first) == 1 && page == 0 && len(iris(c.OrderedItems))+len(iris(c.Items)) == 0 {
			var inline struct {
				OrderedItems json.RawMessage `json:"orderedItems"`
			}
			if json.Unmarshal(c.First, &inline) == nil && len(inline.OrderedItems) > 0 {
				out = append(out, iris(inline.OrderedItems)...)
			} else {
				next = first[0]
			}
		} else if n := iris(c.Next); len(n) == 1 {
			next = n[0]
		}
	}
	if len(out) > maxRemoteModerators {
		out = out[:maxRemoteModerators]
	}
	return out, nil
}

// moderationExtra is what a moderation activity carries beyond the
// vocabulary types: read from the body as received.
type moderationExtra struct {
	Object struct {
		Summary    string     `json:"summary"`
		RemoveData bool       `json:"removeData"`
		EndTime    *time.Time `json:"endTime"`
		Expires    *time.Time `json:"expires"`
	} `json:"object"`
}

// applyCommunityModeration applies a remote Group's Announce of a
// moderation activity. It is accepted only when the Group announces it
// and the moderation is by the Group itself, by an actor on the Group's
// own node (that node signs the Announce and serves the moderators
// list: it could forge either), or by a moderator its moderators
// collection lists. Anything else is refused (ErrDenied, logged at info
// by the inbox). Other announced activities get nil.
func (e *Engine) applyCommunityModeration(ctx context.Context, tx *storage.Tx, g storage.Account, act activitypub.Activity) error {
	if !isModerationAnnounce(act) {
		return nil
	}
	inner := act.Object.Activity
	if g.ActorType != activitypub.TypeGroup {
		return fmt.Errorf("moderation %s announced by %s, not a Group: %w", inner.ID, g.URI, ErrDenied)
	}
	if inner.Type == activitypub.TypeDelete {
		if done, err := e.applyAnnouncedSelfDelete(ctx, tx, g, *inner); done || err != nil {
			return err
		}
	}
	ok := inner.Actor == g.URI || sameOrigin(inner.Actor, g.URI)
	if !ok {
		listed, err := tx.IsRemoteModerator(ctx, g.ID, inner.Actor)
		if err != nil {
			return err
		}
		ok = listed
	}
	if !ok {
		return fmt.Errorf("moderation %s of %s by %s, not its moderator: %w", inner.ID, g.URI, inner.Actor, ErrDenied)
	}
	var extra moderationExtra
	if body := inboxBody(ctx); len(body) > 0 {
		_ = json.Unmarshal(body, &extra) // an odd field leaves it empty: the action still holds
	}
	entry := storage.ModerationEntry{CommunityID: g.ID, ModeratorURI: inner.Actor, Reason: remoteReason(extra.Object.Summary),
		ActivityURI: inner.ID}
	if mod, err := tx.AccountByURI(ctx, inner.Actor); err == nil {
		entry.ModeratorID = mod.ID
	}
	switch inner.Type {
	case activitypub.TypeDelete:
		st, err := tx.StatusByURI(ctx, inner.Object.IRI)
		if err != nil {
			return ignoreNotFound(err)
		}
		in, err := e.inRemoteCommunity(ctx, tx, st, g)
		if err != nil {
			return err
		}
		if !in {
			return fmt.Errorf("removal of %s, not in %s: %w", st.URI, g.URI, ErrDenied)
		}
		entry.Action, entry.Target = storage.ModRemovePost, st.URI
		if err := tx.AppendModerationLog(ctx, &entry); err != nil {
			return err
		}
		return e.deleteStatus(ctx, tx, st.ID)
	case activitypub.TypeBlock:
		if inner.Target != g.URI {
			return fmt.Errorf("ban %s with target %q announced by %s: %w", inner.ID, inner.Target, g.URI, ErrDenied)
		}
		member, err := tx.AccountByURI(ctx, inner.Object.IRI)
		if err != nil {
			return ignoreNotFound(err) // nobody known here
		}
		ban := storage.CommunityBan{CommunityID: g.ID, AccountID: member.ID, ModeratorID: entry.ModeratorID,
			Reason: entry.Reason, BlockURI: inner.ID}
		ban.ExpiresAt = banEnd(extra.Object.EndTime, extra.Object.Expires) // Lemmy reads endTime, Mbin expires
		if err := tx.PutCommunityBan(ctx, &ban); err != nil {
			return err
		}
		entry.Action, entry.Target, entry.ExpiresAt = storage.ModBan, member.URI, ban.ExpiresAt
		if err := tx.AppendModerationLog(ctx, &entry); err != nil {
			return err
		}
		if member.Local() {
			if err := e.endBannedMembership(ctx, tx, g, member, ban); err != nil {
				return err
			}
		}
		if !extra.Object.RemoveData {
			return nil
		}
		return e.removeMemberData(ctx, tx, g, member) // what this node holds of theirs in the community

	case TypeLock:
		return e.applyRemoteLock(ctx, tx, g, inner.Object.IRI, true, storage.ThreadLock{URI: inner.ID, ActorURI: inner.Actor}, entry)
	case "Add", "Remove":
		if g.Featured == "" || inner.Target != g.Featured {
			e.moderatorsRead.changed(g.ID) // a collection read before it must not undo it
			return applyRemoteModeratorChange(ctx, tx, g, *inner, entry)
		}
		return e.applyRemotePin(ctx, tx, g, inner.Object.IRI, inner.Type == "Add", entry)
	case activitypub.TypeUndo:
		if inner.Object.Type == TypeLock {
			if inner.Object.Activity == nil {
				return nil // a Lock named by id only: which thread is unknown
			}
			return e.applyRemoteLock(ctx, tx, g, inner.Object.Activity.Object.IRI, false, storage.ThreadLock{}, entry)
		}
		block := inner.Object.Activity
		if block == nil {
			return nil
		}
		member, err := tx.AccountByURI(ctx, block.Object.IRI)
		if err != nil {
			return ignoreNotFound(err)
		}
		if _, err := tx.DeleteCommunityBan(ctx, g.ID, member.ID); err != nil {
			return err
		}
		entry.Action, entry.Target = storage.ModUnban, member.URI
		return tx.AppendModerationLog(ctx, &entry)
	}
	return nil
}

// maxThreadWalk bounds the walk from a reply to its thread's first post.
const maxThreadWalk = 100

// inRemoteCommunity reports whether a status this node holds belongs to
// the remote community g, as far as this node can tell: the community
// recorded for it (or for a post above it in its thread) when there is
// one, else the Group boosted it (not a post written here: boosting does
// not make it the Group's), it mentions the Group, or a post above it
// does. A Group cannot remove what was never posted to it, nor what
// another community took.
func (e *Engine) inRemoteCommunity(ctx context.Context, tx *storage.Tx, st storage.Status, g storage.Account) (bool, error) {
	for range maxThreadWalk {
		if p, err := tx.CommunityPost(ctx, st.ID); err == nil {
			return p.GroupID == g.ID, nil
		} else if !errors.Is(err, storage.ErrNotFound) {
			return false, err
		}
		if st.AccountID == g.ID || slices.Contains(st.Mentions, g.ID) {
			return true, nil
		}
		if !st.Local {
			if _, err := tx.ReblogOf(ctx, g.ID, st.ID); err == nil {
				return true, nil
			} else if !errors.Is(err, storage.ErrNotFound) {
				return false, err
			}
		}
		if st.InReplyToID == 0 {
			return false, nil
		}
		parent, err := tx.StatusByID(ctx, st.InReplyToID)
		if errors.Is(err, storage.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		st = parent
	}
	return false, nil
}

// joinRejected ends a pending join of a community that refused it and,
// for a member of this node, records the reason the Group gave (in
// content, or summary as Lemmy-like servers put it): the member reads it
// from GET /api/copse/v1/communities/{id}/membership.
func (e *Engine) joinRejected(ctx context.Context, tx *storage.Tx, follower, target storage.Account, act activitypub.Activity) error {
	if follower.Local() && target.ActorType == activitypub.TypeGroup {
		reason := act.Content
		if reason == "" {
			var doc struct {
				Summary string `json:"summary"`
			}
			if body := inboxBody(ctx); len(body) > 0 && json.Unmarshal(body, &doc) == nil {
				reason = doc.Summary
			}
		}
		if err := tx.PutJoinRejection(ctx, follower.ID, target.ID, remoteReason(reason)); err != nil {
			return err
		}
		if err := e.tellJoinAnswer(ctx, tx, follower, target, false); err != nil {
			return err
		}
	}
	return e.endFollow(ctx, tx, follower, target)
}

// refuseTargetedBlock refuses a Block that names a target (a community
// ban) sent on its own: a ban counts only as announced by the Group, and
// is never taken as the moderator's personal block.
func refuseTargetedBlock(act activitypub.Activity) error {
	return fmt.Errorf("ban %s of %s not announced by its community: %w", act.ID, act.Target, ErrDenied)
}

// remoteReason is a reason another server gave, as plain text of a
// bounded length: it is shown in the log and to the member.
func remoteReason(s string) string {
	s = strings.TrimSpace(PlainText(cleanText(s)))
	if utf8.RuneCountInString(s) > maxModerationReason {
		s = string([]rune(s)[:maxModerationReason])
	}
	return s
}

// applyAnnouncedSelfDelete applies a Group's Announce of an author's
// Delete of their own post in the community (how Lemmy relays it): no
// moderation, so no log entry. It reports false when the Delete is not
// the author's own.
func (e *Engine) applyAnnouncedSelfDelete(ctx context.Context, tx *storage.Tx, g storage.Account, del activitypub.Activity) (bool, error) {
	st, err := tx.StatusByURI(ctx, del.Object.IRI)
	if err != nil {
		return false, nil // unknown here: the moderation check decides
	}
	author, err := tx.AccountByID(ctx, st.AccountID)
	if err != nil || author.URI != del.Actor || author.Local() {
		return false, err // a member's own Delete comes from here, not from a Group
	}
	in, err := e.inRemoteCommunity(ctx, tx, st, g)
	if err != nil || !in {
		return false, err
	}
	return true, e.deleteStatus(ctx, tx, st.ID)
}

// applyRemoteLock records that a remote community locked (by the Lock
// activity by) or opened a thread this node holds a copy of.
func (e *Engine) applyRemoteLock(ctx context.Context, tx *storage.Tx, g storage.Account, iri string, lock bool, by storage.ThreadLock, entry storage.ModerationEntry) error {
	st, err := tx.StatusByURI(ctx, iri)
	if err != nil {
		return ignoreNotFound(err)
	}
	in, err := e.inRemoteCommunity(ctx, tx, st, g)
	if err != nil {
		return err
	}
	if !in {
		return fmt.Errorf("lock of %s, not in %s: %w", st.URI, g.URI, ErrDenied)
	}
	if err := tx.SetThreadLocked(ctx, g.ID, st.ID, lock, by); err != nil {
		return err
	}
	entry.Action, entry.Target = storage.ModLock, st.URI
	if !lock {
		entry.Action = storage.ModUnlock
	}
	return tx.AppendModerationLog(ctx, &entry)
}
