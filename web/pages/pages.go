// Package pages serves copse's server-rendered HTML: public profiles and
// posts for browsers (the same URLs peers fetch as ActivityPub).
package pages

import (
	"bytes"
	"cmp"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

//go:embed templates/*.html
var files embed.FS

// Handler renders pages from the store.
type Handler struct {
	store   *storage.Store
	engine  *federation.Engine
	urls    federation.URLs
	version string
	log     *slog.Logger
	profile *template.Template
	status  *template.Template
}

// New parses the templates once; a broken template fails at start-up.
func New(engine *federation.Engine, version string, log *slog.Logger) (*Handler, error) {
	h := &Handler{store: engine.Store(), engine: engine, urls: engine.URLs(), version: version, log: log}
	var err error
	if h.profile, err = template.ParseFS(files, "templates/layout.html", "templates/media.html", "templates/profile.html"); err != nil {
		return nil, err
	}
	if h.status, err = template.ParseFS(files, "templates/layout.html", "templates/media.html", "templates/status.html"); err != nil {
		return nil, err
	}
	return h, nil
}

// Mount adds the page routes to r.
func (h *Handler) Mount(r chi.Router) {
	r.Get("/@{username}", h.Profile)
	r.Get("/@{username}/{id}", h.Status)
}

// fieldView is a profile field. Both name and value are stored as HTML
// (a member's text is escaped once when saved, a peer's is sanitised), so
// the template must not escape the name a second time.
type fieldView struct {
	Name  template.HTML
	Value template.HTML
}

type statusView struct {
	Title     string
	Spoiler   string
	Content   template.HTML // sanitised on the way in
	URL       string
	ISO       string
	When      string
	Media     []mediaView
	Sensitive bool // media behind a disclosure
}

// mediaView is an attachment as a page shows it: an image by its
// preview, linking to the full file, with its description as alt text;
// other media as a link.
type mediaView struct {
	URL, Preview, Alt string
	Width, Height     int
	Image             bool
}

type pageView struct {
	Title       string
	Node        string
	Version     string
	ActivityURL string
	Account     storage.Account
	Note        template.HTML
	Fields      []fieldView
	Statuses    []statusView
}

func (h *Handler) view(a storage.Account, title string) pageView {
	v := pageView{Title: title, Node: h.urls.Host(), Version: h.version, ActivityURL: a.URI, Account: a,
		Note: template.HTML(a.Note)}
	if v.Account.DisplayName == "" {
		v.Account.DisplayName = a.Username
	}
	for _, f := range federation.ActorOf(a).Fields {
		v.Fields = append(v.Fields, fieldView{Name: template.HTML(h.engine.Sanitize(f.Name)), Value: template.HTML(f.Value)})
	}
	return v
}

func statusViewOf(st storage.Status) statusView {
	url := st.URL
	if url == "" {
		url = st.URI
	}
	v := statusView{Title: st.Title, Spoiler: st.SpoilerText, Content: template.HTML(st.Content), URL: url,
		ISO: st.CreatedAt.Format(time.RFC3339), When: st.CreatedAt.Format("2 January 2006, 15:04 MST"),
		Sensitive: st.Sensitive && st.SpoilerText == ""}
	for _, a := range st.Attachments {
		m := mediaView{URL: a.URL, Preview: a.PreviewURL, Alt: a.Description, Width: a.PreviewWidth, Height: a.PreviewHeight,
			Image: strings.HasPrefix(a.MediaType, "image/")}
		if m.Preview == "" {
			m.Preview, m.Width, m.Height = a.URL, a.Width, a.Height
		}
		v.Media = append(v.Media, m)
	}
	return v
}

func (h *Handler) account(w http.ResponseWriter, r *http.Request) (storage.Account, bool) {
	a, err := h.store.AccountByUsername(r.Context(), chi.URLParam(r, "username"))
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return storage.Account{}, false
	}
	return a, true
}

// Profile renders a member's public profile and recent public posts.
func (h *Handler) Profile(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	sts, err := h.store.AccountStatuses(r.Context(), a.ID, []activitypub.Visibility{activitypub.Public}, storage.Page{Limit: 20})
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return
	}
	v := h.view(a, v0(a.DisplayName, a.Username))
	for _, st := range sts {
		if st.ReblogOfID == 0 {
			v.Statuses = append(v.Statuses, statusViewOf(st))
		}
	}
	h.render(w, r, h.profile, v)
}

// Status renders one public or unlisted post.
func (h *Handler) Status(w http.ResponseWriter, r *http.Request) {
	a, ok := h.account(w, r)
	if !ok {
		return
	}
	id, err := storage.ParseID(chi.URLParam(r, "id"))
	var st storage.Status
	if err == nil {
		st, err = h.store.StatusByID(r.Context(), id)
	}
	if err == nil && (st.AccountID != a.ID || st.ReblogOfID != 0) {
		err = storage.ErrNotFound
	}
	if err == nil {
		if ok, cerr := h.engine.CanSee(r.Context(), storage.Account{}, st); cerr != nil || !ok {
			err = cmp.Or(cerr, storage.ErrNotFound)
		}
	}
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return
	}
	v := h.view(a, v0(st.Title, "Post by "+v0(a.DisplayName, a.Username)))
	v.ActivityURL = st.URI
	v.Statuses = []statusView{statusViewOf(st)}
	h.render(w, r, h.status, v)
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, t *template.Template, v pageView) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		httperr.Write(w, r, h.log, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Vary", "Accept")
	_, _ = w.Write(buf.Bytes())
}

// Redirect sends a browser from an actor or object IRI to its page.
func (h *Handler) Redirect(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/users/")
	user, rest, _ := strings.Cut(path, "/")
	target := "/@" + user
	if id, ok := strings.CutPrefix(rest, "statuses/"); ok {
		target += "/" + id
	}
	http.Redirect(w, r, target, http.StatusFound)
}

func v0(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
