package pages

import (
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
	"github.com/copse-dev/copse/web/session"
)

// The library's forms: "Add an artefact" at /c/{handle}/library/new,
// "Edit" at /c/{handle}/artefacts/{id}/edit, and "Restore this version"
// (POST /c/{handle}/artefacts/{id}/restore). Both forms take files
// (multipart): each added file is a version of its own, as the copse API
// makes it (federation.AddArtefactFile). An edit names the version it
// started from; a stale one is shown again with what the member typed and
// a link to what changed since.

// IsArtefactUpload reports whether a request posts one of the library's
// forms that carry files, whose body may be as large as the node's
// artefact file limit (web/node applies it).
func IsArtefactUpload(method, path string) bool {
	rest, ok := strings.CutPrefix(path, "/c/")
	if method != http.MethodPost || !ok {
		return false
	}
	parts := strings.Split(rest, "/")
	switch {
	case len(parts) == 3 && parts[1] == "library" && parts[2] == "new":
		return parts[0] != ""
	case len(parts) == 4 && parts[1] == "artefacts" && parts[3] == "edit":
		return parts[0] != "" && parts[2] != ""
	}
	return false
}

// multipartMemory is how much of a form's files is held in memory; the
// rest goes to temporary files.
const multipartMemory = 1 << 20

type artefactFields struct {
	Title, Summary, Body, Tags, Licence, EditPolicy, Note string
	Authors                                               string // a new artefact's co-authors' handles
}

type fileChoice struct {
	ID, Name, Size string
	Keep           bool
}

// staleView is what a stale edit shows: the versions, what changed, and
// the current text to merge with.
type staleView struct {
	Base, Current int
	DiffURL       string
	CurrentBody   string
}

type artefactFormPage struct {
	repertoireForm
	Fields                    artefactFields
	LicenceGroup, PolicyGroup radioGroup
	Files                     []fileChoice
	Base                      int
	Stale                     *staleView
	FileLimit                 string
	ArtefactURL               string
	artefact                  storage.Artefact // the artefact edited
}

var (
	licenceChoices = func() []choice {
		out := make([]choice, 0, len(storage.Licences))
		for _, l := range storage.Licences {
			out = append(out, choice{Value: l, Label: licenceNames[l]})
		}
		return out
	}()
	policyChoices = []choice{
		{storage.EditAuthors, "Its authors", "You, the authors you name, and the community's moderators."},
		{storage.EditMembers, "Any member of the community", "Every member, and the moderators."},
		{storage.EditModerators, "Only the community's moderators", "The moderators alone; you cannot edit it yourself unless you are one."},
	}
)

// newArtefactPage is the "Add an artefact" form of the path's community.
func (h *Handler) newArtefactPage(r *http.Request) (artefactFormPage, error) {
	g, cv, err := h.formCommunity(r)
	if err != nil {
		return artefactFormPage{}, err
	}
	return artefactFormPage{repertoireForm: h.newForm(g, cv, "Add an artefact", cv.URL+"/library/new", cv.URL+"/library"),
		FileLimit: sizeOf(h.engine.ArtefactFileLimit())}, nil
}

// editArtefactPage is the edit form of the path's artefact, with the
// fields empty.
func (h *Handler) editArtefactPage(r *http.Request) (artefactFormPage, error) {
	g, cv, a, err := h.formArtefact(r)
	if err != nil {
		return artefactFormPage{}, err
	}
	return h.editArtefactForm(g, cv, a), nil
}

// editArtefactForm is the edit form of a in the community g, with the
// fields empty.
func (h *Handler) editArtefactForm(g storage.Account, cv *communityView, a storage.Artefact) artefactFormPage {
	page := artefactPath(g.Acct(), a.ID)
	v := artefactFormPage{repertoireForm: h.newForm(g, cv, "Edit "+a.Title, page+"/edit", page), FileLimit: sizeOf(h.engine.ArtefactFileLimit()),
		ArtefactURL: page, artefact: a}
	v.Editing = true
	return v
}

// NewArtefactForm serves GET /c/{handle}/library/new.
func (h *Handler) NewArtefactForm(w http.ResponseWriter, r *http.Request) {
	if _, v, ok := openForm(h, w, r, r.URL.Path, nil, h.newArtefactPage); ok {
		v.Fields.EditPolicy = storage.EditAuthors
		h.showArtefactForm(w, r, http.StatusOK, v)
	}
}

