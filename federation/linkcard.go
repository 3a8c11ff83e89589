package federation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html/charset"

	"github.com/copse-dev/copse/federation/imaging"
	"github.com/copse-dev/copse/storage"
)

// Link previews. A status (a member's or a peer's, new or edited) whose
// content links to a web page elsewhere gets that page's card: a worker
// reads the page (the engine's client, so no private address is ever
// dialled; not a host the node suspended), takes its OpenGraph title,
// description, site, author, language and date (parseCard) and stores
// the card under the page's address, shared by every status that links
// there and read again once stale. The page's image (og:image) is
// fetched by the node too, at most maxCardImage, and kept as a JPEG of
// at most cardImageSide pixels a side (imaging.Thumbnail) under the media
// directory, so that readers' apps load it from the node, never from the
// linked site; a card whose image cannot be had is kept without one.

const (
	// linkCardQueueSize bounds the statuses waiting for their card; a
	// full queue drops a status (it shows no card).
	linkCardQueueSize = 512
	// linkCardTimeout bounds one page read.
	linkCardTimeout = 10 * time.Second
	// maxCardPage is how much of a page is read: its head is at the start.
	maxCardPage = 256 << 10
	// cardFresh and emptyCardFresh are how long a card, and a read that
	// gave none, stand before the address is read again.
	cardFresh      = 14 * 24 * time.Hour
	emptyCardFresh = 24 * time.Hour
	// maxCardImage bounds the image file read; cardImageSide is the
	// longest side it is kept at (as Mastodon keeps a card's image).
	maxCardImage  = 4 << 20
	cardImageSide = 400
)

// queueLinkCard queues, once tx commits, the reading of the card of st,
// a status just made or edited (edited: its link may have changed or
// gone). A boost shows its original's card.
func (e *Engine) queueLinkCard(tx *storage.Tx, st storage.Status, edited bool) {
	if st.ReblogOfID != 0 || (!edited && !strings.Contains(st.Content, "<a ")) {
		return
	}
	tx.AfterCommit(func() {
		if !e.linkCards.add(st.ID) {
			e.log.Debug("link card not queued", slog.Any("status_id", st.ID))
		}
	})
}

// runLinkCards reads the queued statuses' cards until ctx ends.
func (e *Engine) runLinkCards(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-e.linkCards.ch:
			if err := e.linkCard(ctx, id); err != nil && ctx.Err() == nil {
				e.log.WarnContext(ctx, "link card", slog.Any("status_id", id), slog.Any("err", err))
			}
			e.linkCards.done(id)
		}
	}
}

// linkCard gives status id the card of the page its content links to
// (none when it links to none), reading the page when no fresh card of
// it is kept.
func (e *Engine) linkCard(ctx context.Context, id storage.ID) error {
	st, err := e.store.StatusByID(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	link := cardLink(st.Content, e.urls.Host())
	var card storage.PreviewCard
	if link != "" {
		if card, err = e.cardOf(ctx, link); err != nil {
			return err
		}
	}
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		if _, err := tx.StatusByID(ctx, id); errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		if card.Title == "" {
			return tx.SetStatusCard(ctx, id, 0)
		}
		return tx.SetStatusCard(ctx, id, card.ID)
	})
}

// cardOf returns the card of the page at link: the one kept while it is
// fresh, else what reading the page now gives, kept (a read that gave no
// card too, with no title).
func (e *Engine) cardOf(ctx context.Context, link string) (storage.PreviewCard, error) {
	kept, err := e.store.PreviewCardByURL(ctx, link)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return storage.PreviewCard{}, err
	}
	if err == nil {
		fresh := cardFresh
		if kept.Title == "" {
			fresh = emptyCardFresh
		}
		if e.now().Sub(kept.FetchedAt) < fresh {
			return kept, nil
		}
	}
	card, err := e.readCard(ctx, link)
	if err != nil {
		e.log.InfoContext(ctx, "link card: page not read", slog.String("url", link), slog.Any("err", err))
		card = storage.PreviewCard{URL: link} // kept empty, read again tomorrow
	}
	card.URL = link
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.PutPreviewCard(ctx, &card) }); err != nil {
		e.removeMedia(ctx, card.Image)
		return storage.PreviewCard{}, err
	}
	if kept.Image != "" && kept.Image != card.Image {
		e.removeMedia(ctx, kept.Image) // the earlier read's
	}
	return card, nil
}

