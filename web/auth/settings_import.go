package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/httperr"
)

// Importing a member's lists (/settings/import): a CSV file another
// server exported (Mastodon's, or /settings/export's), of one kind, read
// whole and checked before anything is queued (federation.ImportList);
// its entries are then done in the background, and the page says how many
// wait and which failed, and why.

const (
	importPath  = "/settings/import"
	importLabel = "copse import"
	// importBody bounds the form: the file and the fields beside it.
	importBody = federation.MaxImportFile + formBody
	// failuresShown bounds the failed entries the page lists.
	failuresShown = 100
)

// importView is what the import page shows.
type importView struct {
	Kind     string // chosen in the form
	Waiting  int
	Failed   []failedImport
	MoreFail bool
}

type failedImport struct{ File, Target, Reason string }

// importPage is GET /settings/import.
func (st *settings) importPage(w http.ResponseWriter, r *http.Request) {
	si, ok := st.member(w, r, importPath)
	if !ok {
		return
	}
	notice := ""
	if n, err := strconv.Atoi(r.URL.Query().Get("queued")); err == nil && n > 0 {
		notice = fmt.Sprintf("%d %s to import. They are done one by one in the background: come back to this page to see how it went.",
			n, map[bool]string{true: "entry", false: "entries"}[n == 1])
	}
	st.showImport(w, r, http.StatusOK, si, notice, nil, "")
}

func (st *settings) showImport(w http.ResponseWriter, r *http.Request, status int, si signedIn, notice string, errs []fieldError, kind string) {
	waiting, failed, err := st.s.store.ImportsOf(r.Context(), si.account.ID, failuresShown+1)
	if err != nil {
		st.s.pageFail(w, r, err)
		return
	}
	iv := &importView{Kind: kind, Waiting: waiting, MoreFail: len(failed) > failuresShown}
	for _, f := range failed[:min(len(failed), failuresShown)] {
		iv.Failed = append(iv.Failed, failedImport{File: fileOf(f.Kind), Target: f.Target, Reason: httperr.Sentence(f.Reason)})
	}
	v := view{Title: "Import your data", Account: si.account.Username, Notice: notice, CSRF: sessionMAC(si.secret, importLabel),
		Import: iv, Exports: exportFiles}
	v.withErrors(errs)
	st.s.render(w, r, status, st.s.pages.importPage, v)
}

// fileOf is the file name of an export kind.
func fileOf(kind string) string {
	for _, f := range exportFiles {
		if f.Kind == kind {
			return f.File
		}
	}
	return kind
}

// importFile takes the form: POST /settings/import, a multipart form
// with the kind and the file.
func (st *settings) importFile(w http.ResponseWriter, r *http.Request) {
	si, ok := st.member(w, r, importPath)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, importBody)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			st.showImport(w, r, http.StatusRequestEntityTooLarge, si, "",
				[]fieldError{{"file", fmt.Sprintf("The file must be %d MB or smaller", federation.MaxImportFile>>20)}}, r.FormValue("kind"))
			return
		}
		st.s.problemPage(w, r, http.StatusBadRequest, "The form is damaged. Go back and start again.")
		return
	}
	defer r.MultipartForm.RemoveAll()
	if !sameSecret(sessionMAC(si.secret, importLabel), r.FormValue("csrf")) {
		st.s.problemPage(w, r, http.StatusForbidden, "The form had expired. Go back, reload the page and try again.")
		return
	}
	kind := r.FormValue("kind")
	var errs []fieldError
	if fileOf(kind) == kind {
		errs = append(errs, fieldError{"kind", "Choose what the file holds"})
	}
	files := r.MultipartForm.File["file"]
	if len(files) == 0 || files[0].Filename == "" {
		errs = append(errs, fieldError{"file", "Choose a CSV file"})
	}
	if len(errs) > 0 {
		st.showImport(w, r, http.StatusUnprocessableEntity, si, "", errs, kind)
		return
	}
	f, err := files[0].Open()
	if err != nil {
		st.s.pageFail(w, r, fmt.Errorf("open import: %w", err))
		return
	}
	defer f.Close()
	n, err := st.s.engine.ImportList(r.Context(), si.account.ID, kind, f)
	var field *federation.FieldError
	switch {
	case errors.As(err, &field):
		st.showImport(w, r, http.StatusUnprocessableEntity, si, "", []fieldError{{"file", httperr.Sentence(field.Invalid.Msg)}}, kind)
		return
	case err != nil:
		st.s.pageFail(w, r, err)
		return
	}
	http.Redirect(w, r, importPath+"?queued="+strconv.Itoa(n), http.StatusSeeOther)
}

// clearImports forgets the failed entries: POST /settings/import/clear.
func (st *settings) clearImports(w http.ResponseWriter, r *http.Request) {
	si, _, ok := st.postForm(w, r, importPath, importLabel)
	if !ok {
		return
	}
	if err := st.s.engine.ClearImportFailures(r.Context(), si.account.ID); err != nil {
		st.s.pageFail(w, r, err)
		return
	}
	http.Redirect(w, r, importPath, http.StatusSeeOther)
}
