package api

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// WebPushSubscription is Mastodon's WebPushSubscription entity.
type WebPushSubscription struct {
	ID       string `json:"id"`
	Endpoint string `json:"endpoint"`
	// Standard is always true: copse pushes only as RFC 8030, 8291 and
	// 8292 say (aes128gcm), never Mastodon's legacy draft form (aesgcm),
	// whatever subscription[standard] asked.
	Standard  bool            `json:"standard"`
	Alerts    map[string]bool `json:"alerts"`
	Policy    string          `json:"policy"`
	ServerKey string          `json:"server_key"`
}

func (h *Handler) mountPush(r chi.Router) {
	r.Post("/api/v1/push/subscription", h.handle(h.createPushSubscription))
	r.Get("/api/v1/push/subscription", h.handle(h.getPushSubscription))
	r.Put("/api/v1/push/subscription", h.handle(h.updatePushSubscription))
	r.Delete("/api/v1/push/subscription", h.handle(h.deletePushSubscription))
}

// POST /api/v1/push/subscription: one subscription per token; a new one
// replaces the old.
func (h *Handler) createPushSubscription(w http.ResponseWriter, r *http.Request) error {
	if _, err := Caller(r, "push"); err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	alerts, _ := pushAlertsParam(v)
	req := federation.PushRequest{
		Endpoint: strings.TrimSpace(v.Get("subscription[endpoint]")),
		P256dh:   strings.TrimSpace(v.Get("subscription[keys][p256dh]")),
		Auth:     strings.TrimSpace(v.Get("subscription[keys][auth]")),
		Alerts:   alerts,
		Policy:   pushPolicyParam(v),
	}
	sub, err := h.engine.SubscribePush(r.Context(), authOf(r).token, bearerToken(r), req)
	if err != nil {
		return err
	}
	return h.pushAnswer(w, r, sub)
}

// GET /api/v1/push/subscription
func (h *Handler) getPushSubscription(w http.ResponseWriter, r *http.Request) error {
	if _, err := Caller(r, "push"); err != nil {
		return err
	}
	sub, err := h.store.PushSubscriptionByToken(r.Context(), authOf(r).token.ID)
	if err != nil {
		return err
	}
	return h.pushAnswer(w, r, sub)
}

// PUT /api/v1/push/subscription changes the alerts and policy only. Alerts
// given replace the subscription's (those not given are off, as Mastodon
// replaces its data); with none given they stay, and so does the policy
// when none is given.
func (h *Handler) updatePushSubscription(w http.ResponseWriter, r *http.Request) error {
	if _, err := Caller(r, "push"); err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	alerts, given := pushAlertsParam(v)
	if !given {
		alerts = nil
	}
	sub, err := h.engine.UpdatePushSubscription(r.Context(), authOf(r).token.ID, alerts, pushPolicyParam(v))
	if err != nil {
		return err
	}
	return h.pushAnswer(w, r, sub)
}

// DELETE /api/v1/push/subscription answers {} whether or not there was one.
func (h *Handler) deletePushSubscription(w http.ResponseWriter, r *http.Request) error {
	if _, err := Caller(r, "push"); err != nil {
		return err
	}
	if err := h.engine.DeletePushSubscription(r.Context(), authOf(r).token.ID); err != nil {
		return err
	}
	h.json(w, struct{}{})
	return nil
}

// vapid is the instance configuration's "vapid" (Mastodon 4.3+).
func (h *Handler) vapid(r *http.Request) (map[string]any, error) {
	key, err := h.engine.VAPIDPublicKey(r.Context())
	return map[string]any{"public_key": key}, err
}

func (h *Handler) pushAnswer(w http.ResponseWriter, r *http.Request, sub storage.PushSubscription) error {
	key, err := h.engine.VAPIDPublicKey(r.Context())
	if err != nil {
		return err
	}
	alerts := make(map[string]bool, len(federation.PushAlerts))
	for _, a := range federation.PushAlerts {
		alerts[a] = false
	}
	for _, a := range sub.Alerts {
		alerts[a] = true
	}
	h.json(w, WebPushSubscription{ID: sub.ID.String(), Endpoint: sub.Endpoint, Standard: true, Alerts: alerts,
		Policy: sub.Policy, ServerKey: key})
	return nil
}

// pushAlertsParam reads data[alerts][type] for each alert type, and
// reports whether any was given. masto.js nests the admin alerts
// (data[alerts][admin][sign_up]); that form is read too.
func pushAlertsParam(v url.Values) (alerts []string, given bool) {
	alerts = []string{}
	for _, a := range federation.PushAlerts {
		keys := []string{"data[alerts][" + a + "]"}
		if group, name, ok := strings.Cut(a, "."); ok {
			keys = append(keys, "data[alerts]["+group+"]["+name+"]")
		}
		for _, k := range keys {
			if _, ok := v[k]; !ok {
				continue
			}
			given = true
			if boolParam(v, k, false) {
				alerts = append(alerts, a)
				break
			}
		}
	}
	return alerts, given
}

// pushPolicyParam reads data[policy]; Mastodon's documentation gives the
// update's as a bare policy, so that is read too.
func pushPolicyParam(v url.Values) string {
	if p := strings.TrimSpace(v.Get("data[policy]")); p != "" {
		return p
	}
	return strings.TrimSpace(v.Get("policy"))
}

// bearerToken is the plain access token of the request, read as
// authenticate reads it: the push payload carries it back to the app.
func bearerToken(r *http.Request) string {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		token = r.URL.Query().Get("access_token")
	}
	return strings.TrimSpace(token)
}
