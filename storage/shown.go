package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

// Who may see a status is one rule, activitypub.CanSee and
// activitypub.Listed. This file holds its data: Viewing gathers the facts
// the rule asks about for one status (federation.Engine.CanSee asks the
// rule with them), and qListedTo states activitypub.Listed in SQL for the
// queries that list statuses (public and hashtag timelines, search, the
// streams through StatusShown). TestListedAgreesWithTheRule checks both
// on the same fixtures.

// qListedTo is activitypub.Listed in SQL, as a condition over a status s
// seen by a viewer (0: anonymous): the status and, for a boost, the
// boosted one (which must exist) each pass canSeeOne (author not
// suspended; one's own; no block either way; for a status of a
// members-only community (members_only_statuses) the viewer a member
// (qMemberOf), otherwise public or unlisted, or followers-only to a
// follower, or followers-only or direct to a mentioned account) and are
// not by an account the viewer mutes (a mute that has not expired at now)
// or whose domain the viewer blocks. Keep it in step with
// activitypub.CanSee and Listed. The parameters are those listedTo gives.
const qListedTo = `NOT EXISTS (SELECT 1 FROM statuses v JOIN accounts x ON x.id = v.account_id
WHERE v.id IN (s.id, s.reblog_of_id) AND NOT (x.suspended_at = 0 AND (v.account_id = ? OR (
	NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ? AND b.target_account_id = x.id)
	AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = x.id AND b.target_account_id = ?)
	AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = ? AND m.target_account_id = x.id
		AND (m.expires_at = 0 OR m.expires_at > ?))
	AND NOT EXISTS (SELECT 1 FROM user_domain_blocks d WHERE d.account_id = ? AND d.domain = x.domain)
	AND (NOT ` + qAuthorLimited + ` OR EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ? AND f.target_account_id = x.id))
	AND CASE WHEN EXISTS (SELECT 1 FROM members_only_statuses mo WHERE mo.status_id = v.id)
		THEN EXISTS (SELECT 1 FROM members_only_statuses mo WHERE mo.status_id = v.id AND ` + qMemberOf + `)
		ELSE (v.visibility IN ('public', 'unlisted')
		OR v.visibility = 'private' AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ? AND f.target_account_id = x.id)
		OR v.visibility IN ('private', 'direct') AND EXISTS (SELECT 1 FROM mentions mn WHERE mn.status_id = v.id AND mn.account_id = ?)) END))))
AND (s.reblog_of_id IS NULL OR EXISTS (SELECT 1 FROM statuses o WHERE o.id = s.reblog_of_id))`

// qAuthorLimited is the condition that the account x is limited on this
// node (activitypub.Viewing.AuthorLimited): by an account action
// (account_moderation), or by a domain block of severity 'limit' on its
// domain or on the domain one or two levels above it (a block of
// example.org covers a.example.org and b.a.example.org), looked up by
// the domain_blocks index rather than scanned, since lists ask this for
// every row. qListedTo and qStanding both use this one condition.
const qAuthorLimited = `(EXISTS (SELECT 1 FROM account_moderation am WHERE am.account_id = x.id AND am.limited_at <> 0)
	OR EXISTS (SELECT 1 FROM domain_blocks db WHERE db.severity = 'limit' AND db.domain IN (x.domain,
		substr(x.domain, instr(x.domain, '.') + 1),
		substr(substr(x.domain, instr(x.domain, '.') + 1), instr(substr(x.domain, instr(x.domain, '.') + 1), '.') + 1))))`

// qAnonymousLimited is the condition that status s (or the one it
// boosts) is by a limited author, whom no anonymous viewer follows: what
// qListedTo hides by qAuthorLimited, for the timelines that do not take
// the whole of qListedTo with no viewer.
const qAnonymousLimited = `EXISTS (SELECT 1 FROM statuses v JOIN accounts x ON x.id = v.account_id
WHERE v.id IN (s.id, s.reblog_of_id) AND ` + qAuthorLimited + `)`

// listedTo is qListedTo with its parameters for viewer at now.
func listedTo(viewer ID, now time.Time) (string, []any) {
	args := []any{viewer, viewer, viewer, viewer, millis(now), viewer, viewer}
	return qListedTo, append(append(args, memberOfArgs(viewer, now)...), viewer, viewer)
}

