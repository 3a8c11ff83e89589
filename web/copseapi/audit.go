package copseapi

import (
	"net/http"
	"time"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/api"
	"github.com/copse-dev/copse/web/httperr"
)

// auditEntryEntity is one entry of the node's audit log.
type auditEntryEntity struct {
	ID         string            `json:"id"`
	Actor      *memberEntity     `json:"actor"` // null: the command line or the node itself
	Action     string            `json:"action"`
	TargetType string            `json:"target_type"`
	TargetID   string            `json:"target_id"`
	Target     *memberEntity     `json:"target"` // for an account target still known here
	Details    map[string]string `json:"details"`
	CreatedAt  string            `json:"created_at"`
}

// audit: GET /api/copse/v1/admin/audit, the node's audit log for its
// moderators and admins, newest first; account_id, action, target_type,
// target_id narrow it, max_id and limit page it.
func (h *Handler) audit(w http.ResponseWriter, r *http.Request) error {
	me, err := api.Caller(r, "admin:read")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := storage.AuditFilter{Action: q.Get("action"), TargetType: q.Get("target_type")}
	for name, into := range map[string]*storage.ID{"account_id": &f.AccountID, "target_id": &f.TargetID} {
		if s := q.Get(name); s != "" {
			if *into, err = storage.ParseID(s); err != nil {
				return httperr.New(http.StatusBadRequest, name+" is not an id")
			}
		}
	}
	ctx := r.Context()
	entries, err := h.engine.AuditLog(ctx, me.ID, f, listPage(r))
	if err != nil {
		return err
	}
	ids := make([]storage.ID, 0, 2*len(entries))
	for _, e := range entries {
		ids = append(ids, e.AccountID)
		if e.TargetType == storage.AuditAccount {
			ids = append(ids, e.TargetID)
		}
	}
	accts, err := h.store.AccountsByIDs(ctx, ids) // one read for the page
	if err != nil {
		return err
	}
	member := func(id storage.ID) *memberEntity {
		a, ok := accts[id]
		if !ok || id == 0 {
			return nil
		}
		m := h.member(a)
		return &m
	}
	out := make([]auditEntryEntity, 0, len(entries))
	var oldest storage.ID
	for _, e := range entries {
		ae := auditEntryEntity{ID: e.ID.String(), Actor: member(e.AccountID), Action: e.Action, TargetType: e.TargetType,
			TargetID: e.TargetID.String(), Details: e.Details, CreatedAt: e.CreatedAt.UTC().Format(time.RFC3339)}
		if e.TargetType == storage.AuditAccount {
			ae.Target = member(e.TargetID)
		}
		if ae.Details == nil {
			ae.Details = map[string]string{}
		}
		out = append(out, ae)
		oldest = e.ID
	}
	if len(entries) == listPage(r).Limit {
		h.setNextLink(w, r, oldest)
	}
	httperr.JSON(w, http.StatusOK, out)
	return nil
}
