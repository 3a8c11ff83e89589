package pages

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// A term's history (/c/{handle}/glossary/{id}/history): its versions,
// newest first, each with who made it, when and why, and a link to what
// changed from the one before (?from=&to=, shown word by word at #diff).
// Read as the glossary is (federation.GlossaryReadable); a term of another
// community, or one the viewer may not read, is not found.

type termHistoryPage struct {
	pageView
	Community     *communityView
	Term          string
	TermURL       string // its entry on the glossary page
	RestoreURL    string
	Version       int
	Diff          *termDiffView
	Versions      []versionView
	OlderVersions string
}

type termDiffView struct {
	federation.TermDiff
	Unchanged bool
	Heading   string
}

func termHistoryPath(handle string, id storage.ID) string {
	return glossaryPath(handle) + "/" + id.String() + "/history"
}

// TermHistory serves /c/{handle}/glossary/{id}/history.
func (h *Handler) TermHistory(w http.ResponseWriter, r *http.Request) {
	if err := h.termHistory(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) termHistory(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	g, c, err := h.hostedCommunity(r)
	if err != nil {
		return err
	}
	id, err := storage.ParseID(chi.URLParam(r, "id"))
	if err != nil {
		return storage.ErrNotFound
	}
	t, err := h.store.TermByID(ctx, id)
	if err != nil {
		return err
	}
	if t.CommunityID != g.ID {
		return storage.ErrNotFound
	}
	if ok, err := h.engine.GlossaryReadable(ctx, viewerOf(r), g.ID); err != nil || !ok {
		return fmt.Errorf("history of %s: %w", t.URI, storage.ErrNotFound)
	}
	cv, err := h.communityViewOf(r, g, c, false)
	if err != nil {
		return err
	}
	path := termHistoryPath(g.Username, t.ID)
	v := termHistoryPage{pageView: h.view("History of " + t.Term), Community: cv, Term: t.Term, Version: t.Version,
		RestoreURL: glossaryPath(g.Username) + "/" + t.ID.String() + "/restore",
		TermURL:    glossaryPath(g.Username) + "#" + federation.TermAnchor(t.Term)}
	v.Member = h.memberOf(r)
	if v.Diff, err = h.termDiffOf(r, t); err != nil {
		return err
	}
	before := t.Version + 1
	if s := r.URL.Query().Get("versions_before"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 2 || n > t.Version+1 {
			return httperr.New(http.StatusBadRequest, "versions_before must be a version number")
		}
		before = n
	}
	after := max(0, before-1-versionsShown)
	vs, err := h.store.TermVersions(ctx, t.ID, after, before-1-after)
	if err != nil {
		return err
	}
	ids := make([]storage.ID, 0, len(vs))
	for _, tv := range vs {
		ids = append(ids, tv.EditorID)
	}
	editors, err := h.store.AccountsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	for i := len(vs) - 1; i >= 0; i-- { // newest first
		tv := vs[i]
		vv := versionView{Number: tv.Number, Editor: tv.EditorURI, Note: tv.Note,
			When: tv.CreatedAt.UTC().Format("2 January 2006 15:04 MST"), ISO: tv.CreatedAt.UTC().Format(time.RFC3339)}
		if ed, ok := editors[tv.EditorID]; ok {
			vv.Editor = h.authorOf(ed).Name
		}
		if tv.Number > 1 {
			vv.Prev = tv.Number - 1
			vv.DiffURL = path + "?from=" + strconv.Itoa(tv.Number-1) + "&to=" + strconv.Itoa(tv.Number) + "#diff"
		}
		v.Versions = append(v.Versions, vv)
	}
	if after > 0 {
		v.OlderVersions = path + "?versions_before=" + strconv.Itoa(after+1) + "#history"
	}
	return h.render(w, r, http.StatusOK, "term_history", &v)
}

// termDiffOf is the diff the query asks for (from and to; to defaults to
// the current version), or nil when it asks for none.
func (h *Handler) termDiffOf(r *http.Request, t storage.Term) (*termDiffView, error) {
	q := r.URL.Query()
	if q.Get("from") == "" && q.Get("to") == "" {
		return nil, nil
	}
	from, err1 := strconv.Atoi(q.Get("from"))
	to, err2 := strconv.Atoi(cmpStr(q.Get("to"), strconv.Itoa(t.Version)))
	if err1 != nil || err2 != nil {
		return nil, httperr.New(http.StatusBadRequest, "from and to must be version numbers")
	}
	vf, err := h.store.TermVersion(r.Context(), t.ID, from)
	if err != nil {
		return nil, err
	}
	vt, err := h.store.TermVersion(r.Context(), t.ID, to)
	if err != nil {
		return nil, err
	}
	d, err := federation.DiffTermVersions(r.Context(), vf, vt)
	if err != nil {
		return nil, err
	}
	return &termDiffView{TermDiff: d, Unchanged: !d.Changed(), Heading: fmt.Sprintf("Changes from version %d to version %d", from, to)}, nil
}

// RestoreTermVersion takes POST /c/{handle}/glossary/{id}/restore:
// version, the version to restore, and base_version, the current version
// the history page showed. It makes a new version with the old one's
// content, as the API's restore does.
func (h *Handler) RestoreTermVersion(w http.ResponseWriter, r *http.Request) {
	me, ok := h.formPost(w, r, strings.TrimSuffix(r.URL.Path, "/restore")+"/history", h.readText)
	if !ok {
		return
	}
	g, cv, t, err := h.formTerm(r)
	if err != nil {
		h.Error(w, r, err)
		return
	}
	number, err1 := strconv.Atoi(r.FormValue("version"))
	base, err2 := strconv.Atoi(r.FormValue("base_version"))
	if err1 != nil || err2 != nil {
		h.refuse(w, r, http.StatusBadRequest, "This form cannot be used", "It does not say which version to restore. Go back, reload the page and try again.")
		return
	}
	_, err = h.engine.RestoreTermVersion(r.Context(), me, t.ID, base, number, "")
	var stale *federation.TermStaleError
	var inv *federation.InvalidError
	switch {
	case errors.As(err, &stale):
		h.refuse(w, r, http.StatusConflict, "This term has changed",
			fmt.Sprintf("Someone saved version %d after you opened the page, so version %d was not restored.", stale.Current, number),
			"Go back, reload the page to see what changed, and restore it again if you still want to.")
	case errors.Is(err, federation.ErrDenied):
		h.refuse(w, r, http.StatusForbidden, "You cannot edit this term", "Only members of "+cv.Name+" and its moderators can.")
	case errors.As(err, &inv):
		h.refuse(w, r, http.StatusUnprocessableEntity, "This version cannot be restored", sentence(inv.Msg)+".")
	case err != nil:
		h.Error(w, r, err)
	default:
		http.Redirect(w, r, termHistoryPath(g.Username, t.ID)+"#history", http.StatusSeeOther)
	}
}
