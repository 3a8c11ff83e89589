package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// The accounts part of the client API: profiles, statuses by account,
// lookup and search here; the member's own profile in
// accounts_credentials.go; follows, blocks, mutes, notes, relationships
// and the lists of them in accounts_relations.go.

// Page sizes as Mastodon's documentation gives them.
const (
	relationPageDefault      = 40
	relationPageMax          = 80
	profileStatusPageDefault = 20
	profileStatusPageMax     = 40
)

func (h *Handler) mountAccounts(r chi.Router) {
	r.Get("/api/v1/accounts", h.getAccounts)
	r.Get("/api/v1/directory", h.directory)
	r.Get("/api/v1/accounts/verify_credentials", h.verifyCredentials)
	r.Patch("/api/v1/accounts/update_credentials", h.updateCredentials)
	r.Get("/api/v1/accounts/lookup", h.lookupAccount)
	r.Get("/api/v1/accounts/search", h.searchAccounts)
	r.Get("/api/v1/accounts/relationships", h.relationships)
	r.Get("/api/v1/accounts/familiar_followers", h.familiarFollowers)
	r.Get("/api/v1/accounts/{id}", h.getAccount)
	r.Get("/api/v1/accounts/{id}/statuses", h.accountStatuses)
	r.Get("/api/v1/accounts/{id}/followers", h.followers)
	r.Get("/api/v1/accounts/{id}/following", h.following)
	r.Get("/api/v1/accounts/{id}/featured_tags", h.featuredTags)
	r.Get("/api/v1/accounts/{id}/lists", h.accountLists)
	r.Post("/api/v1/accounts/{id}/follow", h.follow)
	r.Post("/api/v1/accounts/{id}/unfollow", h.unfollow)
	r.Post("/api/v1/accounts/{id}/block", h.block)
	r.Post("/api/v1/accounts/{id}/unblock", h.unblock)
	r.Post("/api/v1/accounts/{id}/mute", h.mute)
	r.Post("/api/v1/accounts/{id}/unmute", h.unmute)
	r.Post("/api/v1/accounts/{id}/note", h.accountNote)

	r.Get("/api/v1/follow_requests", h.followRequests)
	r.Post("/api/v1/follow_requests/{id}/authorize", h.authorizeFollowRequest)
	r.Post("/api/v1/follow_requests/{id}/reject", h.rejectFollowRequest)
	r.Get("/api/v1/blocks", h.blocks)
	r.Get("/api/v1/mutes", h.mutes)
	r.Get("/api/v1/endorsements", h.endorsements)
	r.Get("/api/v1/featured_tags", h.ownFeaturedTags)
	r.Get("/api/v1/featured_tags/suggestions", h.ownFeaturedTags)
	r.Get("/api/v1/domain_blocks", h.domainBlocks)
	r.Post("/api/v1/domain_blocks", h.blockDomain)
	r.Delete("/api/v1/domain_blocks", h.unblockDomain)
}

// targetAccount is the account a route's {id} names; an unknown or
// malformed ID is "not found".
func (h *Handler) targetAccount(r *http.Request) (storage.Account, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return storage.Account{}, err
	}
	return h.store.AccountByID(r.Context(), id)
}

