package pages

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/storage"
)

// A community's report queue, for its moderators who use copse's pages
// (Mastodon apps show no community queue): /c/{handle}/reports lists the
// reports about its content (open, resolved or all, newest first), and
// /c/{handle}/reports/{id} shows one, its reported posts with a link to
// their thread (where the moderators' forms remove a post or ban its
// author), and its log, with the forms to assign it, add a note, resolve
// it with what was done, or reopen it. The engine decides who may (the
// community's moderators, here or, for a community elsewhere, as its
// moderators collection lists them), as for the API, and logs each
// change; resolving a report that came as a Flag sends Resolve{Flag}.

// communityReportActions are what a community's moderator records on
// resolving a report (a subset of the engine's: the node's own actions,
// warning, limiting or suspending an account, are its moderators').
var communityReportActions = []choice{
	{Value: "none", Label: "No action needed"},
	{Value: "removed", Label: "The content was removed"},
	{Value: "banned", Label: "The author was banned from the community"},
	{Value: "other", Label: "Something else (say what below)"},
}

type reportsPage struct {
	pageView
	Community *communityView
	State     string // open, resolved or all
	Reports   []reportRowView
	Report    *reportView // one report's page
	Older     string
	Notice    string
	Actions   []choice
}

type reportRowView struct {
	ID, URL, About, From, Category, State, Assignee, When, ISO string
}

type reportView struct {
	reportRowView
	Comment, Rules, Action, ActionReason string
	Open, Mine, Remote                   bool
	Posts                                []reportedPost
	Log                                  []reportLogView
}

// reportedPost is a post a report names, with the thread it is in.
type reportedPost struct {
	statusView
	Thread  string // its thread's page ("": not found in the community)
	Missing bool   // deleted since
}

type reportLogView struct{ Who, Action, Text, When, ISO string }

var reportNotices = map[string]string{
	"assign": "The report is assigned to you.", "unassign": "The report is assigned to nobody.",
	"note": "Your note was added.", "resolve": "The report is resolved.", "reopen": "The report is open again.",
}

