package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// StatusEdit is Mastodon's StatusEdit entity: one version of a status.
type StatusEdit struct {
	Content          string        `json:"content"`
	SpoilerText      string        `json:"spoiler_text"`
	Sensitive        bool          `json:"sensitive"`
	CreatedAt        string        `json:"created_at"`
	Account          Account       `json:"account"`
	MediaAttachments []Attachment  `json:"media_attachments"`
	Emojis           []CustomEmoji `json:"emojis"`
}

// StatusSource is Mastodon's StatusSource entity: what a member typed.
type StatusSource struct {
	ID          string `json:"id"`
	Text        string `json:"text"`
	SpoilerText string `json:"spoiler_text"`
}

// Context is Mastodon's Context entity: a status's thread.
type Context struct {
	Ancestors   []Status `json:"ancestors"`
	Descendants []Status `json:"descendants"`
}

// How much of a thread GET /statuses/:id/context shows, as Mastodon
// documents it: anonymous viewers see a bounded part, members up to
// 4,096 statuses either way at any depth.
const (
	publicAncestors   = 40
	publicDescendants = 60
	publicDepth       = 20
	memberAncestors   = 4096
	memberDescendants = 4096
)

func (h *Handler) mountStatuses(r chi.Router) {
	r.Post("/api/v1/statuses", h.handle(h.createStatus))
	r.Get("/api/v1/statuses", h.handle(h.getStatuses))
	r.Get("/api/v1/statuses/{id}", h.handle(h.getStatus))
	r.Put("/api/v1/statuses/{id}", h.handle(h.editStatus))
	r.Delete("/api/v1/statuses/{id}", h.handle(h.deleteStatus))
	r.Get("/api/v1/statuses/{id}/history", h.handle(h.statusHistory))
	r.Get("/api/v1/statuses/{id}/source", h.handle(h.statusSource))
	r.Get("/api/v1/statuses/{id}/context", h.handle(h.statusContext))
	r.Get("/api/v1/statuses/{id}/reblogged_by", h.handle(h.rebloggedBy))
	r.Get("/api/v1/statuses/{id}/favourited_by", h.handle(h.favouritedBy))
	r.Post("/api/v1/statuses/{id}/favourite", h.handle(h.favourite))
	r.Post("/api/v1/statuses/{id}/unfavourite", h.handle(h.unfavourite))
	r.Post("/api/v1/statuses/{id}/reblog", h.handle(h.reblog))
	r.Post("/api/v1/statuses/{id}/unreblog", h.handle(h.unreblog))
	r.Post("/api/v1/statuses/{id}/bookmark", h.handle(h.bookmark))
	r.Post("/api/v1/statuses/{id}/unbookmark", h.handle(h.unbookmark))
	r.Post("/api/v1/statuses/{id}/pin", h.handle(h.pin))
	r.Post("/api/v1/statuses/{id}/unpin", h.handle(h.unpin))
	r.Post("/api/v1/statuses/{id}/mute", h.handle(h.muteConversation))
	r.Post("/api/v1/statuses/{id}/unmute", h.handle(h.unmuteConversation))
	r.Get("/api/v1/bookmarks", h.handle(h.bookmarks))
	r.Get("/api/v1/favourites", h.handle(h.favourites))
}

// POST /api/v1/statuses
func (h *Handler) createStatus(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:statuses")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	d, err := draftOf(v)
	if err != nil {
		return err
	}
	at, later, err := scheduledAt(v, h.now()) // scheduled.go
	if err != nil {
		return err
	}
	post := func(ctx context.Context) (made, error) {
		if later {
			s, err := h.engine.Schedule(ctx, me.ID, d, at, authOf(r).token.AppID)
			return made{scheduled: s}, err
		}
		st, err := h.engine.Post(ctx, me.ID, d)
		return made{status: st}, err
	}
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		// Kept hashed: a key is the client's, and may be a secret of it.
		d.IdempotencyKey = storage.HashSecret(key)
	}
	m, err := post(r.Context())
	if dup := (*federation.DuplicateError)(nil); errors.As(err, &dup) {
		m, err = h.earlier(r.Context(), me, dup.Earlier)
	}
	if errors.Is(err, storage.ErrNotFound) && d.InReplyTo != 0 {
		err = httperr.New(http.StatusNotFound, "The post you are trying to reply to does not appear to exist.")
	}
	switch {
	case err != nil:
		return err
	case m.scheduled.ID != 0:
		h.json(w, scheduledEntity(m.scheduled))
		return nil
	}
	return h.writeStatus(w, r, me, m.status)
}

