package pages

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/download"
	"github.com/copse-dev/copse/web/httperr"
	"github.com/copse-dev/copse/web/session"
)

// A community's library and its artefacts, read-only (issue 13): the
// library at /c/{handle}/library, an artefact with its version history at
// /c/{handle}/artefacts/{id}, and the diff of two versions with ?from=&to=.
// Pages are read without signing in, so a members-only community's
// library is not shown (federation.ArtefactReadable decides).

// libraryPageSize is how many artefacts a page of the library lists.
const libraryPageSize = 20

// versionsShown is how many versions a page of an artefact's history
// lists, newest first; ?versions_before=N#history pages back.
const versionsShown = 20

type artefactView struct {
	Title, Summary, URL     string
	Body                    template.HTML // rendered and sanitised by the engine
	Tags                    []string
	Authors                 []personView
	Organisation, Licence   string
	Version                 int
	Updated, UpdatedISO     string
	Files                   []fileView
	Versions                []versionView
	OlderVersions           string // the next page of the history; "" on the last
	Diff                    *diffView
	LibraryURL, CommunityOf string
}

type fileView struct {
	Name, URL, MediaType, Size string
}

type versionView struct {
	Number, Prev     int
	Editor, Note     string
	When, ISO        string
	DiffURL, Current string
}

type diffView struct {
	From, To             int
	Title, Summary, Body []federation.DiffSpan
	Files                []federation.FileChange
	Unchanged            bool
	Heading              string
}

type libraryPage struct {
	pageView
	Community *communityView
	Artefacts []artefactView
	Hidden    bool // members-only
}

type artefactPage struct {
	pageView
	Community *communityView
	Artefact  *artefactView
	Delete    *deleteSection // for its authors and the moderators
}

// licenceNames are the licences as people read them.
var licenceNames = map[string]string{
	storage.LicenceOGL:      "Open Government Licence v3.0",
	storage.LicenceCCBY:     "Creative Commons Attribution 4.0",
	storage.LicenceCCBYSA:   "Creative Commons Attribution-ShareAlike 4.0",
	storage.LicenceReserved: "All rights reserved",
}

func libraryPath(handle string) string { return communityPath(handle) + "/library" }

func artefactPath(handle string, id storage.ID) string {
	return communityPath(handle) + "/artefacts/" + id.String()
}

