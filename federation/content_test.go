package federation

import (
	"html"
	"regexp"
	"testing"
)

func TestPlainText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"paragraphs", "<p>one</p><p>two</p>", "one\n\ntwo"},
		{"breaks", "a<br>b<br/>c<br />d", "a\nb\nc\nd"},
		{"mention", `<p><span class="h-card"><a href="https://x.example/@a" class="u-url mention">@<span>a</span></a></span> hi</p>`, "@a hi"},
		{"entities", "<p>fish &amp; chips &lt;3</p>", "fish & chips <3"},
		{"unclosed tag", "a < b and <c", "a < b and <c"},
		{"tag inside tag", "x<a<b>y", "xy"},
		{"unclosed after closed", "<b>bold</b> then <i", "bold then <i"},
		{"empty", "", ""},
		{"no html", "plain", "plain"},
		{"multibyte", "<p>café ☕</p>", "café ☕"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.in); got != tt.want {
				t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
			}
			// What it did with a regular expression, before it had to be fast.
			old := html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(breaks.Replace(tt.in), ""))
			if got := PlainText(tt.in); got != old {
				t.Errorf("PlainText(%q) = %q, the regular expression gave %q", tt.in, got, old)
			}
		})
	}
}

func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"<p>a</p><p>b</p>", "a<b", "<<>>", "x<y<z>w>v", "&amp;<br>"} {
		f.Add(s)
	}
	tag := regexp.MustCompile(`<[^>]*>`)
	f.Fuzz(func(t *testing.T, s string) {
		want := html.UnescapeString(tag.ReplaceAllString(breaks.Replace(s), ""))
		if got := PlainText(s); got != want {
			t.Errorf("PlainText(%q) = %q, the regular expression gave %q", s, got, want)
		}
	})
}
