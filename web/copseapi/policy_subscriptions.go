package copseapi

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/api"
	"github.com/copse-dev/copse/web/httperr"
)

// Subscriptions to shared domain lists (of blocks, or of allows) and
// their drafts, for the node's admins (the engine checks ActManageFederation on each call).

// mountPolicySubscriptions adds the routes under /admin.
func (h *Handler) mountPolicySubscriptions(r chi.Router) {
	r.Method(http.MethodGet, "/admin/policy_subscriptions", h.policyRoute("admin:read", h.policySubscriptions))
	r.Method(http.MethodPost, "/admin/policy_subscriptions", h.policyRoute("admin:write", h.subscribeList))
	r.Method(http.MethodDelete, "/admin/policy_subscriptions/{id}", h.policyRoute("admin:write", byID(h.unsubscribeList)))
	r.Method(http.MethodPost, "/admin/policy_subscriptions/{id}/refresh", h.policyRoute("admin:write", byID(h.refreshList)))
	r.Method(http.MethodGet, "/admin/policy_drafts", h.policyRoute("admin:read", h.policyDrafts))
	r.Method(http.MethodPost, "/admin/policy_drafts/{id}/approve", h.policyRoute("admin:write", byID(h.approveDraft)))
	r.Method(http.MethodPost, "/admin/policy_drafts/{id}/reject", h.policyRoute("admin:write", byID(h.rejectDraft)))
}

// policyAnswer is what a policy route answers: a status and a JSON body.
type policyAnswer struct {
	status int
	body   any
}

func okAnswer(body any) policyAnswer { return policyAnswer{status: http.StatusOK, body: body} }

// policyCall is one policy route after its caller is known.
type policyCall func(r *http.Request, me storage.Account) (policyAnswer, error)

// policyRoute is the one shape of these routes: the caller's token must
// carry scope (admin:read or admin:write) or its granular form for
// domain blocks, as Mastodon's admin API takes them; whether the caller's
// role may manage federation is the engine's check. Then call, with the
// body bounded to 8 KiB, whose answer is written as JSON.
func (h *Handler) policyRoute(scope string, call policyCall) http.Handler {
	return h.handle(func(w http.ResponseWriter, r *http.Request) error {
		me, err := policyCaller(r, scope)
		if err != nil {
			return err
		}
		r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
		out, err := call(r, me)
		if err != nil {
			return err
		}
		httperr.JSON(w, out.status, out.body)
		return nil
	})
}

// policyCaller is api.Caller for scope or scope+":domain_blocks" (a
// token with admin:write:domain_blocks alone may change these lists).
func policyCaller(r *http.Request, scope string) (storage.Account, error) {
	me, err := api.Caller(r, scope)
	if err == nil {
		return me, nil
	}
	if granular, gerr := api.Caller(r, scope+":domain_blocks"); gerr == nil {
		return granular, nil
	}
	return storage.Account{}, err
}

// byID adapts a call on the {id} in the path; a malformed id is 404.
func byID(call func(r *http.Request, me storage.Account, id storage.ID) (policyAnswer, error)) policyCall {
	return func(r *http.Request, me storage.Account) (policyAnswer, error) {
		id, err := pathID(r)
		if err != nil {
			return policyAnswer{}, err
		}
		return call(r, me, id)
	}
}

// subscriptionEntity is a subscription as the API shows it.
type subscriptionEntity struct {
	ID          string       `json:"id"`
	URL         string       `json:"url"`
	Kind        string       `json:"kind"` // blocks or allows
	Trusted     bool         `json:"trusted"`
	FetchedAt   *string      `json:"fetched_at"` // null: never read
	LastError   string       `json:"last_error"`
	Entries     int          `json:"entries"`
	CreatedAt   string       `json:"created_at"`
	LastRefresh *listRefresh `json:"last_refresh,omitempty"` // what this request's reading did
}

