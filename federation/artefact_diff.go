package federation

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/copse-dev/copse/storage"
)

// Diffs between two versions of an artefact: word by word for the title,
// summary and Markdown body, and added, removed or replaced for files
// (matched by name). Pure: the versions are loaded by the caller.

// Diff operations of a DiffSpan.
const (
	DiffEqual  = "equal"
	DiffInsert = "insert"
	DiffDelete = "delete"
)

// DiffSpan is a run of text that both versions have (DiffEqual), only the
// later one (DiffInsert) or only the earlier one (DiffDelete).
type DiffSpan struct {
	Op   string `json:"op"`
	Text string `json:"text"`
}

// FileChange is a file that one version has and the other has not, or has
// with other content.
type FileChange struct {
	Change string               `json:"change"` // "added", "removed" or "replaced"
	Name   string               `json:"name"`
	From   *storage.VersionFile `json:"from,omitempty"`
	To     *storage.VersionFile `json:"to,omitempty"`
}

// ArtefactDiff is what changed from one version to another.
type ArtefactDiff struct {
	From    int          `json:"from"`
	To      int          `json:"to"`
	Title   []DiffSpan   `json:"title"`
	Summary []DiffSpan   `json:"summary"`
	Body    []DiffSpan   `json:"body"`
	Files   []FileChange `json:"files"`
}

// Changed reports whether anything differs.
func (d ArtefactDiff) Changed() bool {
	for _, spans := range [][]DiffSpan{d.Title, d.Summary, d.Body} {
		for _, s := range spans {
			if s.Op != DiffEqual {
				return true
			}
		}
	}
	return len(d.Files) > 0
}

// diffTimeout bounds one text diff; past it the diff is coarser but right.
const diffTimeout = 500 * time.Millisecond

// DiffArtefactVersions compares version from with version to.
//
// It waits for one of diffSlots first, and gives up with ctx's error when
// ctx ends before one is free.
func DiffArtefactVersions(ctx context.Context, from, to storage.ArtefactVersion) (ArtefactDiff, error) {
	select {
	case diffSlots <- struct{}{}:
	case <-ctx.Done():
		return ArtefactDiff{}, fmt.Errorf("diff versions %d and %d: %w", from.Number, to.Number, ctx.Err())
	}
	defer func() { <-diffSlots }()
	return ArtefactDiff{From: from.Number, To: to.Number, Title: DiffWords(from.Title, to.Title),
		Summary: DiffWords(from.Summary, to.Summary), Body: DiffWords(from.BodySource, to.BodySource),
		Files: diffFiles(from.Files, to.Files)}, nil
}

// diffSlots bounds the diffs made at once to half the cores: a diff of
// two long, different bodies takes up to diffTimeout of a core, and
// anyone may ask for one (a public artefact's changes page), so a flood
// of them waits its turn instead of taking every core.
var diffSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))

// DiffWords diffs two texts word by word: each word, run of spaces or
// punctuation mark is one token, so a change never splits a word.
func DiffWords(a, b string) []DiffSpan {
	if a == b {
		if a == "" {
			return []DiffSpan{}
		}
		return []DiffSpan{{Op: DiffEqual, Text: a}}
	}
	index := map[string]rune{}
	var tokens []string
	encode := func(s string) []rune {
		out := make([]rune, 0, len(s)/3)
		eachWord(s, func(t string) {
			r, ok := index[t]
			if !ok {
				r = tokenRune(len(tokens))
				index[t] = r
				tokens = append(tokens, t)
			}
			out = append(out, r)
		})
		return out
	}
	ra, rb := encode(a), encode(b)
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = diffTimeout
	diffs := dmp.DiffCleanupSemantic(dmp.DiffMainRunes(ra, rb, false))
	out := make([]DiffSpan, 0, len(diffs))
	for _, d := range diffs {
		var text strings.Builder
		for _, r := range d.Text {
			text.WriteString(tokens[runeToken(r)])
		}
		op := DiffEqual
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			op = DiffInsert
		case diffmatchpatch.DiffDelete:
			op = DiffDelete
		}
		if n := len(out); n > 0 && out[n-1].Op == op {
			out[n-1].Text += text.String()
			continue
		}
		out = append(out, DiffSpan{Op: op, Text: text.String()})
	}
	return out
}

// tokenRune and runeToken number tokens with runes, skipping the
// surrogates (which do not survive a trip through a Go string).
func tokenRune(i int) rune {
	r := rune(i + 1)
	if r >= 0xD800 {
		r += 0x800
	}
	return r
}

func runeToken(r rune) int {
	if r >= 0xE000 {
		return int(r-0x800) - 1
	}
	return int(r) - 1
}

// eachWord cuts text into words (letters, digits, marks and "_"), runs
// of space, and single other characters, and calls fn with each.
func eachWord(s string, fn func(string)) {
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		n := size
		switch {
		case isWordRune(r):
			for n < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[n:])
				if !isWordRune(r2) {
					break
				}
				n += sz
			}
		case unicode.IsSpace(r):
			for n < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[n:])
				if !unicode.IsSpace(r2) {
					break
				}
				n += sz
			}
		}
		fn(s[:n])
		s = s[n:]
	}
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_'
}

// diffFiles matches files by name, without case.
func diffFiles(from, to []storage.VersionFile) []FileChange {
	out := []FileChange{}
	find := func(list []storage.VersionFile, name string) *storage.VersionFile {
		for i := range list {
			if strings.EqualFold(list[i].Name, name) {
				return &list[i]
			}
		}
		return nil
	}
	for i := range from {
		f := from[i]
		switch t := find(to, f.Name); {
		case t == nil:
			out = append(out, FileChange{Change: "removed", Name: f.Name, From: &f})
		case t.SHA256 != f.SHA256 || t.Size != f.Size:
			tc := *t
			out = append(out, FileChange{Change: "replaced", Name: f.Name, From: &f, To: &tc})
		}
	}
	for i := range to {
		t := to[i]
		if find(from, t.Name) == nil {
			out = append(out, FileChange{Change: "added", Name: t.Name, To: &t})
		}
	}
	return out
}
