package pages

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// The glossary's forms: "Add a term" at /c/{handle}/glossary/new and
// "Edit" at /c/{handle}/glossary/{id}/edit, whose foot has "Delete this
// term" (POST /c/{handle}/glossary/{id}/delete, artefact_delete.go) for
// its creator and the community's moderators. Any member of the community
// may add or edit a term (the engine decides); an edit names the version
// it started from, and a stale one is shown again with what was typed
// and the definition as it is now.

type termFields struct {
	Term, Definition, Aliases, Related, ReferenceURL, ReferenceText, Note string
}

type termFormPage struct {
	repertoireForm
	Fields  termFields
	Base    int
	Stale   *staleView
	TermURL string
	Delete  *deleteSection // for its author and the moderators
	term    storage.Term   // the term edited
}

// termURL is where term t of the form's community is on its glossary.
func (v termFormPage) termURL(t storage.Term) string {
	return glossaryPath(v.group.Acct()) + "#" + federation.TermAnchor(t.Term)
}

func termEditPath(handle string, id storage.ID) string {
	return glossaryPath(handle) + "/" + id.String() + "/edit"
}

// newTermPage is the "Add a term" form of the path's community.
func (h *Handler) newTermPage(r *http.Request) (termFormPage, error) {
	g, cv, err := h.formCommunity(r)
	if err != nil {
		return termFormPage{}, err
	}
	return termFormPage{repertoireForm: h.newForm(g, cv, "Add a term", cv.URL+"/glossary/new", cv.URL+"/glossary")}, nil
}

// editTermPage is the edit form of the path's term, with the fields
// empty.
func (h *Handler) editTermPage(r *http.Request) (termFormPage, error) {
	g, cv, t, err := h.formTerm(r)
	if err != nil {
		return termFormPage{}, err
	}
	termURL := glossaryPath(g.Acct()) + "#" + federation.TermAnchor(t.Term)
	v := termFormPage{repertoireForm: h.newForm(g, cv, "Edit "+t.Term, termEditPath(g.Acct(), t.ID), termURL), TermURL: termURL, term: t}
	v.Editing = true
	return v, nil
}

// NewTermForm serves GET /c/{handle}/glossary/new.
func (h *Handler) NewTermForm(w http.ResponseWriter, r *http.Request) {
	if _, v, ok := openForm(h, w, r, r.URL.Path, nil, h.newTermPage); ok {
		showForm(h, w, r, http.StatusOK, "term_form", v)
	}
}

// CreateTerm takes POST /c/{handle}/glossary/new.
func (h *Handler) CreateTerm(w http.ResponseWriter, r *http.Request) {
	me, v, ok := openForm(h, w, r, r.URL.Path, h.readText, h.newTermPage)
	if !ok {
		return
	}
	v.Fields = termFieldsOf(r)
	checkTermFields(&v.Form, v.Fields)
	show := func(code int) { showForm(h, w, r, code, "term_form", v) }
	h.submit(w, r, &v.Form, show, refusedOn(&v.Form, show, "term",
		"You cannot add to this glossary: only members of "+v.Community.Name+" and its moderators can. Join the community first."),
		func() (string, error) {
			f := v.Fields
			s, err := h.engine.SubmitTerm(r.Context(), me, v.group.ID, federation.NewTerm{Term: f.Term, Definition: f.Definition,
				Aliases: splitList(f.Aliases), Related: splitList(f.Related), ReferenceURL: f.ReferenceURL, ReferenceText: f.ReferenceText, Note: f.Note})
			return landing(s, err, v.termURL, glossaryPath(v.group.Acct()))
		})
}

// EditTermForm serves GET /c/{handle}/glossary/{id}/edit.
func (h *Handler) EditTermForm(w http.ResponseWriter, r *http.Request) {
	me, v, ok := openForm(h, w, r, r.URL.Path, nil, h.editTermPage)
	if !ok {
		return
	}
	t := v.term
	del, err := h.deleteSectionFor(r, me, v.group, glossaryPath(v.group.Acct())+"/"+t.ID.String()+"/delete", "term", t.CreatedBy)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	v.Delete = del
	v.Base = t.Version
	v.Fields = termFields{Term: t.Term, Definition: t.DefinitionSource, Aliases: strings.Join(t.Aliases, "\n"),
		Related: strings.Join(t.Related, "\n"), ReferenceURL: t.ReferenceURL, ReferenceText: t.ReferenceText}
	showForm(h, w, r, http.StatusOK, "term_form", v)
}

// EditTerm takes POST /c/{handle}/glossary/{id}/edit.
func (h *Handler) EditTerm(w http.ResponseWriter, r *http.Request) {
	me, v, ok := openForm(h, w, r, r.URL.Path, h.readText, h.editTermPage)
	if !ok {
		return
	}
	v.Fields = termFieldsOf(r)
	base, err := strconv.Atoi(r.FormValue("base_version"))
	if err != nil || base <= 0 {
		h.refuse(w, r, http.StatusBadRequest, "This form cannot be used", "It does not say which version it edits. Go back, reload the page and try again.")
		return
	}
	v.Base = base
	checkTermFields(&v.Form, v.Fields)
	show := func(code int) { showForm(h, w, r, code, "term_form", v) }
	denied := refusedOn(&v.Form, show, "term", "You cannot edit this term: only members of "+v.Community.Name+" and its moderators can.")
	h.submit(w, r, &v.Form, show, func(err error) bool {
		var stale *federation.TermStaleError
		if !errors.As(err, &stale) {
			return denied(err)
		}
		cur, err := h.store.TermVersion(r.Context(), v.term.ID, stale.Current)
		if err != nil {
			h.Error(w, r, err)
			return true
		}
		v.Stale = &staleView{Base: stale.Base, Current: stale.Current, CurrentBody: cur.DefinitionSource}
		v.Form.Problem = fmt.Sprintf("Someone changed this term while you were editing it: you started from version %d, and it is now at version %d. Nothing you typed has been saved yet, and it is all still below.",
			stale.Base, stale.Current)
		v.Base = stale.Current
		show(http.StatusConflict)
		return true
	}, func() (string, error) {
		f := v.Fields
		aliases, related := splitList(f.Aliases), splitList(f.Related)
		s, err := h.engine.SubmitTermEdit(r.Context(), me, v.term.ID, federation.TermEdit{BaseVersion: base, Term: &f.Term, Definition: &f.Definition,
			Aliases: &aliases, Related: &related, ReferenceURL: &f.ReferenceURL, ReferenceText: &f.ReferenceText, Note: f.Note})
		return landing(s, err, v.termURL, glossaryPath(v.group.Acct()))
	})
}

// formTerm is the term of the path, in the community of the path, if the
// member signed in may see it.
func (h *Handler) formTerm(r *http.Request) (storage.Account, *communityView, storage.Term, error) {
	return formObject(h, r, h.store.TermByID, func(t storage.Term) storage.ID { return t.CommunityID })
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
