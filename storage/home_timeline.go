package storage

import (
	"context"
	"fmt"
	"strings"
)

// HomePage is a page of a member's home feed: its statuses, and the
// statuses its reblogs boost, by ID, read with them.
type HomePage struct {
	Statuses []Status
	Boosted  map[ID]Status
}

// boostedColumns are statusColumns of the boosted status o, which the
// home feed's query joins anyway to filter reblogs: read there, a deep
// page's originals are not looked up again (each a cold page of
// statuses) by a second query. For a row that is no reblog they are all
// NULL, hence the coalesce; scanStatus gives the zero Status.
const boostedColumns = `coalesce(o.id, 0), coalesce(o.uri, ''), coalesce(o.url, ''), coalesce(o.account_id, 0),
coalesce(o.in_reply_to_id, 0), coalesce(o.in_reply_to_uri, ''), coalesce(o.in_reply_to_account_id, 0),
coalesce(o.reblog_of_id, 0), coalesce(o.object_type, ''), coalesce(o.title, ''), coalesce(o.content, ''),
coalesce(o.source_text, ''), coalesce(o.spoiler_text, ''), coalesce(o.sensitive, 0), coalesce(o.visibility, ''),
coalesce(o.language, ''), coalesce(o.local, 0), coalesce(o.created_at, 0), coalesce(o.edited_at, 0), coalesce(o.emojis, ''),
coalesce(o.extras, 0)`

// HomeTimelineWithBoosted is HomeTimelinePage with the statuses the
// page's reblogs boost, all with their mentions, tags and attachments
// (three queries for the page and its originals together). What the feed
// holds is shown by the rule every list of statuses applies (qListedTo:
// suspension, blocks either way, mutes, domain blocks, visibility, for
// the status and the one it boosts), less the authors the member keeps in
// an exclusive list and the boosts of accounts whose boosts they hide.
func (s *Store) HomeTimelineWithBoosted(ctx context.Context, account ID, p Page) (HomePage, error) {
	cond, args, order := p.where("h.status_id")
	listed, listedArgs := listedTo(account, s.Now())
	query := `SELECT ` + statusColumns + `, ` + boostedColumns + ` FROM home_feed h JOIN statuses s ON s.id = h.status_id
LEFT JOIN statuses o ON o.id = s.reblog_of_id
WHERE h.account_id = ? AND ` + listed + ` AND ` + notInExclusiveList + `
AND (o.id IS NULL OR NOT EXISTS (SELECT 1 FROM follows hb WHERE hb.account_id = h.account_id
	AND hb.target_account_id = s.account_id AND hb.show_reblogs = 0))
AND ` + cond + ` ORDER BY ` + order + ` LIMIT ?`
	all := append([]any{account}, listedArgs...)
	all = append(append(all, args...), p.limit())

	rows, err := queryAll(ctx, s.q, scanStatusPair, query, all...)
	if err != nil {
		return HomePage{}, fmt.Errorf("home timeline: %w", err)
	}
	if strings.HasSuffix(order, "ASC") {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	// One slice for the extras: the page first, then each original once.
	sts := make([]Status, len(rows), 2*len(rows))
	seen := make(map[ID]bool)
	for i, r := range rows {
		sts[i] = r[0]
		if r[1].ID != 0 && !seen[r[1].ID] {
			seen[r[1].ID] = true
			sts = append(sts, r[1])
		}
	}
	if err := s.loadStatusesExtras(ctx, sts); err != nil {
		return HomePage{}, fmt.Errorf("home timeline: %w", err)
	}
	page := HomePage{Statuses: sts[:len(rows):len(rows)], Boosted: make(map[ID]Status, len(sts)-len(rows))}
	for _, o := range sts[len(rows):] {
		page.Boosted[o.ID] = o
	}
	return page, nil
}

// scanFunc adapts a function to scanner.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// scanStatusPair scans statusColumns then boostedColumns: the outer
// scanStatus hands its destinations to the inner one, which scans the
// row into both at once.
func scanStatusPair(row scanner) ([2]Status, error) {
	var boosted Status
	st, err := scanStatus(scanFunc(func(dest ...any) error {
		var err error
		boosted, err = scanStatus(scanFunc(func(more ...any) error {
			return row.Scan(append(dest, more...)...)
		}))
		return err
	}))
	if err != nil {
		return [2]Status{}, err
	}
	return [2]Status{st, boosted}, nil
}
