package api

import (
	"context"
	"errors"
	"fmt"
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
	r.Get("/api/v1/accounts", h.handle(h.getAccounts))
	r.Post("/api/v1/accounts", h.handle(h.registerAccount))
	r.Get("/api/v1/directory", h.handle(h.directory))
	r.Get("/api/v1/accounts/verify_credentials", h.handle(h.verifyCredentials))
	r.Patch("/api/v1/accounts/update_credentials", h.handle(h.updateCredentials))
	r.Get("/api/v1/accounts/lookup", h.handle(h.lookupAccount))
	r.Get("/api/v1/accounts/search", h.handle(h.searchAccounts))
	r.Get("/api/v1/accounts/relationships", h.handle(h.relationships))
	r.Get("/api/v1/accounts/familiar_followers", h.handle(h.familiarFollowers))
	r.Get("/api/v1/accounts/{id}", h.handle(h.getAccount))
	r.Get("/api/v1/accounts/{id}/statuses", h.handle(h.accountStatuses))
	r.Get("/api/v1/accounts/{id}/followers", h.handle(h.followers))
	r.Get("/api/v1/accounts/{id}/following", h.handle(h.following))
	r.Get("/api/v1/accounts/{id}/featured_tags", h.handle(h.featuredTags))
	r.Get("/api/v1/accounts/{id}/lists", h.handle(h.accountLists))
	r.Post("/api/v1/accounts/{id}/follow", h.handle(h.follow))
	r.Post("/api/v1/accounts/{id}/unfollow", h.handle(h.unfollow))
	r.Post("/api/v1/accounts/{id}/block", h.handle(h.block))
	r.Post("/api/v1/accounts/{id}/unblock", h.handle(h.unblock))
	r.Post("/api/v1/accounts/{id}/mute", h.handle(h.mute))
	r.Post("/api/v1/accounts/{id}/unmute", h.handle(h.unmute))
	r.Post("/api/v1/accounts/{id}/note", h.handle(h.accountNote))

	r.Get("/api/v1/follow_requests", h.handle(h.followRequests))
	r.Post("/api/v1/follow_requests/{id}/authorize", h.handle(h.authorizeFollowRequest))
	r.Post("/api/v1/follow_requests/{id}/reject", h.handle(h.rejectFollowRequest))
	r.Get("/api/v1/blocks", h.handle(h.blocks))
	r.Get("/api/v1/mutes", h.handle(h.mutes))
	r.Get("/api/v1/endorsements", h.handle(h.endorsements))
	r.Get("/api/v1/featured_tags", h.handle(h.ownFeaturedTags))
	r.Get("/api/v1/featured_tags/suggestions", h.handle(h.ownFeaturedTags))
	r.Get("/api/v1/domain_blocks", h.handle(h.domainBlocks))
	r.Post("/api/v1/domain_blocks", h.handle(h.blockDomain))
	r.Delete("/api/v1/domain_blocks", h.handle(h.unblockDomain))
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
func (h *Handler) getAccount(w http.ResponseWriter, r *http.Request) error {
	viewer, err := optionalCaller(r, "read:accounts")
	if err != nil {
		return err
	}
	a, err := h.targetAccount(r)
	if err != nil {
		return err
	}
	return h.renderAccount(w, r, viewer, a)
}

func (h *Handler) renderAccount(w http.ResponseWriter, r *http.Request, viewer, a storage.Account) error {
	e, err := h.presenter(viewer).account(r.Context(), a)
	if err != nil {
		return err
	}
	h.json(w, e)
	return nil
}

// GET /api/v1/accounts?id[]=
func (h *Handler) getAccounts(w http.ResponseWriter, r *http.Request) error {
	viewer, err := optionalCaller(r, "read:accounts")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	p := h.presenter(viewer)
	out := []Account{}
	for _, id := range idList(v) {
		a, err := h.store.AccountByID(r.Context(), id)
		if errors.Is(err, storage.ErrNotFound) || err == nil && !a.SuspendedAt.IsZero() {
			continue // Mastodon leaves out what it does not find
		}
		if err != nil {
			return err
		}
		e, err := p.account(r.Context(), a)
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	h.json(w, out)
	return nil
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
func (h *Handler) lookupAccount(w http.ResponseWriter, r *http.Request) error {
	viewer, err := optionalCaller(r, "read:accounts")
	if err != nil {
		return err
	}
	acct := strings.TrimSpace(r.URL.Query().Get("acct"))
	if acct == "" {
		return storage.ErrNotFound
	}
	var a storage.Account
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
		return storage.ErrNotFound
	}
	if !a.SuspendedAt.IsZero() {
		return storage.ErrNotFound
	}
	return h.renderAccount(w, r, viewer, a)
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
func (h *Handler) searchAccounts(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:accounts")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
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
		return nil
	}
	found, err := h.searchAccountsFor(r.Context(), searchRequest{viewer: me, q: q, resolve: boolParam(v, "resolve", false),
		following: following, offset: offset, page: storage.Page{Limit: limit}})
	if err != nil {
		return err
	}
	p := h.presenter(me)
	for _, a := range found {
		e, err := p.account(r.Context(), a)
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	h.json(w, out)
	return nil
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
func (h *Handler) accountStatuses(w http.ResponseWriter, r *http.Request) error {
	viewer, err := optionalCaller(r, "read:statuses")
	if err != nil {
		return err
	}
	a, err := h.targetAccount(r)
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	vis, err := h.visibleTo(r.Context(), viewer, a)
	if err != nil {
		return err
	}
	if len(vis) == 0 {
		h.json(w, []Status{})
		return nil
	}
	f := storage.AccountStatusFilter{
		Visibilities:     vis,
		Pinned:           boolParam(v, "pinned", false),
		ExcludeReplies:   boolParam(v, "exclude_replies", false),
		ExcludeReblogs:   boolParam(v, "exclude_reblogs", false),
		OnlyMedia:        boolParam(v, "only_media", false),
		ExcludeSensitive: boolParam(v, "exclude_sensitive", false),
		Tagged:           v.Get("tagged"),
		Viewer:           viewer.ID,
		Now:              h.store.Now(),
	}
	sts, err := h.store.AccountStatusPage(r.Context(), a.ID, f, page(v, profileStatusPageDefault, profileStatusPageMax))
	if err != nil {
		return err
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
				return err
			}
			if !ok {
				continue
			}
		}
		shown = append(shown, st)
	}
	out, err := h.presenter(viewer).filteredStatuses(r.Context(), filterAccount, shown)
	if err != nil {
		return err
	}
	h.json(w, out)
	return nil
}

// visibleTo is which of an author's statuses a viewer may list: the
// visibilities for which the one rule (Engine.CanSee) lets the viewer see
// a status of the author that does not mention them. The rule decides
// alike for every such status of one visibility, so the list shows what
// GET /api/v1/statuses/:id would show, status by status: nothing of a
// suspended author, or across a block either way; all of one's own;
// followers-only to a follower. Statuses that mention the viewer are not
// listed for that reason alone (direct messages stay off profiles), and
// a boost's boosted status is checked by the caller.
func (h *Handler) visibleTo(ctx context.Context, viewer, author storage.Account) ([]activitypub.Visibility, error) {
	var out []activitypub.Visibility
	for _, v := range []activitypub.Visibility{activitypub.Public, activitypub.Unlisted, activitypub.FollowersOnly, activitypub.Direct} {
		ok, err := h.engine.CanSee(ctx, viewer, storage.Status{AccountID: author.ID, Visibility: v})
		if err != nil {
			return nil, fmt.Errorf("statuses of %d listed to %d: %w", author.ID, viewer.ID, err)
		}
		if ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// GET /api/v1/accounts/:id/featured_tags
func (h *Handler) featuredTags(w http.ResponseWriter, r *http.Request) error {
	if _, err := optionalCaller(r, "read:accounts"); err != nil {
		return err
	}
	if _, err := h.targetAccount(r); err != nil {
		return err
	}
	h.json(w, []any{}) // copse has no featured tags yet
	return nil
}

// GET /api/v1/featured_tags and /api/v1/featured_tags/suggestions: the
// member's own featured tags, and the tags they might feature. copse has
// neither yet, so both are empty lists, not the 404 that Phanpy's hashtag
// page would log as an error.
func (h *Handler) ownFeaturedTags(w http.ResponseWriter, r *http.Request) error {
	if _, err := Caller(r, "read:accounts"); err != nil {
		return err
	}
	h.json(w, []any{})
	return nil
}

// GET /api/v1/accounts/:id/lists
func (h *Handler) accountLists(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:lists")
	if err != nil {
		return err
	}
	a, err := h.targetAccount(r)
	if err != nil {
		return err
	}
	return h.listsWithAccount(w, r, me, a)
}

// GET /api/v1/endorsements
func (h *Handler) endorsements(w http.ResponseWriter, r *http.Request) error {
	if _, err := Caller(r, "read:accounts"); err != nil {
		return err
	}
	h.json(w, []Account{}) // copse has no endorsements yet
	return nil
}

// invalidParam is a 422 with Mastodon's wording for a bad parameter.
func invalidParam(msg string) error {
	return httperr.New(http.StatusUnprocessableEntity, msg)
}
