package api

import (
	"encoding/json"
	"testing"

	"github.com/copse-dev/copse/storage"
)

// A peer's attachment has no file here: apps get the peer's URL as url
// and remote_url, and meta from its Document (issue 10, item 7).
func TestAttachmentEntityOfRemoteMedia(t *testing.T) {
	const peer = "https://files.mastodon.example/original/6d1f.jpg"
	tests := []struct {
		name string
		a    storage.Attachment
		want string
	}{
		{"remote image", storage.Attachment{ID: 7, MediaType: "image/jpeg", URL: peer, Width: 1920, Height: 1080, FocusX: -0.25, FocusY: 0.5, Blurhash: "UNF~gS9F00%M"},
			`{"id":"7","type":"image","url":"` + peer + `","preview_url":"` + peer + `","remote_url":"` + peer + `",` +
				`"meta":{"focus":{"x":-0.25,"y":0.5},"original":{"aspect":1.7777777777777777,"height":1080,"size":"1920x1080","width":1920},` +
				`"small":{"aspect":1.7777777777777777,"height":1080,"size":"1920x1080","width":1920}},"description":null,"blurhash":"UNF~gS9F00%M"}`},
		{"remote image of unknown size", storage.Attachment{ID: 7, MediaType: "image/png", URL: peer},
			`{"id":"7","type":"image","url":"` + peer + `","preview_url":"` + peer + `","remote_url":"` + peer + `",` +
				`"meta":{"focus":{"x":0,"y":0}},"description":null,"blurhash":null}`},
		{"a peer's focus out of range is clamped", storage.Attachment{ID: 7, MediaType: "image/png", URL: peer, FocusX: 40, FocusY: -1e300},
			`{"id":"7","type":"image","url":"` + peer + `","preview_url":"` + peer + `","remote_url":"` + peer + `",` +
				`"meta":{"focus":{"x":1,"y":-1}},"description":null,"blurhash":null}`},
		{"remote video has no preview", storage.Attachment{ID: 7, MediaType: "video/mp4", URL: peer, Width: 640, Height: 480},
			`{"id":"7","type":"video","url":"` + peer + `","preview_url":null,"remote_url":"` + peer + `",` +
				`"meta":{"original":{"aspect":1.3333333333333333,"height":480,"size":"640x480","width":640},` +
				`"small":{"aspect":1.3333333333333333,"height":480,"size":"640x480","width":640}},"description":null,"blurhash":null}`},
		{"local upload has no remote_url", storage.Attachment{ID: 7, MediaType: "image/png", URL: "https://a.example/media/3f/3f.png",
			PreviewURL: "https://a.example/media/3f/3f_small.jpg", File: "3f/3f.png", Width: 2, Height: 1, PreviewWidth: 2, PreviewHeight: 1},
			`{"id":"7","type":"image","url":"https://a.example/media/3f/3f.png","preview_url":"https://a.example/media/3f/3f_small.jpg","remote_url":null,` +
				`"meta":{"focus":{"x":0,"y":0},"original":{"aspect":2,"height":1,"size":"2x1","width":2},"small":{"aspect":2,"height":1,"size":"2x1","width":2}},` +
				`"description":null,"blurhash":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(attachmentEntity(tt.a))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