// Library serves /c/{handle}/library.
func (h *Handler) Library(w http.ResponseWriter, r *http.Request) {
	if err := h.library(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) library(w http.ResponseWriter, r *http.Request) error {
	g, cv, ok, err := h.pageCommunity(r, func(ctx context.Context, viewer, g storage.Account) (bool, error) {
		return h.engine.ArtefactReadable(ctx, viewer, storage.Artefact{CommunityID: g.ID, URI: g.URI})
	})
	if err != nil {
		return err
	}
	v := libraryPage{pageView: h.viewIn(cv, "Library of "+cv.Name), Community: cv}
	v.Member = h.memberOf(r)
	if !cv.Hidden {
		v.FeedURL = libraryFeedPath(g.Acct())
	}
	if !ok {
		v.Hidden = true
		return h.render(w, r, http.StatusOK, "library", &v)
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	p.Limit = libraryPageSize
	list, err := h.store.CommunityLibrary(r.Context(), g.ID, p)
	if err != nil {
		return err
	}
	for _, a := range list {
		v.Artefacts = append(v.Artefacts, artefactView{Title: a.Title, Summary: a.Summary, URL: artefactPath(g.Acct(), a.ID),
			Tags: a.Tags, Organisation: a.Organisation, Licence: licenceNames[a.Licence], Version: a.Version,
			Updated: a.UpdatedAt.UTC().Format("2 January 2006"), UpdatedISO: a.UpdatedAt.UTC().Format(time.RFC3339)})
	}
	if len(list) == p.Limit {
		q := url.Values{"max_id": {list[len(list)-1].ID.String()}}
		v.Older = libraryPath(g.Acct()) + "?" + q.Encode()
	}
	v.Paged = p.MaxID != 0
	return h.render(w, r, http.StatusOK, "library", &v)
}

// Artefact serves /c/{handle}/artefacts/{id}.
func (h *Handler) Artefact(w http.ResponseWriter, r *http.Request) {
	if err := h.artefact(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) artefact(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g, c, err := h.shownCommunity(r)
	if err != nil {
		return err
	}
	id, err := storage.ParseID(chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	a, err := h.store.ArtefactByID(ctx, id)
	if err != nil {
		return err
	}
	if a.CommunityID != g.ID {
		return storage.ErrNotFound
	}
	if ok, err := h.engine.ArtefactReadable(ctx, viewerOf(r), a); err != nil || !ok {
		return errors.Join(err, storage.ErrNotFound)
	}
	cv, err := h.communityViewOf(r, g, c, false)
	if err != nil {
		return err
	}
	cur, err := h.store.ArtefactVersion(ctx, a.ID, a.Version)
	if err != nil {
		return err
	}
	av := &artefactView{Title: a.Title, Summary: a.Summary, Body: template.HTML(demoteHeadings(a.BodyHTML)), Tags: a.Tags,
		Organisation: a.Organisation, Licence: licenceNames[a.Licence], Version: a.Version,
		Updated: a.UpdatedAt.UTC().Format("2 January 2006"), UpdatedISO: a.UpdatedAt.UTC().Format(time.RFC3339),
		LibraryURL: libraryPath(g.Acct()), URL: artefactPath(g.Acct(), a.ID)}
	authors, err := h.store.AccountsByIDs(ctx, a.Authors)
	if err != nil {
		return err
	}
	for _, aid := range a.Authors {
		if au, ok := authors[aid]; ok {
			av.Authors = append(av.Authors, h.personOf(au))
		}
	}
	for _, f := range cur.Files {
		av.Files = append(av.Files, fileView{Name: f.Name, URL: fileURL(g.Acct(), a, f, viewerOf(r).ID != 0), MediaType: f.MediaType, Size: sizeOf(f.Size)})
	}
	if err := h.historyOf(r, a, av); err != nil {
		return err
	}
	if d, err := h.diffOf(r, a); err != nil {
		return err
	} else {
		av.Diff = d
	}
	if err := h.linkArtefactTerms(ctx, g, av); err != nil {
		return err
	}
	v := artefactPage{pageView: h.viewIn(cv, a.Title), Community: cv, Artefact: av}
	v.ActivityURL, v.Member = a.URI, h.memberOf(r)
	if v.Delete, err = h.deleteSectionFor(r, viewerOf(r), g, av.URL+"/delete", "artefact", a.Authors...); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "artefact", &v)
}

// historyOf lists a page of an artefact's versions in av, newest first:
// versionsShown of them below ?versions_before= (from the current one),
// read without their content, their editors in one query.
func (h *Handler) historyOf(r *http.Request, a storage.Artefact, av *artefactView) error {
	before := a.Version + 1
	if s := r.URL.Query().Get("versions_before"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 2 || n > a.Version+1 {
			return httperr.New(http.StatusBadRequest, "versions_before must be a version number")
		}
		before = n
	}
	vs, err := h.store.ArtefactHistory(r.Context(), a.ID, before, versionsShown)
	if err != nil {
		return err
	}
	ids := make([]storage.ID, 0, len(vs))
	for _, v := range vs {
		ids = append(ids, v.EditorID)
	}
	editors, err := h.store.AccountsByIDs(r.Context(), ids)
	if err != nil {
		return err
	}
	for _, v := range vs {
		vv := versionView{Number: v.Number, Editor: v.EditorURI, Note: v.Note, When: v.CreatedAt.UTC().Format("2 January 2006 15:04 MST"),
			ISO: v.CreatedAt.UTC().Format(time.RFC3339)}
		if ed, ok := editors[v.EditorID]; ok {
			vv.Editor = h.authorOf(ed).Name
		}
		if v.Number > 1 {
			vv.Prev = v.Number - 1
			vv.DiffURL = av.URL + "?from=" + strconv.Itoa(v.Number-1) + "&to=" + strconv.Itoa(v.Number) + "#diff"
		}
		av.Versions = append(av.Versions, vv)
	}
	if n := len(vs); n == versionsShown && vs[n-1].Number > 1 {
		av.OlderVersions = av.URL + "?versions_before=" + strconv.Itoa(vs[n-1].Number) + "#history"
	}
	return nil
}

// diffOf is the diff the query asks for (from and to), or nil.
func (h *Handler) diffOf(r *http.Request, a storage.Artefact) (*diffView, error) {
	vf, vt, asked, err := queryVersions(r, a.Version, func(n int) (storage.ArtefactVersion, error) {
		return h.store.ArtefactVersion(r.Context(), a.ID, n)
	})
	if err != nil || !asked {
		return nil, err
	}
	d, err := federation.DiffArtefactVersions(r.Context(), vf, vt)
	if err != nil {
		return nil, err
	}
	return &diffView{From: d.From, To: d.To, Title: d.Title, Summary: d.Summary, Body: d.Body, Files: d.Files,
		Unchanged: !d.Changed(), Heading: diffHeading(d.From, d.To)}, nil
}

// queryVersions loads the two versions a page's diff compares, as its
// query names them: from, and to (the current version when absent);
// asked is false when the query names neither.
func queryVersions[V any](r *http.Request, current int, load func(n int) (V, error)) (from, to V, asked bool, err error) {
	q := r.URL.Query()
	if q.Get("from") == "" && q.Get("to") == "" {
		return from, to, false, nil
	}
	nf, err1 := strconv.Atoi(q.Get("from"))
	nt, err2 := strconv.Atoi(cmpStr(q.Get("to"), strconv.Itoa(current)))
	if err1 != nil || err2 != nil {
		return from, to, true, httperr.New(http.StatusBadRequest, "from and to must be version numbers")
	}
	if from, err = load(nf); err != nil {
		return from, to, true, err
	}
	to, err = load(nt)
	return from, to, true, err
}

// diffHeading heads a diff of two versions.
func diffHeading(from, to int) string {
	return fmt.Sprintf("Changes from version %d to version %d", from, to)
}

// bodyHeading matches the HTML headings of a rendered body.
var bodyHeading = regexp.MustCompile(`<(/?)h([1-6])\b`)

// demoteHeadings moves a body's headings one level down (h1 becomes h2,
// h6 stays h6): the page has one h1, its title.
func demoteHeadings(html string) string {
	return bodyHeading.ReplaceAllStringFunc(html, func(m string) string {
		sm := bodyHeading.FindStringSubmatch(m)
		level := min(int(sm[2][0]-'0')+1, 6)
		return "<" + sm[1] + "h" + strconv.Itoa(level)
	})
}

// fileURL is where a page links a file of artefact a of the community
// handle: this node's download (ArtefactFile), which knows the reader
// signed in from the browser, of a file stored here, or for a member
// signed in (signedIn) of one on the community's own node, fetched from
// there (by its SHA-256); else where the file came from.
func fileURL(handle string, a storage.Artefact, f storage.VersionFile, signedIn bool) string {
	switch {
	case f.FileID != 0:
		return artefactPath(handle, a.ID) + "/files/" + f.FileID.String()
	case signedIn && f.SHA256 != "":
		return artefactPath(handle, a.ID) + "/files/" + f.SHA256
	}
	return f.URL
}

// ArtefactFile serves /c/{handle}/artefacts/{id}/files/{file_id}: a
// stored file of the artefact, as a download, to whoever may read the
// artefact from this browser (a members-only community's files to its
// members signed in); to anyone else it is not found. For an artefact
// of a community on another node, {file_id} is the file's SHA-256 and
// this node fetches it from there for the member signed in
// (federation.OpenRemoteArtefactFile); anyone else is sent to sign in.
func (h *Handler) ArtefactFile(w http.ResponseWriter, r *http.Request) {
	if err := h.artefactFile(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) artefactFile(w http.ResponseWriter, r *http.Request) error {
	_, _, a, err := h.formArtefact(r)
	if err != nil {
		return err
	}
	if !a.Local {
		me, ok := signedIn(w, r, r.URL.Path)
		if !ok {
			return nil
		}
		f, err := h.engine.OpenRemoteArtefactFile(r.Context(), me, a, chi.URLParam(r, "file_id"))
		if err != nil {
			return err
		}
		defer f.Close()
		w.Header().Set("Cache-Control", "private, no-cache")
		download.Serve(w, r, download.File{Name: f.Name, MediaType: f.MediaType, SHA256: f.SHA256, ModTime: a.UpdatedAt}, f.Body)
		return nil
	}
	fid, err := storage.ParseID(chi.URLParam(r, "file_id"))
	if err != nil {
		return storage.ErrNotFound
	}
	f, fh, err := h.engine.OpenArtefactFile(r.Context(), a, fid)
	if err != nil {
		return err
	}
	defer fh.Close()
	if me, _ := session.Member(r); me.ID != 0 {
		w.Header().Set("Cache-Control", "private, no-cache")
	}
	download.Serve(w, r, download.File{Name: f.Name, MediaType: f.MediaType, SHA256: f.SHA256, ModTime: f.CreatedAt}, fh)
	return nil
}

func cmpStr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func sizeOf(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
