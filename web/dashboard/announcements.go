package dashboard

import (
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Announcements (admins): what the node tells every member in their apps
// (federation.PublishAnnouncement), published and taken down here as on
// the command line.

func (d *Dashboard) mountAnnouncements(r chi.Router) {
	a := federation.ActManageAnnouncements
	r.Get("/admin/announcements", d.page(a, d.announcementsPage))
	r.Post("/admin/announcements", d.page(a, d.publishAnnouncement))
	r.Post("/admin/announcements/{id}/delete", d.page(a, byID(d.engine.DeleteAnnouncement, "/admin/announcements", "deleted")))
}

var announcementNotices = map[string]string{
	"published": "The announcement is published: members see it in their apps.",
	"deleted":   "The announcement has been taken down.",
}

type announcementRow struct {
	ID, Text, By, Published, Ends string
	Shown                         bool
}

type announcementsView struct {
	frame
	Announcements []announcementRow
}

// announcementsPage lists every announcement, ended ones too, with the
// form to publish one: GET /admin/announcements.
func (d *Dashboard) announcementsPage(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	all, err := d.store.AllAnnouncements(r.Context())
	if err != nil {
		return err
	}
	ids := make([]storage.ID, 0, len(all))
	for _, a := range all {
		ids = append(ids, a.CreatedBy)
	}
	names, err := d.names(r, ids...)
	if err != nil {
		return err
	}
	v := &announcementsView{frame: frame{Title: "Announcements", Notice: noticeOf(r, announcementNotices)}}
	now := d.store.Now()
	for _, a := range all {
		v.Announcements = append(v.Announcements, announcementRow{ID: a.ID.String(), Text: a.Text,
			By: nameOr(names, a.CreatedBy, "the command line"), Published: when(a.PublishedAt), Ends: when(a.EndsAt),
			Shown: a.EndsAt.IsZero() || a.EndsAt.After(now)})
	}
	return d.render(w, r, http.StatusOK, "announcements", v)
}

// announcementTimeLayout is how the form's date and time fields read:
// an <input type="datetime-local"> sends it, and a person types it.
const announcementTimeLayout = "2006-01-02T15:04"

// publishAnnouncement takes the form: POST /admin/announcements. Its
// times are UTC, as the form says.
func (d *Dashboard) publishAnnouncement(w http.ResponseWriter, r *http.Request, me storage.Account) error {
	na := federation.NewAnnouncement{Text: r.PostFormValue("text")}
	for _, f := range []struct {
		field, label string
		to           *time.Time
	}{{"starts_at", "start", &na.StartsAt}, {"ends_at", "end", &na.EndsAt}} {
		s := strings.TrimSpace(r.PostFormValue(f.field))
		if s == "" {
			continue
		}
		t, err := time.Parse(announcementTimeLayout, s)
		if err != nil {
			return httperr.New(http.StatusUnprocessableEntity, "Enter the "+f.label+" as a date and time, like 2026-12-12T22:00")
		}
		*f.to = t
	}
	if _, err := d.engine.PublishAnnouncement(r.Context(), me.ID, na); err != nil {
		return err
	}
	return done(w, r, "/admin/announcements", "published")
}
