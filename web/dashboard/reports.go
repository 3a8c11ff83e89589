package dashboard

import (
	"html/template"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// The report queue: the node's (community queues are their moderators',
// on the community's pages). Every change goes through the engine's
// queue methods, which record it in the report's log and the audit log.

func (d *Dashboard) mountReports(r chi.Router) {
	h := federation.ActHandleReports
	r.Get("/admin/reports", d.page(h, d.reportsPage))
	r.Get("/admin/reports/{id}", d.page(h, d.reportPage))
	r.Post("/admin/reports/{id}/assign", d.page(h, d.assignReport(true)))
	r.Post("/admin/reports/{id}/unassign", d.page(h, d.assignReport(false)))
	r.Post("/admin/reports/{id}/note", d.page(h, d.noteReport))
	r.Post("/admin/reports/{id}/resolve", d.page(h, d.resolveReport))
	r.Post("/admin/reports/{id}/reopen", d.page(h, d.reopenReport))
}

// reportActions are what a resolution may record, as ResolveReport takes
// them, with what the form says.
var reportActions = []option{
	{"none", "No action"}, {"removed", "Content removed"}, {"warned", "Account warned"},
	{"limited", "Account limited"}, {"suspended", "Account suspended"}, {"banned", "Banned from a community"},
	{"other", "Other action"},
}

type option struct{ Value, Label string }

var reportNotices = map[string]string{
	"assigned":   "The report is assigned to you.",
	"unassigned": "The report is assigned to nobody.",
	"noted":      "Your note has been added.",
	"resolved":   "The report is resolved.",
	"reopened":   "The report is open again.",
}

type reportRow struct {
	ID, URL, Target, Reporter, Category, State, Assignee, Created string
}

type reportsView struct {
	frame
	State  string // "open", "resolved", "" all
	States []option
	Rows   []reportRow
	Older  string
}

// reportsPage lists the queue: GET /admin/reports?state=open|resolved|all.
func (d *Dashboard) reportsPage(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	state := r.URL.Query().Get("state")
	switch state {
	case "":
		state = storage.ReportOpen
	case "all":
		state = ""
	case storage.ReportOpen, storage.ReportResolved:
	default:
		return httperr.New(http.StatusBadRequest, "The state must be open, resolved or all")
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	reps, err := d.engine.Reports(r.Context(), me, 0, storage.ReportFilter{State: state}, p)
	if err != nil {
		return err
	}
	var ids []storage.ID
	for _, rep := range reps {
		ids = append(ids, rep.TargetID, rep.ReporterID, rep.AssigneeID)
	}
	names, err := d.names(r, ids...)
	if err != nil {
		return err
	}
	v := &reportsView{frame: frame{Title: "Reports"}, State: state,
		States: []option{{storage.ReportOpen, "Open"}, {storage.ReportResolved, "Resolved"}, {"all", "All"}}}
	if state == "" {
		v.State = "all"
	}
	for _, rep := range reps {
		v.Rows = append(v.Rows, reportRow{ID: rep.ID.String(), URL: "/admin/reports/" + rep.ID.String(),
			Target: nameOr(names, rep.TargetID, "an account since deleted"), Reporter: nameOr(names, rep.ReporterID, "a remote node"),
			Category: rep.Category, State: rep.State, Assignee: nameOr(names, rep.AssigneeID, "nobody"), Created: when(rep.CreatedAt)})
	}
	if len(reps) > 0 {
		v.Older = olderLink(r, len(reps), reps[len(reps)-1].ID)
	}
	return d.render(w, r, http.StatusOK, "reports", v)
}

func nameOr(names map[storage.ID]string, id storage.ID, or string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return or
}

type reportView struct {
	frame
	ID, Base                     string
	Target, TargetURL, Reporter  string
	Category, Comment, Rules     string
	State, Assignee, Created     string
	Action, ActionReason         string
	Open, Mine, Assigned, Remote bool
	Statuses                     []reportedStatus
	Log                          []logRow
	Actions                      []option
}

type reportedStatus struct {
	Content template.HTML // sanitised on the way in
	URL     string
	Missing bool
}

type logRow struct{ Who, Action, Text, When string }

// reportPage shows a report, its posts and its log, with the forms to
// work it: GET /admin/reports/{id}.
func (d *Dashboard) reportPage(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rep, log, err := d.engine.QueuedReport(r.Context(), me, 0, id)
	if err != nil {
		return err
	}
	ids := []storage.ID{rep.TargetID, rep.ReporterID, rep.AssigneeID}
	for _, l := range log {
		ids = append(ids, l.AccountID)
	}
	names, err := d.names(r, ids...)
	if err != nil {
		return err
	}
	base := "/admin/reports/" + rep.ID.String()
	v := &reportView{frame: frame{Title: "Report " + rep.ID.String(), Notice: noticeOf(r, reportNotices)},
		ID: rep.ID.String(), Base: base, Target: nameOr(names, rep.TargetID, "an account since deleted"),
		TargetURL: "/admin/accounts/" + rep.TargetID.String(), Reporter: nameOr(names, rep.ReporterID, "a remote node"),
		Category: rep.Category, Comment: rep.Comment, State: rep.State, Assignee: nameOr(names, rep.AssigneeID, "nobody"),
		Created: when(rep.CreatedAt), Action: rep.Action, ActionReason: rep.ActionReason,
		Open: rep.State == storage.ReportOpen, Mine: rep.AssigneeID == me.ID, Assigned: rep.AssigneeID != 0,
		Remote: rep.URI != "", Actions: reportActions}
	for i, rule := range rep.RuleIDs {
		if i > 0 {
			v.Rules += ", "
		}
		v.Rules += rule
	}
	if len(rep.StatusIDs) > 0 {
		sts, err := d.store.StatusesByIDs(r.Context(), rep.StatusIDs)
		if err != nil {
			return err
		}
		for _, sid := range rep.StatusIDs {
			st, ok := sts[sid]
			if !ok {
				v.Statuses = append(v.Statuses, reportedStatus{Missing: true})
				continue
			}
			v.Statuses = append(v.Statuses, reportedStatus{Content: template.HTML(st.Content), URL: st.URL})
		}
	}
	for _, l := range log {
		v.Log = append(v.Log, logRow{Who: nameOr(names, l.AccountID, "the node"), Action: l.Action, Text: l.Text, When: when(l.CreatedAt)})
	}
	return d.render(w, r, http.StatusOK, "report", v)
}

// assignReport assigns a report to the moderator who sends the form, or
// to nobody: POST /admin/reports/{id}/assign and /unassign.
func (d *Dashboard) assignReport(assign bool) handler {
	return func(w http.ResponseWriter, r *http.Request, me storage.Account) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if _, err := d.engine.AssignReport(r.Context(), me, 0, id, assign); err != nil {
			return err
		}
		notice := "unassigned"
		if assign {
			notice = "assigned"
		}
		return done(w, r, "/admin/reports/"+id.String(), notice)
	}
}

// noteReport adds a note: POST /admin/reports/{id}/note with text.
func (d *Dashboard) noteReport(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := d.engine.NoteReport(r.Context(), me, 0, id, r.PostFormValue("text")); err != nil {
		return err
	}
	return done(w, r, "/admin/reports/"+id.String(), "noted")
}

// resolveReport closes a report with the action taken and why: POST
// /admin/reports/{id}/resolve with action and reason.
func (d *Dashboard) resolveReport(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := d.engine.ResolveReport(r.Context(), me, 0, id, r.PostFormValue("action"), r.PostFormValue("reason")); err != nil {
		return err
	}
	return done(w, r, "/admin/reports/"+id.String(), "resolved")
}

// reopenReport opens a resolved report again: POST /admin/reports/{id}/reopen.
func (d *Dashboard) reopenReport(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := d.engine.ReopenReport(r.Context(), me, 0, id); err != nil {
		return err
	}
	return done(w, r, "/admin/reports/"+id.String(), "reopened")
}
