package dashboard

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Accounts, local and remote: list and filter them, see one's standing
// and warnings, act on it with a reason and undo that, let in or turn
// down a sign-up, and (admins) change a member's role. The engine checks
// every action again (ActOnAccount, SetRoleOf...): the forms shown are
// only those the rule allows.

func (d *Dashboard) mountAccounts(r chi.Router) {
	m := federation.ActModerateAccounts
	r.Get("/admin/accounts", d.page(m, d.accountsPage))
	r.Get("/admin/accounts/{id}", d.page(m, d.accountPage))
	r.Post("/admin/accounts/{id}/action", d.page(m, d.actOnAccount))
	r.Post("/admin/accounts/{id}/undo", d.page(m, d.undoAccountAction))
	reg := federation.ActManageRegistrations
	r.Post("/admin/accounts/{id}/approve", d.page(reg, byID(dropResult(d.engine.ApproveAccount), "/admin/accounts/{id}", "approved")))
	r.Post("/admin/accounts/{id}/reject", d.page(reg, byID(d.engine.RejectAccount, "/admin/accounts/{id}", "rejected")))
	r.Post("/admin/accounts/{id}/role", d.page(federation.ActManageRoles, d.setRole))
}

// accountStatuses are the list's status filter: the admin API's
// values, with copse's words.
var accountStatuses = []option{
	{"", "Any"}, {"active", "Active"}, {"pending", "Waiting to join"}, {"silenced", "Limited"},
	{"disabled", "Sign-in disabled"}, {"suspended", "Suspended"},
}

var accountOrigins = []option{{"", "Local and remote"}, {"local", "Local"}, {"remote", "Remote"}}

// accountActions are the actions the form offers (ActOnAccount's types).
var accountActions = []option{
	{federation.ActionNone, "Warn: nothing changes, but the member is told"},
	{federation.ActionSensitive, "Mark media sensitive"},
	{federation.ActionSilence, "Limit: hidden from public timelines and from people who do not follow the account"},
	{federation.ActionDisable, "Disable sign-in"},
	{federation.ActionSuspend, "Suspend: hidden everywhere; data kept 30 days, then purged"},
}

var accountNotices = map[string]string{
	"acted":    "The action has been taken.",
	"undone":   "The action has been undone.",
	"approved": "The sign-up has been approved.",
	"rejected": "The sign-up has been turned down.",
	"role":     "The role has been changed.",
}

type accountRow struct {
	URL, Name, DisplayName, Origin, State, Joined string
}

type accountsView struct {
	frame
	Origin, Status, Username, Domain string
	Origins, Statuses                []option
	Rows                             []accountRow
	Older                            string
}

