package e2e

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/copse-dev/copse/web/testrig"
)

// leakMedia is the MediaAttachment entity as apps read it.
type leakMedia struct {
	ID         string  `json:"id"`
	URL        string  `json:"url"`
	PreviewURL *string `json:"preview_url"`
	RemoteURL  *string `json:"remote_url"`
	Blurhash   *string `json:"blurhash"`
	Meta       *struct {
		Original *struct {
			Width  int     `json:"width"`
			Height int     `json:"height"`
			Aspect float64 `json:"aspect"`
		} `json:"original"`
		Focus *struct{ X, Y float64 } `json:"focus"`
	} `json:"meta"`
}

type leakStatus struct {
	ID      string `json:"id"`
	URI     string `json:"uri"`
	Account struct {
		ID string `json:"id"`
	} `json:"account"`
	Media []leakMedia `json:"media_attachments"`
}

// leakCall sends a request (token "" for an anonymous one) and decodes a
// JSON answer into out when out is not nil.
func leakCall(t *testing.T, method, u, token, contentType string, body io.Reader, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v: %q", method, u, err, raw)
		}
	}
	return resp.StatusCode
}

// leakUpload uploads a w x h PNG with a focal point, as an app does.
func leakUpload(t *testing.T, n *testrig.Node, token string, w, h int, focus string) leakMedia {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.Set(0, 0, color.NRGBA{A: 255})
	var file, form bytes.Buffer
	if err := png.Encode(&file, img); err != nil {
		t.Fatal(err)
	}
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "chart.png")
	fw.Write(file.Bytes())
	mw.WriteField("focus", focus)
	mw.Close()
	var m leakMedia
	if code := leakCall(t, "POST", n.URL+"/api/v2/media", token, mw.FormDataContentType(), &form, &m); code != http.StatusOK {
		t.Fatalf("upload = %d", code)
	}
	return m
}

func leakPost(t *testing.T, n *testrig.Node, token, text, visibility, mediaID string) leakStatus {
	t.Helper()
	v := url.Values{"status": {text}, "visibility": {visibility}, "media_ids[]": {mediaID}}
	var st leakStatus
	if code := leakCall(t, "POST", n.URL+"/api/v1/statuses", token, "application/x-www-form-urlencoded",
		strings.NewReader(v.Encode()), &st); code != http.StatusOK {
		t.Fatalf("post %s = %d", visibility, code)
	}
	return st
}

// randomMediaName is the name of a file the node serves: 32 hex digits
// (128 random bits) under a folder of its first two.
var randomMediaName = regexp.MustCompile(`/media/([0-9a-f]{2})/([0-9a-f]{32})(_small)?\.(png|jpg|gif)$`)

