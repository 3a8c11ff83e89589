package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CustomEmoji is one of the node's own custom emojis: an image apps draw
// in place of :Shortcode: in the text of posts and profiles of members
// here.
type CustomEmoji struct {
	ID              ID
	Shortcode       string // without the colons; unique whatever its case
	File            string // under the media directory
	MediaType       string
	Category        string // "" for none
	VisibleInPicker bool
	CreatedAt       time.Time
	UpdatedAt       time.Time
	CreatedBy       ID // 0: the command line
}

const customEmojiColumns = `id, shortcode, file, media_type, category, visible_in_picker, created_at, updated_at, created_by`

func scanCustomEmoji(r scanner) (CustomEmoji, error) {
	var c CustomEmoji
	var created, updated int64
	err := r.Scan(&c.ID, &c.Shortcode, &c.File, &c.MediaType, &c.Category, &c.VisibleInPicker, &created, &updated, &c.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return CustomEmoji{}, ErrNotFound
	}
	if err != nil {
		return CustomEmoji{}, fmt.Errorf("custom emoji: %w", err)
	}
	c.CreatedAt, c.UpdatedAt = fromMillis(created), fromMillis(updated)
	return c, nil
}

// InsertCustomEmoji stores c; ErrDuplicate when its shortcode, in any
// case, is taken.
func (tx *Tx) InsertCustomEmoji(ctx context.Context, c *CustomEmoji) error {
	if c.ID == 0 {
		c.ID = tx.NewID()
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = tx.now
	}
	c.UpdatedAt = c.CreatedAt
	return tx.insertListed(ctx, "add custom emoji "+c.Shortcode, `INSERT INTO custom_emojis (`+customEmojiColumns+`) VALUES (?,?,?,?,?,?,?,?,?)`,
		c.ID, c.Shortcode, c.File, c.MediaType, c.Category, c.VisibleInPicker, millis(c.CreatedAt), millis(c.UpdatedAt), c.CreatedBy)
}

// SetCustomEmojiPicker sets the category of emoji id and whether the
// apps' pickers show it; ErrNotFound if there is none. Its image, and so
// its updated time, is unchanged.
func (tx *Tx) SetCustomEmojiPicker(ctx context.Context, id ID, category string, visible bool) error {
	return tx.execListed(ctx, "change custom emoji", `UPDATE custom_emojis SET category = ?, visible_in_picker = ? WHERE id = ?`,
		category, visible, id)
}

// DeleteCustomEmoji removes emoji id; ErrNotFound if there is none.
func (tx *Tx) DeleteCustomEmoji(ctx context.Context, id ID) error {
	return tx.execListed(ctx, "remove custom emoji", `DELETE FROM custom_emojis WHERE id = ?`, id)
}

// CustomEmojiByShortcode returns the emoji of shortcode, in any case, or
// ErrNotFound.
func (q queries) CustomEmojiByShortcode(ctx context.Context, shortcode string) (CustomEmoji, error) {
	return scanCustomEmoji(q.q.QueryRowContext(ctx, `SELECT `+customEmojiColumns+` FROM custom_emojis WHERE shortcode = ?`, shortcode))
}

// CustomEmojiByID returns emoji id, or ErrNotFound.
func (q queries) CustomEmojiByID(ctx context.Context, id ID) (CustomEmoji, error) {
	return scanCustomEmoji(q.q.QueryRowContext(ctx, `SELECT `+customEmojiColumns+` FROM custom_emojis WHERE id = ?`, id))
}

// CustomEmojis lists all the node's emojis by category, then shortcode.
// A node keeps at most a few thousand, and apps read them whole.
func (q queries) CustomEmojis(ctx context.Context) ([]CustomEmoji, error) {
	out, err := queryAll(ctx, q.q, scanCustomEmoji, `SELECT `+customEmojiColumns+` FROM custom_emojis ORDER BY category, shortcode`)
	if err != nil {
		return nil, fmt.Errorf("custom emojis: %w", err)
	}
	return out, nil
}

// CustomEmojisNamed returns the emojis whose shortcodes are exactly among
// codes (as text names them: :Heron: is not :heron:), in no set order.
func (q queries) CustomEmojisNamed(ctx context.Context, codes []string) ([]CustomEmoji, error) {
	if len(codes) == 0 {
		return nil, nil
	}
	args := make([]any, len(codes))
	want := make(map[string]bool, len(codes))
	for i, c := range codes {
		args[i], want[c] = c, true
	}
	rows, err := queryAll(ctx, q.q, scanCustomEmoji, `SELECT `+customEmojiColumns+` FROM custom_emojis WHERE shortcode IN (`+placeholders(len(codes))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("custom emojis named: %w", err)
	}
	out := rows[:0]
	for _, c := range rows {
		if want[c.Shortcode] {
			out = append(out, c)
		}
	}
	return out, nil
}
