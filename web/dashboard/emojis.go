package dashboard

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Custom emojis (admins): the images apps draw for :shortcode: in the
// posts and profiles of members here (federation.AddCustomEmoji), added
// and removed here as on the command line.

func (d *Dashboard) mountEmojis(r chi.Router) {
	a := federation.ActManageEmojis
	r.Get("/admin/emojis", d.page(a, d.emojisPage))
	r.Post("/admin/emojis", d.page(a, d.addEmoji))
	r.Post("/admin/emojis/{id}/change", d.page(a, d.changeEmoji))
	r.Post("/admin/emojis/{id}/delete", d.page(a, byID(dropResult(d.engine.RemoveCustomEmoji), "/admin/emojis", "removed")))
}

var emojiNotices = map[string]string{
	"added":   "The emoji is added: members' apps offer it, and draw it where its shortcode stands.",
	"changed": "The emoji is changed: apps show the change when they next read the list.",
	"removed": "The emoji is removed. Posts that used it keep its image.",
}

type emojiRow struct {
	ID, Shortcode, Category, URL, By, Added string
	Shown                                   bool
}

type emojisView struct {
	frame
	Emojis []emojiRow
	Side   int
}

// emojisPage lists the node's emojis with the form to add one: GET
// /admin/emojis.
func (d *Dashboard) emojisPage(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	all, err := d.store.CustomEmojis(r.Context())
	if err != nil {
		return err
	}
	ids := make([]storage.ID, 0, len(all))
	for _, c := range all {
		ids = append(ids, c.CreatedBy)
	}
	names, err := d.names(r, ids...)
	if err != nil {
		return err
	}
	v := &emojisView{frame: frame{Title: "Custom emojis", Notice: noticeOf(r, emojiNotices)}, Side: federation.EmojiSide}
	for _, c := range all {
		v.Emojis = append(v.Emojis, emojiRow{ID: c.ID.String(), Shortcode: c.Shortcode, Category: c.Category,
			URL: d.engine.Emoji(c).URL, By: nameOr(names, c.CreatedBy, "the command line"), Added: when(c.CreatedAt),
			Shown: c.VisibleInPicker})
	}
	return d.render(w, r, http.StatusOK, "emojis", v)
}

// changeEmoji takes an emoji's change form: POST /admin/emojis/{id}/change,
// its category and whether pickers leave it out.
func (d *Dashboard) changeEmoji(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	category, hidden := r.PostFormValue("category"), r.PostFormValue("hidden") != ""
	if _, err := d.engine.ChangeCustomEmoji(r.Context(), me.ID, id, federation.EmojiChange{Category: &category, Hidden: &hidden}); err != nil {
		return err
	}
	return done(w, r, "/admin/emojis", "changed")
}

// addEmoji takes the form: POST /admin/emojis (multipart, the image in
// "image", or its address in "image_url" to copy another server's).
func (d *Dashboard) addEmoji(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	n := federation.NewEmoji{Shortcode: r.PostFormValue("shortcode"), Category: r.PostFormValue("category"),
		Hidden: r.PostFormValue("hidden") != ""}
	f, _, err := r.FormFile("image")
	if err == nil {
		defer f.Close()
		_, err = d.engine.AddCustomEmoji(r.Context(), me.ID, n, f)
	} else if address := strings.TrimSpace(r.PostFormValue("image_url")); address != "" {
		_, err = d.engine.CopyCustomEmoji(r.Context(), me.ID, n, address)
	} else {
		return httperr.New(http.StatusUnprocessableEntity, "Choose an image for the emoji, or give the address of one")
	}
	if err != nil {
		return err
	}
	return done(w, r, "/admin/emojis", "added")
}
