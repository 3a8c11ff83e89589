package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// AdminAccount is Mastodon's Admin::Account entity, as far as a report
// shows it.
type AdminAccount struct {
	ID        string  `json:"id"`
	Username  string  `json:"username"`
	Domain    *string `json:"domain"`
	CreatedAt string  `json:"created_at"`
	Email     string  `json:"email"`
	IP        *string `json:"ip"`
	IPs       []any   `json:"ips"`
	Locale    string  `json:"locale"`
	Confirmed bool    `json:"confirmed"`
	Approved  bool    `json:"approved"`
	Disabled  bool    `json:"disabled"`
	Silenced  bool    `json:"silenced"`
	Suspended bool    `json:"suspended"`
	Account   Account `json:"account"`
}

// AdminReport is Mastodon's Admin::Report entity, with copse's state,
// community, resolution and log of what moderators did.
type AdminReport struct {
	ID                   string            `json:"id"`
	ActionTaken          bool              `json:"action_taken"`
	ActionTakenAt        *string           `json:"action_taken_at"`
	Category             string            `json:"category"`
	Comment              string            `json:"comment"`
	Forwarded            bool              `json:"forwarded"`
	CreatedAt            string            `json:"created_at"`
	UpdatedAt            string            `json:"updated_at"`
	Account              *AdminAccount     `json:"account"`
	TargetAccount        AdminAccount      `json:"target_account"`
	AssignedAccount      *AdminAccount     `json:"assigned_account"`
	ActionTakenByAccount *AdminAccount     `json:"action_taken_by_account"`
	Statuses             []Status          `json:"statuses"`
	Rules                []any             `json:"rules"`
	RuleIDs              []string          `json:"rule_ids"`
	State                string            `json:"state"`         // copse: open or resolved
	CommunityID          *string           `json:"community_id"`  // copse: the Group whose content it is about
	Action               string            `json:"action"`        // copse: what the resolution recorded
	ActionReason         string            `json:"action_reason"` // copse
	Log                  []ReportLogEntity `json:"log,omitempty"` // copse: on GET of one report
}

// ReportLogEntity is one thing a moderator did with a report.
type ReportLogEntity struct {
	Action    string  `json:"action"`
	Text      string  `json:"text"`
	Account   *string `json:"account_id"`
	CreatedAt string  `json:"created_at"`
}

func (h *Handler) mountAdminReports(r chi.Router) {
	r.Get("/api/v1/admin/reports", h.handle(h.adminReports))
	r.Get("/api/v1/admin/reports/{id}", h.handle(h.adminReport))
	r.Post("/api/v1/admin/reports/{id}/assign_to_self", h.handle(h.adminReportAct(func(ctx context.Context, me storage.Account, id storage.ID, _ formValues) (storage.Report, error) {
		return h.engine.AssignReport(ctx, me, 0, id, true)
	})))
	r.Post("/api/v1/admin/reports/{id}/unassign", h.handle(h.adminReportAct(func(ctx context.Context, me storage.Account, id storage.ID, _ formValues) (storage.Report, error) {
		return h.engine.AssignReport(ctx, me, 0, id, false)
	})))
	r.Post("/api/v1/admin/reports/{id}/resolve", h.handle(h.adminReportAct(func(ctx context.Context, me storage.Account, id storage.ID, v formValues) (storage.Report, error) {
		return h.engine.ResolveReport(ctx, me, 0, id, v.Get("action"), v.Get("reason"))
	})))
	r.Post("/api/v1/admin/reports/{id}/reopen", h.handle(h.adminReportAct(func(ctx context.Context, me storage.Account, id storage.ID, _ formValues) (storage.Report, error) {
		return h.engine.ReopenReport(ctx, me, 0, id)
	})))
	r.Post("/api/v1/admin/reports/{id}/notes", h.handle(h.adminReportAct(func(ctx context.Context, me storage.Account, id storage.ID, v formValues) (storage.Report, error) {
		return h.engine.NoteReport(ctx, me, 0, id, v.Get("content"))
	})))
}

type formValues interface{ Get(string) string }

// adminCaller requires a member whose token has scope (admin:read or
// admin:write) or its granular form for what ("reports", "accounts",
// "domain_blocks", "domain_allows"); whether their role may do it is the
// engine's check (Engine.Authorize), so a moderator gets 403 where only
// admins may act.
func adminCaller(r *http.Request, scope, what string) (storage.Account, error) {
	a := authOf(r)
	if a.account.ID == 0 {
		return storage.Account{}, httperr.New(http.StatusUnauthorized, "This method requires an authenticated user")
	}
	if !hasScope(a.scopes, scope) && !hasScope(a.scopes, scope+":"+what) {
		return storage.Account{}, httperr.New(http.StatusForbidden, "This action is outside the authorized scopes")
	}
	return a.account, nil
}

