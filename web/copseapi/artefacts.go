package copseapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/api"
	"github.com/copse-dev/copse/web/download"
	"github.com/copse-dev/copse/web/httperr"
)

// A community's library (issue 13): artefacts, their versions, diffs,
// restores and files. Reads ask federation.ArtefactReadable; every change
// goes through the engine, which checks the edit policy and the base
// version.

// UploadOverhead is what a multipart upload carries beyond its file
// (boundaries, headers, the other fields).
const UploadOverhead = 64 << 10

// IsArtefactUpload reports whether a request is an artefact file upload,
// whose body may be as large as the node's artefact file limit.
func IsArtefactUpload(method, path string) bool {
	rest, ok := strings.CutPrefix(path, Prefix+"/artefacts/")
	if method != http.MethodPost || !ok {
		return false
	}
	id, tail, ok := strings.Cut(rest, "/")
	return ok && tail == "files" && id != ""
}

// mountArtefacts adds the library's routes.
func (h *Handler) mountArtefacts(r chi.Router) {
	r.Method(http.MethodGet, "/communities/{id}/artefacts", h.handle(h.artefacts))
	r.Method(http.MethodPost, "/communities/{id}/artefacts", h.handle(h.createArtefact))
	r.Method(http.MethodGet, "/artefacts/{id}", h.handle(h.artefact))
	r.Method(http.MethodPatch, "/artefacts/{id}", h.handle(h.editArtefact))
	r.Method(http.MethodDelete, "/artefacts/{id}", h.handle(h.deleteArtefact))
	r.Method(http.MethodGet, "/artefacts/{id}/versions", h.handle(h.artefactVersions))
	r.Method(http.MethodGet, "/artefacts/{id}/diff", h.handle(h.artefactDiff))
	r.Method(http.MethodPost, "/artefacts/{id}/restore", h.handle(h.restoreArtefact))
	r.Method(http.MethodPost, "/artefacts/{id}/files", h.handle(h.uploadArtefactFile))
	r.Method(http.MethodGet, "/artefacts/{id}/files/{file_id}", h.handle(h.downloadArtefactFile))
}

type artefactFileEntity struct {
	ID        string `json:"id,omitempty"`
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	URL       string `json:"url"`                  // where the caller downloads it, on this node
	OriginURL string `json:"origin_url,omitempty"` // where the community's node serves it, for a remote artefact
}

type artefactEntity struct {
	ID           string               `json:"id"`
	CommunityID  string               `json:"community_id"`
	URI          string               `json:"uri"`
	URL          string               `json:"url"`
	Local        bool                 `json:"local"`
	Title        string               `json:"title"`
	Summary      string               `json:"summary"`
	Body         string               `json:"body"`      // Markdown
	BodyHTML     string               `json:"body_html"` // rendered and sanitised
	Tags         []string             `json:"tags"`
	Authors      []string             `json:"authors"` // accts
	Organisation string               `json:"organisation"`
	Licence      string               `json:"licence"`
	EditPolicy   string               `json:"edit_policy"`
	Version      int                  `json:"version"`
	Files        []artefactFileEntity `json:"files"`
	CreatedAt    string               `json:"created_at"`
	UpdatedAt    string               `json:"updated_at"`
}

type versionEntity struct {
	Number    int                  `json:"number"`
	Title     string               `json:"title"`
	Summary   string               `json:"summary"`
	Body      string               `json:"body"`
	BodyHTML  string               `json:"body_html"`
	Files     []artefactFileEntity `json:"files"`
	Editor    string               `json:"editor"` // acct, or the actor id of an account not known here
	Note      string               `json:"note"`
	CreatedAt string               `json:"created_at"`
}

func (h *Handler) fileEntities(a storage.Artefact, files []storage.VersionFile) []artefactFileEntity {
	out := make([]artefactFileEntity, 0, len(files))
	for _, f := range files {
		e := artefactFileEntity{Name: f.Name, MediaType: f.MediaType, Size: f.Size, SHA256: f.SHA256, URL: f.URL}
		switch {
		case f.FileID != 0:
			e.ID = f.FileID.String()
			e.URL = h.urls.ArtefactFile(a.ID, f.FileID)
		case !a.Local && f.SHA256 != "":
			e.URL, e.OriginURL = h.urls.RemoteArtefactFile(a.ID, f.SHA256), f.URL // fetched through this node
		}
		out = append(out, e)
	}
	return out
}

