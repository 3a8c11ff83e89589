package copseapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/api"
	"github.com/copse-dev/copse/web/httperr"
)

// memberEntity is an account as the moderation routes show it.
type memberEntity struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	Acct        string `json:"acct"`
	DisplayName string `json:"display_name"`
	URL         string `json:"url"`
	ActorID     string `json:"actor_id"`
}

func (h *Handler) member(a storage.Account) memberEntity {
	return memberEntity{ID: a.ID.String(), Username: a.Username, Acct: h.acct(a), DisplayName: a.DisplayName,
		URL: a.URL, ActorID: a.URI}
}

func (h *Handler) acct(a storage.Account) string {
	if a.Local() {
		return a.Username + "@" + h.urls.Host()
	}
	return a.Acct()
}

// pathID reads the URL's {id}; a malformed one is "not found".
func pathID(r *http.Request) (storage.ID, error) {
	ids, err := pathIDs(r, "id")
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// pathIDs reads the URL's IDs; a malformed one is "not found".
func pathIDs(r *http.Request, names ...string) ([]storage.ID, error) {
	out := make([]storage.ID, len(names))
	for i, n := range names {
		id, err := storage.ParseID(chi.URLParam(r, n))
		if err != nil {
			return nil, httperr.New(http.StatusNotFound, "Record not found")
		}
		out[i] = id
	}
	return out, nil
}

// listPage reads max_id and limit (at most 80).
func listPage(r *http.Request) storage.Page {
	p := storage.Page{Limit: 20}
	p.MaxID, _ = storage.ParseID(r.URL.Query().Get("max_id"))
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && n > 0 {
		p.Limit = min(n, 80)
	}
	return p
}

// setNextLink writes the Link header the rest of the API sends: next
// pages older items from the oldest ID shown.
func (h *Handler) setNextLink(w http.ResponseWriter, r *http.Request, oldest storage.ID) {
	if oldest == 0 {
		return
	}
	q := url.Values{}
	for k, vs := range r.URL.Query() {
		q[k] = vs
	}
	q.Set("max_id", oldest.String())
	w.Header().Set("Link", fmt.Sprintf(`<%s%s?%s>; rel="next"`, h.urls.Base, r.URL.Path, q.Encode()))
}

type joinRequestEntity struct {
	Account     memberEntity `json:"account"`
	RequestedAt string       `json:"requested_at"`
}

// joinRequests: GET /api/copse/v1/communities/{id}/join_requests, for
// its moderators; newest first, paged with max_id.
func (h *Handler) joinRequests(w http.ResponseWriter, r *http.Request) error {
	me, err := api.Caller(r, "read")
	if err != nil {
		return err
	}
	ids, err := pathIDs(r, "id")
	if err != nil {
		return err
	}
	reqs, err := h.engine.JoinRequests(r.Context(), me, ids[0], listPage(r))
	if err != nil {
		return err
	}
	out := make([]joinRequestEntity, 0, len(reqs))
	var oldest storage.ID
	for _, l := range reqs {
		out = append(out, joinRequestEntity{Account: h.member(l.Account), RequestedAt: l.RowID.Time().UTC().Format(time.RFC3339)})
		oldest = l.RowID
	}
	h.setNextLink(w, r, oldest)
	httperr.JSON(w, http.StatusOK, out)
	return nil
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

// decodeOptional decodes a JSON body that may be absent.
func decodeOptional(r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decodeJSON(r, v)
}

type banRequest struct {
	AccountID  string `json:"account_id"`
	Reason     string `json:"reason"`
	ExpiresIn  int64  `json:"expires_in"` // seconds; 0 or absent: no end
	RemoveData bool   `json:"remove_data"`
}

// ban: POST /api/copse/v1/communities/{id}/bans.
func (h *Handler) ban(w http.ResponseWriter, r *http.Request) error {
	me, err := api.Caller(r, "write")
	if err != nil {
		return err
	}
	ids, err := pathIDs(r, "id")
	if err != nil {
		return err
	}
	var req banRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	target, err := storage.ParseID(req.AccountID)
	if err != nil {
		return httperr.New(http.StatusUnprocessableEntity, "account_id must be an account's id")
	}
	const maxBan = 100 * 365 * 24 * 60 * 60 // seconds: beyond it, time.Duration overflows soon
	if req.ExpiresIn < 0 || req.ExpiresIn > maxBan {
		return httperr.New(http.StatusUnprocessableEntity, "expires_in must be a positive number of seconds, at most 100 years")
	}
	err = h.engine.BanFromCommunity(r.Context(), me, ids[0], federation.Ban{AccountID: target, Reason: req.Reason,
		ExpiresIn: time.Duration(req.ExpiresIn) * time.Second, RemoveData: req.RemoveData})
	if errors.Is(err, storage.ErrNotFound) {
		// The community is checked first: what is missing is the account.
		if _, cerr := h.store.CommunityByAccount(r.Context(), ids[0]); cerr == nil {
			return httperr.New(http.StatusUnprocessableEntity, "account_id names no known account")
		}
	}
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, map[string]any{})
	return nil
}

// unban: DELETE /api/copse/v1/communities/{id}/bans/{account_id}.
func (h *Handler) unban(w http.ResponseWriter, r *http.Request) error {
	me, err := api.Caller(r, "write")
	if err != nil {
		return err
	}
	ids, err := pathIDs(r, "id", "account_id")
	if err != nil {
		return err
	}
	if err := h.engine.UnbanFromCommunity(r.Context(), me, ids[0], ids[1]); err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, map[string]any{})
	return nil
}

