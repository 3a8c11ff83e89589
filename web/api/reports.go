package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// Report is Mastodon's Report entity, as POST /api/v1/reports answers.
type Report struct {
	ID            string   `json:"id"`
	ActionTaken   bool     `json:"action_taken"`
	ActionTakenAt *string  `json:"action_taken_at"`
	Category      string   `json:"category"`
	Comment       string   `json:"comment"`
	Forwarded     bool     `json:"forwarded"`
	CreatedAt     string   `json:"created_at"`
	StatusIDs     []string `json:"status_ids"`
	RuleIDs       []string `json:"rule_ids"`
	TargetAccount Account  `json:"target_account"`
}

func (h *Handler) mountReports(r chi.Router) {
	r.Post("/api/v1/reports", h.handle(h.createReport))
}

// POST /api/v1/reports: account_id, status_ids[], comment, forward,
// category, rule_ids[]. About community content, the report reaches the
// community's moderators too (federation.Engine.Report).
func (h *Handler) createReport(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:reports")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	target, err := storage.ParseID(v.Get("account_id"))
	if err != nil {
		return invalidParam("Validation failed: Target account can't be blank")
	}
	nr := federation.NewReport{TargetID: target, Comment: v.Get("comment"), Forward: boolParam(v, "forward", false),
		Category: v.Get("category"), RuleIDs: list(v, "rule_ids")}
	for _, s := range list(v, "status_ids") {
		id, err := storage.ParseID(s)
		if err != nil {
			return invalidParam("Validation failed: a status id is not valid")
		}
		nr.StatusIDs = append(nr.StatusIDs, id)
	}
	rep, err := h.engine.Report(r.Context(), me, nr)
	if err != nil {
		return err
	}
	acc, err := h.presenter(me).accountByID(r.Context(), rep.TargetID)
	if err != nil {
		return err
	}
	h.json(w, reportEntity(rep, acc))
	return nil
}

func reportEntity(rep storage.Report, target Account) Report {
	e := Report{ID: rep.ID.String(), ActionTaken: rep.State == storage.ReportResolved, Category: rep.Category,
		Comment: rep.Comment, Forwarded: rep.Forwarded, CreatedAt: isoTime(rep.CreatedAt), StatusIDs: idStrings(rep.StatusIDs),
		RuleIDs: rep.RuleIDs, TargetAccount: target}
	if e.RuleIDs == nil {
		e.RuleIDs = []string{}
	}
	if !rep.ResolvedAt.IsZero() {
		at := isoTime(rep.ResolvedAt)
		e.ActionTakenAt = &at
	}
	return e
}

func idStrings(ids []storage.ID) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, id.String())
	}
	return out
}