func (h *Handler) artefactEntity(r *http.Request, a storage.Artefact) (artefactEntity, error) {
	v, err := h.store.ArtefactVersion(r.Context(), a.ID, a.Version)
	if err != nil {
		return artefactEntity{}, fmt.Errorf("version %d of %s: %w", a.Version, a.URI, err)
	}
	accounts, err := h.store.AccountsByIDs(r.Context(), a.Authors)
	if err != nil {
		return artefactEntity{}, err
	}
	ent := artefactEntity{ID: a.ID.String(), CommunityID: a.CommunityID.String(), URI: a.URI, URL: a.URL, Local: a.Local,
		Title: a.Title, Summary: a.Summary, Body: a.BodySource, BodyHTML: a.BodyHTML, Tags: a.Tags, Authors: []string{},
		Organisation: a.Organisation, Licence: a.Licence, EditPolicy: a.EditPolicy, Version: a.Version,
		Files: h.fileEntities(a, v.Files), CreatedAt: a.CreatedAt.UTC().Format(time.RFC3339),
		UpdatedAt: a.UpdatedAt.UTC().Format(time.RFC3339)}
	if ent.Tags == nil {
		ent.Tags = []string{}
	}
	for _, id := range a.Authors {
		if au, ok := accounts[id]; ok {
			ent.Authors = append(ent.Authors, h.acct(au))
		}
	}
	return ent, nil
}

func (h *Handler) versionEntities(r *http.Request, a storage.Artefact, vs []storage.ArtefactVersion) ([]versionEntity, error) {
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
	out := make([]versionEntity, 0, len(vs))
	for _, v := range vs {
		e := versionEntity{Number: v.Number, Title: v.Title, Summary: v.Summary, Body: v.BodySource, BodyHTML: v.BodyHTML,
			Files: h.fileEntities(a, v.Files), Editor: v.EditorURI, Note: v.Note, CreatedAt: v.CreatedAt.UTC().Format(time.RFC3339)}
		if ed, ok := editors[v.EditorID]; ok {
			e.Editor = h.acct(ed)
		}
		out = append(out, e)
	}
	return out, nil
}

// readableArtefact loads the artefact of the {id} in the path, if the
// caller (or nobody signed in) may read it.
func (h *Handler) readableArtefact(r *http.Request) (storage.Artefact, storage.Account, error) {
	return readablePath(r, h.store.ArtefactByID, h.engine.ArtefactReadable)
}

// The prologues the artefact, glossary and event handlers share.

// readablePath loads the record of the {id} in the path with load, if the
// caller (or nobody signed in) may read it (readable asks the visibility
// rule); one it may not read is not found, so its existence is not given
// away.
func readablePath[D any](r *http.Request, load func(context.Context, storage.ID) (D, error),
	readable func(context.Context, storage.Account, D) (bool, error)) (D, storage.Account, error) {
	var zero D
	me, err := viewer(r)
	if err != nil {
		return zero, storage.Account{}, err
	}
	id, err := pathID(r)
	if err != nil {
		return zero, storage.Account{}, err
	}
	d, err := load(r.Context(), id)
	if err != nil {
		return zero, storage.Account{}, err
	}
	ok, err := readable(r.Context(), me, d)
	if err != nil {
		return zero, storage.Account{}, err
	}
	if !ok {
		return zero, storage.Account{}, httperr.New(http.StatusNotFound, "Record not found")
	}
	return d, me, nil
}

// readableGroup loads the community of the {id} in the path, if the
// caller may read what readable guards (its library, glossary or events:
// the same rule, asked of the community); 403 when it may not.
func (h *Handler) readableGroup(r *http.Request, readable func(ctx context.Context, me, g storage.Account) (bool, error)) (g, me storage.Account, err error) {
	if me, err = viewer(r); err != nil {
		return g, me, err
	}
	id, err := pathID(r)
	if err != nil {
		return g, me, err
	}
	if g, err = h.store.AccountByID(r.Context(), id); err != nil {
		return g, me, err
	}
	if g.ActorType != activitypub.TypeGroup {
		return g, me, httperr.New(http.StatusNotFound, "Record not found")
	}
	ok, err := readable(r.Context(), me, g)
	if err != nil {
		return g, me, err
	}
	if !ok {
		return g, me, errMembersOnly
	}
	return g, me, nil
}

