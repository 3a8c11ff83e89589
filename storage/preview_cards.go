package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// PreviewCard is what the page at URL says of itself, as a link preview
// shows it (Mastodon's PreviewCard). A card with no Title is a read that
// gave none: kept so the address is not read again too soon, never shown.
type PreviewCard struct {
	ID           ID
	URL          string
	Title        string
	Description  string
	ProviderName string
	ProviderURL  string
	AuthorName   string
	Language     string
	PublishedAt  time.Time // zero when the page does not say
	FetchedAt    time.Time
	// Image is the file, under the media directory, of the page's image
	// as the node keeps it ("" for none), of ImageWidth x ImageHeight.
	Image                   string
	ImageWidth, ImageHeight int
	Blurhash                string
}

const previewCardColumns = `id, url, title, description, provider_name, provider_url, author_name, language, published_at, fetched_at,
image, image_width, image_height, blurhash`

func scanPreviewCard(row scanner, extra ...any) (PreviewCard, error) {
	var c PreviewCard
	var published, fetched int64
	err := row.Scan(append([]any{&c.ID, &c.URL, &c.Title, &c.Description, &c.ProviderName, &c.ProviderURL, &c.AuthorName,
		&c.Language, &published, &fetched, &c.Image, &c.ImageWidth, &c.ImageHeight, &c.Blurhash}, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return PreviewCard{}, ErrNotFound
	}
	if err != nil {
		return PreviewCard{}, fmt.Errorf("preview card: %w", err)
	}
	if published != 0 {
		c.PublishedAt = fromMillis(published)
	}
	c.FetchedAt = fromMillis(fetched)
	return c, nil
}

// PreviewCardByURL returns the card read for the address url, or
// ErrNotFound.
func (q queries) PreviewCardByURL(ctx context.Context, url string) (PreviewCard, error) {
	return scanPreviewCard(q.q.QueryRowContext(ctx, `SELECT `+previewCardColumns+` FROM preview_cards WHERE url = ?`, url))
}

const qPutPreviewCard = `INSERT INTO preview_cards (url, title, description, provider_name, provider_url, author_name, language,
published_at, fetched_at, image, image_width, image_height, blurhash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (url) DO UPDATE SET title = excluded.title, description = excluded.description,
provider_name = excluded.provider_name, provider_url = excluded.provider_url, author_name = excluded.author_name,
language = excluded.language, published_at = excluded.published_at, fetched_at = excluded.fetched_at,
image = excluded.image, image_width = excluded.image_width, image_height = excluded.image_height, blurhash = excluded.blurhash
RETURNING id`

// PutPreviewCard stores c as the card of its URL, read now, replacing
// what an earlier read stored; c.ID and c.FetchedAt are set.
func (tx *Tx) PutPreviewCard(ctx context.Context, c *PreviewCard) error {
	var published int64
	if !c.PublishedAt.IsZero() {
		published = millis(c.PublishedAt)
	}
	c.FetchedAt = tx.now
	err := tx.tx.QueryRowContext(ctx, qPutPreviewCard, c.URL, c.Title, c.Description, c.ProviderName, c.ProviderURL,
		c.AuthorName, c.Language, published, millis(tx.now), c.Image, c.ImageWidth, c.ImageHeight, c.Blurhash).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("put preview card %s: %w", c.URL, err)
	}
	return nil
}

// SetStatusCard makes card the one status shows (0: none).
func (tx *Tx) SetStatusCard(ctx context.Context, status, card ID) error {
	if card == 0 {
		_, err := tx.exec(ctx, "remove status card", `DELETE FROM status_cards WHERE status_id = ?`, status)
		return err
	}
	_, err := tx.exec(ctx, "set status card", `INSERT INTO status_cards (status_id, card_id) VALUES (?, ?)
ON CONFLICT (status_id) DO UPDATE SET card_id = excluded.card_id`, status, card)
	return err
}