type listRefresh struct {
	NotModified bool   `json:"not_modified"`
	Format      string `json:"format,omitempty"`
	Entries     int    `json:"entries"`
	Drafted     int    `json:"drafted"`
	Added       int    `json:"added"`
	Updated     int    `json:"updated"`
	Removed     int    `json:"removed"`
}

// draftEntity is a list's entry waiting for an admin.
type draftEntity struct {
	ID             string `json:"id"`
	SubscriptionID string `json:"subscription_id"`
	Kind           string `json:"kind"` // its list's: blocks or allows
	Domain         string `json:"domain"`
	Severity       string `json:"severity"` // "" for an allow
	RejectMedia    bool   `json:"reject_media"`
	RejectReports  bool   `json:"reject_reports"`
	PublicComment  string `json:"public_comment"`
	State          string `json:"state"`
	CreatedAt      string `json:"created_at"`
}

// blockEntity is the block an approved draft of a blocks list became.
type blockEntity struct {
	ID             string `json:"id"`
	Kind           string `json:"kind"` // blocks
	Domain         string `json:"domain"`
	Severity       string `json:"severity"`
	RejectMedia    bool   `json:"reject_media"`
	RejectReports  bool   `json:"reject_reports"`
	PublicComment  string `json:"public_comment"`
	SubscriptionID string `json:"subscription_id"`
	CreatedAt      string `json:"created_at"`
}

// allowEntity is the allow an approved draft of an allows list became.
type allowEntity struct {
	ID             string `json:"id"`
	Kind           string `json:"kind"` // allows
	Domain         string `json:"domain"`
	SubscriptionID string `json:"subscription_id"`
	CreatedAt      string `json:"created_at"`
}

func subscriptionJSON(s storage.PolicySubscription) subscriptionEntity {
	out := subscriptionEntity{ID: s.ID.String(), URL: s.URL, Kind: s.Kind, Trusted: s.Trusted, LastError: s.LastError, Entries: s.Entries,
		CreatedAt: s.CreatedAt.UTC().Format(time.RFC3339)}
	if !s.FetchedAt.IsZero() {
		at := s.FetchedAt.UTC().Format(time.RFC3339)
		out.FetchedAt = &at
	}
	return out
}

func refreshJSON(r federation.ListRefresh) *listRefresh {
	return &listRefresh{NotModified: r.NotModified, Format: r.Format, Entries: r.Entries, Drafted: r.Drafted,
		Added: r.Added, Updated: r.Updated, Removed: r.Removed}
}

func draftJSON(d storage.PolicyDraft) draftEntity {
	out := draftEntity{ID: d.ID.String(), SubscriptionID: d.SubscriptionID.String(), Kind: d.Kind, Domain: d.Domain,
		Severity: d.Severity, RejectMedia: d.RejectMedia, RejectReports: d.RejectReports, PublicComment: d.PublicComment,
		State: d.State, CreatedAt: d.CreatedAt.UTC().Format(time.RFC3339)}
	if d.Kind == storage.ListAllows {
		out.Severity = "" // an allow has none
	}
	return out
}

// GET /admin/policy_subscriptions
func (h *Handler) policySubscriptions(r *http.Request, me storage.Account) (policyAnswer, error) {
	subs, err := h.engine.PolicySubscriptions(r.Context(), me.ID)
	if err != nil {
		return policyAnswer{}, err
	}
	out := make([]subscriptionEntity, 0, len(subs))
	for _, s := range subs {
		out = append(out, subscriptionJSON(s))
	}
	return okAnswer(out), nil
}