// GET /api/v1/accounts/:id
func (h *Handler) getAccount(w http.ResponseWriter, r *http.Request) {
	viewer, ok := h.optionalUser(w, r, "read:accounts")
	if !ok {
		return
	}
	a, err := h.targetAccount(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderAccount(w, r, viewer, a)
}

func (h *Handler) renderAccount(w http.ResponseWriter, r *http.Request, viewer, a storage.Account) {
	e, err := h.presenter(viewer).account(r.Context(), a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.json(w, e)
}

// GET /api/v1/accounts?id[]=
func (h *Handler) getAccounts(w http.ResponseWriter, r *http.Request) {
	viewer, ok := h.optionalUser(w, r, "read:accounts")
	if !ok {
		return
	}
	v, err := form(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.presenter(viewer)
	out := []Account{}
	for _, id := range idList(v) {
		a, err := h.store.AccountByID(r.Context(), id)
		if errors.Is(err, storage.ErrNotFound) || err == nil && !a.SuspendedAt.IsZero() {
			continue // Mastodon leaves out what it does not find
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		e, err := p.account(r.Context(), a)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		out = append(out, e)
	}
	h.json(w, out)
}

// maxIDList bounds the id[] of one request, so one request cannot ask
// for the whole database.
const maxIDList = 100

// idList reads id[] (or repeated id), skipping malformed and repeated
// IDs.
func idList(v url.Values) []storage.ID {
	var out []storage.ID
	seen := map[storage.ID]bool{}
	for _, s := range list(v, "id") {
		id, err := storage.ParseID(s)
		if err != nil || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
		if len(out) == maxIDList {
			break
		}
	}
	return out
}

// GET /api/v1/accounts/lookup?acct=
func (h *Handler) lookupAccount(w http.ResponseWriter, r *http.Request) {
	viewer, ok := h.optionalUser(w, r, "read:accounts")
	if !ok {
		return
	}
	acct := strings.TrimSpace(r.URL.Query().Get("acct"))
	if acct == "" {
		h.fail(w, r, storage.ErrNotFound)
		return
	}
	var a storage.Account
	var err error
	if viewer.ID != 0 {
		a, err = h.engine.ResolveAccount(r.Context(), acct)
	} else {
		// Anonymous callers get only accounts the node knows: otherwise
		// anyone could make the node fetch from any host.
		a, err = h.knownAccount(r.Context(), acct)
	}
	if err != nil {
		// Whatever went wrong (no such user, a peer that is down, not an
		// address at all), the answer is that the address maps to no account.
		h.log.DebugContext(r.Context(), "lookup failed", "acct", acct, "err", err)
		h.fail(w, r, storage.ErrNotFound)
		return
	}
	if !a.SuspendedAt.IsZero() {
		h.fail(w, r, storage.ErrNotFound)
		return
	}
	h.renderAccount(w, r, viewer, a)
}

// knownAccount finds "user", "user@host" or "@user@host" among the
// accounts the node already knows, fetching nothing.
func (h *Handler) knownAccount(ctx context.Context, acct string) (storage.Account, error) {
	user, host, _ := strings.Cut(strings.TrimPrefix(acct, "@"), "@")
	if host == "" || strings.EqualFold(host, h.urls.Host()) {
		return h.store.AccountByUsername(ctx, user)
	}
	return h.store.AccountByAcct(ctx, user, host)
}

// GET /api/v1/accounts/search?q=&resolve=&limit=&offset=&following=
func (h *Handler) searchAccounts(w http.ResponseWriter, r *http.Request) {
	me, ok := h.user(w, r, "read:accounts")
	if !ok {
		return
	}
	v, err := form(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := strings.TrimSpace(v.Get("q"))
	limit := relationPageDefault
	if n, err := strconv.Atoi(v.Get("limit")); err == nil && n > 0 {
		limit = min(n, relationPageMax)
	}
	offset, _ := strconv.Atoi(v.Get("offset"))
	following := boolParam(v, "following", false)
	out := []Account{}
	if q == "" {
		h.json(w, out)
		return
	}
	found, err := h.searchAccountsFor(r.Context(), searchRequest{viewer: me, q: q, resolve: boolParam(v, "resolve", false),
		following: following, offset: offset, page: storage.Page{Limit: limit}})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.presenter(me)
	for _, a := range found {
		e, err := p.account(r.Context(), a)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		out = append(out, e)
	}
	h.json(w, out)
}

// looksLikeAddress reports whether a search is for one account by address:
// user@host or a URL.
func looksLikeAddress(q string) bool {
	if strings.HasPrefix(q, "https://") || strings.HasPrefix(q, "http://") {
		return true
	}
	user, host, ok := strings.Cut(strings.TrimPrefix(q, "@"), "@")
	return ok && user != "" && host != "" && !strings.ContainsAny(q, " \t")
}

// GET /api/v1/accounts/:id/statuses
func (h *Handler) accountStatuses(w http.ResponseWriter, r *http.Request) {
	viewer, ok := h.optionalUser(w, r, "read:statuses")
	if !ok {
		return
	}
	a, err := h.targetAccount(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := form(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	vis, err := h.visibleTo(r.Context(), viewer, a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(vis) == 0 {
		h.json(w, []Status{})
		return
	}
	f := storage.AccountStatusFilter{
		Visibilities:     vis,
		Pinned:           boolParam(v, "pinned", false),
		ExcludeReplies:   boolParam(v, "exclude_replies", false),
		ExcludeReblogs:   boolParam(v, "exclude_reblogs", false),
		OnlyMedia:        boolParam(v, "only_media", false),
		ExcludeSensitive: boolParam(v, "exclude_sensitive", false),
		Tagged:           v.Get("tagged"),
	}
	sts, err := h.store.AccountStatusPage(r.Context(), a.ID, f, page(v, profileStatusPageDefault, profileStatusPageMax))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(sts) > 0 {
		h.setLink(w, r, sts[0].ID, sts[len(sts)-1].ID)
	}
	shown := sts[:0:0]
	for _, st := range sts {
		if st.ReblogOfID != 0 {
			// A reblog shows another author's status: the viewer must be
			// allowed to see that one too.
			orig, err := h.store.StatusByID(r.Context(), st.ReblogOfID)
			if errors.Is(err, storage.ErrNotFound) {
				continue
			}
			ok := false
			if err == nil {
				ok, err = h.engine.CanSee(r.Context(), viewer, orig)
			}
			if err != nil {
				h.fail(w, r, err)
				return
			}
			if !ok {
				continue
			}
		}
		shown = append(shown, st)
	}
	out, err := h.presenter(viewer).filteredStatuses(r.Context(), filterAccount, shown)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.json(w, out)
}

// visibleTo is which of an author's statuses a viewer may list, as
// Engine.CanSee decides for one status: all of one's own; public and
// unlisted for anyone, followers-only ones too for a follower; none when
// the author blocks the viewer, or the viewer blocks the author's domain
// without following them. Direct messages are never listed on a profile.
func (h *Handler) visibleTo(ctx context.Context, viewer, author storage.Account) ([]activitypub.Visibility, error) {
	if viewer.ID == author.ID {
		return []activitypub.Visibility{activitypub.Public, activitypub.Unlisted, activitypub.FollowersOnly, activitypub.Direct}, nil
	}
	listed := []activitypub.Visibility{activitypub.Public, activitypub.Unlisted}
	if viewer.ID == 0 {
		return listed, nil
	}
	rel, err := h.store.Relationship(ctx, viewer.ID, author.ID, h.store.Now())
	if err != nil {
		return nil, err
	}
	switch {
	case rel.BlockedBy, rel.DomainBlocking && !rel.Following:
		return nil, nil
	case rel.Following:
		return append(listed, activitypub.FollowersOnly), nil
	}
	return listed, nil
}

// GET /api/v1/accounts/:id/featured_tags
func (h *Handler) featuredTags(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.optionalUser(w, r, "read:accounts"); !ok {
		return
	}
	if _, err := h.targetAccount(r); err != nil {
		h.fail(w, r, err)
		return
	}
	h.json(w, []any{}) // copse has no featured tags yet
}

// GET /api/v1/featured_tags and /api/v1/featured_tags/suggestions: the
// member's own featured tags, and the tags they might feature. copse has
// neither yet, so both are empty lists, not the 404 that Phanpy's hashtag
// page would log as an error.
func (h *Handler) ownFeaturedTags(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.user(w, r, "read:accounts"); !ok {
		return
	}
	h.json(w, []any{})
}

// GET /api/v1/accounts/:id/lists
func (h *Handler) accountLists(w http.ResponseWriter, r *http.Request) {
	me, ok := h.user(w, r, "read:lists")
	if !ok {
		return
	}
	a, err := h.targetAccount(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.listsWithAccount(w, r, me, a)
}

// GET /api/v1/endorsements
func (h *Handler) endorsements(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.user(w, r, "read:accounts"); !ok {
		return
	}
	h.json(w, []Account{}) // copse has no endorsements yet
}

// invalidParam is a 422 with Mastodon's wording for a bad parameter.
func invalidParam(msg string) error {
	return httperr.New(http.StatusUnprocessableEntity, msg)
}
