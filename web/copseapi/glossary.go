package copseapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/api"
	"github.com/copse-dev/copse/web/httperr"
)

// A community's glossary (issue 13 item 4): terms, with how often each is
// used, their versions and restores. Reads ask federation.TermReadable
// (the artefacts' rule); every change goes through the engine, which
// checks membership and the base version.

func (h *Handler) mountGlossary(r chi.Router) {
	r.Method(http.MethodGet, "/communities/{id}/glossary", h.handle(h.glossary))
	r.Method(http.MethodPost, "/communities/{id}/glossary", h.handle(h.createTerm))
	r.Method(http.MethodGet, "/glossary/{id}", h.handle(h.term))
	r.Method(http.MethodPatch, "/glossary/{id}", h.handle(h.editTerm))
	r.Method(http.MethodDelete, "/glossary/{id}", h.handle(h.deleteTerm))
	r.Method(http.MethodGet, "/glossary/{id}/versions", h.handle(h.termVersions))
	r.Method(http.MethodGet, "/glossary/{id}/diff", h.handle(h.termDiff))
	r.Method(http.MethodPost, "/glossary/{id}/restore", h.handle(h.restoreTerm))
}

type termEntity struct {
	ID             string   `json:"id"`
	CommunityID    string   `json:"community_id"`
	URI            string   `json:"uri"`
	URL            string   `json:"url"`
	Local          bool     `json:"local"`
	Term           string   `json:"term"`
	Tag            string   `json:"tag"` // the hashtag it is linked to; "" when none
	Definition     string   `json:"definition"`
	DefinitionHTML string   `json:"definition_html"`
	Aliases        []string `json:"aliases"`
	Related        []string `json:"related"`
	ReferenceURL   string   `json:"reference_url"`
	ReferenceText  string   `json:"reference_text"`
	Version        int      `json:"version"`
	Posts          *int     `json:"posts,omitempty"`     // posts of the community with its hashtag (in lists)
	Artefacts      *int     `json:"artefacts,omitempty"` // artefacts of the community with its hashtag (in lists)
	CreatedAt      string   `json:"created_at"`
	UpdatedAt      string   `json:"updated_at"`
}

type termVersionEntity struct {
	Number         int      `json:"number"`
	Term           string   `json:"term"`
	Definition     string   `json:"definition"`
	DefinitionHTML string   `json:"definition_html"`
	Aliases        []string `json:"aliases"`
	Related        []string `json:"related"`
	ReferenceURL   string   `json:"reference_url"`
	ReferenceText  string   `json:"reference_text"`
	Editor         string   `json:"editor"` // acct, or the actor id of an account not known here
	Note           string   `json:"note"`
	CreatedAt      string   `json:"created_at"`
}

func termEntityOf(t storage.Term) termEntity {
	ent := termEntity{ID: t.ID.String(), CommunityID: t.CommunityID.String(), URI: t.URI, URL: t.URL, Local: t.Local,
		Term: t.Term, Tag: t.Tag, Definition: t.DefinitionSource, DefinitionHTML: t.DefinitionHTML, Aliases: t.Aliases,
		Related: t.Related, ReferenceURL: t.ReferenceURL, ReferenceText: t.ReferenceText, Version: t.Version,
		CreatedAt: t.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: t.UpdatedAt.UTC().Format(time.RFC3339)}
	if ent.Aliases == nil {
		ent.Aliases = []string{}
	}
	if ent.Related == nil {
		ent.Related = []string{}
	}
	return ent
}

