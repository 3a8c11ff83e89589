package activitypub

// Viewing is what the visibility rule needs to know of one viewer and one
// status: the status's visibility, and how the viewer stands to its
// author. The engine gathers these facts from storage (Engine.CanSee);
// storage's list queries state the same rule in SQL (storage/shown.go).
// The zero Viewing is a public-less status seen by nobody in particular.
type Viewing struct {
	Visibility Visibility
	// Anonymous: no viewer (an unsigned fetch, a page, a logged-out app).
	Anonymous bool
	// Own: the viewer wrote the status.
	Own bool
	// Follows: the viewer follows the author (an accepted follow).
	Follows bool
	// Mentioned: the status mentions the viewer.
	Mentioned bool
	// BlockedByAuthor and BlocksAuthor: a block either way.
	BlockedByAuthor bool
	BlocksAuthor    bool
	// MutesAuthor: a mute by the viewer that has not expired.
	MutesAuthor bool
	// BlocksAuthorDomain: the viewer blocks the author's whole domain.
	BlocksAuthorDomain bool
	// AuthorSuspended: the author is suspended on this node.
	AuthorSuspended bool
	// AuthorLimited: the author is limited on this node (Mastodon's
	// "silence"), by an account action or their domain's limit: their
	// statuses stay out of lists (timelines, streams, search) of viewers
	// who do not follow them.
	AuthorLimited bool
	// MembersOnly: the status belongs to a members-only community (a
	// Group hosted here with visibility "members", or a remote Group
	// known to be one). Member: the viewer is a member of that community
	// (an accepted follower of its Group, one of its moderators, the
	// Group itself, or the instance actor of a node where a member
	// lives). For a members-only status membership replaces the status's
	// own visibility: members see it, nobody else does.
	MembersOnly bool
	Member      bool
	// Boost: the status is a boost. Boosted is the same facts for the
	// status it boosts, nil when that one is gone.
	Boost   bool
	Boosted *Viewing
}

// CanSee reports whether the viewer may see the status when asking for
// it by itself (fetching it, opening its thread, being pushed it): a
// suspended author's statuses to nobody; one's own to oneself; nothing
// across a block either way; public and unlisted ones to anyone;
// followers-only ones to followers and mentioned accounts; direct ones to
// mentioned accounts; a members-only community's ones to its members
// only, whatever their visibility, never anonymously. A boost also needs its boosted status visible.
// Mutes and domain blocks do not hide a status asked for by itself, as on
// Mastodon: they are Listed's concern.
func CanSee(v Viewing) bool {
	if !canSeeOne(v) {
		return false
	}
	if v.Boost {
		return v.Boosted != nil && CanSee(*v.Boosted)
	}
	return true
}

// Listed reports whether a list of statuses the viewer did not ask for
// one by one (a timeline, a stream, search results) may carry the
// status: CanSee, and neither its author nor a boosted status's author
// muted by the viewer, on a domain the viewer blocks, or limited and not
// followed by the viewer. Mastodon's timelines and its streaming server
// leave these out.
func Listed(v Viewing) bool {
	if !CanSee(v) {
		return false
	}
	for w := &v; w != nil; w = w.Boosted {
		if !w.Own && (w.MutesAuthor || w.BlocksAuthorDomain || w.AuthorLimited && !w.Follows) {
			return false
		}
	}
	return true
}

// canSeeOne is CanSee for the status itself, its boosted one aside.
func canSeeOne(v Viewing) bool {
	switch {
	case v.AuthorSuspended:
		return false
	case v.Own && !v.Anonymous:
		return true
	case !v.Anonymous && (v.BlockedByAuthor || v.BlocksAuthor):
		return false
	case v.MembersOnly:
		return !v.Anonymous && v.Member
	}
	switch v.Visibility {
	case Public, Unlisted:
		return true
	case FollowersOnly:
		return !v.Anonymous && (v.Follows || v.Mentioned)
	case Direct:
		return !v.Anonymous && v.Mentioned
	}
	return false
}

// CanSeeCommunity reports whether the viewer may read what a community
// shows of itself beyond its profile (its threads, members, moderation
// log, feed), the facts being MembersOnly, Member and Anonymous of the
// community rather than of a status: a public community's to anyone, a
// members-only community's to its members only. Each post listed there
// still asks CanSee.
func CanSeeCommunity(v Viewing) bool {
	return !v.MembersOnly || (!v.Anonymous && v.Member)
}
