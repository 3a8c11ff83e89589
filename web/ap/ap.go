// Package ap serves the ActivityPub face of a node: actor documents,
// inboxes, outboxes, follower and following collections, and objects.
//
// Inboxes bound the body, verify the HTTP signature and digest, and hand
// the activity to the engine, which stores it durably before the 202.
// Followers-only and direct objects are served only to signed requests
// from actors allowed to see them.
package ap

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// MaxInboxBody bounds an activity POSTed to an inbox.
const MaxInboxBody = 1 << 20

// ContentType is what ActivityPub documents are served as.
const ContentType = "application/activity+json; charset=utf-8"

// pageSize is the number of items on one collection page.
const pageSize = 20

// Handler serves the ActivityPub endpoints of one node.
type Handler struct {
	engine *federation.Engine
	store  storage.Reader
	urls   federation.URLs
	// AuthorizedFetch requires a signed GET for everything but actor
	// documents (which carry the key needed to check signatures).
	authorizedFetch bool
	now             func() time.Time
	log             *slog.Logger
	// html renders a page for browsers; nil answers 406 to them.
	html http.Handler
}

// Options configures the handler.
type Options struct {
	AuthorizedFetch bool
	Now             func() time.Time
	Log             *slog.Logger
	// HTML serves browsers that ask for an actor or object URL.
	HTML http.Handler
}

// New returns the ActivityPub handler.
func New(engine *federation.Engine, o Options) *Handler {
	return &Handler{engine: engine, store: engine.Reader(), urls: engine.URLs(), authorizedFetch: o.AuthorizedFetch,
		now: o.Now, log: o.Log.With("component", "ap"), html: o.HTML}
}

