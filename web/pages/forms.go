package pages

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
	"github.com/copse-dev/copse/web/session"
)

// The forms of a community's repertoire (issue 13 item 8): signed-in
// members add and edit artefacts, glossary terms and events, restore an
// artefact's version and say they will attend an event, without
// JavaScript, because the Mastodon apps cannot. Each form is GOV.UK's
// pattern: labels and hints, an error summary at the top that links to
// the fields, the message beside each field, what was typed kept on
// error, and POST-redirect-GET on success. The pages only read the store;
// every change is the engine's, and so is every decision on who may make
// it: its refusals are shown in words.

// formsLabel keeps the repertoire forms' CSRF token apart from others.
const formsLabel = "copse repertoire forms"

// textFormBody bounds a form without files: the longest field, an
// artefact's Markdown body, is at most 500 KB.
const textFormBody = 1 << 20

// memberView is the member signed in from the browser, for the links and
// buttons of the forms a page offers; nil when nobody is.
type memberView struct {
	CSRF string
	ID   string // the member's account
	// Attending holds the IDs of the events on the page the member said
	// they will attend.
	Attending map[string]bool
}

// viewerOf is who reads a page from r's browser: the member signed in,
// or nobody (the zero account), as the visibility rule takes them.
func viewerOf(r *http.Request) storage.Account {
	me, _ := session.Member(r)
	return me
}

// memberOf is the member signed in from r's browser, or nil.
func (h *Handler) memberOf(r *http.Request) *memberView {
	me, ok := session.Member(r)
	if !ok {
		return nil
	}
	return &memberView{CSRF: formToken(r), ID: me.ID.String()}
}

// formToken is the CSRF token of the repertoire forms
// (session.FormToken under their label).
func formToken(r *http.Request) string { return session.FormToken(r, formsLabel) }

// validToken reports whether a form posted from r carries the CSRF token
// of the session.
func validToken(r *http.Request, got string) bool { return session.ValidFormToken(r, formsLabel, got) }

// signedIn returns the member signed in from r's browser, or sends the
// browser to sign in and come back to back (false).
func signedIn(w http.ResponseWriter, r *http.Request, back string) (storage.Account, bool) {
	me, ok := session.Member(r)
	if !ok {
		http.Redirect(w, r, session.SignInURL(back), http.StatusSeeOther)
	}
	return me, ok
}

// formPost begins every repertoire form's POST: the member signed in
// (or the browser sent to sign in and come back to back), the body read
// by read (readText or readUpload), and the session's CSRF token checked.
// It reports false when it has answered the request.
func (h *Handler) formPost(w http.ResponseWriter, r *http.Request, back string,
	read func(http.ResponseWriter, *http.Request) bool) (storage.Account, bool) {
	me, ok := signedIn(w, r, back)
	if !ok || !read(w, r) {
		return storage.Account{}, false
	}
	if !validToken(r, r.FormValue("csrf")) {
		removeFiles(r)
		h.expired(w, r)
		return storage.Account{}, false
	}
	return me, true
}

// openForm begins every request of a repertoire form page: the member
// signed in (or the browser sent to sign in and come back to back); for a
// POST, the body read by read and the session's CSRF token checked
// (formPost; read is nil for a GET); then page, the form page of the
// path's community and object, whose error is the error page's. It
// reports false when it has answered the request.
func openForm[V any](h *Handler, w http.ResponseWriter, r *http.Request, back string,
	read func(http.ResponseWriter, *http.Request) bool, page func(*http.Request) (V, error)) (storage.Account, V, bool) {
	var (
		me   storage.Account
		ok   bool
		zero V
	)
	if read == nil {
		me, ok = signedIn(w, r, back)
	} else {
		me, ok = h.formPost(w, r, back, read)
	}
	if !ok {
		return storage.Account{}, zero, false
	}
	v, err := page(r)
	if err != nil {
		removeFiles(r)
		h.Error(w, r, err)
		return storage.Account{}, zero, false
	}
	return me, v, true
}

