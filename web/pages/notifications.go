package pages

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/copse-dev/copse/storage"
)

// A member's notifications on the pages, for those who use copse without
// an app: /notifications lists them newest first, each in one line as its
// mail's subject says it (Engine.NotificationLine), with the post it is
// about and a link to what it concerns. Opening the first page marks them
// read, as an app does (the notifications marker), so they are not also
// mailed.

type notificationsPage struct {
	pageView
	Notifications []notificationView
	Older         string
}

type notificationView struct {
	ID, Line, When, ISO string
	Link, LinkText      string
	Post                *statusView
}

// Notifications serves GET /notifications to the member signed in.
func (h *Handler) Notifications(w http.ResponseWriter, r *http.Request) {
	if err := h.notifications(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) notifications(w http.ResponseWriter, r *http.Request) error {
	me, ok := signedIn(w, r, r.URL.RequestURI())
	if !ok {
		return nil
	}
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	ns, err := h.store.NotificationPage(ctx, me.ID, storage.NotificationFilter{}, p)
	if err != nil {
		return fmt.Errorf("notifications of %s: %w", me.Acct(), err)
	}
	v := notificationsPage{pageView: h.view("Notifications")}
	v.NoIndex = true
	var posts []storage.Status // the posts they are about, rendered in one go
	postOf := map[int]storage.ID{}
	for _, n := range ns {
		line, st, ok, err := h.engine.NotificationLine(ctx, n)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		nv := notificationView{ID: n.ID.String(), Line: line, When: n.CreatedAt.UTC().Format("2 January 2006, 15:04 MST"),
			ISO: n.CreatedAt.Format(time.RFC3339)}
		if st != nil {
			postOf[len(v.Notifications)] = st.ID
			posts = append(posts, *st)
		}
		if nv.Link, nv.LinkText, err = h.notificationLink(r, n); err != nil {
			return err
		}
		v.Notifications = append(v.Notifications, nv)
	}
	views, err := h.listed(r, posts)
	if err != nil {
		return err
	}
	byID := make(map[string]*statusView, len(views))
	for i := range views {
		byID[views[i].ID] = &views[i]
	}
	for i, id := range postOf {
		v.Notifications[i].Post = byID[id.String()]
	}
	if len(ns) == p.Limit {
		v.Older = "/notifications?" + url.Values{"max_id": {ns[len(ns)-1].ID.String()}}.Encode()
	}
	if p.MaxID == 0 && len(ns) > 0 {
		if _, err := h.engine.SaveMarkers(ctx, me.ID, map[string]storage.ID{"notifications": ns[0].ID}); err != nil {
			return err
		}
	}
	return h.render(w, r, http.StatusOK, "notifications", &v)
}

// notificationLink is where a notification leads besides its post: the
// community, join requests, event or profile it concerns ("" for none).
func (h *Handler) notificationLink(r *http.Request, n storage.Notification) (string, string, error) {
	ctx := r.Context()
	switch n.Type {
	case storage.NotifyJoinRequest, storage.NotifyJoinAccepted, storage.NotifyJoinRefused:
		g, err := h.store.AccountByID(ctx, n.CommunityID)
		if err != nil {
			return "", "", ignoreGone(err)
		}
		if n.Type == storage.NotifyJoinRequest {
			return communityPath(g.Acct()) + "/join-requests", "See the requests to join", nil
		}
		return communityPath(g.Acct()), "Go to " + cmp.Or(g.DisplayName, g.Username), nil
	case storage.NotifyEventReminder:
		ev, err := h.store.CommunityEventByID(ctx, n.EventID)
		if err != nil {
			return "", "", ignoreGone(err)
		}
		g, err := h.store.AccountByID(ctx, ev.CommunityID)
		if err != nil {
			return "", "", ignoreGone(err)
		}
		return eventPath(g.Acct(), ev.ID), "Go to the event", nil
	case storage.NotifyFollow, storage.NotifyFollowRequest:
		a, err := h.store.AccountByID(ctx, n.FromAccountID)
		if err != nil {
			return "", "", ignoreGone(err)
		}
		return cmp.Or(a.URL, a.URI), "Their profile", nil
	}
	return "", "", nil
}

// ignoreGone is nil for storage.ErrNotFound (what a notification links
// to went: no link), else err.
func ignoreGone(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	return err
}