func (h *Handler) termVersionEntities(r *http.Request, vs []storage.TermVersion) ([]termVersionEntity, error) {
	ids := make([]storage.ID, 0, len(vs))
	for _, v := range vs {
		if v.EditorID != 0 {
			ids = append(ids, v.EditorID)
		}
	}
	editors, err := h.store.AccountsByIDs(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	out := make([]termVersionEntity, 0, len(vs))
	for _, v := range vs {
		e := termVersionEntity{Number: v.Number, Term: v.Term, Definition: v.DefinitionSource, DefinitionHTML: v.DefinitionHTML,
			Aliases: v.Aliases, Related: v.Related, ReferenceURL: v.ReferenceURL, ReferenceText: v.ReferenceText,
			Editor: v.EditorURI, Note: v.Note, CreatedAt: v.CreatedAt.UTC().Format(time.RFC3339)}
		if e.Aliases == nil {
			e.Aliases = []string{}
		}
		if e.Related == nil {
			e.Related = []string{}
		}
		if ed, ok := editors[v.EditorID]; ok {
			e.Editor = h.acct(ed)
		}
		out = append(out, e)
	}
	return out, nil
}

// readableTerm loads the term of the {id} in the path, if the caller (or
// nobody signed in) may read it; one it may not read is not found.
func (h *Handler) readableTerm(r *http.Request) (storage.Term, error) {
	t, _, err := readablePath(r, h.store.TermByID, h.engine.TermReadable)
	return t, err
}

// glossary: GET /api/copse/v1/communities/{id}/glossary, a community's
// terms (hosted here or followed from here) A to Z, with their usage.
func (h *Handler) glossary(w http.ResponseWriter, r *http.Request) error {
	g, _, err := h.readableGroup(r, func(ctx context.Context, me, g storage.Account) (bool, error) {
		return h.engine.GlossaryReadable(ctx, me, g.ID)
	})
	if err != nil {
		return err
	}
	terms, err := h.store.CommunityTerms(r.Context(), g.ID)
	if err != nil {
		return err
	}
	out := make([]termEntity, 0, len(terms))
	for _, u := range terms {
		ent := termEntityOf(u.Term)
		ent.Posts, ent.Artefacts = &u.Posts, &u.Artefacts
		out = append(out, ent)
	}
	httperr.JSON(w, http.StatusOK, out)
	return nil
}

type createTermRequest struct {
	Term          string   `json:"term"`
	Definition    string   `json:"definition"`
	Aliases       []string `json:"aliases"`
	Related       []string `json:"related"`
	ReferenceURL  string   `json:"reference_url"`
	ReferenceText string   `json:"reference_text"`
	Note          string   `json:"note"`
}

// createTerm: POST /api/copse/v1/communities/{id}/glossary, a JSON
// object, by a member or moderator of the community: the term when it is
// hosted here, 202 and pendingEntity when it is hosted on another node.
func (h *Handler) createTerm(w http.ResponseWriter, r *http.Request) error {
	me, id, req, err := writeRequest[createTermRequest](r)
	if err != nil {
		return err
	}
	nt := federation.NewTerm{Term: req.Term, Definition: req.Definition, Aliases: req.Aliases, Related: req.Related,
		ReferenceURL: req.ReferenceURL, ReferenceText: req.ReferenceText, Note: req.Note}
	s, err := h.engine.SubmitTerm(r.Context(), me, id, nt)
	if err != nil {
		return err
	}
	if s.Pending != nil {
		return answerPending(w, *s.Pending)
	}
	httperr.JSON(w, http.StatusOK, termEntityOf(s.Item))
	return nil
}

// term: GET /api/copse/v1/glossary/{id}.
func (h *Handler) term(w http.ResponseWriter, r *http.Request) error {
	t, err := h.readableTerm(r)
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, termEntityOf(t))
	return nil
}

type editTermRequest struct {
	BaseVersion   int       `json:"base_version"`
	Term          *string   `json:"term"`
	Definition    *string   `json:"definition"`
	Aliases       *[]string `json:"aliases"`
	Related       *[]string `json:"related"`
	ReferenceURL  *string   `json:"reference_url"`
	ReferenceText *string   `json:"reference_text"`
	Note          string    `json:"note"`
}

// editTerm: PATCH /api/copse/v1/glossary/{id}, a JSON object naming
// base_version, the version the edit started from; absent fields stay. A
// term of a community on another node is answered 202 and pendingEntity.
func (h *Handler) editTerm(w http.ResponseWriter, r *http.Request) error {
	me, id, req, err := writeRequest[editTermRequest](r)
	if err != nil {
		return err
	}
	ed := federation.TermEdit{BaseVersion: req.BaseVersion, Term: req.Term, Definition: req.Definition, Aliases: req.Aliases,
		Related: req.Related, ReferenceURL: req.ReferenceURL, ReferenceText: req.ReferenceText, Note: req.Note}
	s, err := h.engine.SubmitTermEdit(r.Context(), me, id, ed)
	if err == nil && s.Pending != nil {
		return answerPending(w, *s.Pending)
	}
	return h.answerTermRevision(w, r, s.Item, err)
}

