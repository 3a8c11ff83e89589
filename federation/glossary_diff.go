package federation

import (
	"context"
	"fmt"
	"strings"

	"github.com/copse-dev/copse/storage"
)

// TermDiff is what changed from one version of a glossary term to
// another: word by word for its name, its definition (the Markdown
// source) and its reference (text, then URL); the aliases and related
// terms added and removed (compared without case, as the glossary
// compares names).
type TermDiff struct {
	From       int         `json:"from"`
	To         int         `json:"to"`
	Term       []DiffSpan  `json:"term"`
	Definition []DiffSpan  `json:"definition"`
	Reference  []DiffSpan  `json:"reference"`
	Aliases    ListChanges `json:"aliases"`
	Related    ListChanges `json:"related"`
}

// ListChanges are the names a later version has that the earlier one had
// not (Added), and the other way round (Removed), each in its version's
// order.
type ListChanges struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
}

// Changed reports whether anything differs.
func (d TermDiff) Changed() bool {
	for _, spans := range [][]DiffSpan{d.Term, d.Definition, d.Reference} {
		for _, s := range spans {
			if s.Op != DiffEqual {
				return true
			}
		}
	}
	return len(d.Aliases.Added)+len(d.Aliases.Removed)+len(d.Related.Added)+len(d.Related.Removed) > 0
}

// DiffTermVersions compares version from of a term with version to. Like
// DiffArtefactVersions it waits for one of the diff slots first, and
// gives up with ctx's error when ctx ends before one is free.
func DiffTermVersions(ctx context.Context, from, to storage.TermVersion) (TermDiff, error) {
	select {
	case diffSlots <- struct{}{}:
	case <-ctx.Done():
		return TermDiff{}, fmt.Errorf("diff term versions %d and %d: %w", from.Number, to.Number, ctx.Err())
	}
	defer func() { <-diffSlots }()
	return TermDiff{From: from.Number, To: to.Number, Term: DiffWords(from.Term, to.Term),
		Definition: DiffWords(from.DefinitionSource, to.DefinitionSource),
		Reference:  DiffWords(referenceLine(from), referenceLine(to)),
		Aliases:    diffNames(from.Aliases, to.Aliases), Related: diffNames(from.Related, to.Related)}, nil
}

// referenceLine is a version's reference as one line: its text, then
// its URL.
func referenceLine(v storage.TermVersion) string {
	return strings.TrimSpace(v.ReferenceText + " " + v.ReferenceURL)
}

// diffNames is what changed from one list of names to another, case
// aside (foldKey, as cleanList drops repeats).
func diffNames(from, to []string) ListChanges {
	in := func(list []string) map[string]bool {
		m := make(map[string]bool, len(list))
		for _, s := range list {
			m[foldKey(s)] = true
		}
		return m
	}
	had, has := in(from), in(to)
	out := ListChanges{Added: []string{}, Removed: []string{}}
	for _, s := range to {
		if !had[foldKey(s)] {
			out.Added = append(out.Added, s)
		}
	}
	for _, s := range from {
		if !has[foldKey(s)] {
			out.Removed = append(out.Removed, s)
		}
	}
	return out
}
