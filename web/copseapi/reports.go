package copseapi

import (
	"context"
	"net/http"
	"time"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/api"
	"github.com/copse-dev/copse/web/httperr"
)

// reportEntity is a report in a community's queue.
type reportEntity struct {
	ID           string               `json:"id"`
	State        string               `json:"state"` // open or resolved
	Category     string               `json:"category"`
	Comment      string               `json:"comment"`
	Forwarded    bool                 `json:"forwarded"`
	Reporter     *memberEntity        `json:"reporter"` // null when unknown here
	Target       memberEntity         `json:"target"`
	Statuses     []reportStatusEntity `json:"statuses"`
	Assignee     *memberEntity        `json:"assignee"`
	ResolvedBy   *memberEntity        `json:"resolved_by"`
	Action       string               `json:"action"`
	ActionReason string               `json:"action_reason"`
	CreatedAt    string               `json:"created_at"`
	UpdatedAt    string               `json:"updated_at"`
	ResolvedAt   *string              `json:"resolved_at"`
	Log          []reportLogEntity    `json:"log,omitempty"` // on GET of one report
}

type reportStatusEntity struct {
	ID      string `json:"id"`
	URI     string `json:"uri"`
	URL     string `json:"url"`
	Content string `json:"content"`
}

type reportLogEntity struct {
	Action    string        `json:"action"` // assign, unassign, note, resolve, reopen
	Text      string        `json:"text"`
	Moderator *memberEntity `json:"moderator"`
	CreatedAt string        `json:"created_at"`
}

func (h *Handler) memberByID(ctx context.Context, id storage.ID) (*memberEntity, error) {
	if id == 0 {
		return nil, nil
	}
	a, err := h.store.AccountByID(ctx, id)
	if err != nil {
		return nil, err
	}
	m := h.member(a)
	return &m, nil
}

func (h *Handler) reportEntity(ctx context.Context, rep storage.Report, log []storage.ReportLogEntry) (reportEntity, error) {
	e := reportEntity{ID: rep.ID.String(), State: rep.State, Category: rep.Category, Comment: rep.Comment,
		Forwarded: rep.Forwarded, Action: rep.Action, ActionReason: rep.ActionReason, Statuses: []reportStatusEntity{},
		CreatedAt: rep.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: rep.UpdatedAt.UTC().Format(time.RFC3339)}
	if !rep.ResolvedAt.IsZero() {
		at := rep.ResolvedAt.UTC().Format(time.RFC3339)
		e.ResolvedAt = &at
	}
	var err error
	if e.Reporter, err = h.memberByID(ctx, rep.ReporterID); err != nil {
		return reportEntity{}, err
	}
	target, err := h.memberByID(ctx, rep.TargetID)
	if err != nil {
		return reportEntity{}, err
	}
	e.Target = *target
	if e.Assignee, err = h.memberByID(ctx, rep.AssigneeID); err != nil {
		return reportEntity{}, err
	}
	if e.ResolvedBy, err = h.memberByID(ctx, rep.ResolvedBy); err != nil {
		return reportEntity{}, err
	}
	for _, id := range rep.StatusIDs {
		st, err := h.store.StatusByID(ctx, id)
		if err != nil {
			continue // deleted since
		}
		e.Statuses = append(e.Statuses, reportStatusEntity{ID: st.ID.String(), URI: st.URI, URL: st.URL, Content: st.Content})
	}
	for _, l := range log {
		le := reportLogEntity{Action: l.Action, Text: l.Text, CreatedAt: l.CreatedAt.UTC().Format(time.RFC3339)}
		if le.Moderator, err = h.memberByID(ctx, l.AccountID); err != nil {
			return reportEntity{}, err
		}
		e.Log = append(e.Log, le)
	}
	return e, nil
}

