package auth

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
	"github.com/copse-dev/copse/web/session"
)

// The settings forms' CSRF tokens are derived from the session, as the
// sign-out form's is; the labels keep each form's token apart.
const (
	revokeAppLabel      = "copse revoke app"
	changePasswordLabel = "copse change password"
)

const (
	appsPath     = "/settings/apps"
	passwordPath = "/settings/password"
)

// settings are a member's account settings pages: the apps they have
// authorised, and their password. Their templates are parsed with the
// sign-in pages' (parsePages), and rendered the same way (Server.render).
type settings struct {
	s *Server
	// archives admits the archives being written at once (each reads
	// every post of a member and their files).
	archives chan struct{}
}

// mountSettings adds the settings pages.
func (s *Server) mountSettings(r chi.Router) {
	st := &settings{s: s, archives: make(chan struct{}, archivesAtOnce)}
	r.Get(appsPath, st.appsPage)
	r.Post(appsPath+"/{id}/revoke", st.revokeApp)
	r.Get(passwordPath, st.passwordPage)
	r.Post(passwordPath, st.changePassword)
	r.Get(emailPath, st.emailPage)
	r.Post(emailPath, st.saveEmail)
	r.Get(unsubscribePath, st.unsubscribePage)
	r.Post(unsubscribePath, st.unsubscribe)
	r.Get(emailAddressPath, st.emailAddressPage)
	r.Post(emailAddressPath, st.changeEmailAddress)
	r.Get(emailConfirmPath, st.emailConfirmPage)
	r.Post(emailConfirmPath, st.emailConfirm)
	r.Get(migrationPath, st.migrationPage)
	r.Post(migrationPath+"/aliases", st.addAlias)
	r.Post(migrationPath+"/aliases/remove", st.removeAlias)
	r.Post(migrationPath+"/move", st.moveAccount)
	r.Get(exportPath, st.exportPage)
	r.Get(exportPath+"/{file}", st.exportFile)
	r.Get(importPath, st.importPage)
	r.Post(importPath, st.importFile)
	r.Post(importPath+"/clear", st.clearImports)
	r.Get(deletePath, st.deletePage)
	r.Get(twoStepPath, st.twoStepPage)
	r.Post(twoStepPath+"/on", st.twoStepOn)
	r.Post(twoStepPath+"/off", st.twoStepOff)
	r.Post(deletePath, st.deleteAccount)
}

type appView struct {
	ID, Name, Website, Scopes string
	LastUsed                  time.Time
}

// LastUsedDate is when the app last used or was granted its access, as
// people write dates.
func (a appView) LastUsedDate() string { return a.LastUsed.Format("2 January 2006") }

// LastUsedISO is the same, for the time element.
func (a appView) LastUsedISO() string { return a.LastUsed.Format(time.RFC3339) }

type fieldError struct{ Field, Message string }

// member returns the member signed in from r's browser, or sends the
// browser to sign in and come back to page (false).
func (st *settings) member(w http.ResponseWriter, r *http.Request, page string) (signedIn, bool) {
	si, ok, err := st.s.session(r)
	if err != nil {
		st.s.pageFail(w, r, err)
		return signedIn{}, false
	}
	if !ok {
		http.Redirect(w, r, session.SignInURL(page), http.StatusSeeOther)
		return signedIn{}, false
	}
	return si, true
}

// postForm begins a settings form's POST: the member signed in (or the
// browser sent to sign in and come back to page), the form read, and its
// CSRF token, made under label, checked (another site must not post it).
// It reports false when it has answered the request.
func (st *settings) postForm(w http.ResponseWriter, r *http.Request, page, label string) (signedIn, url.Values, bool) {
	si, ok := st.member(w, r, page)
	if !ok {
		return signedIn{}, nil, false
	}
	v, err := readForm(w, r)
	if err != nil {
		st.s.formFail(w, r, err)
		return signedIn{}, nil, false
	}
	if !sameSecret(sessionMAC(si.secret, label), v.Get("csrf")) {
		st.s.problemPage(w, r, http.StatusForbidden, "The form had expired. Go back, reload the page and try again.")
		return signedIn{}, nil, false
	}
	return si, v, true
}