// writeRequest is the prologue of a change: the caller, with the write
// scope, the {id} in the path, and the JSON body decoded into a T.
func writeRequest[T any](r *http.Request) (me storage.Account, id storage.ID, req T, err error) {
	if me, err = api.Caller(r, "write"); err != nil {
		return me, id, req, err
	}
	if id, err = pathID(r); err != nil {
		return me, id, req, err
	}
	err = decodeJSON(r, &req)
	return me, id, req, err
}

// versionsPage answers GET .../versions of a versioned record: limit
// versions (?limit=, 40 by default) numbered after ?after=, oldest first,
// as entities makes them, with a Link to the next page when there may be
// one.
func versionsPage[V any](h *Handler, w http.ResponseWriter, r *http.Request, list func(after, limit int) ([]V, error),
	number func(V) int, entities func([]V) (any, error)) error {
	after, err := intParam(r, "after", 0)
	if err != nil {
		return err
	}
	limit, err := intParam(r, "limit", 40)
	if err != nil {
		return err
	}
	limit = min(max(limit, 1), maxLimit)
	vs, err := list(after, limit)
	if err != nil {
		return err
	}
	out, err := entities(vs)
	if err != nil {
		return err
	}
	if len(vs) == limit {
		q := r.URL.Query()
		q.Set("after", strconv.Itoa(number(vs[len(vs)-1])))
		w.Header().Set("Link", "<"+h.urls.Base+r.URL.EscapedPath()+"?"+q.Encode()+`>; rel="next"`)
	}
	httperr.JSON(w, http.StatusOK, out)
	return nil
}

// artefacts: GET /api/copse/v1/communities/{id}/artefacts, the library of
// a community (hosted here or followed from here), newest first.
func (h *Handler) artefacts(w http.ResponseWriter, r *http.Request) error {
	g, _, err := h.readableGroup(r, func(ctx context.Context, me, g storage.Account) (bool, error) {
		return h.engine.ArtefactReadable(ctx, me, storage.Artefact{CommunityID: g.ID, URI: g.URI})
	})
	if err != nil {
		return err
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	list, err := h.store.CommunityArtefacts(r.Context(), g.ID, p)
	if err != nil {
		return err
	}
	out := make([]artefactEntity, 0, len(list))
	for _, a := range list {
		ent, err := h.artefactEntity(r, a)
		if err != nil {
			return err
		}
		out = append(out, ent)
	}
	if len(list) > 0 {
		h.setNext(w, r, len(list), p, list[len(list)-1].ID)
	}
	httperr.JSON(w, http.StatusOK, out)
	return nil
}

type createArtefactRequest struct {
	Title        string   `json:"title"`
	Summary      string   `json:"summary"`
	Body         string   `json:"body"`
	Tags         []string `json:"tags"`
	Authors      []string `json:"authors"` // account IDs besides the caller's
	Organisation string   `json:"organisation"`
	Licence      string   `json:"licence"`
	EditPolicy   string   `json:"edit_policy"`
	Note         string   `json:"note"`
}

// createArtefact: POST /api/copse/v1/communities/{id}/artefacts, a JSON
// object, by a member or moderator of the community: the artefact when it
// is hosted here, 202 and pendingEntity when it is hosted on another node.
func (h *Handler) createArtefact(w http.ResponseWriter, r *http.Request) error {
	me, id, req, err := writeRequest[createArtefactRequest](r)
	if err != nil {
		return err
	}
	na := federation.NewArtefact{Title: req.Title, Summary: req.Summary, Body: req.Body, Tags: req.Tags,
		Organisation: req.Organisation, Licence: req.Licence, EditPolicy: req.EditPolicy, Note: req.Note}
	for _, s := range req.Authors {
		aid, err := storage.ParseID(s)
		if err != nil {
			return httperr.New(http.StatusUnprocessableEntity, "authors must be account IDs")
		}
		na.Authors = append(na.Authors, aid)
	}
	s, err := h.engine.SubmitArtefact(r.Context(), me, id, na)
	if err != nil {
		return err
	}
	if s.Pending != nil {
		return answerPending(w, *s.Pending)
	}
	ent, err := h.artefactEntity(r, s.Item)
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, ent)
	return nil
}

