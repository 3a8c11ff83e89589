package api_test

import (
	"image/png"
	"net/http"
	"testing"

	"github.com/copse-dev/copse/web/testrig"
)

// TestDefaultAvatarAndHeader: an account without an avatar or header
// points at images the node serves, so apps show no broken image.
func TestDefaultAvatarAndHeader(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	var acct struct {
		Avatar       string `json:"avatar"`
		AvatarStatic string `json:"avatar_static"`
		Header       string `json:"header"`
	}
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/accounts/"+alice.ID.String(), "", nil, &acct); code != http.StatusOK {
		t.Fatalf("account = %d %s", code, raw)
	}
	for _, u := range []string{acct.Avatar, acct.AvatarStatic, acct.Header} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || err != nil || img.Bounds().Dx() == 0 {
			t.Errorf("GET %s = %d %s, decode %v", u, resp.StatusCode, resp.Header.Get("Content-Type"), err)
		}
	}
}
