package activitypub

import (
	"encoding/json"
	"testing"
)

func TestEmojisOf(t *testing.T) {
	tests := []struct {
		name string
		tag  string
		want []Emoji
	}{
		{"Mastodon's shape", `[{"type":"Emoji","name":":blob:","icon":{"type":"Image","mediaType":"image/png","url":"https://x.example/blob.png"}}]`,
			[]Emoji{{Shortcode: "blob", URL: "https://x.example/blob.png", MediaType: "image/png"}}},
		{"a single object, icon as a bare IRI", `{"type":"Emoji","name":":wave:","icon":"https://x.example/wave.gif"}`,
			[]Emoji{{Shortcode: "wave", URL: "https://x.example/wave.gif"}}},
		{"icon url as a Link", `[{"type":"Emoji","name":":ok:","icon":{"type":"Image","url":{"type":"Link","href":"https://x.example/ok.png"}}}]`,
			[]Emoji{{Shortcode: "ok", URL: "https://x.example/ok.png"}}},
		{"other tags skipped", `[{"type":"Hashtag","name":"#a"},{"type":"Mention","href":"https://x.example/u"}]`, nil},
		{"a shortcode with markup is refused", `[{"type":"Emoji","name":":<b>x</b>:","icon":{"url":"https://x.example/x.png"}}]`, nil},
		{"a javascript: image is refused", `[{"type":"Emoji","name":":x:","icon":{"url":"javascript:alert(1)"}}]`, nil},
		{"a repeat is dropped", `[{"type":"Emoji","name":":a1:","icon":{"url":"https://x.example/1.png"}},{"type":"Emoji","name":":a1:","icon":{"url":"https://x.example/2.png"}}]`,
			[]Emoji{{Shortcode: "a1", URL: "https://x.example/1.png"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw any
			if err := json.Unmarshal([]byte(tt.tag), &raw); err != nil {
				t.Fatal(err)
			}
			sameValue(t, emojisOf(raw), tt.want)
		})
	}
}