// artefact: GET /api/copse/v1/artefacts/{id}.
func (h *Handler) artefact(w http.ResponseWriter, r *http.Request) error {
	a, _, err := h.readableArtefact(r)
	if err != nil {
		return err
	}
	ent, err := h.artefactEntity(r, a)
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, ent)
	return nil
}

type editArtefactRequest struct {
	BaseVersion  int       `json:"base_version"`
	Title        *string   `json:"title"`
	Summary      *string   `json:"summary"`
	Body         *string   `json:"body"`
	Tags         *[]string `json:"tags"`
	Organisation *string   `json:"organisation"`
	Licence      *string   `json:"licence"`
	EditPolicy   *string   `json:"edit_policy"`
	Files        *[]string `json:"files"`        // the IDs of the files to keep
	RemoveFiles  []string  `json:"remove_files"` // or the names of those to remove
	Note         string    `json:"note"`
}

// editArtefact: PATCH /api/copse/v1/artefacts/{id}, a JSON object naming
// base_version, the version the edit started from; absent fields stay. An
// artefact of a community on another node is answered 202 and
// pendingEntity: its Group's node decides.
func (h *Handler) editArtefact(w http.ResponseWriter, r *http.Request) error {
	me, id, req, err := writeRequest[editArtefactRequest](r)
	if err != nil {
		return err
	}
	ed := federation.ArtefactEdit{BaseVersion: req.BaseVersion, Title: req.Title, Summary: req.Summary, Body: req.Body,
		Tags: req.Tags, Organisation: req.Organisation, Licence: req.Licence, EditPolicy: req.EditPolicy, Note: req.Note,
		RemoveFiles: req.RemoveFiles}
	if req.Files != nil {
		ids := make([]storage.ID, 0, len(*req.Files))
		for _, s := range *req.Files {
			fid, err := storage.ParseID(s)
			if err != nil {
				return httperr.New(http.StatusUnprocessableEntity, "files must be file IDs")
			}
			ids = append(ids, fid)
		}
		ed.Files = &ids
	}
	s, err := h.engine.SubmitArtefactEdit(r.Context(), me, id, ed)
	if err == nil && s.Pending != nil {
		return answerPending(w, *s.Pending)
	}
	return h.answerRevision(w, r, s.Item, err)
}

// deleteArtefact: DELETE /api/copse/v1/artefacts/{id}, by one of its
// authors or a moderator of its community; every version and file goes,
// here and on every node that follows the community.
func (h *Handler) deleteArtefact(w http.ResponseWriter, r *http.Request) error {
	me, err := api.Caller(r, "write")
	if err != nil {
		return err
	}
	a, _, err := h.readableArtefact(r)
	if err != nil {
		return err
	}
	return answerDelete(w, r, me, a.ID, h.engine.DeleteArtefact)
}

type restoreRequest struct {
	BaseVersion int    `json:"base_version"`
	Version     int    `json:"version"`
	Note        string `json:"note"`
}

// restoreRequestOf is the prologue of a restore of an artefact or a term:
// writeRequest, and the version to restore, which is required.
func restoreRequestOf(r *http.Request) (storage.Account, storage.ID, restoreRequest, error) {
	me, id, req, err := writeRequest[restoreRequest](r)
	if err == nil && req.Version <= 0 {
		err = httperr.New(http.StatusUnprocessableEntity, "version, the version to restore, is required")
	}
	return me, id, req, err
}

// restoreArtefact: POST /api/copse/v1/artefacts/{id}/restore, JSON
// {"version", "base_version", "note"}: a new version with the old one's
// title, summary, body and files.
func (h *Handler) restoreArtefact(w http.ResponseWriter, r *http.Request) error {
	me, id, req, err := restoreRequestOf(r)
	if err != nil {
		return err
	}
	s, err := h.engine.SubmitArtefactRestore(r.Context(), me, id, req.BaseVersion, req.Version, req.Note)
	if err == nil && s.Pending != nil {
		return answerPending(w, *s.Pending)
	}
	return h.answerRevision(w, r, s.Item, err)
}