// Mount adds the routes to r.
func (h *Handler) Mount(r chi.Router) {
	// Federation policy, before any signature work: a request signed on
	// a host the node does not federate with (a delivery, a signed fetch)
	// is refused with 403 on every route here.
	r = r.With(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := h.engine.RefuseSigner(r); err != nil {
				httperr.Write(w, r, h.log, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	r.Post("/inbox", h.inbox)
	r.Route("/users/{username}", func(r chi.Router) {
		r.Get("/", h.actor)
		r.Post("/inbox", h.inbox)
		r.Get("/outbox", h.outbox)
		r.Get("/followers", h.followers)
		r.Get("/following", h.following)
		r.Get("/collections/featured", h.featured)
		r.Get("/moderators", h.moderators)
		r.Get("/glossary", h.glossaryCollection)
		r.Get("/library", h.libraryCollection) // library.go
		r.Get("/statuses/{id}", h.status)
		r.Get("/statuses/{id}/activity", h.statusActivity)
		r.Get("/statuses/{id}/context", h.threadContext)
		r.Get("/statuses/{id}/replies", h.replies)
	})
	r.Get("/emojis/{id}", h.emoji)                   // emojis.go
	r.Get("/proposal-files/{token}", h.proposalFile) // proposal_files.go
	h.mountArtefacts(r)
	h.mountGlossary(r)
	h.mountEvents(r)
}

// WantsActivityPub reports whether a request asks for ActivityPub JSON
// rather than a web page.
func WantsActivityPub(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if mt == "application/activity+json" ||
			mt == "application/ld+json" && (params["profile"] == "" || strings.Contains(params["profile"], "activitystreams")) {
			return true
		}
	}
	return false
}

func (h *Handler) inbox(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxInboxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httperr.Write(w, r, h.log, err)
			return
		}
		httperr.Write(w, r, h.log, httperr.New(http.StatusBadRequest, "could not read body"))
		return
	}
	if name := chi.URLParam(r, "username"); name != "" {
		if _, err := h.store.AccountByUsername(r.Context(), name); err != nil {
			httperr.Write(w, r, h.log, err)
			return
		}
	}
	in, err := h.engine.VerifyInbox(r.Context(), r, body, h.now())
	var inv *federation.InvalidError
	switch {
	case err == nil:
	case errors.Is(err, federation.ErrSkipped):
		w.WriteHeader(http.StatusAccepted)
		return
	case errors.As(err, &inv):
		httperr.Write(w, r, h.log, httperr.New(http.StatusBadRequest, inv.Msg))
		return
	default:
		h.signatureFailed(w, r, err)
		return
	}
	if err := h.engine.ReceiveInbound(r.Context(), in); err != nil {
		if errors.As(err, &inv) {
			err = httperr.New(http.StatusBadRequest, inv.Msg)
		}
		httperr.Write(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// errSignature is the one answer to every signature that does not verify,
// whatever the reason. The reason would tell the sender what answered at
// the keyId it chose ("connection refused", a content type, a 404): a
// probe of any address the node can reach.
var errSignature = httperr.New(http.StatusUnauthorized, "signature verification failed")

// signatureFailed answers errSignature, and logs the reason for the
// operator.
func (h *Handler) signatureFailed(w http.ResponseWriter, r *http.Request, err error) {
	h.log.DebugContext(r.Context(), "signature not verified", "method", r.Method, "path", r.URL.Path, "err", err)
	httperr.Write(w, r, h.log, errSignature)
}

// viewer authenticates a GET by its signature, if it has one. With
// authorized fetch on, an unsigned request is refused; the instance actor
// counts as a signer that sees only public things.
func (h *Handler) viewer(w http.ResponseWriter, r *http.Request, required bool) (storage.Account, bool) {
	if r.Header.Get("Signature") == "" && !strings.HasPrefix(r.Header.Get("Authorization"), "Signature ") {
		if required {
			httperr.Write(w, r, h.log, httperr.New(http.StatusUnauthorized, "request must be signed"))
			return storage.Account{}, false
		}
		return storage.Account{}, true
	}
	_, owner, err := federation.VerifyRequest(r.Context(), r, nil, h.now(), h.engine.PublicKey)
	if err != nil {
		h.signatureFailed(w, r, err)
		return storage.Account{}, false
	}
	a, err := h.store.AccountByURI(r.Context(), owner)
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return storage.Account{}, false
	}
	return a, true
}

// mustSign reports whether, with authorized fetch, a request for a
// document that a browser is sent to a page for must be signed: a
// browser's need not be (it is sent to the page, which applies the rule
// for the reader), anything asking for the document must.
func (h *Handler) mustSign(r *http.Request) bool {
	return h.authorizedFetch && (WantsActivityPub(r) || h.html == nil)
}

func (h *Handler) account(w http.ResponseWriter, r *http.Request) (storage.Account, bool) {
	a, err := h.store.AccountByUsername(r.Context(), chi.URLParam(r, "username"))
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return storage.Account{}, false
	}
	return a, true
}

func (h *Handler) write(w http.ResponseWriter, r *http.Request, body []byte, err error) {
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Vary", "Accept, Signature")
	_, _ = w.Write(body)
}

func (h *Handler) actor(w http.ResponseWriter, r *http.Request) {
	if !WantsActivityPub(r) && h.html != nil {
		h.html.ServeHTTP(w, r)
		return
	}
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	if a.ActorType == activitypub.TypeGroup && a.Local() {
		c, err := h.store.CommunityByAccount(r.Context(), a.ID)
		if err == nil {
			body, err := federation.GroupDocument(a, c, h.urls)
			h.write(w, r, body, err)
			return
		}
		if !errors.Is(err, storage.ErrNotFound) {
			httperr.Write(w, r, h.log, err)
			return
		}
	}
	body, err := activitypub.MarshalActor(federation.ActorOf(a))
	h.write(w, r, body, err)
}

// moderators serves a community's moderators collection (its Group's
// attributedTo and moderators), listed inline: there are few.
func (h *Handler) moderators(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	if _, err := h.store.CommunityByAccount(r.Context(), a.ID); err != nil {
		httperr.Write(w, r, h.log, err) // not a community: 404
		return
	}
	mods, err := h.store.CommunityModerators(r.Context(), a.ID)
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return
	}
	items := []string{}
	for _, m := range mods {
		items = append(items, m.URI)
	}
	body, err := activitypub.MarshalCollection(activitypub.Collection{ID: h.urls.Moderators(a.Username),
		TotalItems: len(items), Items: items})
	h.write(w, r, body, err)
}

