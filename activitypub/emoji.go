package activitypub

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Emoji is a custom emoji a post or profile uses: Mastodon's toot:Emoji
// tag, {"type": "Emoji", "name": ":shortcode:", "icon": {"url": ...}}.
type Emoji struct {
	Shortcode string `json:"shortcode"` // without the colons
	URL       string `json:"url"`       // the image
	MediaType string `json:"media_type,omitempty"`
	// ID is the emoji's own address, which Mastodon keeps to know an
	// emoji again; Updated tells it when to fetch the image anew. Either
	// may be missing from a peer's.
	ID      string    `json:"id,omitempty"`
	Updated time.Time `json:"updated,omitzero"`
}

// emojiTags are the "tag" entries of emojis, in Mastodon's shape.
func emojiTags(emojis []Emoji) []any {
	out := make([]any, 0, len(emojis))
	for _, em := range emojis {
		out = append(out, emojiMap(em))
	}
	return out
}

func emojiMap(em Emoji) map[string]any {
	icon := map[string]any{"type": "Image", "url": em.URL}
	if em.MediaType != "" {
		icon["mediaType"] = em.MediaType
	}
	m := map[string]any{"type": "Emoji", "name": ":" + em.Shortcode + ":", "icon": icon}
	if em.ID != "" {
		m["id"] = em.ID
	}
	if !em.Updated.IsZero() {
		m["updated"] = em.Updated.UTC().Format(time.RFC3339)
	}
	return m
}

// MarshalEmoji is the document served at an emoji's ID, as Mastodon
// serves one.
func MarshalEmoji(em Emoji) ([]byte, error) {
	m := emojiMap(em)
	m["@context"] = outContext
	return json.Marshal(m)
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
		em := Emoji{Shortcode: code, URL: url, MediaType: rawString(icon["mediaType"]), Updated: rawTime(m["updated"])}
		if id := rawRef(m["id"]); ValidURL(id) {
			em.ID = id
		}
		out = append(out, em)
		if len(out) == maxEmojis {
			break
		}
	}
	return out
}

// EachShortcode calls f with each :shortcode: of s that stands alone, as
// Mastodon reads them, and its place (s[start:end] is it, colons and
// all), in order, until f returns false. The colon before it follows no
// letter, digit or colon, and the one after it is followed by none, so
// "10:30:45" and "a:bc:d" hold none; a shortcode is 2 to 64 letters,
// digits or underscores.
func EachShortcode(s string, f func(code string, start, end int) bool) {
	for i := 0; i < len(s); i++ {
		if s[i] != ':' || nextToShortcode(s[:i], true) {
			continue
		}
		j := i + 1
		for j < len(s) && (s[j] == '_' || 'a' <= s[j] && s[j] <= 'z' || 'A' <= s[j] && s[j] <= 'Z' || '0' <= s[j] && s[j] <= '9') {
			j++
		}
		if j == len(s) || s[j] != ':' || j-i-1 < 2 || j-i-1 > MaxShortcode || nextToShortcode(s[j+1:], false) {
			continue
		}
		if !f(s[i+1:j], i, j+1) {
			return
		}
		i = j // the closing colon cannot open another
	}
}

// MaxShortcode is the longest shortcode read in text.
const MaxShortcode = 64

// nextToShortcode reports whether the character next to a colon, the
// last of s (before) or the first (after), keeps the colon from opening or
// closing a shortcode: a letter, a digit or another colon.
func nextToShortcode(s string, before bool) bool {
	var r rune
	if before {
		r, _ = utf8.DecodeLastRuneInString(s)
	} else {
		r, _ = utf8.DecodeRuneInString(s)
	}
	return r == ':' || unicode.IsLetter(r) || unicode.IsDigit(r)
}
