package auth

import (
	"errors"
	"net/http"

	"github.com/copse-dev/copse/federation"
)

// Deleting one's own account (/settings/delete), with the password and a
// ticked box: federation.DeleteOwnAccount, as an operator's `copse admin
// account delete` does it. The browser is signed out, and the page says
// what happened.

const (
	deletePath  = "/settings/delete"
	deleteLabel = "copse delete account"
)

// deletePage is GET /settings/delete.
func (st *settings) deletePage(w http.ResponseWriter, r *http.Request) {
	si, ok := st.member(w, r, deletePath)
	if !ok {
		return
	}
	st.showDelete(w, r, http.StatusOK, si, nil)
}

func (st *settings) showDelete(w http.ResponseWriter, r *http.Request, status int, si signedIn, errs []fieldError) {
	v := view{Title: "Delete your account", Account: si.account.Username, CSRF: sessionMAC(si.secret, deleteLabel)}
	v.withErrors(errs)
	st.s.render(w, r, status, st.s.pages.deleteAccount, v)
}

// deleteAccount is POST /settings/delete. A wrong password counts as a
// failed sign-in, as on the password form.
func (st *settings) deleteAccount(w http.ResponseWriter, r *http.Request) {
	si, v, ok := st.postForm(w, r, deletePath, deleteLabel)
	if !ok {
		return
	}
	password := v.Get("password")
	var errs []fieldError
	if password == "" {
		errs = append(errs, fieldError{"password", "Enter your password"})
	}
	if v.Get("confirm") != "yes" {
		errs = append(errs, fieldError{"confirm", "Tick the box to say you understand your account cannot come back"})
	}
	if len(errs) > 0 {
		st.showDelete(w, r, http.StatusUnprocessableEntity, si, errs)
		return
	}
	show := func(status int, errs []fieldError) { st.showDelete(w, r, status, si, errs) }
	err := st.checkedPassword(w, r, si, "password", "Your password is not right", show, func() error {
		return st.s.engine.DeleteOwnAccount(r.Context(), si.account.ID, password)
	})
	switch {
	case errors.Is(err, errAnswered):
		return
	case errors.Is(err, federation.ErrLastAdmin):
		st.showDelete(w, r, http.StatusUnprocessableEntity, si,
			[]fieldError{{"confirm", "You are this server's only administrator: make another member an administrator first"}})
		return
	case err != nil:
		st.s.pageFail(w, r, err)
		return
	}
	st.s.setCookie(w, sessionCookie, "", -1)
	st.s.render(w, r, http.StatusOK, st.s.pages.deleteAccount, view{Title: "Your account is deleted", Done: true})
}