// CommunityReports serves GET /c/{handle}/reports?state=open|resolved|all.
func (h *Handler) CommunityReports(w http.ResponseWriter, r *http.Request) {
	if err := h.communityReports(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) communityReports(w http.ResponseWriter, r *http.Request) error {
	me, ok := signedIn(w, r, r.URL.RequestURI())
	if !ok {
		return nil
	}
	g, cv, _, err := h.pageCommunity(r, nil)
	if err != nil {
		return err
	}
	v := reportsPage{pageView: h.viewIn(cv, "Reports about "+cv.Name), Community: cv, State: r.URL.Query().Get("state")}
	f := storage.ReportFilter{State: storage.ReportOpen}
	switch v.State {
	case "", storage.ReportOpen:
		v.State = storage.ReportOpen
	case storage.ReportResolved:
		f.State = v.State
	case "all":
		f.State = ""
	default:
		return fmt.Errorf("state %q: %w", v.State, storage.ErrNotFound)
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	reps, err := h.engine.Reports(r.Context(), me, g.ID, f, p)
	if err != nil {
		return err
	}
	names, err := h.reportNames(r, reps, nil)
	if err != nil {
		return err
	}
	for _, rep := range reps {
		v.Reports = append(v.Reports, h.reportRow(g, rep, names))
	}
	if len(reps) == p.Limit {
		v.Older = r.URL.Path + "?" + url.Values{"state": {v.State}, "max_id": {reps[len(reps)-1].ID.String()}}.Encode()
	}
	v.NoIndex = true
	return h.render(w, r, http.StatusOK, "community_reports", &v)
}

// CommunityReport serves GET /c/{handle}/reports/{id}.
func (h *Handler) CommunityReport(w http.ResponseWriter, r *http.Request) {
	if err := h.communityReport(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) communityReport(w http.ResponseWriter, r *http.Request) error {
	me, ok := signedIn(w, r, r.URL.Path)
	if !ok {
		return nil
	}
	g, cv, _, err := h.pageCommunity(r, nil)
	if err != nil {
		return err
	}
	id, err := storage.ParseID(chi.URLParam(r, "id"))
	if err != nil {
		return fmt.Errorf("report %q: %w", chi.URLParam(r, "id"), storage.ErrNotFound)
	}
	rep, log, err := h.engine.QueuedReport(r.Context(), me, g.ID, id)
	if err != nil {
		return err
	}
	names, err := h.reportNames(r, []storage.Report{rep}, log)
	if err != nil {
		return err
	}
	rv := &reportView{reportRowView: h.reportRow(g, rep, names), Comment: rep.Comment, Rules: strings.Join(rep.RuleIDs, ", "),
		Action: rep.Action, ActionReason: rep.ActionReason, Open: rep.State == storage.ReportOpen, Mine: rep.AssigneeID == me.ID,
		Remote: rep.URI != ""}
	if rv.Posts, err = h.reportedPosts(r, g, rep.StatusIDs); err != nil {
		return err
	}
	for _, l := range log {
		rv.Log = append(rv.Log, reportLogView{Who: nameIn(names, l.AccountID, "the node"), Action: l.Action, Text: l.Text,
			When: l.CreatedAt.UTC().Format("2 January 2006, 15:04 MST"), ISO: l.CreatedAt.Format(time.RFC3339)})
	}
	v := reportsPage{pageView: h.viewIn(cv, "Report "+rep.ID.String()+" about "+cv.Name), Community: cv, Report: rv,
		Notice: reportNotices[r.URL.Query().Get("done")], Actions: communityReportActions}
	v.Member, v.NoIndex = h.memberOf(r), true
	return h.render(w, r, http.StatusOK, "community_reports", &v)
}

// ActOnReport takes POST /c/{handle}/reports/{id}/{act}: assign,
// unassign, note (text), resolve (action, reason) or reopen.
func (h *Handler) ActOnReport(w http.ResponseWriter, r *http.Request) {
	h.moderatorForm(w, r, func(me, g storage.Account, id storage.ID) (string, error) {
		ctx, act := r.Context(), chi.URLParam(r, "act")
		var err error
		switch act {
		case "assign", "unassign":
			_, err = h.engine.AssignReport(ctx, me, g.ID, id, act == "assign")
		case "note":
			_, err = h.engine.NoteReport(ctx, me, g.ID, id, r.FormValue("text"))
		case "resolve":
			_, err = h.engine.ResolveReport(ctx, me, g.ID, id, r.FormValue("action"), r.FormValue("reason"))
		case "reopen":
			_, err = h.engine.ReopenReport(ctx, me, g.ID, id)
		default:
			err = storage.ErrNotFound
		}
		return communityPath(g.Acct()) + "/reports/" + id.String() + "?done=" + act, err
	})
}

// reportRow is a report as the queue lists it.
func (h *Handler) reportRow(g storage.Account, rep storage.Report, names map[storage.ID]string) reportRowView {
	return reportRowView{ID: rep.ID.String(), URL: communityPath(g.Acct()) + "/reports/" + rep.ID.String(),
		About: nameIn(names, rep.TargetID, "an account since deleted"), From: nameIn(names, rep.ReporterID, "another server"),
		Category: rep.Category, State: rep.State, Assignee: nameIn(names, rep.AssigneeID, "nobody"),
		When: rep.CreatedAt.UTC().Format("2 January 2006, 15:04 MST"), ISO: rep.CreatedAt.Format(time.RFC3339)}
}

// reportNames reads the names of the accounts the reports and the log
// name, in one query.
func (h *Handler) reportNames(r *http.Request, reps []storage.Report, log []storage.ReportLogEntry) (map[storage.ID]string, error) {
	var ids []storage.ID
	for _, rep := range reps {
		ids = append(ids, rep.TargetID, rep.ReporterID, rep.AssigneeID)
	}
	for _, l := range log {
		ids = append(ids, l.AccountID)
	}
	accts, err := h.store.AccountsByIDs(r.Context(), ids)
	if err != nil {
		return nil, fmt.Errorf("names in reports: %w", err)
	}
	names := make(map[storage.ID]string, len(accts))
	for id, a := range accts {
		names[id] = cmp.Or(a.DisplayName, a.Username) + " (@" + a.Username + "@" + cmp.Or(a.Domain, h.node.Host) + ")"
	}
	return names, nil
}

func nameIn(names map[storage.ID]string, id storage.ID, or string) string {
	if n, ok := names[id]; ok && id != 0 {
		return n
	}
	return or
}

// reportedPosts are the posts of a report, as the thread page shows them,
// each with its thread in the community g.
func (h *Handler) reportedPosts(r *http.Request, g storage.Account, ids []storage.ID) ([]reportedPost, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	sts, err := h.store.StatusesByIDs(r.Context(), ids)
	if err != nil {
		return nil, fmt.Errorf("reported posts: %w", err)
	}
	var found []storage.Status
	for _, id := range ids {
		if st, ok := sts[id]; ok {
			found = append(found, st)
		}
	}
	views, err := h.listed(r, found)
	if err != nil {
		return nil, err
	}
	byID := map[string]statusView{}
	for _, v := range views {
		byID[v.ID] = v
	}
	out := make([]reportedPost, 0, len(ids))
	for _, id := range ids {
		v, ok := byID[id.String()]
		if !ok {
			out = append(out, reportedPost{Missing: true})
			continue
		}
		p := reportedPost{statusView: v}
		if cp, err := h.store.CommunityPost(r.Context(), id); err == nil && cp.GroupID == g.ID {
			p.Thread = threadPath(g.Acct(), cp.RootID) + "#post-" + id.String()
		}
		out = append(out, p)
	}
	return out, nil
}
