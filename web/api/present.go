package api

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// presenter turns storage rows into entities: it loads what an entity
// needs first, then converts. One presenter serves one request, caching
// accounts it has already rendered.
type presenter struct {
	store    storage.Reader
	engine   *federation.Engine
	urls     federation.URLs
	viewer   storage.Account // zero: anonymous
	accounts map[storage.ID]Account
	filters  *filterSet // the viewer's filters, loaded on first use (filters.go)
	now      func() time.Time

	// What preload read ahead for a page of statuses; status queries for
	// whatever is not here.
	boosted   map[storage.ID]storage.Status // the statuses reblogs boost
	mentioned map[storage.ID]storage.Account
	stats     map[storage.ID]storage.StatusStats
	flags     map[storage.ID]storage.StatusFlags
	cards     map[storage.ID]*storage.PreviewCard // read ahead: a status's card, nil for none
}

func (h *Handler) presenter(viewer storage.Account) *presenter {
	return &presenter{store: h.store, engine: h.engine, urls: h.urls, viewer: viewer, accounts: map[storage.ID]Account{}, now: h.now,
		boosted: map[storage.ID]storage.Status{}, mentioned: map[storage.ID]storage.Account{},
		stats: map[storage.ID]storage.StatusStats{}, flags: map[storage.ID]storage.StatusFlags{},
		cards: map[storage.ID]*storage.PreviewCard{}}
}

// isoTime formats a time as Mastodon does: UTC with milliseconds.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func isoDate(t time.Time) string { return t.UTC().Format("2006-01-02") }

func (p *presenter) accountByID(ctx context.Context, id storage.ID) (Account, error) {
	if a, ok := p.accounts[id]; ok {
		return a, nil
	}
	a, err := p.store.AccountByID(ctx, id)
	if err != nil {
		return Account{}, fmt.Errorf("account %d: %w", id, err)
	}
	return p.account(ctx, a)
}

// account renders an account with its counts.
func (p *presenter) account(ctx context.Context, a storage.Account) (Account, error) {
	if e, ok := p.accounts[a.ID]; ok {
		return e, nil
	}
	stats, err := p.store.AccountStats(ctx, a.ID)
	if err != nil {
		return Account{}, err
	}
	e := accountEntity(a, stats, p.urls)
	p.accounts[a.ID] = e
	if a.MovedTo == "" {
		return e, nil
	}
	// Mastodon's moved: the account it moved to, if known here (one
	// step: a chain of moves is not followed).
	to, err := p.store.AccountByURI(ctx, a.MovedTo)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && to.ID == a.ID) {
		return e, nil
	}
	if err != nil {
		return Account{}, fmt.Errorf("account %d moved to %s: %w", a.ID, a.MovedTo, err)
	}
	toStats, err := p.store.AccountStats(ctx, to.ID)
	if err != nil {
		return Account{}, err
	}
	moved := accountEntity(to, toStats, p.urls)
	e.Moved = &moved
	p.accounts[a.ID] = e
	return e, nil
}

// accountEntity converts an account; it does no I/O.
func accountEntity(a storage.Account, s storage.AccountStats, urls federation.URLs) Account {
	e := Account{
		ID:             a.ID.String(),
		Username:       a.Username,
		Acct:           a.Acct(),
		DisplayName:    a.DisplayName,
		Locked:         a.Locked,
		Bot:            a.Bot,
		Discoverable:   a.Discoverable,
		Group:          a.ActorType == activitypub.TypeGroup,
		CreatedAt:      isoTime(time.Date(a.CreatedAt.Year(), a.CreatedAt.Month(), a.CreatedAt.Day(), 0, 0, 0, 0, time.UTC)),
		Note:           a.Note,
		URL:            a.URL,
		URI:            a.URI,
		Avatar:         a.AvatarURL,
		Header:         a.HeaderURL,
		FollowersCount: s.Followers,
		FollowingCount: s.Following,
		StatusesCount:  s.Statuses,
		Emojis:         emojiEntities(a.Emojis),
		Fields:         []Field{},
	}
	if e.URL == "" {
		e.URL = a.URI
	}
	if e.Avatar == "" {
		e.Avatar = urls.Base + "/avatars/original/missing.png"
	}
	if e.Header == "" {
		e.Header = urls.Base + "/headers/original/missing.png"
	}
	e.AvatarStatic, e.HeaderStatic = e.Avatar, e.Header
	if !s.LastStatusAt.IsZero() {
		d := isoDate(s.LastStatusAt)
		e.LastStatusAt = &d
	}
	for _, f := range federation.ActorOf(a).Fields {
		e.Fields = append(e.Fields, Field{Name: f.Name, Value: f.Value})
	}
	return e
}