// qMemberOf is the condition that a viewer is a member of the community
// whose Group is mo.group_id: the Group itself, or not banned from it
// (a ban that has not ended at now) and an accepted follower of it, one
// of its moderators, or the instance actor (an Application or Service) of
// a node where a follower who is not banned lives, so a member's node
// may fetch what its members may read. Its parameters are memberOfArgs.
const qMemberOf = `(mo.group_id = ? OR NOT EXISTS (SELECT 1 FROM community_bans cb
		WHERE cb.community_id = mo.group_id AND cb.account_id = ? AND (cb.expires_at = 0 OR cb.expires_at > ?))
	AND (EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ? AND f.target_account_id = mo.group_id)
	OR EXISTS (SELECT 1 FROM community_moderators cm WHERE cm.community_id = mo.group_id AND cm.account_id = ?)
	OR EXISTS (SELECT 1 FROM accounts na
		JOIN follows f ON f.target_account_id = mo.group_id AND f.domain = na.domain AND f.domain <> ''
		WHERE na.id = ? AND na.domain <> '' AND na.actor_type IN ('Application', 'Service')
		AND NOT EXISTS (SELECT 1 FROM community_bans cb WHERE cb.community_id = mo.group_id AND cb.account_id = f.account_id
			AND (cb.expires_at = 0 OR cb.expires_at > ?)))))`

// memberOfArgs are qMemberOf's parameters for viewer, bans judged at now.
func memberOfArgs(viewer ID, now time.Time) []any {
	return []any{viewer, viewer, millis(now), viewer, viewer, viewer, millis(now)}
}

// qMembersOnly reads whether a status (the first parameter) belongs to a
// members-only community, and whether the viewer (memberOfArgs) is one
// of its members.
const qMembersOnly = `SELECT EXISTS (SELECT 1 FROM members_only_statuses mo WHERE mo.status_id = ?1),
	EXISTS (SELECT 1 FROM members_only_statuses mo WHERE mo.status_id = ?1 AND ` + qMemberOf + `)`

// qStatusShown is qListedTo for one status, the last parameter.
const qStatusShown = `SELECT ` + qListedTo + ` FROM statuses s WHERE s.id = ?`

// StatusShown reports whether a list of statuses (a timeline, a stream)
// may carry status to viewer (zero: anonymous): activitypub.Listed, by
// the query (qListedTo) the public and hashtag timelines and search
// apply, for one status, so the streams that carry a status as it is
// made leave out what the timelines leave out. A status that does not
// exist is ErrNotFound.
func (s *Store) StatusShown(ctx context.Context, viewer, status ID) (bool, error) {
	_, args := listedTo(viewer, s.Now())
	var shown bool
	err := s.q.QueryRowContext(ctx, qStatusShown, append(args, status)...).Scan(&shown)
	if errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("status shown %d: %w", status, ErrNotFound)
	}
	if err != nil {
		return false, fmt.Errorf("status shown: %w", err)
	}
	return shown, nil
}

// qStanding reads how a viewer (the first five parameters and the mute
// clock) stands to an author (the last): the account facts of
// activitypub.Viewing, in one row.
const qStanding = `SELECT a.suspended_at <> 0,
	EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ? AND f.target_account_id = a.id),
	EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = a.id AND b.target_account_id = ?),
	EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ? AND b.target_account_id = a.id),
	EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = ? AND m.target_account_id = a.id
		AND (m.expires_at = 0 OR m.expires_at > ?)),
	EXISTS (SELECT 1 FROM user_domain_blocks d WHERE d.account_id = ? AND d.domain = a.domain),
	EXISTS (SELECT 1 FROM accounts x WHERE x.id = a.id AND ` + qAuthorLimited + `)
FROM accounts a WHERE a.id = ?`

// Viewing gathers what activitypub.CanSee and Listed ask about viewer
// (0: anonymous) and st, mutes judged at the store's clock: for a boost
// also the boosted status (Boosted nil when it is gone). st's own fields
// (visibility, mentions) are taken as given, so a status not yet stored
// can be judged. An author that does not exist is ErrNotFound.
func (s *Store) Viewing(ctx context.Context, viewer ID, st Status) (activitypub.Viewing, error) {
	return s.viewing(ctx, viewer, st, s.Now(), true)
}

// Viewing is Store.Viewing inside the transaction: it sees the
// transaction's own writes, and judges mutes at its start.
func (tx *Tx) Viewing(ctx context.Context, viewer ID, st Status) (activitypub.Viewing, error) {
	return tx.viewing(ctx, viewer, st, tx.now, true)
}

