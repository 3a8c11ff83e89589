package auth

import (
	"errors"
	"net/http"
	"strings"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Password reset by email: /auth/reset asks for the address and mails a
// link; /auth/reset/confirm?token= sets the new password with it.

const (
	resetPath        = "/auth/reset"
	resetConfirmPath = "/auth/reset/confirm"
)

// resetPage asks for the member's email address: GET /auth/reset.
func (j *joining) resetPage(w http.ResponseWriter, r *http.Request) {
	if !j.s.engine.SendsMail() {
		j.noMail(w, r)
		return
	}
	j.showReset(w, r, http.StatusOK, "", nil)
}

func (j *joining) noMail(w http.ResponseWriter, r *http.Request) {
	j.showMessage(w, r, http.StatusOK, "Reset your password",
		[]string{"This node sends no email. Ask one of its administrators to reset your password."}, "Sign in", "/auth/sign_in")
}

func (j *joining) showReset(w http.ResponseWriter, r *http.Request, status int, email string, errs []fieldError) {
	v := joinView{Title: "Reset your password", CSRF: j.s.signInCSRF(w, r), Email: email}
	j.withErrors(&v, errs)
	j.render(w, r, status, j.reset, v)
}

// resetForm mails a reset link: POST /auth/reset. It answers the same
// whether or not a member has that address.
func (j *joining) resetForm(w http.ResponseWriter, r *http.Request) {
	if !j.s.engine.SendsMail() {
		j.noMail(w, r)
		return
	}
	v, err := readForm(w, r)
	if err != nil {
		j.s.formFail(w, r, err)
		return
	}
	email := strings.TrimSpace(v.Get("email"))
	if !anyCookie(r, csrfCookie, v.Get("csrf")) {
		j.showReset(w, r, http.StatusForbidden, email, []fieldError{{"email", "The form had expired. Send it again."}})
		return
	}
	if email == "" {
		j.showReset(w, r, http.StatusUnprocessableEntity, email, []fieldError{{"email", "Enter your email address"}})
		return
	}
	if !j.mailBudget(w, r) {
		return
	}
	if err := j.s.engine.RequestPasswordReset(r.Context(), email); err != nil {
		j.s.pageFail(w, r, err)
		return
	}
	j.showMessage(w, r, http.StatusOK, "Check your email",
		[]string{"If an account on " + j.s.urls.Host() + " uses " + email + ", we have sent it a link to choose a new password. The link works once, for an hour."}, "", "")
}

// resetConfirmPage is what a reset link opens: the new-password form,
// for a link that still works.
func (j *joining) resetConfirmPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	ok, err := j.s.engine.CheckResetToken(r.Context(), token)
	if err != nil {
		j.s.pageFail(w, r, err)
		return
	}
	if !ok {
		j.resetGone(w, r)
		return
	}
	j.showResetConfirm(w, r, http.StatusOK, token, nil)
}

func (j *joining) resetGone(w http.ResponseWriter, r *http.Request) {
	j.showMessage(w, r, http.StatusGone, "This link no longer works",
		[]string{"The link has been used already, or it is more than an hour old."}, "Ask for a new link", resetPath)
}

func (j *joining) showResetConfirm(w http.ResponseWriter, r *http.Request, status int, token string, errs []fieldError) {
	v := joinView{Title: "Choose a new password", Token: token}
	j.withErrors(&v, errs)
	j.render(w, r, status, j.resetConfirm, v)
}

// resetConfirmForm sets the new password: POST /auth/reset/confirm. The
// token is the proof, as on the confirmation page.
func (j *joining) resetConfirmForm(w http.ResponseWriter, r *http.Request) {
	v, err := readForm(w, r)
	if err != nil {
		j.s.formFail(w, r, err)
		return
	}
	token, next, confirm := v.Get("token"), v.Get("new"), v.Get("confirm")
	switch {
	case next == "":
		j.showResetConfirm(w, r, http.StatusUnprocessableEntity, token, []fieldError{{"new", "Enter a new password"}})
		return
	case confirm != next:
		j.showResetConfirm(w, r, http.StatusUnprocessableEntity, token, []fieldError{{"confirm", "The passwords do not match"}})
		return
	}
	err = j.s.engine.ResetPasswordWithToken(r.Context(), token, next)
	var inv *federation.InvalidError
	switch {
	case errors.Is(err, storage.ErrNotFound):
		j.resetGone(w, r)
		return
	case errors.As(err, &inv):
		j.showResetConfirm(w, r, http.StatusUnprocessableEntity, token, []fieldError{{"new", httperr.Sentence(inv.Msg)}})
		return
	case err != nil:
		j.s.pageFail(w, r, err)
		return
	}
	j.showMessage(w, r, http.StatusOK, "Your password is changed",
		[]string{"You are signed out everywhere, and apps you had authorised must be authorised again."}, "Sign in", "/auth/sign_in")
}