// restoreTerm: POST /api/copse/v1/glossary/{id}/restore, JSON {"version",
// "base_version", "note"}: a new version with the old one's content.
func (h *Handler) restoreTerm(w http.ResponseWriter, r *http.Request) error {
	me, id, req, err := restoreRequestOf(r)
	if err != nil {
		return err
	}
	s, err := h.engine.SubmitTermRestore(r.Context(), me, id, req.BaseVersion, req.Version, req.Note)
	if err == nil && s.Pending != nil {
		return answerPending(w, *s.Pending)
	}
	return h.answerTermRevision(w, r, s.Item, err)
}

// termStaleAnswer is the 409 for an edit of a version that is no longer
// the current one: the versions made since.
type termStaleAnswer struct {
	Error          string              `json:"error"`
	BaseVersion    int                 `json:"base_version"`
	CurrentVersion int                 `json:"current_version"`
	Changes        []termVersionEntity `json:"changes"`
}

// answerTermRevision answers an edit or restore: the term, or a 409 with
// what changed since the base version.
func (h *Handler) answerTermRevision(w http.ResponseWriter, r *http.Request, t storage.Term, err error) error {
	var stale *federation.TermStaleError
	if errors.As(err, &stale) {
		ans := termStaleAnswer{Error: fmt.Sprintf("The term changed since version %d: it is at version %d. Merge the changes and edit version %d.",
			stale.Base, stale.Current, stale.Current), BaseVersion: stale.Base, CurrentVersion: stale.Current}
		if ans.Changes, err = h.termVersionEntities(r, stale.Since); err != nil {
			return err
		}
		httperr.JSON(w, http.StatusConflict, ans)
		return nil
	}
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, termEntityOf(t))
	return nil
}

// termVersions: GET /api/copse/v1/glossary/{id}/versions, oldest first,
// limit of them after the version numbered `after`.
func (h *Handler) termVersions(w http.ResponseWriter, r *http.Request) error {
	t, err := h.readableTerm(r)
	if err != nil {
		return err
	}
	return versionsPage(h, w, r, func(after, limit int) ([]storage.TermVersion, error) {
		return h.store.TermVersions(r.Context(), t.ID, after, limit)
	}, func(v storage.TermVersion) int { return v.Number }, func(vs []storage.TermVersion) (any, error) {
		return h.termVersionEntities(r, vs)
	})
}

// termDiff: GET /api/copse/v1/glossary/{id}/diff?from=&to=; to defaults
// to the current version, from to the one before to.
func (h *Handler) termDiff(w http.ResponseWriter, r *http.Request) error {
	t, err := h.readableTerm(r)
	if err != nil {
		return err
	}
	vf, vt, err := versionPair(r, t.Version, func(n int) (storage.TermVersion, error) {
		return h.store.TermVersion(r.Context(), t.ID, n)
	})
	if err != nil {
		return err
	}
	d, err := federation.DiffTermVersions(r.Context(), vf, vt)
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, d)
	return nil
}

// deleteTerm: DELETE /api/copse/v1/glossary/{id}, by the term's creator
// or a moderator of its community, with an optional reason (a JSON body
// {"reason": ...} or ?reason=) that a moderator's delete shows in the
// community's moderation log; every version goes, here and on every node
// that follows the community. A term of a community on another node is
// deleted there (its Group is sent the Delete) and here once it says so.
func (h *Handler) deleteTerm(w http.ResponseWriter, r *http.Request) error {
	me, err := api.Caller(r, "write")
	if err != nil {
		return err
	}
	t, err := h.readableTerm(r)
	if err != nil {
		return err
	}
	return answerDelete(w, r, me, t.ID, h.engine.DeleteTerm)
}

// answerDelete deletes the repertoire item id for the caller me with del,
// giving the request's reason (deleteReason), and answers 200 with {}.
func answerDelete(w http.ResponseWriter, r *http.Request, me storage.Account, id storage.ID,
	del func(ctx context.Context, by storage.Account, id storage.ID, reason string) error) error {
	reason, err := deleteReason(r)
	if err != nil {
		return err
	}
	if err := del(r.Context(), me, id, reason); err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, struct{}{})
	return nil
}

// deleteReason is the reason of a DELETE of a repertoire item: the JSON
// body's "reason" when there is a body, else the reason parameter.
func deleteReason(r *http.Request) (string, error) {
	var req reasonRequest
	if err := decodeOptional(r, &req); err != nil {
		return "", err
	}
	return cmp.Or(req.Reason, r.URL.Query().Get("reason")), nil
}
