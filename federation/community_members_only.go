package federation

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// A members-only community's content is for its members only, on every
// path (the visibility rule, activitypub.Viewing's MembersOnly and
// Member, decides who reads it). On the wire it is never public:
//
//   - a member's post into it is stored followers-only and addressed to
//     the Group's followers collection (to) and the Group (cc, with any
//     mentions), with audience the Group and no Public, so Mastodon does
//     not show it publicly ("limited") and Lemmy-like peers still place
//     it by audience and the Group in cc;
//   - the Group announces it to its followers only (to the followers
//     collection, no Public), and its boost of a new thread is
//     followers-only and kept out of the Group's public outbox;
//   - a copse status that is followers-only and belongs to a community
//     is members-only content: that is how copse stores it, and NoteOf
//     addresses it so (membersOnlyNote).

// communityVisibilityReader is what membersOnlyCommunity reads.
type communityVisibilityReader interface {
	CommunityByAccount(ctx context.Context, id storage.ID) (storage.Community, error)
	RemoteCommunity(ctx context.Context, id storage.ID) (storage.RemoteCommunity, error)
}

// membersOnlyCommunity reports whether Group g's content is for its
// members only: a community hosted here whose visibility is "members",
// or a remote Group known to be one.
func membersOnlyCommunity(ctx context.Context, q communityVisibilityReader, g storage.Account) (bool, error) {
	if g.Local() {
		c, err := q.CommunityByAccount(ctx, g.ID)
		if errors.Is(err, storage.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("community %s: %w", g.Acct(), err)
		}
		return c.Visibility == storage.CommunityMembersOnly, nil
	}
	rc, err := q.RemoteCommunity(ctx, g.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("remote community %s: %w", g.URI, err)
	}
	return rc.MembersOnly, nil
}

// moderationInOutbox reports whether the Group g's announce of a
// moderation activity (a removal, a ban, a lock, a pin, a moderator
// added) goes in its public outbox: not for a members-only community,
// whose moderation, like its moderation log, is for its members (the
// announce still reaches its follower nodes and the member concerned).
func moderationInOutbox(ctx context.Context, q communityVisibilityReader, g storage.Account) (bool, error) {
	membersOnly, err := membersOnlyCommunity(ctx, q, g)
	if err != nil {
		return false, fmt.Errorf("moderation of %s: %w", g.Acct(), err)
	}
	return !membersOnly, nil
}

// authorKeepsAccess reports whether an author or organiser, standing s in
// community g, may still change what they made there: in a members-only
// community only while they are a member (contributes: the rule's
// Member), since a change is answered with the content as it then stands
// (a stale edit with every version since); in a public one, always.
func authorKeepsAccess(ctx context.Context, tx *storage.Tx, g storage.Account, s storage.Standing) (bool, error) {
	if contributes(s, tx.Now()) {
		return true, nil
	}
	membersOnly, err := membersOnlyCommunity(ctx, tx, g)
	return !membersOnly, err
}

// membersOnlyNote reports whether a local status is a post in a
// members-only community, as copse stores one: followers-only, in a
// community (a followers-only post that merely names a public Group is
// never taken into it).
func membersOnlyNote(st storage.Status, nc noteContext) bool {
	return nc.Community != nil && st.Visibility == activitypub.FollowersOnly
}

// membersOnlyAddressing is the to and cc of a members-only post in
// community g: the Group's followers, then the Group and the mentions.
func membersOnlyAddressing(g storage.Account, mentions []string) (to, cc []string) {
	if g.Followers != "" {
		to = []string{g.Followers}
	}
	cc = []string{g.URI}
	for _, m := range mentions {
		if m != "" && !slices.Contains(cc, m) {
			cc = append(cc, m)
		}
	}
	return to, cc
}

// addressesFollowersOf reports whether act, or the object it carries,
// is addressed to g's followers collection: how a member's node posts
// into a members-only community.
func addressesFollowersOf(act activitypub.Activity, g storage.Account) bool {
	if g.Followers == "" {
		return false
	}
	if slices.Contains(act.To, g.Followers) || slices.Contains(act.CC, g.Followers) {
		return true
	}
	n := act.Object.Note
	return n != nil && (slices.Contains(n.To, g.Followers) || slices.Contains(n.CC, g.Followers))
}

// markMembersOnly records that remote Group g is a members-only
// community, keeping what else it said of itself. Nothing in a Group's
// actor says so in a way other servers share; a Group that announces a
// post addressed only to its followers is one, and copse's own Groups
// address their members-only content so.
func markMembersOnly(ctx context.Context, tx *storage.Tx, g storage.Account) error {
	if g.Local() {
		return nil
	}
	rc, err := tx.RemoteCommunity(ctx, g.ID)
	if errors.Is(err, storage.ErrNotFound) {
		rc, err = storage.RemoteCommunity{AccountID: g.ID}, nil
	}
	if err != nil {
		return fmt.Errorf("remote community %s: %w", g.URI, err)
	}
	if rc.MembersOnly {
		return nil
	}
	rc.MembersOnly = true
	return tx.SetRemoteCommunity(ctx, rc)
}

// membersOnlyAnnounce reports whether a Group's announce of orig, which
// is not public, is fine: g is a members-only community and orig is its
// content (takeCommunityNote took it in as such).
func membersOnlyAnnounce(ctx context.Context, tx *storage.Tx, g storage.Account, st storage.Status) (bool, error) {
	if g.ActorType != activitypub.TypeGroup || st.ID == 0 {
		return false, nil
	}
	p, err := tx.CommunityPost(ctx, st.ID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && p.GroupID != g.ID) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return membersOnlyCommunity(ctx, tx, g)
}

// membersAddressing is how a members-only community's artefacts, terms
// and events are addressed: to its members (the Group's followers), never
// Public.
func membersAddressing(g storage.Account) (to, cc []string) {
	return []string{g.Followers}, []string{g.URI}
}

// membersOnlyContent reports whether community content addressed to and
// cc is a members-only community's: neither public nor unlisted, and
// addressed to g's followers (how copse's Groups address it).
func membersOnlyContent(g storage.Account, to, cc []string) bool {
	if isListed(activitypub.VisibilityOf(to, cc, g.Followers)) {
		return false
	}
	return addressesFollowersOf(activitypub.Activity{To: to, CC: cc}, g)
}

// inferMembersOnly is, for an artefact, a term or an event a remote Group
// announces, the step takeCommunityNote takes for posts: content
// addressed to the Group's followers only makes the community known to be
// members-only here (markMembersOnly), before the content is stored, so
// it is never shown to anyone else.
func (e *Engine) inferMembersOnly(ctx context.Context, g storage.Account, to, cc []string) error {
	if !membersOnlyContent(g, to, cc) {
		return nil
	}
	return e.store.InTx(ctx, func(tx *storage.Tx) error { return markMembersOnly(ctx, tx, g) })
}