// CreateArtefact takes POST /c/{handle}/library/new.
func (h *Handler) CreateArtefact(w http.ResponseWriter, r *http.Request) {
	me, v, ok := openForm(h, w, r, r.URL.Path, h.readUpload, h.newArtefactPage)
	defer removeFiles(r)
	if !ok {
		return
	}
	g, cv := v.group, v.Community
	v.Fields = artefactFieldsOf(r)
	files := r.MultipartForm.File["files"]
	checkArtefactFields(&v.Form, v.Fields, files, h.engine.ArtefactFileLimit())
	show := func(code int) { h.showArtefactForm(w, r, code, v) }
	refused := refusedOn(&v.Form, show, "title",
		"You cannot add to this library: only members of "+cv.Name+" and its moderators can. Join the community first.")
	var saved storage.Artefact
	h.submit(w, r, &v.Form, show, func(err error) bool {
		if saved.ID == 0 {
			return refused(err)
		}
		// The artefact is saved, with the files before the one refused:
		// the edit form says which, to add it and those after it again.
		h.artefactFileProblem(w, r, g, cv, saved.ID, err)
		return true
	}, func() (string, error) {
		authors, err := h.coAuthors(r, v.Fields.Authors)
		if err != nil {
			return "", err
		}
		na := federation.NewArtefact{Title: v.Fields.Title, Summary: v.Fields.Summary, Body: v.Fields.Body, Tags: splitTags(v.Fields.Tags),
			Licence: v.Fields.Licence, EditPolicy: v.Fields.EditPolicy, Note: v.Fields.Note, Authors: authors}
		if !g.Local() { // the files go with the proposal
			uploads, closeAll, err := openUploads(files)
			if err != nil {
				return "", err
			}
			defer closeAll()
			na.Uploads = uploads
		}
		s, err := h.engine.SubmitArtefact(r.Context(), me, g.ID, na)
		if err != nil || s.Pending != nil {
			return landing(s, err, nil, libraryPath(g.Acct()))
		}
		saved = s.Item
		_, err = h.addFiles(r, me, s.Item, files)
		return artefactPath(g.Acct(), s.Item.ID), err
	})
}

// coAuthors finds the people a new artefact's form names as its
// co-authors, by their handles ("ann" here, "ann@council-b.example"
// elsewhere, found by WebFinger), separated by commas or spaces.
func (h *Handler) coAuthors(r *http.Request, handles string) ([]storage.ID, error) {
	var ids []storage.ID
	for _, ref := range strings.FieldsFunc(handles, func(c rune) bool { return c == ',' || unicode.IsSpace(c) }) {
		a, err := h.engine.ResolveAccount(r.Context(), ref)
		if errors.Is(err, storage.ErrNotFound) || err == nil && a.ActorType != activitypub.TypePerson {
			return nil, &federation.FieldError{Field: "authors", Invalid: federation.InvalidError{Msg: "nobody was found with the handle " + ref}}
		}
		if err != nil {
			return nil, fmt.Errorf("co-author %s: %w", ref, err)
		}
		ids = append(ids, a.ID)
	}
	return ids, nil
}

// EditArtefactForm serves GET /c/{handle}/artefacts/{id}/edit.
func (h *Handler) EditArtefactForm(w http.ResponseWriter, r *http.Request) {
	_, v, ok := openForm(h, w, r, r.URL.Path, nil, h.editArtefactPage)
	if !ok {
		return
	}
	v, err := h.asItIs(r, v)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	h.showArtefactForm(w, r, http.StatusOK, v)
}

// asItIs is the edit form v with the artefact's fields and files as they
// are now.
func (h *Handler) asItIs(r *http.Request, v artefactFormPage) (artefactFormPage, error) {
	a := v.artefact
	cur, err := h.store.ArtefactVersion(r.Context(), a.ID, a.Version)
	if err != nil {
		return artefactFormPage{}, fmt.Errorf("version %d of %s: %w", a.Version, a.URI, err)
	}
	v.Base = a.Version
	v.Fields = artefactFields{Title: a.Title, Summary: a.Summary, Body: a.BodySource, Tags: strings.Join(a.Tags, ", "),
		Licence: a.Licence, EditPolicy: a.EditPolicy}
	v.Files = fileChoices(cur.Files, nil)
	return v, nil
}

