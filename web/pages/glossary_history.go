package pages

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

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
	g, cv, t, err := h.formTerm(r)
	if err != nil {
		return err
	}
	if ok, err := h.engine.GlossaryReadable(ctx, viewerOf(r), g.ID); err != nil || !ok {
		return errors.Join(err, fmt.Errorf("history of %s: %w", t.URI, storage.ErrNotFound))
	}
	path := termHistoryPath(g.Acct(), t.ID)
	v := termHistoryPage{pageView: h.viewIn(cv, "History of "+t.Term), Community: cv, Term: t.Term, Version: t.Version,
		RestoreURL: glossaryPath(g.Acct()) + "/" + t.ID.String() + "/restore",
		TermURL:    glossaryPath(g.Acct()) + "#" + federation.TermAnchor(t.Term)}
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
	vf, vt, asked, err := queryVersions(r, t.Version, func(n int) (storage.TermVersion, error) {
		return h.store.TermVersion(r.Context(), t.ID, n)
	})
	if err != nil || !asked {
		return nil, err
	}
	d, err := federation.DiffTermVersions(r.Context(), vf, vt)
	if err != nil {
		return nil, err
	}
	return &termDiffView{TermDiff: d, Unchanged: !d.Changed(), Heading: diffHeading(d.From, d.To)}, nil
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
	page := termHistoryPath(g.Acct(), t.ID)
	h.restoreVersion(w, r, "term", "Only members of "+cv.Name+" and its moderators can.",
		func(base, number int) (string, error) {
			s, err := h.engine.SubmitTermRestore(r.Context(), me, t.ID, base, number, "")
			var stale *federation.TermStaleError
			if errors.As(err, &stale) {
				return "", &staleVersion{current: stale.Current}
			}
			return landing(s, err, func(storage.Term) string { return page + "#history" }, page)
		})
}
