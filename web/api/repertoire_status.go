package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strings"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// A community's artefacts, glossary terms and events as Mastodon
// statuses (issue 13 item 6): apps show only statuses, accounts and
// hashtags, so /api/v2/search answers the artefacts, terms and events it
// finds as statuses, and GET /api/v1/statuses/:id shows one, so that an
// app can open it.
//
// Such a status is the community's: its account is the community's
// Group (an artefact may have several authors, some unknown here, and
// it is the Group that announces it), its content the title (a link to
// the artefact's page, the glossary's or the events page) and the
// summary, the definition, or an event's start, place and description,
// its visibility public, or private for a members-only community. Its id
// is the artefact's, term's or event's own: one generator
// (storage.Store.NewID) makes the IDs of statuses, artefacts, terms and
// events alike, so they never collide, and a status of the same id would
// win.
// Nothing else a status has applies: no replies, likes, boosts,
// bookmarks, pins or edits, which answer 422.

// repertoireItem is an artefact, a glossary term or an event: exactly
// one of them has an ID.
type repertoireItem struct {
	artefact storage.Artefact
	term     storage.Term
	event    storage.CommunityEvent
}

func (it repertoireItem) id() storage.ID {
	switch {
	case it.artefact.ID != 0:
		return it.artefact.ID
	case it.event.ID != 0:
		return it.event.ID
	}
	return it.term.ID
}

func (it repertoireItem) communityID() storage.ID {
	switch {
	case it.artefact.ID != 0:
		return it.artefact.CommunityID
	case it.event.ID != 0:
		return it.event.CommunityID
	}
	return it.term.CommunityID
}

// kind names what the item is, for people.
func (it repertoireItem) kind() string {
	switch {
	case it.artefact.ID != 0:
		return "artefact"
	case it.event.ID != 0:
		return "event"
	}
	return "glossary term"
}

// notAStatusError is the answer to anything but reading it, asked of an
// artefact or term through a status route: 422, with the item, so that
// GET /api/v1/statuses/:id can show it instead.
type notAStatusError struct {
	item repertoireItem
	err  error
}

func notAStatus(it repertoireItem) error {
	return &notAStatusError{item: it, err: httperr.New(http.StatusUnprocessableEntity,
		"This is a community's "+it.kind()+", not a post: it cannot be replied to, favourited, boosted, bookmarked, pinned, muted or edited; open its page instead")}
}

func (e *notAStatusError) Error() string { return e.err.Error() }
func (e *notAStatusError) Unwrap() error { return e.err }