// EditArtefact takes POST /c/{handle}/artefacts/{id}/edit.
func (h *Handler) EditArtefact(w http.ResponseWriter, r *http.Request) {
	me, v, ok := openForm(h, w, r, r.URL.Path, h.readUpload, h.editArtefactPage)
	defer removeFiles(r)
	if !ok {
		return
	}
	ctx := r.Context()
	g, cv, a := v.group, v.Community, v.artefact
	v.Fields = artefactFieldsOf(r)
	base, err := strconv.Atoi(r.FormValue("base_version"))
	if err != nil || base <= 0 || base > a.Version {
		h.refuse(w, r, http.StatusBadRequest, "This form cannot be used", "It does not say which version it edits. Go back, reload the page and try again.")
		return
	}
	v.Base = base
	from, err := h.store.ArtefactVersion(ctx, a.ID, base)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	keep := map[string]bool{}
	for _, id := range r.MultipartForm.Value["keep"] {
		keep[id] = true
	}
	v.Files = fileChoices(from.Files, keep)
	files := r.MultipartForm.File["files"]
	checkArtefactFields(&v.Form, v.Fields, files, h.engine.ArtefactFileLimit())
	addingFiles := false
	h.submit(w, r, &v.Form, func(code int) { h.showArtefactForm(w, r, code, v) }, func(err error) bool {
		var inv *federation.InvalidError
		if addingFiles && errors.As(err, &inv) {
			// What was typed is saved by now; the form shows it as it is,
			// and which file to add again.
			h.artefactFileProblem(w, r, g, cv, a.ID, err)
			return true
		}
		h.artefactEditProblem(w, r, v, a, err)
		return true
	}, func() (string, error) {
		ed := federation.ArtefactEdit{BaseVersion: base, Title: &v.Fields.Title, Summary: &v.Fields.Summary, Body: &v.Fields.Body,
			Licence: &v.Fields.Licence, EditPolicy: &v.Fields.EditPolicy, Note: v.Fields.Note}
		tags := splitTags(v.Fields.Tags)
		ed.Tags = &tags
		kept := []storage.ID{}
		var removed []string
		for i, f := range from.Files {
			if keep[fileKey(i, f)] {
				kept = append(kept, f.FileID)
			} else {
				removed = append(removed, f.Name)
			}
		}
		if a.Local {
			ed.Files = &kept
		} else { // a remote copy's files have no ids here: they go by name, and new ones with the proposal
			ed.RemoveFiles = removed
			uploads, closeAll, err := openUploads(files)
			if err != nil {
				return "", err
			}
			defer closeAll()
			ed.Uploads, files = uploads, nil
		}
		// A form that changes nothing but adds files makes no version of
		// its own here; a stale base counts as a change, for the engine to
		// refuse.
		at := base
		if changed(a, from, ed, len(removed) > 0) || len(ed.Uploads) > 0 {
			s, err := h.engine.SubmitArtefactEdit(ctx, me, a.ID, ed)
			if err != nil || s.Pending != nil {
				return landing(s, err, nil, artefactPath(g.Acct(), a.ID))
			}
			at = s.Item.Version
		}
		addingFiles = true
		_, err := h.addFiles(r, me, storage.Artefact{ID: a.ID, Version: at}, files)
		return artefactPath(g.Acct(), a.ID), err
	})
}