// accountsPage lists accounts: GET /admin/accounts with origin (local,
// remote), status, username (a prefix) and domain.
func (d *Dashboard) accountsPage(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	q := r.URL.Query()
	f := storage.AdminAccountFilter{Username: strings.TrimPrefix(strings.TrimSpace(q.Get("username")), "@"),
		Domain: strings.TrimSpace(q.Get("domain")), Status: q.Get("status")}
	if !isOption(accountStatuses, f.Status) {
		return httperr.New(http.StatusBadRequest, "That status is not one the list can show")
	}
	switch q.Get("origin") {
	case "local":
		f.Local = true
	case "remote":
		f.Remote = true
	case "":
	default:
		return httperr.New(http.StatusBadRequest, "The origin must be local or remote")
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	accts, err := d.engine.AdminAccounts(r.Context(), me.ID, f, p)
	if err != nil {
		return err
	}
	v := &accountsView{frame: frame{Title: "Accounts"}, Origin: q.Get("origin"), Status: f.Status, Username: f.Username,
		Domain: f.Domain, Origins: accountOrigins, Statuses: accountStatuses}
	ids := make([]storage.ID, len(accts))
	for i, a := range accts {
		ids[i] = a.ID
	}
	mods, err := d.store.AccountModerations(r.Context(), ids)
	if err != nil {
		return err
	}
	users, err := d.store.UsersByAccounts(r.Context(), ids)
	if err != nil {
		return err
	}
	for _, a := range accts {
		row := accountRow{URL: "/admin/accounts/" + a.ID.String(), Name: acct(a), DisplayName: a.DisplayName,
			Origin: "Local", Joined: when(a.CreatedAt)}
		if !a.Local() {
			row.Origin = "Remote"
		}
		m, ok := mods[a.ID]
		if !ok {
			m.AccountID = a.ID
		}
		var user *storage.User
		if u, ok := users[a.ID]; ok {
			user = &u
		}
		st := standingOf(a, m, user)
		row.State = "Active"
		if len(st.rows) > 0 {
			var words []string
			for _, s := range st.rows {
				words = append(words, s.What)
			}
			row.State = strings.Join(words, ", ")
		}
		v.Rows = append(v.Rows, row)
	}
	if len(accts) > 0 {
		v.Older = olderLink(r, len(accts), accts[len(accts)-1].ID)
	}
	return d.render(w, r, http.StatusOK, "accounts", v)
}

func isOption(opts []option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

type accountView struct {
	frame
	Base, Name, DisplayName, URL, Origin, Created string
	Email, Role, Reason                           string
	Standing                                      []standingRow
	Undo                                          []option
	Warnings                                      []warningRow
	Actions                                       []option
	ReportID                                      string
	Pending, CanApprove, CanSetRole, Member       bool
	Roles                                         []option
}

type standingRow struct{ What, Since string }

type warningRow struct{ Action, Text, When, Report string }

// accountPage shows an account's standing and warnings, with the forms
// the member may use: GET /admin/accounts/{id} (?report= ties an action
// to a report, which it then resolves).
func (d *Dashboard) accountPage(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s, err := d.engine.AdminAccount(ctx, me.ID, id)
	if err != nil {
		return err
	}
	a := s.Account
	v := &accountView{frame: frame{Title: "Account " + acct(a), Notice: noticeOf(r, accountNotices)},
		Base: "/admin/accounts/" + a.ID.String(), Name: acct(a), DisplayName: a.DisplayName, URL: a.URL,
		Origin: "Local", Created: when(a.CreatedAt), Actions: accountActions}
	if !a.Local() {
		v.Origin = "Remote (" + a.Domain + ")"
	}
	if rid := r.URL.Query().Get("report"); rid != "" {
		if _, err := storage.ParseID(rid); err == nil {
			v.ReportID = rid
		}
	}
	st := standingOf(a, s.Moderation, s.User)
	v.Standing, v.Undo, v.Pending = st.rows, st.undo, st.pending
	if s.User != nil {
		u := s.User
		v.Member, v.Email, v.Role, v.Reason = true, u.Email, u.Permission, u.Reason
		if v.CanApprove, err = d.engine.Can(ctx, me.ID, federation.ActManageRegistrations); err != nil {
			return err
		}
		if v.CanSetRole, err = d.engine.Can(ctx, me.ID, federation.ActManageRoles); err != nil {
			return err
		}
		v.Roles = []option{{storage.PermissionMember, "Member"}, {storage.PermissionModerator, "Moderator"},
			{storage.PermissionAdmin, "Admin"}}
		warnings, err := d.engine.AccountWarnings(ctx, me.ID, a.ID, 20)
		if err != nil {
			return err
		}
		for _, wn := range warnings {
			row := warningRow{Action: wn.Action, Text: wn.Text, When: when(wn.CreatedAt)}
			if wn.ReportID != 0 {
				row.Report = "/admin/reports/" + wn.ReportID.String()
			}
			v.Warnings = append(v.Warnings, row)
		}
	}
	return d.render(w, r, http.StatusOK, "account", v)
}

// standing is an account's standing as the dashboard words it, with
// the undo each part has.
type standing struct {
	rows    []standingRow
	undo    []option
	pending bool // a sign-up waiting for approval
}

// standing loads what standingOf needs for one account's page.
func (d *Dashboard) standing(r *http.Request, a storage.Account) (standing, error) {
	m, err := d.store.AccountModeration(r.Context(), a.ID)
	if err != nil {
		return standing{}, err
	}
	var user *storage.User
	if a.Local() {
		u, err := d.store.UserByAccount(r.Context(), a.ID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return standing{}, err
		}
		if err == nil {
			user = &u
		}
	}
	return standingOf(a, m, user), nil
}

// standingOf words an account's standing: a sign-up waiting for approval
// is held, not suspended, and has no undo here.
func standingOf(a storage.Account, m storage.AccountModeration, u *storage.User) standing {
	var s standing
	s.pending = u != nil && u.ApprovedAt.IsZero()
	for _, st := range []struct {
		at                time.Time
		what, undo, label string
	}{
		{a.SuspendedAt, "Suspended", federation.UndoSuspend, "Unsuspend"},
		{m.LimitedAt, "Limited", federation.UndoSilence, "Lift the limit"},
		{m.SensitiveAt, "Media marked sensitive", federation.UndoSensitive, "Stop marking media sensitive"},
		{m.DisabledAt, "Sign-in disabled", federation.UndoDisable, "Enable sign-in"},
	} {
		if st.at.IsZero() {
			continue
		}
		if st.undo == federation.UndoSuspend && s.pending {
			s.rows = append(s.rows, standingRow{What: "Waiting for approval"})
			continue
		}
		s.rows = append(s.rows, standingRow{What: st.what, Since: when(st.at)})
		s.undo = append(s.undo, option{st.undo, st.label})
	}
	if u != nil && u.ConfirmedAt.IsZero() {
		s.rows = append(s.rows, standingRow{What: "Email address not confirmed"})
	}
	return s
}

// actOnAccount takes an action with its reason: POST
// /admin/accounts/{id}/action with type, text and optionally report_id.
func (d *Dashboard) actOnAccount(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	act := federation.AccountAction{By: me.ID, Target: id, Type: r.PostFormValue("type"), Text: r.PostFormValue("text")}
	if act.Type == "" {
		return httperr.New(http.StatusUnprocessableEntity, "Choose an action")
	}
	if s := r.PostFormValue("report_id"); s != "" {
		if act.ReportID, err = storage.ParseID(s); err != nil {
			return httperr.New(http.StatusUnprocessableEntity, "The report number is not right")
		}
	}
	if err := d.engine.ActOnAccount(r.Context(), act); err != nil {
		return err
	}
	return done(w, r, "/admin/accounts/"+id.String(), "acted")
}

// undoAccountAction undoes one: POST /admin/accounts/{id}/undo with undo
// (unsuspend, unsilence, unsensitive, enable).
func (d *Dashboard) undoAccountAction(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := d.engine.UndoAccountAction(r.Context(), me.ID, id, r.PostFormValue("undo")); err != nil {
		return err
	}
	return done(w, r, "/admin/accounts/"+id.String(), "undone")
}

// setRole changes a member's role: POST /admin/accounts/{id}/role with
// role (member, moderator, admin).
func (d *Dashboard) setRole(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := d.engine.SetRoleOf(r.Context(), me.ID, id, r.PostFormValue("role")); err != nil {
		return err
	}
	return done(w, r, "/admin/accounts/"+id.String(), "role")
}
