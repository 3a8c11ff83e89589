package pages

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// The glossary's forms: "Add a term" at /c/{handle}/glossary/new and
// "Edit" at /c/{handle}/glossary/{id}/edit. Any member of the community
// may add or edit a term (the engine decides); an edit names the version
// it started from, and a stale one is shown again with what was typed
// and the definition as it is now.

type termFields struct {
	Term, Definition, Aliases, Related, ReferenceURL, ReferenceText, Note string
}

type termFormPage struct {
	pageView
	Community *communityView
	Form      formView
	Editing   bool
	Fields    termFields
	Base      int
	Stale     *staleView
	TermURL   string
}

func termEditPath(handle string, id storage.ID) string {
	return glossaryPath(handle) + "/" + id.String() + "/edit"
}

// NewTermForm serves GET /c/{handle}/glossary/new.
func (h *Handler) NewTermForm(w http.ResponseWriter, r *http.Request) {
	me, ok := signedIn(w, r, r.URL.Path)
	if !ok {
		return
	}
	_, cv, err := h.formCommunity(r, me)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	h.showTermForm(w, r, http.StatusOK, termFormPage{pageView: h.view("Add a term"), Community: cv})
}

// CreateTerm takes POST /c/{handle}/glossary/new.
func (h *Handler) CreateTerm(w http.ResponseWriter, r *http.Request) {
	me, ok := signedIn(w, r, r.URL.Path)
	if !ok {
		return
	}
	if err := readTextForm(w, r); err != nil {
		h.Error(w, r, err)
		return
	}
	if !validToken(r, r.FormValue("csrf")) {
		h.expired(w, r)
		return
	}
	g, cv, err := h.formCommunity(r, me)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	v := termFormPage{pageView: h.view("Add a term"), Community: cv, Fields: termFieldsOf(r)}
	checkTermFields(&v.Form, v.Fields)
	if v.Form.failed() {
		h.showTermForm(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	f := v.Fields
	t, err := h.engine.CreateTerm(r.Context(), me, g.ID, federation.NewTerm{Term: f.Term, Definition: f.Definition,
		Aliases: splitList(f.Aliases), Related: splitList(f.Related), ReferenceURL: f.ReferenceURL, ReferenceText: f.ReferenceText, Note: f.Note})
	if err != nil {
		if code, ok := engineProblem(&v.Form, err, "term",
			"You cannot add to this glossary: only members of "+cv.Name+" and its moderators can. Join the community first."); ok {
			h.showTermForm(w, r, code, v)
			return
		}
		h.Error(w, r, err)
		return
	}
	http.Redirect(w, r, glossaryPath(g.Username)+"#"+federation.TermAnchor(t.Term), http.StatusSeeOther)
}

// EditTermForm serves GET /c/{handle}/glossary/{id}/edit.
func (h *Handler) EditTermForm(w http.ResponseWriter, r *http.Request) {
	me, ok := signedIn(w, r, r.URL.Path)
	if !ok {
		return
	}
	g, cv, t, err := h.formTerm(r, me)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	v := termFormPage{pageView: h.view("Edit " + t.Term), Community: cv, Editing: true, Base: t.Version,
		TermURL: glossaryPath(g.Username) + "#" + federation.TermAnchor(t.Term),
		Fields: termFields{Term: t.Term, Definition: t.DefinitionSource, Aliases: strings.Join(t.Aliases, "\n"),
			Related: strings.Join(t.Related, "\n"), ReferenceURL: t.ReferenceURL, ReferenceText: t.ReferenceText}}
	v.Form.Action = termEditPath(g.Username, t.ID)
	h.showTermForm(w, r, http.StatusOK, v)
}

// EditTerm takes POST /c/{handle}/glossary/{id}/edit.
func (h *Handler) EditTerm(w http.ResponseWriter, r *http.Request) {
	me, ok := signedIn(w, r, r.URL.Path)
	if !ok {
		return
	}
	if err := readTextForm(w, r); err != nil {
		h.Error(w, r, err)
		return
	}
	if !validToken(r, r.FormValue("csrf")) {
		h.expired(w, r)
		return
	}
	g, cv, t, err := h.formTerm(r, me)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	v := termFormPage{pageView: h.view("Edit " + t.Term), Community: cv, Editing: true, Fields: termFieldsOf(r),
		TermURL: glossaryPath(g.Username) + "#" + federation.TermAnchor(t.Term)}
	v.Form.Action = termEditPath(g.Username, t.ID)
	base, err := strconv.Atoi(r.FormValue("base_version"))
	if err != nil || base <= 0 {
		h.refuse(w, r, http.StatusBadRequest, "This form cannot be used", "It does not say which version it edits. Go back, reload the page and try again.")
		return
	}
	v.Base = base
	checkTermFields(&v.Form, v.Fields)
	if v.Form.failed() {
		h.showTermForm(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	f := v.Fields
	aliases, related := splitList(f.Aliases), splitList(f.Related)
	edited, err := h.engine.EditTerm(r.Context(), me, t.ID, federation.TermEdit{BaseVersion: base, Term: &f.Term, Definition: &f.Definition,
		Aliases: &aliases, Related: &related, ReferenceURL: &f.ReferenceURL, ReferenceText: &f.ReferenceText, Note: f.Note})
	var stale *federation.TermStaleError
	switch {
	case errors.As(err, &stale):
		cur, cerr := h.store.TermVersion(r.Context(), t.ID, stale.Current)
		if cerr != nil {
			h.Error(w, r, cerr)
			return
		}
		v.Stale = &staleView{Base: stale.Base, Current: stale.Current, CurrentBody: cur.DefinitionSource}
		v.Form.Problem = fmt.Sprintf("Someone changed this term while you were editing it: you started from version %d, and it is now at version %d. Nothing you typed has been saved yet, and it is all still below.",
			stale.Base, stale.Current)
		v.Base = stale.Current
		h.showTermForm(w, r, http.StatusConflict, v)
		return
	case err != nil:
		if code, ok := engineProblem(&v.Form, err, "term",
			"You cannot edit this term: only members of "+cv.Name+" and its moderators can."); ok {
			h.showTermForm(w, r, code, v)
			return
		}
		h.Error(w, r, err)
		return
	}
	http.Redirect(w, r, glossaryPath(g.Username)+"#"+federation.TermAnchor(edited.Term), http.StatusSeeOther)
}

// formTerm is the term of the path, in the community of the path, if me
// may see it.
func (h *Handler) formTerm(r *http.Request, me storage.Account) (storage.Account, *communityView, storage.Term, error) {
	g, cv, err := h.formCommunity(r, me)
	if err != nil {
		return storage.Account{}, nil, storage.Term{}, err
	}
	id, err := storage.ParseID(chi.URLParam(r, "id"))
	if err != nil {
		return storage.Account{}, nil, storage.Term{}, storage.ErrNotFound
	}
	t, err := h.store.TermByID(r.Context(), id)
	if err != nil {
		return storage.Account{}, nil, storage.Term{}, err
	}
	if t.CommunityID != g.ID {
		return storage.Account{}, nil, storage.Term{}, storage.ErrNotFound
	}
	return g, cv, t, nil
}

func termFieldsOf(r *http.Request) termFields {
	return termFields{Term: r.FormValue("term"), Definition: r.FormValue("definition"), Aliases: r.FormValue("aliases"),
		Related: r.FormValue("related"), ReferenceURL: r.FormValue("reference_url"), ReferenceText: r.FormValue("reference_text"),
		Note: r.FormValue("note")}
}

// checkTermFields finds what is missing; the engine checks the rest.
func checkTermFields(f *formView, v termFields) {
	if strings.TrimSpace(v.Term) == "" {
		f.add("term", "Enter the term")
	}
	if strings.TrimSpace(v.Definition) == "" {
		f.add("definition", "Enter a definition")
	}
	if u := strings.TrimSpace(v.ReferenceURL); u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		f.add("reference_url", "Enter the reference's address as a web address, starting https://")
	}
}

func (h *Handler) showTermForm(w http.ResponseWriter, r *http.Request, code int, v termFormPage) {
	v.NoIndex = true
	v.Form.CSRF = formToken(r)
	if v.Editing {
		v.Form.Cancel = v.TermURL
	} else {
		v.Form.Action, v.Form.Cancel = v.Community.URL+"/glossary/new", v.Community.URL+"/glossary"
	}
	if v.Form.failed() {
		v.Title = "Error: " + v.Title
	}
	w.Header().Set("Cache-Control", "no-store")
	if err := h.render(w, r, code, "term_form", v); err != nil {
		h.Error(w, r, err)
	}
}
