// Package pages serves copse's server-rendered HTML for people with a
// browser: the home and about pages, hashtags, public profiles and posts
// (the same URLs peers fetch as ActivityPub), and error pages. Every page
// shares one layout and one style sheet and works without JavaScript; the
// layout is lent to web/auth's sign-in and settings pages (Layout).
// It only reads the store: changes go through the engine.
package pages

import (
	"bytes"
	"cmp"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
	"github.com/copse-dev/copse/web/session"
)

//go:embed templates/*.html
var files embed.FS

// pageSize is the number of posts a list page shows.
const pageSize = 20

// Options configure the pages; what they say about the node comes from
// the engine (federation.About).
type Options struct {
	Version string
	Log     *slog.Logger
}

// Handler renders pages from the store.
type Handler struct {
	store  storage.Reader
	engine *federation.Engine
	urls   federation.URLs
	node   Node
	facts  federation.About
	log    *slog.Logger
	pages  *PageSet
	// rosters are communities' member lists as rendered (rosterHTML),
	// by community, under their roster's version.
	rosters storage.Versioned[storage.ID, template.HTML]
	// descriptions are communities' descriptions as rendered, by
	// community, under a hash of their Markdown (renderDescription).
	descriptions storage.Versioned[storage.ID, template.HTML]
}

// pageNames are the templates that each make a page inside the layout.
var pageNames = []string{"home", "about", "tag", "profile", "status", "error", "communities", "community", "thread", "directory", "library", "artefact", "glossary", "term_history", "events", "event", "search", "join_requests", "moderation_log", "community_reports", "notifications", "members"}

// formNames are the templates of the repertoire's forms (forms.go).
var formNames = []string{"artefact_form", "term_form", "event_form", "post_form", "community_form", "report_form", "find_community"}

