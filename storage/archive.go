package storage

import (
	"context"
	"fmt"
)

// Reads for a community archive (issue 13 item 7): a community's content
// oldest first, in pages after a cursor, so an export streams it and an
// import can restore a parent before its replies.

// ArchivedPost is one status of a community and the first post of its
// thread.
type ArchivedPost struct {
	StatusID ID
	RootID   ID
}

// qCommunityPostsAfter lists a Group's statuses (?1) after ?2, oldest
// first: those community_threads records, and those only
// community_statuses knows (accepted before threads were recorded),
// which are their own roots.
const qCommunityPostsAfter = `SELECT status_id, root_id FROM community_threads
WHERE group_id = ?1 AND status_id > ?2
UNION
SELECT s.status_id, s.status_id FROM community_statuses s
WHERE s.community_id = ?1 AND s.status_id > ?2
AND NOT EXISTS (SELECT 1 FROM community_threads t WHERE t.status_id = s.status_id)
ORDER BY 1 LIMIT ?3`

// CommunityPostsAfter lists up to limit of a community's statuses whose
// ID is above after, oldest first.
func (q queries) CommunityPostsAfter(ctx context.Context, groupID, after ID, limit int) ([]ArchivedPost, error) {
	out, err := queryAll(ctx, q.q, func(r scanner) (ArchivedPost, error) {
		var p ArchivedPost
		return p, r.Scan(&p.StatusID, &p.RootID)
	}, qCommunityPostsAfter, groupID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("community %d posts after %d: %w", groupID, after, err)
	}
	return out, nil
}

// qCommunityMembersAfter lists a community's accepted followers (?1)
// whose follow row is after ?2, oldest join first; suspended ones too,
// since an archive keeps who belonged.
var qCommunityMembersAfter = `SELECT ` + accountColumnsA + `, r.id
FROM follows r JOIN accounts a ON a.id = r.account_id
WHERE r.target_account_id = ?1 AND r.id > ?2
ORDER BY r.id LIMIT ?3`

// CommunityMembersAfter lists up to limit of a community's members joined
// after the follow row after, oldest first, each with its row ID (the
// next cursor).
func (q queries) CommunityMembersAfter(ctx context.Context, groupID, after ID, limit int) ([]ListedAccount, error) {
	out, err := queryAll(ctx, q.q, scanListedAccount, qCommunityMembersAfter, groupID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("community %d members after %d: %w", groupID, after, err)
	}
	return out, nil
}

const qModerationLogAfter = `SELECT ` + moderationColumns + ` FROM community_moderation_log
WHERE community_id = ? AND id > ? ORDER BY id LIMIT ?`

// ModerationLogAfter lists up to limit entries of a community's
// moderation log after the entry after, oldest first.
func (q queries) ModerationLogAfter(ctx context.Context, groupID, after ID, limit int) ([]ModerationEntry, error) {
	out, err := queryAll(ctx, q.q, scanModerationEntry, qModerationLogAfter, groupID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("community %d moderation log after %d: %w", groupID, after, err)
	}
	return out, nil
}

const qCommunityArtefactsAfter = `SELECT ` + artefactColumns + ` FROM artefacts
WHERE community_id = ? AND id > ? ORDER BY id LIMIT ?`

// CommunityArtefactsAfter lists up to limit of a community's artefacts
// after the artefact after, oldest first.
func (q queries) CommunityArtefactsAfter(ctx context.Context, groupID, after ID, limit int) ([]Artefact, error) {
	out, err := queryAll(ctx, q.q, scanArtefact, qCommunityArtefactsAfter, groupID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("community %d artefacts after %d: %w", groupID, after, err)
	}
	return out, nil
}

const qCommunityTermsAfter = `SELECT ` + termColumns + ` FROM glossary_terms
WHERE community_id = ? AND id > ? ORDER BY id LIMIT ?`

// CommunityTermsAfter lists up to limit of a community's glossary terms
// after the term after, oldest first (CommunityTerms reads a glossary A
// to Z, bounded; an archive must hold every term).
func (q queries) CommunityTermsAfter(ctx context.Context, groupID, after ID, limit int) ([]Term, error) {
	out, err := queryAll(ctx, q.q, func(r scanner) (Term, error) { return scanTerm(r) }, qCommunityTermsAfter, groupID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("community %d terms after %d: %w", groupID, after, err)
	}
	return out, nil
}

const qCommunityEventsAfter = `SELECT ` + eventColumns + ` FROM community_events
WHERE community_id = ? AND id > ? ORDER BY id LIMIT ?`

// CommunityEventsAfter lists up to limit of a community's events, past
// and cancelled ones too, after the event after, oldest first.
func (q queries) CommunityEventsAfter(ctx context.Context, groupID, after ID, limit int) ([]CommunityEvent, error) {
	out, err := queryAll(ctx, q.q, scanEvent, qCommunityEventsAfter, groupID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("community %d events after %d: %w", groupID, after, err)
	}
	return out, nil
}
