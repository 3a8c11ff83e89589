package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Streams a client may subscribe to, as Mastodon names them.
var streamScopes = map[string]string{
	"user":              "read:statuses",
	"user:notification": "read:notifications",
	"public":            "",
	"public:local":      "",
	"public:remote":     "",
	"public:media":      "",
	"hashtag":           "",
	"hashtag:local":     "",
	"list":              "read:lists",
	"direct":            "read:statuses",
}

// pingInterval keeps proxies from closing an idle stream.
const pingInterval = 30 * time.Second

func (h *Handler) mountStreaming(r chi.Router) {
	r.Get("/api/v1/streaming/health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("OK"))
	})
	open := newGate(maxStreamsOpen)
	r.Get("/api/v1/streaming", h.handle(func(w http.ResponseWriter, r *http.Request) error {
		return h.streamWebSocket(w, r, open)
	}))
	r.Get("/api/v1/streaming/*", h.handle(func(w http.ResponseWriter, r *http.Request) error {
		return h.streamSSE(w, r, open)
	}))
}

// maxStreamsOpen bounds the streams one member (or, for streams nobody
// signed in to, one address) keeps open at once: an app opens one to
// three, and each open stream is handed every event the node publishes.
const maxStreamsOpen = 16

// openStream counts a stream of a's (or r's address's) as open, and
// returns what closes it; an error answers 429 when a has
// maxStreamsOpen open already.
func openStream(open *gate, a auth, r *http.Request) (func(), error) {
	key := budgetKey(a.account.ID, r)
	if !open.enter(key) {
		return nil, httperr.New(http.StatusTooManyRequests,
			fmt.Sprintf("Too many streams open: at most %d at once", maxStreamsOpen))
	}
	return func() { open.leave(key) }, nil
}

// subscription is one stream a client listens to.
type subscription struct {
	stream string
	tag    string // hashtag streams
	list   string // list stream
}

func (s subscription) names() []string {
	switch {
	case s.tag != "":
		return []string{s.stream, s.tag}
	case s.list != "":
		return []string{s.stream, s.list}
	}
	return []string{s.stream}
}

// streamMessage is one event on the wire.
type streamMessage struct {
	Stream  []string `json:"stream"`
	Event   string   `json:"event"`
	Payload string   `json:"payload"`
}

// streamToken finds the access token of a streaming request: the query,
// the Authorization header, or (masto.js) the WebSocket subprotocol.
func streamToken(r *http.Request) string {
	if t := r.URL.Query().Get("access_token"); t != "" {
		return t
	}
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return t
	}
	return strings.TrimSpace(r.Header.Get("Sec-WebSocket-Protocol"))
}

// streamAuth authenticates a streaming request itself, since the token may
// arrive in the subprotocol header the middleware does not read.
func (h *Handler) streamAuth(r *http.Request) (auth, error) {
	a := authOf(r)
	if a.token.ID != 0 {
		return a, nil
	}
	tok := streamToken(r)
	if tok == "" {
		return auth{}, nil
	}
	t, err := h.store.TokenByAccess(r.Context(), storage.HashSecret(tok))
	if err != nil {
		return auth{}, fmt.Errorf("invalid access token")
	}
	a = auth{token: t, scopes: t.Scopes}
	if t.AccountID != 0 {
		if a.account, err = h.store.AccountByID(r.Context(), t.AccountID); err != nil {
			return auth{}, fmt.Errorf("invalid access token")
		}
	}
	return a, nil
}

// Bounds on one connection's subscriptions: each is a check, and for a
// list a query, on every event the node publishes.
const (
	maxStreamSubscriptions = 64
	maxStreamTag           = 128 // runes: the longest hashtag kept
)