// prunePreviewCards deletes the cards no status shows that are stale (a
// link in a new post reads the page again anyway), so that the cards of
// deleted and edited posts do not pile up.
func (e *Engine) prunePreviewCards(ctx context.Context) (int64, error) {
	var n int64
	var images []string
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		var err error
		n, images, err = tx.PrunePreviewCards(ctx, e.now().Add(-cardFresh))
		return err
	})
	if err == nil {
		e.removeMedia(ctx, images...)
	}
	return n, err
}

// readCard reads the page at link, an HTML page, and parses its card.
func (e *Engine) readCard(ctx context.Context, link string) (storage.PreviewCard, error) {
	ctx, cancel := context.WithTimeout(ctx, linkCardTimeout)
	defer cancel()
	resp, err := e.readLinked(ctx, link, "text/html, application/xhtml+xml;q=0.9")
	if err != nil {
		return storage.PreviewCard{}, err
	}
	defer resp.Body.Close()
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/html" && mt != "application/xhtml+xml" {
		return storage.PreviewCard{}, fmt.Errorf("read %s: a %q, not a web page", link, mt)
	}
	// The page's encoding, as its Content-Type or its <meta charset>
	// says, read as UTF-8.
	body, err := charset.NewReader(io.LimitReader(resp.Body, maxCardPage), resp.Header.Get("Content-Type"))
	if err != nil {
		return storage.PreviewCard{}, fmt.Errorf("read %s: %w", link, err)
	}
	page, err := io.ReadAll(io.LimitReader(body, 2*maxCardPage))
	if err != nil {
		return storage.PreviewCard{}, fmt.Errorf("read %s: %w", link, err)
	}
	// The page's own address after redirects names its site.
	card, image, ok := parseCard(page, resp.Request.URL)
	if ok && image != "" {
		if err := e.cardImage(ctx, image, &card); err != nil {
			e.log.InfoContext(ctx, "link card: image not kept", slog.String("url", image), slog.Any("err", err))
		}
	}
	return card, nil
}

// readLinked GETs link, a page or image a post links to, asking for
// accept: not on a host the node suspended, and with the client that is
// not the federation policy's (it is for peers; a link may go anywhere
// public, and the client still refuses private addresses). A status other
// than 200 is a *StatusError. The caller closes the body.
func (e *Engine) readLinked(ctx context.Context, link, accept string) (*http.Response, error) {
	u, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("link %q: %w", link, err)
	}
	if d := e.policy.Allows(u.Host); d.Block.Severity == storage.SeveritySuspend {
		return nil, fmt.Errorf("link to %s: the node suspended it: %w", u.Host, ErrDenied)
	}
	return getOK(ctx, e.pushClient, link, accept)
}

// getOK GETs link with client, asking for accept; a status other than
// 200 is a *StatusError. The caller closes the body.
func getOK(ctx context.Context, client *http.Client, link, accept string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, fmt.Errorf("link %q: %w", link, err)
	}
	req.Header.Set("Accept", accept)
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", link, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, &StatusError{URL: link, Code: resp.StatusCode}
	}
	return resp, nil
}

// cardImage fetches the image at link, a page's og:image, as readCard
// reads the page (not from a host the node suspended, never a private
// address), and keeps its thumbnail under the media directory as card's
// image. ctx bounds the whole read.
func (e *Engine) cardImage(ctx context.Context, link string, card *storage.PreviewCard) error {
	resp, err := e.readLinked(ctx, link, "image/jpeg, image/png, image/webp, image/gif;q=0.8")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxCardImage+1))
	if err != nil {
		return fmt.Errorf("read %s: %w", link, err)
	}
	if len(data) > maxCardImage {
		return fmt.Errorf("read %s: over %d bytes", link, maxCardImage)
	}
	var thumb imaging.File
	var hash string
	if err := e.withImageSlot(ctx, func() (err error) { thumb, hash, err = imaging.Thumbnail(ctx, data, cardImageSide); return err }); err != nil {
		return fmt.Errorf("image %s: %w", link, err)
	}
	file := newMediaStem() + "_card" + thumb.Ext
	if err := e.writeMedia(file, thumb.Data); err != nil {
		return err
	}
	card.Image, card.ImageWidth, card.ImageHeight, card.Blurhash = file, thumb.Width, thumb.Height, hash
	return nil
}