func (q queries) viewing(ctx context.Context, viewer ID, st Status, now time.Time, boosted bool) (activitypub.Viewing, error) {
	// A boost of a boost is not made; reading one level, as qListedTo
	// does, bounds the work a peer's odd Announce can cause.
	v := activitypub.Viewing{
		Visibility: st.Visibility,
		Anonymous:  viewer == 0,
		Own:        viewer != 0 && viewer == st.AccountID,
		Mentioned:  viewer != 0 && slices.Contains(st.Mentions, viewer),
		Boost:      boosted && st.ReblogOfID != 0,
	}
	err := q.q.QueryRowContext(ctx, qStanding, viewer, viewer, viewer, viewer, millis(now), viewer, st.AccountID).Scan(
		&v.AuthorSuspended, &v.Follows, &v.BlockedByAuthor, &v.BlocksAuthor, &v.MutesAuthor, &v.BlocksAuthorDomain, &v.AuthorLimited)
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("viewing %d: author %d: %w", st.ID, st.AccountID, ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("viewing %d: %w", st.ID, err)
	}
	if st.ID != 0 {
		err := q.q.QueryRowContext(ctx, qMembersOnly, append([]any{st.ID}, memberOfArgs(viewer, now)...)...).Scan(&v.MembersOnly, &v.Member)
		if err != nil {
			return v, fmt.Errorf("viewing %d: community: %w", st.ID, err)
		}
	}
	if !v.Boost {
		return v, nil
	}
	orig, err := q.StatusByID(ctx, st.ReblogOfID)
	if errors.Is(err, ErrNotFound) {
		return v, nil
	}
	if err != nil {
		return v, fmt.Errorf("viewing %d: boosted: %w", st.ID, err)
	}
	ov, err := q.viewing(ctx, viewer, orig, now, false)
	if err != nil {
		return v, fmt.Errorf("viewing %d: %w", st.ID, err)
	}
	v.Boosted = &ov
	return v, nil
}

// qCommunityStanding reads whether a Group (the first parameter) is a
// members-only community, hosted here or remote, and whether the viewer
// (memberOfArgs) is one of its members (qMemberOf).
const qCommunityStanding = `SELECT
	EXISTS (SELECT 1 FROM communities c WHERE c.account_id = ?1 AND c.visibility = 'members')
	OR EXISTS (SELECT 1 FROM remote_communities rc WHERE rc.account_id = ?1 AND rc.members_only = 1),
	EXISTS (SELECT 1 FROM (SELECT ?1 AS group_id) mo WHERE ` + qMemberOf + `)`

// qCommunityStandings is qCommunityStanding for each of a JSON array of
// Groups (the last parameter, after qMemberOf's).
const qCommunityStandings = `SELECT j.value,
	EXISTS (SELECT 1 FROM communities c WHERE c.account_id = j.value AND c.visibility = 'members')
	OR EXISTS (SELECT 1 FROM remote_communities rc WHERE rc.account_id = j.value AND rc.members_only = 1),
	EXISTS (SELECT 1 FROM (SELECT j.value AS group_id) mo WHERE ` + qMemberOf + `)
FROM json_each(?) j`

// CommunityViewings is CommunityViewing for many Groups at once, by
// Group: one query for a page of follows.
func (s *Store) CommunityViewings(ctx context.Context, viewer ID, groups []ID) (map[ID]activitypub.Viewing, error) {
	out := make(map[ID]activitypub.Viewing, len(groups))
	if len(groups) == 0 {
		return out, nil
	}
	_, err := queryAll(ctx, s.q, func(r scanner) (struct{}, error) {
		var g ID
		v := activitypub.Viewing{Anonymous: viewer == 0}
		err := r.Scan(&g, &v.MembersOnly, &v.Member)
		out[g] = v
		return struct{}{}, err
	}, qCommunityStandings, append(memberOfArgs(viewer, s.Now()), idArray(groups))...)
	if err != nil {
		return nil, fmt.Errorf("community viewings: %w", err)
	}
	return out, nil
}

// CommunityViewing gathers what activitypub.CanSeeCommunity asks about
// viewer (0: anonymous) and the community whose Group is group: whether
// it is members-only, and whether viewer is a member (bans judged at the
// store's clock).
func (s *Store) CommunityViewing(ctx context.Context, viewer, group ID) (activitypub.Viewing, error) {
	v := activitypub.Viewing{Anonymous: viewer == 0}
	err := s.q.QueryRowContext(ctx, qCommunityStanding, append([]any{group}, memberOfArgs(viewer, s.Now())...)...).Scan(&v.MembersOnly, &v.Member)
	if err != nil {
		return v, fmt.Errorf("community viewing %d: %w", group, err)
	}
	return v, nil
}
