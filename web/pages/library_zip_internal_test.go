package pages

import (
	"strings"
	"testing"
)

func TestZipName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Opening hours / winter", "Opening-hours-winter"},
		{"../../etc/passwd", "etc-passwd"},
		{"Café—menu", "Café-menu"},
		{"", "artefact"},
		{"///", "artefact"},
		{strings.Repeat("a", 100), strings.Repeat("a", 60)},
	}
	for _, tt := range tests {
		if got := zipName(tt.in); got != tt.want {
			t.Errorf("zipName(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
