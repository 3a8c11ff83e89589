// Package wellknown serves discovery: WebFinger, host-meta and NodeInfo.
package wellknown

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// Handler serves the well-known endpoints of one node.
type Handler struct {
	store   storage.Reader
	urls    federation.URLs
	version string
	open    bool // registrations open
	now     func() time.Time
	log     *slog.Logger
	// refuseSigner, when set, refuses a WebFinger request signed on a
	// host the node does not federate with (federation.Engine.RefuseSigner).
	refuseSigner func(*http.Request) error
}

// RefuseSigners makes WebFinger answer 403 to a request signed on a host
// the federation policy refuses (refuse is federation.Engine.RefuseSigner).
// An unsigned WebFinger request names no sender, so it is answered
// whatever the policy; and a resource on another host is never answered.
func (h *Handler) RefuseSigners(refuse func(*http.Request) error) *Handler {
	h.refuseSigner = refuse
	return h
}

// New returns the discovery handler.
func New(store storage.Reader, urls federation.URLs, version string, now func() time.Time, log *slog.Logger) *Handler {
	return &Handler{store: store, urls: urls, version: version, now: now, log: log}
}

// Mount adds the routes to r.
func (h *Handler) Mount(r chi.Router) {
	r.Get("/.well-known/webfinger", h.webFinger)
	r.Get("/.well-known/host-meta", h.hostMeta)
	r.Get("/.well-known/host-meta.json", h.hostMetaJSON)
	r.Get("/.well-known/nodeinfo", h.nodeInfoIndex)
	r.Get("/nodeinfo/{version:2\\.[01]}", h.nodeInfo)
}

type jrdLink struct {
	Rel      string `json:"rel"`
	Type     string `json:"type,omitempty"`
	Href     string `json:"href,omitempty"`
	Template string `json:"template,omitempty"`
}

type jrd struct {
	Subject string    `json:"subject"`
	Aliases []string  `json:"aliases,omitempty"`
	Links   []jrdLink `json:"links"`
}

func (h *Handler) webFinger(w http.ResponseWriter, r *http.Request) {
	if h.refuseSigner != nil {
		if err := h.refuseSigner(r); err != nil {
			httperr.Write(w, r, h.log, err)
			return
		}
	}
	resource := r.URL.Query().Get("resource")
	username, err := h.usernameOf(resource)
	if err != nil {
		httperr.Write(w, r, h.log, httperr.New(http.StatusBadRequest, err.Error()))
		return
	}
	a, err := h.store.AccountByUsername(r.Context(), username)
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return
	}
	doc := jrd{
		Subject: "acct:" + a.Username + "@" + h.urls.Host(),
		Aliases: []string{a.URI, a.URL},
		Links: []jrdLink{
			{Rel: "self", Type: "application/activity+json", Href: a.URI},
			{Rel: "http://webfinger.net/rel/profile-page", Type: "text/html", Href: a.URL},
		},
	}
	if a.URL == "" {
		doc.Aliases = doc.Aliases[:1]
		doc.Links = doc.Links[:1]
	}
	w.Header().Set("Content-Type", "application/jrd+json; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "max-age=3600, public")
	_ = json.NewEncoder(w).Encode(doc)
}

var errResource = errors.New("resource must be acct:user@host or an actor URL of this node")

// usernameOf reads a WebFinger resource: acct:user@host (this host), or
// the URL of a local actor or profile.
func (h *Handler) usernameOf(resource string) (string, error) {
	if resource == "" {
		return "", errors.New("resource is required")
	}
	if strings.HasPrefix(resource, "http://") || strings.HasPrefix(resource, "https://") {
		if name, ok := h.urls.LocalUsername(resource); ok {
			return name, nil
		}
		if rest, ok := strings.CutPrefix(resource, h.urls.Base+"/@"); ok && rest != "" && !strings.Contains(rest, "/") {
			return rest, nil
		}
		return "", errResource
	}
	acct := strings.TrimPrefix(strings.TrimPrefix(resource, "acct:"), "@")
	user, host, ok := strings.Cut(acct, "@")
	if !ok || user == "" || host == "" || strings.ContainsAny(acct, "/?# ") {
		return "", errResource
	}
	if !strings.EqualFold(host, h.urls.Host()) {
		// Not ours: a valid question with no answer here.
		return user + "@" + host, nil
	}
	return user, nil
}

type xrd struct {
	XMLName xml.Name `xml:"XRD"`
	XMLNS   string   `xml:"xmlns,attr"`
	Links   []xrdLink
}

type xrdLink struct {
	XMLName  xml.Name `xml:"Link"`
	Rel      string   `xml:"rel,attr"`
	Type     string   `xml:"type,attr,omitempty"`
	Template string   `xml:"template,attr"`
}

func (h *Handler) template() string {
	return h.urls.Base + "/.well-known/webfinger?resource={uri}"
}

func (h *Handler) hostMeta(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/xrd+xml; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(xrd{XMLNS: "http://docs.oasis-open.org/ns/xri/xrd-1.0",
		Links: []xrdLink{{Rel: "lrdd", Type: "application/jrd+json", Template: h.template()}}})
}

func (h *Handler) hostMetaJSON(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	httperr.JSON(w, http.StatusOK, map[string]any{
		"links": []jrdLink{{Rel: "lrdd", Type: "application/jrd+json", Template: h.template()}},
	})
}

func (h *Handler) nodeInfoIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	httperr.JSON(w, http.StatusOK, map[string]any{"links": []jrdLink{
		{Rel: "http://nodeinfo.diaspora.software/ns/schema/2.0", Href: h.urls.Base + "/nodeinfo/2.0"},
		{Rel: "http://nodeinfo.diaspora.software/ns/schema/2.1", Href: h.urls.Base + "/nodeinfo/2.1"},
	}})
}

func (h *Handler) nodeInfo(w http.ResponseWriter, r *http.Request) {
	version := chi.URLParam(r, "version")
	u, err := h.store.Usage(r.Context(), h.now())
	if err != nil {
		httperr.Write(w, r, h.log, err)
		return
	}
	software := map[string]any{"name": "copse", "version": h.version}
	if version == "2.1" {
		software["repository"] = "https://github.com/copse-dev/copse"
	}
	w.Header().Set("Content-Type", `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/`+url.PathEscape(version)+`#"`)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"version":           version,
		"software":          software,
		"protocols":         []string{"activitypub"},
		"services":          map[string]any{"inbound": []string{}, "outbound": []string{}},
		"openRegistrations": h.open,
		"usage": map[string]any{
			"users":      map[string]int{"total": u.Users, "activeMonth": u.ActiveMonth, "activeHalfyear": u.ActiveHalfyear},
			"localPosts": u.LocalPosts,
		},
		"metadata": map[string]any{"nodeName": h.urls.Host()},
	})
}
