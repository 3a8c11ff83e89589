package api

import (
	"cmp"
	"context"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// Notifications page 40 at a time, 80 at most, as in Mastodon 4.1+.
const (
	notificationDefault = 40
	notificationMax     = 80
)

// NotificationPolicy is Mastodon's NotificationPolicy entity (v2).
type NotificationPolicy struct {
	ForNotFollowing    string                    `json:"for_not_following"`
	ForNotFollowers    string                    `json:"for_not_followers"`
	ForNewAccounts     string                    `json:"for_new_accounts"`
	ForPrivateMentions string                    `json:"for_private_mentions"`
	ForLimitedAccounts string                    `json:"for_limited_accounts"`
	Summary            NotificationPolicySummary `json:"summary"`
}

// NotificationPolicySummary counts filtered notifications.
type NotificationPolicySummary struct {
	PendingRequestsCount      int `json:"pending_requests_count"`
	PendingNotificationsCount int `json:"pending_notifications_count"`
}

// withStatus is the notification types that carry the status they are
// about.
var withStatus = map[string]bool{
	storage.NotifyMention: true, storage.NotifyStatus: true, storage.NotifyReblog: true,
	storage.NotifyFavourite: true, "poll": true, storage.NotifyUpdate: true,
}

func (h *Handler) mountNotifications(r chi.Router) {
	r.Get("/api/v1/notifications", h.handle(h.notifications))
	r.Post("/api/v1/notifications/clear", h.handle(h.clearNotifications))
	r.Get("/api/v1/notifications/{id}", h.handle(h.getNotification))
	r.Post("/api/v1/notifications/{id}/dismiss", h.handle(h.dismissNotification))
	r.Get("/api/v2/notifications/policy", h.handle(h.notificationPolicy))
}

// GET /api/v1/notifications
func (h *Handler) notifications(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:notifications")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	f := storage.NotificationFilter{Types: nonEmpty(list(v, "types")), ExcludeTypes: nonEmpty(list(v, "exclude_types"))}
	if s := v.Get("account_id"); s != "" {
		if f.From, err = storage.ParseID(s); err != nil {
			h.json(w, []Notification{}) // nobody has that ID, so nobody notified
			return nil
		}
	}
	ns, err := h.store.NotificationPage(r.Context(), me.ID, f, page(v, notificationDefault, notificationMax))
	if err != nil {
		return err
	}
	p := h.presenter(me)
	out := make([]Notification, 0, len(ns))
	for _, n := range ns {
		e, err := p.notification(r.Context(), n)
		if errors.Is(err, storage.ErrNotFound) {
			continue // its status or account went while we read
		}
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	if out, err = p.filteredNotifications(r.Context(), out); err != nil {
		return err
	}
	if len(ns) > 0 {
		h.setLink(w, r, ns[0].ID, ns[len(ns)-1].ID)
	}
	h.json(w, out)
	return nil
}

// GET /api/v1/notifications/:id
func (h *Handler) getNotification(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:notifications")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	var n storage.Notification
	if err == nil {
		n, err = h.store.NotificationByID(r.Context(), me.ID, id)
	}
	var e Notification
	if err == nil {
		e, err = h.presenter(me).notification(r.Context(), n)
	}
	if err != nil {
		return err
	}
	h.json(w, e)
	return nil
}

// POST /api/v1/notifications/clear
func (h *Handler) clearNotifications(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:notifications")
	if err != nil {
		return err
	}
	if err := h.engine.ClearNotifications(r.Context(), me.ID); err != nil {
		return err
	}
	h.json(w, struct{}{})
	return nil
}

// POST /api/v1/notifications/:id/dismiss
func (h *Handler) dismissNotification(w http.ResponseWriter, r *http.Request) error {
	return h.byID(w, r, "write:notifications", h.engine.DismissNotification)
}

// GET /api/v2/notifications/policy: copse filters no notifications yet,
// so the policy accepts everything and nothing is pending.
func (h *Handler) notificationPolicy(w http.ResponseWriter, r *http.Request) error {
	if _, err := Caller(r, "read:notifications"); err != nil {
		return err
	}
	h.json(w, NotificationPolicy{ForNotFollowing: "accept", ForNotFollowers: "accept", ForNewAccounts: "accept",
		ForPrivateMentions: "accept", ForLimitedAccounts: "accept"})
	return nil
}

// notification renders a notification with the account that caused it
// and, for the types about a status, that status.
func (p *presenter) notification(ctx context.Context, n storage.Notification) (Notification, error) {
	from, err := p.accountByID(ctx, n.FromAccountID)
	if err != nil {
		return Notification{}, err
	}
	e := Notification{ID: n.ID.String(), Type: n.Type, CreatedAt: isoTime(n.CreatedAt), Account: from}
	if n.Type == storage.NotifyModerationWarning {
		e.ModerationWarning, err = p.moderationWarning(ctx, n)
		return e, err
	}
	if n.Type == federation.NotifyAdminReport && n.ReportID != 0 {
		rep, err := p.store.ReportByID(ctx, n.ReportID)
		if err != nil {
			return Notification{}, err
		}
		target, err := p.accountByID(ctx, rep.TargetID)
		if err != nil {
			return Notification{}, err
		}
		e.Report = new(reportEntity(rep, target))
		return e, nil
	}
	if n.CommunityID != 0 { // join_request, join_accepted, join_refused
		g, err := p.accountByID(ctx, n.CommunityID)
		if err != nil {
			return Notification{}, err
		}
		e.Community = &g
		return e, nil
	}
	if n.Type == storage.NotifyProposalRefused && n.ProposalID != 0 {
		pr, err := p.store.ProposalByID(ctx, n.ProposalID)
		if err != nil {
			return Notification{}, err
		}
		e.Proposal = &ProposalNotice{ID: pr.ID.String(), Kind: pr.Kind, Action: pr.Action, Title: pr.Title, Reason: pr.Reason}
		return e, nil
	}
	if n.Type == storage.NotifyEventReminder && n.EventID != 0 {
		// The event, as the Mastodon API gives a community's events (a
		// status of its Group, opened at /api/v1/statuses/{id}), while
		// its owner may still read it.
		ev, err := p.store.CommunityEventByID(ctx, n.EventID)
		if errors.Is(err, storage.ErrNotFound) {
			return e, nil
		}
		if err != nil {
			return Notification{}, err
		}
		if ok, err := p.engine.EventReadable(ctx, p.viewer, ev); err != nil || !ok {
			return e, err
		}
		s, err := p.repertoireStatus(ctx, repertoireItem{event: ev})
		if err != nil {
			return Notification{}, err
		}
		e.Status = &s
		return e, nil
	}
	if withStatus[n.Type] && n.StatusID != 0 {
		st, err := p.store.StatusByID(ctx, n.StatusID)
		if err != nil {
			return Notification{}, err
		}
		// A notification shows no status its owner may not see (its
		// author suspended or blocking them since): it reads as gone.
		if ok, err := p.engine.CanSee(ctx, p.viewer, st); err != nil || !ok {
			return Notification{}, cmp.Or(err, storage.ErrNotFound)
		}
		s, err := p.status(ctx, st)
		if err != nil {
			return Notification{}, err
		}
		e.Status = &s
	}
	return e, nil
}
