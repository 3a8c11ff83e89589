package pages

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// "Report" under each post of a community's thread, for members who read
// it on copse's pages (apps have their own): /c/{handle}/posts/{id}/report
// asks why (spam, the node's rules it breaks, possibly illegal, something
// else), a comment, and for an author on another server whether to send
// the report there too. The engine files it as a report from an app:
// in this node's queue and in the community's (its moderators here, or
// the Group elsewhere as a Flag), and says what it refuses.

type reportFields struct {
	Category, Comment string
	Rules             map[string]bool
	Forward           bool
}

type reportFormPage struct {
	repertoireForm
	Fields   reportFields
	Post     *statusView
	Why      radioGroup
	Rules    []choice // the node's rules, by id
	Remote   string   // the author's server, when not this one
	Sent     bool
	Thread   string // the post's thread page
	post     storage.Status
	reported storage.Account
}

func reportPath(handle string, id storage.ID) string {
	return communityPath(handle) + "/posts/" + id.String() + "/report"
}

// reportPage is the report form of the path's post ({id}), a post in
// the path's community the member may see.
func (h *Handler) reportPage(r *http.Request) (reportFormPage, error) {
	g, cv, err := h.formCommunity(r)
	if err != nil {
		return reportFormPage{}, err
	}
	st, cp, err := h.communityPost(r, g, chi.URLParam(r, "id"))
	if err != nil {
		return reportFormPage{}, err
	}
	id := st.ID
	author, err := h.store.AccountByID(r.Context(), st.AccountID)
	if err != nil {
		return reportFormPage{}, err
	}
	views, err := h.listed(r, []storage.Status{st})
	if err != nil || len(views) == 0 {
		return reportFormPage{}, fmt.Errorf("post %d: %w", id, cmp.Or(err, storage.ErrNotFound))
	}
	thread := threadPath(g.Acct(), cp.RootID) + "#post-" + id.String()
	v := reportFormPage{repertoireForm: h.newForm(g, cv, "Report a post by "+views[0].Author.Name, reportPath(g.Acct(), id), thread),
		Post: &views[0], Thread: thread, post: st, reported: author}
	if !author.Local() {
		v.Remote = author.Domain
	}
	for i, rule := range h.facts.Rules {
		v.Rules = append(v.Rules, choice{Value: strconv.Itoa(i + 1), Label: rule})
	}
	return v, nil
}

// ReportForm serves GET /c/{handle}/posts/{id}/report; with ?sent=1, the
// thanks once it is sent.
func (h *Handler) ReportForm(w http.ResponseWriter, r *http.Request) {
	if _, v, ok := openForm(h, w, r, r.URL.Path, nil, h.reportPage); ok {
		v.Sent = r.URL.Query().Get("sent") == "1"
		v.Fields.Category = storage.ReportSpam
		h.showReportForm(w, r, http.StatusOK, v)
	}
}

// ReportPost takes POST /c/{handle}/posts/{id}/report.
func (h *Handler) ReportPost(w http.ResponseWriter, r *http.Request) {
	me, v, ok := openForm(h, w, r, r.URL.Path, h.readText, h.reportPage)
	if !ok {
		return
	}
	v.Fields = reportFields{Category: r.FormValue("category"), Comment: r.FormValue("comment"), Rules: map[string]bool{},
		Forward: r.FormValue("forward") == "yes"}
	nr := federation.NewReport{TargetID: v.reported.ID, StatusIDs: []storage.ID{v.post.ID}, Comment: v.Fields.Comment,
		Category: v.Fields.Category, Forward: v.Fields.Forward && v.Remote != ""}
	switch v.Fields.Category {
	case storage.ReportSpam, storage.ReportLegal, storage.ReportOther:
	case storage.ReportViolation:
		for _, id := range r.Form["rule"] {
			if n, err := strconv.Atoi(id); err == nil && n >= 1 && n <= len(v.Rules) {
				v.Fields.Rules[id] = true
				nr.RuleIDs = append(nr.RuleIDs, id)
			}
		}
		if len(nr.RuleIDs) == 0 {
			v.Form.add("rule", "Choose the rules the post breaks")
		}
	default:
		v.Form.add("category", "Choose why you report the post")
	}
	if me.ID == v.reported.ID {
		v.Form.Problem = "You cannot report your own post: edit or delete it instead."
	}
	show := func(code int) { h.showReportForm(w, r, code, v) }
	h.submit(w, r, &v.Form, show, func(err error) bool {
		var inv *federation.InvalidError
		if errors.As(err, &inv) {
			v.Form.add("comment", httperr.Sentence(inv.Msg))
			show(http.StatusUnprocessableEntity)
			return true
		}
		return false
	}, func() (string, error) {
		if _, err := h.engine.Report(r.Context(), me, nr); err != nil {
			return "", err
		}
		return v.Form.Action + "?sent=1", nil
	})
}

// showReportForm shows the report form (showForm) with its question.
func (h *Handler) showReportForm(w http.ResponseWriter, r *http.Request, code int, v reportFormPage) {
	v.Why = radioGroup{Name: "category", Legend: "Why are you reporting it?", Value: v.Fields.Category,
		Error: v.Form.FieldError["category"], Choices: []choice{
			{Value: storage.ReportSpam, Label: "It is spam or advertising"},
			{Value: storage.ReportLegal, Label: "It may be illegal", Hint: "For example personal data shared without consent, or a threat."},
			{Value: storage.ReportOther, Label: "Something else", Hint: "Say what in your comment."},
		}}
	if len(v.Rules) > 0 {
		v.Why.Choices = append(v.Why.Choices[:2:2], append([]choice{{Value: storage.ReportViolation,
			Label: "It breaks the rules of " + h.node.Name, Hint: "Tick the rules below."}}, v.Why.Choices[2:]...)...)
	}
	if v.Sent {
		v.Title = "Your report was sent"
	}
	showForm(h, w, r, code, "report_form", v)
}