// statuses renders statuses for the viewer.
func (p *presenter) statuses(ctx context.Context, sts []storage.Status) ([]Status, error) {
	if err := p.preload(ctx, sts); err != nil {
		return nil, err
	}
	out := make([]Status, 0, len(sts))
	for _, st := range sts {
		e, err := p.status(ctx, st)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// status renders one status (and the status it reblogs).
func (p *presenter) status(ctx context.Context, st storage.Status) (Status, error) {
	author, err := p.accountByID(ctx, st.AccountID)
	if err != nil {
		return Status{}, err
	}
	if st.ReblogOfID != 0 {
		orig, ok := p.boosted[st.ReblogOfID]
		if !ok {
			if orig, err = p.store.StatusByID(ctx, st.ReblogOfID); err != nil {
				return Status{}, fmt.Errorf("reblogged status %d: %w", st.ReblogOfID, err)
			}
		}
		inner, err := p.status(ctx, orig)
		if err != nil {
			return Status{}, err
		}
		e := Status{ID: st.ID.String(), URI: st.URI, CreatedAt: isoTime(st.CreatedAt), Account: author,
			Content: "", Visibility: string(st.Visibility), Reblog: &inner,
			MediaAttachments: []Attachment{}, Mentions: []Mention{}, Tags: []Tag{}, Emojis: []CustomEmoji{}, Filtered: []any{},
			Favourited: inner.Favourited, Reblogged: inner.Reblogged, Bookmarked: inner.Bookmarked, Muted: inner.Muted}
		return e, nil
	}
	stats, ok := p.stats[st.ID]
	if !ok {
		if stats, err = p.store.StatusStats(ctx, st.ID, p.viewer.ID); err != nil {
			return Status{}, err
		}
	}
	var mentions []storage.Account
	for _, id := range st.Mentions {
		a, ok := p.mentioned[id]
		if !ok {
			if a, err = p.store.AccountByID(ctx, id); err != nil {
				return Status{}, fmt.Errorf("mention %d: %w", id, err)
			}
		}
		mentions = append(mentions, a)
	}
	e := statusEntity(st, author, mentions, stats, p.urls)
	card, read := p.cards[st.ID]
	if !read {
		cards, err := p.store.CardsOf(ctx, []storage.ID{st.ID})
		if err != nil {
			return Status{}, err
		}
		if c, ok := cards[st.ID]; ok {
			card = &c
		}
	}
	if card != nil {
		e.Card = cardEntity(*card, p.urls)
	}
	if poll, err := p.poll(ctx, st); err != nil { // polls.go
		return Status{}, err
	} else if poll != nil {
		e.Poll = poll
	}
	if p.viewer.ID == st.AccountID && st.Local {
		e.Application = &Application{Name: "copse"}
	}
	if p.viewer.ID != 0 {
		flags, ok := p.flags[st.ID]
		if !ok {
			if flags, err = p.store.StatusFlags(ctx, st.ID, p.viewer.ID); err != nil {
				return Status{}, err
			}
		}
		e.Bookmarked, e.Pinned, e.Muted = flags.Bookmarked, flags.Pinned, flags.Muted
	}
	return e, nil
}

// preload reads what status needs for a page of statuses with one query
// per kind rather than several per status: the statuses its reblogs
// boost, the authors (with their counts) and mentioned accounts, and
// each shown status's counts and the viewer's flags.
func (p *presenter) preload(ctx context.Context, sts []storage.Status) error {
	var want []storage.ID
	for _, st := range sts {
		if _, ok := p.boosted[st.ReblogOfID]; st.ReblogOfID != 0 && !ok {
			want = append(want, st.ReblogOfID)
		}
	}
	if len(want) > 0 {
		boosted, err := p.store.StatusesByIDs(ctx, want)
		if err != nil {
			return err
		}
		for id, st := range boosted {
			p.boosted[id] = st
		}
	}
	// The statuses shown with their own content, counts and flags.
	shown := make([]storage.Status, 0, len(sts))
	for _, st := range sts {
		if st.ReblogOfID == 0 {
			shown = append(shown, st)
		} else if orig, ok := p.boosted[st.ReblogOfID]; ok {
			shown = append(shown, orig)
		}
	}

	var authors, accounts, ids []storage.ID
	seen := map[storage.ID]bool{}
	for _, st := range sts {
		if _, ok := p.accounts[st.AccountID]; !ok && !seen[st.AccountID] {
			seen[st.AccountID] = true
			authors = append(authors, st.AccountID)
		}
	}
	for _, st := range shown {
		if _, ok := p.accounts[st.AccountID]; !ok && !seen[st.AccountID] {
			seen[st.AccountID] = true
			authors = append(authors, st.AccountID)
		}
	}
	accounts = append(accounts, authors...)
	for _, st := range shown {
		for _, id := range st.Mentions {
			if _, ok := p.mentioned[id]; !ok && !seen[id] {
				seen[id] = true
				accounts = append(accounts, id)
			}
		}
	}
	clear(seen)
	unique := make([]storage.Status, 0, len(shown))
	for _, st := range shown {
		if !seen[st.ID] {
			seen[st.ID] = true
			ids = append(ids, st.ID)
			unique = append(unique, st)
		}
	}

	found, err := p.store.AccountsByIDs(ctx, accounts)
	if err != nil {
		return err
	}
	counts, err := p.store.AccountStatsByIDs(ctx, authors)
	if err != nil {
		return err
	}
	for _, id := range authors {
		if a, ok := found[id]; ok {
			p.accounts[id] = accountEntity(a, counts[id], p.urls)
		}
	}
	for _, st := range shown {
		for _, id := range st.Mentions {
			if a, ok := found[id]; ok {
				p.mentioned[id] = a
			}
		}
	}
	stats, err := p.store.StatusStatsByIDs(ctx, ids, p.viewer.ID)
	if err != nil {
		return err
	}
	for id, s := range stats {
		p.stats[id] = s
	}
	cards, err := p.store.CardsOf(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		p.cards[id] = nil
		if c, ok := cards[id]; ok {
			p.cards[id] = &c
		}
	}
	if p.viewer.ID != 0 {
		// From the rows in hand: walking up a thread from its replies'
		// own rows would read each of them again.
		flags, err := p.store.StatusFlagsOf(ctx, unique, p.viewer.ID)
		if err != nil {
			return err
		}
		for id, f := range flags {
			p.flags[id] = f
		}
	}
	return nil
}

// statusEntity converts a status; it does no I/O.
func statusEntity(st storage.Status, author Account, mentions []storage.Account, s storage.StatusStats, urls federation.URLs) Status {
	content := st.Content
	if st.Title != "" {
		// An artefact (Article): apps show content only, so lead with the title.
		content = "<p><strong>" + html.EscapeString(st.Title) + "</strong></p>" + content
	}
	e := Status{
		ID:               st.ID.String(),
		URI:              st.URI,
		CreatedAt:        isoTime(st.CreatedAt),
		Account:          author,
		Content:          content,
		Visibility:       string(st.Visibility),
		Sensitive:        st.Sensitive,
		SpoilerText:      st.SpoilerText,
		MediaAttachments: []Attachment{},
		Mentions:         []Mention{},
		Tags:             []Tag{},
		Emojis:           emojiEntities(st.Emojis),
		ReblogsCount:     s.Reblogs,
		FavouritesCount:  s.Favourites,
		RepliesCount:     s.Replies,
		Favourited:       s.Favourited,
		Reblogged:        s.Reblogged,
		Filtered:         []any{},
	}
	if st.URL != "" {
		u := st.URL
		e.URL = &u
	}
	if !st.EditedAt.IsZero() {
		t := isoTime(st.EditedAt)
		e.EditedAt = &t
	}
	if st.Language != "" {
		l := st.Language
		e.Language = &l
	}
	if st.InReplyToID != 0 {
		id := st.InReplyToID.String()
		e.InReplyToID = &id
		if st.InReplyToAccountID != 0 {
			aid := st.InReplyToAccountID.String()
			e.InReplyToAccountID = &aid
		}
	}
	for _, m := range mentions {
		url := m.URL
		if url == "" {
			url = m.URI
		}
		e.Mentions = append(e.Mentions, Mention{ID: m.ID.String(), Username: m.Username, URL: url, Acct: m.Acct()})
	}
	for _, t := range st.Tags {
		e.Tags = append(e.Tags, Tag{Name: t, URL: urls.Tag(t)})
	}
	for _, a := range st.Attachments {
		e.MediaAttachments = append(e.MediaAttachments, attachmentEntity(a))
	}
	return e
}

// attachmentEntity is Mastodon's MediaAttachment. A remote attachment
// (no file here) keeps its peer's URL as url and remote_url, as Mastodon
// shows media it has not cached, and its preview is the peer's file too
// for an image (there is no other) and null otherwise; its meta comes
// from the peer's Document, so apps can lay it out before it loads.
func attachmentEntity(a storage.Attachment) Attachment {
	e := Attachment{ID: a.ID.String(), Type: mediaKind(a.MediaType), URL: a.URL}
	if a.MediaType == "image/gif" {
		// Mastodon's "gifv" is a silent MP4 that apps play in a <video>,
		// where a GIF file does not play; an <img> animates it.
		e.Type = "image"
	}
	remote := a.File == ""
	if remote {
		u := a.URL
		e.RemoteURL = &u
	}
	if a.Description != "" {
		d := a.Description
		e.Description = &d
	}
	if a.Blurhash != "" {
		b := a.Blurhash
		e.Blurhash = &b
	}
	switch {
	case a.PreviewURL != "":
		p := a.PreviewURL
		e.PreviewURL = &p
	case !remote || e.Type == "image":
		p := a.URL
		e.PreviewURL = &p
	}
	size := func(w, h int) map[string]any {
		return map[string]any{"width": w, "height": h, "size": fmt.Sprintf("%dx%d", w, h), "aspect": float64(w) / float64(h)}
	}
	meta := map[string]any{}
	if a.Width > 0 && a.Height > 0 {
		meta["original"], meta["small"] = size(a.Width, a.Height), size(a.Width, a.Height)
	}
	if a.PreviewWidth > 0 && a.PreviewHeight > 0 {
		meta["small"] = size(a.PreviewWidth, a.PreviewHeight)
	}
	if !remote || e.Type == "image" {
		// A peer's focal point is untrusted: apps divide by it and crop
		// with it, so it is kept within -1..1.
		clamp := func(v float64) float64 { return max(-1, min(1, v)) }
		meta["focus"] = map[string]any{"x": clamp(a.FocusX), "y": clamp(a.FocusY)}
	}
	if len(meta) > 0 {
		e.Meta = meta
	}
	return e
}

func mediaKind(mediaType string) string {
	switch {
	case mediaType == "image/gif":
		return "gifv"
	case strings.HasPrefix(mediaType, "image/"):
		return "image"
	case strings.HasPrefix(mediaType, "video/"):
		return "video"
	case strings.HasPrefix(mediaType, "audio/"):
		return "audio"
	}
	return "unknown"
}