// passwordGuess is a form's password check counted as a sign-in: a wrong
// password counts against the same limits as a failed sign-in, so that a
// session left open does not become a way to guess the password.
type passwordGuess struct {
	st           *settings
	member, addr string
}

// guess returns the guess of si's password from r, or, when its limits
// are spent, the field error to show (and Retry-After set); err is a
// failure of the server.
func (st *settings) guess(w http.ResponseWriter, r *http.Request, si signedIn, field string) (passwordGuess, *fieldError, error) {
	member, err := st.s.signInKey(r.Context(), si.account.Username)
	if err != nil {
		return passwordGuess{}, nil, err
	}
	g := passwordGuess{st: st, member: member, addr: AddrKey(r)}
	if wait := max(st.s.byAddr.RetryAfter(g.addr), st.s.byMember.RetryAfter(member)); wait > 0 {
		minutes := int(math.Ceil(wait.Minutes()))
		httperr.SetRetryAfter(w, wait)
		return g, &fieldError{field, fmt.Sprintf("Too many wrong passwords. Try again in %d minute%s", minutes, pluralS(minutes))}, nil
	}
	return g, nil, nil
}

// wrong counts a wrong password.
func (g passwordGuess) wrong() {
	g.st.s.byAddr.Add(g.addr)
	g.st.s.byMember.Add(g.member)
}

// errAnswered is checkedPassword's word that it has answered the
// request: the caller stops.
var errAnswered = errors.New("answered")

// checkedPassword runs act, a change the engine makes once the member's
// password is right (ErrDenied when it is not), as a guess under the
// sign-in limits: with them spent, or the password wrong (counted),
// show answers with wrong beside field and it returns errAnswered; a
// change made resets the member's failures. act's other errors are the
// caller's.
func (st *settings) checkedPassword(w http.ResponseWriter, r *http.Request, si signedIn, field, wrong string,
	show func(status int, errs []fieldError), act func() error) error {
	g, spent, err := st.guess(w, r, si, field)
	switch {
	case err != nil:
		return err
	case spent != nil:
		show(http.StatusTooManyRequests, []fieldError{*spent})
		return errAnswered
	}
	err = act()
	switch {
	case errors.Is(err, federation.ErrDenied):
		g.wrong()
		show(http.StatusUnprocessableEntity, []fieldError{{field, wrong}})
		return errAnswered
	case err == nil:
		st.s.byMember.Reset(g.member)
	}
	return err
}

// appsPage lists the apps that can act for the member: GET /settings/apps.
func (st *settings) appsPage(w http.ResponseWriter, r *http.Request) {
	si, ok := st.member(w, r, appsPath)
	if !ok {
		return
	}
	apps, err := st.s.engine.AuthorizedApps(r.Context(), si.account.ID)
	if err != nil {
		st.s.pageFail(w, r, fmt.Errorf("list authorised apps: %w", err))
		return
	}
	v := view{Title: "Authorised apps", Account: si.account.Username,
		CSRF: sessionMAC(si.secret, revokeAppLabel)}
	// The notice is a fixed sentence chosen by a flag, so a crafted link
	// cannot put words on the page.
	if r.URL.Query().Get("revoked") == "1" {
		v.Notice = "Access revoked. The app can no longer use your account."
	}
	for _, a := range apps {
		v.Apps = append(v.Apps, appView{ID: a.ID.String(), Name: a.Name, Website: a.Website,
			Scopes: strings.Join(a.Granted, " "), LastUsed: a.LastUsedAt.UTC()})
	}
	st.s.render(w, r, http.StatusOK, st.s.pages.apps, v)
}

