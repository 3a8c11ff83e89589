package node

import (
	"strings"
	"testing"
)

// TestConfigPageFacts: the facts the web pages show about the node are
// checked at start-up, so a typo shows as an error, not on the about page.
func TestConfigPageFacts(t *testing.T) {
	tests := []struct {
		name    string
		tune    func(*Config)
		wantErr string
	}{
		{"none given", func(*Config) {}, ""},
		{"all given", func(c *Config) {
			c.Name, c.Description, c.Contact, c.Rules = "Hampshire practice", "Library staff", "help@council-a.example", []string{"Be kind."}
		}, ""},
		{"contact with a display name", func(c *Config) { c.Contact = "Help <help@council-a.example>" }, "not a plain email address"},
		{"contact not an address", func(c *Config) { c.Contact = "call 0123" }, "not a plain email address"},
		{"an empty rule", func(c *Config) { c.Rules = []string{"Be kind.", "  "} }, "rule 2 is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.tune(&c)
			err := c.Validate()
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Validate: %v; want no error", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Validate: %v; want an error saying %q", err, tt.wantErr)
			}
		})
	}
}
