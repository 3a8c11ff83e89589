package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Mastodon's admin API for accounts: list and read them, act on them
// (warn, mark sensitive, disable sign-in, silence, suspend) and undo it,
// approve and reject sign-ups, and (copse) change a member's role. The
// engine decides who may do which (federation.Engine.Authorize).

// AdminAccountDetail is Mastodon's Admin::Account entity in full.
type AdminAccountDetail struct {
	AdminAccount
	Sensitized    bool       `json:"sensitized"`
	Role          *AdminRole `json:"role"`
	InviteRequest *string    `json:"invite_request"`
}

// AdminRole is Mastodon's Role entity, as far as copse's three roles
// fill it.
type AdminRole struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Permissions string `json:"permissions"`
	Color       string `json:"color"`
	Highlighted bool   `json:"highlighted"`
}

// roleIDs are stable ids for the node roles, Mastodon's default ones'.
var roleIDs = map[string]string{storage.PermissionMember: "-99", storage.PermissionModerator: "2", storage.PermissionAdmin: "3"}

func (h *Handler) mountAdminAccounts(r chi.Router) {
	r.Get("/api/v1/admin/accounts", h.handle(h.adminAccounts))
	r.Get("/api/v1/admin/accounts/{id}", h.handle(h.adminAccountGet))
	r.Post("/api/v1/admin/accounts/{id}/action", h.handle(h.adminAccountAction))
	for _, undo := range []string{federation.UndoSilence, federation.UndoSuspend, federation.UndoSensitive, federation.UndoDisable} {
		r.Post("/api/v1/admin/accounts/{id}/"+undo, h.handle(h.adminAccountChange(func(ctx context.Context, me storage.Account, id storage.ID, _ formValues) error {
			return h.engine.UndoAccountAction(ctx, me.ID, id, undo)
		})))
	}
	r.Post("/api/v1/admin/accounts/{id}/approve", h.handle(h.adminAccountChange(func(ctx context.Context, me storage.Account, id storage.ID, _ formValues) error {
		_, err := h.engine.ApproveAccount(ctx, me.ID, id)
		return err
	})))
	r.Post("/api/v1/admin/accounts/{id}/reject", h.handle(h.adminAccountChange(func(ctx context.Context, me storage.Account, id storage.ID, _ formValues) error {
		return h.engine.RejectAccount(ctx, me.ID, id)
	})))
	r.Post("/api/v1/admin/accounts/{id}/role", h.handle(h.adminAccountChange(func(ctx context.Context, me storage.Account, id storage.ID, v formValues) error {
		return h.engine.SetRoleOf(ctx, me.ID, id, v.Get("role"))
	})))
}

// GET /api/v1/admin/accounts: local, remote, active, pending, disabled,
// silenced, suspended, username, by_domain, max_id, since_id, min_id,
// limit (default 100, at most 200, as Mastodon).
func (h *Handler) adminAccounts(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:read", "accounts")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	f := storage.AdminAccountFilter{Local: boolParam(v, "local", false), Remote: boolParam(v, "remote", false),
		Username: v.Get("username"), Domain: v.Get("by_domain")}
	for _, s := range []string{"active", "pending", "disabled", "silenced", "suspended"} {
		if boolParam(v, s, false) {
			f.Status = s
		}
	}
	accts, err := h.engine.AdminAccounts(r.Context(), me.ID, f, page(v, 100, 200))
	if err != nil {
		return err
	}
	out := make([]AdminAccountDetail, 0, len(accts))
	pr := h.presenter(me)
	for _, a := range accts {
		s, err := h.engine.AccountStanding(r.Context(), a.ID)
		if err != nil {
			return err
		}
		e, err := adminAccountDetail(r.Context(), pr, s)
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	if len(accts) > 0 {
		h.setLink(w, r, accts[0].ID, accts[len(accts)-1].ID)
	}
	h.json(w, out)
	return nil
}

// GET /api/v1/admin/accounts/{id}
func (h *Handler) adminAccountGet(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:read", "accounts")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return httperr.New(http.StatusNotFound, "Record not found")
	}
	s, err := h.engine.AdminAccount(r.Context(), me.ID, id)
	if err != nil {
		return err
	}
	e, err := adminAccountDetail(r.Context(), h.presenter(me), s)
	if err != nil {
		return err
	}
	h.json(w, e)
	return nil
}

// POST /api/v1/admin/accounts/{id}/action: type (none, sensitive,
// disable, silence, suspend), text (the reason the member is shown),
// report_id. Mastodon answers an empty object.
func (h *Handler) adminAccountAction(w http.ResponseWriter, r *http.Request) error {
	me, err := adminCaller(r, "admin:write", "accounts")
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
	act := federation.AccountAction{By: me.ID, Target: id, Type: v.Get("type"), Text: v.Get("text")}
	if act.Type == "" {
		act.Type = federation.ActionNone
	}
	if s := v.Get("report_id"); s != "" {
		if act.ReportID, err = storage.ParseID(s); err != nil {
			return httperr.New(http.StatusUnprocessableEntity, "report_id is not an id")
		}
	}
	if err := h.engine.ActOnAccount(r.Context(), act); err != nil {
		return err
	}
	h.json(w, struct{}{})
	return nil
}

// adminAccountChange answers the routes that change one account with
// the account as it then stands.
func (h *Handler) adminAccountChange(do func(ctx context.Context, me storage.Account, id storage.ID, v formValues) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := adminCaller(r, "admin:write", "accounts")
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
		if err := do(r.Context(), me, id, v); err != nil {
			return err
		}
		s, err := h.engine.AccountStanding(r.Context(), id)
		if err != nil {
			return err
		}
		e, err := adminAccountDetail(r.Context(), h.presenter(me), s)
		if err != nil {
			return err
		}
		h.json(w, e)
		return nil
	}
}

func adminAccountDetail(ctx context.Context, pr *presenter, s federation.AccountStanding) (AdminAccountDetail, error) {
	a := s.Account
	acc, err := pr.account(ctx, a)
	if err != nil {
		return AdminAccountDetail{}, err
	}
	e := AdminAccountDetail{AdminAccount: AdminAccount{ID: a.ID.String(), Username: a.Username, CreatedAt: isoTime(a.CreatedAt),
		IPs: []any{}, Confirmed: true, Approved: true, Disabled: !s.Moderation.DisabledAt.IsZero(),
		Silenced: !s.Moderation.LimitedAt.IsZero(), Suspended: !a.SuspendedAt.IsZero(), Account: acc},
		Sensitized: !s.Moderation.SensitiveAt.IsZero()}
	if !a.Local() {
		d := a.Domain
		e.Domain = &d
	}
	if u := s.User; u != nil {
		e.Email, e.Confirmed, e.Approved = u.Email, !u.ConfirmedAt.IsZero(), !u.ApprovedAt.IsZero()
		// A sign-up is held as suspended until it has joined; it is
		// pending, not suspended.
		e.Suspended = e.Suspended && e.Confirmed && e.Approved
		e.Role = &AdminRole{ID: roleIDs[u.Permission], Name: u.Permission, Permissions: "0", Color: ""}
		if u.Reason != "" {
			reason := u.Reason
			e.InviteRequest = &reason
		}
	}
	return e, nil
}
