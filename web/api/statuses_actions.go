package api

import (
	"context"
	"net/http"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// How many accounts reblogged_by and favourited_by list, and how many
// statuses bookmarks and favourites list.
const (
	accountPageDefault = 40
	accountPageMax     = 80
	statusListDefault  = 20
	statusListMax      = 40
)

// POST /api/v1/statuses/:id/favourite
func (h *Handler) favourite(w http.ResponseWriter, r *http.Request) error {
	return h.interact(w, r, "write:favourites", func(ctx context.Context, me storage.Account, st storage.Status) error {
		return h.engine.Favourite(ctx, me.ID, st.ID)
	})
}

// POST /api/v1/statuses/:id/unfavourite
func (h *Handler) unfavourite(w http.ResponseWriter, r *http.Request) error {
	return h.interact(w, r, "write:favourites", func(ctx context.Context, me storage.Account, st storage.Status) error {
		return h.engine.Unfavourite(ctx, me.ID, st.ID)
	})
}

// POST /api/v1/statuses/:id/bookmark
func (h *Handler) bookmark(w http.ResponseWriter, r *http.Request) error {
	return h.interact(w, r, "write:bookmarks", func(ctx context.Context, me storage.Account, st storage.Status) error {
		return h.engine.Bookmark(ctx, me.ID, boosted(st))
	})
}

// POST /api/v1/statuses/:id/unbookmark
func (h *Handler) unbookmark(w http.ResponseWriter, r *http.Request) error {
	return h.interact(w, r, "write:bookmarks", func(ctx context.Context, me storage.Account, st storage.Status) error {
		return h.engine.Unbookmark(ctx, me.ID, boosted(st))
	})
}

// POST /api/v1/statuses/:id/mute
func (h *Handler) muteConversation(w http.ResponseWriter, r *http.Request) error {
	return h.interact(w, r, "write:mutes", func(ctx context.Context, me storage.Account, st storage.Status) error {
		return h.engine.MuteConversation(ctx, me.ID, boosted(st))
	})
}

// POST /api/v1/statuses/:id/unmute
func (h *Handler) unmuteConversation(w http.ResponseWriter, r *http.Request) error {
	return h.interact(w, r, "write:mutes", func(ctx context.Context, me storage.Account, st storage.Status) error {
		return h.engine.UnmuteConversation(ctx, me.ID, boosted(st))
	})
}

// POST /api/v1/statuses/:id/pin
func (h *Handler) pin(w http.ResponseWriter, r *http.Request) error {
	return h.interact(w, r, "write:accounts", func(ctx context.Context, me storage.Account, st storage.Status) error {
		return h.engine.Pin(ctx, me.ID, st.ID)
	})
}

// POST /api/v1/statuses/:id/unpin
func (h *Handler) unpin(w http.ResponseWriter, r *http.Request) error {
	return h.interact(w, r, "write:accounts", func(ctx context.Context, me storage.Account, st storage.Status) error {
		return h.engine.Unpin(ctx, me.ID, st.ID)
	})
}

// interact runs do on the status named in the URL, which the member must
// be able to see, and answers with the status as it now is.
func (h *Handler) interact(w http.ResponseWriter, r *http.Request, scope string,
	do func(ctx context.Context, me storage.Account, st storage.Status) error) error {
	me, err := Caller(r, scope)
	if err != nil {
		return err
	}
	st, err := h.visibleStatus(r, me)
	if err != nil {
		return err
	}
	if err := do(r.Context(), me, st); err != nil {
		return err
	}
	return h.writeStatus(w, r, me, st)
}

// boosted is the status a reblog boosts, or the status itself: likes,
// bookmarks and mutes apply to the original.
func boosted(st storage.Status) storage.ID {
	if st.ReblogOfID != 0 {
		return st.ReblogOfID
	}
	return st.ID
}

// POST /api/v1/statuses/:id/reblog answers with the reblog, which wraps
// the status it boosts.
func (h *Handler) reblog(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:statuses")
	if err != nil {
		return err
	}
	st, err := h.visibleStatus(r, me)
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	rb, err := h.engine.Reblog(r.Context(), me.ID, boosted(st), activitypub.Visibility(v.Get("visibility")))
	if err != nil {
		return err
	}
	return h.writeStatus(w, r, me, rb)
}

// POST /api/v1/statuses/:id/unreblog answers with the status that was
// boosted.
func (h *Handler) unreblog(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:statuses")
	if err != nil {
		return err
	}
	st, err := h.visibleStatus(r, me)
	if err != nil {
		return err
	}
	if err := h.engine.Unreblog(r.Context(), me.ID, boosted(st)); err != nil {
		return err
	}
	orig, err := h.store.StatusByID(r.Context(), boosted(st))
	if err != nil {
		return err
	}
	return h.writeStatus(w, r, me, orig)
}

// GET /api/v1/statuses/:id/reblogged_by
func (h *Handler) rebloggedBy(w http.ResponseWriter, r *http.Request) error {
	return h.interactionAccounts(w, r, h.store.RebloggedBy)
}

// GET /api/v1/statuses/:id/favourited_by
func (h *Handler) favouritedBy(w http.ResponseWriter, r *http.Request) error {
	return h.interactionAccounts(w, r, h.store.FavouritedBy)
}

func (h *Handler) interactionAccounts(w http.ResponseWriter, r *http.Request,
	load func(ctx context.Context, status, viewer storage.ID, p storage.Page) ([]storage.ListedAccount, error)) error {
	viewer, err := optionalCaller(r, "read:statuses")
	if err != nil {
		return err
	}
	st, err := h.visibleStatus(r, viewer)
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	rows, err := load(r.Context(), boosted(st), viewer.ID, page(v, accountPageDefault, accountPageMax))
	if err != nil {
		return err
	}
	p := h.presenter(viewer)
	out := make([]Account, 0, len(rows))
	for _, row := range rows {
		e, err := p.account(r.Context(), row.Account)
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	if len(rows) > 0 {
		h.setLink(w, r, rows[0].RowID, rows[len(rows)-1].RowID)
	}
	h.json(w, out)
	return nil
}

// GET /api/v1/bookmarks
func (h *Handler) bookmarks(w http.ResponseWriter, r *http.Request) error {
	return h.statusList(w, r, "read:bookmarks", h.store.Bookmarks)
}

// GET /api/v1/favourites
func (h *Handler) favourites(w http.ResponseWriter, r *http.Request) error {
	return h.statusList(w, r, "read:favourites", h.store.Favourites)
}

// statusList answers with one of a member's own lists of statuses, paged
// by the IDs of its rows (when each was bookmarked or liked).
func (h *Handler) statusList(w http.ResponseWriter, r *http.Request, scope string,
	load func(ctx context.Context, account storage.ID, p storage.Page) ([]storage.ListedStatus, error)) error {
	me, err := Caller(r, scope)
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	rows, err := load(r.Context(), me.ID, page(v, statusListDefault, statusListMax))
	if err != nil {
		return err
	}
	sts := make([]storage.Status, 0, len(rows))
	for _, row := range rows {
		sts = append(sts, row.Status)
	}
	sts, err = h.shown(r.Context(), me, sts)
	if err != nil {
		return err
	}
	out, err := h.presenter(me).statuses(r.Context(), sts)
	if err != nil {
		return err
	}
	if len(rows) > 0 {
		// The page's bounds are its rows, shown or not, so no row is
		// skipped or repeated on the next page.
		h.setLink(w, r, rows[0].RowID, rows[len(rows)-1].RowID)
	}
	h.json(w, out)
	return nil
}