// collectionPage reads the page cursor: "?page=true" for the first page,
// "?max_id=N" for later ones.
func pageOf(r *http.Request) (storage.Page, bool) {
	q := r.URL.Query()
	if q.Get("page") == "" && q.Get("max_id") == "" {
		return storage.Page{}, false
	}
	p := storage.Page{Limit: pageSize}
	if id, err := storage.ParseID(q.Get("max_id")); err == nil {
		p.MaxID = id
	}
	return p, true
}

// outbox serves a member's public activities. A suspended member's actor
// is still served (peers may still need its key), but not what they
// posted: their outbox is an empty collection, as their web pages are
// gone and the client API finds no such account.
func (h *Handler) outbox(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	if _, ok := h.viewer(w, r, h.authorizedFetch); !ok {
		return
	}
	suspended := !a.SuspendedAt.IsZero()
	id := h.urls.Outbox(a.Username)
	page, isPage := pageOf(r)
	if !isPage {
		var n int
		var err error
		if !suspended {
			n, err = h.store.CountOutbox(r.Context(), a.ID)
		}
		body, merr := activitypub.MarshalCollection(activitypub.Collection{ID: id, TotalItems: n, First: id + "?page=true"})
		h.write(w, r, body, errors.Join(err, merr))
		return
	}
	var items []storage.Activity
	if !suspended {
		var err error
		if items, err = h.store.Outbox(r.Context(), a.ID, page); err != nil {
			httperr.Write(w, r, h.log, err)
			return
		}
	}
	p := activitypub.CollectionPage{ID: id + "?" + r.URL.RawQuery, PartOf: id}
	for _, it := range items {
		if !json.Valid(it.Body) {
			h.log.ErrorContext(r.Context(), "stored activity is not JSON", "activity_id", it.URI)
			continue
		}
		p.Stored = append(p.Stored, it.Body)
	}
	if len(items) == pageSize {
		p.Next = id + "?max_id=" + items[len(items)-1].ID.String()
	}
	if len(p.Stored) == 0 {
		p.Items = []string{}
	}
	body, err := activitypub.MarshalCollectionPage(p)
	h.write(w, r, body, err)
}

func (h *Handler) followers(w http.ResponseWriter, r *http.Request) {
	h.follows(w, r, h.urls.Followers, h.store.FollowerPage)
}

func (h *Handler) following(w http.ResponseWriter, r *http.Request) {
	h.follows(w, r, h.urls.Following, h.store.FollowingPage)
}

