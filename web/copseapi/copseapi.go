// Package copseapi is copse's own client API, under /api/copse/v1: what
// the Mastodon API has no words for, starting with communities. It uses
// the Mastodon API's tokens, scopes and rate limit (web/api's
// Middleware), and answers errors as JSON {"error": "..."} like it.
// Handlers decode, call the engine and encode; they write nothing
// themselves.
package copseapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/api"
	"github.com/copse-dev/copse/web/httperr"
)

// Prefix is where the API is mounted.
const Prefix = "/api/copse/v1"

// Handler serves copse's own API.
type Handler struct {
	engine *federation.Engine
	store  storage.Reader
	urls   federation.URLs
	log    *slog.Logger
	// middleware authenticates tokens and applies the rate limit.
	middleware []func(http.Handler) http.Handler
}

// New returns the handler; auth is the Mastodon API's, whose tokens and
// limits it shares.
func New(engine *federation.Engine, auth *api.Handler, log *slog.Logger) *Handler {
	return &Handler{engine: engine, store: engine.Reader(), urls: engine.URLs(),
		log: log.With("component", "copseapi"), middleware: auth.Middleware()}
}

// Mount adds the API's routes under Prefix to r.
func (h *Handler) Mount(r chi.Router) {
	r.Route(Prefix, func(r chi.Router) {
		r.Use(h.middleware...)
		r.Method(http.MethodPost, "/communities", h.handle(h.createCommunity))
		r.Method(http.MethodGet, "/communities/{id}", h.handle(h.community))
		r.Method(http.MethodPatch, "/communities/{id}", h.handle(h.editCommunity))
		for _, which := range []string{"icon", "header"} {
			r.Method(http.MethodPut, "/communities/{id}/"+which, h.handle(h.communityImage(which, true)))
			r.Method(http.MethodDelete, "/communities/{id}/"+which, h.handle(h.communityImage(which, false)))
		}
		r.Method(http.MethodGet, "/communities/{id}/join_requests", h.handle(h.joinRequests))
		r.Method(http.MethodPost, "/communities/{id}/join_requests/{account_id}/accept", h.handle(h.moderatorAct("account_id", func(ctx context.Context, me storage.Account, c, a storage.ID, _ string) error {
			return h.engine.AcceptJoin(ctx, me, c, a)
		})))
		r.Method(http.MethodPost, "/communities/{id}/join_requests/{account_id}/reject", h.handle(h.moderatorAct("account_id", h.engine.RejectJoin)))
		r.Method(http.MethodGet, "/communities/{id}/membership", h.handle(h.membership))
		r.Method(http.MethodGet, "/communities/{id}/moderation_log", h.handle(h.moderationLog))
		r.Method(http.MethodDelete, "/communities/{id}/statuses/{status_id}", h.handle(h.moderatorAct("status_id", h.engine.RemoveCommunityPost)))
		r.Method(http.MethodPost, "/communities/{id}/bans", h.handle(h.ban))
		r.Method(http.MethodPost, "/communities/{id}/statuses/{status_id}/lock", h.handle(h.moderatorAct("status_id", func(ctx context.Context, me storage.Account, c, st storage.ID, reason string) error {
			return h.engine.LockThread(ctx, me, c, st, true, reason)
		})))
		r.Method(http.MethodPost, "/communities/{id}/statuses/{status_id}/unlock", h.handle(h.moderatorAct("status_id", func(ctx context.Context, me storage.Account, c, st storage.ID, reason string) error {
			return h.engine.LockThread(ctx, me, c, st, false, reason)
		})))
		r.Method(http.MethodPost, "/communities/{id}/statuses/{status_id}/pin", h.handle(h.moderatorAct("status_id", func(ctx context.Context, me storage.Account, c, st storage.ID, _ string) error {
			return h.engine.PinThread(ctx, me, c, st, true)
		})))
		r.Method(http.MethodPost, "/communities/{id}/statuses/{status_id}/unpin", h.handle(h.moderatorAct("status_id", func(ctx context.Context, me storage.Account, c, st storage.ID, _ string) error {
			return h.engine.PinThread(ctx, me, c, st, false)
		})))
		r.Method(http.MethodDelete, "/communities/{id}/bans/{account_id}", h.handle(h.unban))
		r.Method(http.MethodGet, "/admin/audit", h.handle(h.audit))
		r.Method(http.MethodGet, "/communities", h.handle(h.communities))
		r.Method(http.MethodGet, "/communities/{id}/members", h.handle(h.members))
		r.Method(http.MethodGet, "/communities/{id}/organisations", h.handle(h.organisations))
		r.Method(http.MethodGet, "/communities/{id}/moderators", h.handle(h.moderators))
		r.Method(http.MethodGet, "/communities/{id}/threads", h.handle(h.threads))
		r.Method(http.MethodPost, "/communities/{id}/moderators/{account_id}", h.handle(h.setModerator(true)))
		r.Method(http.MethodDelete, "/communities/{id}/moderators/{account_id}", h.handle(h.setModerator(false)))
		r.Method(http.MethodGet, "/communities/{id}/reports", h.handle(h.communityReports))
		r.Method(http.MethodGet, "/communities/{id}/reports/{report_id}", h.handle(h.communityReport))
		r.Method(http.MethodPost, "/communities/{id}/reports/{report_id}/assign_to_self", h.handle(h.reportAct(h.assignReport)))
		r.Method(http.MethodPost, "/communities/{id}/reports/{report_id}/unassign", h.handle(h.reportAct(h.unassignReport)))
		r.Method(http.MethodPost, "/communities/{id}/reports/{report_id}/resolve", h.handle(h.reportAct(h.resolveReport)))
		r.Method(http.MethodPost, "/communities/{id}/reports/{report_id}/reopen", h.handle(h.reportAct(h.reopenReport)))
		r.Method(http.MethodPost, "/communities/{id}/reports/{report_id}/notes", h.handle(h.reportAct(h.noteReport)))
		r.Method(http.MethodGet, "/directory", h.handle(h.directory))
		r.Method(http.MethodGet, "/proposals", h.handle(h.proposals))
		r.Method(http.MethodGet, "/proposals/{id}", h.handle(h.proposal))
		h.mountArtefacts(r)
		h.mountGlossary(r)
		h.mountEvents(r)
		h.mountSearch(r)
		h.mountPolicySubscriptions(r)
		r.Method(http.MethodGet, "/openapi.json", http.HandlerFunc(serveOpenAPI))
	})
}