// artefactEditProblem shows the edit form again after the engine refused
// the edit: a stale edit with what changed since (409), a rule broken
// (422), a member who may not edit (403).
func (h *Handler) artefactEditProblem(w http.ResponseWriter, r *http.Request, v artefactFormPage, a storage.Artefact, err error) {
	var stale *federation.StaleError
	if errors.As(err, &stale) {
		cur, cerr := h.store.ArtefactVersion(r.Context(), a.ID, stale.Current)
		if cerr != nil {
			h.Error(w, r, cerr)
			return
		}
		v.Stale = &staleView{Base: stale.Base, Current: stale.Current, CurrentBody: cur.BodySource,
			DiffURL: fmt.Sprintf("%s?from=%d&to=%d#diff", v.ArtefactURL, stale.Base, stale.Current)}
		v.Form.Problem = fmt.Sprintf("Someone changed this artefact while you were editing it: you started from version %d, and it is now at version %d. Nothing you typed has been saved yet, and it is all still below.",
			stale.Base, stale.Current)
		if len(r.MultipartForm.File["files"]) > 0 {
			v.Form.add("files", "Choose the files again: a browser cannot keep them when a form is shown again")
		}
		// The files the member left ticked stay ticked; those added since
		// are kept unless they untick them.
		keep, listed := map[string]bool{}, map[string]bool{}
		for _, f := range v.Files {
			keep[f.ID], listed[f.ID] = f.Keep, true
		}
		for _, f := range cur.Files {
			if id := f.FileID.String(); !listed[id] {
				keep[id] = true
			}
		}
		v.Files = fileChoices(cur.Files, keep)
		// Saving again edits the current version, once the member has
		// brought the changes since into their text.
		v.Base = stale.Current
		h.showArtefactForm(w, r, http.StatusConflict, v)
		return
	}
	if errors.Is(err, federation.ErrDenied) && v.Fields.EditPolicy != a.EditPolicy {
		// The engine lets fewer people change who may edit than edit.
		v.Form.add("edit_policy", "Only its authors and the community's moderators can change who may edit it")
		h.showArtefactForm(w, r, http.StatusForbidden, v)
		return
	}
	if code, ok := engineProblem(&v.Form, err, "title", cannotEdit(a)); ok {
		h.showArtefactForm(w, r, code, v)
		return
	}
	h.Error(w, r, err)
}

// cannotEdit says why a member may not edit a, after its edit policy.
func cannotEdit(a storage.Artefact) string {
	switch a.EditPolicy {
	case storage.EditMembers:
		return "You cannot edit this artefact: only members of the community and its moderators can."
	case storage.EditModerators:
		return "You cannot edit this artefact: only the community's moderators can."
	}
	return "You cannot edit this artefact: only its authors and the community's moderators can."
}

// RestoreArtefactVersion takes POST /c/{handle}/artefacts/{id}/restore:
// version, the version to restore, and base_version, the current version
// the page showed.
func (h *Handler) RestoreArtefactVersion(w http.ResponseWriter, r *http.Request) {
	me, ok := h.formPost(w, r, strings.TrimSuffix(r.URL.Path, "/restore"), h.readText)
	if !ok {
		return
	}
	g, _, a, err := h.formArtefact(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	page := artefactPath(g.Acct(), a.ID)
	h.restoreVersion(w, r, "artefact", cannotEdit(a), func(base, number int) (string, error) {
		s, err := h.engine.SubmitArtefactRestore(r.Context(), me, a.ID, base, number, "")
		var stale *federation.StaleError
		if errors.As(err, &stale) {
			return "", &staleVersion{current: stale.Current}
		}
		return landing(s, err, func(storage.Artefact) string { return page }, page)
	})
}

// staleVersion is a restore refused because the item changed since the
// page was shown (the engine's StaleError or TermStaleError).
type staleVersion struct{ current int }

func (s *staleVersion) Error() string { return fmt.Sprintf("the item is at version %d", s.current) }

// restoreVersion answers a "Restore version N" form (version, and the
// base_version the page showed) for an item (what: "artefact", "term"):
// restore makes the version (or proposes it to a community on another
// server), returning where to send the browser (landing), or a
// *staleVersion when the item changed since; then there, or the refusal,
// with denied saying who may edit it.
func (h *Handler) restoreVersion(w http.ResponseWriter, r *http.Request, what, denied string, restore func(base, number int) (string, error)) {
	number, err1 := strconv.Atoi(r.FormValue("version"))
	base, err2 := strconv.Atoi(r.FormValue("base_version"))
	if err1 != nil || err2 != nil {
		h.refuse(w, r, http.StatusBadRequest, "This form cannot be used", "It does not say which version to restore. Go back, reload the page and try again.")
		return
	}
	done, err := restore(base, number)
	var stale *staleVersion
	var inv *federation.InvalidError
	switch {
	case errors.As(err, &stale):
		h.refuse(w, r, http.StatusConflict, "This "+what+" has changed",
			fmt.Sprintf("Someone saved version %d after you opened the page, so version %d was not restored.", stale.current, number),
			"Go back, reload the page to see what changed, and restore it again if you still want to.")
	case errors.Is(err, federation.ErrDenied):
		h.refuse(w, r, http.StatusForbidden, "You cannot edit this "+what, denied)
	case errors.As(err, &inv):
		h.refuse(w, r, http.StatusUnprocessableEntity, "This version cannot be restored", httperr.Sentence(inv.Msg)+".")
	case err != nil:
		h.Error(w, r, err)
	default:
		http.Redirect(w, r, done, http.StatusSeeOther)
	}
}

// formArtefact is the artefact of the path, in the community of the path,
// if the member signed in may read it.
func (h *Handler) formArtefact(r *http.Request) (storage.Account, *communityView, storage.Artefact, error) {
	g, cv, a, err := formObject(h, r, h.store.ArtefactByID, func(a storage.Artefact) storage.ID { return a.CommunityID })
	if err != nil {
		return storage.Account{}, nil, storage.Artefact{}, err
	}
	if ok, err := h.engine.ArtefactReadable(r.Context(), viewerOf(r), a); err != nil || !ok {
		return storage.Account{}, nil, storage.Artefact{}, errors.Join(err, storage.ErrNotFound)
	}
	return g, cv, a, nil
}

// readUpload reads a library form (multipart, files beyond
// multipartMemory in temporary files), once the member's upload limits
// admit it (federation.Engine.BeginUpload; its slot is held until the
// request ends). A body over the limit web/node sets is refused with the
// limit in words; the caller removes the files.
func (h *Handler) readUpload(w http.ResponseWriter, r *http.Request) bool {
	return h.readFiles(w, r, "The files are too large",
		"The files you add at once can be at most "+sizeOf(h.engine.ArtefactFileLimit())+" in all.",
		"Go back and choose fewer or smaller files. You can add more from the artefact's Edit page.")
}

// readFiles reads a multipart form as readUpload does; a body over the
// limit is refused with heading and lines.
func (h *Handler) readFiles(w http.ResponseWriter, r *http.Request, heading string, lines ...string) bool {
	me, _ := session.Member(r) // formPost has signed her in
	end, err := h.engine.BeginUpload(me.ID)
	if err != nil {
		h.Error(w, r, err)
		return false
	}
	context.AfterFunc(r.Context(), end)
	err = r.ParseMultipartForm(multipartMemory)
	if err == nil {
		return true
	}
	removeFiles(r)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		h.refuse(w, r, http.StatusRequestEntityTooLarge, heading, lines...)
		return false
	}
	h.refuse(w, r, http.StatusBadRequest, "This form cannot be used", "Go back, reload the page and try again.")
	return false
}

