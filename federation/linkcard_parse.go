package federation

import (
	"bytes"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/copse-dev/copse/storage"
)

// How much of what a page says a card keeps, in characters.
const (
	maxCardTitle       = 200
	maxCardDescription = 400
	maxCardName        = 100
)

// parseCard reads the card of the page at pageURL from the start of its
// HTML: its OpenGraph properties (og:title, og:description, og:site_name,
// og:locale, article:published_time), falling back on Twitter's and on
// the page's own <title>, description, author and lang. It reads the
// head only, stopping at <body>. image is the address of the page's
// image (og:image, or Twitter's), absolute, http or https; "" for none.
// ok is false when the page gives no title: there is no card to show.
func parseCard(page []byte, pageURL *url.URL) (card storage.PreviewCard, image string, ok bool) {
	meta := map[string]string{}
	var title, lang string
	z := html.NewTokenizer(bytes.NewReader(page))
	inTitle := false
read:
	for {
		switch z.Next() {
		case html.ErrorToken:
			break read
		case html.TextToken:
			if inTitle && title == "" {
				title = string(z.Text())
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if atom.Lookup(name) == atom.Title {
				inTitle = false
			} else if atom.Lookup(name) == atom.Head {
				break read
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch atom.Lookup(name) {
			case atom.Body:
				break read
			case atom.Title:
				inTitle = true
			case atom.Html:
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "lang" {
						lang = string(v)
					}
				}
			case atom.Meta:
				var key, content string
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					switch string(k) {
					case "property", "name":
						if key == "" {
							key = strings.ToLower(strings.TrimSpace(string(v)))
						}
					case "content":
						content = string(v)
					}
				}
				if _, seen := meta[key]; key != "" && !seen {
					meta[key] = content
				}
			}
		}
	}
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := cardText(meta[k], 1<<10); v != "" {
				return v
			}
		}
		return ""
	}
	card = storage.PreviewCard{URL: pageURL.String(),
		Title:        clip(cmpOr(first("og:title", "twitter:title"), cardText(title, 1<<10)), maxCardTitle),
		Description:  clip(first("og:description", "twitter:description", "description"), maxCardDescription),
		ProviderName: clip(first("og:site_name"), maxCardName),
		ProviderURL:  pageURL.Scheme + "://" + pageURL.Host,
		Language:     languageOf(cmpOr(lang, meta["og:locale"])),
	}
	if a := first("author", "article:author"); a != "" && !strings.Contains(a, "://") {
		card.AuthorName = clip(a, maxCardName)
	}
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(meta["article:published_time"])); err == nil {
		card.PublishedAt = t.UTC()
	}
	for _, k := range []string{"og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src"} {
		ref, err := url.Parse(strings.TrimSpace(meta[k]))
		if err != nil || meta[k] == "" {
			continue
		}
		if u := pageURL.ResolveReference(ref); (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
			image = u.String()
			break
		}
	}
	return card, image, card.Title != ""
}

// cardText is s as a card shows it: valid UTF-8, without control
// characters, its runs of space made one, at most max bytes read.
func cardText(s string, max int) string {
	if len(s) > max {
		s = s[:max]
	}
	s = strings.ToValidUTF8(s, "")
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

// clip cuts s to at most n characters, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n-1])) + "…"
}

// languageOf is the primary language of a tag ("en-GB", "en_GB": "en"),
// "" when it is not one.
func languageOf(tag string) string {
	l, _, _ := strings.Cut(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"), "-")
	l = strings.ToLower(l)
	if len(l) < 2 || len(l) > 3 || strings.IndexFunc(l, func(r rune) bool { return r < 'a' || r > 'z' }) >= 0 {
		return ""
	}
	return l
}

// cardLink is the link a status's card previews: the first link in its
// HTML content to a web page elsewhere, not a mention or a hashtag (by
// their class or rel, as Mastodon and copse mark them) and not this
// node's own (host self). "" when there is none.
func cardLink(content, self string) string {
	z := html.NewTokenizer(strings.NewReader(content))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken:
			name, hasAttr := z.TagName()
			if atom.Lookup(name) != atom.A {
				continue
			}
			var href string
			skip := false
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "href":
					href = string(v)
				case "class", "rel":
					for _, w := range strings.Fields(strings.ToLower(string(v))) {
						switch w {
						case "mention", "hashtag", "tag", "u-url", "h-card":
							skip = true
						}
					}
				}
			}
			if skip {
				continue
			}
			u, err := url.Parse(href)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.EqualFold(u.Host, self) || u.User != nil {
				continue
			}
			u.Fragment, u.RawFragment = "", ""
			return u.String()
		}
	}
}
