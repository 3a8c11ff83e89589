package federation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation/imaging"
	"github.com/copse-dev/copse/storage"
)

// The node's own custom emojis, as Mastodon keeps them: an admin adds an
// image under a shortcode; apps list them (GET /api/v1/custom_emojis) and
// draw the image wherever :shortcode: stands in the text of a post or a
// profile of a member here. A post or profile keeps the emojis its text
// named when it was written, so its Note and actor carry them as Emoji
// tags to other servers, which keep their own copy of each image. A
// removed emoji is no longer offered or matched in new text; its file
// stays, since the posts that used it keep its address.

// Audit actions of custom emojis.
const (
	AuditAddEmoji    = "add_emoji"
	AuditChangeEmoji = "change_emoji"
	AuditRemoveEmoji = "remove_emoji"
)

// Bounds on the node's emojis.
const (
	// EmojiSide is the longest side an emoji image is scaled down to:
	// apps draw them at 20 to 40 pixels, on screens of up to three
	// pixels a point.
	EmojiSide         = 128
	maxShortcode      = activitypub.MaxShortcode
	maxEmojiCategory  = 64
	maxEmojiUploadLen = 2 << 20 // an emoji's file before it is scaled
)

// shortcodeRule is what a shortcode may be: letters, digits and
// underscores, as Mastodon accepts.
var shortcodeRule = regexp.MustCompile(`^[a-zA-Z0-9_]+$`)

// NewEmoji is what an admin gives for an emoji besides its image.
type NewEmoji struct {
	Shortcode string // with or without the colons
	Category  string // optional: apps group their picker by it
	// Hidden leaves it out of the apps' pickers; text still names it.
	Hidden bool
}

func (n NewEmoji) clean() NewEmoji {
	n.Shortcode = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(n.Shortcode), ":"), ":")
	n.Category = strings.TrimSpace(cleanText(n.Category))
	return n
}

func (n NewEmoji) validate() error {
	switch {
	case n.Shortcode == "":
		return fieldInvalid("shortcode", "ERR_BLANK", "a shortcode is needed")
	case len(n.Shortcode) < 2 || len(n.Shortcode) > maxShortcode || !shortcodeRule.MatchString(n.Shortcode):
		return fieldInvalid("shortcode", "ERR_INVALID",
			"a shortcode is 2 to %d letters, digits or underscores (%q is not)", maxShortcode, n.Shortcode)
	case utf8.RuneCountInString(n.Category) > maxEmojiCategory:
		return fieldInvalid("category", "ERR_TOO_LONG", "a category is at most %d characters", maxEmojiCategory)
	}
	return nil
}

// mayManageEmojis is nil for by 0 (the command line) and for a member
// whose role may manage custom emojis.
func (e *Engine) mayManageEmojis(ctx context.Context, by storage.ID) error {
	if by == 0 {
		return nil
	}
	return e.Authorize(ctx, by, ActManageEmojis)
}

// AddCustomEmoji adds an emoji of the node, by by (0: the command line),
// who must manage custom emojis. The image (JPEG, PNG, GIF or WebP, at
// most 2 MiB) is scaled to fit EmojiSide and kept as PNG; an animated GIF
// keeps its first frame. A shortcode taken in any case is refused.
func (e *Engine) AddCustomEmoji(ctx context.Context, by storage.ID, n NewEmoji, image io.Reader) (storage.CustomEmoji, error) {
	if err := e.mayManageEmojis(ctx, by); err != nil {
		return storage.CustomEmoji{}, err
	}
	n = n.clean()
	if err := n.validate(); err != nil {
		return storage.CustomEmoji{}, err
	}
	taken := func() error {
		return fieldInvalid("shortcode", "ERR_TAKEN", "the shortcode :%s: is taken; remove that emoji first", n.Shortcode)
	}
	if _, err := e.store.CustomEmojiByShortcode(ctx, n.Shortcode); err == nil {
		return storage.CustomEmoji{}, taken() // before the image is decoded for nothing
	} else if !errors.Is(err, storage.ErrNotFound) {
		return storage.CustomEmoji{}, fmt.Errorf("add emoji %s: %w", n.Shortcode, err)
	}
	data, err := io.ReadAll(io.LimitReader(image, maxEmojiUploadLen+1))
	switch {
	case err != nil:
		return storage.CustomEmoji{}, fmt.Errorf("add emoji %s: read image: %w", n.Shortcode, err)
	case len(data) == 0:
		return storage.CustomEmoji{}, fieldInvalid("image", "ERR_BLANK", "an image is needed")
	case len(data) > maxEmojiUploadLen:
		return storage.CustomEmoji{}, fieldInvalid("image", "ERR_TOO_LARGE", "the image is over %d MiB", maxEmojiUploadLen>>20)
	}
	var f imaging.File
	if err := e.withImageSlot(ctx, func() (err error) { f, err = imaging.EmojiImage(ctx, data, EmojiSide); return err }); err != nil {
		return storage.CustomEmoji{}, fmt.Errorf("add emoji %s: %w", n.Shortcode, err)
	}
	c := storage.CustomEmoji{Shortcode: n.Shortcode, File: newMediaStem() + "_emoji" + f.Ext, MediaType: f.MediaType,
		Category: n.Category, VisibleInPicker: !n.Hidden, CreatedBy: by}
	if err := e.writeMedia(c.File, f.Data); err != nil {
		return storage.CustomEmoji{}, fmt.Errorf("add emoji %s: %w", n.Shortcode, err)
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertCustomEmoji(ctx, &c); err != nil {
			if errors.Is(err, storage.ErrDuplicate) { // added meanwhile
				return taken()
			}
			return err
		}
		return audit(ctx, tx, by, AuditAddEmoji, storage.AuditEmoji, c.ID, "shortcode", c.Shortcode)
	})
	if err != nil {
		e.removeMedia(context.WithoutCancel(ctx), c.File)
		return storage.CustomEmoji{}, fmt.Errorf("add emoji %s: %w", n.Shortcode, err)
	}
	return c, nil
}