type moderationEntryEntity struct {
	ID        string  `json:"id"`
	Moderator string  `json:"moderator"`    // acct when known, else the actor's IRI
	ActorID   string  `json:"moderator_id"` // the moderator's ActivityPub id
	Action    string  `json:"action"`
	Target    string  `json:"target"` // the account's or the post's IRI
	Reason    string  `json:"reason"`
	CreatedAt string  `json:"created_at"`
	ExpiresAt *string `json:"expires_at"` // a ban's end; null: none
}

// moderationLog: GET /api/copse/v1/communities/{id}/moderation_log,
// newest first, paged with max_id. Anyone may read a public community's
// log; a members-only one's is for its members and moderators. For a
// remote community it lists what this node applied of its moderation.
func (h *Handler) moderationLog(w http.ResponseWriter, r *http.Request) error {
	ids, err := pathIDs(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	g, err := h.store.AccountByID(ctx, ids[0])
	if err != nil {
		return err
	}
	if g.ActorType != activitypub.TypeGroup {
		return httperr.New(http.StatusNotFound, "Record not found")
	}
	me, err := viewer(r)
	if err != nil {
		return err
	}
	if ok, err := h.engine.CanSeeCommunity(ctx, me, g); err != nil {
		return err
	} else if !ok && me.ID == 0 {
		_, err := api.Caller(r, "read") // a members-only log needs a member's token
		return cmp.Or(err, httperr.New(http.StatusNotFound, "Record not found"))
	} else if !ok {
		return httperr.New(http.StatusNotFound, "Record not found") // as if absent, like its posts
	}
	entries, err := h.store.ModerationLog(ctx, g.ID, listPage(r))
	if err != nil {
		return err
	}
	modIDs := make([]storage.ID, 0, len(entries))
	for _, m := range entries {
		if m.ModeratorID != 0 {
			modIDs = append(modIDs, m.ModeratorID)
		}
	}
	mods, err := h.store.AccountsByIDs(ctx, modIDs) // one read for the page, not one per entry
	if err != nil {
		return err
	}
	out := make([]moderationEntryEntity, 0, len(entries))
	var oldest storage.ID
	for _, m := range entries {
		e := moderationEntryEntity{ID: m.ID.String(), Moderator: m.ModeratorURI, ActorID: m.ModeratorURI, Action: m.Action,
			Target: m.Target, Reason: m.Reason, CreatedAt: m.CreatedAt.UTC().Format(time.RFC3339)}
		if a, ok := mods[m.ModeratorID]; ok {
			e.Moderator = h.acct(a)
		}
		if !m.ExpiresAt.IsZero() {
			s := m.ExpiresAt.UTC().Format(time.RFC3339)
			e.ExpiresAt = &s
		}
		out = append(out, e)
		oldest = m.ID
	}
	h.setNextLink(w, r, oldest)
	httperr.JSON(w, http.StatusOK, out)
	return nil
}

type membershipEntity struct {
	// State is member, pending, rejected, banned or none.
	State     string  `json:"state"`
	Reason    string  `json:"reason,omitempty"` // why rejected or banned
	ExpiresAt *string `json:"expires_at,omitempty"`
}

// membership: GET /api/copse/v1/communities/{id}/membership, the
// caller's standing in a community hosted here or elsewhere: how a member
// whose request to join was refused is told why.
func (h *Handler) membership(w http.ResponseWriter, r *http.Request) error {
	me, err := api.Caller(r, "read")
	if err != nil {
		return err
	}
	ids, err := pathIDs(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	g, err := h.store.AccountByID(ctx, ids[0])
	if err != nil {
		return err
	}
	if g.ActorType != activitypub.TypeGroup {
		return httperr.New(http.StatusNotFound, "Record not found")
	}
	m, err := h.store.MembershipOf(ctx, g.ID, me.ID, h.store.Now())
	if err != nil {
		return err
	}
	out := membershipEntity{State: m.State, Reason: m.Reason}
	if !m.ExpiresAt.IsZero() {
		s := m.ExpiresAt.UTC().Format(time.RFC3339)
		out.ExpiresAt = &s
	}
	httperr.JSON(w, http.StatusOK, out)
	return nil
}

// moderatorAct is a moderator's action on one account or post of a
// community: POST or DELETE /api/copse/v1/communities/{id}/<what>/{second},
// with an optional JSON reason; it answers {} once act has done it.
func (h *Handler) moderatorAct(second string, act func(ctx context.Context, me storage.Account, community, target storage.ID, reason string) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := api.Caller(r, "write")
		if err != nil {
			return err
		}
		ids, err := pathIDs(r, "id", second)
		if err != nil {
			return err
		}
		var req reasonRequest
		if err := decodeOptional(r, &req); err != nil {
			return err
		}
		if err := act(r.Context(), me, ids[0], ids[1], req.Reason); err != nil {
			return err
		}
		httperr.JSON(w, http.StatusOK, map[string]any{})
		return nil
	}
}