func (h *Handler) follows(w http.ResponseWriter, r *http.Request, iri func(string) string,
	list func(context.Context, storage.ID, storage.Page) ([]storage.ListedAccount, error)) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	viewer, ok := h.viewer(w, r, h.authorizedFetch)
	if !ok {
		return
	}
	id := iri(a.Username)
	// A members-only community's members are for its members (and their
	// nodes) to list; others are told only how many there are.
	listed := true
	if a.ActorType == activitypub.TypeGroup {
		var err error
		if listed, err = h.engine.CanSeeCommunity(r.Context(), viewer, a); err != nil {
			httperr.Write(w, r, h.log, err)
			return
		}
	}
	followers, following, err := h.store.FollowCounts(r.Context(), a.ID)
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return
	}
	total := following
	if strings.HasSuffix(id, "/followers") {
		total = followers
	}
	page, isPage := pageOf(r)
	if !isPage {
		body, err := activitypub.MarshalCollection(activitypub.Collection{ID: id, TotalItems: total, First: id + "?page=true"})
		h.write(w, r, body, err)
		return
	}
	// One page of the newest 80: peers read totalItems, and Mastodon
	// itself lists no more than a page of followers to others.
	page = storage.Page{Limit: 80}
	var rows []storage.ListedAccount
	if listed {
		if rows, err = list(r.Context(), a.ID, page); err != nil {
			httperr.Write(w, r, h.log, err)
			return
		}
		if rows, err = h.engine.VisibleFollows(r.Context(), viewer, rows); err != nil {
			httperr.Write(w, r, h.log, err)
			return
		}
	}
	p := activitypub.CollectionPage{ID: id + "?page=true", PartOf: id, TotalItems: total, Items: []string{}}
	for _, row := range rows {
		p.Items = append(p.Items, row.Account.URI)
	}
	body, err := activitypub.MarshalCollectionPage(p)
	h.write(w, r, body, err)
}

func (h *Handler) featured(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	viewer, ok := h.viewer(w, r, h.authorizedFetch)
	if !ok {
		return
	}
	pinned, err := h.store.PinnedStatuses(r.Context(), a.ID)
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return
	}
	// Pinned followers-only posts stay on the member's own pages; peers
	// are shown the public and unlisted ones, and a community's pinned
	// threads as its other collections show them (collectionItem).
	items := []string{}
	for _, st := range pinned {
		ok, err := h.collectionItem(r, viewer, st)
		if err != nil {
			httperr.Write(w, r, h.log, err)
			return
		}
		if ok {
			items = append(items, st.URI)
		}
	}
	body, err := activitypub.MarshalCollection(activitypub.Collection{ID: h.urls.Featured(a.Username),
		TotalItems: len(items), Items: items})
	h.write(w, r, body, err)
}

func isListed(v activitypub.Visibility) bool {
	return v == activitypub.Public || v == activitypub.Unlisted
}

// visibleStatus loads the status named in the URL if the requester may
// see it; anything else reads as not found, so its existence is not told.
func (h *Handler) visibleStatus(w http.ResponseWriter, r *http.Request) (storage.Status, storage.Account, bool) {
	st, a, _, ok := h.visibleStatusTo(w, r)
	return st, a, ok
}

// visibleStatusTo is visibleStatus, also returning the signer the
// visibility rule judged for (the zero Account: unsigned). A members-only
// community's post is served only to a signer who is a member, or the
// instance actor of a node where a member lives (the rule's Member).
func (h *Handler) visibleStatusTo(w http.ResponseWriter, r *http.Request) (storage.Status, storage.Account, storage.Account, bool) {
	a, ok := h.account(w, r)
	if !ok {
		return storage.Status{}, storage.Account{}, storage.Account{}, false
	}
	id, err := storage.ParseID(chi.URLParam(r, "id"))
	var st storage.Status
	if err == nil {
		st, err = h.store.StatusByID(r.Context(), id)
	}
	if err == nil && (st.AccountID != a.ID || st.ReblogOfID != 0) {
		err = storage.ErrNotFound
	}
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return storage.Status{}, storage.Account{}, storage.Account{}, false
	}
	// An unsigned request for a followers-only or direct status is not
	// told to sign: it reads as not found, like a status that never was.
	viewer, ok := h.viewer(w, r, h.authorizedFetch)
	if !ok {
		return storage.Status{}, storage.Account{}, storage.Account{}, false
	}
	if ok, err := h.engine.CanSee(r.Context(), viewer, st); err != nil || !ok {
		httperr.Write(w, r, h.log, cmp.Or(err, storage.ErrNotFound))
		return storage.Status{}, storage.Account{}, storage.Account{}, false
	}
	return st, a, viewer, true
}

