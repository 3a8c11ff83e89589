package copseapi

import (
	"cmp"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/api"
	"github.com/copse-dev/copse/web/httperr"
)

// The reads of communities, their members and the directory. They are
// public, as Mastodon's directory and account lists are: a token, when
// given, must carry the read scope, and makes its member the viewer the
// visibility rule asks about.

// maxLimit is the most items a page of this API holds (Mastodon's 80).
const maxLimit = 80

// viewer is the member a read acts for, or the zero account when the
// request carries no token.
func viewer(r *http.Request) (storage.Account, error) {
	me, err := api.Caller(r, "read")
	var he *httperr.Error
	if err != nil && errors.As(err, &he) && he.Code == http.StatusUnauthorized {
		return storage.Account{}, nil
	}
	return me, err
}

// pageOf reads max_id and limit.
func pageOf(r *http.Request) (storage.Page, error) {
	q := r.URL.Query()
	p := storage.Page{Limit: 40}
	if s := q.Get("max_id"); s != "" {
		id, err := storage.ParseID(s)
		if err != nil {
			return p, httperr.New(http.StatusBadRequest, "max_id must be an ID")
		}
		p.MaxID = id
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return p, httperr.New(http.StatusBadRequest, "limit must be a positive number")
		}
		p.Limit = min(n, maxLimit)
	}
	return p, nil
}

// setNext writes the Link header to the next, older page, as Mastodon
// does, when the page was full (so more may follow). Other query
// parameters (filters) are kept.
func (h *Handler) setNext(w http.ResponseWriter, r *http.Request, n int, p storage.Page, last storage.ID) {
	if n < p.Limit || last == 0 {
		return
	}
	q := r.URL.Query()
	q.Set("max_id", last.String())
	q.Set("limit", strconv.Itoa(p.Limit))
	w.Header().Set("Link", "<"+h.urls.Base+r.URL.EscapedPath()+"?"+q.Encode()+`>; rel="next"`)
}

// localCommunity reads the community hosted here named by {id}.
func (h *Handler) localCommunity(r *http.Request) (storage.Account, storage.Community, error) {
	id, err := pathID(r)
	if err != nil {
		return storage.Account{}, storage.Community{}, err
	}
	c, err := h.store.CommunityByAccount(r.Context(), id)
	if err != nil {
		return storage.Account{}, storage.Community{}, err
	}
	g, err := h.store.AccountByID(r.Context(), id)
	if err != nil {
		return storage.Account{}, storage.Community{}, err
	}
	if !g.SuspendedAt.IsZero() {
		return storage.Account{}, storage.Community{}, httperr.New(http.StatusGone, "This community has been suspended")
	}
	return g, c, nil
}

// communities: GET /api/copse/v1/communities, those hosted here, or with
// remote=true the remote Groups this node knows; q searches handle and
// name.
func (h *Handler) communities(w http.ResponseWriter, r *http.Request) error {
	if _, err := viewer(r); err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	remote := false
	if s := q.Get("remote"); s != "" {
		if remote, err = strconv.ParseBool(s); err != nil {
			return httperr.New(http.StatusBadRequest, "remote must be true or false")
		}
	}
	list, err := h.store.Communities(r.Context(), storage.CommunitySearch{Query: q.Get("q"), Remote: remote, Page: p})
	if err != nil {
		return err
	}
	out := make([]communityEntity, 0, len(list))
	for _, lc := range list {
		if lc.Local {
			e, err := h.entity(r, lc.Account, lc.Community)
			if err != nil {
				return err
			}
			out = append(out, e)
			continue
		}
		g := lc.Account
		// What a remote Group's actor says; its policies are its node's.
		out = append(out, communityEntity{ID: g.ID.String(), Handle: g.Username, Acct: g.Acct(), URL: cmp.Or(g.URL, g.URI),
			ActorID: g.URI, Name: g.DisplayName, DescriptionHTML: g.Note, Moderators: []string{},
			CreatedAt: g.CreatedAt.UTC().Format(time.RFC3339)})
	}
	var last storage.ID
	if len(list) > 0 {
		last = list[len(list)-1].Account.ID
	}
	h.setNext(w, r, len(list), p, last)
	httperr.JSON(w, http.StatusOK, out)
	return nil
}

// personEntity is a member of a community, a moderator or a person in the
// directory, with what their actor states about their work.
type personEntity struct {
	ID           string `json:"id"` // the account's ID in the Mastodon API
	Acct         string `json:"acct"`
	DisplayName  string `json:"display_name"`
	URL          string `json:"url"`
	ActorID      string `json:"actor_id"`
	Local        bool   `json:"local"`
	Organisation string `json:"organisation"`
	Department   string `json:"department"`
	Role         string `json:"role"`
}

func (h *Handler) person(a storage.Account) personEntity {
	acct := a.Acct()
	url := cmp.Or(a.URL, a.URI)
	if a.Local() {
		acct += "@" + h.urls.Host()
		url = h.urls.Profile(a.Username)
	}
	return personEntity{ID: a.ID.String(), Acct: acct, DisplayName: a.DisplayName, URL: url, ActorID: a.URI, Local: a.Local(),
		Organisation: a.Organisation, Department: a.Department, Role: a.JobTitle}
}

// members: GET /api/copse/v1/communities/{id}/members, newest member
// first; organisation keeps one organisation's. A member's page cursor
// is their membership, not their account.
func (h *Handler) members(w http.ResponseWriter, r *http.Request) error {
	g, err := h.readableCommunity(r)
	if err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	list, err := h.store.CommunityMembers(r.Context(), g.ID, r.URL.Query().Get("organisation"), p)
	if err != nil {
		return err
	}
	out := make([]personEntity, 0, len(list))
	var last storage.ID
	for _, m := range list {
		out = append(out, h.person(m.Account))
		last = m.RowID
	}
	h.setNext(w, r, len(list), p, last)
	httperr.JSON(w, http.StatusOK, out)
	return nil
}