// revokeApp ends an app's access to the member: POST
// /settings/apps/{id}/revoke, with the CSRF token of the apps page
// (another site must not revoke a member's apps).
func (st *settings) revokeApp(w http.ResponseWriter, r *http.Request) {
	si, _, ok := st.postForm(w, r, appsPath, revokeAppLabel)
	if !ok {
		return
	}
	id, err := storage.ParseID(chi.URLParam(r, "id"))
	if err == nil {
		err = st.s.engine.RevokeApp(r.Context(), si.account.ID, id)
	}
	switch {
	case errors.Is(err, storage.ErrNotFound):
		st.s.problemPage(w, r, http.StatusNotFound, "That app has no access to your account.")
		return
	case err != nil:
		st.s.pageFail(w, r, err)
		return
	}
	http.Redirect(w, r, appsPath+"?revoked=1", http.StatusSeeOther)
}

// passwordPage is the form to change the password: GET /settings/password.
func (st *settings) passwordPage(w http.ResponseWriter, r *http.Request) {
	si, ok := st.member(w, r, passwordPath)
	if !ok {
		return
	}
	notice := ""
	if r.URL.Query().Get("changed") == "1" {
		notice = "Your password has been changed. You have been signed out everywhere else."
	}
	st.showPassword(w, r, http.StatusOK, si, notice, nil)
}

// changePassword takes the password form: POST /settings/password. A
// wrong current password counts as a failed sign-in, against the same
// limits: a session left open must not become a way to guess the
// password. The session that changed it stays; every other ends.
func (st *settings) changePassword(w http.ResponseWriter, r *http.Request) {
	si, v, ok := st.postForm(w, r, passwordPath, changePasswordLabel)
	if !ok {
		return
	}
	current, next, confirm := v.Get("current"), v.Get("new"), v.Get("confirm")
	var errs []fieldError
	if current == "" {
		errs = append(errs, fieldError{"current", "Enter your current password"})
	}
	switch {
	case next == "":
		errs = append(errs, fieldError{"new", "Enter a new password"})
	case confirm == "":
		errs = append(errs, fieldError{"confirm", "Enter your new password again"})
	case confirm != next:
		errs = append(errs, fieldError{"confirm", "The new passwords do not match"})
	}
	if len(errs) > 0 {
		st.showPassword(w, r, http.StatusUnprocessableEntity, si, "", errs)
		return
	}

	show := func(status int, errs []fieldError) { st.showPassword(w, r, status, si, "", errs) }
	err := st.checkedPassword(w, r, si, "current", "Your current password is not right", show, func() error {
		return st.s.engine.ChangePassword(r.Context(), si.account.ID, current, next, si.secret)
	})
	var inv *federation.InvalidError
	switch {
	case errors.Is(err, errAnswered):
		return
	case errors.As(err, &inv):
		st.showPassword(w, r, http.StatusUnprocessableEntity, si, "", []fieldError{{"new", httperr.Sentence(inv.Msg)}})
		return
	case err != nil:
		st.s.pageFail(w, r, err)
		return
	}
	http.Redirect(w, r, passwordPath+"?changed=1", http.StatusSeeOther)
}

func (st *settings) showPassword(w http.ResponseWriter, r *http.Request, status int, si signedIn, notice string, errs []fieldError) {
	v := view{Title: "Change your password", Account: si.account.Username, Notice: notice,
		CSRF: sessionMAC(si.secret, changePasswordLabel)}
	v.withErrors(errs)
	st.s.render(w, r, status, st.s.pages.password, v)
}

// withErrors puts a form's errors on its page: in the summary, in the
// order of the fields, beside each field, and first in the title, as
// GOV.UK does, so a screen reader hears the problem first.
func (v *view) withErrors(errs []fieldError) {
	v.Errors, v.FieldError = errs, map[string]string{}
	if len(errs) > 0 {
		v.Title = "Error: " + v.Title
	}
	for _, e := range errs {
		v.FieldError[e.Field] = e.Message
	}
}
