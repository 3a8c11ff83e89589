package federation

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/copse-dev/copse/storage"
)

func TestDiffTermVersions(t *testing.T) {
	v1 := storage.TermVersion{Number: 1, Term: "Triage", DefinitionSource: "Sorting enquiries by urgency.",
		Aliases: []string{"Sorting", "Prioritising"}, Related: []string{"Enquiry"}, ReferenceText: "GOV.UK", ReferenceURL: "https://www.gov.uk/a"}
	tests := []struct {
		name               string
		to                 storage.TermVersion
		changed            bool
		added, removed     []string
		relAdded, relGone  []string
		defInserted, other string // a word the definition gained; a span op expected elsewhere
	}{
		{"nothing", v1, false, []string{}, []string{}, []string{}, []string{}, "", ""},
		{"a word of the definition", func() storage.TermVersion {
			v := v1
			v.DefinitionSource = "Sorting enquiries by urgency and need."
			return v
		}(), true, []string{}, []string{}, []string{}, []string{}, "need", ""},
		{"aliases, case aside", func() storage.TermVersion {
			v := v1
			v.Aliases = []string{"SORTING", "Routing"}
			return v
		}(), true, []string{"Routing"}, []string{"Prioritising"}, []string{}, []string{}, "", ""},
		{"related and reference", func() storage.TermVersion {
			v := v1
			v.Related, v.ReferenceURL = []string{"Enquiry", "Signposting"}, "https://www.gov.uk/b"
			return v
		}(), true, []string{}, []string{}, []string{"Signposting"}, []string{}, "", "reference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.to.Number = 2
			d, err := DiffTermVersions(context.Background(), v1, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			if d.Changed() != tt.changed || d.From != 1 || d.To != 2 {
				t.Errorf("changed %v (%d to %d); want %v", d.Changed(), d.From, d.To, tt.changed)
			}
			if !slices.Equal(d.Aliases.Added, tt.added) || !slices.Equal(d.Aliases.Removed, tt.removed) {
				t.Errorf("aliases %+v; want added %v, removed %v", d.Aliases, tt.added, tt.removed)
			}
			if !slices.Equal(d.Related.Added, tt.relAdded) || !slices.Equal(d.Related.Removed, tt.relGone) {
				t.Errorf("related %+v; want added %v, removed %v", d.Related, tt.relAdded, tt.relGone)
			}
			if tt.defInserted != "" && !slices.ContainsFunc(d.Definition, func(s DiffSpan) bool {
				return s.Op == DiffInsert && containsWord(s.Text, tt.defInserted)
			}) {
				t.Errorf("definition diff %+v has no insertion of %q", d.Definition, tt.defInserted)
			}
			if tt.other == "reference" && !slices.ContainsFunc(d.Reference, func(s DiffSpan) bool { return s.Op == DiffDelete }) {
				t.Errorf("reference diff %+v shows nothing removed", d.Reference)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range cap(diffSlots) {
		diffSlots <- struct{}{}
	}
	defer func() {
		for range cap(diffSlots) {
			<-diffSlots
		}
	}()
	if _, err := DiffTermVersions(ctx, v1, v1); !errors.Is(err, context.Canceled) {
		t.Errorf("with every slot taken and the request gone: %v; want context.Canceled", err)
	}
}

func containsWord(text, word string) bool {
	found := false
	eachWord(text, func(w string) { found = found || w == word })
	return found
}
