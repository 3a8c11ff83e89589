package activitypub

import (
	"regexp"
	"strings"
)

// Emoji is a custom emoji a post or profile uses: Mastodon's toot:Emoji
// tag, {"type": "Emoji", "name": ":shortcode:", "icon": {"url": ...}}.
type Emoji struct {
	Shortcode string `json:"shortcode"` // without the colons
	URL       string `json:"url"`       // the image
	MediaType string `json:"media_type,omitempty"`
}

// shortcodePattern is what Mastodon accepts as a shortcode.
var shortcodePattern = regexp.MustCompile(`^[a-zA-Z0-9_]{2,}$`)

// maxEmojis bounds how many custom emojis one object may bring.
const maxEmojis = 64

// emojisOf reads the Emoji tags of a decoded "tag" property. go-fed knows
// the type, but not every shape peers send its icon in, so they are read
// from the JSON. Tags with a malformed shortcode or an image that is not
// a ValidURL are skipped, as are repeats of a shortcode.
func emojisOf(raw any) []Emoji {
	var out []Emoji
	seen := map[string]bool{}
	for _, item := range rawList(raw) {
		m, ok := item.(map[string]any)
		if !ok || rawType(m) != "Emoji" {
			continue
		}
		code := strings.TrimSuffix(strings.TrimPrefix(rawString(m["name"]), ":"), ":")
		icon := rawAt(m["icon"], 0)
		url := rawRef(icon["url"])
		if url == "" {
			url = rawRef(m["icon"]) // a bare IRI
		}
		if !shortcodePattern.MatchString(code) || seen[code] || !ValidURL(url) {
			continue
		}
		seen[code] = true
		out = append(out, Emoji{Shortcode: code, URL: url, MediaType: rawString(icon["mediaType"])})
		if len(out) == maxEmojis {
			break
		}
	}
	return out
}