// EmojiChange changes how apps offer an emoji; nil fields stay.
type EmojiChange struct {
	Category *string // "" for none
	Hidden   *bool   // left out of the apps' pickers
}

// CopyCustomEmoji adds an emoji of the node whose image is at imageURL,
// such as another server's emoji: read as a peer's document is (an http
// or https address, never a private one, not a server the federation
// policy refuses), in 10 seconds, at most 2 MiB, then as AddCustomEmoji.
func (e *Engine) CopyCustomEmoji(ctx context.Context, by storage.ID, n NewEmoji, imageURL string) (storage.CustomEmoji, error) {
	if err := e.mayManageEmojis(ctx, by); err != nil {
		return storage.CustomEmoji{}, err
	}
	if !activitypub.ValidURL(imageURL) {
		return storage.CustomEmoji{}, fieldInvalid("image_url", "ERR_INVALID", "the image's address must be an http or https address")
	}
	ctx, cancel := context.WithTimeout(ctx, emojiFetchTimeout)
	defer cancel()
	// The federation policy's client: a refused server is not asked.
	resp, err := getOK(ctx, e.client, imageURL, "image/png, image/gif, image/webp, image/jpeg")
	var status *StatusError
	switch {
	case errors.As(err, &status):
		return storage.CustomEmoji{}, fieldInvalid("image_url", "ERR_UNREACHABLE", "the image could not be fetched: %s answered %d", imageURL, status.Code)
	case errors.Is(err, ErrPrivateAddress):
		return storage.CustomEmoji{}, fieldInvalid("image_url", "ERR_PRIVATE", "the image could not be fetched: %s is not a public address", urlHost(imageURL))
	case err != nil:
		e.log.InfoContext(ctx, "copy emoji: image not fetched", "url", imageURL, "err", err)
		return storage.CustomEmoji{}, fieldInvalid("image_url", "ERR_UNREACHABLE", "the image could not be fetched from %s", urlHost(imageURL))
	}
	defer resp.Body.Close()
	return e.AddCustomEmoji(ctx, by, n, resp.Body) // bounded there
}

// emojiFetchTimeout bounds the fetch of an emoji copied from elsewhere.
const emojiFetchTimeout = 10 * time.Second

// ChangeCustomEmoji changes emoji id's category and whether pickers show
// it, by by (0: the command line), who must manage custom emojis, and
// returns it as it now is.
func (e *Engine) ChangeCustomEmoji(ctx context.Context, by, id storage.ID, ch EmojiChange) (storage.CustomEmoji, error) {
	return e.onEmoji(ctx, by, id, AuditChangeEmoji, func(tx *storage.Tx, c *storage.CustomEmoji) ([]string, error) {
		if ch.Category != nil {
			n := NewEmoji{Shortcode: c.Shortcode, Category: *ch.Category}.clean()
			if err := n.validate(); err != nil {
				return nil, err
			}
			c.Category = n.Category
		}
		if ch.Hidden != nil {
			c.VisibleInPicker = !*ch.Hidden
		}
		picker := "shown"
		if !c.VisibleInPicker {
			picker = "hidden"
		}
		return []string{"category", c.Category, "picker", picker}, tx.SetCustomEmojiPicker(ctx, c.ID, c.Category, c.VisibleInPicker)
	})
}

