package pages

import (
	"testing"

	"github.com/copse-dev/copse/activitypub"
)

func TestEmojiOnPages(t *testing.T) {
	t.Parallel()
	heron := []activitypub.Emoji{{Shortcode: "heron", URL: "https://a.example/media/h.png"}, {Shortcode: "qq", URL: `https://a.example/"><script>`}}
	img := `<img class="emoji" src="https://a.example/media/h.png" alt=":heron:" title=":heron:" width="20" height="20">`
	tests := []struct {
		name, in, want string
		html           bool
		emojis         []activitypub.Emoji
	}{
		{"text", "Alice :heron: & co", "Alice " + img + " &amp; co", false, heron},
		{"text with no emojis is escaped", "<b>:heron:</b>", "&lt;b&gt;:heron:&lt;/b&gt;", false, nil},
		{"a shortcode it does not carry stays", "an :owl:", "an :owl:", false, heron},
		{"not standing alone", "at 10:heron:30", "at 10:heron:30", false, heron},
		{"html text", `<p>A :heron: at <a href="https://x.example/:heron:" title=":heron:">the :heron: pond</a></p>`,
			`<p>A ` + img + ` at <a href="https://x.example/:heron:" title=":heron:">the ` + img + ` pond</a></p>`, true, heron},
		{"not in code", `<p><code>:heron:</code> and <pre>x :heron:</pre> :heron:</p>`,
			`<p><code>:heron:</code> and <pre>x :heron:</pre> ` + img + `</p>`, true, heron},
		{"escapes kept in html", `<p>1 &lt; 2 :heron:</p>`, `<p>1 &lt; 2 ` + img + `</p>`, true, heron},
		{"an image address is escaped", ":qq:", `<img class="emoji" src="https://a.example/&#34;&gt;&lt;script&gt;" alt=":qq:" title=":qq:" width="20" height="20">`, false, heron},
		{"html with none untouched", `<p>a &amp; b</p>`, `<p>a &amp; b</p>`, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := emojiText(tt.in, tt.emojis)
			if tt.html {
				got = emojiHTML(tt.in, tt.emojis)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
