package api

import (
	"html"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// mastodonVersion is the Mastodon API level copse speaks; apps read the
// version string to decide which features to offer.
const mastodonVersion = "4.2.0"

// Limits the apps read from the instance configuration.
const (
	maxMediaAttachments = 4
	imageSizeLimit      = 16 << 20
	imageMatrixLimit    = 33177600 // 7680x4320
)

var supportedMedia = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}

func (h *Handler) mountInstance(r chi.Router) {
	r.Get("/api/v1/instance", h.handle(h.instanceV1))
	r.Get("/api/v2/instance", h.handle(h.instanceV2))
	r.Get("/api/v1/instance/peers", h.handle(h.peers))
	r.Get("/api/v1/instance/activity", h.handle(h.emptyList))
	r.Get("/api/v1/instance/rules", h.handle(h.instanceRules))
	r.Get("/api/v1/instance/extended_description", h.handle(h.extendedDescription))
	r.Get("/api/v1/preferences", h.handle(h.preferences))
	r.Get("/api/v1/custom_emojis", h.handle(h.customEmojis))
}

// customEmojis lists the node's custom emojis for the apps' pickers;
// anyone may read it, as on Mastodon.
func (h *Handler) customEmojis(w http.ResponseWriter, r *http.Request) error {
	all, err := h.engine.CustomEmojis(r.Context())
	if err != nil {
		return err
	}
	out := make([]CustomEmoji, 0, len(all))
	for _, c := range all {
		em := h.engine.Emoji(c)
		entity := CustomEmoji{Shortcode: em.Shortcode, URL: em.URL, StaticURL: em.URL, VisibleInPicker: c.VisibleInPicker}
		if c.Category != "" {
			entity.Category = &c.Category
		}
		out = append(out, entity)
	}
	h.json(w, out)
	return nil
}

// emptyList answers the endpoints copse has no data for with a
// well-formed empty list, never a 404 that apps would show as an error.
func (h *Handler) emptyList(w http.ResponseWriter, r *http.Request) error {
	h.json(w, []any{})
	return nil
}

func (h *Handler) versionString() string {
	return mastodonVersion + " (compatible; copse " + h.version + ")"
}

func (h *Handler) streamingURL() string {
	return strings.Replace(strings.Replace(h.urls.Base, "https://", "wss://", 1), "http://", "ws://", 1)
}

func (h *Handler) configuration() map[string]any {
	return map[string]any{
		"urls":     map[string]any{"streaming": h.streamingURL()},
		"accounts": map[string]any{"max_featured_tags": 10, "max_pinned_statuses": federation.MaxPinned},
		"statuses": map[string]any{"max_characters": federation.MaxChars, "max_media_attachments": maxMediaAttachments,
			"characters_reserved_per_url": 23},
		"media_attachments": map[string]any{"supported_mime_types": supportedMedia, "image_size_limit": imageSizeLimit,
			"image_matrix_limit": imageMatrixLimit, "video_size_limit": 0, "video_frame_rate_limit": 0, "video_matrix_limit": 0},
		"polls": map[string]any{"max_options": federation.MaxPollOptions, "max_characters_per_option": federation.MaxPollOptionChars,
			"min_expiration": int(federation.MinPollExpiry.Seconds()), "max_expiration": int(federation.MaxPollExpiry.Seconds())},
		"translation": map[string]any{"enabled": false},
	}
}

func (h *Handler) usage(r *http.Request) (storage.Usage, int, error) {
	u, err := h.store.Usage(r.Context(), h.now())
	if err != nil {
		return storage.Usage{}, 0, err
	}
	peers, err := h.engine.Peers(r.Context())
	return u, len(peers), err
}

// staff are the node's moderators and admins, as Account entities, and
// its first admin (nil when it has none): whom the node names as its
// contact.
func (h *Handler) staff(r *http.Request) ([]Account, *Account, error) {
	ctx := r.Context()
	ids, err := h.store.MembersWithRoles(ctx, storage.PermissionModerator, storage.PermissionAdmin)
	if err != nil {
		return nil, nil, err
	}
	admins, err := h.store.MembersWithRoles(ctx, storage.PermissionAdmin)
	if err != nil {
		return nil, nil, err
	}
	p := h.presenter(storage.Account{})
	out := make([]Account, 0, len(ids))
	var admin *Account
	for _, id := range ids {
		a, err := p.accountByID(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, a)
		if admin == nil && len(admins) > 0 && id == admins[0] { // both lists run oldest first
			admin = &out[len(out)-1]
		}
	}
	return out, admin, nil
}