// RemoveCustomEmoji removes emoji id, by by (0: the command line), who
// must manage custom emojis, and returns it. Its file is kept: posts that
// used it keep its address.
func (e *Engine) RemoveCustomEmoji(ctx context.Context, by, id storage.ID) (storage.CustomEmoji, error) {
	return e.onEmoji(ctx, by, id, AuditRemoveEmoji, func(tx *storage.Tx, c *storage.CustomEmoji) ([]string, error) {
		return nil, tx.DeleteCustomEmoji(ctx, c.ID)
	})
}

// onEmoji is every change of an emoji there is: for by, who must manage
// custom emojis (checked before the emoji is looked up: no 404 to those
// who may not), act changes emoji id in one transaction with the audit
// entry action, which records its shortcode and the details act returns.
func (e *Engine) onEmoji(ctx context.Context, by, id storage.ID, action string,
	act func(tx *storage.Tx, c *storage.CustomEmoji) (details []string, err error)) (storage.CustomEmoji, error) {
	if err := e.mayManageEmojis(ctx, by); err != nil {
		return storage.CustomEmoji{}, err
	}
	var c storage.CustomEmoji
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		var err error
		if c, err = tx.CustomEmojiByID(ctx, id); err != nil {
			return err
		}
		details, err := act(tx, &c)
		if err != nil {
			return err
		}
		return audit(ctx, tx, by, action, storage.AuditEmoji, c.ID, append([]string{"shortcode", c.Shortcode}, details...)...)
	})
	if err != nil {
		return storage.CustomEmoji{}, fmt.Errorf("%s %d: %w", strings.ReplaceAll(action, "_", " "), id, err)
	}
	return c, nil
}

// CustomEmojis lists the node's emojis, by category, then shortcode:
// anyone may read them, as apps do before anyone signs in.
func (e *Engine) CustomEmojis(ctx context.Context) ([]storage.CustomEmoji, error) {
	return e.store.CustomEmojis(ctx)
}

// Emoji is one of the node's emojis as posts and actors carry it.
func (e *Engine) Emoji(c storage.CustomEmoji) activitypub.Emoji {
	return activitypub.Emoji{Shortcode: c.Shortcode, URL: e.mediaURL(c.File), MediaType: c.MediaType,
		ID: e.urls.Emoji(c.ID), Updated: c.UpdatedAt}
}

// emojisIn is the node's emojis that texts name as :shortcode:, in the
// order first named, at most maxTextEmojis.
func (e *Engine) emojisIn(ctx context.Context, texts ...string) ([]activitypub.Emoji, error) {
	codes := shortcodesIn(texts...)
	if len(codes) == 0 {
		return nil, nil
	}
	found, err := e.store.CustomEmojisNamed(ctx, codes)
	if err != nil {
		return nil, err
	}
	byCode := make(map[string]storage.CustomEmoji, len(found))
	for _, c := range found {
		byCode[c.Shortcode] = c
	}
	var out []activitypub.Emoji
	for _, code := range codes {
		if c, ok := byCode[code]; ok {
			out = append(out, e.Emoji(c))
		}
	}
	return out, nil
}

// draftEmojis is the node's emojis a post's text, warning, title and
// poll options name.
func (e *Engine) draftEmojis(ctx context.Context, d Draft) ([]activitypub.Emoji, error) {
	texts := []string{d.Text, d.SpoilerText, d.Title}
	if d.Poll != nil {
		texts = append(texts, d.Poll.Options...)
	}
	emojis, err := e.emojisIn(ctx, texts...)
	if err != nil {
		return nil, fmt.Errorf("emojis of a post: %w", err)
	}
	return emojis, nil
}

// maxTextEmojis bounds the distinct shortcodes looked up for one post or
// profile (Mastodon's apps draw any number; peers keep up to 64).
const maxTextEmojis = 64

// shortcodesIn is the distinct :shortcode:s texts name, in the order
// first named, each standing alone (activitypub.EachShortcode).
func shortcodesIn(texts ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range texts {
		activitypub.EachShortcode(s, func(code string, _, _ int) bool {
			if !seen[code] {
				seen[code] = true
				out = append(out, code)
			}
			return len(out) < maxTextEmojis
		})
		if len(out) == maxTextEmojis {
			break
		}
	}
	return out
}