// POST /admin/policy_subscriptions {url, kind, trusted}: subscribes and
// reads the list once; a list that cannot be read yet is still
// subscribed, with last_error saying why. kind is blocks (the default) or
// allows; another is 422, as is a list on a host the node does not
// federate with.
func (h *Handler) subscribeList(r *http.Request, me storage.Account) (policyAnswer, error) {
	var in struct {
		URL     string `json:"url"`
		Kind    string `json:"kind"`
		Trusted bool   `json:"trusted"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return policyAnswer{}, err
	}
	s, res, err := h.engine.SubscribeDomainList(r.Context(), me.ID, in.URL, in.Kind, in.Trusted)
	if err != nil {
		return policyAnswer{}, err
	}
	out := subscriptionJSON(s)
	if s.LastError == "" {
		out.LastRefresh = refreshJSON(res)
	}
	return policyAnswer{status: http.StatusCreated, body: out}, nil
}

// DELETE /admin/policy_subscriptions/{id}: the list's drafts go, its
// blocks stay.
func (h *Handler) unsubscribeList(r *http.Request, me storage.Account, id storage.ID) (policyAnswer, error) {
	s, err := h.engine.UnsubscribeDomainList(r.Context(), me.ID, id)
	if err != nil {
		return policyAnswer{}, err
	}
	return okAnswer(subscriptionJSON(s)), nil
}

// POST /admin/policy_subscriptions/{id}/refresh: reads the list now. A
// list that cannot be read or parsed changes nothing and answers 502
// with why.
func (h *Handler) refreshList(r *http.Request, me storage.Account, id storage.ID) (policyAnswer, error) {
	s, res, err := h.engine.RefreshPolicySubscription(r.Context(), me.ID, id)
	if err != nil && s.LastError != "" {
		return policyAnswer{}, httperr.New(http.StatusBadGateway, "the list could not be read: "+s.LastError)
	}
	if err != nil {
		return policyAnswer{}, err
	}
	out := subscriptionJSON(s)
	out.LastRefresh = refreshJSON(res)
	return okAnswer(out), nil
}

// GET /admin/policy_drafts?subscription_id=&state=: pending drafts
// unless state says otherwise ("rejected", or "all").
func (h *Handler) policyDrafts(r *http.Request, me storage.Account) (policyAnswer, error) {
	q := r.URL.Query()
	var sub storage.ID
	if s := q.Get("subscription_id"); s != "" {
		var err error
		if sub, err = storage.ParseID(s); err != nil {
			return policyAnswer{}, httperr.New(http.StatusBadRequest, "subscription_id is not an id")
		}
	}
	state := q.Get("state")
	switch state {
	case "":
		state = storage.DraftPending
	case "all":
		state = ""
	}
	drafts, err := h.engine.PolicyDrafts(r.Context(), me.ID, sub, state)
	if err != nil {
		return policyAnswer{}, err
	}
	out := make([]draftEntity, 0, len(drafts))
	for _, d := range drafts {
		out = append(out, draftJSON(d))
	}
	return okAnswer(out), nil
}

// POST /admin/policy_drafts/{id}/approve: the draft becomes a block (or,
// of an allows list, an allow), in force at once.
func (h *Handler) approveDraft(r *http.Request, me storage.Account, id storage.ID) (policyAnswer, error) {
	approved, err := h.engine.ApprovePolicyDraft(r.Context(), me.ID, id)
	if err != nil {
		return policyAnswer{}, err
	}
	if approved.Kind == storage.ListAllows {
		a := approved.Allow
		return okAnswer(allowEntity{ID: a.ID.String(), Kind: storage.ListAllows, Domain: a.Domain,
			SubscriptionID: a.SubscriptionID.String(), CreatedAt: a.CreatedAt.UTC().Format(time.RFC3339)}), nil
	}
	b := approved.Block
	return okAnswer(blockEntity{ID: b.ID.String(), Kind: storage.ListBlocks, Domain: b.Domain, Severity: b.Severity,
		RejectMedia: b.RejectMedia, RejectReports: b.RejectReports, PublicComment: b.PublicComment,
		SubscriptionID: b.SubscriptionID.String(), CreatedAt: b.CreatedAt.UTC().Format(time.RFC3339)}), nil
}

// POST /admin/policy_drafts/{id}/reject
func (h *Handler) rejectDraft(r *http.Request, me storage.Account, id storage.ID) (policyAnswer, error) {
	d, err := h.engine.RejectPolicyDraft(r.Context(), me.ID, id)
	if err != nil {
		return policyAnswer{}, err
	}
	return okAnswer(draftJSON(d)), nil
}
