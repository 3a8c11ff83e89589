package dashboard

import (
	"bytes"
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
	"github.com/copse-dev/copse/web/pages"
	"github.com/copse-dev/copse/web/session"
)

//go:embed templates/*.html
var templates embed.FS

// csrfLabel keeps the dashboard's CSRF token apart from the sign-out
// form's, from which it is derived.
const csrfLabel = "copse dashboard"

// formBody bounds a dashboard form; csvBody an uploaded block list.
const (
	formBody = 64 << 10
	csvBody  = 8 << 20
)

// pageSize is how many rows a list shows.
const pageSize = 40

// errorPages answers an error as the site's error page (web/pages).
type errorPages interface {
	Error(w http.ResponseWriter, r *http.Request, err error)
}

// Options configures the dashboard.
type Options struct {
	Layout *pages.Layout // required: the site's layout
	Errors errorPages    // required: the site's error pages
	Log    *slog.Logger
}

// Dashboard serves /admin.
type Dashboard struct {
	engine *federation.Engine
	store  storage.Reader
	layout *pages.Layout
	errors errorPages
	log    *slog.Logger
	pages  *pages.PageSet
}

// pageNames are the templates that each make a page inside the layout.
var pageNames = []string{"overview", "reports", "report", "accounts", "account", "registrations", "invite_created",
	"domains", "block", "audit", "health", "servers", "announcements", "trends", "problem"}

// New checks that the dashboard's pages parse; a broken template fails
// here. Each is parsed for use when first shown (pages.PageSet).
func New(engine *federation.Engine, o Options) (*Dashboard, error) {
	if o.Layout == nil || o.Errors == nil {
		return nil, errors.New("dashboard: no site layout or error pages")
	}
	d := &Dashboard{engine: engine, store: engine.Reader(), layout: o.Layout, errors: o.Errors,
		log: cmp.Or(o.Log, slog.Default()).With("component", "dashboard")}
	var err error
	d.pages, err = pages.NewPageSet(pageNames, func(name string) (*template.Template, error) {
		t, err := o.Layout.Parse(templates, "templates/parts.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("dashboard: parse %s page: %w", name, err)
		}
		return t, nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Mount adds the dashboard's routes. They must be behind web/auth's
// LoadSession, which finds the member signed in.
func (d *Dashboard) Mount(r chi.Router) {
	r.Get("/admin", d.page(0, d.overview))
	d.mountReports(r)
	d.mountAccounts(r)
	d.mountRegistrations(r)
	d.mountDomains(r)
	d.mountAnnouncements(r)
	d.mountTrends(r)
	d.mountEmojis(r)
	r.Get("/admin/audit", d.page(federation.ActViewAuditLog, d.auditPage))
	// Federation health is read only, like the audit log, and for the same
	// people: no action of its own exists, and moderators need it to tell
	// a peer that is down from one that refuses.
	r.Get("/admin/health", d.page(federation.ActViewAuditLog, d.healthPage))
	r.Get("/admin/servers", d.page(federation.ActViewAuditLog, d.serversPage))
}

// handler is a dashboard page or form, for the member me, who has been
// checked. An error it returns is answered by fail.
type handler func(w http.ResponseWriter, r *http.Request, me storage.Account) error

// page wraps h with the checks every dashboard route makes, in order: a
// member is signed in (else the browser is sent to sign in and come
// back), a form carries the session's CSRF token, and the member may do
// action (the engine's rule; 0: any moderator's action, for the overview).
func (d *Dashboard) page(action federation.Action, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		me, ok := session.Member(r)
		if !ok {
			back := "/admin"
			if r.Method == http.MethodGet {
				back = r.URL.RequestURI()
			}
			http.Redirect(w, r, session.SignInURL(back), http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			if err := d.checkCSRF(w, r); err != nil {
				d.fail(w, r, err)
				return
			}
		}
		var err error
		if action == 0 {
			err = d.authorizeAny(r, me)
		} else {
			err = d.engine.Authorize(r.Context(), me.ID, action)
		}
		if err == nil {
			err = h(w, r, me)
		}
		if err != nil {
			d.fail(w, r, err)
		}
	}
}

// staffActions are what the overview offers, in its order.
var staffActions = []federation.Action{federation.ActHandleReports, federation.ActModerateAccounts,
	federation.ActManageRegistrations, federation.ActManageFederation, federation.ActManageAnnouncements, federation.ActManageEmojis,
	federation.ActViewAuditLog}

// authorizeAny lets in a member who may do at least one of the
// dashboard's actions.
func (d *Dashboard) authorizeAny(r *http.Request, me storage.Account) error {
	for _, a := range staffActions {
		ok, err := d.engine.Can(r.Context(), me.ID, a)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
	return fmt.Errorf("moderation dashboard: %w", federation.ErrDenied)
}

// csrfToken is the token every dashboard form carries
// (session.FormToken under the dashboard's label).
func csrfToken(r *http.Request) string { return session.FormToken(r, csrfLabel) }

// checkCSRF reads the form (bounded) and checks its token.
func (d *Dashboard) checkCSRF(w http.ResponseWriter, r *http.Request) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	if mt == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, csvBody)
		err = r.ParseMultipartForm(1 << 20)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, formBody)
		err = r.ParseForm()
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return err
	}
	if err != nil {
		return httperr.New(http.StatusBadRequest, "The form is damaged. Go back and start again")
	}
	if !session.ValidFormToken(r, csrfLabel, r.PostFormValue("csrf")) {
		return httperr.New(http.StatusForbidden, "The form had expired. Go back, reload the page and try again")
	}
	return nil
}

