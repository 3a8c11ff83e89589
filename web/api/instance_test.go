package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/web/testrig"
)

func TestInstanceEndpoints(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	c := mastodon.NewClient(&mastodon.Config{Server: n.URL, AccessToken: n.Token(alice)})
	inst, err := c.GetInstance(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if inst.URI != n.Host || !strings.HasPrefix(inst.Version, "4.") || !strings.Contains(inst.Version, "copse") {
		t.Errorf("instance = %+v", inst)
	}
	if inst.Stats == nil || inst.Stats.UserCount != 1 {
		t.Errorf("user_count = %+v; want 1", inst.Stats)
	}

	var v2 struct {
		Domain        string `json:"domain"`
		Configuration struct {
			Statuses struct {
				MaxCharacters int `json:"max_characters"`
			} `json:"statuses"`
			MediaAttachments struct {
				SupportedMimeTypes []string `json:"supported_mime_types"`
			} `json:"media_attachments"`
			URLs struct {
				Streaming string `json:"streaming"`
			} `json:"urls"`
		} `json:"configuration"`
	}
	call(t, "GET", n.URL+"/api/v2/instance", "", nil, &v2)
	if v2.Domain != n.Host || v2.Configuration.Statuses.MaxCharacters == 0 ||
		len(v2.Configuration.MediaAttachments.SupportedMimeTypes) == 0 || !strings.HasPrefix(v2.Configuration.URLs.Streaming, "ws://") {
		t.Errorf("v2 instance = %+v", v2)
	}

	for _, path := range []string{"/api/v1/custom_emojis", "/api/v1/announcements", "/api/v1/trends/tags",
		"/api/v2/suggestions", "/api/v1/instance/rules", "/api/v1/instance/peers"} {
		var list []any
		if code, _, _ := call(t, "GET", n.URL+path, "", nil, &list); code != http.StatusOK || list == nil {
			t.Errorf("%s: %d %v; want 200 and an empty list", path, code, list)
		}
	}
	var prefs map[string]any
	if code, _, _ := call(t, "GET", n.URL+"/api/v1/preferences", "", nil, &prefs); code != http.StatusUnauthorized {
		t.Errorf("preferences without a token: %d; want 401", code)
	}
	if code, _, _ := call(t, "GET", n.URL+"/api/v1/preferences", n.Token(alice), nil, &prefs); code != http.StatusOK || prefs["posting:default:visibility"] != "public" {
		t.Errorf("preferences: %d %v", code, prefs)
	}
}
