package pages

import (
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
	"github.com/copse-dev/copse/web/session"
)

// Home renders the node's front page for a browser: what the node is, how
// to join it from an app, and its members' recent public posts. Any other
// client keeps the answer it always had for "/", not found.
func (h *Handler) Home(w http.ResponseWriter, r *http.Request) {
	if !httperr.WantsHTML(r) {
		h.NotFound(w, r)
		return
	}
	if err := h.home(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	sts, err := h.store.PublicTimeline(r.Context(), storage.TimelineFilter{Local: true}, p)
	if err != nil {
		return fmt.Errorf("home page posts: %w", err)
	}
	v := h.view("Home")
	v.Paged = p.MaxID != 0
	v.Empty = "No public posts yet."
	if v.Paged {
		v.Empty = "No older public posts."
	}
	if v.Statuses, err = h.listed(r, sts); err != nil {
		return err
	}
	v.Older = olderLink(r, sts, p)
	if me, ok := session.Member(r); ok && !v.Paged {
		list, err := h.engine.CurrentAnnouncements(r.Context(), me, false)
		if err != nil {
			return err
		}
		for _, a := range list {
			v.Announcements = append(v.Announcements, announcementView{ID: a.ID.String(), Content: template.HTML(a.Content),
				Published: a.PublishedAt.UTC().Format("2 January 2006"), When: announcementWhen(a.Announcement)})
		}
		v.Member = h.memberOf(r)
	}
	return h.render(w, r, http.StatusOK, "home", &v)
}

// announcementWhen says when what an announcement is about happens.
func announcementWhen(a storage.Announcement) string {
	layout := "2 January 2006, 15:04 MST"
	if a.AllDay {
		layout = "2 January 2006"
	}
	switch {
	case !a.StartsAt.IsZero() && !a.EndsAt.IsZero():
		return "From " + a.StartsAt.UTC().Format(layout) + " to " + a.EndsAt.UTC().Format(layout)
	case !a.StartsAt.IsZero():
		return "From " + a.StartsAt.UTC().Format(layout)
	}
	return ""
}

// DismissAnnouncement takes POST /announcements/{id}/dismiss from the
// home page: the member has read it, and it is shown no more (in apps
// either).
func (h *Handler) DismissAnnouncement(w http.ResponseWriter, r *http.Request) {
	me, ok := h.formPost(w, r, "/", h.readText)
	if !ok {
		return
	}
	id, err := storage.ParseID(chi.URLParam(r, "id"))
	if err == nil {
		err = h.engine.DismissAnnouncement(r.Context(), me, id)
	}
	if err != nil {
		h.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// Tag renders the public posts with a hashtag, newest first.
func (h *Handler) Tag(w http.ResponseWriter, r *http.Request) {
	if err := h.tag(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) tag(w http.ResponseWriter, r *http.Request) error {
	name, ok := federation.NormalizeTag(chi.URLParam(r, "name"))
	if !ok {
		return fmt.Errorf("hashtag %q: %w", chi.URLParam(r, "name"), storage.ErrNotFound)
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	sts, err := h.store.TagTimeline(r.Context(), storage.TagQuery{Any: []string{name}}, storage.TimelineFilter{}, p)
	if err != nil {
		return fmt.Errorf("hashtag page posts: %w", err)
	}
	v := h.view("#" + name)
	v.Tag = name
	v.Paged = p.MaxID != 0
	v.Empty = "No public posts with this hashtag yet."
	if v.Paged {
		v.Empty = "No older public posts with this hashtag."
	}
	if v.Statuses, err = h.listed(r, sts); err != nil {
		return err
	}
	v.Older = olderLink(r, sts, p)
	return h.render(w, r, http.StatusOK, "tag", &v)
}

// listed makes views of posts from many authors, reading the authors,
// and the link previews, in one query each.
func (h *Handler) listed(r *http.Request, sts []storage.Status) ([]statusView, error) {
	ids := make([]storage.ID, 0, len(sts))
	for _, st := range sts {
		ids = append(ids, st.AccountID)
	}
	authors, err := h.store.AccountsByIDs(r.Context(), ids)
	if err != nil {
		return nil, fmt.Errorf("authors of posts: %w", err)
	}
	cards, err := h.store.CardsOf(r.Context(), statusIDs(sts))
	if err != nil {
		return nil, fmt.Errorf("link previews of posts: %w", err)
	}
	polls, err := h.store.PollsOf(r.Context(), statusIDs(sts))
	if err != nil {
		return nil, fmt.Errorf("polls of posts: %w", err)
	}
	now := h.store.Now()
	out := make([]statusView, 0, len(sts))
	for _, st := range sts {
		a, ok := authors[st.AccountID]
		if !ok {
			continue // deleted while we read; the next load will not list it
		}
		v := h.statusViewOf(st, a, cards)
		if p, ok := polls[st.ID]; ok {
			v.Poll = pollViewOf(st, p, now)
		}
		out = append(out, v)
	}
	return out, nil
}

// aboutView is the about page's facts beyond the node's own.
type aboutView struct {
	Rules []string
	// Privacy and Accessibility are the node's notices, by paragraph.
	Privacy, Accessibility []string
	Staff                  []staffView
	Members                int
	// Joining is the registration mode (federation.Registrations*) and,
	// when open, the email domains that join without approval.
	Joining        string
	JoiningDomains []string
	// Allowlist: the node federates with the Allowed domains alone;
	// otherwise with any but the Blocked ones.
	Allowlist bool
	Blocked   []federation.PublishedBlock
	Allowed   []string
}

// staffView is a moderator or administrator as the about page lists them.
type staffView struct {
	Name, Acct, URL, Role string
}

// About renders who runs the node and on what terms: its description,
// contact, rules, moderators and administrators, and software.
func (h *Handler) About(w http.ResponseWriter, r *http.Request) {
	if err := h.about(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) about(w http.ResponseWriter, r *http.Request) error {
	members, err := h.store.Members(r.Context())
	if err != nil {
		return fmt.Errorf("about page: %w", err)
	}
	a := &aboutView{Rules: h.facts.Rules, Privacy: paragraphs(h.facts.PrivacyNotice),
		Accessibility: paragraphs(h.facts.AccessibilityStatement)}
	for _, m := range members {
		if !m.Account.SuspendedAt.IsZero() {
			continue
		}
		a.Members++
		role := ""
		switch m.User.Permission {
		case storage.PermissionAdmin:
			role = "administrator"
		case storage.PermissionModerator:
			role = "moderator"
		default:
			continue
		}
		a.Staff = append(a.Staff, staffView{Name: cmp.Or(m.Account.DisplayName, m.Account.Username),
			Acct: m.Account.Username + "@" + h.node.Host, URL: h.urls.Profile(m.Account.Username), Role: role})
	}
	reg := h.engine.Registrations()
	a.Joining, a.JoiningDomains = reg.Mode, reg.Domains
	a.Allowlist = h.engine.Policy().Mode() == storage.FederationAllowlist
	blocks, err := h.store.NodeDomainBlocks(r.Context())
	if err != nil {
		return fmt.Errorf("about page: %w", err)
	}
	a.Blocked = federation.PublishBlocks(blocks)
	if a.Allowlist {
		allows, err := h.store.NodeDomainAllows(r.Context())
		if err != nil {
			return fmt.Errorf("about page: %w", err)
		}
		for _, d := range allows {
			a.Allowed = append(a.Allowed, d.Domain)
		}
	}
	v := h.view("About")
	v.About = a
	return h.render(w, r, http.StatusOK, "about", &v)
}

// paragraphs splits plain text at blank lines.
func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
