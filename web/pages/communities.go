package pages

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/yuin/goldmark"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
	"github.com/copse-dev/copse/web/session"
)

// Community pages live at /c/{handle}, the address Lemmy and PieFed
// users know, rather than at the Group's profile URL /@handle: the
// profile handler stays the members' own, and a browser sent to a
// Group's /@handle (the url Mastodon apps open) is redirected here by
// profileOrCommunity. A community's threads and replies are read here;
// members-only communities show nothing of their posts to anyone until
// members-only visibility is enforced (issue 12 item 8).

// maxMembersShown bounds the members a community page (its roster) and
// the directory list; the counts per organisation are always whole.
const maxMembersShown = storage.RosterMembers

// maxJoinedShown bounds the communities on other servers that the list
// of communities names (those with most members here).
const maxJoinedShown = 50

// maxRepliesShown bounds the replies a thread page shows.
const maxRepliesShown = 500

// communityView is a community as its pages show it.
type communityView struct {
	Name, Handle, Acct, URL, FeedURL string
	Avatar, Header                   string
	Description                      template.HTML // Markdown, rendered and sanitised
	Rules                            []string
	MembersOnly                      bool
	Hidden                           bool // its posts and members are not for this reader (members-only)
	SignIn                           string
	Approval                         bool
	ModeratorsOnly                   bool
	Members                          int
	Moderators                       []personView
	Roster                           template.HTML // its members by organisation (rosterHTML)
	RosterShown                      int           // how many members the roster names (it may be cut)
	Threads                          []threadView
	Older                            string
	Paged                            bool
	Thread                           *threadView // on a thread page
	Replies                          []statusView
	MovedTo                          string // the actor id of the community it moved to ("": not moved)
	// Host is the server hosting a remote community ("": this node), and
	// Origin its page there: this node shows its copies of what reached
	// it, and says where the community itself is.
	Host, Origin string
	// Proposed is the member's proposal to a remote community that a
	// form has just sent (?proposed=): what the page says of it.
	Proposed *proposalView
	// Standing is the signed-in member's membership (nil: nobody is
	// signed in): how a member whose request was refused, or who is
	// banned, is told why.
	Standing *standingView
	// JoinRequests is how many people wait to join, shown on the page to
	// its moderators here (-1 for anyone else).
	JoinRequests int
	// OpenReports is how many reports about its content wait, shown
	// with JoinRequests.
	OpenReports int
	// Moderating: the member signed in moderates it (the engine's rule),
	// so its thread page shows the moderators' forms.
	Moderating bool
	// MayPost: the member signed in may start threads and reply in it
	// (Engine.MayPostIn), so its pages offer the forms (thread_forms.go),
	// Once the key of the reply form on a thread's page.
	MayPost bool
	Once    string
}

// proposalView is a member's proposal to a remote community, as the page
// a form sent them to says.
type proposalView struct {
	Title, State, Reason string
}

// standingView is a member's standing in a community, as its page says.
type standingView struct {
	State  string // a storage membership state
	Reason string
	Until  string // when a ban ends, "" for never
}

// personView is a member, a moderator or a person in the directory.
type personView struct {
	Name, Acct, URL  string
	Department, Role string
}

// organisationView is an organisation with its people.
type organisationView struct {
	Name   string // "" for those naming none
	Count  int
	People []personView
}

// threadView is a thread in a community's list.
type threadView struct {
	statusView
	Locked  bool // on a thread page: no new replies
	Title   string
	URI     string // its ActivityPub id: the feed entry's id
	Link    string // its thread page
	Replies int
}

// communityPage is what a community page's template reads: the layout's
// view and the community's.
type communityPage struct {
	pageView
	Community   *communityView
	Communities []communityView
	// Elsewhere are the communities on other servers that members here
	// joined (on the first page of the list).
	Elsewhere []communityView
	Directory *directoryView
	// MayCreate: the member signed in may create a community here
	// (Engine.MayCreateCommunity), so the list offers the form.
	MayCreate bool
}

// directoryView is the directory page's filters and people.
type directoryView struct {
	Organisation, Department, Role string
	Filtered                       bool
	People                         peopleListView
}

func (h *Handler) personOf(a storage.Account) personView {
	au := h.authorOf(a)
	return personView{Name: au.Name, Acct: au.Acct, URL: au.URL, Department: a.Department, Role: a.JobTitle}
}

// communityPath is the page of the community with handle.
func communityPath(handle string) string { return "/c/" + url.PathEscape(handle) }

// descriptionSeed seeds the hashes descriptions are kept under.
var descriptionSeed = maphash.MakeSeed()