// staleAnswer is the 409 for an edit of a version that is no longer the
// current one: what changed since, version by version and as one diff.
type staleAnswer struct {
	Error          string                   `json:"error"`
	BaseVersion    int                      `json:"base_version"`
	CurrentVersion int                      `json:"current_version"`
	Changes        []versionEntity          `json:"changes"`
	Diff           *federation.ArtefactDiff `json:"diff,omitempty"`
}

// answerRevision answers an edit, restore or upload: the artefact, or a
// 409 with what changed since the base version.
func (h *Handler) answerRevision(w http.ResponseWriter, r *http.Request, a storage.Artefact, err error) error {
	var stale *federation.StaleError
	if errors.As(err, &stale) {
		return h.answerStale(w, r, stale)
	}
	if err != nil {
		return err
	}
	ent, err := h.artefactEntity(r, a)
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, ent)
	return nil
}

func (h *Handler) answerStale(w http.ResponseWriter, r *http.Request, stale *federation.StaleError) error {
	ans := staleAnswer{Error: fmt.Sprintf("The artefact changed since version %d: it is at version %d. Merge the changes and edit version %d.",
		stale.Base, stale.Current, stale.Current), BaseVersion: stale.Base, CurrentVersion: stale.Current, Changes: []versionEntity{}}
	if len(stale.Since) > 0 {
		a, err := h.store.ArtefactByID(r.Context(), stale.Since[0].ArtefactID)
		if err != nil {
			return err
		}
		if ans.Changes, err = h.versionEntities(r, a, stale.Since); err != nil {
			return err
		}
		base, err := h.store.ArtefactVersion(r.Context(), a.ID, stale.Base)
		if err != nil {
			return err
		}
		cur, err := h.store.ArtefactVersion(r.Context(), a.ID, stale.Current)
		if err != nil {
			return err
		}
		d, err := federation.DiffArtefactVersions(r.Context(), base, cur)
		if err != nil {
			return err
		}
		ans.Diff = &d
	}
	httperr.JSON(w, http.StatusConflict, ans)
	return nil
}

// artefactVersions: GET /api/copse/v1/artefacts/{id}/versions, oldest
// first, limit of them after the version numbered `after`.
func (h *Handler) artefactVersions(w http.ResponseWriter, r *http.Request) error {
	a, _, err := h.readableArtefact(r)
	if err != nil {
		return err
	}
	return versionsPage(h, w, r, func(after, limit int) ([]storage.ArtefactVersion, error) {
		return h.store.ArtefactVersions(r.Context(), a.ID, after, limit)
	}, func(v storage.ArtefactVersion) int { return v.Number }, func(vs []storage.ArtefactVersion) (any, error) {
		return h.versionEntities(r, a, vs)
	})
}

// artefactDiff: GET /api/copse/v1/artefacts/{id}/diff?from=&to=; to
// defaults to the current version, from to the one before to.
func (h *Handler) artefactDiff(w http.ResponseWriter, r *http.Request) error {
	a, _, err := h.readableArtefact(r)
	if err != nil {
		return err
	}
	vf, vt, err := versionPair(r, a.Version, func(n int) (storage.ArtefactVersion, error) {
		return h.store.ArtefactVersion(r.Context(), a.ID, n)
	})
	if err != nil {
		return err
	}
	d, err := federation.DiffArtefactVersions(r.Context(), vf, vt)
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, d)
	return nil
}

// versionPair loads the two versions a diff compares: the query's to
// (default current, the latest) and from (default the one before to);
// one that does not exist is 404.
func versionPair[V any](r *http.Request, current int, load func(n int) (V, error)) (from, to V, err error) {
	nt, err := intParam(r, "to", current)
	if err != nil {
		return from, to, err
	}
	nf, err := intParam(r, "from", nt-1)
	if err != nil {
		return from, to, err
	}
	for _, v := range []struct {
		n   int
		out *V
	}{{nf, &from}, {nt, &to}} {
		*v.out, err = load(v.n)
		if errors.Is(err, storage.ErrNotFound) {
			return from, to, httperr.New(http.StatusNotFound, fmt.Sprintf("There is no version %d", v.n))
		}
		if err != nil {
			return from, to, err
		}
	}
	return from, to, nil
}

