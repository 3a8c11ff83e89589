package federation

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/copse-dev/copse/storage"
)

// TestFlagCategory: a received Flag's category and rule ids are read
// where sent; what copse does not know falls back to a member's
// report defaults instead of refusing the report.
func TestFlagCategory(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		category string
		rules    []string
	}{
		{"nothing sent", `{}`, storage.ReportOther, nil},
		{"spam", `{"category":"spam"}`, storage.ReportSpam, nil},
		{"violation with rules as strings", `{"category":"violation","rules":["3","7"]}`, storage.ReportViolation, []string{"3", "7"}},
		{"rules as numbers make a violation", `{"rules":[3,7]}`, storage.ReportViolation, []string{"3", "7"}},
		{"rules dropped outside a violation", `{"category":"legal","rules":["3"]}`, storage.ReportLegal, nil},
		{"an unknown category", `{"category":"rude"}`, storage.ReportOther, nil},
		{"a category that is no string", `{"category":{"x":1}}`, storage.ReportOther, nil},
		{"a rule that is no id", `{"category":"violation","rules":["x; drop"]}`, storage.ReportViolation, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d flagDoc
			if err := json.Unmarshal([]byte(tt.body), &d); err != nil {
				t.Fatal(err)
			}
			c, rules := d.category()
			if c != tt.category || !slices.Equal(rules, tt.rules) {
				t.Errorf("category() = %q %v; want %q %v", c, rules, tt.category, tt.rules)
			}
		})
	}
}