// localPolicy is copse's addition to the instance entity: how the node
// lets people join, whom it federates with, and who moderates it (issue
// 14's transparency), beside what Mastodon's fields already say.
func (h *Handler) localPolicy(moderators []Account) map[string]any {
	return map[string]any{
		"registration_mode": h.engine.Registrations().Mode,
		"federation_mode":   h.engine.Policy().Mode(),
		"moderators":        moderators,
	}
}

// rules are the node's rules as Mastodon's Rule entities.
func (h *Handler) rules() []map[string]string {
	about := h.engine.About()
	out := make([]map[string]string, len(about.Rules))
	for i, text := range about.Rules {
		out[i] = map[string]string{"id": strconv.Itoa(i + 1), "text": text, "hint": ""}
	}
	return out
}

func (h *Handler) instanceRules(w http.ResponseWriter, r *http.Request) error {
	h.json(w, h.rules())
	return nil
}

func (h *Handler) instanceV1(w http.ResponseWriter, r *http.Request) error {
	u, domains, err := h.usage(r)
	if err != nil {
		return err
	}
	staff, contact, err := h.staff(r)
	if err != nil {
		return err
	}
	about := h.engine.About()
	reg := h.registrations()
	h.json(w, map[string]any{
		"uri":               h.urls.Host(),
		"title":             about.Name,
		"short_description": about.Description,
		"description":       about.Description,
		"email":             about.Contact,
		"version":           h.versionString(),
		"urls":              map[string]any{"streaming_api": h.streamingURL()},
		"stats":             map[string]any{"user_count": u.Users, "status_count": u.LocalPosts, "domain_count": domains},
		"thumbnail":         nil,
		"languages":         []string{"en"},
		"registrations":     reg.Enabled,
		"approval_required": reg.ApprovalRequired,
		"invites_enabled":   false, // members cannot invite; admins' invitations work in every mode
		"configuration":     h.configuration(),
		"contact_account":   contact,
		"rules":             h.rules(),
		"copse":             h.localPolicy(staff),
	})
	return nil
}

func (h *Handler) instanceV2(w http.ResponseWriter, r *http.Request) error {
	u, _, err := h.usage(r)
	if err != nil {
		return err
	}
	cfg := h.configuration()
	if cfg["vapid"], err = h.vapid(r); err != nil {
		return err
	}
	staff, contact, err := h.staff(r)
	if err != nil {
		return err
	}
	about := h.engine.About()
	reg := h.registrations()
	h.json(w, map[string]any{
		"domain":        h.urls.Host(),
		"title":         about.Name,
		"version":       h.versionString(),
		"source_url":    "https://github.com/copse-dev/copse",
		"description":   about.Description,
		"usage":         map[string]any{"users": map[string]any{"active_month": u.ActiveMonth}},
		"thumbnail":     map[string]any{"url": h.urls.Base + "/favicon.png"},
		"icon":          []any{},
		"languages":     []string{"en"},
		"configuration": cfg,
		"registrations": map[string]any{"enabled": reg.Enabled, "approval_required": reg.ApprovalRequired,
			"message": reg.Message, "url": reg.URL},
		"api_versions": map[string]any{"mastodon": 1},
		"contact":      map[string]any{"email": about.Contact, "account": contact},
		"rules":        h.rules(),
		"copse":        h.localPolicy(staff),
	})
	return nil
}

func (h *Handler) peers(w http.ResponseWriter, r *http.Request) error {
	peers, err := h.engine.Peers(r.Context())
	if err != nil {
		return err
	}
	h.json(w, peers)
	return nil
}

func (h *Handler) extendedDescription(w http.ResponseWriter, r *http.Request) error {
	h.json(w, map[string]any{"updated_at": nil, "content": "<p>" + html.EscapeString(h.engine.About().Description) + "</p>"})
	return nil
}

func (h *Handler) preferences(w http.ResponseWriter, r *http.Request) error {
	if _, err := Caller(r, "read:accounts"); err != nil {
		return err
	}
	h.json(w, map[string]any{
		"posting:default:visibility": "public",
		"posting:default:sensitive":  false,
		"posting:default:language":   nil,
		"reading:expand:media":       "default",
		"reading:expand:spoilers":    false,
	})
	return nil
}
