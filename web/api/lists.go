package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// List is Mastodon's List entity.
type List struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	RepliesPolicy string `json:"replies_policy"`
	Exclusive     bool   `json:"exclusive"`
}

// A list's members page 40 at a time, 80 at most; limit=0 gives them
// all, as in Mastodon.
const (
	listAccountsDefault = 40
	listAccountsMax     = 80
)

func (h *Handler) mountLists(r chi.Router) {
	r.Get("/api/v1/lists", h.handle(h.lists))
	r.Post("/api/v1/lists", h.handle(h.createList))
	r.Get("/api/v1/lists/{id}", h.handle(h.getList))
	r.Put("/api/v1/lists/{id}", h.handle(h.updateList))
	r.Delete("/api/v1/lists/{id}", h.handle(h.deleteList))
	r.Get("/api/v1/lists/{id}/accounts", h.handle(h.listAccounts))
	r.Post("/api/v1/lists/{id}/accounts", h.handle(h.addToList))
	r.Delete("/api/v1/lists/{id}/accounts", h.handle(h.removeFromList))
	r.Get("/api/v1/timelines/list/{id}", h.handle(h.listTimeline))
}

func listEntity(l storage.List) List {
	return List{ID: l.ID.String(), Title: l.Title, RepliesPolicy: l.RepliesPolicy, Exclusive: l.Exclusive}
}

func listEntities(ls []storage.List) []List {
	out := make([]List, 0, len(ls))
	for _, l := range ls {
		out = append(out, listEntity(l))
	}
	return out
}

// myList loads the viewer's list named in the URL; another member's
// list is not found.
func (h *Handler) myList(r *http.Request, me storage.Account) (storage.List, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return storage.List{}, err
	}
	return h.store.ListByID(r.Context(), me.ID, id)
}

// GET /api/v1/lists
func (h *Handler) lists(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:lists")
	if err != nil {
		return err
	}
	ls, err := h.store.Lists(r.Context(), me.ID)
	if err != nil {
		return err
	}
	h.json(w, listEntities(ls))
	return nil
}

// GET /api/v1/lists/:id
func (h *Handler) getList(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:lists")
	if err != nil {
		return err
	}
	l, err := h.myList(r, me)
	if err != nil {
		return err
	}
	h.json(w, listEntity(l))
	return nil
}

// POST /api/v1/lists
func (h *Handler) createList(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:lists")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	l, err := h.engine.CreateList(r.Context(), me.ID, federation.ListParams{Title: v.Get("title"),
		RepliesPolicy: v.Get("replies_policy"), Exclusive: boolParam(v, "exclusive", false)})
	if err != nil {
		return err
	}
	h.json(w, listEntity(l))
	return nil
}

// PUT /api/v1/lists/:id: what the form leaves out stays as it was.
func (h *Handler) updateList(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:lists")
	if err != nil {
		return err
	}
	l, err := h.myList(r, me)
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	p := federation.ListParams{Title: l.Title, RepliesPolicy: l.RepliesPolicy, Exclusive: boolParam(v, "exclusive", l.Exclusive)}
	if t := optString(v, "title"); t != nil {
		p.Title = *t
	}
	if rp := v.Get("replies_policy"); rp != "" {
		p.RepliesPolicy = rp
	}
	if l, err = h.engine.UpdateList(r.Context(), me.ID, l.ID, p); err != nil {
		return err
	}
	h.json(w, listEntity(l))
	return nil
}

// DELETE /api/v1/lists/:id
func (h *Handler) deleteList(w http.ResponseWriter, r *http.Request) error {
	return h.byID(w, r, "write:lists", h.engine.DeleteList)
}

// GET /api/v1/lists/:id/accounts
func (h *Handler) listAccounts(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:lists")
	if err != nil {
		return err
	}
	l, err := h.myList(r, me)
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	p := page(v, listAccountsDefault, listAccountsMax)
	if n, err := strconv.Atoi(v.Get("limit")); err == nil && n == 0 {
		p.Limit = -1
	}
	members, err := h.store.ListAccountPage(r.Context(), l.ID, p)
	if err != nil {
		return err
	}
	pr := h.presenter(me)
	out := make([]Account, 0, len(members))
	for _, m := range members {
		e, err := pr.account(r.Context(), m.Account)
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	if len(members) > 0 && p.Limit > 0 {
		h.setLink(w, r, members[0].RowID, members[len(members)-1].RowID)
	}
	h.json(w, out)
	return nil
}

// accountIDs reads account_ids[]; an ID that is not a number names no
// account.
func accountIDs(v url.Values) ([]storage.ID, error) {
	var ids []storage.ID
	for _, s := range nonEmpty(list(v, "account_ids")) {
		id, err := storage.ParseID(s)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// POST /api/v1/lists/:id/accounts: only accounts the member follows may
// be added (422 otherwise, and none is added).
func (h *Handler) addToList(w http.ResponseWriter, r *http.Request) error {
	return h.changeList(w, r, h.engine.AddToList)
}

// DELETE /api/v1/lists/:id/accounts
func (h *Handler) removeFromList(w http.ResponseWriter, r *http.Request) error {
	return h.changeList(w, r, h.engine.RemoveFromList)
}

func (h *Handler) changeList(w http.ResponseWriter, r *http.Request,
	change func(ctx context.Context, owner, list storage.ID, accounts []storage.ID) error) error {
	me, err := Caller(r, "write:lists")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	ids, err := accountIDs(v)
	if err == nil {
		err = change(r.Context(), me.ID, id, ids)
	}
	if err != nil {
		return err
	}
	h.json(w, struct{}{})
	return nil
}

// GET /api/v1/timelines/list/:id: the statuses of the list's members the
// owner may see, under the list's replies policy; filtered as the home
// timeline is.
func (h *Handler) listTimeline(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "read:lists")
	if err != nil {
		return err
	}
	l, err := h.myList(r, me)
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	sts, err := h.store.ListTimeline(r.Context(), l, page(v, timelineDefault, timelineMax))
	if err != nil {
		return err
	}
	if sts, err = h.shown(r.Context(), me, sts); err != nil {
		return err
	}
	return h.writeTimeline(w, r, me, sts, filterHome)
}

// listsWithAccount answers GET /api/v1/accounts/:id/lists: the viewer's
// lists that have the account in them.
func (h *Handler) listsWithAccount(w http.ResponseWriter, r *http.Request, me, a storage.Account) error {
	ls, err := h.store.ListsWithAccount(r.Context(), me.ID, a.ID)
	if err != nil {
		return err
	}
	h.json(w, listEntities(ls))
	return nil
}

// streamShows decides what matches cannot without the database: a list
// stream carries what its list shows (a member's status, under the
// replies policy; a list that is not the viewer's carries nothing), and
// the user stream leaves out accounts in the viewer's exclusive lists,
// as the home timeline does.
func (h *Handler) streamShows(ctx context.Context, viewer storage.Account, s subscription, ev federation.Event) bool {
	if ev.Kind != federation.EventUpdate && ev.Kind != federation.EventStatusUpdate {
		return true
	}
	switch s.stream {
	case "list":
		id, err := storage.ParseID(s.list)
		if err != nil {
			return false
		}
		shows, err := h.store.ListShows(ctx, viewer.ID, id, ev.StatusID)
		return err == nil && shows
	case "user":
		hidden, err := h.store.InExclusiveList(ctx, viewer.ID, ev.StatusID)
		return err == nil && !hidden
	}
	return true
}