// communityReports: GET /api/copse/v1/communities/{id}/reports, the
// community's queue for its moderators (here, or members here of a
// remote community's moderators): state open (default), resolved or
// all; max_id and limit; newest first.
func (h *Handler) communityReports(w http.ResponseWriter, r *http.Request) error {
	me, err := api.Caller(r, "read")
	if err != nil {
		return err
	}
	ids, err := pathIDs(r, "id")
	if err != nil {
		return err
	}
	f := storage.ReportFilter{State: storage.ReportOpen}
	switch s := r.URL.Query().Get("state"); s {
	case "", storage.ReportOpen:
	case storage.ReportResolved:
		f.State = s
	case "all":
		f.State = ""
	default:
		return httperr.New(http.StatusUnprocessableEntity, "state is open, resolved or all")
	}
	p := listPage(r)
	reps, err := h.engine.Reports(r.Context(), me, ids[0], f, p)
	if err != nil {
		return err
	}
	out := make([]reportEntity, 0, len(reps))
	for _, rep := range reps {
		e, err := h.reportEntity(r.Context(), rep, nil)
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	if len(reps) == p.Limit {
		h.setNextLink(w, r, reps[len(reps)-1].ID)
	}
	httperr.JSON(w, http.StatusOK, out)
	return nil
}

// communityReport: GET /api/copse/v1/communities/{id}/reports/{report_id},
// with what moderators did with it.
func (h *Handler) communityReport(w http.ResponseWriter, r *http.Request) error {
	me, err := api.Caller(r, "read")
	if err != nil {
		return err
	}
	ids, err := pathIDs(r, "id", "report_id")
	if err != nil {
		return err
	}
	rep, log, err := h.engine.QueuedReport(r.Context(), me, ids[0], ids[1])
	if err != nil {
		return err
	}
	e, err := h.reportEntity(r.Context(), rep, log)
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, e)
	return nil
}

// reportRequest is the optional JSON body of a change to a report.
type reportRequest struct {
	Action  string `json:"action"`  // resolve: none, removed, warned, banned, limited, suspended, other
	Reason  string `json:"reason"`  // resolve
	Content string `json:"content"` // notes
}

// reportAct answers the routes that change one report of a community's
// queue with the report as it then stands.
func (h *Handler) reportAct(do func(ctx context.Context, me storage.Account, community, id storage.ID, req reportRequest) (storage.Report, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		me, err := api.Caller(r, "write")
		if err != nil {
			return err
		}
		ids, err := pathIDs(r, "id", "report_id")
		if err != nil {
			return err
		}
		var req reportRequest
		if err := decodeOptional(r, &req); err != nil {
			return err
		}
		rep, err := do(r.Context(), me, ids[0], ids[1], req)
		if err != nil {
			return err
		}
		e, err := h.reportEntity(r.Context(), rep, nil)
		if err != nil {
			return err
		}
		httperr.JSON(w, http.StatusOK, e)
		return nil
	}
}

func (h *Handler) assignReport(ctx context.Context, me storage.Account, c, id storage.ID, _ reportRequest) (storage.Report, error) {
	return h.engine.AssignReport(ctx, me, c, id, true)
}

func (h *Handler) unassignReport(ctx context.Context, me storage.Account, c, id storage.ID, _ reportRequest) (storage.Report, error) {
	return h.engine.AssignReport(ctx, me, c, id, false)
}

func (h *Handler) resolveReport(ctx context.Context, me storage.Account, c, id storage.ID, req reportRequest) (storage.Report, error) {
	return h.engine.ResolveReport(ctx, me, c, id, req.Action, req.Reason)
}

func (h *Handler) reopenReport(ctx context.Context, me storage.Account, c, id storage.ID, _ reportRequest) (storage.Report, error) {
	return h.engine.ReopenReport(ctx, me, c, id)
}

func (h *Handler) noteReport(ctx context.Context, me storage.Account, c, id storage.ID, req reportRequest) (storage.Report, error) {
	return h.engine.NoteReport(ctx, me, c, id, req.Content)
}
