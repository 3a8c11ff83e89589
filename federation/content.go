package federation

import (
	"html"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// newSanitizer allows the HTML Mastodon and its peers send in posts and
// profiles, and nothing that runs or restyles the page.
func newSanitizer() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "span", "strong", "em", "b", "i", "u", "del", "s", "code", "pre",
		"blockquote", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "sub", "sup")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^[\w\- ]*$`)).OnElements("a", "span")
	p.AllowAttrs("start", "reversed").OnElements("ol")
	p.AllowAttrs("value").OnElements("li")
	p.AllowURLSchemes("http", "https")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}

// Sanitize cleans HTML from an untrusted source, control characters
// included.
func (e *Engine) Sanitize(s string) string { return e.sanitize.Sanitize(cleanText(s)) }

// escapeText is plain text a member typed, as HTML.
func escapeText(s string) string { return html.EscapeString(cleanText(s)) }

// cleanText strips control characters and the like from text, whether a
// member typed it or a peer sent it: activitypub.CleanText, the one rule
// both sides follow (the parsers apply it to everything a peer sends).
func cleanText(s string) string { return activitypub.CleanText(s) }

// clean is d with cleanText applied to everything a member typed in it:
// text, content warning, title, language, poll options and media
// descriptions.
func (d Draft) clean() Draft {
	d.Text, d.SpoilerText, d.Title, d.Language = cleanText(d.Text), cleanText(d.SpoilerText), cleanText(d.Title), cleanText(d.Language)
	if d.Poll != nil {
		p := *d.Poll
		p.Options = make([]string, len(d.Poll.Options))
		for i, o := range d.Poll.Options {
			p.Options[i] = cleanText(o)
		}
		d.Poll = &p
	}
	if d.MediaEdits != nil {
		edits := make(map[storage.ID]MediaEdit, len(d.MediaEdits))
		for id, m := range d.MediaEdits {
			if m.Description != nil {
				desc := cleanText(*m.Description)
				m.Description = &desc
			}
			edits[id] = m
		}
		d.MediaEdits = edits
	}
	return d
}

// clean is p with cleanText applied to everything a member typed in it.
func (p Profile) clean() Profile {
	p.DisplayName, p.Note = cleanText(p.DisplayName), cleanText(p.Note)
	p.Organisation, p.Department, p.JobTitle = cleanText(p.Organisation), cleanText(p.Department), cleanText(p.JobTitle)
	if p.Fields != nil {
		fields := make([]activitypub.Field, len(p.Fields))
		for i, f := range p.Fields {
			fields[i] = activitypub.Field{Name: cleanText(f.Name), Value: cleanText(f.Value)}
		}
		p.Fields = fields
	}
	return p
}

// token patterns in plain text a member types.
var tokenPattern = regexp.MustCompile(
	`https?://[^\s<>"]+[^\s<>".,;:!?)\]']` + // a link, not its trailing punctuation
		`|@[A-Za-z0-9_]+(?:@[A-Za-z0-9.\-]+(?::[0-9]+)?[A-Za-z0-9])?` + // @user or @user@host[:port]
		`|#[\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*`) // a hashtag with at least one letter

// mentionRef is what a typed @mention resolved to.
type mentionRef struct {
	Href string // the actor's profile URL
	Name string // its username
}

// parsedText is what a member's plain text holds.
type parsedText struct {
	Mentions []string // "user" or "user@host" as typed, without "@"
	Tags     []string // without "#", as typed
}

// scanText finds the mentions and hashtags in plain text.
func scanText(text string) parsedText {
	var p parsedText
	seen := map[string]bool{}
	for _, loc := range tokenPattern.FindAllStringIndex(text, -1) {
		tok := text[loc[0]:loc[1]]
		if loc[0] > 0 && isWordByte(text[loc[0]-1]) {
			continue // "a@b" or "x#y" is not a token
		}
		key := strings.ToLower(tok)
		if seen[key] {
			continue
		}
		seen[key] = true
		switch tok[0] {
		case '@':
			p.Mentions = append(p.Mentions, tok[1:])
		case '#':
			p.Tags = append(p.Tags, tok[1:])
		}
	}
	return p
}

func isWordByte(b byte) bool {
	return b == '_' || b == '/' || b == '@' || b == '#' ||
		'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}

// renderText turns a member's plain text into the HTML Mastodon would make
// of it: paragraphs, line breaks, links, linked mentions (those that
// resolved) and hashtags.
func renderText(text string, mentions map[string]mentionRef, tagURL func(string) string) string {
	text = strings.TrimSpace(cleanText(text)) // cleanText also makes every line break "\n"
	var b strings.Builder
	for i, para := range regexp.MustCompile(`\n{2,}`).Split(text, -1) {
		if i > 0 || para != "" {
			b.WriteString("<p>")
		}
		last := 0
		for _, loc := range tokenPattern.FindAllStringIndex(para, -1) {
			tok := para[loc[0]:loc[1]]
			if loc[0] > 0 && isWordByte(para[loc[0]-1]) {
				continue
			}
			b.WriteString(lineBreaks(html.EscapeString(para[last:loc[0]])))
			last = loc[1]
			switch tok[0] {
			case '@':
				if m, ok := mentions[strings.ToLower(tok[1:])]; ok {
					b.WriteString(`<span class="h-card"><a href="` + html.EscapeString(m.Href) +
						`" class="u-url mention">@<span>` + html.EscapeString(m.Name) + `</span></a></span>`)
				} else {
					b.WriteString(html.EscapeString(tok))
				}
			case '#':
				b.WriteString(`<a href="` + html.EscapeString(tagURL(tok[1:])) + `" class="mention hashtag" rel="tag">#<span>` +
					html.EscapeString(tok[1:]) + `</span></a>`)
			default:
				b.WriteString(`<a href="` + html.EscapeString(tok) + `" rel="nofollow noopener noreferrer" target="_blank">` +
					html.EscapeString(tok) + `</a>`)
			}
		}
		b.WriteString(lineBreaks(html.EscapeString(para[last:])))
		if i > 0 || para != "" {
			b.WriteString("</p>")
		}
	}
	return b.String()
}

func lineBreaks(s string) string { return strings.ReplaceAll(s, "\n", "<br>") }

// breaks are the tags PlainText turns into line breaks.
var breaks = strings.NewReplacer("<br>", "\n", "<br/>", "\n", "<br />", "\n", "</p><p>", "\n\n")

// PlainText is the text of HTML, with line breaks for <br> and between
// paragraphs: for fields apps want as text, and push bodies. Filters
// match every status of a page against it, so it is a plain scan, not a
// parser.
func PlainText(s string) string {
	s = breaks.Replace(s)
	// Drop each "<" up to the next ">"; a "<" with no ">" after it stays,
	// and so does the rest of the text.
	var b strings.Builder
	b.Grow(len(s))
	for {
		open := strings.IndexByte(s, '<')
		if open < 0 {
			break
		}
		end := strings.IndexByte(s[open:], '>')
		if end < 0 {
			break
		}
		b.WriteString(s[:open])
		s = s[open+end+1:]
	}
	b.WriteString(s)
	return html.UnescapeString(b.String())
}
