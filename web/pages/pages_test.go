package pages_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

func TestBrowsersGetPages(t *testing.T) {
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	ctx := context.Background()
	pub, err := n.Engine.Post(ctx, alice.ID, federation.Draft{Text: "Our <b>enquiry</b> routine", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	priv, err := n.Engine.Post(ctx, alice.ID, federation.Draft{Text: "for followers only", Visibility: activitypub.FollowersOnly})
	if err != nil {
		t.Fatal(err)
	}
	pic, err := n.Engine.UploadMedia(ctx, alice.ID, bytes.NewReader(pagePNG(t)), "a chart of enquiries by month", federation.Focus{})
	if err != nil {
		t.Fatal(err)
	}
	withPic, err := n.Engine.Post(ctx, alice.ID, federation.Draft{Text: "This month's figures", Visibility: activitypub.Public,
		MediaIDs: []storage.ID{pic.ID}})
	if err != nil {
		t.Fatal(err)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		name     string
		path     string
		code     int
		location string
		contains []string
		absent   []string
	}{
		{"actor IRI redirects", "/users/alice", http.StatusFound, "/@alice", nil, nil},
		{"status IRI redirects", "/users/alice/statuses/" + pub.ID.String(), http.StatusFound, "/@alice/" + pub.ID.String(), nil, nil},
		{"profile", "/@alice", http.StatusOK, "", []string{"Alice", "Hampshire County Council", "Libraries", "Our &lt;b&gt;enquiry&lt;/b&gt; routine", `lang="en-GB"`},
			[]string{"for followers only", "<b>enquiry"}},
		{"public post", "/@alice/" + pub.ID.String(), http.StatusOK, "", []string{"enquiry", `type="application/activity+json"`}, nil},
		{"a post's image, with its description as alt text", "/@alice/" + withPic.ID.String(), http.StatusOK, "",
			[]string{`alt="a chart of enquiries by month"`, `<img src="` + pic.PreviewURL + `"`, `href="` + pic.URL + `"`}, nil},
		{"private post is not shown", "/@alice/" + priv.ID.String(), http.StatusNotFound, "", nil, []string{"followers only"}},
		{"unknown member", "/@nobody", http.StatusNotFound, "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, n.URL+tt.path, nil)
			req.Header.Set("Accept", "text/html,application/xhtml+xml")
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d; want %d (%s)", resp.StatusCode, tt.code, body)
			}
			if tt.location != "" && resp.Header.Get("Location") != tt.location {
				t.Errorf("Location %q; want %q", resp.Header.Get("Location"), tt.location)
			}
			for _, s := range tt.contains {
				if !strings.Contains(string(body), s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(string(body), s) {
					t.Errorf("page shows %q", s)
				}
			}
		})
	}
}

// pagePNG is a small PNG to upload.
func pagePNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 32, 16))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestProfileFieldNamesEscapedOnce: a field name a member types with
// markup in it is shown as typed, escaped once.
func TestProfileFieldNamesEscapedOnce(t *testing.T) {
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	_, err := n.Engine.UpdateProfile(context.Background(), alice.ID, federation.Profile{DisplayName: "Alice",
		Fields: []activitypub.Field{{Name: "<b>&", Value: "bold & brave"}}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, n.URL+"/@alice", nil)
	req.Header.Set("Accept", "text/html")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	tests := []struct {
		name, text string
		want       bool
	}{
		{"the name escaped once", "<dt>&lt;b&gt;&amp;</dt>", true},
		{"the value escaped once", "<dd><p>bold &amp; brave</p></dd>", true},
		{"no double escape", "&amp;lt;", false},
		{"no markup from the name", "<dt><b>", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Contains(string(body), tt.text); got != tt.want {
				t.Errorf("page contains %q: %v; want %v\n%s", tt.text, got, tt.want, body)
			}
		})
	}
}