// openUploads opens the files of a form to send with a proposal; the
// caller calls closeAll once it is sent.
func openUploads(files []*multipart.FileHeader) (uploads []federation.Upload, closeAll func(), err error) {
	var opened []multipart.File
	closeAll = func() {
		for _, f := range opened {
			f.Close()
		}
	}
	for _, fh := range files {
		f, err := fh.Open()
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("open upload %s: %w", fh.Filename, err)
		}
		opened = append(opened, f)
		uploads = append(uploads, federation.Upload{Name: fh.Filename, Body: f})
	}
	return uploads, closeAll, nil
}

// addFiles adds each file as a version of its own, from a.Version on, and
// returns the artefact after the last.
func (h *Handler) addFiles(r *http.Request, me storage.Account, a storage.Artefact, files []*multipart.FileHeader) (storage.Artefact, error) {
	for _, fh := range files {
		f, err := fh.Open()
		if err != nil {
			return a, fmt.Errorf("open upload %s: %w", fh.Filename, err)
		}
		next, _, err := h.engine.AddArtefactFile(r.Context(), me, a.ID, a.Version, fh.Filename, f, "")
		f.Close()
		if err != nil {
			return a, err
		}
		a = next
	}
	return a, nil
}

// artefactFileProblem shows the edit form of an artefact just saved
// whose file was refused, as it now is.
func (h *Handler) artefactFileProblem(w http.ResponseWriter, r *http.Request, g storage.Account, cv *communityView, id storage.ID, err error) {
	var inv *federation.InvalidError
	if !errors.As(err, &inv) {
		h.Error(w, r, err)
		return
	}
	a, err := h.store.ArtefactByID(r.Context(), id)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	v, err := h.asItIs(r, h.editArtefactForm(g, cv, a))
	if err != nil {
		h.Error(w, r, err)
		return
	}
	v.Form.Problem = "The artefact was saved, but not all its files: add the others here."
	v.Form.add("files", httperr.Sentence(inv.Msg))
	h.showArtefactForm(w, r, http.StatusUnprocessableEntity, v)
}

