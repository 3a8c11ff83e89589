package copseapi_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

// TestCommunityImagesAPI: a moderator sets and removes a community's icon
// and header through the API; the community's entity and its actor
// document name them; anyone else is refused.
func TestCommunityImagesAPI(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	c, err := n.Engine.CreateCommunity(t.Context(), alice, federation.NewCommunity{Handle: "wards", Name: "Wards"})
	if err != nil {
		t.Fatal(err)
	}
	base := n.URL + "/api/copse/v1/communities/" + c.AccountID.String()
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 60, 60))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	img.Set(0, 0, color.Black)
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	put := func(path, token, part string, data []byte) (int, map[string]any) {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		w, _ := mw.CreateFormFile(part, "icon.png")
		w.Write(data)
		mw.Close()
		req, _ := http.NewRequest(http.MethodPut, path, &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		var m map[string]any
		json.Unmarshal(out, &m)
		return resp.StatusCode, m
	}
	code, ent := put(base+"/icon", n.Token(alice), "file", buf.Bytes())
	icon, _ := ent["icon"].(string)
	if code != http.StatusOK || !strings.HasPrefix(icon, n.URL+"/media/") || ent["header"] != "" {
		t.Fatalf("PUT icon: %d %v; want 200 with the icon's URL and no header", code, ent)
	}
	if resp, err := http.Get(icon); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET the icon: %v %v", resp, err)
	}
	actor := fetchActor(t, n.URL+"/users/wards")
	if !strings.Contains(actor, `"icon":{`) || !strings.Contains(actor, icon) {
		t.Errorf("the Group document does not carry the icon:\n%s", actor)
	}
	tests := []struct {
		name, path, token, part string
		data                    []byte
		want                    int
	}{
		{"a non-moderator", base + "/header", n.Token(bob), "file", buf.Bytes(), http.StatusForbidden},
		{"not an image", base + "/header", n.Token(alice), "file", []byte("hello"), http.StatusUnprocessableEntity},
		{"no file part", base + "/header", n.Token(alice), "image", buf.Bytes(), http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, ent := put(tt.path, tt.token, tt.part, tt.data); code != tt.want {
				t.Errorf("%d %v; want %d", code, ent, tt.want)
			}
		})
	}
	code, _, body := call(t, http.MethodDelete, base+"/icon", n.Token(bob), nil)
	if code != http.StatusForbidden {
		t.Errorf("DELETE icon as bob: %d %s; want 403", code, body)
	}
	code, _, body = call(t, http.MethodDelete, base+"/icon", n.Token(alice), nil)
	if code != http.StatusOK || !strings.Contains(string(body), `"icon":""`) {
		t.Errorf("DELETE icon: %d %s; want 200 without the icon", code, body)
	}
	if actor := fetchActor(t, n.URL+"/users/wards"); strings.Contains(actor, `"icon"`) {
		t.Errorf("the Group document still carries an icon:\n%s", actor)
	}
}

// fetchActor reads an actor document as a peer asks for it.
func fetchActor(t *testing.T, url string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