// New checks that the templates parse; a broken template fails at
// start-up. Each page is parsed for use when it is first shown (PageSet).
func New(engine *federation.Engine, o Options) (*Handler, error) {
	urls := engine.URLs()
	about := engine.About()
	h := &Handler{store: engine.Reader(), engine: engine, urls: urls, facts: about,
		log: cmp.Or(o.Log, slog.Default()).With("component", "pages"),
		node: Node{Name: about.Name, Host: urls.Host(), Description: about.Description,
			Contact: about.Contact, Version: o.Version, CSS: cssURL}}
	forms := map[string]bool{}
	for _, name := range formNames {
		forms[name] = true
	}
	var err error
	h.pages, err = NewPageSet(append(append([]string{}, pageNames...), formNames...), func(name string) (*template.Template, error) {
		parts := []string{"templates/parts.html"}
		if forms[name] {
			parts = append(parts, "templates/fields_form.html")
		}
		t, err := parseInLayout(files, append(parts, "templates/"+name+".html")...)
		if err != nil {
			return nil, fmt.Errorf("parse %s page: %w", name, err)
		}
		return t, nil
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// Mount adds the page routes to r. What any of them answers a member
// signed in is hers alone (privateToMembers).
func (h *Handler) Mount(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(privateToMembers)
		r.Get("/", h.Home)
		r.Post("/announcements/{id}/dismiss", h.DismissAnnouncement)
		r.Get("/about", h.About)
		r.Get("/tags/{name}", h.Tag)
		r.Get("/@{username}", h.profileOrCommunity)
		r.Get("/communities", h.Communities)
		r.Get("/communities/new", h.NewCommunityForm)
		r.Get("/communities/find", h.FindCommunity)
		r.Post("/communities/new", h.CreateCommunity)
		r.Get("/c/{handle}/edit", h.EditCommunityForm)
		r.Post("/c/{handle}/edit", h.EditCommunity)
		r.Get("/c/{handle}", h.Community)
		r.Get("/c/{handle}/threads/{id}", h.Thread)
		r.Post("/c/{handle}/join", h.JoinCommunity)
		r.Post("/c/{handle}/leave", h.LeaveCommunity)
		r.Get("/c/{handle}/join-requests", h.JoinRequests)
		r.Get("/c/{handle}/moderation", h.ModerationLog)
		r.Get("/c/{handle}/members", h.Members)
		r.Get("/c/{handle}/reports", h.CommunityReports)
		r.Get("/c/{handle}/reports/{id}", h.CommunityReport)
		r.Post("/c/{handle}/reports/{id}/{act}", h.ActOnReport)
		r.Get("/c/{handle}/threads/new", h.NewThreadForm)
		r.Post("/c/{handle}/threads/new", h.CreateThread)
		r.Get("/c/{handle}/threads/{id}/reply", h.ReplyForm)
		r.Post("/c/{handle}/threads/{id}/reply", h.CreateReply)
		r.Post("/c/{handle}/threads/{id}/{act}", h.ModerateThread)
		r.Post("/c/{handle}/posts/{id}/remove", h.RemovePost)
		r.Get("/c/{handle}/posts/{id}/report", h.ReportForm)
		r.Get("/c/{handle}/posts/{id}/edit", h.EditPostForm)
		r.Post("/c/{handle}/posts/{id}/edit", h.EditPost)
		r.Post("/c/{handle}/posts/{id}/delete", h.DeletePost)
		r.Post("/c/{handle}/posts/{id}/report", h.ReportPost)
		r.Post("/c/{handle}/posts/{id}/vote", h.Vote)
		r.Post("/c/{handle}/bans/{id}", h.Ban)
		r.Post("/c/{handle}/bans/{id}/lift", h.LiftBan)
		r.Post("/c/{handle}/moderators", h.AddModerator)
		r.Post("/c/{handle}/moderators/{id}/remove", h.RemoveModerator)
		r.Post("/c/{handle}/join-requests/{account}/{answer}", h.AnswerJoinRequest)
		r.Get("/c/{handle}/feed.atom", h.CommunityFeed)
		r.Get("/c/{handle}/library", h.Library)
		r.Get("/c/{handle}/library.atom", h.LibraryFeed)
		r.Get("/c/{handle}/library.zip", h.LibraryZip)
		r.Get("/c/{handle}/library/new", h.NewArtefactForm)
		r.Post("/c/{handle}/library/new", h.CreateArtefact)
		r.Get("/c/{handle}/artefacts/{id}", h.Artefact)
		r.Get("/c/{handle}/artefacts/{id}/files/{file_id}", h.ArtefactFile)
		r.Get("/c/{handle}/artefacts/{id}/edit", h.EditArtefactForm)
		r.Post("/c/{handle}/artefacts/{id}/edit", h.EditArtefact)
		r.Post("/c/{handle}/artefacts/{id}/restore", h.RestoreArtefactVersion)
		r.Post("/c/{handle}/artefacts/{id}/delete", h.DeleteArtefact)
		r.Get("/c/{handle}/glossary", h.Glossary)
		r.Get("/c/{handle}/search", h.CommunitySearch)
		r.Get("/c/{handle}/glossary/new", h.NewTermForm)
		r.Post("/c/{handle}/glossary/new", h.CreateTerm)
		r.Get("/c/{handle}/glossary/{id}/history", h.TermHistory)
		r.Post("/c/{handle}/glossary/{id}/restore", h.RestoreTermVersion)
		r.Get("/c/{handle}/glossary/{id}/edit", h.EditTermForm)
		r.Post("/c/{handle}/glossary/{id}/edit", h.EditTerm)
		r.Post("/c/{handle}/glossary/{id}/delete", h.DeleteTerm)
		r.Get("/c/{handle}/events", h.Events)
		r.Get("/c/{handle}/events/new", h.NewEventForm)
		r.Post("/c/{handle}/events/new", h.CreateEvent)
		r.Get("/c/{handle}/events/{id}/edit", h.EditEventForm)
		r.Post("/c/{handle}/events/{id}/edit", h.EditEvent)
		r.Post("/c/{handle}/events/{id}/delete", h.DeleteEvent)
		r.Post("/c/{handle}/events/{id}/attend", h.AttendEvent)
		r.Post("/c/{handle}/events/{id}/leave", h.LeaveEvent)
		r.Get("/c/{handle}/events.ics", h.CommunityCalendar)
		r.Get("/c/{handle}/events/{id}.ics", h.EventCalendar)
		r.Get("/c/{handle}/events/{id}", h.Event)
		r.Get("/@{username}/events.ics", h.MemberCalendar)
		r.Get("/directory", h.Directory)
		r.Get("/notifications", h.Notifications)
		r.Get("/@{username}/{id}", h.Status)
		r.Get(cssPath, serveCSS)
		r.Head(cssPath, serveCSS)
	})
}

// Node is what every page says about the node.
type Node struct {
	Name, Host, Description, Contact, Version string
	CSS                                       string // the style sheet's URL
}

// Frame is what the layout reads of a page besides its Title (the
// page's own name; the layout adds the node's): every page's view embeds
// one and has a Title.
type Frame struct {
	Node        Node
	ActivityURL string // the page's ActivityPub document, if it has one
	FeedURL     string // the page's Atom feed, if it has one
	NoIndex     bool   // asks search engines to leave the page out
	Staff       bool   // the reader may open the moderation dashboard: the navigation links to it
	SignedIn    bool   // a member reads it: the navigation links to their notifications
}

// frame lets render reach the Frame a view embeds.
func (f *Frame) frame() *Frame { return f }

// framed is a page view: a pointer to a struct that embeds a Frame.
type framed interface{ frame() *Frame }

// Layout is the site layout (skip link, header with the node's name and
// navigation, footer, style sheet) for pages that another package renders,
// so that web/auth's sign-in and settings pages are pages of the same
// site as these.
type Layout struct {
	node Node
}

// Layout returns the layout h's pages are rendered in.
func (h *Handler) Layout() *Layout {
	return &Layout{node: h.node}
}

// Parse parses a page's templates, the files in fsys that patterns
// match, with the layout. They define "content"; the page is written by
// executing "layout" with a view that has a Title and embeds the Frame.
func (l *Layout) Parse(fsys fs.FS, patterns ...string) (*template.Template, error) {
	return parseInLayout(fsys, patterns...)
}

// Frame is the frame of a page of another package: the node, and no
// search engine indexing (those pages are a member's own).
func (l *Layout) Frame() Frame {
	return Frame{Node: l.node, NoIndex: true}
}

// parseInLayout parses the layout, then the files in fsys that patterns
// match: a page's templates.
func parseInLayout(fsys fs.FS, patterns ...string) (*template.Template, error) {
	t, err := template.ParseFS(files, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	if t, err = t.ParseFS(fsys, patterns...); err != nil {
		return nil, fmt.Errorf("parse %s in the layout: %w", strings.Join(patterns, ", "), err)
	}
	return t, nil
}

// pageView is everything a page template reads; each page fills the
// parts it shows.
type pageView struct {
	Title string // the page's own name; the layout adds the node's
	Frame

	Account  *accountView
	Pinned   []statusView
	Statuses []statusView
	Empty    string // said when Statuses is empty
	Older    string // link to the next, older page; "" on the last
	Paged    bool   // a page after the first
	Tag      string
	About    *aboutView
	Error    *errorView
	Member   *memberView // signed in from the browser, for the forms' links and buttons
	// Announcements are the node's to the member signed in (home page).
	Announcements []announcementView
}

// announcementView is an announcement on the home page.
type announcementView struct {
	ID        string
	Content   template.HTML // made by the engine from the admin's text
	Published string
	When      string // what it announces: its start and end, if given
}

// accountView is a member's profile as a page shows it.
type accountView struct {
	Name, Acct, URL string
	Display         template.HTML // Name with its custom emojis drawn
	Avatar, Header  string
	Note            template.HTML // sanitised on the way in
	Fields          []fieldView
	Posts           int
	Following       int
	Followers       int
	// MovedTo is the account it moved to, if it did (its handle, and
	// where to find it).
	MovedTo, MovedToURL string
}

// fieldView is a profile field. Both name and value are stored as HTML
// (a member's text is escaped once when saved, a peer's is sanitised), so
// the template must not escape the name a second time.
type fieldView struct {
	Name  template.HTML
	Value template.HTML
}

// authorView names a post's author with a link to their profile.
type authorView struct {
	Name, Acct, URL string
	Display         template.HTML // Name with its custom emojis drawn
}

type statusView struct {
	ID        string // for the moderators' forms
	AuthorID  string
	Author    *authorView
	Title     string
	Spoiler   string
	Content   template.HTML // sanitised on the way in
	URL       string
	ISO       string
	When      string
	Media     []mediaView
	Sensitive bool // media behind a disclosure
	Pinned    bool
	Card      *cardView
	Poll      *pollView // nil: the post is no poll
	// Moderate, on a thread page shown to one of its community's
	// moderators, is what the moderators' forms under the post need.
	Moderate *moderatedPost
}

// moderatedPost is what the forms that remove a post and ban its author
// need: the post, its author, the community's page, the form token, the
// thread to come back to, and what the post is ("thread" or "reply").
type moderatedPost struct {
	ID, AuthorID, AuthorName string
	Community, CSRF, Thread  string
	What                     string
	Own                      bool // the moderator's own post: no ban form
}

// cardView is the link preview of a post: the page it links to, as that
// page describes itself (plain text, escaped by the template).
type cardView struct {
	URL, Title, Description, Site string
	Image                         string // this node's copy; "" for none
	Width, Height                 int
}

// mediaView is an attachment as a page shows it: an image by its
// preview, linking to the full file, with its description as alt text;
// other media as a link.
type mediaView struct {
	URL, Preview, Alt string
	Width, Height     int
	Image             bool
}

func (h *Handler) view(title string) pageView {
	return pageView{Title: title, Frame: Frame{Node: h.node}}
}

// viewIn is the layout's view of a page of community cv: a remote
// community's pages here are copies, left out of search engines (its own
// server's pages are the ones to find).
func (h *Handler) viewIn(cv *communityView, title string) pageView {
	v := h.view(title)
	v.NoIndex = cv.Host != ""
	return v
}

// authorOf is how a post names a, linking to its page here for a member
// and to its home node for a peer's account.
func (h *Handler) authorOf(a storage.Account) *authorView {
	v := &authorView{Name: cmp.Or(a.DisplayName, a.Username), Acct: a.Username + "@" + cmp.Or(a.Domain, h.node.Host)}
	v.Display = emojiText(v.Name, a.Emojis)
	if a.Local() {
		v.URL = h.urls.Profile(a.Username)
	} else {
		v.URL = cmp.Or(a.URL, a.URI)
	}
	return v
}

func (h *Handler) statusViewOf(st storage.Status, author storage.Account, cards map[storage.ID]storage.PreviewCard) statusView {
	v := statusView{ID: st.ID.String(), AuthorID: author.ID.String(), Author: h.authorOf(author), Title: st.Title, Spoiler: st.SpoilerText, Content: emojiHTML(st.Content, st.Emojis),
		URL: cmp.Or(st.URL, st.URI), ISO: st.CreatedAt.Format(time.RFC3339), When: st.CreatedAt.Format("2 January 2006, 15:04 MST"),
		Sensitive: st.Sensitive && st.SpoilerText == ""}
	for _, a := range st.Attachments {
		m := mediaView{URL: a.URL, Preview: a.PreviewURL, Alt: a.Description, Width: a.PreviewWidth, Height: a.PreviewHeight,
			Image: strings.HasPrefix(a.MediaType, "image/")}
		if m.Preview == "" {
			m.Preview, m.Width, m.Height = a.URL, a.Width, a.Height
		}
		v.Media = append(v.Media, m)
	}
	if c, ok := cards[st.ID]; ok {
		v.Card = &cardView{URL: c.URL, Title: c.Title, Description: c.Description, Site: c.ProviderName}
		if c.Image != "" {
			v.Card.Image, v.Card.Width, v.Card.Height = h.urls.Media(c.Image), c.ImageWidth, c.ImageHeight
		}
	}
	return v
}

// statusIDs are the IDs of sts.
func statusIDs(sts []storage.Status) []storage.ID {
	ids := make([]storage.ID, 0, len(sts))
	for _, st := range sts {
		ids = append(ids, st.ID)
	}
	return ids
}

// account is the local member named in the path. A suspended member's
// pages are gone, as Mastodon answers for them.
func (h *Handler) account(r *http.Request) (storage.Account, error) {
	a, err := h.store.AccountByUsername(r.Context(), chi.URLParam(r, "username"))
	if err != nil {
		return storage.Account{}, fmt.Errorf("member %q: %w", chi.URLParam(r, "username"), err)
	}
	if !a.SuspendedAt.IsZero() {
		return storage.Account{}, httperr.New(http.StatusGone, "This account has been suspended")
	}
	return a, nil
}

// Profile renders a member's public profile: pinned posts first, then
// the public posts newest first, paged with max_id.
func (h *Handler) Profile(w http.ResponseWriter, r *http.Request) {
	if err := h.profile(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) profile(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := h.account(r)
	if err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	stats, err := h.store.AccountStats(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("profile counts: %w", err)
	}
	public := []activitypub.Visibility{activitypub.Public}
	// Pins are few (federation.MaxPinned); only public ones are shown, and
	// they are listed once, at the top of the first page.
	pins, err := h.store.AccountStatusPage(ctx, a.ID, storage.AccountStatusFilter{Visibilities: public, Pinned: true,
		ExcludeReblogs: true}, storage.Page{Limit: federation.MaxPinned})
	if err != nil {
		return fmt.Errorf("pinned posts: %w", err)
	}
	pinned := make(map[storage.ID]bool, len(pins))
	for _, st := range pins {
		pinned[st.ID] = true
	}
	sts, err := h.store.AccountStatusPage(ctx, a.ID, storage.AccountStatusFilter{Visibilities: public, ExcludeReblogs: true,
		ExcludeReplies: true}, p)
	if err != nil {
		return fmt.Errorf("profile posts: %w", err)
	}
	v := h.view(cmp.Or(a.DisplayName, a.Username))
	v.ActivityURL = a.URI
	v.Account = h.accountViewOf(a, stats)
	if a.MovedTo != "" {
		v.Account.MovedTo, v.Account.MovedToURL = a.MovedTo, a.MovedTo
		if to, err := h.store.AccountByURI(ctx, a.MovedTo); err == nil {
			au := h.authorOf(to)
			v.Account.MovedTo, v.Account.MovedToURL = "@"+au.Acct, au.URL
		} else if !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("profile moved to: %w", err)
		}
	}
	v.Paged = p.MaxID != 0
	v.Empty = "No public posts yet."
	cards, err := h.store.CardsOf(r.Context(), statusIDs(slices.Concat(pins, sts)))
	if err != nil {
		return fmt.Errorf("profile posts: %w", err)
	}
	if !v.Paged {
		for _, st := range pins {
			sv := h.statusViewOf(st, a, cards)
			sv.Author, sv.Pinned = nil, true
			v.Pinned = append(v.Pinned, sv)
		}
	}
	for _, st := range sts {
		if pinned[st.ID] {
			continue
		}
		// The query chose public posts; the rule has the last word (a
		// suspended author's posts are shown to nobody).
		if ok, err := h.engine.CanSee(r.Context(), storage.Account{}, st); err != nil {
			return fmt.Errorf("profile posts: %w", err)
		} else if !ok {
			continue
		}
		sv := h.statusViewOf(st, a, cards)
		sv.Author = nil // the profile already says whose posts these are
		v.Statuses = append(v.Statuses, sv)
	}
	v.Older = olderLink(r, sts, p)
	if v.Paged && len(v.Statuses) == 0 {
		v.Empty = "No older public posts."
	}
	return h.render(w, r, http.StatusOK, "profile", &v)
}

func (h *Handler) accountViewOf(a storage.Account, stats storage.AccountStats) *accountView {
	v := &accountView{Name: cmp.Or(a.DisplayName, a.Username), Acct: a.Username + "@" + h.node.Host, URL: h.urls.Profile(a.Username),
		Avatar: cmp.Or(a.AvatarURL, "/avatars/original/missing.png"), Header: a.HeaderURL, Note: emojiHTML(a.Note, a.Emojis),
		Posts: stats.Statuses, Following: stats.Following, Followers: stats.Followers}
	v.Display = emojiText(v.Name, a.Emojis)
	for _, f := range federation.ActorOf(a).Fields {
		v.Fields = append(v.Fields, fieldView{Name: emojiHTML(h.engine.Sanitize(f.Name), a.Emojis), Value: emojiHTML(f.Value, a.Emojis)})
	}
	return v
}

// Status renders one public or unlisted post.
func (h *Handler) Status(w http.ResponseWriter, r *http.Request) {
	a, err := h.account(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	id, err := storage.ParseID(chi.URLParam(r, "id"))
	var st storage.Status
	if err == nil {
		st, err = h.store.StatusByID(r.Context(), id)
	}
	if err == nil && (st.AccountID != a.ID || st.ReblogOfID != 0) {
		err = storage.ErrNotFound
	}
	if err == nil {
		if ok, cerr := h.engine.CanSee(r.Context(), storage.Account{}, st); cerr != nil || !ok {
			err = cmp.Or(cerr, storage.ErrNotFound)
		}
	}
	if err != nil {
		h.Error(w, r, err)
		return
	}
	v := h.view(cmp.Or(st.Title, "Post by "+cmp.Or(a.DisplayName, a.Username)))
	v.ActivityURL = st.URI
	cards, err := h.store.CardsOf(r.Context(), []storage.ID{st.ID})
	if err != nil {
		h.Error(w, r, err)
		return
	}
	v.Statuses = []statusView{h.statusViewOf(st, a, cards)}
	if err := h.render(w, r, http.StatusOK, "status", &v); err != nil {
		h.Error(w, r, err)
	}
}

// render writes the page name with v in the layout. It renders into a
// buffer first, so a template error becomes an error page, not half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, code int, name string, v framed) error {
	v.frame().Staff = session.Staff(r) // the navigation links staff to the dashboard
	_, v.frame().SignedIn = session.Member(r)
	var buf bytes.Buffer
	t, err := h.pages.Get(name)
	if err != nil {
		return err
	}
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("render %s page: %w", name, err)
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Vary", "Accept")
	// Pages run no script and embed no other site; images may come from
	// peers' media servers.
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' https: http: data:; "+
		"form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// pageOf reads the max_id cursor of a list page.
func pageOf(r *http.Request) (storage.Page, error) {
	p := storage.Page{Limit: pageSize}
	if s := r.URL.Query().Get("max_id"); s != "" {
		id, err := storage.ParseID(s)
		if err != nil {
			return p, httperr.New(http.StatusBadRequest, "The page address is not right: max_id must be a post number")
		}
		p.MaxID = id
	}
	return p, nil
}

// olderLink is the address of the page after sts, or "" when sts is not
// a full page (so nothing older is left).
func olderLink(r *http.Request, sts []storage.Status, p storage.Page) string {
	if len(sts) < p.Limit || len(sts) == 0 {
		return ""
	}
	q := url.Values{"max_id": {sts[len(sts)-1].ID.String()}}
	return r.URL.EscapedPath() + "?" + q.Encode()
}

// Redirect sends a browser from an actor or object IRI to its page.
func (h *Handler) Redirect(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/users/")
	user, rest, _ := strings.Cut(path, "/")
	target := "/@" + user
	if id, ok := strings.CutPrefix(rest, "statuses/"); ok {
		target += "/" + id
	}
	http.Redirect(w, r, target, http.StatusFound)
}

// privateToMembers marks every answer to a member signed in as hers
// alone, unless its handler says otherwise: what she sees (her forms'
// tokens, her answers, a members-only community's pages, feeds, calendar
// and library archive) must not be kept by a shared cache for another.
func privateToMembers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := session.Member(r); ok {
			w.Header().Set("Cache-Control", "private, no-cache")
		}
		next.ServeHTTP(w, r)
	})
}
