package federation

import (
	"strings"
	"testing"
)

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
		{"a tag left open before a closed one", "Tea <b <i>x</i>", "Tea x"},
		{"many tags that never close", strings.Repeat("<a", 1000), strings.Repeat("<a", 1000)},
		{"many comparisons then a >", strings.Repeat("<1", 1000) + ">", strings.Repeat("<1", 1000) + ">"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plainTitle(tt.in); got != tt.want {
				t.Errorf("plainTitle(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

// BenchmarkPlainTitleHostile: a peer's megabyte name of "<a" with no
// ">" (before plainTitle read it once, 3.8 s a name, inside the writer's
// transaction).
func BenchmarkPlainTitleHostile(b *testing.B) {
	for _, in := range []string{strings.Repeat("<a", 512<<10), strings.Repeat("<1", 512<<10) + ">"} {
		b.Run(in[:2], func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				plainTitle(in)
			}
		})
	}
}