// GET /api/v1/admin/reports: resolved, account_id, target_account_id,
// max_id, since_id, min_id, limit (default 100, at most 200, as
// Mastodon).
func (h *Handler) adminReports(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:read", "reports")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	f := storage.ReportFilter{State: storage.ReportOpen}
	if boolParam(v, "resolved", false) {
		f.State = storage.ReportResolved
	}
	f.ReporterID, _ = storage.ParseID(v.Get("account_id"))
	f.TargetID, _ = storage.ParseID(v.Get("target_account_id"))
	p := page(v, 100, 200)
	reps, err := h.engine.Reports(r.Context(), me, 0, f, p)
	if err != nil {
		return err
	}
	out := make([]AdminReport, 0, len(reps))
	pr := h.presenter(me)
	for _, rep := range reps {
		e, err := h.adminReportEntity(r.Context(), pr, rep, nil)
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	if len(reps) > 0 {
		h.setLink(w, r, reps[0].ID, reps[len(reps)-1].ID)
	}
	h.json(w, out)
	return nil
}

// GET /api/v1/admin/reports/{id}, with the report's log.
func (h *Handler) adminReport(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:read", "reports")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return httperr.New(http.StatusNotFound, "Record not found")
	}
	rep, log, err := h.engine.QueuedReport(r.Context(), me, 0, id)
	if err != nil {
		return err
	}
	e, err := h.adminReportEntity(r.Context(), h.presenter(me), rep, log)
	if err != nil {
		return err
	}
	h.json(w, e)
	return nil
}

// adminReportAct answers the routes that change one report with the
// report as it then stands.
func (h *Handler) adminReportAct(do func(ctx context.Context, me storage.Account, id storage.ID, v formValues) (storage.Report, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := adminCaller(r, "admin:write", "reports")
		if err != nil {
			return err
		}
		id, err := pathID(r, "id")
		if err != nil {
			return httperr.New(http.StatusNotFound, "Record not found")
		}
		v, err := form(r)
		if err != nil {
			return err
		}
		rep, err := do(r.Context(), me, id, v)
		if err != nil {
			return err
		}
		e, err := h.adminReportEntity(r.Context(), h.presenter(me), rep, nil)
		if err != nil {
			return err
		}
		h.json(w, e)
		return nil
	}
}

func (h *Handler) adminAccount(ctx context.Context, pr *presenter, id storage.ID) (*AdminAccount, error) {
	if id == 0 {
		return nil, nil
	}
	a, err := h.store.AccountByID(ctx, id)
	if err != nil {
		return nil, err
	}
	acc, err := pr.account(ctx, a)
	if err != nil {
		return nil, err
	}
	e := &AdminAccount{ID: a.ID.String(), Username: a.Username, CreatedAt: isoTime(a.CreatedAt), IPs: []any{},
		Confirmed: true, Approved: true, Suspended: !a.SuspendedAt.IsZero(), Account: acc}
	if !a.Local() {
		d := a.Domain
		e.Domain = &d
	} else if u, err := h.store.UserByAccount(ctx, a.ID); err == nil {
		e.Email = u.Email
	}
	return e, nil
}

func (h *Handler) adminReportEntity(ctx context.Context, pr *presenter, rep storage.Report, log []storage.ReportLogEntry) (AdminReport, error) {
	e := AdminReport{ID: rep.ID.String(), ActionTaken: rep.State == storage.ReportResolved, Category: rep.Category,
		Comment: rep.Comment, Forwarded: rep.Forwarded, CreatedAt: isoTime(rep.CreatedAt), UpdatedAt: isoTime(rep.UpdatedAt),
		Rules: []any{}, RuleIDs: rep.RuleIDs, State: rep.State, Action: rep.Action, ActionReason: rep.ActionReason}
	if e.RuleIDs == nil {
		e.RuleIDs = []string{}
	}
	if !rep.ResolvedAt.IsZero() {
		at := isoTime(rep.ResolvedAt)
		e.ActionTakenAt = &at
	}
	if rep.CommunityID != 0 {
		c := rep.CommunityID.String()
		e.CommunityID = &c
	}
	var err error
	if e.Account, err = h.adminAccount(ctx, pr, rep.ReporterID); err != nil {
		return AdminReport{}, err
	}
	target, err := h.adminAccount(ctx, pr, rep.TargetID)
	if err != nil {
		return AdminReport{}, err
	}
	e.TargetAccount = *target
	if e.AssignedAccount, err = h.adminAccount(ctx, pr, rep.AssigneeID); err != nil {
		return AdminReport{}, err
	}
	if e.ActionTakenByAccount, err = h.adminAccount(ctx, pr, rep.ResolvedBy); err != nil {
		return AdminReport{}, err
	}
	sts := make([]storage.Status, 0, len(rep.StatusIDs))
	for _, id := range rep.StatusIDs {
		if st, err := h.store.StatusByID(ctx, id); err == nil {
			sts = append(sts, st)
		}
	}
	if e.Statuses, err = pr.statuses(ctx, sts); err != nil {
		return AdminReport{}, err
	}
	for _, l := range log {
		le := ReportLogEntity{Action: l.Action, Text: l.Text, CreatedAt: isoTime(l.CreatedAt)}
		if l.AccountID != 0 {
			s := l.AccountID.String()
			le.Account = &s
		}
		e.Log = append(e.Log, le)
	}
	return e, nil
}