// renderDescription is a community's description as its pages show it,
// made once for each text it has had (every page of the community, and
// the list of communities, shows it), not on every view: a community
// hosted here renders its Markdown; a remote one shows its actor's
// summary (HTML, which its server made of its description and rules).
// Either passes through the engine's sanitiser, as every HTML a page
// carries does.
func (h *Handler) renderDescription(g storage.Account, c storage.Community) (template.HTML, error) {
	text := c.DescriptionSource
	if !g.Local() {
		text = g.Note
	}
	version := int64(maphash.String(descriptionSeed, text))
	if html, ok := h.descriptions.Get(g.ID, version); ok {
		return html, nil
	}
	if g.Local() {
		var buf bytes.Buffer
		if err := goldmark.Convert([]byte(text), &buf); err != nil {
			return "", fmt.Errorf("render description: %w", err)
		}
		text = buf.String()
	}
	html := template.HTML(h.engine.Sanitize(text))
	h.descriptions.Put(g.ID, version, html)
	return html, nil
}

// hostedCommunity reads the community hosted here whose handle is in the
// path.
func (h *Handler) hostedCommunity(r *http.Request) (storage.Account, storage.Community, error) {
	g, c, err := h.shownCommunity(r)
	if err == nil && !g.Local() {
		return storage.Account{}, storage.Community{}, fmt.Errorf("community %q is hosted on %s: %w", g.Acct(), g.Domain, storage.ErrNotFound)
	}
	return g, c, err
}

// shownCommunity reads the community whose handle is in the path: one
// hosted here ("handle"), or a remote Group this node knows
// ("name@host", the address Lemmy and PieFed give a remote community),
// whose copies here (its threads, library, glossary and events as they
// reached this node) its pages show to whoever the visibility rule lets
// read them, as the API does.
func (h *Handler) shownCommunity(r *http.Request) (storage.Account, storage.Community, error) {
	ctx := r.Context()
	handle := chi.URLParam(r, "handle")
	var g storage.Account
	var err error
	if name, host, remote := strings.Cut(handle, "@"); remote && strings.EqualFold(host, h.node.Host) {
		g, err = h.store.AccountByUsername(ctx, name) // this node's own, named in full
	} else if remote {
		g, err = h.store.AccountByAcct(ctx, name, host)
		if err == nil && (g.Local() || g.ActorType != activitypub.TypeGroup) {
			err = storage.ErrNotFound
		}
	} else {
		g, err = h.store.AccountByUsername(ctx, handle)
	}
	if err != nil {
		return storage.Account{}, storage.Community{}, fmt.Errorf("community %q: %w", handle, err)
	}
	c, err := h.engine.CommunityPolicy(ctx, g)
	if err != nil {
		return storage.Account{}, storage.Community{}, fmt.Errorf("community %q: %w", handle, err)
	}
	if !g.SuspendedAt.IsZero() {
		return storage.Account{}, storage.Community{}, httperr.New(http.StatusGone, "This community has been suspended")
	}
	return g, c, nil
}

// pageCommunity is the prologue of a community's pages: the community of
// the path, hosted here, what its pages say about it, and whether the
// reader from r's browser (viewerOf) may read what the page lists, as
// readable decides (true when readable is nil: the page asks the engine
// itself, or shows only what communityView hides).
func (h *Handler) pageCommunity(r *http.Request,
	readable func(ctx context.Context, viewer, g storage.Account) (bool, error)) (storage.Account, *communityView, bool, error) {
	g, c, err := h.shownCommunity(r)
	if err != nil {
		return storage.Account{}, nil, false, err
	}
	cv, err := h.communityViewOf(r, g, c, false)
	if err != nil {
		return storage.Account{}, nil, false, err
	}
	if readable == nil {
		return g, cv, true, nil
	}
	ok, err := readable(r.Context(), viewerOf(r), g)
	if err != nil {
		return storage.Account{}, nil, false, fmt.Errorf("may read %s: %w", g.URI, err)
	}
	return g, cv, ok, nil
}