// subscription makes the subscription a client asks for, checked against
// the token: a tag only for a hashtag stream (lowercased, without "#"),
// a list only for the list stream, which must be one of the viewer's
// lists. Every stream of the node is made here.
func (h *Handler) subscription(ctx context.Context, a auth, stream, tag, list string) (subscription, error) {
	scope, ok := streamScopes[stream]
	if !ok {
		return subscription{}, fmt.Errorf("unknown stream type %q", stream)
	}
	s := subscription{stream: stream}
	switch stream {
	case "hashtag", "hashtag:local":
		s.tag = strings.ToLower(strings.TrimPrefix(tag, "#"))
		if s.tag == "" {
			return subscription{}, fmt.Errorf("hashtag streams need a tag")
		}
		if utf8.RuneCountInString(s.tag) > maxStreamTag {
			return subscription{}, fmt.Errorf("a tag is at most %d characters", maxStreamTag)
		}
	case "list":
		s.list = list
	}
	if scope == "" {
		return s, nil
	}
	if a.account.ID == 0 {
		return subscription{}, fmt.Errorf("stream %q needs an access token", stream)
	}
	if !hasScope(a.scopes, scope) {
		return subscription{}, fmt.Errorf("stream %q is outside the token's scopes", stream)
	}
	if stream == "list" {
		id, err := storage.ParseID(list)
		if err == nil {
			_, err = h.store.ListByID(ctx, a.account.ID, id)
		}
		if err != nil {
			return subscription{}, fmt.Errorf("no list %q of yours", list)
		}
	}
	return s, nil
}

