package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

// The helpers of the media tests start with media. Images are made in
// memory.

// mediaImage is a PNG (or JPEG) of w x h in two colours.
func mediaImage(t *testing.T, w, h int, asJPEG bool) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{R: 200, G: 120, A: 255}
			if y >= h/2 {
				c = color.NRGBA{G: 90, B: 200, A: 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	var err error
	if asJPEG {
		err = jpeg.Encode(&b, img, nil)
	} else {
		err = png.Encode(&b, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// mediaEntity is the MediaAttachment entity as apps read it.
type mediaEntity struct {
	ID          string  `json:"id"`
	Type        string  `json:"type"`
	URL         string  `json:"url"`
	PreviewURL  string  `json:"preview_url"`
	RemoteURL   *string `json:"remote_url"`
	Description string  `json:"description"`
	Blurhash    string  `json:"blurhash"`
	Meta        struct {
		Original struct {
			Width  int     `json:"width"`
			Height int     `json:"height"`
			Size   string  `json:"size"`
			Aspect float64 `json:"aspect"`
		} `json:"original"`
		Small struct {
			Width  int `json:"width"`
			Height int `json:"height"`
		} `json:"small"`
		Focus *struct {
			X float64 `json:"x"`
			Y float64 `json:"y"`
		} `json:"focus"`
	} `json:"meta"`
}

// mediaMultipart sends a multipart form with files (field name to
// contents) and fields, and decodes the answer into out as send does.
func mediaMultipart(t *testing.T, method, endpoint, token string, files map[string][]byte, fields url.Values, out any) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for name, data := range files {
		fw, err := mw.CreateFormFile(name, "upload.png") // the name says PNG whatever the bytes are
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	mw.Close()
	req, err := http.NewRequest(method, endpoint, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	code, _, raw := send(t, req, out)
	return code, raw
}

// mediaGet fetches a URL without a token and returns the answer's status,
// headers and body.
func mediaGet(t *testing.T, u string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func TestMediaUploadServeAndPost(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	token, bobToken := n.Token(alice), n.Token(bob)
	ctx := context.Background()

	// go-mastodon uploads to /api/v2/media.
	att, err := stClient(n, token).UploadMediaFromMedia(ctx, &mastodon.Media{
		File: bytes.NewReader(mediaImage(t, 1000, 500, false)), Description: "a chart of library visits", Focus: "0.25,-0.5"})
	if err != nil {
		t.Fatal(err)
	}
	if att.Type != "image" || att.Description != "a chart of library visits" || att.BlurHash == "" ||
		!strings.HasPrefix(att.URL, n.URL+"/media/") || !strings.HasSuffix(att.URL, ".png") ||
		!strings.HasSuffix(att.PreviewURL, "_small.jpg") {
		t.Errorf("uploaded = %+v", att)
	}
	if m := att.Meta; m.Original.Width != 1000 || m.Original.Height != 500 || m.Original.Size != "1000x500" ||
		m.Original.Aspect != 2 || m.Small.Width != 640 || m.Small.Height != 320 || m.Focus.X != 0.25 || m.Focus.Y != -0.5 {
		t.Errorf("meta = %+v", m)
	}

	// The files are served with their types, never sniffed.
	for u, want := range map[string]string{att.URL: "image/png", att.PreviewURL: "image/jpeg"} {
		code, h, body := mediaGet(t, u)
		if code != http.StatusOK || h.Get("Content-Type") != want || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(h.Get("Cache-Control"), "max-age=") {
			t.Errorf("GET %s: %d %v", u, code, h)
		}
		if _, format, err := image.DecodeConfig(bytes.NewReader(body)); err != nil || "image/"+format != want {
			t.Errorf("GET %s: %s, %v", u, format, err)
		}
	}
	dir := strings.TrimPrefix(att.URL, n.URL)
	dir = dir[:strings.LastIndex(dir, "/")+1]
	for _, p := range []string{"/media/", dir, "/media/../copse.db", "/media/%2e%2e/copse.db", dir + "x.png", "/media/1/2.txt"} {
		if code, _, _ := mediaGet(t, n.URL+p); code != http.StatusNotFound {
			t.Errorf("GET %s = %d; want 404", p, code)
		}
	}

	// The v1 route takes uploads too; GET and PUT find one's own media.
	var v1 mediaEntity
	if code, body := mediaMultipart(t, "POST", n.URL+"/api/v1/media", token,
		map[string][]byte{"file": mediaImage(t, 64, 64, true)}, nil, &v1); code != http.StatusOK || v1.Meta.Focus == nil {
		t.Fatalf("POST /api/v1/media = %d %s", code, body)
	}
	var got mediaEntity
	if code, _, _ := call(t, "GET", n.URL+"/api/v1/media/"+v1.ID, token, nil, &got); code != http.StatusOK || got.URL != v1.URL || got.RemoteURL != nil {
		t.Errorf("GET own media = %d %+v", code, got)
	}
	if code, _, _ := call(t, "GET", n.URL+"/api/v1/media/"+v1.ID, bobToken, nil, nil); code != http.StatusNotFound {
		t.Errorf("bob GETs alice's media = %d; want 404", code)
	}
	if code, _, _ := call(t, "PUT", n.URL+"/api/v1/media/"+v1.ID, bobToken, url.Values{"description": {"mine"}}, nil); code != http.StatusNotFound {
		t.Errorf("bob PUTs alice's media = %d; want 404", code)
	}
	if code, _, _ := call(t, "PUT", n.URL+"/api/v1/media/"+v1.ID, token,
		url.Values{"description": {"the council logo"}, "focus": {"-1,1"}}, &got); code != http.StatusOK ||
		got.Description != "the council logo" || got.Meta.Focus == nil || got.Meta.Focus.X != -1 || got.Meta.Focus.Y != 1 {
		t.Errorf("PUT own media = %d %+v", code, got)
	}

	// A post of media alone takes them; then they are no longer found
	// as uploads.
	st, err := stClient(n, token).PostStatus(ctx, &mastodon.Toot{MediaIDs: []mastodon.ID{att.ID, mastodon.ID(v1.ID)}})
	if err != nil {
		t.Fatalf("media-only post: %v", err)
	}
	if len(st.MediaAttachments) != 2 || st.MediaAttachments[0].URL != att.URL || st.MediaAttachments[1].Description != "the council logo" {
		t.Errorf("posted media = %+v", st.MediaAttachments)
	}
	if code, _, _ := call(t, "GET", n.URL+"/api/v1/media/"+v1.ID, token, nil, nil); code != http.StatusNotFound {
		t.Errorf("GET attached media = %d; want 404", code)
	}
	if _, err := stClient(n, token).PostStatus(ctx, &mastodon.Toot{Status: "again", MediaIDs: []mastodon.ID{att.ID}}); stCode(err) != http.StatusUnprocessableEntity {
		t.Errorf("posting attached media again: %v; want 422", err)
	}

	// An edit swaps media: the dropped file goes.
	var third mediaEntity
	mediaMultipart(t, "POST", n.URL+"/api/v2/media", token, map[string][]byte{"file": mediaImage(t, 30, 30, false)}, nil, &third)
	var edited struct {
		MediaAttachments []mediaEntity `json:"media_attachments"`
	}
	if code, _, _ := call(t, "PUT", n.URL+"/api/v1/statuses/"+string(st.ID), token,
		url.Values{"status": {"with words now"}, "media_ids[]": {string(att.ID), third.ID}}, &edited); code != http.StatusOK ||
		len(edited.MediaAttachments) != 2 || edited.MediaAttachments[1].ID != third.ID {
		t.Errorf("edit swapping media = %d %+v", code, edited)
	}
	if code, _, _ := mediaGet(t, v1.URL); code != http.StatusNotFound {
		t.Errorf("GET dropped media's file = %d; want 404", code)
	}
	if code, _, _ := mediaGet(t, att.URL); code != http.StatusOK {
		t.Errorf("GET kept media's file = %d; want 200", code)
	}
}

func TestMediaRefusals(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	token, readOnly := n.Token(alice), n.Token(alice, "read")
	pngFile := mediaImage(t, 8, 8, false)
	oversized := append(append([]byte{}, pngFile...), make([]byte, 16<<20)...)
	tests := []struct {
		name   string
		token  string
		files  map[string][]byte
		fields url.Values
		want   int
		msg    string
	}{
		{"text named .png", token, map[string][]byte{"file": []byte("hello, I am text")}, nil, 422, "not supported"},
		{"html", token, map[string][]byte{"file": []byte("<!DOCTYPE html><script>alert(1)</script>")}, nil, 422, "not supported"},
		{"too large", token, map[string][]byte{"file": oversized}, nil, 422, "File is too large"},
		{"no file", token, nil, url.Values{"description": {"x"}}, 422, "File can't be blank"},
		{"bad focus", token, map[string][]byte{"file": pngFile}, url.Values{"focus": {"left"}}, 422, "Focus"},
		{"focus out of range", token, map[string][]byte{"file": pngFile}, url.Values{"focus": {"2,0"}}, 422, "Focus"},
		{"long description", token, map[string][]byte{"file": pngFile}, url.Values{"description": {strings.Repeat("é", 1501)}}, 422, "Description"},
		{"read-only token", readOnly, map[string][]byte{"file": pngFile}, nil, 403, ""},
		{"no token", "", map[string][]byte{"file": pngFile}, nil, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := mediaMultipart(t, "POST", n.URL+"/api/v2/media", tt.token, tt.files, tt.fields, nil)
			if code != tt.want || !strings.Contains(body, tt.msg) {
				t.Errorf("= %d %s; want %d %q", code, body, tt.want, tt.msg)
			}
		})
	}
	t.Run("body over the limit, announced", func(t *testing.T) {
		// A client that waits for 100 Continue hears the answer before it
		// sends a byte of the body.
		body := bytes.NewReader(make([]byte, 40<<20))
		req, _ := http.NewRequest("POST", n.URL+"/api/v2/media", body)
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Expect", "100-continue")
		if code, _, msg := send(t, req, nil); code != 422 || !strings.Contains(msg, "File is too large") {
			t.Errorf("= %d %s; want 422", code, msg)
		}
	})
	for _, id := range []string{"12345", "abc"} {
		if code, _, _ := call(t, "GET", n.URL+"/api/v1/media/"+id, token, nil, nil); code != http.StatusNotFound {
			t.Errorf("GET /api/v1/media/%s = %d; want 404", id, code)
		}
	}
	if code, _, _ := call(t, "POST", n.URL+"/api/v1/statuses", token,
		url.Values{"status": {"five"}, "media_ids[]": {"1", "2", "3", "4", "5"}}, nil); code != http.StatusUnprocessableEntity {
		t.Errorf("five media = %d; want 422", code)
	}
	if code, _, _ := call(t, "POST", n.URL+"/api/v1/statuses", token, url.Values{"status": {" "}}, nil); code != http.StatusUnprocessableEntity {
		t.Errorf("no text, no media = %d; want 422", code)
	}
}

func TestMediaPostFederatesWithItsAttachment(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice, bob := a.Member("alice", false), b.Member("bob", false)
	stFollow(t, b, bob, b.Resolve(a.Acct("alice")))
	token := a.Token(alice)
	ctx := context.Background()

	att, err := stClient(a, token).UploadMediaFromMedia(ctx, &mastodon.Media{
		File: bytes.NewReader(mediaImage(t, 800, 600, true)), Description: "minutes of the meeting", Focus: "0.5,0.5"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := stClient(a, token).PostStatus(ctx, &mastodon.Toot{Status: "Notes from today", MediaIDs: []mastodon.ID{att.ID}})
	if err != nil {
		t.Fatal(err)
	}

	// The Note on the wire carries the Document.
	req := request(t, "GET", st.URI, "", nil)
	req.Header.Set("Accept", "application/activity+json")
	var note struct {
		Attachment []struct {
			Type       string    `json:"type"`
			MediaType  string    `json:"mediaType"`
			URL        string    `json:"url"`
			Name       string    `json:"name"`
			Blurhash   string    `json:"blurhash"`
			Width      int       `json:"width"`
			Height     int       `json:"height"`
			FocalPoint []float64 `json:"focalPoint"`
		} `json:"attachment"`
	}
	if code, _, body := send(t, req, &note); code != http.StatusOK || len(note.Attachment) != 1 {
		t.Fatalf("GET %s = %d %s", st.URI, code, body)
	}
	doc := note.Attachment[0]
	if doc.Type != "Document" || doc.MediaType != "image/jpeg" || doc.URL != att.URL || doc.Name != "minutes of the meeting" ||
		doc.Blurhash != att.BlurHash || doc.Width != 800 || doc.Height != 600 || len(doc.FocalPoint) != 2 ||
		doc.FocalPoint[0] != 0.5 || doc.FocalPoint[1] != 0.5 {
		t.Errorf("document = %+v", doc)
	}

	// Bob's node shows it with the attachment, which points at alice's.
	id := stArrived(t, b, st.URI)
	got, err := stClient(b, b.Token(bob)).GetStatus(ctx, mastodon.ID(id.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.MediaAttachments) != 1 {
		t.Fatalf("bob sees %d attachments", len(got.MediaAttachments))
	}
	m := got.MediaAttachments[0]
	if m.URL != att.URL || !strings.HasPrefix(m.URL, a.URL+"/media/") || m.BlurHash != att.BlurHash ||
		m.Description != "minutes of the meeting" || m.Type != "image" || m.Meta.Original.Width != 800 {
		t.Errorf("bob sees %+v", m)
	}
	if code, h, _ := mediaGet(t, m.URL); code != http.StatusOK || h.Get("Content-Type") != "image/jpeg" {
		t.Errorf("GET %s = %d %s", m.URL, code, h.Get("Content-Type"))
	}

	// An edit's media_attributes change the alt text (as Elk sends them),
	// and the change reaches bob's node.
	var edited struct {
		MediaAttachments []struct {
			ID          string `json:"id"`
			Description string `json:"description"`
			Meta        struct {
				Focus struct{ X, Y float64 } `json:"focus"`
			} `json:"meta"`
		} `json:"media_attachments"`
	}
	body := `{"status": "Notes from today", "media_ids": ["` + string(att.ID) + `"],
		"media_attributes": [{"id": "` + string(att.ID) + `", "description": "minutes, corrected", "focus": "-0.25,0.75"}]}`
	if code, _, _ := call(t, "PUT", a.URL+"/api/v1/statuses/"+string(st.ID), token, body, &edited); code != http.StatusOK ||
		len(edited.MediaAttachments) != 1 || edited.MediaAttachments[0].Description != "minutes, corrected" ||
		edited.MediaAttachments[0].Meta.Focus.X != -0.25 || edited.MediaAttachments[0].Meta.Focus.Y != 0.75 {
		t.Errorf("edit with media_attributes = %d %+v", code, edited)
	}
	testrig.Eventually(t, 10*time.Second, "the new alt text on bob's node", func() bool {
		got, err := stClient(b, b.Token(bob)).GetStatus(ctx, mastodon.ID(id.String()))
		return err == nil && len(got.MediaAttachments) == 1 && got.MediaAttachments[0].Description == "minutes, corrected"
	})
	// media_attributes may name only the post's own uploads.
	other, err := stClient(a, token).UploadMediaFromMedia(ctx, &mastodon.Media{File: bytes.NewReader(mediaImage(t, 10, 10, false))})
	if err != nil {
		t.Fatal(err)
	}
	body = `{"status": "Notes from today", "media_attributes": [{"id": "` + string(other.ID) + `", "description": "not mine to edit"}]}`
	if code, _, _ := call(t, "PUT", a.URL+"/api/v1/statuses/"+string(st.ID), token, body, nil); code != http.StatusUnprocessableEntity {
		t.Errorf("media_attributes for an upload not in the post = %d; want 422", code)
	}
}

func TestMediaAvatarFederates(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	alice, bob := a.Member("alice", false), b.Member("bob", false)
	aliceOnB := b.Resolve(a.Acct("alice"))
	stFollow(t, b, bob, aliceOnB)
	token := a.Token(alice)

	var me struct {
		Avatar      string `json:"avatar"`
		Header      string `json:"header"`
		DisplayName string `json:"display_name"`
	}
	code, body := mediaMultipart(t, "PATCH", a.URL+"/api/v1/accounts/update_credentials", token,
		map[string][]byte{"avatar": mediaImage(t, 900, 600, true)}, url.Values{"display_name": {"Alice A."}}, &me)
	if code != http.StatusOK || !strings.HasPrefix(me.Avatar, a.URL+"/media/") || me.DisplayName != "Alice A." {
		t.Fatalf("update_credentials = %d %s", code, body)
	}
	c, h, img := mediaGet(t, me.Avatar)
	cfg, _, err := image.DecodeConfig(bytes.NewReader(img))
	if c != http.StatusOK || h.Get("Content-Type") != "image/jpeg" || err != nil || cfg.Width != 400 || cfg.Height != 400 {
		t.Errorf("avatar: %d %s %dx%d %v", c, h.Get("Content-Type"), cfg.Width, cfg.Height, err)
	}
	testrig.Eventually(t, stWait, "bob's node has alice's new avatar", func() bool {
		acc, err := b.Store.AccountByID(context.Background(), aliceOnB.ID)
		return err == nil && acc.AvatarURL == me.Avatar
	})

	// A data URI, as some libraries send, sets the header.
	header := "data:image/png;base64," + base64.StdEncoding.EncodeToString(mediaImage(t, 3000, 1000, false))
	acc, err := stClient(a, token).AccountUpdate(context.Background(), &mastodon.Profile{Header: header})
	if err != nil || !strings.HasPrefix(acc.Header, a.URL+"/media/") || acc.Avatar != me.Avatar {
		t.Fatalf("header by data URI: %+v, %v", acc, err)
	}
	testrig.Eventually(t, stWait, "bob's node has alice's new header", func() bool {
		acc2, err := b.Store.AccountByID(context.Background(), aliceOnB.ID)
		return err == nil && acc2.HeaderURL == acc.Header
	})
	if code, body := mediaMultipart(t, "PATCH", a.URL+"/api/v1/accounts/update_credentials", token,
		map[string][]byte{"avatar": []byte("GIF89a but not really")}, nil, nil); code != http.StatusUnprocessableEntity {
		t.Errorf("bad avatar = %d %s; want 422", code, body)
	}
}

// A member has at most two uploads in progress; a third is refused with
// 429 at once, before its body is read, and other members are not
// affected. When one ends, the member may upload again.
func TestMediaUploadsPerMember(t *testing.T) {
	t.Parallel()
	// The test polls with uploads; the per-token rate limit is not what it tests.
	n := testrig.StartOne(t, func(c *node.Config) { c.Tuning.RateLimitRequests = 1 << 20 })
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	token, bobToken := n.Token(alice), n.Token(bob)
	img := mediaImage(t, 16, 16, false)

	// Two uploads whose bodies are still on their way hold alice's slots.
	// Each asks "Expect: 100-continue", and the client sends no body byte
	// before the server's 100, which the server sends when the handler
	// first reads the body, after it took its slot. So once a first write
	// to a body returns, that upload holds its slot. (The test used to
	// poll with uploads instead: on a loaded machine a poll could take a
	// slot before a slow upload reached the gate, which refused the slow
	// one, and every later poll then found a slot free.)
	type result struct {
		code int
		err  error
	}
	results := make(chan result, 2)
	var bodies []*io.PipeWriter
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "slow.png")
	fw.Write(img)
	mw.Close()
	waitContinue := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	defer waitContinue.CloseIdleConnections()
	for range 2 {
		pr, pw := io.Pipe()
		bodies = append(bodies, pw)
		req, err := http.NewRequest("POST", n.URL+"/api/v2/media", pr)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Expect", "100-continue")
		go func() {
			resp, err := waitContinue.Do(req)
			pr.Close()
			if err != nil {
				results <- result{err: err}
				return
			}
			resp.Body.Close()
			results <- result{code: resp.StatusCode}
		}()
		// The client takes the first bytes only after the server's 100:
		// the upload holds its slot. A refused upload closes the pipe.
		if _, err := pw.Write(form.Bytes()[:100]); err != nil {
			r := <-results
			t.Fatalf("slow upload refused before its body was read: %d, %v", r.code, r.err)
		}
	}
	defer func() {
		for _, pw := range bodies {
			pw.CloseWithError(io.ErrUnexpectedEOF)
		}
	}()

	var refused struct {
		Error string `json:"error"`
	}
	if code, body := mediaMultipart(t, "POST", n.URL+"/api/v2/media", token, map[string][]byte{"file": img}, nil, &refused); code != http.StatusTooManyRequests {
		t.Fatalf("a third upload of alice's while two are pending = %d %s; want 429", code, body)
	}
	if !strings.Contains(refused.Error, "Too many uploads") {
		t.Errorf("429 says %q", refused.Error)
	}
	if code, body := mediaMultipart(t, "POST", n.URL+"/api/v2/media", bobToken, map[string][]byte{"file": img}, nil, nil); code != http.StatusOK {
		t.Errorf("bob's upload while alice's are pending = %d %s; want 200", code, body)
	}

	// The slow bodies arrive; both uploads finish, and alice may upload again.
	for _, pw := range bodies {
		go func() {
			pw.Write(form.Bytes()[100:])
			pw.Close()
		}()
	}
	for range 2 {
		if r := <-results; r.err != nil || r.code != http.StatusOK {
			t.Errorf("slow upload = %d, %v; want 200", r.code, r.err)
		}
	}
	if code, body := mediaMultipart(t, "POST", n.URL+"/api/v2/media", token, map[string][]byte{"file": img}, nil, nil); code != http.StatusOK {
		t.Errorf("alice's upload after hers finished = %d %s; want 200", code, body)
	}
}

// TestMediaUploadsPerWindow: a member uploads at most 30 files in 30
// minutes, as on Mastodon (each is kept for a day unposted); the 31st
// gets 429 with Retry-After, and another member still uploads.
func TestMediaUploadsPerWindow(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	token := n.Token(alice)
	img := mediaImage(t, 8, 8, false)
	for i := range 30 {
		if code, body := mediaMultipart(t, "POST", n.URL+"/api/v2/media", token, map[string][]byte{"file": img}, nil, nil); code != http.StatusOK {
			t.Fatalf("upload %d: %d %s", i+1, code, body)
		}
	}
	var refused struct {
		Error string `json:"error"`
	}
	if code, body := mediaMultipart(t, "POST", n.URL+"/api/v2/media", token, map[string][]byte{"file": img}, nil, &refused); code != http.StatusTooManyRequests ||
		!strings.Contains(refused.Error, "at most 30") {
		t.Errorf("the 31st upload: %d %s; want 429 saying at most 30", code, body)
	}
	if code, body := mediaMultipart(t, "POST", n.URL+"/api/v2/media", n.Token(bob), map[string][]byte{"file": img}, nil, nil); code != http.StatusOK {
		t.Errorf("bob's upload: %d %s; want 200", code, body)
	}
}
