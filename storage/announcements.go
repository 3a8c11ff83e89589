package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AuditAnnouncement is an announcement, in the audit log.
const AuditAnnouncement = "announcement"

// Announcement is something the node's admins tell every member.
type Announcement struct {
	ID          ID
	Text        string // as written
	Content     string // HTML
	StartsAt    time.Time
	EndsAt      time.Time // shown until then; zero: until deleted
	AllDay      bool
	CreatedBy   ID // 0: the command line
	PublishedAt time.Time
	UpdatedAt   time.Time
}

// AnnouncementReaction is one emoji on an announcement: how many members
// reacted with it, and whether the reader did.
type AnnouncementReaction struct {
	Name  string
	Count int
	Me    bool
}

// AnnouncementView is an announcement as one member reads it.
type AnnouncementView struct {
	Announcement
	Read      bool
	Reactions []AnnouncementReaction // in the order they were first given
}

const announcementColumns = `id, text, content, starts_at, ends_at, all_day, coalesce(created_by, 0), published_at, updated_at`

func scanAnnouncement(row scanner) (Announcement, error) {
	var a Announcement
	var starts, ends, published, updated int64
	var allDay int
	err := row.Scan(&a.ID, &a.Text, &a.Content, &starts, &ends, &allDay, &a.CreatedBy, &published, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Announcement{}, ErrNotFound
	}
	if err != nil {
		return Announcement{}, fmt.Errorf("announcement: %w", err)
	}
	a.StartsAt, a.EndsAt, a.PublishedAt, a.UpdatedAt = fromMillis(starts), fromMillis(ends), fromMillis(published), fromMillis(updated)
	a.AllDay = allDay != 0
	return a, nil
}

// InsertAnnouncement publishes a.
func (tx *Tx) InsertAnnouncement(ctx context.Context, a *Announcement) error {
	if a.ID == 0 {
		a.ID = tx.NewID()
	}
	if a.PublishedAt.IsZero() {
		a.PublishedAt = tx.now
	}
	a.UpdatedAt = a.PublishedAt
	_, err := tx.exec(ctx, "insert announcement", `INSERT INTO announcements (id, text, content, starts_at, ends_at, all_day, created_by, published_at, updated_at)
VALUES (?,?,?,?,?,?,?,?,?)`, a.ID, a.Text, a.Content, millis(a.StartsAt), millis(a.EndsAt), boolInt(a.AllDay), nullID(a.CreatedBy),
		millis(a.PublishedAt), millis(a.UpdatedAt))
	return err
}

// DeleteAnnouncement removes announcement id, with its reads and
// reactions; ErrNotFound when there is none.
func (tx *Tx) DeleteAnnouncement(ctx context.Context, id ID) error {
	res, err := tx.exec(ctx, "delete announcement", `DELETE FROM announcements WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("announcement %s: %w", id, ErrNotFound)
	}
	return nil
}

// AnnouncementByID is one announcement, ended or not.
func (q queries) AnnouncementByID(ctx context.Context, id ID) (Announcement, error) {
	return scanAnnouncement(q.q.QueryRowContext(ctx, `SELECT `+announcementColumns+` FROM announcements WHERE id = ?`, id))
}

// AllAnnouncements lists every announcement, ended ones too, newest
// first (there are a handful: admins make them by hand).
func (q queries) AllAnnouncements(ctx context.Context) ([]Announcement, error) {
	out, err := queryAll(ctx, q.q, scanAnnouncement, `SELECT `+announcementColumns+` FROM announcements ORDER BY published_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("announcements: %w", err)
	}
	return out, nil
}