// made is what POST /api/v1/statuses made: a status, or a scheduled one.
type made struct {
	status    storage.Status
	scheduled storage.ScheduledStatus
}

// draftOf reads the form of POST /api/v1/statuses.
func draftOf(v url.Values) (federation.Draft, error) {
	media, _, err := mediaIDsOf(v)
	if err != nil {
		return federation.Draft{}, err
	}
	poll, err := pollDraftOf(v) // polls.go
	if err != nil {
		return federation.Draft{}, err
	}
	text := v.Get("status")
	if strings.TrimSpace(text) == "" && len(media) == 0 { // a post may be media alone
		return federation.Draft{}, unprocessable("Validation failed: Text can't be blank")
	}
	d := federation.Draft{
		Text:        text,
		SpoilerText: v.Get("spoiler_text"),
		Visibility:  activitypub.Visibility(v.Get("visibility")),
		Language:    v.Get("language"),
		MediaIDs:    media,
		Poll:        poll,
	}
	// As in Mastodon, a content warning makes a post sensitive.
	d.Sensitive = boolParam(v, "sensitive", false) || d.SpoilerText != ""
	if s := v.Get("in_reply_to_id"); s != "" {
		id, err := storage.ParseID(s)
		if err != nil {
			return federation.Draft{}, httperr.New(http.StatusNotFound, "The post you are trying to reply to does not appear to exist.")
		}
		d.InReplyTo = id
	}
	return d, nil
}

// mediaIDsOf reads media_ids; given reports whether the form has it at
// all (an edit without it keeps the status's media). An ID that is not a
// number names no upload.
func mediaIDsOf(v url.Values) (ids []storage.ID, given bool, err error) {
	_, a := v["media_ids[]"]
	_, b := v["media_ids"]
	raw := nonEmpty(list(v, "media_ids"))
	ids = make([]storage.ID, 0, len(raw))
	for _, s := range raw {
		id, err := storage.ParseID(s)
		if err != nil {
			return nil, false, unprocessable("Media " + s + " not found or already attached to another post")
		}
		ids = append(ids, id)
	}
	return ids, a || b, nil
}

