package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/httperr"
)

// Two-step sign-in (/settings/two-step): turning it on shows a new secret
// as a QR code and as text, kept in the form until a first code from the
// member's authenticator app confirms it (federation.EnableTwoStep);
// turning it off takes the password and a code.

const (
	twoStepPath  = "/settings/two-step"
	twoStepLabel = "copse two-step"
)

// twoStepView is what the page shows.
type twoStepView struct {
	On bool
	// Recovery are the recovery codes, shown once, as it is turned on;
	// RecoveryLeft how many are left.
	Recovery     []string
	RecoveryLeft int
	Secret       string       // the new secret, while turning it on
	URL          template.URL // its otpauth:// address
	QR           template.URL // its QR code, as a data: PNG
}

// twoStepPage is GET /settings/two-step.
func (st *settings) twoStepPage(w http.ResponseWriter, r *http.Request) {
	si, ok := st.member(w, r, twoStepPath)
	if !ok {
		return
	}
	notice := map[string]string{"off": "Two-step sign-in is off."}[r.URL.Query().Get("done")]
	st.showTwoStep(w, r, http.StatusOK, si, notice, nil, "")
}

// showTwoStep shows the page; secret is the one being confirmed ("": a
// new one is made).
func (st *settings) showTwoStep(w http.ResponseWriter, r *http.Request, status int, si signedIn, notice string, errs []fieldError, secret string) {
	ts, err := st.s.store.TwoStepOf(r.Context(), si.account.ID)
	if err != nil {
		st.s.pageFail(w, r, err)
		return
	}
	on := ts.Secret != ""
	tv := &twoStepView{On: on}
	if on {
		if tv.RecoveryLeft, err = st.s.store.RecoveryCodesLeft(r.Context(), si.account.ID); err != nil {
			st.s.pageFail(w, r, err)
			return
		}
	} else {
		key, err := st.s.engine.NewTwoStepKey(r.Context(), si.account.ID, secret)
		if err != nil {
			st.s.pageFail(w, r, err)
			return
		}
		tv.Secret, tv.URL = key.Secret, template.URL(key.URL)
		tv.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(key.QR))
	}
	v := view{Title: "Two-step sign-in", Account: si.account.Username, Notice: notice, CSRF: sessionMAC(si.secret, twoStepLabel), TwoStep: tv}
	v.withErrors(errs)
	st.s.render(w, r, status, st.s.pages.twoStep, v)
}

// twoStepOn is POST /settings/two-step/on: the secret shown and a code.
func (st *settings) twoStepOn(w http.ResponseWriter, r *http.Request) {
	si, v, ok := st.postForm(w, r, twoStepPath, twoStepLabel)
	if !ok {
		return
	}
	secret := v.Get("secret")
	codes, err := st.s.engine.EnableTwoStep(r.Context(), si.account.ID, secret, v.Get("code"))
	var field *federation.FieldError
	switch {
	case errors.As(err, &field):
		st.showTwoStep(w, r, http.StatusUnprocessableEntity, si, "", []fieldError{{field.Field, httperr.Sentence(field.Invalid.Msg)}}, secret)
		return
	case err != nil:
		st.s.pageFail(w, r, err)
		return
	}
	// The recovery codes are shown now, once: the page is not redirected
	// to, so a reload does not show them again.
	v2 := view{Title: "Two-step sign-in is on", Account: si.account.Username, CSRF: sessionMAC(si.secret, twoStepLabel),
		TwoStep: &twoStepView{On: true, Recovery: codes, RecoveryLeft: len(codes)}}
	st.s.render(w, r, http.StatusOK, st.s.pages.twoStep, v2)
}

// twoStepOff is POST /settings/two-step/off: the password and a code. A
// wrong one counts as a failed sign-in.
func (st *settings) twoStepOff(w http.ResponseWriter, r *http.Request) {
	si, v, ok := st.postForm(w, r, twoStepPath, twoStepLabel)
	if !ok {
		return
	}
	show := func(status int, errs []fieldError) { st.showTwoStep(w, r, status, si, "", errs, "") }
	err := st.checkedPassword(w, r, si, "password", "Your password and code do not match", show, func() error {
		return st.s.engine.DisableTwoStep(r.Context(), si.account.ID, v.Get("password"), v.Get("code"))
	})
	switch {
	case errors.Is(err, errAnswered):
		return
	case err != nil:
		st.s.pageFail(w, r, fmt.Errorf("two-step off: %w", err))
		return
	}
	http.Redirect(w, r, twoStepPath+"?done=off", http.StatusSeeOther)
}