// collectionItem reports whether a collection (a thread's context, a
// post's replies, the pinned posts) served to viewer lists s: a public or
// unlisted post outside communities, or community content the
// visibility rule lets viewer see (a members-only community's posts,
// however they were addressed, to its members and their nodes only).
func (h *Handler) collectionItem(r *http.Request, viewer storage.Account, s storage.Status) (bool, error) {
	if s.ReblogOfID != 0 {
		return false, nil
	}
	if _, err := h.store.CommunityOfStatus(r.Context(), s.ID); errors.Is(err, storage.ErrNotFound) {
		return isListed(s.Visibility), nil
	} else if err != nil {
		return false, err
	}
	return h.engine.CanSee(r.Context(), viewer, s)
}

func (h *Handler) status(w http.ResponseWriter, r *http.Request) {
	if !WantsActivityPub(r) && h.html != nil {
		h.html.ServeHTTP(w, r)
		return
	}
	st, _, ok := h.visibleStatus(w, r)
	if !ok {
		return
	}
	note, err := h.engine.Note(r.Context(), st)
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return
	}
	body, err := activitypub.MarshalNote(note)
	h.write(w, r, body, err)
}

func (h *Handler) statusActivity(w http.ResponseWriter, r *http.Request) {
	st, author, ok := h.visibleStatus(w, r)
	if !ok {
		return
	}
	note, err := h.engine.Note(r.Context(), st)
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return
	}
	body, err := activitypub.MarshalActivity(activitypub.Activity{ID: st.URI + "/activity", Type: activitypub.TypeCreate,
		Actor: author.URI, To: note.To, CC: note.CC, Published: st.CreatedAt,
		Object: activitypub.Object{IRI: st.URI, Type: note.Type, Note: &note}})
	h.write(w, r, body, err)
}

// threadContext serves the context collection (FEP-7888) of a community
// thread that starts with a local status: the thread's posts this node
// knows that the requester may see, the first post first. A
// members-only community's thread is served only to its members and
// their nodes (visibleStatusTo); to anyone else it reads as not found.
func (h *Handler) threadContext(w http.ResponseWriter, r *http.Request) {
	st, _, viewer, ok := h.visibleStatusTo(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	p, err := h.store.CommunityPost(ctx, st.ID)
	if err == nil && p.RootID != st.ID {
		err = storage.ErrNotFound // a reply: its thread's collection is its root's
	}
	var ids []storage.ID
	if err == nil {
		ids, err = h.store.ThreadStatusIDs(ctx, st.ID, 1000)
	}
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return
	}
	items := []string{}
	for _, id := range ids {
		s, err := h.store.StatusByID(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		ok := false
		if err == nil {
			ok, err = h.collectionItem(r, viewer, s)
		}
		if err != nil {
			httperr.Write(w, r, h.log, err)
			return
		}
		if ok {
			items = append(items, s.URI)
		}
	}
	body, err := activitypub.MarshalCollection(activitypub.Collection{ID: federation.ContextURL(st.URI),
		TotalItems: len(items), Items: items})
	h.write(w, r, body, err)
}

// replies serves the replies collection of a local status: the public
// and unlisted direct replies this node knows, and community replies the
// requester may see (collectionItem), listed inline.
func (h *Handler) replies(w http.ResponseWriter, r *http.Request) {
	st, _, viewer, ok := h.visibleStatusTo(w, r)
	if !ok {
		return
	}
	sts, err := h.store.Replies(r.Context(), st.ID)
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return
	}
	items := []string{}
	for i := len(sts) - 1; i >= 0; i-- { // oldest first
		ok, err := h.collectionItem(r, viewer, sts[i])
		if err != nil {
			httperr.Write(w, r, h.log, err)
			return
		}
		if ok {
			items = append(items, sts[i].URI)
		}
	}
	body, err := activitypub.MarshalCollection(activitypub.Collection{ID: federation.RepliesURL(st.URI),
		TotalItems: len(items), Items: items})
	h.write(w, r, body, err)
}
