package storage

import (
	"context"
	"fmt"
	"time"
)

// A member's lists as Mastodon exports them (Settings, Import and
// export): whom they follow, block and mute, the domains they block,
// their bookmarks and their lists, so they take them to another server.

// What a member exports, one CSV each.
const (
	ExportFollowing    = "following"
	ExportBlocks       = "blocks"
	ExportMutes        = "mutes"
	ExportDomainBlocks = "domain_blocks"
	ExportBookmarks    = "bookmarks"
	ExportLists        = "lists"
	// ExportLikes are the posts a member liked: the archive's likes.json,
	// not a CSV.
	ExportLikes = "likes"
)

// ExportRow is one row of an export. Username and Domain ("" for this
// node) name an account; the rest is what each kind adds.
type ExportRow struct {
	Username, Domain string
	ShowReblogs      bool   // following
	Notify           bool   // following
	Notifications    bool   // mutes: the mute hides notifications too
	List             string // lists: the list's title
	Text             string // domain_blocks: the domain; bookmarks: the post's id
}

// exportQueries read each kind for ?1, the member, oldest first; ?2 is
// now, for mutes that expire.
var exportQueries = map[string]string{
	ExportFollowing: `SELECT a.username, a.domain, f.show_reblogs, f.notify, 0, '', ''
FROM follows f JOIN accounts a ON a.id = f.target_account_id WHERE f.account_id = ?1 ORDER BY f.id`,
	ExportBlocks: `SELECT a.username, a.domain, 0, 0, 0, '', ''
FROM blocks b JOIN accounts a ON a.id = b.target_account_id WHERE b.account_id = ?1 ORDER BY b.id`,
	ExportMutes: `SELECT a.username, a.domain, 0, 0, m.notifications, '', ''
FROM mutes m JOIN accounts a ON a.id = m.target_account_id
WHERE m.account_id = ?1 AND (m.expires_at = 0 OR m.expires_at > ?2) ORDER BY m.id`,
	ExportDomainBlocks: `SELECT '', '', 0, 0, 0, '', domain FROM user_domain_blocks WHERE account_id = ?1 ORDER BY id`,
	ExportBookmarks: `SELECT '', '', 0, 0, 0, '', s.uri
FROM bookmarks b JOIN statuses s ON s.id = b.status_id WHERE b.account_id = ?1 ORDER BY b.id`,
	ExportLikes: `SELECT '', '', 0, 0, 0, '', s.uri
FROM favourites f JOIN statuses s ON s.id = f.status_id WHERE f.account_id = ?1 ORDER BY f.id`,
	ExportLists: `SELECT a.username, a.domain, 0, 0, 0, l.title, ''
FROM lists l JOIN list_accounts la ON la.list_id = l.id JOIN accounts a ON a.id = la.account_id
WHERE l.account_id = ?1 ORDER BY l.id, la.id`,
}

// Export calls row with each row of kind for account, oldest first,
// reading them as it goes (an export may be long).
func (q queries) Export(ctx context.Context, kind string, account ID, now time.Time, row func(ExportRow) error) error {
	query, ok := exportQueries[kind]
	if !ok {
		return fmt.Errorf("export %q: %w", kind, ErrNotFound)
	}
	args := []any{account}
	if kind == ExportMutes {
		args = append(args, millis(now))
	}
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("export %s: %w", kind, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r ExportRow
		if err := rows.Scan(&r.Username, &r.Domain, &r.ShowReblogs, &r.Notify, &r.Notifications, &r.List, &r.Text); err != nil {
			return fmt.Errorf("export %s: %w", kind, err)
		}
		if err := row(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export %s: %w", kind, err)
	}
	return nil
}