// readText reads a form without files (readTextForm); a body it cannot
// read is the error page's.
func (h *Handler) readText(w http.ResponseWriter, r *http.Request) bool {
	if err := readTextForm(w, r); err != nil {
		h.Error(w, r, err)
		return false
	}
	return true
}

// submit ends a repertoire form's POST once what was typed is read into
// the form f: a form with problems is shown again (show, 422); otherwise
// save asks the engine and returns where to send the browser (303). An
// error save returns is answered by refused (refusedOn for most forms),
// which reports false to leave it to the error page.
func (h *Handler) submit(w http.ResponseWriter, r *http.Request, f *formView, show func(code int),
	refused func(error) bool, save func() (string, error)) {
	if f.failed() {
		show(http.StatusUnprocessableEntity)
		return
	}
	next, err := save()
	if err != nil {
		if !refused(err) {
			h.Error(w, r, err)
		}
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// refusedOn is how most forms answer the engine's refusal: shown on the
// form f (engineProblem with firstField and denied) with its status.
func refusedOn(f *formView, show func(code int), firstField, denied string) func(error) bool {
	return func(err error) bool {
		code, ok := engineProblem(f, err, firstField, denied)
		if ok {
			show(code)
		}
		return ok
	}
}

// landing is where a form sends the member once the engine took their
// change (s, err): made's page of the item when it was made here; for a
// community on another server, proposed, a page of the community that
// says the proposal was sent there (?proposed=, proposedIn).
func landing[T any](s federation.Submitted[T], err error, made func(T) string, proposed string) (string, error) {
	if err != nil {
		return "", err
	}
	if s.Pending != nil {
		return proposed + "?" + url.Values{"proposed": {s.Pending.ProposalID.String()}}.Encode() + "#proposed", nil
	}
	return made(s.Item), nil
}

// formCommunity is the community of a form's path, if the member signed
// in may see it; one they may not see is not found, as on its pages.
func (h *Handler) formCommunity(r *http.Request) (storage.Account, *communityView, error) {
	g, cv, _, err := h.pageCommunity(r, nil)
	if err != nil {
		return storage.Account{}, nil, err
	}
	if cv.Hidden {
		return storage.Account{}, nil, storage.ErrNotFound
	}
	return g, cv, nil
}

// formObject is the object of a form's path ({id}), read by load, in the
// community of the path (formCommunity); one of another community is not
// found. in says which community an object is in.
func formObject[T any](h *Handler, r *http.Request, load func(context.Context, storage.ID) (T, error),
	in func(T) storage.ID) (storage.Account, *communityView, T, error) {
	var zero T
	g, cv, err := h.formCommunity(r)
	if err != nil {
		return storage.Account{}, nil, zero, err
	}
	id, err := storage.ParseID(chi.URLParam(r, "id"))
	if err != nil {
		return storage.Account{}, nil, zero, storage.ErrNotFound
	}
	obj, err := load(r.Context(), id)
	if err != nil {
		return storage.Account{}, nil, zero, err
	}
	if in(obj) != g.ID {
		return storage.Account{}, nil, zero, storage.ErrNotFound
	}
	return g, cv, obj, nil
}

// repertoireForm is what every repertoire form page shows besides its
// own fields; artefactFormPage, termFormPage and eventFormPage embed it.
type repertoireForm struct {
	pageView
	Community *communityView
	Form      formView
	Editing   bool
	group     storage.Account // the community, whose page Community is
}

func (f *repertoireForm) form() *repertoireForm { return f }

// newForm is a form page of the community g (cv) that posts to action,
// and whose "Cancel" goes to cancel.
func (h *Handler) newForm(g storage.Account, cv *communityView, title, action, cancel string) repertoireForm {
	f := repertoireForm{pageView: h.view(title), Community: cv, group: g}
	f.Form.Action, f.Form.Cancel = action, cancel
	return f
}

// formPage is a pointer to a form page V, which embeds repertoireForm.
type formPage[V any] interface {
	*V
	form() *repertoireForm
	framed
}

// showForm renders the form page v with the template name and code: the
// session's token, kept out of caches and search engines, and, as GOV.UK
// does, "Error: " before the title when it has problems, so a screen
// reader hears the problem first.
func showForm[V any, P formPage[V]](h *Handler, w http.ResponseWriter, r *http.Request, code int, name string, v V) {
	f := P(&v).form()
	f.NoIndex = true
	f.Form.CSRF = formToken(r)
	if f.Form.failed() {
		f.Title = "Error: " + f.Title
	}
	w.Header().Set("Cache-Control", "no-store")
	if err := h.render(w, r, code, name, P(&v)); err != nil {
		h.Error(w, r, err)
	}
}

// fieldError is a problem with one field: Field is its id.
type fieldError struct{ Field, Message string }

// formView is what every form page shows besides its fields: the token,
// the problems (in the order of the fields, for the summary; by field,
// for the message beside it), and a problem not about one field.
type formView struct {
	CSRF       string
	Errors     []fieldError
	FieldError map[string]string
	Problem    string // shown at the top, e.g. a stale edit or a refusal
	Action     string // where the form posts
	Cancel     string // where "Cancel" goes
}

// radioGroup is a question answered by one of a few choices.
type radioGroup struct {
	Name, Legend, Hint string
	Value              string // the choice made
	Error              string
	Choices            []choice
}

type choice struct{ Value, Label, Hint string }

func (f *formView) add(field, msg string) {
	if f.FieldError == nil {
		f.FieldError = map[string]string{}
	}
	if _, ok := f.FieldError[field]; ok {
		return
	}
	f.FieldError[field] = msg
	f.Errors = append(f.Errors, fieldError{Field: field, Message: msg})
}

// failed reports whether the form has problems to show.
func (f *formView) failed() bool { return len(f.Errors) > 0 || f.Problem != "" }

// engineProblem turns the engine's refusal of a form into what the form
// shows and the status it is answered with: a rule the input broke (422)
// beside firstField, the field a person fixes first; a decision that the
// member may not do this (403) as a sentence, denied, at the top. It
// reports false for every other error, which is the error page's.
func engineProblem(f *formView, err error, firstField, denied string) (int, bool) {
	var field *federation.FieldError
	var inv *federation.InvalidError
	switch {
	case errors.As(err, &field):
		f.add(field.Field, httperr.Sentence(field.Invalid.Msg))
		return http.StatusUnprocessableEntity, true
	case errors.As(err, &inv):
		f.add(firstField, httperr.Sentence(inv.Msg))
		return http.StatusUnprocessableEntity, true
	case errors.Is(err, federation.ErrDenied):
		f.Problem = denied
		return http.StatusForbidden, true
	}
	return 0, false
}

// removeFiles removes what a multipart form left in temporary files.
func removeFiles(r *http.Request) {
	if r.MultipartForm != nil {
		_ = r.MultipartForm.RemoveAll()
	}
}

// readTextForm reads an urlencoded form of at most textFormBody bytes.
func readTextForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, textFormBody)
	return r.ParseForm()
}

// refuse answers a form that cannot be taken with a page in the words of
// heading and lines, with code.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, code int, heading string, lines ...string) {
	v := h.view(heading)
	v.NoIndex = true
	v.Error = &errorView{Heading: heading, Lines: lines}
	if err := h.render(w, r, code, "error", &v); err != nil {
		h.Error(w, r, err)
	}
}

// expired answers a form posted without the session's CSRF token: from
// another site, or from a page older than the session.
func (h *Handler) expired(w http.ResponseWriter, r *http.Request) {
	h.refuse(w, r, http.StatusForbidden, "The form had expired", "Go back, reload the page and try again.")
}

// splitList reads a list a person types: one item per line or separated
// by commas, blanks dropped.
func splitList(s string) []string {
	out := []string{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// splitTags reads tags as people type them: separated by commas or
// spaces, with or without "#".
func splitTags(s string) []string {
	out := []string{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		if p := strings.TrimPrefix(strings.TrimSpace(part), "#"); p != "" {
			out = append(out, p)
		}
	}
	return out
}
