package pages

import (
	"errors"
	"net/http"
	"strings"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// "Find a community on another server" on /communities: a member types a
// community's handle (wards@council-b.example) or the address of its
// page, and /communities/find looks it up as an app's search does
// (WebFinger, then its actor) and sends the browser to its page here,
// where they join it. Only members signed in may ask: each look-up can
// make this server fetch from another.

type findFields struct{ Handle string }

type findCommunityPage struct {
	repertoireForm
	Fields findFields
}

// FindCommunity serves GET /communities/find (?handle=).
func (h *Handler) FindCommunity(w http.ResponseWriter, r *http.Request) {
	if _, ok := signedIn(w, r, r.URL.RequestURI()); !ok {
		return
	}
	v := findCommunityPage{repertoireForm: h.newForm(storage.Account{}, nil, "Find a community on another server", "/communities/find", "/communities")}
	v.Fields.Handle = strings.TrimSpace(r.URL.Query().Get("handle"))
	if _, asked := r.URL.Query()["handle"]; !asked {
		showForm(h, w, r, http.StatusOK, "find_community", v)
		return
	}
	if v.Fields.Handle == "" {
		v.Form.add("handle", "Enter the community's handle, such as wards@council-b.example")
		showForm(h, w, r, http.StatusUnprocessableEntity, "find_community", v)
		return
	}
	g, err := h.engine.ResolveAccount(r.Context(), v.Fields.Handle)
	var inv *federation.InvalidError
	switch {
	case errors.As(err, &inv):
		v.Form.add("handle", "Enter a handle with the server's name, such as wards@council-b.example, or the address of its page")
	case errors.Is(err, storage.ErrNotFound), err == nil && g.ActorType != activitypub.TypeGroup:
		v.Form.add("handle", "No community was found at "+v.Fields.Handle+": check its handle")
	case err != nil:
		h.log.InfoContext(r.Context(), "find community", "handle", v.Fields.Handle, "err", err)
		v.Form.add("handle", "The server of "+v.Fields.Handle+" did not answer: check the handle, or try again later")
	case !g.SuspendedAt.IsZero():
		v.Form.add("handle", "This server does not show "+v.Fields.Handle+": its moderators have suspended it")
	}
	if v.Form.failed() {
		showForm(h, w, r, http.StatusUnprocessableEntity, "find_community", v)
		return
	}
	http.Redirect(w, r, communityPath(g.Acct()), http.StatusSeeOther)
}