type organisationEntity struct {
	Organisation string `json:"organisation"` // "" for members who name none
	Members      int    `json:"members"`
}

// organisations: GET /api/copse/v1/communities/{id}/organisations, the
// members per organisation, the largest first.
func (h *Handler) organisations(w http.ResponseWriter, r *http.Request) error {
	g, err := h.readableCommunity(r)
	if err != nil {
		return err
	}
	roster, err := h.store.CommunityRoster(r.Context(), g.ID, false)
	if err != nil {
		return err
	}
	out := make([]organisationEntity, 0, len(roster.Organisations))
	for _, c := range roster.Organisations {
		out = append(out, organisationEntity{Organisation: c.Organisation, Members: c.Members})
	}
	httperr.JSON(w, http.StatusOK, out)
	return nil
}

// moderators: GET /api/copse/v1/communities/{id}/moderators, first added
// first; they may sit on any node.
func (h *Handler) moderators(w http.ResponseWriter, r *http.Request) error {
	if _, err := viewer(r); err != nil {
		return err
	}
	g, _, err := h.localCommunity(r)
	if err != nil {
		return err
	}
	mods, err := h.store.CommunityModerators(r.Context(), g.ID)
	if err != nil {
		return err
	}
	out := make([]personEntity, 0, len(mods))
	for _, m := range mods {
		out = append(out, h.person(m))
	}
	httperr.JSON(w, http.StatusOK, out)
	return nil
}

// threadEntity is a community's thread in a list.
type threadEntity struct {
	ID           string       `json:"id"` // the status's ID in the Mastodon API
	URI          string       `json:"uri"`
	URL          string       `json:"url"`
	Title        string       `json:"title"`
	Content      string       `json:"content"` // sanitised HTML
	SpoilerText  string       `json:"spoiler_text"`
	Author       personEntity `json:"author"`
	CreatedAt    string       `json:"created_at"`
	RepliesCount int          `json:"replies_count"` // direct replies anyone may read
}

// errMembersOnly answers a non-member asking for the content of a
// members-only community.
var errMembersOnly = httperr.New(http.StatusForbidden, "This community's posts are shown only to its members")

// readableCommunity reads the community hosted here named by {id} when
// the caller may read its lists (members, organisations, threads): the
// visibility rule (Engine.CanSeeCommunity) lets anyone read a public
// community's, and only members a members-only one's.
func (h *Handler) readableCommunity(r *http.Request) (storage.Account, error) {
	me, err := viewer(r)
	if err != nil {
		return storage.Account{}, err
	}
	g, _, err := h.localCommunity(r)
	if err != nil {
		return storage.Account{}, err
	}
	ok, err := h.engine.CanSeeCommunity(r.Context(), me, g)
	if err != nil {
		return storage.Account{}, err
	}
	if !ok {
		return storage.Account{}, errMembersOnly
	}
	return g, nil
}

// threads: GET /api/copse/v1/communities/{id}/threads, newest first, each
// asked of the visibility rule for the viewer.
func (h *Handler) threads(w http.ResponseWriter, r *http.Request) error {
	me, err := viewer(r)
	if err != nil {
		return err
	}
	g, err := h.readableCommunity(r)
	if err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	list, err := h.store.CommunityThreads(ctx, g.ID, me.ID, h.store.Now(), p)
	if err != nil {
		return err
	}
	ids := make([]storage.ID, 0, len(list))
	for _, t := range list {
		ids = append(ids, t.Status.AccountID)
	}
	authors, err := h.store.AccountsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	out := make([]threadEntity, 0, len(list))
	for _, t := range list {
		a, ok := authors[t.Status.AccountID]
		if !ok {
			continue
		}
		// The visibility rule was applied by CommunityThreads' query
		// (qListedTo, which agrees with activitypub.Listed, itself
		// within CanSee): one query for the page, not two per thread.
		st := t.Status
		out = append(out, threadEntity{ID: st.ID.String(), URI: st.URI, URL: cmp.Or(st.URL, st.URI),
			Title: cmp.Or(st.Title, federation.PlainText(st.Content)), Content: st.Content, SpoilerText: st.SpoilerText,
			Author: h.person(a), CreatedAt: st.CreatedAt.UTC().Format(time.RFC3339Nano), RepliesCount: t.Replies})
	}
	var last storage.ID
	if len(list) > 0 {
		last = list[len(list)-1].Status.ID
	}
	h.setNext(w, r, len(list), p, last)
	httperr.JSON(w, http.StatusOK, out)
	return nil
}

// directory: GET /api/copse/v1/directory, people by organisation,
// department and role: this node's discoverable members and the members
// of the communities it hosts. Filters organisation, department, role
// (whole values, any case) and q (part of a handle or name).
func (h *Handler) directory(w http.ResponseWriter, r *http.Request) error {
	if _, err := viewer(r); err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	list, err := h.store.Directory(r.Context(), storage.DirectoryFilter{Organisation: q.Get("organisation"),
		Department: q.Get("department"), Role: q.Get("role"), Query: q.Get("q")}, p)
	if err != nil {
		return err
	}
	out := make([]personEntity, 0, len(list))
	var last storage.ID
	for _, a := range list {
		out = append(out, h.person(a))
		last = a.ID
	}
	h.setNext(w, r, len(list), p, last)
	httperr.JSON(w, http.StatusOK, out)
	return nil
}