// fail answers err: a problem with what was sent (the engine's
// InvalidError, a duplicate) is a page that says so and links back;
// anything else is the site's error page (403, 404, 500...).
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, err error) {
	var inv *federation.InvalidError
	var own *httperr.Error
	msg := ""
	switch {
	case errors.As(err, &inv):
		msg = sentence(inv.Msg)
	case errors.Is(err, storage.ErrDuplicate):
		msg = "That is there already."
	case errors.As(err, &own) && own.Code != http.StatusNotFound && own.Code < 500:
		msg = sentence(own.Msg)
	}
	if msg == "" {
		d.errors.Error(w, r, err)
		return
	}
	code := http.StatusUnprocessableEntity
	if own != nil {
		code = own.Code
	}
	if !httperr.WantsHTML(r) {
		httperr.JSON(w, code, map[string]string{"error": msg})
		return
	}
	back := r.URL.Path
	if r.Method == http.MethodPost {
		back = r.PostFormValue("back")
		if !strings.HasPrefix(back, "/admin") || !session.LocalPath(back) {
			back = backFrom(r.URL.Path)
		}
	}
	v := &problemView{frame: frame{Title: "There is a problem", Path: back}, Message: msg, Back: back}
	if rerr := d.render(w, r, code, "problem", v); rerr != nil {
		d.errors.Error(w, r, rerr)
	}
}

// backFrom is the page a form at path was sent from: its path without
// the last segment (/admin/reports/1/note → /admin/reports/1).
func backFrom(path string) string {
	if i := strings.LastIndex(path, "/"); i > len("/admin") {
		return path[:i]
	}
	return "/admin"
}

