package federation

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/copse-dev/copse/storage"
)

// Announcements are what the node's admins tell every member, shown by
// Mastodon apps above the notifications until they end: written as plain
// text (links and hashtags linked, as in a post), published at once,
// about an event when they give its start and end. Members dismiss them
// and react with emoji.

// Audit actions of announcements.
const (
	AuditPublishAnnouncement = "publish_announcement"
	AuditDeleteAnnouncement  = "delete_announcement"
)

const (
	maxAnnouncementText      = 5000 // characters
	maxAnnouncementReactions = 32   // distinct emoji on one announcement
)

// NewAnnouncement is what an admin writes.
type NewAnnouncement struct {
	Text     string
	StartsAt time.Time // optional: when what it announces starts
	EndsAt   time.Time // optional: when it ends; it is shown until then
	AllDay   bool      // the start and end are days, not times
}

// PublishAnnouncement publishes na for every member, by by (0: the
// command line), who must manage announcements.
func (e *Engine) PublishAnnouncement(ctx context.Context, by storage.ID, na NewAnnouncement) (storage.Announcement, error) {
	if err := e.mayManageAnnouncements(ctx, by); err != nil {
		return storage.Announcement{}, err
	}
	text := strings.TrimSpace(cleanText(na.Text))
	switch {
	case text == "":
		return storage.Announcement{}, invalid("an announcement needs text")
	case utf8.RuneCountInString(text) > maxAnnouncementText:
		return storage.Announcement{}, invalid("an announcement is at most %d characters", maxAnnouncementText)
	case !na.EndsAt.IsZero() && !na.StartsAt.IsZero() && na.EndsAt.Before(na.StartsAt):
		return storage.Announcement{}, invalid("an announcement ends after it starts")
	case !na.EndsAt.IsZero() && !na.EndsAt.After(e.now()):
		return storage.Announcement{}, invalid("an announcement's end is in the future: it is shown until then")
	}
	a := storage.Announcement{Text: text, Content: renderText(text, nil, e.urls.Tag), StartsAt: na.StartsAt, EndsAt: na.EndsAt,
		AllDay: na.AllDay, CreatedBy: by}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertAnnouncement(ctx, &a); err != nil {
			return err
		}
		e.emit(tx, Event{Kind: EventAnnouncement, AnnouncementID: a.ID})
		return audit(ctx, tx, by, AuditPublishAnnouncement, storage.AuditAnnouncement, a.ID, "text", truncateRunes(text, 200))
	})
	if err != nil {
		return storage.Announcement{}, fmt.Errorf("publish announcement: %w", err)
	}
	return a, nil
}

// DeleteAnnouncement takes announcement id down, by by (0: the command
// line), who must manage announcements.
func (e *Engine) DeleteAnnouncement(ctx context.Context, by, id storage.ID) error {
	if err := e.mayManageAnnouncements(ctx, by); err != nil { // before the lookup: no 404 to those who may not
		return err
	}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		a, err := tx.AnnouncementByID(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteAnnouncement(ctx, id); err != nil {
			return err
		}
		e.emit(tx, Event{Kind: EventAnnouncementDelete, AnnouncementID: id})
		return audit(ctx, tx, by, AuditDeleteAnnouncement, storage.AuditAnnouncement, id, "text", truncateRunes(a.Text, 200))
	})
	if err != nil {
		return fmt.Errorf("delete announcement %s: %w", id, err)
	}
	return nil
}

// mayManageAnnouncements is nil for by 0 (the command line) and for a
// member whose role may manage announcements.
func (e *Engine) mayManageAnnouncements(ctx context.Context, by storage.ID) error {
	if by == 0 {
		return nil
	}
	return e.Authorize(ctx, by, ActManageAnnouncements)
}

// DismissAnnouncement marks announcement id read by member: apps stop
// showing it as new.
func (e *Engine) DismissAnnouncement(ctx context.Context, member storage.Account, id storage.ID) error {
	return e.onCurrentAnnouncement(ctx, member, id, func(tx *storage.Tx) error {
		return tx.MarkAnnouncementRead(ctx, id, member.ID)
	})
}

// ReactToAnnouncement adds (or, with add false, takes back) member's
// reaction name, one emoji, to announcement id. An announcement holds at
// most maxAnnouncementReactions distinct emoji.
func (e *Engine) ReactToAnnouncement(ctx context.Context, member storage.Account, id storage.ID, name string, add bool) error {
	if !add {
		return e.onCurrentAnnouncement(ctx, member, id, func(tx *storage.Tx) error {
			e.emit(tx, Event{Kind: EventAnnouncementReaction, AnnouncementID: id, Reaction: name})
			return tx.RemoveAnnouncementReaction(ctx, id, member.ID, name)
		})
	}
	if !isEmoji(name) {
		return invalid("a reaction is one emoji")
	}
	return e.onCurrentAnnouncement(ctx, member, id, func(tx *storage.Tx) error {
		n, has, err := tx.AnnouncementReactionNames(ctx, id, name)
		if err != nil {
			return err
		}
		if !has && n >= maxAnnouncementReactions {
			return invalid("an announcement takes at most %d different reactions", maxAnnouncementReactions)
		}
		e.emit(tx, Event{Kind: EventAnnouncementReaction, AnnouncementID: id, Reaction: name})
		return tx.AddAnnouncementReaction(ctx, id, member.ID, name)
	})
}

// onCurrentAnnouncement runs fn for member, a member of this node, on
// announcement id if it is shown (not ended); ErrNotFound otherwise.
func (e *Engine) onCurrentAnnouncement(ctx context.Context, member storage.Account, id storage.ID, fn func(tx *storage.Tx) error) error {
	if member.ID == 0 || !member.Local() {
		return fmt.Errorf("announcement %s for %s: %w", id, member.URI, ErrDenied)
	}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		a, err := tx.AnnouncementByID(ctx, id)
		if err != nil {
			return err
		}
		if !a.EndsAt.IsZero() && !a.EndsAt.After(tx.Now()) {
			return fmt.Errorf("announcement %s ended: %w", id, storage.ErrNotFound)
		}
		return fn(tx)
	})
	if err != nil {
		return fmt.Errorf("announcement %s: %w", id, err)
	}
	return nil
}

// isEmoji reports whether s is one emoji as an app sends it: a short
// run of symbols, with the joiners, variation selectors, skin tones and
// keycap marks that build one, and nothing else (no letters, digits
// alone, spaces or markup).
func isEmoji(s string) bool {
	if s == "" || len(s) > 64 || !utf8.ValidString(s) {
		return false
	}
	symbol := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r) || r >= 0x1F000 && r <= 0x1FAFF:
			symbol = true
		case r == 0x200D || r >= 0xFE00 && r <= 0xFE0F || r == 0x20E3 || r >= 0xE0020 && r <= 0xE007F:
			// joiner, variation selectors, keycap, tag characters (flags)
		case r == '#' || r == '*' || r >= '0' && r <= '9':
			// keycap bases: "1️⃣"
		default:
			return false
		}
	}
	return symbol || strings.ContainsRune(s, 0x20E3)
}

// CurrentAnnouncements are the announcements member reads now (see
// storage.CurrentAnnouncements).
func (e *Engine) CurrentAnnouncements(ctx context.Context, member storage.Account, withDismissed bool) ([]storage.AnnouncementView, error) {
	if member.ID == 0 || !member.Local() {
		return nil, fmt.Errorf("announcements for %s: %w", member.URI, ErrDenied)
	}
	return e.store.CurrentAnnouncements(ctx, member.ID, e.now(), withDismissed)
}
