package federation

import (
	"strings"
)

// Bounds on what Markdown may ask of the renderer. goldmark's work grows
// faster than its input for a few shapes: containers nested thousands
// deep (each line walks every open one, and a line of 100,000 ">" takes
// seconds), tables whose rows are short of cells (each row is padded to
// the header's width, so 5 KB of "|" made 268 MB), and long runs of link
// reference definitions (each one removed copies the rest of its
// paragraph). boundMarkdown rewrites those shapes, and only those, before
// the renderer sees them: what a person writes renders as it did.
// Inline links are capped too: an unclosed destination is read to the end
// of its line, so a line of them costs the square of its length.
const (
	// maxMarkdownNesting is how many block quotes and list items a line
	// may open; markers beyond are escaped and read as text.
	maxMarkdownNesting = 32
	// maxLinkDefinitionRun is how many link reference definitions may
	// follow each other with no blank line; a blank line is put between
	// runs (definitions render nothing, so nothing shows).
	maxLinkDefinitionRun = 64
	// maxInlineLinksPerLine is how many inline links ("](") a line may
	// open; beyond, "](" is escaped. Each one's destination is read to
	// the end of its line when it never closes: 125,000 "[a](" on a line
	// took 56 s.
	maxInlineLinksPerLine = 64
	// tableCellSlack is how many cells any table may have beyond one for
	// each byte of its source.
	tableCellSlack = 1024
)

// boundMarkdown is src with the shapes that would make rendering cost more
// than linear in its length rewritten (see maxMarkdownNesting,
// maxLinkDefinitionRun, maxInlineLinksPerLine): deeper containers
// escaped, long runs of link definitions split, inline links past the cap
// escaped, and a table that would need more cells than its
// source has bytes (plus tableCellSlack) left as a paragraph.
func boundMarkdown(src string) string {
	lines := strings.SplitAfter(src, "\n")
	var b strings.Builder
	b.Grow(len(src) + len(src)/32)
	fence := "" // the marker of the open code fence, "" outside one
	defs := 0   // link definitions in a row
	for i, line := range lines {
		end, escape := containerPrefix(line)
		if fence != "" {
			// Code: its containers are those open when the fence
			// opened, at most maxMarkdownNesting; the rest is text.
			if closesFence(line[end:], fence) {
				fence = ""
			}
			b.WriteString(line)
			continue
		}
		if escape >= 0 {
			line = line[:escape] + `\` + line[escape:]
		}
		content := line[end:]
		if f := openingFence(content); f != "" {
			fence, defs = f, 0
			b.WriteString(line)
			continue
		}
		if isLinkDefinition(content) {
			defs++
			if defs > maxLinkDefinitionRun && end == 0 {
				b.WriteString("\n")
				defs = 1
			}
		} else {
			defs = 0
		}
		if i > 0 && isTableDelimiter(content) && !tableFits(lines, i, strings.Count(content, "|")) {
			dash := strings.IndexByte(content, '-')
			line = line[:end+dash] + `\` + line[end+dash:]
		}
		b.WriteString(capInlineLinks(line))
	}
	return b.String()
}

// capInlineLinks is line with "](" escaped past the first
// maxInlineLinksPerLine.
func capInlineLinks(line string) string {
	if strings.Count(line, "](") <= maxInlineLinksPerLine {
		return line
	}
	var b strings.Builder
	b.Grow(len(line) + len(line)/3)
	for n := 0; ; n++ {
		i := strings.Index(line, "](")
		if i < 0 {
			b.WriteString(line)
			return b.String()
		}
		b.WriteString(line[:i+1])
		if n >= maxInlineLinksPerLine {
			b.WriteByte('\\')
		}
		line = line[i+1:]
	}
}

// containerPrefix reads the block quote and list markers that open line:
// where its content starts, and where to escape a marker that would nest
// deeper than maxMarkdownNesting (-1 for none).
func containerPrefix(line string) (end, escape int) {
	pos, depth := 0, 0
	for {
		p := pos
		for n := 0; n < 3 && p < len(line) && line[p] == ' '; n++ {
			p++
		}
		w := markerWidth(line[p:])
		if w == 0 {
			return pos, -1
		}
		if depth == maxMarkdownNesting {
			return p, p
		}
		depth++
		pos = p + w
	}
}

// markerWidth is the length of the block quote or list marker (with one
// space after it) that starts s, 0 when none does.
func markerWidth(s string) int {
	spaced := func(n int) int {
		switch {
		case n == len(s):
			return n
		case s[n] == ' ' || s[n] == '\t':
			return n + 1
		case s[n] == '\n' || s[n] == '\r':
			return n
		}
		return 0
	}
	if s == "" {
		return 0
	}
	switch c := s[0]; {
	case c == '>':
		if len(s) > 1 && (s[1] == ' ' || s[1] == '\t') {
			return 2
		}
		return 1
	case c == '-' || c == '+' || c == '*':
		return spaced(1)
	case c >= '0' && c <= '9':
		n := 1
		for n < len(s) && n < 9 && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n < len(s) && (s[n] == '.' || s[n] == ')') {
			return spaced(n + 1)
		}
	}
	return 0
}

// openingFence is the marker of the code fence that content opens ("```"
// or "~~~" and longer), "" when it opens none.
func openingFence(content string) string {
	s := strings.TrimLeft(content, " ")
	if len(content)-len(s) > 3 || len(s) < 3 || (s[0] != '`' && s[0] != '~') {
		return ""
	}
	n := 0
	for n < len(s) && s[n] == s[0] {
		n++
	}
	if n < 3 || (s[0] == '`' && strings.Contains(s[n:], "`")) {
		return ""
	}
	return s[:n]
}

// closesFence reports whether content closes the code fence opened with
// fence.
func closesFence(content, fence string) bool {
	s := strings.TrimLeft(content, " ")
	if len(content)-len(s) > 3 || !strings.HasPrefix(s, fence) {
		return false
	}
	return strings.TrimSpace(strings.TrimLeft(s, fence[:1])) == ""
}

// isLinkDefinition reports whether content looks like a link reference
// definition ("[label]: destination").
func isLinkDefinition(content string) bool {
	s := strings.TrimLeft(content, " ")
	if len(content)-len(s) > 3 || !strings.HasPrefix(s, "[") {
		return false
	}
	i := strings.Index(s, "]:")
	return i > 1 && !strings.ContainsAny(s[1:i], "[]")
}

// isTableDelimiter reports whether content is a table's delimiter row:
// cells of "-" (with ":" for alignment) between "|".
func isTableDelimiter(content string) bool {
	s := strings.TrimSpace(content)
	if !strings.Contains(s, "|") || !strings.Contains(s, "-") {
		return false
	}
	return strings.Trim(s, "|-: \t") == ""
}

// tableFits reports whether the table whose delimiter row is lines[at],
// with about pipes+1 columns, has no more cells than bytes in its source
// (plus tableCellSlack): its rows run to the first blank line.
func tableFits(lines []string, at, pipes int) bool {
	size := len(lines[at-1]) + len(lines[at])
	rows := 1 // the header
	for _, l := range lines[at+1:] {
		end, _ := containerPrefix(l)
		if strings.TrimSpace(l[end:]) == "" {
			break
		}
		rows++
		size += len(l)
	}
	return rows*(pipes+1) <= size+tableCellSlack
}