// sentence makes the engine's message a sentence for the page, with its
// full stop.
func sentence(msg string) string {
	msg = httperr.Sentence(strings.TrimSpace(msg))
	if msg != "" && !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// frame is what every dashboard page has: its title, the site's frame,
// the dashboard's navigation and the form token.
type frame struct {
	Title string
	pages.Frame
	Nav    []navItem
	CSRF   string
	Notice string
	Path   string // the page's own, where a form's problem page links back
}

func (f *frame) base() *frame { return f }

type navItem struct {
	Label, URL, About string
	Current           bool
}

// framed is every page's view.
type framed interface{ base() *frame }

type problemView struct {
	frame
	Message, Back string
}

// sections are the dashboard's pages, each with the action that opens it
// and what the overview says of it.
var sections = []struct {
	label, url, about string
	action            federation.Action
}{
	{"Reports", "/admin/reports", "Reports from members and other nodes: assign, note, resolve, reopen.", federation.ActHandleReports},
	{"Accounts", "/admin/accounts", "Local and remote accounts: warn, limit, suspend and more, with a reason.", federation.ActModerateAccounts},
	{"Trends", "/admin/trends", "Hashtags, links and posts that would trend: approve or reject each.", federation.ActModerateContent},
	{"Registrations", "/admin/registrations", "How people join, and invitation links.", federation.ActManageRegistrations},
	{"Domain policy", "/admin/domains", "Which servers this node federates with.", federation.ActManageFederation},
	{"Announcements", "/admin/announcements", "What every member reads in their apps.", federation.ActManageAnnouncements},
	{"Custom emojis", "/admin/emojis", "The images members' apps draw for :shortcodes:.", federation.ActManageEmojis},
	{"Audit log", "/admin/audit", "Every moderator's and admin's action.", federation.ActViewAuditLog},
	{"Federation health", "/admin/health", "Deliveries waiting and failing, by server.", federation.ActViewAuditLog},
	{"Servers", "/admin/servers", "The servers this node knows, and what they run.", federation.ActViewAuditLog},
}

// render fills the frame (the node, the navigation the member may use,
// the CSRF token) and writes the page in the site layout. Like the
// settings pages, dashboard pages are never framed, cached or indexed.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, code int, name string, v framed) error {
	f := v.base()
	f.Frame = d.layout.Frame()
	f.Staff = session.Staff(r)
	f.CSRF = csrfToken(r)
	if f.Path == "" {
		f.Path = r.URL.Path
	}
	if me, ok := session.Member(r); ok {
		for _, s := range sections {
			ok, err := d.engine.Can(r.Context(), me.ID, s.action)
			if err != nil {
				return err
			}
			if ok {
				f.Nav = append(f.Nav, navItem{Label: s.label, URL: s.url, About: s.about,
					Current: r.URL.Path == s.url || strings.HasPrefix(r.URL.Path, s.url+"/")})
			}
		}
	}
	var buf bytes.Buffer
	t, err := d.pages.Get(name)
	if err != nil {
		return err
	}
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("render dashboard %s page: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// done sends the browser back to a page after a form, with a notice
// chosen by a fixed key (so a crafted link cannot put words on a page).
func done(w http.ResponseWriter, r *http.Request, path, notice string) error {
	u := path
	if notice != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		u += sep + "done=" + url.QueryEscape(notice)
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
	return nil
}

// noticeOf is the fixed sentence for a page's done= key, from notices.
func noticeOf(r *http.Request, notices map[string]string) string {
	return notices[r.URL.Query().Get("done")]
}

// byID is a form that does one thing to the {id} of its path, through
// the engine's act (which checks the member may), then sends the browser
// back to to ({id} in it replaced) with notice: lifting a block,
// revoking an invitation, approving a sign-up...
func byID(act func(ctx context.Context, by, id storage.ID) error, to, notice string) handler {
	return func(w http.ResponseWriter, r *http.Request, me storage.Account) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if err := act(r.Context(), me.ID, id); err != nil {
			return err
		}
		return done(w, r, strings.ReplaceAll(to, "{id}", id.String()), notice)
	}
}

// dropResult adapts an engine method that also returns what it changed
// to byID, which needs only its error.
func dropResult[T any](act func(ctx context.Context, by, id storage.ID) (T, error)) func(context.Context, storage.ID, storage.ID) error {
	return func(ctx context.Context, by, id storage.ID) error {
		_, err := act(ctx, by, id)
		return err
	}
}

// pathID reads the {id} of the path.
func pathID(r *http.Request) (storage.ID, error) {
	id, err := storage.ParseID(chi.URLParam(r, "id"))
	if err != nil {
		return 0, fmt.Errorf("id %q: %w", chi.URLParam(r, "id"), storage.ErrNotFound)
	}
	return id, nil
}

// pageOf reads a list's max_id cursor.
func pageOf(r *http.Request) (storage.Page, error) {
	p := storage.Page{Limit: pageSize}
	if s := r.URL.Query().Get("max_id"); s != "" {
		id, err := storage.ParseID(s)
		if err != nil {
			return p, httperr.New(http.StatusBadRequest, "The page address is not right: max_id must be a number")
		}
		p.MaxID = id
	}
	return p, nil
}

// olderLink is the next page of a list whose last row has id last, or ""
// when the list was not full.
func olderLink(r *http.Request, n int, last storage.ID) string {
	if n < pageSize {
		return ""
	}
	q := r.URL.Query()
	q.Set("max_id", last.String())
	return r.URL.Path + "?" + q.Encode()
}

// when formats a time for a page; zero is "never".
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006, 15:04 UTC")
}

// names loads the accounts ids name, for lists that show who.
func (d *Dashboard) names(r *http.Request, ids ...storage.ID) (map[storage.ID]string, error) {
	var want []storage.ID
	for _, id := range ids {
		if id != 0 {
			want = append(want, id)
		}
	}
	out := map[storage.ID]string{}
	if len(want) == 0 {
		return out, nil
	}
	accts, err := d.store.AccountsByIDs(r.Context(), want)
	if err != nil {
		return nil, fmt.Errorf("load accounts: %w", err)
	}
	for id, a := range accts {
		out[id] = acct(a)
	}
	return out, nil
}

// acct is how the dashboard names an account: @user, or @user@domain.
func acct(a storage.Account) string {
	if a.Domain == "" {
		return "@" + a.Username
	}
	return "@" + a.Username + "@" + a.Domain
}

// overview is /admin: the sections the member may use.
func (d *Dashboard) overview(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	v := &overviewView{frame: frame{Title: "Moderation"}, Member: acct(me)}
	open, err := d.engine.Can(r.Context(), me.ID, federation.ActHandleReports)
	if err != nil {
		return err
	}
	if open {
		reps, err := d.engine.Reports(r.Context(), me, 0, storage.ReportFilter{State: storage.ReportOpen}, storage.Page{Limit: 80})
		if err != nil {
			return err
		}
		v.OpenReports, v.ShowReports = len(reps), true
	}
	return d.render(w, r, http.StatusOK, "overview", v)
}

type overviewView struct {
	frame
	Member      string
	ShowReports bool
	OpenReports int
}
