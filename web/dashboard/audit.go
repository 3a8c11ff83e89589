package dashboard

import (
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// The audit log (read only: nothing edits it) and federation health.

// auditActions are the actions the filter offers.
var auditActions = []string{federation.AuditWarn, federation.AuditLimit, federation.AuditUnlimit,
	federation.AuditSensitive, federation.AuditUnsensitive, federation.AuditDisable, federation.AuditEnable,
	federation.AuditSuspend, federation.AuditUnsuspend, federation.AuditPurgeSuspended, federation.AuditDeleteAccount,
	federation.AuditChangeRole, federation.AuditApprove, federation.AuditReject, federation.AuditCreateInvite,
	federation.AuditRevokeInvite, federation.AuditResetPassword, federation.AuditChangeEmail, federation.AuditBlockEmailDomain,
	federation.AuditUnblockEmailDomain, federation.AuditSubscribe, federation.AuditUnsubscribe,
	federation.AuditApproveDraft, federation.AuditRejectDraft, "report_" + storage.ReportLogAssign, "report_" + storage.ReportLogUnassign,
	"report_" + storage.ReportLogNote, "report_" + storage.ReportLogResolve, "report_" + storage.ReportLogReopen}

var auditTargets = []option{{"", "Anything"}, {storage.AuditAccount, "Accounts"}, {storage.AuditReport, "Reports"},
	{storage.AuditInvite, "Invitations"}}

type auditRow struct {
	When, Who, Action, Target, TargetURL, Details string
}

type auditView struct {
	frame
	By, Action, Target string
	Actions            []option
	Targets            []option
	Rows               []auditRow
	Older              string
}

// auditPage lists the audit log newest first: GET /admin/audit with by
// (a member's username), action and target (account, report, invite).
func (d *Dashboard) auditPage(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	q := r.URL.Query()
	v := &auditView{frame: frame{Title: "Audit log"}, By: strings.TrimPrefix(strings.TrimSpace(q.Get("by")), "@"),
		Action: q.Get("action"), Target: q.Get("target"), Targets: auditTargets, Actions: []option{{"", "Any action"}}}
	for _, a := range auditActions {
		v.Actions = append(v.Actions, option{a, strings.ReplaceAll(a, "_", " ")})
	}
	if !isOption(v.Actions, v.Action) || !isOption(auditTargets, v.Target) {
		return httperr.New(http.StatusBadRequest, "That filter is not one the log can show")
	}
	f := storage.AuditFilter{Action: v.Action, TargetType: v.Target}
	if v.By != "" {
		a, err := d.store.AccountByUsername(r.Context(), v.By)
		if errors.Is(err, storage.ErrNotFound) {
			return httperr.New(http.StatusUnprocessableEntity, "There is no member @"+v.By+" here")
		}
		if err != nil {
			return err
		}
		f.AccountID = a.ID
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	entries, err := d.engine.AuditLog(r.Context(), me.ID, f, p)
	if err != nil {
		return err
	}
	var ids []storage.ID
	for _, e := range entries {
		ids = append(ids, e.AccountID)
		if e.TargetType == storage.AuditAccount {
			ids = append(ids, e.TargetID)
		}
	}
	names, err := d.names(r, ids...)
	if err != nil {
		return err
	}
	for _, e := range entries {
		row := auditRow{When: when(e.CreatedAt), Who: nameOr(names, e.AccountID, "the command line"),
			Action: strings.ReplaceAll(e.Action, "_", " ")}
		switch e.TargetType {
		case storage.AuditAccount:
			row.Target, row.TargetURL = nameOr(names, e.TargetID, "account "+e.TargetID.String()), "/admin/accounts/"+e.TargetID.String()
		case storage.AuditReport:
			row.Target, row.TargetURL = "report "+e.TargetID.String(), "/admin/reports/"+e.TargetID.String()
		default:
			row.Target = e.TargetType + " " + e.TargetID.String()
		}
		keys := make([]string, 0, len(e.Details))
		for k := range e.Details {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i > 0 {
				row.Details += "; "
			}
			row.Details += strings.ReplaceAll(k, "_", " ") + ": " + e.Details[k]
		}
		v.Rows = append(v.Rows, row)
	}
	if len(entries) > 0 {
		v.Older = olderLink(r, len(entries), entries[len(entries)-1].ID)
	}
	return d.render(w, r, http.StatusOK, "audit", v)
}

type healthRow struct {
	Host, NextAttempt, LastError, BackoffUntil, LastSuccess string
	Queued, Failing, Failures                               int
}

type healthView struct {
	frame
	Queued, Failing int
	Rows            []healthRow
	// the members' mail: waiting, failed at least once, the last reason,
	// and whether the node sends mail at all
	MailQueued, MailFailing int
	MailError               string
	SendsMail               bool
}

// healthPage shows deliveries pending and failing by host: GET /admin/health.
func (d *Dashboard) healthPage(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	hosts, err := d.store.DeliveryHealth(r.Context())
	if err != nil {
		return err
	}
	v := &healthView{frame: frame{Title: "Federation health"}}
	for _, h := range hosts {
		v.Queued += h.Queued
		v.Failing += h.Failing
		v.Rows = append(v.Rows, healthRow{Host: h.Host, Queued: h.Queued, Failing: h.Failing, Failures: h.Failures,
			NextAttempt: when(h.NextAttempt), LastError: h.LastError, BackoffUntil: when(h.BackoffUntil),
			LastSuccess: when(h.LastSuccess)})
	}
	if v.MailQueued, v.MailFailing, v.MailError, err = d.store.MailQueueStats(r.Context()); err != nil {
		return err
	}
	v.SendsMail = d.engine.SendsMail()
	return d.render(w, r, http.StatusOK, "health", v)
}
