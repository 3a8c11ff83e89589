package auth

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Moving an account (/settings/migration), as Mastodon's "Account
// migration" settings: on the new account, name the old one as an alias;
// on the old one, with its password, move its followers to the new one
// (federation.MoveAccount). Apps have no such screens, so the web has
// them.

const (
	migrationPath  = "/settings/migration"
	migrationLabel = "copse move account"
)

// migrationView is what the migration page shows.
type migrationView struct {
	Handle  string // the member's, to name as an alias elsewhere
	Aliases []aliasView
	Alias   string // typed in the alias form
	To      string // typed in the move form
	MovedTo string // where the account moved, if it did
}

// aliasView is one of the member's aliases.
type aliasView struct{ URI, Name string }

// migrationPage is GET /settings/migration.
func (st *settings) migrationPage(w http.ResponseWriter, r *http.Request) {
	si, ok := st.member(w, r, migrationPath)
	if !ok {
		return
	}
	// The notice is a fixed sentence chosen by a flag, so a crafted link
	// cannot put words on the page.
	notice := map[string]string{"added": "The alias is added. The other account can now move here.",
		"removed": "The alias is removed.",
		"moved":   "Your account has moved. Your followers are being asked to follow the new account."}[r.URL.Query().Get("done")]
	st.showMigration(w, r, http.StatusOK, si, notice, nil, migrationView{})
}

func (st *settings) showMigration(w http.ResponseWriter, r *http.Request, status int, si signedIn, notice string, errs []fieldError,
	typed migrationView) {
	ctx := r.Context()
	a, err := st.s.store.AccountByID(ctx, si.account.ID) // as it is now, after a change
	if err != nil {
		st.s.pageFail(w, r, fmt.Errorf("migration page: %w", err))
		return
	}
	known, err := st.s.store.AccountsByURIs(ctx, append(slices.Clone(a.AlsoKnownAs), a.MovedTo))
	if err != nil {
		st.s.pageFail(w, r, fmt.Errorf("migration page: %w", err))
		return
	}
	name := func(uri string) string {
		if o, ok := known[uri]; ok {
			return "@" + o.Username + "@" + cmp.Or(o.Domain, st.s.urls.Host())
		}
		return uri
	}
	m := typed
	m.Handle = a.Username + "@" + st.s.urls.Host()
	for _, uri := range a.AlsoKnownAs {
		m.Aliases = append(m.Aliases, aliasView{URI: uri, Name: name(uri)})
	}
	if a.MovedTo != "" {
		m.MovedTo = name(a.MovedTo)
	}
	v := view{Title: "Move your account", Account: a.Username, Notice: notice, CSRF: sessionMAC(si.secret, migrationLabel), Migration: &m}
	v.withErrors(errs)
	st.s.render(w, r, status, st.s.pages.migration, v)
}

// addAlias is POST /settings/migration/aliases: name another account as
// this one's alias.
func (st *settings) addAlias(w http.ResponseWriter, r *http.Request) {
	si, v, ok := st.postForm(w, r, migrationPath, migrationLabel)
	if !ok {
		return
	}
	alias := strings.TrimSpace(v.Get("alias"))
	_, err := st.s.engine.AddAccountAlias(r.Context(), si.account.ID, alias)
	if st.migrationProblem(w, r, si, err, migrationView{Alias: alias}) {
		return
	}
	http.Redirect(w, r, migrationPath+"?done=added", http.StatusSeeOther)
}

// removeAlias is POST /settings/migration/aliases/remove.
func (st *settings) removeAlias(w http.ResponseWriter, r *http.Request) {
	si, v, ok := st.postForm(w, r, migrationPath, migrationLabel)
	if !ok {
		return
	}
	_, err := st.s.engine.RemoveAccountAlias(r.Context(), si.account.ID, v.Get("uri"))
	if errors.Is(err, storage.ErrNotFound) {
		st.s.problemPage(w, r, http.StatusNotFound, "That is not one of your aliases.")
		return
	}
	if st.migrationProblem(w, r, si, err, migrationView{}) {
		return
	}
	http.Redirect(w, r, migrationPath+"?done=removed", http.StatusSeeOther)
}

// moveAccount is POST /settings/migration/move: move this account to
// another, given the password. A wrong password counts as a failed
// sign-in, as on the password form.
func (st *settings) moveAccount(w http.ResponseWriter, r *http.Request) {
	si, v, ok := st.postForm(w, r, migrationPath, migrationLabel)
	if !ok {
		return
	}
	typed := migrationView{To: strings.TrimSpace(v.Get("to"))}
	password := v.Get("password")
	var errs []fieldError
	if typed.To == "" {
		errs = append(errs, fieldError{"to", "Enter the handle of the account to move to"})
	}
	if password == "" {
		errs = append(errs, fieldError{"password", "Enter your password"})
	}
	if len(errs) > 0 {
		st.showMigration(w, r, http.StatusUnprocessableEntity, si, "", errs, typed)
		return
	}
	show := func(status int, errs []fieldError) { st.showMigration(w, r, status, si, "", errs, typed) }
	err := st.checkedPassword(w, r, si, "password", "Your password is not right", show, func() error {
		_, _, err := st.s.engine.MoveAccount(r.Context(), si.account.ID, password, typed.To)
		return err
	})
	if errors.Is(err, errAnswered) || st.migrationProblem(w, r, si, err, typed) {
		return
	}
	http.Redirect(w, r, migrationPath+"?done=moved", http.StatusSeeOther)
}

// migrationProblem answers a refused change with the page again, the
// problem beside its field, and reports whether it answered.
func (st *settings) migrationProblem(w http.ResponseWriter, r *http.Request, si signedIn, err error, typed migrationView) bool {
	var field *federation.FieldError
	switch {
	case err == nil:
		return false
	case errors.As(err, &field):
		st.showMigration(w, r, http.StatusUnprocessableEntity, si, "", []fieldError{{field.Field, httperr.Sentence(field.Invalid.Msg)}}, typed)
	default:
		st.s.pageFail(w, r, err)
	}
	return true
}