func (h *Handler) streamWebSocket(w http.ResponseWriter, r *http.Request, open *gate) error {
	a, err := h.streamAuth(r)
	if err != nil {
		return errUnauthorized(err.Error())
	}
	q := r.URL.Query()
	var subs []subscription
	if s := q.Get("stream"); s != "" {
		sub, err := h.subscription(r.Context(), a, s, q.Get("tag"), q.Get("list"))
		if err != nil {
			return errUnauthorized(err.Error())
		}
		subs = append(subs, sub)
	}
	closed, err := openStream(open, a, r)
	if err != nil {
		return err
	}
	defer closed()
	opts := &websocket.AcceptOptions{InsecureSkipVerify: true} // apps on any origin; auth is the token
	if p := r.Header.Get("Sec-WebSocket-Protocol"); p != "" {
		opts.Subprotocols = []string{strings.TrimSpace(p)}
	}
	// Subscribe before the handshake completes, so nothing committed after
	// the client sees the connection open is missed.
	events := h.engine.Subscribe()
	defer events.Close()
	conn, err := websocket.Accept(w, r, opts)
	if err != nil {
		return nil // Accept has answered the client
	}
	defer conn.CloseNow()
	// A stream lives until the client leaves (MountStreaming puts it out
	// of reach of the request deadline).
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()

	control := make(chan streamControl, 8)
	go func() {
		defer cancel()
		for {
			var msg streamControl
			_, data, err := conn.Read(ctx)
			if err != nil {
				return
			}
			if json.Unmarshal(data, &msg) == nil {
				select {
				case control <- msg:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	send := func(m streamMessage) error {
		b, _ := json.Marshal(m)
		wctx, c := context.WithTimeout(ctx, 10*time.Second)
		defer c()
		return conn.Write(wctx, websocket.MessageText, b)
	}
	h.pump(ctx, events, a, subs, control, send, func() error {
		pctx, c := context.WithTimeout(ctx, 10*time.Second)
		defer c()
		return conn.Ping(pctx)
	})
	conn.Close(websocket.StatusNormalClosure, "")
	return nil
}

// streamControl is a client's subscribe or unsubscribe message.
type streamControl struct {
	Type   string `json:"type"`
	Stream string `json:"stream"`
	Tag    string `json:"tag"`
	List   string `json:"list"`
}

// streamSSE serves /api/v1/streaming/{user,public,hashtag,...} as
// server-sent events, for clients that do not use WebSockets.
func (h *Handler) streamSSE(w http.ResponseWriter, r *http.Request, open *gate) error {
	a, err := h.streamAuth(r)
	if err != nil {
		return errUnauthorized(err.Error())
	}
	path := strings.Trim(chi.URLParam(r, "*"), "/")
	stream := strings.ReplaceAll(path, "/", ":")
	q := r.URL.Query()
	sub, err := h.subscription(r.Context(), a, stream, q.Get("tag"), q.Get("list"))
	if err != nil {
		return errUnauthorized(err.Error())
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		return fmt.Errorf("streaming unsupported by the connection")
	}
	closed, err := openStream(open, a, r)
	if err != nil {
		return err
	}
	defer closed()
	events := h.engine.Subscribe()
	defer events.Close()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	ctx := context.WithoutCancel(r.Context())
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { <-r.Context().Done(); cancel() }()
	send := func(m streamMessage) error {
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", m.Event, m.Payload); err != nil {
			return err
		}
		flusher.Flush()
		return nil
	}
	h.pump(ctx, events, a, []subscription{sub}, nil, send, func() error {
		if _, err := fmt.Fprint(w, ":thump\n\n"); err != nil {
			return err
		}
		flusher.Flush()
		return nil
	})
	return nil
}

// pump sends the events the subscriptions select until ctx ends or a
// write fails.
func (h *Handler) pump(ctx context.Context, events *federation.Subscription, a auth, subs []subscription,
	control <-chan streamControl, send func(streamMessage) error, ping func() error) {
	ticker := time.NewTicker(pingInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if ping() != nil {
				return
			}
		case c := <-control:
			asked := subscription{stream: c.Stream, tag: strings.ToLower(strings.TrimPrefix(c.Tag, "#")), list: c.List}
			refuse := func(status int, err error) {
				b, _ := json.Marshal(map[string]string{"error": err.Error(), "status": strconv.Itoa(status)})
				_ = send(streamMessage{Stream: asked.names(), Event: "error", Payload: string(b)})
			}
			switch c.Type {
			case "subscribe":
				sub, err := h.subscription(ctx, a, c.Stream, c.Tag, c.List)
				switch {
				case err != nil:
					refuse(http.StatusUnauthorized, err)
				case slices.Contains(subs, sub):
				case len(subs) >= maxStreamSubscriptions:
					refuse(http.StatusUnprocessableEntity, fmt.Errorf("a connection holds at most %d subscriptions", maxStreamSubscriptions))
				default:
					subs = append(subs, sub)
				}
			case "unsubscribe":
				subs = slices.DeleteFunc(subs, func(s subscription) bool {
					return s.stream == asked.stream && (s.tag == "" || s.tag == asked.tag) && (s.list == "" || s.list == asked.list)
				})
			}
		case ev, ok := <-events.C:
			if !ok {
				return
			}
			for _, m := range h.messagesFor(ctx, a.account, subs, ev) {
				if send(m) != nil {
					return
				}
			}
		}
	}
}

// matches reports whether an event belongs on a subscription's stream.
func matches(s subscription, viewer storage.Account, ev federation.Event) bool {
	mine := viewer.ID != 0 && slices.Contains(ev.Home, viewer.ID)
	switch ev.Kind {
	case federation.EventNotification:
		return mine && (s.stream == "user" || s.stream == "user:notification")
	case federation.EventDelete:
		return s.stream != "user:notification"
	case federation.EventAnnouncement, federation.EventAnnouncementDelete, federation.EventAnnouncementReaction:
		return viewer.ID != 0 && s.stream == "user" // every member's
	}
	switch s.stream {
	case "user":
		return mine
	case "public", "public:media":
		return ev.Public
	case "public:local":
		return ev.Public && ev.Local
	case "public:remote":
		return ev.Public && !ev.Local
	case "hashtag":
		return ev.Public && slices.Contains(ev.Tags, s.tag)
	case "hashtag:local":
		return ev.Public && ev.Local && slices.Contains(ev.Tags, s.tag)
	case "list":
		return mine // and in the list: streamShows
	case "direct":
		return viewer.ID != 0 && slices.Contains(ev.Direct, viewer.ID)
	}
	return false
}

// messagesFor renders an event for one viewer on each subscription it
// matches, checking again that the viewer may see the status, that the
// timeline the stream follows would show it (shownOnStream), and
// applying the viewer's filters for what the stream shows.
func (h *Handler) messagesFor(ctx context.Context, viewer storage.Account, subs []subscription, ev federation.Event) []streamMessage {
	var out []streamMessage
	payloads := map[string]string{} // by filter context; "" when not shown
	var shown, asked bool           // shownOnStream, asked once per event
	for _, s := range subs {
		if !matches(s, viewer, ev) || !h.streamShows(ctx, viewer, s, ev) {
			continue
		}
		if statusStream(s, ev) {
			if !asked {
				shown, asked = h.shownOnStream(ctx, viewer, ev), true
			}
			if !shown {
				continue
			}
		}
		if s.stream == "direct" && ev.Kind == federation.EventUpdate {
			if m, ok := h.conversationMessage(ctx, viewer, s, ev); ok {
				out = append(out, m)
			}
			continue
		}
		fctx := streamFilterContext(s.stream, ev.Kind)
		payload, done := payloads[fctx]
		if !done {
			var err error
			payload, err = h.streamPayload(ctx, viewer, ev, fctx)
			if err != nil && !errors.Is(err, storage.ErrNotFound) && ctx.Err() == nil {
				// A stream cannot answer 500: what cannot be checked is
				// not sent, and the log says why.
				h.log.ErrorContext(ctx, "stream: payload", "status_id", ev.StatusID, "err", err)
				payload = ""
			}
			payloads[fctx] = payload
		}
		if payload != "" {
			out = append(out, streamMessage{Stream: s.names(), Event: ev.Kind, Payload: payload})
		}
	}
	return out
}

// statusStream reports whether s carries ev as a status of a timeline:
// the public, hashtag, home and list streams. Notifications have their
// own rule (notificationPayload), deletes reveal nothing, and the direct
// stream shows conversations, which a mute does not hide.
func statusStream(s subscription, ev federation.Event) bool {
	if ev.Kind != federation.EventUpdate && ev.Kind != federation.EventStatusUpdate {
		return false
	}
	return s.stream != "direct" && s.stream != "user:notification"
}

// shownOnStream reports whether the viewer's timelines show the event's
// status: storage.Store.StatusShown, activitypub.Listed as the public
// and hashtag timelines apply it in their query (mutes and domain blocks
// included). A status gone meanwhile, or an error,
// shows nothing: a stream has no way to report it but the log.
func (h *Handler) shownOnStream(ctx context.Context, viewer storage.Account, ev federation.Event) bool {
	shown, err := h.store.StatusShown(ctx, viewer.ID, ev.StatusID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) && ctx.Err() == nil {
		h.log.ErrorContext(ctx, "stream: status shown", "status_id", ev.StatusID, "err", err)
	}
	return err == nil && shown
}

func (h *Handler) streamPayload(ctx context.Context, viewer storage.Account, ev federation.Event, filterContext string) (string, error) {
	switch ev.Kind {
	case federation.EventDelete:
		return ev.StatusID.String(), nil
	case federation.EventNotification:
		return h.notificationPayload(ctx, viewer, ev.NotificationID)
	case federation.EventAnnouncement, federation.EventAnnouncementDelete, federation.EventAnnouncementReaction:
		return h.announcementPayload(ctx, viewer, ev)
	}
	st, err := h.store.StatusByID(ctx, ev.StatusID)
	if err != nil {
		return "", err
	}
	// Engine.CanSee also judges the status a boost boosts.
	if ok, err := h.engine.CanSee(ctx, viewer, st); err != nil || !ok {
		return "", err
	}
	shown, err := h.presenter(viewer).filteredStatuses(ctx, filterContext, []storage.Status{st})
	if err != nil || len(shown) == 0 {
		return "", err
	}
	b, err := json.Marshal(shown[0])
	return string(b), err
}

func errUnauthorized(msg string) error { return httperr.New(http.StatusUnauthorized, msg) }

// notificationPayload renders one of viewer's notifications, unless it
// comes from an account the viewer mutes.
func (h *Handler) notificationPayload(ctx context.Context, viewer storage.Account, id storage.ID) (string, error) {
	n, err := h.store.NotificationByID(ctx, viewer.ID, id)
	if err != nil {
		return "", err
	}
	muted, err := h.store.MutedIDs(ctx, viewer.ID)
	if err != nil || slices.Contains(muted, n.FromAccountID) {
		return "", err
	}
	p := h.presenter(viewer)
	e, err := p.notification(ctx, n)
	if err != nil {
		return "", err
	}
	shown, err := p.filteredNotifications(ctx, []Notification{e})
	if err != nil || len(shown) == 0 {
		return "", err
	}
	b, err := json.Marshal(shown[0])
	return string(b), err
}
