package pages

import (
	"html"
	"html/template"
	"strings"

	xhtml "golang.org/x/net/html"

	"github.com/copse-dev/copse/activitypub"
)

// Custom emojis on the pages: where a post's or profile's text names one
// of the emojis it carries (its own node's or a peer's), the page shows
// the image, as apps do, with the shortcode as its alternative text.

// emojiText is plain text s, escaped, with its emojis drawn.
func emojiText(s string, emojis []activitypub.Emoji) template.HTML {
	if len(emojis) == 0 {
		return template.HTML(html.EscapeString(s))
	}
	var b strings.Builder
	writeEmojiText(&b, s, emojiURLs(emojis))
	return template.HTML(b.String())
}

// emojiHTML is s, HTML sanitised on the way in, with its emojis drawn in
// its text (not in attributes, nor in code).
func emojiHTML(s string, emojis []activitypub.Emoji) template.HTML {
	urls := emojiURLs(emojis)
	if len(urls) == 0 || !strings.Contains(s, ":") {
		return template.HTML(s)
	}
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(s))
	code := 0 // depth inside <code> and <pre>
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return template.HTML(b.String()) // the end: s is whole in memory
		case xhtml.TextToken:
			if code == 0 {
				writeEmojiText(&b, string(z.Text()), urls)
				continue
			}
		case xhtml.StartTagToken:
			if name, _ := z.TagName(); string(name) == "code" || string(name) == "pre" {
				code++
			}
		case xhtml.EndTagToken:
			if name, _ := z.TagName(); (string(name) == "code" || string(name) == "pre") && code > 0 {
				code--
			}
		}
		b.Write(z.Raw())
	}
}

// emojiURLs maps the shortcodes of emojis to their images.
func emojiURLs(emojis []activitypub.Emoji) map[string]string {
	urls := make(map[string]string, len(emojis))
	for _, em := range emojis {
		urls[em.Shortcode] = em.URL
	}
	return urls
}

// writeEmojiText writes text, escaped, with each shortcode in urls drawn
// as its image.
func writeEmojiText(b *strings.Builder, text string, urls map[string]string) {
	last := 0
	activitypub.EachShortcode(text, func(code string, start, end int) bool {
		url, ok := urls[code]
		if !ok {
			return true
		}
		b.WriteString(html.EscapeString(text[last:start]))
		name := html.EscapeString(text[start:end])
		b.WriteString(`<img class="emoji" src="` + html.EscapeString(url) + `" alt="` + name + `" title="` + name + `" width="20" height="20">`)
		last = end
		return true
	})
	b.WriteString(html.EscapeString(text[last:]))
}