// communityViewOf is what every page of a community says about it; with
// members (its own page), also its moderators and its members by
// organisation (Roster) when the viewer may see them, read with the count
// from one version of the roster.
func (h *Handler) communityViewOf(r *http.Request, g storage.Account, c storage.Community, members bool) (*communityView, error) {
	desc, err := h.renderDescription(g, c)
	if err != nil {
		return nil, err
	}
	// What a members-only community shows beyond its profile is for the
	// members signed in here (the visibility rule, as everywhere).
	me, signedIn := session.Member(r)
	see, err := h.engine.CanSeeCommunity(r.Context(), me, g)
	if err != nil {
		return nil, err
	}
	roster, err := h.store.CommunityRoster(r.Context(), g.ID, members && see)
	if err != nil {
		return nil, err
	}
	v := &communityView{Name: cmp.Or(g.DisplayName, g.Username), Handle: g.Acct(), Acct: g.Username + "@" + cmp.Or(g.Domain, h.node.Host),
		URL: communityPath(g.Acct()), FeedURL: communityPath(g.Acct()) + "/feed.atom", Avatar: g.AvatarURL, Header: g.HeaderURL,
		Description: desc, Rules: lines(c.Rules), MembersOnly: c.Visibility != storage.CommunityPublic, SignIn: session.SignInURL(r.URL.Path),
		Approval: c.JoinPolicy == storage.JoinApproval, ModeratorsOnly: c.PostingPolicy == storage.PostingModerators, Members: roster.Members,
		MovedTo: g.MovedTo}
	if !g.Local() {
		v.Host, v.Origin = g.Domain, cmp.Or(g.URL, g.URI)
	}
	if members { // only the community's own page names them
		mods, err := h.moderatorsOf(r.Context(), g)
		if err != nil {
			return nil, err
		}
		for _, m := range mods {
			v.Moderators = append(v.Moderators, h.personOf(m))
		}
	}
	v.Hidden = !see
	if members && see {
		if v.Roster, err = h.rosterHTML(g, roster); err != nil {
			return nil, err
		}
		v.RosterShown = len(roster.ByOrganisation)
	}
	if signedIn {
		m, err := h.store.MembershipOf(r.Context(), g.ID, me.ID, h.store.Now())
		if err != nil {
			return nil, err
		}
		v.Standing = &standingView{State: m.State, Reason: m.Reason}
		if !m.ExpiresAt.IsZero() {
			v.Standing.Until = m.ExpiresAt.UTC().Format("2 January 2006 15:04 MST")
		}
		if v.Proposed, err = h.proposedIn(r, me, g); err != nil {
			return nil, err
		}
	}
	v.JoinRequests = -1
	if signedIn && members {
		// The engine's rule says who moderates (one read for everyone
		// else); JoinRequests asks it again.
		if v.Moderating, err = h.engine.Moderates(r.Context(), me, g); err != nil {
			return nil, err
		}
		if v.Moderating {
			reqs, err := h.engine.JoinRequests(r.Context(), me, g.ID, storage.Page{Limit: maxJoinRequestsShown})
			if err != nil {
				return nil, err
			}
			v.JoinRequests = len(reqs)
			if v.OpenReports, err = h.engine.CountReports(r.Context(), me, g.ID, storage.ReportFilter{State: storage.ReportOpen}); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

// proposedIn is the proposal to community g that a form has just sent
// member me to say (?proposed=, landing): theirs to g only, nil for none.
func (h *Handler) proposedIn(r *http.Request, me, g storage.Account) (*proposalView, error) {
	s := r.URL.Query().Get("proposed")
	if s == "" || g.Local() {
		return nil, nil
	}
	id, err := storage.ParseID(s)
	if err != nil {
		return nil, nil
	}
	p, err := h.store.ProposalByID(r.Context(), id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && (p.AccountID != me.ID || p.CommunityID != g.ID)) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &proposalView{Title: p.Title, State: p.State, Reason: p.Reason}, nil
}

// maxRemoteModeratorsShown bounds the moderators of a remote community
// its page looks up, one by one.
const maxRemoteModeratorsShown = 50

// moderatorsOf lists the moderators of community g: a remote one's as
// this node last learnt them from its moderators collection, those of
// them this node knows (the first maxRemoteModeratorsShown).
func (h *Handler) moderatorsOf(ctx context.Context, g storage.Account) ([]storage.Account, error) {
	if g.Local() {
		return h.store.CommunityModerators(ctx, g.ID)
	}
	uris, err := h.store.RemoteModerators(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	var out []storage.Account
	for _, u := range uris[:min(len(uris), maxRemoteModeratorsShown)] {
		a, err := h.store.AccountByURIWithoutKeys(ctx, u)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// lines splits rules at line breaks, dropping list markers people type.
func lines(text string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		l = strings.TrimSpace(l)
		l = strings.TrimSpace(strings.TrimLeft(l, "-*•"))
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// groupByOrganisation groups people (sorted by organisation) with counts.
func (h *Handler) groupByOrganisation(people []storage.Account) []organisationView {
	var out []organisationView
	for _, a := range people {
		if n := len(out); n == 0 || !strings.EqualFold(out[n-1].Name, a.Organisation) {
			out = append(out, organisationView{Name: a.Organisation})
		}
		o := &out[len(out)-1]
		o.People = append(o.People, h.personOf(a))
		o.Count++
	}
	return out
}

// Communities renders the communities this node hosts.
func (h *Handler) Communities(w http.ResponseWriter, r *http.Request) {
	if err := h.communities(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) communities(w http.ResponseWriter, r *http.Request) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	list, err := h.store.Communities(r.Context(), storage.CommunitySearch{Page: p})
	if err != nil {
		return fmt.Errorf("communities page: %w", err)
	}
	v := communityPage{pageView: h.view("Communities")}
	v.Paged, v.Member = p.MaxID != 0, h.memberOf(r)
	if v.MayCreate, err = h.engine.MayCreateCommunity(r.Context(), viewerOf(r)); err != nil {
		return err
	}
	for _, lc := range list {
		cv, err := h.communityViewOf(r, lc.Account, lc.Community, false)
		if err != nil {
			return err
		}
		v.Communities = append(v.Communities, *cv)
	}
	if len(list) == p.Limit {
		v.Older = r.URL.EscapedPath() + "?" + url.Values{"max_id": {list[len(list)-1].Account.ID.String()}}.Encode()
	}
	if !v.Paged {
		joined, err := h.store.JoinedRemoteCommunities(r.Context(), maxJoinedShown)
		if err != nil {
			return fmt.Errorf("communities page: %w", err)
		}
		for _, j := range joined {
			c, err := h.engine.CommunityPolicy(r.Context(), j.Account)
			if err != nil {
				return err
			}
			cv, err := h.communityViewOf(r, j.Account, c, false)
			if err != nil {
				return err
			}
			v.Elsewhere = append(v.Elsewhere, *cv)
		}
	}
	return h.render(w, r, http.StatusOK, "communities", &v)
}

// Community renders a community's page: about, rules, moderators,
// members by organisation, threads newest first, how to join.
func (h *Handler) Community(w http.ResponseWriter, r *http.Request) {
	if err := h.community(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) community(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g, c, err := h.shownCommunity(r)
	if err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	cv, err := h.communityViewOf(r, g, c, true)
	if err != nil {
		return err
	}
	v := communityPage{pageView: h.viewIn(cv, cv.Name), Community: cv}
	v.ActivityURL, v.Member = g.URI, h.memberOf(r)
	cv.Paged = p.MaxID != 0
	me, _ := session.Member(r)
	if err := h.setMayPost(r, me, g, cv); err != nil {
		return err
	}
	if !cv.Hidden {
		threads, err := h.store.CommunityThreads(ctx, g.ID, me.ID, h.store.Now(), p)
		if err != nil {
			return err
		}
		if cv.Threads, err = h.threadViews(r, me, g, threads); err != nil {
			return err
		}
		if len(threads) == p.Limit {
			cv.Older = r.URL.EscapedPath() + "?" + url.Values{"max_id": {threads[len(threads)-1].Status.ID.String()}}.Encode()
		}
	}
	return h.render(w, r, http.StatusOK, "community", &v)
}

// rosterHTML is a community's members by organisation as its page lists
// them (the template "roster"): the same for every reader the page shows
// them to, so it is made once for each version of the roster (up to 500
// people, each escaped in several contexts, took three quarters of the
// page's time) and kept while the version holds.
func (h *Handler) rosterHTML(g storage.Account, roster storage.CommunityRoster) (template.HTML, error) {
	if roster.Version != 0 {
		if html, ok := h.rosters.Get(g.ID, roster.Version); ok {
			return html, nil
		}
	}
	orgs := h.groupByOrganisation(roster.ByOrganisation)
	// The counts are whole even when the list is cut.
	for i := range orgs {
		for _, oc := range roster.Organisations {
			if strings.EqualFold(oc.Organisation, orgs[i].Name) {
				orgs[i].Count = oc.Members
			}
		}
	}
	t, err := h.pages.Get("community")
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "roster", orgs); err != nil {
		return "", fmt.Errorf("render the members of %s: %w", g.Username, err)
	}
	html := template.HTML(buf.String()) // made by html/template
	if roster.Version != 0 {
		h.rosters.Put(g.ID, roster.Version, html)
	}
	return html, nil
}

// threadViews makes views of threads that viewer (the member signed in,
// or the zero Account) may see: the caller has asked the visibility rule
// (Store.CommunityThreads applies it in SQL, qListedTo; a thread opened
// by itself asks Engine.CanSee).
func (h *Handler) threadViews(r *http.Request, viewer, g storage.Account, threads []storage.Thread) ([]threadView, error) {
	sts := make([]storage.Status, 0, len(threads))
	byID := make(map[string]storage.Thread, len(threads))
	for _, t := range threads {
		sts = append(sts, t.Status)
		byID[t.Status.ID.String()] = t
	}
	views, err := h.listed(r, sts)
	if err != nil {
		return nil, fmt.Errorf("threads of %s: %w", g.Acct(), err)
	}
	out := make([]threadView, 0, len(views))
	for _, v := range views {
		t := byID[v.ID]
		out = append(out, threadView{statusView: v, Title: threadTitle(t.Status), URI: t.Status.URI, Replies: t.Replies,
			Link: threadPath(g.Acct(), t.Status.ID)})
	}
	return out, nil
}

// threadTitle is a thread's name, or its first line when it has none.
func threadTitle(st storage.Status) string {
	if st.Title != "" {
		return st.Title
	}
	text := strings.TrimSpace(federation.PlainText(st.Content))
	first, _, _ := strings.Cut(text, "\n")
	if r := []rune(first); len(r) > 100 {
		first = string(r[:99]) + "…"
	}
	return cmp.Or(first, "Untitled thread")
}

// Thread renders one thread of a community with its replies.
func (h *Handler) Thread(w http.ResponseWriter, r *http.Request) {
	if err := h.thread(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) thread(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g, c, err := h.shownCommunity(r)
	if err != nil {
		return err
	}
	me, _ := session.Member(r)
	st, err := h.pageThread(r, g, me)
	if err != nil {
		return err
	}
	threads, err := h.threadViews(r, me, g, []storage.Thread{{Status: st}})
	if err != nil {
		return err
	}
	cv, err := h.communityViewOf(r, g, c, false)
	if err != nil {
		return err
	}
	cv.Thread = &threads[0]
	if cv.Moderating, err = h.engine.Moderates(ctx, me, g); err != nil {
		return err
	}
	if err := h.setMayPost(r, me, g, cv); err != nil {
		return err
	}
	if cv.Thread.Locked, err = h.store.ThreadLocked(ctx, st.ID); err != nil {
		return err
	}
	if cv.Moderating {
		if cv.Thread.Pinned, err = h.store.IsPinned(ctx, g.ID, st.ID); err != nil {
			return err
		}
	}
	desc, err := h.store.Descendants(ctx, st.ID, maxRepliesShown, 0)
	if err != nil {
		return err
	}
	var visible []storage.Status
	for _, d := range desc {
		ok, err := h.engine.CanSee(ctx, me, d)
		if err != nil {
			return err
		}
		if ok {
			visible = append(visible, d)
		}
	}
	if cv.Replies, err = h.listed(r, visible); err != nil {
		return err
	}
	cv.Thread.Replies = len(cv.Replies)
	if err := h.linkThreadTerms(ctx, g, cv); err != nil {
		return err
	}
	v := communityPage{pageView: h.viewIn(cv, cv.Thread.Title+" – "+cv.Name), Community: cv}
	v.ActivityURL, v.Member = st.URI, h.memberOf(r)
	if v.Member != nil {
		if err := h.offerVote(r, me, &cv.Thread.statusView, cv.URL, v.Member.CSRF); err != nil {
			return err
		}
		for i := range cv.Replies {
			if err := h.offerVote(r, me, &cv.Replies[i], cv.URL, v.Member.CSRF); err != nil {
				return err
			}
		}
	}
	if cv.Moderating && v.Member != nil {
		moderated := func(p statusView, what string) *moderatedPost {
			return &moderatedPost{ID: p.ID, AuthorID: p.AuthorID, AuthorName: p.Author.Name, Community: cv.URL,
				CSRF: v.Member.CSRF, Thread: cv.Thread.ID, What: what, Own: p.AuthorID == me.ID.String()}
		}
		cv.Thread.Moderate = moderated(cv.Thread.statusView, "thread")
		for i := range cv.Replies {
			cv.Replies[i].Moderate = moderated(cv.Replies[i], "reply")
		}
	}
	return h.render(w, r, http.StatusOK, "thread", &v)
}

// profileOrCommunity serves /@{username}: a member's profile, or for a
// community hosted here (the url its actor gives, which Mastodon apps
// open) a redirect to its page.
func (h *Handler) profileOrCommunity(w http.ResponseWriter, r *http.Request) {
	if a, err := h.store.AccountByUsername(r.Context(), chi.URLParam(r, "username")); err == nil {
		if _, err := h.store.CommunityByAccount(r.Context(), a.ID); err == nil {
			http.Redirect(w, r, communityPath(a.Username), http.StatusFound)
			return
		}
	}
	h.Profile(w, r)
}