// uploadArtefactFile: POST /api/copse/v1/artefacts/{id}/files, multipart
// with the file in "file", and "base_version" and an optional "note":
// a new version with the file (replacing one of the same name).
// readUpload begins an upload of me's (their limits, BeginUpload) and
// reads its multipart body, past 1 MiB into temporary files; a body over
// the node's bound is 413, naming what (the "file" part) and its limit.
// The caller calls done once it has read the parts.
func (h *Handler) readUpload(r *http.Request, me storage.Account, what string, limit int64) (done func(), err error) {
	end, err := h.engine.BeginUpload(me.ID)
	if err != nil {
		return nil, err
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		end()
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, httperr.New(http.StatusRequestEntityTooLarge, fmt.Sprintf("The %s is larger than the limit of %d MiB", what, limit>>20))
		}
		return nil, httperr.New(http.StatusBadRequest, fmt.Sprintf("the body must be multipart/form-data with the %s in \"file\"", what))
	}
	return func() {
		_ = r.MultipartForm.RemoveAll()
		end()
	}, nil
}

func (h *Handler) uploadArtefactFile(w http.ResponseWriter, r *http.Request) error {
	me, err := api.Caller(r, "write")
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	// An artefact that is not there is refused before the upload is read.
	if err := h.engine.CheckFileUpload(r.Context(), id); err != nil {
		return err
	}
	done, err := h.readUpload(r, me, "file", h.engine.ArtefactFileLimit())
	if err != nil {
		return err
	}
	defer done()
	base, err := strconv.Atoi(r.FormValue("base_version"))
	if err != nil || base <= 0 {
		return httperr.New(http.StatusUnprocessableEntity, "base_version, the version the upload adds to, is required")
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		return httperr.New(http.StatusUnprocessableEntity, "the file must be in the part named \"file\"")
	}
	defer file.Close()
	s, err := h.engine.SubmitArtefactFile(r.Context(), me, id, base, header.Filename, file, r.FormValue("note"))
	if err == nil && s.Pending != nil {
		return answerPending(w, *s.Pending)
	}
	return h.answerRevision(w, r, s.Item, err)
}

// downloadArtefactFile: GET /api/copse/v1/artefacts/{id}/files/{file_id},
// the file as stored, with the type found in its bytes, never sniffed by
// the browser, and offered as a download under its own name; to whoever
// may read the artefact: the caller of a token, or a node that signs the
// request (fetching it for a member of a members-only community). For an
// artefact of a community on another node, {file_id} is the file's
// SHA-256, and this node fetches it from there for the caller, a member
// of this node (federation.OpenRemoteArtefactFile).
func (h *Handler) downloadArtefactFile(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me, err := viewer(r)
	if err == nil && me.ID == 0 {
		me, err = h.engine.SignedReader(r)
	}
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := h.store.ArtefactByID(ctx, id)
	if err != nil {
		return err
	}
	if !a.Local {
		if !me.Local() || me.ID == 0 {
			// This node fetches files of other nodes for its members
			// only; anyone else reads a public one at its origin_url.
			return httperr.New(http.StatusUnauthorized, "a file of a community on another node is downloaded through this node by its members signed in")
		}
		f, err := h.engine.OpenRemoteArtefactFile(ctx, me, a, chi.URLParam(r, "file_id"))
		if err != nil {
			return err
		}
		defer f.Close()
		download.Serve(w, r, download.File{Name: f.Name, MediaType: f.MediaType, SHA256: f.SHA256, ModTime: a.UpdatedAt}, f.Body)
		return nil
	}
	if ok, err := h.engine.ArtefactReadable(ctx, me, a); err != nil || !ok {
		return cmp.Or(err, httperr.New(http.StatusNotFound, "Record not found"))
	}
	fid, err := storage.ParseID(chi.URLParam(r, "file_id"))
	if err != nil {
		return httperr.New(http.StatusNotFound, "Record not found")
	}
	f, fh, err := h.engine.OpenArtefactFile(ctx, a, fid)
	if err != nil {
		return err
	}
	defer fh.Close()
	download.Serve(w, r, download.File{Name: f.Name, MediaType: f.MediaType, SHA256: f.SHA256, ModTime: f.CreatedAt}, fh)
	return nil
}

// intParam reads an optional integer query parameter.
func intParam(r *http.Request, name string, def int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, httperr.New(http.StatusBadRequest, name+" must be a number")
	}
	return n, nil
}