// handlerFunc is a handler that returns its error, answered in one place.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (h *Handler) handle(f handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			httperr.Write(w, r, h.log, err)
		}
	})
}

// decodeJSON reads the request body as JSON into v, refusing a body of
// more values than the client API's forms may hold (api.MaxFormValues;
// an artefact's 20 tags, 20 authors and 50 files are a few hundred)
// before decoding it: an 8 MiB array of empty strings took 297 MB.
func decodeJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return httperr.New(http.StatusBadRequest, "the body could not be read")
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return httperr.New(http.StatusBadRequest, "the body must be a JSON object")
	}
	if activitypub.JSONValuesOver(b, api.MaxFormValues) {
		return api.ErrFormTooMany
	}
	if err := json.Unmarshal(b, v); err != nil {
		return httperr.New(http.StatusBadRequest, "the body is not valid JSON: "+err.Error())
	}
	return nil
}

// communityEntity is a community as the API shows it.
type communityEntity struct {
	ID              string   `json:"id"`
	Handle          string   `json:"handle"`
	Acct            string   `json:"acct"`     // handle@host: what members of any node type to find it
	URL             string   `json:"url"`      // its page
	ActorID         string   `json:"actor_id"` // its ActivityPub id
	Name            string   `json:"name"`
	Description     string   `json:"description"`      // Markdown, as written
	DescriptionHTML string   `json:"description_html"` // as rendered
	Icon            string   `json:"icon"`             // its URL, "" for none
	Header          string   `json:"header"`           // its URL, "" for none
	Rules           string   `json:"rules"`
	Language        string   `json:"language"`
	JoinPolicy      string   `json:"join_policy"`
	PostingPolicy   string   `json:"posting_policy"`
	Visibility      string   `json:"visibility"`
	Moderators      []string `json:"moderators"` // accts
	CreatedAt       string   `json:"created_at"`
}

func (h *Handler) entity(r *http.Request, g storage.Account, c storage.Community) (communityEntity, error) {
	mods, err := h.store.CommunityModerators(r.Context(), g.ID)
	if err != nil {
		return communityEntity{}, err
	}
	e := communityEntity{ID: g.ID.String(), Handle: g.Username, Acct: g.Username + "@" + h.urls.Host(),
		URL: g.URL, ActorID: g.URI, Name: g.DisplayName, Description: c.DescriptionSource, DescriptionHTML: g.Note,
		Icon: g.AvatarURL, Header: g.HeaderURL,
		Rules: c.Rules, Language: c.Language, JoinPolicy: c.JoinPolicy, PostingPolicy: c.PostingPolicy,
		Visibility: c.Visibility, Moderators: []string{}, CreatedAt: c.CreatedAt.UTC().Format(time.RFC3339)}
	for _, m := range mods {
		if m.Local() {
			e.Moderators = append(e.Moderators, m.Username+"@"+h.urls.Host())
		} else {
			e.Moderators = append(e.Moderators, m.Acct())
		}
	}
	return e, nil
}

type createCommunityRequest struct {
	Handle        string `json:"handle"`
	Name          string `json:"name"`
	Description   string `json:"description"`
	Rules         string `json:"rules"`
	Language      string `json:"language"`
	JoinPolicy    string `json:"join_policy"`
	PostingPolicy string `json:"posting_policy"`
	Visibility    string `json:"visibility"`
}

// createCommunity: POST /api/copse/v1/communities, a JSON object; the
// member who asks becomes its first moderator.
func (h *Handler) createCommunity(w http.ResponseWriter, r *http.Request) error {
	me, err := api.Caller(r, "write")
	if err != nil {
		return err
	}
	var req createCommunityRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	c, err := h.engine.CreateCommunity(r.Context(), me, federation.NewCommunity{
		Handle: req.Handle, Name: req.Name, Description: req.Description, Rules: req.Rules, Language: req.Language,
		JoinPolicy: req.JoinPolicy, PostingPolicy: req.PostingPolicy, Visibility: req.Visibility,
	})
	if err != nil {
		return err
	}
	g, err := h.store.AccountByID(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	ent, err := h.entity(r, g, c)
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, ent)
	return nil
}

// community: GET /api/copse/v1/communities/{id}, by the Group account's
// ID. What a community is (not its posts) is public, even for a
// members-only one: people must find it to ask to join.
func (h *Handler) community(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := h.store.CommunityByAccount(r.Context(), id)
	if err != nil {
		return err
	}
	g, err := h.store.AccountByID(r.Context(), id)
	if err != nil {
		return err
	}
	ent, err := h.entity(r, g, c)
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, ent)
	return nil
}