// CurrentAnnouncements are the announcements member reads at now: those
// not ended, newest first, with whether member has dismissed each (those
// dismissed are left out unless withDismissed) and the reactions to each.
func (q queries) CurrentAnnouncements(ctx context.Context, member ID, now time.Time, withDismissed bool) ([]AnnouncementView, error) {
	out, err := queryAll(ctx, q.q, func(row scanner) (AnnouncementView, error) {
		var v AnnouncementView
		var starts, ends, published, updated int64
		var allDay, read int
		err := row.Scan(&v.ID, &v.Text, &v.Content, &starts, &ends, &allDay, &v.CreatedBy, &published, &updated, &read)
		if err != nil {
			return AnnouncementView{}, err
		}
		v.StartsAt, v.EndsAt, v.PublishedAt, v.UpdatedAt = fromMillis(starts), fromMillis(ends), fromMillis(published), fromMillis(updated)
		v.AllDay, v.Read = allDay != 0, read != 0
		return v, nil
	}, `SELECT `+announcementColumns+`,
	EXISTS (SELECT 1 FROM announcement_reads r WHERE r.announcement_id = announcements.id AND r.account_id = ?)
FROM announcements WHERE (ends_at = 0 OR ends_at > ?) ORDER BY published_at DESC, id DESC LIMIT 100`, member, millis(now))
	if err != nil {
		return nil, fmt.Errorf("current announcements: %w", err)
	}
	shown := out[:0]
	byID := make(map[ID]int, len(out))
	for _, v := range out {
		if v.Read && !withDismissed {
			continue
		}
		byID[v.ID] = len(shown)
		shown = append(shown, v)
	}
	if len(shown) == 0 {
		return shown, nil
	}
	rows, err := q.q.QueryContext(ctx, `SELECT announcement_id, name, count(*), max(account_id = ?) FROM announcement_reactions
WHERE announcement_id IN (SELECT id FROM announcements WHERE ends_at = 0 OR ends_at > ?)
GROUP BY announcement_id, name ORDER BY min(created_at), name`, member, millis(now))
	if err != nil {
		return nil, fmt.Errorf("announcement reactions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id ID
		var r AnnouncementReaction
		var me int
		if err := rows.Scan(&id, &r.Name, &r.Count, &me); err != nil {
			return nil, fmt.Errorf("announcement reactions: %w", err)
		}
		r.Me = me != 0
		if i, ok := byID[id]; ok {
			shown[i].Reactions = append(shown[i].Reactions, r)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("announcement reactions: %w", err)
	}
	return shown, nil
}

// MarkAnnouncementRead records that member dismissed announcement id.
func (tx *Tx) MarkAnnouncementRead(ctx context.Context, id, member ID) error {
	_, err := tx.exec(ctx, "dismiss announcement", `INSERT INTO announcement_reads (announcement_id, account_id) VALUES (?, ?)
ON CONFLICT DO NOTHING`, id, member)
	return err
}

// AddAnnouncementReaction records member's reaction name to announcement
// id (once: a second is no change).
func (tx *Tx) AddAnnouncementReaction(ctx context.Context, id, member ID, name string) error {
	_, err := tx.exec(ctx, "react to announcement", `INSERT INTO announcement_reactions (announcement_id, account_id, name, created_at)
VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, id, member, name, millis(tx.now))
	return err
}

// RemoveAnnouncementReaction takes member's reaction name back.
func (tx *Tx) RemoveAnnouncementReaction(ctx context.Context, id, member ID, name string) error {
	_, err := tx.exec(ctx, "take back announcement reaction", `DELETE FROM announcement_reactions
WHERE announcement_id = ? AND account_id = ? AND name = ?`, id, member, name)
	return err
}

// AnnouncementReactionNames counts the distinct reactions to announcement
// id, and whether name is among them.
func (tx *Tx) AnnouncementReactionNames(ctx context.Context, id ID, name string) (int, bool, error) {
	var n, has int
	err := tx.tx.QueryRowContext(ctx, `SELECT count(DISTINCT name), coalesce(max(name = ?), 0) FROM announcement_reactions
WHERE announcement_id = ?`, name, id).Scan(&n, &has)
	if err != nil {
		return 0, false, fmt.Errorf("announcement %s reactions: %w", id, err)
	}
	return n, has != 0, nil
}