// artefactFieldsOf reads the fields of a library form.
func artefactFieldsOf(r *http.Request) artefactFields {
	return artefactFields{Title: r.FormValue("title"), Summary: r.FormValue("summary"), Body: r.FormValue("body"),
		Tags: r.FormValue("tags"), Licence: r.FormValue("licence"), EditPolicy: r.FormValue("edit_policy"), Note: r.FormValue("note"),
		Authors: r.FormValue("authors")}
}

// checkArtefactFields finds what a person must fix before the engine is
// asked: what is missing or not one of the choices. The engine checks
// the rest (lengths, tags), and says so.
func checkArtefactFields(f *formView, v artefactFields, files []*multipart.FileHeader, fileLimit int64) {
	if strings.TrimSpace(v.Title) == "" {
		f.add("title", "Enter a title")
	}
	for _, t := range splitTags(v.Tags) {
		if _, ok := federation.NormalizeTag(t); !ok {
			f.add("tags", fmt.Sprintf("Tags are letters, digits and underscores: %q is not a tag", t))
		}
	}
	if !slices.Contains(storage.Licences, v.Licence) {
		f.add("licence", "Choose a licence")
	}
	if !slices.ContainsFunc(policyChoices, func(c choice) bool { return c.Value == v.EditPolicy }) {
		f.add("edit_policy", "Choose who may edit it")
	}
	for _, fh := range files {
		// Checked before anything is stored: a file over the limit would
		// leave the artefact saved without it.
		if fh.Size > fileLimit {
			f.add("files", fmt.Sprintf("%s is larger than the limit of %s a file", fh.Filename, sizeOf(fileLimit)))
		}
	}
	if len(f.Errors) > 0 && len(files) > 0 {
		f.add("files", "Choose the files again: a browser cannot keep them when a form is shown again")
	}
}

// changed reports whether ed changes anything of a at version from,
// beside adding files: an unchanged form makes no version.
func changed(a storage.Artefact, from storage.ArtefactVersion, ed federation.ArtefactEdit, removesFiles bool) bool {
	norm := func(s string) string { return strings.TrimSpace(activitypub.CleanText(s)) }
	line := func(s string) string { return strings.Join(strings.Fields(activitypub.CleanText(s)), " ") }
	tags := make([]string, 0, len(*ed.Tags))
	for _, t := range *ed.Tags {
		if n, ok := federation.NormalizeTag(t); ok && !slices.Contains(tags, n) {
			tags = append(tags, n)
		}
	}
	return line(*ed.Title) != from.Title || norm(*ed.Summary) != from.Summary || norm(*ed.Body) != from.BodySource ||
		!slices.Equal(tags, a.Tags) || *ed.Licence != a.Licence ||
		*ed.EditPolicy != a.EditPolicy || removesFiles || a.Version != from.Number
}

// fileChoices lists a version's files to keep or remove; keep, when not
// nil, says which the member left ticked.
func fileChoices(files []storage.VersionFile, keep map[string]bool) []fileChoice {
	out := make([]fileChoice, 0, len(files))
	for i, f := range files {
		id := fileKey(i, f)
		out = append(out, fileChoice{ID: id, Name: f.Name, Size: sizeOf(f.Size), Keep: keep == nil || keep[id]})
	}
	return out
}

// fileKey names file i of a version on an edit form: its id here, or,
// for a remote copy's file, which has none, its place in the version
// the form edits.
func fileKey(i int, f storage.VersionFile) string {
	if f.FileID != 0 {
		return f.FileID.String()
	}
	return "n" + strconv.Itoa(i)
}

// showArtefactForm shows a library form (showForm) with its radio
// groups.
func (h *Handler) showArtefactForm(w http.ResponseWriter, r *http.Request, code int, v artefactFormPage) {
	v.LicenceGroup = radioGroup{Name: "licence", Legend: "Licence", Hint: "The terms on which others may reuse it.",
		Value: v.Fields.Licence, Error: v.Form.FieldError["licence"], Choices: licenceChoices}
	v.PolicyGroup = radioGroup{Name: "edit_policy", Legend: "Who may edit it", Value: v.Fields.EditPolicy,
		Error: v.Form.FieldError["edit_policy"], Choices: policyChoices}
	showForm(h, w, r, code, "artefact_form", v)
}