// Issue 10, item 2: the file of a followers-only post's attachment is at
// no URL an anonymous client can derive from the IDs it sees, and its
// name has 128 random bits. Item 7: the follower's node shows the peer's
// attachment with remote_url and meta.
func TestMediaOfPrivatePostsDoesNotLeak(t *testing.T) {
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice, bob := a.Member("alice", false), b.Member("bob", false)
	follow(t, b, bob, a, "alice")
	aliceToken, bobToken := a.Token(alice), b.Token(bob)

	publicMedia := leakUpload(t, a, aliceToken, 40, 30, "0,0")
	public := leakPost(t, a, aliceToken, "Our routine, in public", "public", publicMedia.ID)
	privateMedia := leakUpload(t, a, aliceToken, 120, 80, "0.5,-0.25")
	private := leakPost(t, a, aliceToken, "Followers only: the draft", "private", privateMedia.ID)
	after := leakUpload(t, a, aliceToken, 8, 8, "0,0") // an ID made after the private one

	// The private file is served, under a random name alone.
	for _, u := range []string{privateMedia.URL, *privateMedia.PreviewURL} {
		m := randomMediaName.FindStringSubmatch(u)
		if m == nil || !strings.HasPrefix(m[2], m[1]) {
			t.Fatalf("media URL %q: want /media/<2 hex>/<32 hex>.ext", u)
		}
		for _, id := range []string{alice.ID.String(), privateMedia.ID, private.ID} {
			if strings.Contains(u, id) {
				t.Errorf("media URL %q contains the ID %s", u, id)
			}
		}
		if code := leakCall(t, "GET", u, "", "", nil, nil); code != http.StatusOK {
			t.Fatalf("GET %s = %d", u, code)
		}
	}

	// What an anonymous client sees: the public post, its account, its
	// media; not the private post.
	var seen []leakStatus
	if code := leakCall(t, "GET", a.URL+"/api/v1/accounts/"+alice.ID.String()+"/statuses", "", "", nil, &seen); code != http.StatusOK {
		t.Fatalf("anonymous account statuses = %d", code)
	}
	ids := map[string]bool{}
	for _, st := range seen {
		if st.ID == private.ID {
			t.Fatal("the anonymous client sees the private post")
		}
		ids[st.ID], ids[st.Account.ID] = true, true
		for _, m := range st.Media {
			ids[m.ID] = true
		}
	}
	if !ids[public.ID] || !ids[publicMedia.ID] {
		t.Fatalf("the anonymous client does not see the public post: %v", ids)
	}
	// Even an attacker who guesses the private media's ID exactly (IDs
	// are time-ordered) and knows every naming of old finds nothing; nor
	// does the public file's name lead to the private one.
	ids[privateMedia.ID], ids[after.ID] = true, true
	pubName := randomMediaName.FindStringSubmatch(publicMedia.URL)
	var guesses []string
	for id := range ids {
		for _, dir := range []string{alice.ID.String(), pubName[1], id[:2]} {
			for _, name := range []string{id + ".png", id + ".jpg", id + "_small.jpg", id + "_avatar.png"} {
				guesses = append(guesses, "/media/"+dir+"/"+name)
			}
		}
		guesses = append(guesses, "/media/"+id+".png", "/api/v1/media/"+id)
	}
	privateFiles := map[string]bool{path.Base(privateMedia.URL): true, path.Base(*privateMedia.PreviewURL): true}
	for _, g := range guesses {
		if privateFiles[path.Base(g)] {
			t.Errorf("guess %s names the private file", g)
		}
		if code := leakCall(t, "GET", a.URL+g, "", "", nil, nil); code == http.StatusOK {
			t.Errorf("anonymous GET %s = 200", g)
		}
	}
	if pubName[2][:8] == randomMediaName.FindStringSubmatch(privateMedia.URL)[2][:8] {
		t.Error("the public and private files share a name prefix")
	}

	// Item 7: bob's node shows alice's private attachment as remote media,
	// with the peer's URL and the size and focus apps lay it out with.
	onB := statusOn(t, b, private.URI)
	var st leakStatus
	if code := leakCall(t, "GET", b.URL+"/api/v1/statuses/"+onB.ID.String(), bobToken, "", nil, &st); code != http.StatusOK || len(st.Media) != 1 {
		t.Fatalf("bob's view of the private post: %d, %+v", code, st)
	}
	m := st.Media[0]
	if m.URL != privateMedia.URL || m.RemoteURL == nil || *m.RemoteURL != privateMedia.URL {
		t.Errorf("remote media url %q, remote_url %v; want both %q", m.URL, m.RemoteURL, privateMedia.URL)
	}
	if m.PreviewURL == nil || *m.PreviewURL == "" || m.Blurhash == nil {
		t.Errorf("remote media preview_url %v, blurhash %v", m.PreviewURL, m.Blurhash)
	}
	if m.Meta == nil || m.Meta.Original == nil || m.Meta.Original.Width != 120 || m.Meta.Original.Height != 80 ||
		m.Meta.Original.Aspect != 1.5 || m.Meta.Focus == nil || m.Meta.Focus.X != 0.5 || m.Meta.Focus.Y != -0.25 {
		t.Errorf("remote media meta %+v; want 120x80, aspect 1.5, focus 0.5,-0.25", m.Meta)
	}
}
