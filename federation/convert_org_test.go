package federation

import (
	"strings"
	"testing"

	"github.com/copse-dev/copse/activitypub"
)

func TestSplitOrgFields(t *testing.T) {
	tests := []struct {
		name            string
		fields          []activitypub.Field
		org, dept, role string
		rest            []string // names of the fields left
	}{
		{name: "copse's own fields, as escaped HTML",
			fields: []activitypub.Field{{Name: "Organisation", Value: "Digital &amp; Data"}, {Name: "Department", Value: "Libraries"},
				{Name: "Role", Value: "Information officer"}, {Name: "Pronouns", Value: "she/her"}},
			org: "Digital & Data", dept: "Libraries", role: "Information officer", rest: []string{"Pronouns"}},
		{name: "other spellings and case, links as text",
			fields: []activitypub.Field{{Name: "organization", Value: `<a href="https://x.example">City of Example</a>`}, {Name: "JOB TITLE", Value: "Archivist"}},
			org:    "City of Example", role: "Archivist"},
		{name: "the first of a name wins, the second stays a field",
			fields: []activitypub.Field{{Name: "Role", Value: "One"}, {Name: "Role", Value: "Two"}},
			role:   "One", rest: []string{"Role"}},
		{name: "a long value is cut", fields: []activitypub.Field{{Name: "Department", Value: strings.Repeat("x", 500)}},
			dept: strings.Repeat("x", maxOrgField)},
		{name: "none", fields: []activitypub.Field{{Name: "Website", Value: "x"}}, rest: []string{"Website"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			org, dept, role, rest := splitOrgFields(tt.fields)
			if org != tt.org || dept != tt.dept || role != tt.role {
				t.Errorf("got %q, %q, %q; want %q, %q, %q", org, dept, role, tt.org, tt.dept, tt.role)
			}
			var names []string
			for _, f := range rest {
				names = append(names, f.Name)
			}
			if strings.Join(names, ",") != strings.Join(tt.rest, ",") {
				t.Errorf("fields left %v; want %v", names, tt.rest)
			}
		})
	}
}
