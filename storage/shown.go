package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// qShownTo is the rule of what the public and hashtag timelines show a
// viewer, as a condition over a status s: neither its author nor, for a
// boost, the boosted status's author is suspended, blocks the viewer or
// is blocked by them, is muted by them (a mute that has not expired at
// now), or is on a domain the viewer blocks. Mastodon's public feeds and
// its streaming server leave all of these out. The parameters are the
// viewer (twice), the viewer and now, the viewer.
const qShownTo = `NOT EXISTS (SELECT 1 FROM accounts x
WHERE x.id IN (s.account_id, (SELECT o.account_id FROM statuses o WHERE o.id = s.reblog_of_id))
AND (x.suspended_at <> 0
	OR EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ? AND b.target_account_id = x.id)
	OR EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = x.id AND b.target_account_id = ?)
	OR EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = ? AND m.target_account_id = x.id
		AND (m.expires_at = 0 OR m.expires_at > ?))
	OR EXISTS (SELECT 1 FROM user_domain_blocks d WHERE d.account_id = ? AND d.domain = x.domain)))`

// shownTo is qShownTo with its parameters for viewer at now.
func shownTo(viewer ID, now time.Time) (string, []any) {
	return qShownTo, []any{viewer, viewer, viewer, millis(now), viewer}
}

// qStatusShown is qShownTo for one status, the last parameter.
const qStatusShown = `SELECT ` + qShownTo + ` FROM statuses s WHERE s.id = ?`

// StatusShown reports whether the public and hashtag timelines would show
// status to viewer (zero: anonymous) as far as accounts go: the same rule
// (qShownTo) those timelines apply in their query, for one status, so the
// streams that carry a status as it is made (the public, hashtag, home
// and list streams) leave out what the timelines leave out. Visibility is
// not its concern: federation.Engine.CanSee decides that. A status that
// does not exist is ErrNotFound.
func (s *Store) StatusShown(ctx context.Context, viewer, status ID) (bool, error) {
	_, args := shownTo(viewer, s.Now())
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
