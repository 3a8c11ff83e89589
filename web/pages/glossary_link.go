package pages

import (
	"html"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// termLinker links the first use of each glossary term on a page to its
// definition: it is given the page's posts (or artefact body) in order,
// as sanitised HTML, and links a term once, where it first appears as a
// whole word (case aside) in text, never inside a tag, a link, or code.
type termLinker struct {
	terms []linkTerm
	done  []bool
}

// linkTerm is a term to link: its names (the term and its aliases) and
// where its definition is.
type linkTerm struct {
	Names []string
	Href  string
	Title string // the term, for the link's title
	re    *regexp.Regexp
}

func newTermLinker(terms []linkTerm) *termLinker {
	l := &termLinker{done: make([]bool, len(terms))}
	for _, t := range terms {
		var alts []string
		names := slices.Clone(t.Names)
		// The longest name first, so "data protection officer" wins over
		// "data protection".
		slices.SortFunc(names, func(a, b string) int { return len(b) - len(a) })
		for _, n := range names {
			if n = strings.TrimSpace(n); n != "" {
				alts = append(alts, regexp.QuoteMeta(n))
			}
		}
		if len(alts) == 0 {
			continue
		}
		t.re = regexp.MustCompile(`(?i)` + strings.Join(alts, "|"))
		l.terms = append(l.terms, t)
	}
	l.done = make([]bool, len(l.terms))
	return l
}

// skipped are the elements whose text is never linked.
var skipped = []string{"a", "code", "pre", "script", "style", "textarea"}

// Link returns src with the first use of each term not linked yet on this
// page wrapped in a link to its definition.
func (l *termLinker) Link(src string) string {
	if l == nil || len(l.terms) == 0 || !slices.Contains(l.done, false) {
		return src
	}
	var b strings.Builder
	skip := 0 // depth inside skipped elements
	for len(src) > 0 {
		lt := strings.IndexByte(src, '<')
		if lt != 0 {
			text := src
			if lt > 0 {
				text = src[:lt]
			}
			if skip == 0 {
				b.WriteString(l.linkText(text))
			} else {
				b.WriteString(text)
			}
			if lt < 0 {
				break
			}
			src = src[lt:]
			continue
		}
		gt := strings.IndexByte(src, '>')
		if gt < 0 { // not well-formed: leave the rest as it is
			b.WriteString(src)
			break
		}
		tag := src[:gt+1]
		b.WriteString(tag)
		src = src[gt+1:]
		name, closing := tagName(tag)
		if slices.Contains(skipped, name) && !strings.HasSuffix(tag, "/>") {
			if closing {
				skip = max(skip-1, 0)
			} else {
				skip++
			}
		}
	}
	return b.String()
}

// linkText links terms in one escaped text node.
func (l *termLinker) linkText(escaped string) string {
	text := html.UnescapeString(escaped)
	type hit struct{ term, start, end int }
	var hits []hit
	for i, t := range l.terms {
		if l.done[i] {
			continue
		}
		if s, e, ok := wordMatch(t.re, text); ok {
			hits = append(hits, hit{i, s, e})
		}
	}
	if len(hits) == 0 {
		return escaped
	}
	slices.SortFunc(hits, func(a, b hit) int { return a.start - b.start })
	var b strings.Builder
	pos := 0
	for _, h := range hits {
		if h.start < pos {
			continue // overlaps a term linked just before: its turn comes later
		}
		t := l.terms[h.term]
		b.WriteString(html.EscapeString(text[pos:h.start]))
		b.WriteString(`<a class="glossary-term" href="` + html.EscapeString(t.Href) + `" title="` +
			html.EscapeString("Glossary: "+t.Title) + `">` + html.EscapeString(text[h.start:h.end]) + `</a>`)
		pos = h.end
		l.done[h.term] = true
	}
	b.WriteString(html.EscapeString(text[pos:]))
	return b.String()
}

// wordMatch finds the first match of re in s that is a whole word.
func wordMatch(re *regexp.Regexp, s string) (int, int, bool) {
	for off := 0; off < len(s); {
		loc := re.FindStringIndex(s[off:])
		if loc == nil {
			return 0, 0, false
		}
		start, end := off+loc[0], off+loc[1]
		before, _ := utf8.DecodeLastRuneInString(s[:start])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if !wordRune(before) && !wordRune(after) {
			return start, end, true
		}
		_, size := utf8.DecodeRuneInString(s[start:])
		off = start + max(size, 1)
	}
	return 0, 0, false
}

func wordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '#')
}

// tagName reads the element name of a tag, and whether it is a closing one.
func tagName(tag string) (string, bool) {
	s := strings.TrimPrefix(tag, "<")
	closing := strings.HasPrefix(s, "/")
	s = strings.TrimPrefix(s, "/")
	end := strings.IndexFunc(s, func(r rune) bool { return r == ' ' || r == '>' || r == '/' || r == '\t' || r == '\n' })
	if end < 0 {
		end = len(s)
	}
	return strings.ToLower(s[:end]), closing
}
