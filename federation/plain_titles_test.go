package federation

import "testing"

func TestPlainTitle(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain text stays", "Tea & biscuits <3", "Tea & biscuits <3"},
		{"HTML-escaped becomes plain", "Tea &amp; biscuits &lt;3", "Tea & biscuits <3"},
		{"markup is dropped", "<b>Tea</b> &amp; <i>biscuits</i>", "Tea & biscuits"},
		{"a comparison is text", "a < b and c > d", "a < b and c > d"},
		{"a tag that never closes is text", "Tea <b", "Tea <b"},
		{"a lone < at the end", "Tea <", "Tea <"},
		{"a script's text is only text", "<script>alert(1)</script>", "alert(1)"},
		{"numeric entities", "caf&#233; &#x26; co", "café & co"},
		{"control and bidi characters go", "Tea\u202e & \x07biscuits", "Tea & biscuits"},
		{"surrounding space trimmed", "  <p>Tea</p>\n", "Tea"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plainTitle(tt.in); got != tt.want {
				t.Errorf("plainTitle(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}
