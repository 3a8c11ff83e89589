package auth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
	"github.com/copse-dev/copse/web/session"
)

// signOutLabel keeps the sign-out form's CSRF token apart from others
// derived from the session.
const signOutLabel = "copse sign out"

// signIn checks login and password against the sign-in limits and, if
// they match, starts a session in a cookie (ending the browser's old
// one). It answers with status 0 when signed in; otherwise with the
// status and message the form should show. An error is the server's.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, login, password, code string) (int, string, error) {
	member, err := s.signInKey(r.Context(), login)
	if err != nil {
		return 0, "", err
	}
	addr := AddrKey(r)
	if wait := max(s.byAddr.RetryAfter(addr), s.byMember.RetryAfter(member)); wait > 0 {
		minutes := int(math.Ceil(wait.Minutes()))
		httperr.SetRetryAfter(w, wait)
		return http.StatusTooManyRequests, fmt.Sprintf("Too many failed sign-ins. Try again in %d minute%s.",
			minutes, pluralS(minutes)), nil
	}
	old := cookieValues(r, sessionCookie)
	old = old[:min(len(old), maxSessionCookies)]
	si, err := s.engine.SignInWithCode(r.Context(), login, password, code, old...)
	switch {
	case errors.Is(err, federation.ErrDenied) && code != "":
		s.byAddr.Add(addr)
		s.byMember.Add(member)
		return http.StatusUnprocessableEntity, "That username or email, password and code do not match.", nil
	case errors.Is(err, federation.ErrDenied):
		s.byAddr.Add(addr)
		s.byMember.Add(member)
		return http.StatusUnprocessableEntity, "That username or email and password do not match.", nil
	case errors.Is(err, federation.ErrTwoStepNeeded):
		return http.StatusUnprocessableEntity, "Enter the code from your authenticator app as well: you sign in in two steps.", nil
	case errors.Is(err, federation.ErrLoginDisabled):
		return http.StatusForbidden, "Your login is currently disabled.", nil
	case errors.Is(err, federation.ErrUnconfirmed):
		return http.StatusForbidden, "Confirm your email address first: follow the link in the email we sent you.", nil
	case errors.Is(err, federation.ErrUnapproved):
		return http.StatusForbidden, "Your account is waiting for an administrator's approval.", nil
	case err != nil:
		return 0, "", err
	}
	s.byMember.Reset(member)
	s.setCookie(w, sessionCookie, si.Secret, federation.SessionLifetime)
	s.setCookie(w, csrfCookie, "", -1)
	return 0, "", nil
}

// signInKey is the key failed sign-ins with login count against: the
// member it names, by username or by email alike, so a member has one
// budget of guesses; a login that names no member counts as itself.
func (s *Server) signInKey(ctx context.Context, login string) (string, error) {
	var id storage.ID
	var err error
	if strings.Contains(login, "@") { // as federation.CheckPassword reads it
		var u storage.User
		u, err = s.store.UserByEmail(ctx, login)
		id = u.AccountID
	} else {
		var a storage.Account
		a, err = s.store.AccountByUsername(ctx, login)
		id = a.ID
	}
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return "login:" + strings.ToLower(login), nil
	case err != nil:
		return "", fmt.Errorf("find member signing in: %w", err)
	}
	return "member:" + id.String(), nil
}

// signInPage is the web sign-in form: GET /auth/sign_in?next=/path. A
// member already signed in goes on to next, or sees who they are signed
// in as, with a sign-out button.
func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if !session.LocalPath(next) {
		next = ""
	}
	si, ok, err := s.session(r)
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	if ok && next != "" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if ok {
		s.render(w, r, http.StatusOK, s.pages.signedIn, view{Title: "Signed in", Account: si.account.Username,
			CSRF: sessionMAC(si.secret, signOutLabel)})
		return
	}
	s.showWebSignIn(w, r, http.StatusOK, next, "", "")
}

// webSignIn takes the web sign-in form: POST /auth/sign_in. It starts
// the session the OAuth pages share and goes on to next.
func (s *Server) webSignIn(w http.ResponseWriter, r *http.Request) {
	v, err := readForm(w, r)
	if err != nil {
		s.formFail(w, r, err)
		return
	}
	next := v.Get("next")
	if !session.LocalPath(next) {
		next = ""
	}
	if !anyCookie(r, csrfCookie, v.Get("csrf")) {
		s.showWebSignIn(w, r, http.StatusForbidden, next, "", "The sign-in form had expired. Sign in again.")
		return
	}
	login := strings.TrimPrefix(strings.TrimSpace(v.Get("login")), "@")
	status, problem, err := s.signIn(w, r, login, v.Get("password"), v.Get("code"))
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	if status != 0 {
		s.showWebSignIn(w, r, status, next, login, problem)
		return
	}
	if next == "" {
		next = "/auth/sign_in"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signOut ends the browser's session: POST /auth/sign_out, with the
// CSRF token SignOutToken gives (another site must not sign a member
// out). It goes on to next, or back to the sign-in page.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	v, err := readForm(w, r)
	if err != nil {
		s.formFail(w, r, err)
		return
	}
	next := v.Get("next")
	if !session.LocalPath(next) {
		next = "/auth/sign_in"
	}
	si, ok, err := s.session(r)
	if err != nil {
		s.pageFail(w, r, err)
		return
	}
	if !ok { // signed out already; still clear what the browser holds
		s.setCookie(w, sessionCookie, "", -1)
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if !sameSecret(sessionMAC(si.secret, signOutLabel), v.Get("csrf")) {
		s.problemPage(w, r, http.StatusForbidden, "The sign-out form had expired. Go back and try again.")
		return
	}
	if err := s.engine.SignOut(r.Context(), si.secret); err != nil {
		s.pageFail(w, r, err)
		return
	}
	s.setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) showWebSignIn(w http.ResponseWriter, r *http.Request, status int, next, login, problem string) {
	s.render(w, r, status, s.pages.webSignIn, view{Title: "Sign in", Login: login, Error: problem,
		CSRF: s.signInCSRF(w, r), Next: next, CanJoin: s.engine.Registrations().Mode == federation.RegistrationsOpen,
		CanReset: s.engine.SendsMail()})
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