// orRepertoire is the error a status route answers when no status has
// id: notAStatus when id names an artefact or term that viewer may
// read, else notFound (storage.ErrNotFound) as before; so nobody learns
// of an artefact they may not read.
func (h *Handler) orRepertoire(ctx context.Context, viewer storage.Account, id storage.ID, notFound error) error {
	it, err := h.repertoireByID(ctx, viewer, id)
	if errors.Is(err, storage.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	return notAStatus(it)
}

// repertoireByID finds the artefact, term or event id names, if viewer
// may read it (federation.Engine.ArtefactReadable, TermReadable,
// EventReadable); anything else is storage.ErrNotFound.
func (h *Handler) repertoireByID(ctx context.Context, viewer storage.Account, id storage.ID) (repertoireItem, error) {
	r, err := h.store.RepertoireByID(ctx, id)
	if err != nil {
		return repertoireItem{}, err
	}
	return h.readable(ctx, viewer, repertoireItem{artefact: r.Artefact, term: r.Term, event: r.Event})
}

// repertoireByURI finds the artefact, term or event whose ActivityPub id
// is uri, held here, if viewer may read it; anything else is
// storage.ErrNotFound.
func (h *Handler) repertoireByURI(ctx context.Context, viewer storage.Account, uri string) (repertoireItem, error) {
	r, err := h.store.RepertoireByURI(ctx, uri)
	if err != nil {
		return repertoireItem{}, err
	}
	return h.readable(ctx, viewer, repertoireItem{artefact: r.Artefact, term: r.Term, event: r.Event})
}

// readable passes it on if viewer may read it, by the community rule.
func (h *Handler) readable(ctx context.Context, viewer storage.Account, it repertoireItem) (repertoireItem, error) {
	var ok bool
	var err error
	switch {
	case it.artefact.ID != 0:
		ok, err = h.engine.ArtefactReadable(ctx, viewer, it.artefact)
	case it.event.ID != 0:
		ok, err = h.engine.EventReadable(ctx, viewer, it.event)
	default:
		ok, err = h.engine.TermReadable(ctx, viewer, it.term)
	}
	if errors.Is(err, storage.ErrNotFound) || err == nil && !ok {
		return repertoireItem{}, storage.ErrNotFound
	}
	if err != nil {
		return repertoireItem{}, err
	}
	return it, nil
}

// searchRepertoire finds, for a status search, the artefacts, terms and
// events of the communities the viewer may read (the engine asks the
// community rule of each, as the copse API's search does), best match
// first, from offset, at most limit; with account_id, those of that
// community (a Group) or by that author. A query the repertoire search
// refuses (too long, an offset past its bound) finds none there.
func (h *Handler) searchRepertoire(ctx context.Context, s searchRequest, offset, limit int) ([]Status, error) {
	if offset > storage.MaxRepertoireOffset || limit <= 0 {
		return nil, nil
	}
	q := federation.RepertoireQuery{Query: s.q, NoThreads: true, Limit: min(limit, storage.MaxRepertoireLimit), Offset: offset}
	var hits []storage.RepertoireHit
	var err error
	switch {
	case s.account == 0:
		hits, err = h.engine.SearchCommunities(ctx, s.viewer, q)
	default:
		var a storage.Account
		if a, err = h.store.AccountByID(ctx, s.account); err != nil {
			break
		}
		if a.ActorType == activitypub.TypeGroup {
			hits, err = h.engine.SearchCommunity(ctx, s.viewer, a, q)
			break
		}
		q.Author = a.ID
		hits, err = h.engine.SearchCommunities(ctx, s.viewer, q)
	}
	var inv *federation.InvalidError
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, federation.ErrDenied) || errors.As(err, &inv) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("search repertoire: %w", err)
	}
	p := h.presenter(s.viewer)
	groups := map[storage.ID]groupHead{} // hits of one community share its account
	out := make([]Status, 0, len(hits))
	for _, hit := range hits {
		var it repertoireItem
		switch hit.Type {
		case storage.HitArtefact:
			it.artefact, err = h.store.ArtefactByID(ctx, hit.ID)
		case storage.HitTerm:
			it.term, err = h.store.TermByID(ctx, hit.ID)
		case storage.HitEvent:
			it.event, err = h.store.CommunityEventByID(ctx, hit.ID)
		default:
			continue
		}
		if errors.Is(err, storage.ErrNotFound) {
			continue // deleted since the search
		}
		if err != nil {
			return nil, fmt.Errorf("search repertoire: %w", err)
		}
		e, err := p.repertoireStatusIn(ctx, it, groups)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// groupHead is what a repertoire status shows of its community: the
// Group's account, as stored and as an entity, and whether it is
// members-only.
type groupHead struct {
	g           storage.Account
	entity      Account
	membersOnly bool
}

// repertoireStatus renders an artefact, term or event as a Status.
func (p *presenter) repertoireStatus(ctx context.Context, it repertoireItem) (Status, error) {
	return p.repertoireStatusIn(ctx, it, nil)
}

// repertoireStatusIn is repertoireStatus reading each community once
// into groups (when not nil), for a page of results.
func (p *presenter) repertoireStatusIn(ctx context.Context, it repertoireItem, groups map[storage.ID]groupHead) (Status, error) {
	head, ok := groups[it.communityID()]
	if !ok {
		g, err := p.store.AccountByID(ctx, it.communityID())
		if err != nil {
			return Status{}, fmt.Errorf("community of %s %d: %w", it.kind(), it.id(), err)
		}
		head.g = g
		if head.entity, err = p.account(ctx, g); err != nil {
			return Status{}, err
		}
		if head.membersOnly, err = p.store.CommunityMembersOnly(ctx, g.ID); err != nil {
			return Status{}, err
		}
		if groups != nil {
			groups[g.ID] = head
		}
	}
	g, membersOnly := head.g, head.membersOnly
	e := Status{Account: head.entity, Visibility: "public", MediaAttachments: []Attachment{}, Mentions: []Mention{},
		Tags: []Tag{}, Emojis: []CustomEmoji{}, Filtered: []any{}}
	if membersOnly {
		e.Visibility = "private"
	}
	var page, title, body string
	var tags []string
	created := it.artefact.CreatedAt
	label := "Artefact"
	switch {
	case it.artefact.ID != 0:
		a := it.artefact
		e.ID, e.URI = a.ID.String(), a.URI
		page = cmp.Or(a.URL, a.URI)
		if a.Local {
			page = p.urls.ArtefactPage(g.Username, a.ID)
		}
		title, tags = a.Title, a.Tags
		if a.Summary != "" {
			body = "<p>" + html.EscapeString(a.Summary) + "</p>"
		}
		if a.Version > 1 {
			t := isoTime(a.UpdatedAt)
			e.EditedAt = &t
		}
	case it.event.ID != 0:
		ev := it.event
		e.ID, e.URI = ev.ID.String(), ev.URI
		page = cmp.Or(ev.URL, ev.URI)
		if ev.Local {
			page = p.urls.EventPage(g.Username, ev.ID)
		}
		title, body, label = ev.Name, eventStatusBody(ev), "Event"
		created = ev.CreatedAt
		if ev.UpdatedAt.After(ev.CreatedAt) {
			s := isoTime(ev.UpdatedAt)
			e.EditedAt = &s
		}
	default:
		label = "Glossary term"
		t := it.term
		e.ID, e.URI = t.ID.String(), t.URI
		page = cmp.Or(t.URL, t.URI)
		if t.Local {
			page = p.urls.GlossaryPage(g.Username) + "#" + federation.TermAnchor(t.Term)
		}
		title, body = t.Term, t.DefinitionHTML // sanitised when stored
		if t.Tag != "" {
			tags = []string{t.Tag}
		}
		created = t.CreatedAt
		if t.Version > 1 {
			s := isoTime(t.UpdatedAt)
			e.EditedAt = &s
		}
	}
	e.CreatedAt = isoTime(created)
	e.URL = &page
	e.Content = "<p>" + label + `: <a href="` + html.EscapeString(page) + `">` + html.EscapeString(title) + "</a></p>" + body
	for _, t := range tags {
		e.Tags = append(e.Tags, Tag{Name: t, URL: p.urls.Tag(t)})
	}
	return e, nil
}

// eventStatusBody is what a status of an event says under its name: when
// it starts (in its time zone, with the instant for machines), where, and
// its description (sanitised when stored).
func eventStatusBody(ev storage.CommunityEvent) string {
	loc, err := time.LoadLocation(ev.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	b := `<p><time datetime="` + isoTime(ev.Start) + `">` + ev.Start.In(loc).Format("Monday 2 January 2006, 15:04 MST") + `</time>`
	where := strings.Trim(strings.TrimSpace(ev.PlaceName+", "+ev.PlaceAddress), ", ")
	if where == "" && ev.OnlineURL != "" {
		where = "Online"
	}
	if where != "" {
		b += " · " + html.EscapeString(where)
	}
	if ev.Cancelled() {
		b += " · Cancelled"
	}
	return b + "</p>" + ev.DescriptionHTML
}