// PrunePreviewCards deletes the cards read before before that no status
// shows, and returns how many went and the image files they kept, for
// the caller to remove once tx commits.
func (tx *Tx) PrunePreviewCards(ctx context.Context, before time.Time) (int64, []string, error) {
	rows, err := tx.tx.QueryContext(ctx, `DELETE FROM preview_cards WHERE fetched_at < ?
AND NOT EXISTS (SELECT 1 FROM status_cards sc WHERE sc.card_id = preview_cards.id) RETURNING image`, millis(before))
	if err != nil {
		return 0, nil, fmt.Errorf("prune preview cards: %w", err)
	}
	defer rows.Close()
	var n int64
	var images []string
	for rows.Next() {
		var image string
		if err := rows.Scan(&image); err != nil {
			return 0, nil, fmt.Errorf("prune preview cards: %w", err)
		}
		n++
		if image != "" {
			images = append(images, image)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("prune preview cards: %w", err)
	}
	return n, images, nil
}

var qCardsOf = `SELECT ` + prefixed("c.", previewCardColumns) + `, sc.status_id FROM status_cards sc
JOIN preview_cards c ON c.id = sc.card_id
WHERE sc.status_id IN (SELECT value FROM json_each(?)) AND c.title <> ''`

// CardsOf returns the cards the statuses ids show, by status; a status
// without one is absent.
func (q queries) CardsOf(ctx context.Context, ids []ID) (map[ID]PreviewCard, error) {
	out := make(map[ID]PreviewCard, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.q.QueryContext(ctx, qCardsOf, idArray(ids))
	if err != nil {
		return nil, fmt.Errorf("cards of statuses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var status ID
		c, err := scanPreviewCard(rows, &status)
		if err != nil {
			return nil, err
		}
		out[status] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cards of statuses: %w", err)
	}
	return out, nil
}

// TrendingLink is a link in the trends: its card, how many accounts and
// public posts shared it in the window, and its review (TrendPending,
// TrendApproved or TrendRejected).
type TrendingLink struct {
	Card     PreviewCard
	Accounts int
	Uses     int
	Review   string
}

// TrendingLinks returns the pages most accounts (at least minAccounts)
// linked to from public, original posts since since, by accounts not
// suspended, most accounts first (then most posts); approvedOnly keeps
// those a moderator approved. A page of limit after offset.
func (q queries) TrendingLinks(ctx context.Context, since time.Time, minAccounts, limit, offset int, approvedOnly bool) ([]TrendingLink, error) {
	scan := func(r scanner) (TrendingLink, error) {
		var l TrendingLink
		var trendable int
		var err error
		l.Card, err = scanPreviewCard(r, &trendable, &l.Accounts, &l.Uses)
		l.Review = reviewOf(trendable)
		return l, err
	}
	out, err := queryAll(ctx, q.q, scan, `SELECT `+prefixed("c.", previewCardColumns)+`, coalesce(c.trendable, -1),
	count(DISTINCT s.account_id), count(*)
FROM status_cards sc JOIN statuses s ON s.id = sc.status_id JOIN accounts a ON a.id = s.account_id
JOIN preview_cards c ON c.id = sc.card_id
WHERE sc.status_id >= ? AND s.visibility = 'public' AND s.reblog_of_id IS NULL AND a.suspended_at = 0 AND c.title <> ''
AND (? = 0 OR c.trendable = 1)
GROUP BY sc.card_id HAVING count(DISTINCT s.account_id) >= ?
ORDER BY count(DISTINCT s.account_id) DESC, count(*) DESC, c.id DESC LIMIT ? OFFSET ?`,
		IDAt(since), boolInt(approvedOnly), minAccounts, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("trending links: %w", err)
	}
	return out, nil
}

// ReviewLink decides whether the card id may trend (approve) or not.
func (tx *Tx) ReviewLink(ctx context.Context, id ID, approve bool) (PreviewCard, error) {
	c, err := scanPreviewCard(tx.tx.QueryRowContext(ctx, `UPDATE preview_cards SET trendable = ?, reviewed_at = ?
WHERE id = ? AND title <> '' RETURNING `+previewCardColumns, boolInt(approve), millis(tx.now), id))
	if err != nil {
		return PreviewCard{}, fmt.Errorf("review link %d: %w", id, err)
	}
	return c, nil
}

// LinkHistory returns, for each of the cards ids, the use of its link
// on each of the days days up to and including now's, newest first (a
// day without use counts zero): public, original posts and their
// distinct accounts, the history apps draw beside a trending link.
func (q queries) LinkHistory(ctx context.Context, ids []ID, now time.Time, days int) (map[ID][]TagDay, error) {
	out := make(map[ID][]TagDay, len(ids))
	if len(ids) == 0 || days <= 0 {
		return out, nil
	}
	today := now.UTC().Truncate(day)
	for _, id := range ids {
		out[id] = emptyHistory(today, days)
	}
	first := today.Add(-time.Duration(days-1) * day)
	rows, err := q.q.QueryContext(ctx, `SELECT sc.card_id, (sc.status_id >> 16) / 86400000, count(*), count(DISTINCT s.account_id)
FROM status_cards sc JOIN statuses s ON s.id = sc.status_id
WHERE sc.card_id IN (SELECT value FROM json_each(?)) AND sc.status_id >= ? AND s.visibility = 'public' AND s.reblog_of_id IS NULL
GROUP BY sc.card_id, 2`, idArray(ids), IDAt(first))
	if err != nil {
		return nil, fmt.Errorf("link history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id ID
		var dayNum int64
		var d TagDay
		if err := rows.Scan(&id, &dayNum, &d.Uses, &d.Accounts); err != nil {
			return nil, fmt.Errorf("link history: %w", err)
		}
		setDay(out[id], today, dayNum, d)
	}
	return out, rows.Err()
}