func hasPoll(v url.Values) bool {
	for k, vs := range v {
		if strings.HasPrefix(k, "poll[") && len(nonEmpty(vs)) > 0 {
			return true
		}
	}
	return false
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, s := range vs {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func unprocessable(msg string) error { return httperr.New(http.StatusUnprocessableEntity, msg) }

// earlier answers a retried request with what the first request with its
// Idempotency-Key made.
func (h *Handler) earlier(ctx context.Context, me storage.Account, first storage.Idempotent) (made, error) {
	if first.ScheduledID != 0 {
		s, err := h.store.ScheduledStatusByID(ctx, me.ID, first.ScheduledID)
		return made{scheduled: s}, err
	}
	st, err := h.store.StatusByID(ctx, first.StatusID)
	return made{status: st}, err
}

// GET /api/v1/statuses/:id
func (h *Handler) getStatus(w http.ResponseWriter, r *http.Request) error {
	viewer, err := optionalCaller(r, "read:statuses")
	if err != nil {
		return err
	}
	st, err := h.visibleStatus(r, viewer)
	var rep *notAStatusError
	if errors.As(err, &rep) {
		// An artefact or glossary term a search found: shown, so an app
		// can open it (repertoire_status.go).
		e, err := h.presenter(viewer).repertoireStatus(r.Context(), rep.item)
		if err != nil {
			return err
		}
		h.json(w, e)
		return nil
	}
	if err != nil {
		return err
	}
	return h.writeStatus(w, r, viewer, st)
}

// maxStatusesByID is how many statuses GET /api/v1/statuses answers at
// once; further IDs are ignored, as Mastodon does.
const maxStatusesByID = 20

// GET /api/v1/statuses?id[]=...: several statuses at once, in the order
// asked, leaving out those that do not exist or the viewer may not see.
func (h *Handler) getStatuses(w http.ResponseWriter, r *http.Request) error {
	viewer, err := optionalCaller(r, "read:statuses")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	var ids []storage.ID
	seen := map[storage.ID]bool{}
	for _, s := range list(v, "id") {
		if id, err := storage.ParseID(s); err == nil && !seen[id] && len(ids) < maxStatusesByID {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	found, err := h.store.StatusesByIDs(r.Context(), ids)
	if err != nil {
		return err
	}
	sts := make([]storage.Status, 0, len(ids))
	for _, id := range ids {
		if st, ok := found[id]; ok {
			sts = append(sts, st)
		}
	}
	sts, err = h.shown(r.Context(), viewer, sts)
	if err != nil {
		return err
	}
	out, err := h.presenter(viewer).statuses(r.Context(), sts)
	if err != nil {
		return err
	}
	h.json(w, out)
	return nil
}

// PUT /api/v1/statuses/:id
func (h *Handler) editStatus(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:statuses")
	if err != nil {
		return err
	}
	st, err := h.ownStatus(r, me)
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	d, err := editDraftOf(v, st)
	if err != nil {
		return err
	}
	edited, err := h.engine.Edit(r.Context(), me.ID, st.ID, d)
	if err != nil {
		return deniedAsNotFound(err)
	}
	return h.writeStatus(w, r, me, edited)
}

// editDraftOf reads the form of PUT /api/v1/statuses/:id. As in
// Mastodon, what the form leaves out stays as it was, and giving a
// content warning makes the status sensitive.
func editDraftOf(v url.Values, st storage.Status) (federation.Draft, error) {
	media, mediaGiven, err := mediaIDsOf(v)
	if err != nil {
		return federation.Draft{}, err
	}
	// An edit keeps the poll a status has (apps send it back unchanged);
	// adding one, or changing it, is not supported yet.
	if hasPoll(v) && st.ObjectType != activitypub.TypeQuestion {
		return federation.Draft{}, unprocessable("polls cannot be added by an edit yet")
	}
	d := federation.Draft{Text: st.SourceText, SpoilerText: st.SpoilerText, Sensitive: st.Sensitive,
		Language: st.Language, Title: st.Title, Visibility: st.Visibility}
	if _, ok := v["status"]; ok {
		d.Text = v.Get("status")
	}
	if _, ok := v["spoiler_text"]; ok {
		d.SpoilerText = v.Get("spoiler_text")
	}
	_, sensitive := v["sensitive"]
	_, spoiler := v["spoiler_text"]
	if sensitive || spoiler {
		d.Sensitive = boolParam(v, "sensitive", false) || d.SpoilerText != ""
	}
	if l := v.Get("language"); l != "" {
		d.Language = l
	}
	if d.MediaEdits, err = mediaAttributesOf(v); err != nil {
		return federation.Draft{}, err
	}
	hasMedia := len(st.Attachments) > 0
	if mediaGiven {
		d.MediaIDs, hasMedia = media, len(media) > 0
	}
	if strings.TrimSpace(d.Text) == "" && !hasMedia {
		return federation.Draft{}, unprocessable("Validation failed: Text can't be blank")
	}
	return d, nil
}

// mediaAttributeKey matches an edit's media_attributes fields, both as
// JSON bodies flatten (media_attributes[0][id]) and as forms send them
// (media_attributes[][id]).
var mediaAttributeKey = regexp.MustCompile(`^media_attributes\[(\d*)\]\[(id|description|focus)\]$`)

// mediaAttributesOf reads the media_attributes of an edit: new
// descriptions and focal points for the post's uploads, by upload ID.
func mediaAttributesOf(v url.Values) (map[storage.ID]federation.MediaEdit, error) {
	type entry struct{ id, description, focus []string }
	entries := map[string]*entry{} // by index; "" holds the []-form lists
	for key, vals := range v {
		m := mediaAttributeKey.FindStringSubmatch(key)
		if m == nil {
			continue
		}
		e := entries[m[1]]
		if e == nil {
			e = &entry{}
			entries[m[1]] = e
		}
		switch m[2] {
		case "id":
			e.id = vals
		case "description":
			e.description = vals
		case "focus":
			e.focus = vals
		}
	}
	if len(entries) == 0 {
		return nil, nil
	}
	out := map[storage.ID]federation.MediaEdit{}
	add := func(id string, description, focus []string, i int) error {
		mid, err := storage.ParseID(id)
		if err != nil {
			return unprocessable("Validation failed: media_attributes has an invalid id")
		}
		var ed federation.MediaEdit
		if i < len(description) {
			ed.Description = &description[i]
		}
		if i < len(focus) && focus[i] != "" {
			f, err := focusParam(focus[i])
			if err != nil {
				return err
			}
			ed.Focus = &f
		}
		out[mid] = ed
		return nil
	}
	for index, e := range entries {
		if len(e.id) == 0 {
			return nil, unprocessable("Validation failed: media_attributes needs an id")
		}
		if index != "" {
			if err := add(e.id[0], e.description, e.focus, 0); err != nil {
				return nil, err
			}
			continue
		}
		// media_attributes[][id]=1&media_attributes[][description]=...:
		// the i-th description belongs to the i-th id.
		for i, id := range e.id {
			if err := add(id, e.description, e.focus, i); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// DELETE /api/v1/statuses/:id
func (h *Handler) deleteStatus(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:statuses")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	var st storage.Status
	if err == nil {
		st, err = h.store.StatusByID(r.Context(), id)
		if errors.Is(err, storage.ErrNotFound) {
			err = h.orRepertoire(r.Context(), me, id, err) // an artefact or term: 422
		}
	}
	if err == nil && st.AccountID != me.ID {
		err = storage.ErrNotFound // Mastodon: "not owned by you" reads as not found
	}
	if err != nil {
		return err
	}
	// Render first: once deleted, the status and its counts are gone.
	// text carries the source, for delete-and-redraft.
	e, err := h.presenter(me).status(r.Context(), st)
	if err != nil {
		return err
	}
	if st.ReblogOfID == 0 {
		text := sourceText(st)
		e.Text = &text
	}
	if _, err := h.engine.DeleteStatus(r.Context(), me.ID, st.ID); err != nil {
		return deniedAsNotFound(err)
	}
	h.json(w, e)
	return nil
}

// sourceText is what the author typed; a status from another server
// keeps no source, so its text stands in.
func sourceText(st storage.Status) string {
	if st.SourceText != "" || st.Local {
		return st.SourceText
	}
	return federation.PlainText(st.Content)
}

// GET /api/v1/statuses/:id/history
func (h *Handler) statusHistory(w http.ResponseWriter, r *http.Request) error {
	viewer, err := optionalCaller(r, "read:statuses")
	if err != nil {
		return err
	}
	st, err := h.visibleStatus(r, viewer)
	if err != nil {
		return err
	}
	edits, err := h.store.StatusEdits(r.Context(), st.ID)
	if err != nil {
		return err
	}
	author, err := h.presenter(viewer).accountByID(r.Context(), st.AccountID)
	if err != nil {
		return err
	}
	// Earlier versions keep no media of their own: every version shows
	// the media the status has now.
	media := []Attachment{}
	for _, a := range st.Attachments {
		media = append(media, attachmentEntity(a))
	}
	version := func(title, content, spoiler string, sensitive bool, at time.Time) StatusEdit {
		return StatusEdit{Content: withTitle(title, content), SpoilerText: spoiler, Sensitive: sensitive,
			CreatedAt: isoTime(at), Account: author, MediaAttachments: media, Emojis: emojiEntities(st.Emojis)}
	}
	out := make([]StatusEdit, 0, len(edits)+1)
	for _, e := range edits {
		out = append(out, version(e.Title, e.Content, e.SpoilerText, e.Sensitive, e.CreatedAt))
	}
	current := st.EditedAt
	if current.IsZero() {
		current = st.CreatedAt
	}
	out = append(out, version(st.Title, st.Content, st.SpoilerText, st.Sensitive, current))
	h.json(w, out)
	return nil
}

// withTitle leads an artefact's content with its title, as the Status
// entity shows it.
func withTitle(title, content string) string {
	if title == "" {
		return content
	}
	return "<p><strong>" + title + "</strong></p>" + content
}

// GET /api/v1/statuses/:id/source
func (h *Handler) statusSource(w http.ResponseWriter, r *http.Request) error {
	a := authOf(r)
	if a.token.ID == 0 {
		return httperr.New(http.StatusUnauthorized, "The access token is invalid")
	}
	if !hasScope(a.scopes, "read:statuses") {
		return httperr.New(http.StatusForbidden, "This action is outside the authorized scopes")
	}
	st, err := h.visibleStatus(r, a.account)
	if err != nil {
		return err
	}
	h.json(w, StatusSource{ID: st.ID.String(), Text: sourceText(st), SpoilerText: st.SpoilerText})
	return nil
}

// GET /api/v1/statuses/:id/context
func (h *Handler) statusContext(w http.ResponseWriter, r *http.Request) error {
	viewer, err := optionalCaller(r, "read:statuses")
	if err != nil {
		return err
	}
	st, err := h.visibleStatus(r, viewer)
	if err != nil {
		return err
	}
	ancestors, descendants, depth := publicAncestors, publicDescendants, publicDepth
	if viewer.ID != 0 {
		ancestors, descendants, depth = memberAncestors, memberDescendants, 0
	}
	ctx := r.Context()
	up, err := h.store.Ancestors(ctx, st.ID, ancestors)
	if err != nil {
		return err
	}
	down, err := h.store.Descendants(ctx, st.ID, descendants, depth)
	if err != nil {
		return err
	}
	if up, err = h.shown(ctx, viewer, up); err != nil {
		return err
	}
	if down, err = h.shown(ctx, viewer, down); err != nil {
		return err
	}
	p := h.presenter(viewer)
	var out Context
	if out.Ancestors, err = p.filteredStatuses(ctx, filterThread, up); err != nil {
		return err
	}
	if out.Descendants, err = p.filteredStatuses(ctx, filterThread, down); err != nil {
		return err
	}
	h.json(w, out)
	return nil
}

// visibleStatus loads the status named in the URL if viewer may see it;
// one it may not see reads as not found. An artefact or glossary term
// the viewer may read is no status: 422 (notAStatusError).
func (h *Handler) visibleStatus(r *http.Request, viewer storage.Account) (storage.Status, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return storage.Status{}, err
	}
	st, err := h.store.StatusByID(r.Context(), id)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Status{}, h.orRepertoire(r.Context(), viewer, id, err)
	}
	if err != nil {
		return storage.Status{}, err
	}
	ok, err := h.engine.CanSee(r.Context(), viewer, st)
	if err != nil {
		return storage.Status{}, err
	}
	if !ok {
		return storage.Status{}, storage.ErrNotFound
	}
	return st, nil
}

// deniedAsNotFound answers the engine's refusal to let a member change a
// status as "not found": Mastodon does not tell a status that is not
// one's own from one that does not exist.
func deniedAsNotFound(err error) error {
	if errors.Is(err, federation.ErrDenied) {
		return storage.ErrNotFound
	}
	return err
}

// ownStatus loads the status named in the URL if it is me's own post (not
// a reblog); anything else reads as not found, as in Mastodon, but an
// artefact or glossary term me may read, which is no status: 422.
func (h *Handler) ownStatus(r *http.Request, me storage.Account) (storage.Status, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return storage.Status{}, err
	}
	st, err := h.store.StatusByID(r.Context(), id)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Status{}, h.orRepertoire(r.Context(), me, id, err)
	}
	if err != nil {
		return storage.Status{}, err
	}
	if st.AccountID != me.ID || st.ReblogOfID != 0 {
		return storage.Status{}, storage.ErrNotFound
	}
	return st, nil
}

// shown keeps the statuses viewer may see, by Engine.CanSee. A status
// that cannot be checked fails the page (500) rather than vanish from it.
func (h *Handler) shown(ctx context.Context, viewer storage.Account, sts []storage.Status) ([]storage.Status, error) {
	out := make([]storage.Status, 0, len(sts))
	for _, st := range sts {
		ok, err := h.engine.CanSee(ctx, viewer, st)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, st)
		}
	}
	return out, nil
}

func (h *Handler) writeStatus(w http.ResponseWriter, r *http.Request, viewer storage.Account, st storage.Status) error {
	e, err := h.presenter(viewer).status(r.Context(), st)
	if err != nil {
		return err
	}
	h.json(w, e)
	return nil
}
