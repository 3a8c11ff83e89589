package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/api"
	"github.com/copse-dev/copse/web/node"
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

	for _, path := range []string{"/api/v1/custom_emojis", "/api/v1/trends/tags",
		"/api/v1/instance/rules", "/api/v1/instance/peers"} {
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

// TestInstanceTellsAboutTheNode checks that apps read the node's name,
// description, contact and rules as its configuration sets them (the same
// facts its about page shows), escaped where they become HTML.
func TestInstanceTellsAboutTheNode(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, func(c *node.Config) {
		c.Name, c.Description, c.Contact = "Hampshire practice", "Library staff <& friends>", "help@council-a.example"
		c.Rules = []string{"Be kind to colleagues.", "No personal data about residents."}
		c.Registration = federation.Registration{Mode: federation.RegistrationsInvite}
	})
	ctx := context.Background()
	n.Member("alice", false)
	mod, boss := n.Member("mod", false), n.Member("boss", false)
	for _, r := range []struct{ user, role string }{{"mod", storage.PermissionModerator}, {"boss", storage.PermissionAdmin}} {
		if err := n.Engine.SetRole(ctx, r.user, r.role); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.Engine.SetFederationMode(ctx, 0, storage.FederationAllowlist); err != nil {
		t.Fatal(err)
	}
	var v1 struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Email       string `json:"email"`
		Rules       []struct {
			ID, Text string
		} `json:"rules"`
	}
	call(t, "GET", n.URL+"/api/v1/instance", "", nil, &v1)
	if v1.Title != "Hampshire practice" || v1.Description != "Library staff <& friends>" || v1.Email != "help@council-a.example" ||
		len(v1.Rules) != 2 || v1.Rules[1].ID != "2" || v1.Rules[1].Text != "No personal data about residents." {
		t.Errorf("v1 instance = %+v", v1)
	}
	var v2 struct {
		Title   string `json:"title"`
		Contact struct {
			Email   string       `json:"email"`
			Account *api.Account `json:"account"`
		} `json:"contact"`
		Rules []struct{ Text string } `json:"rules"`
		Copse struct {
			RegistrationMode string        `json:"registration_mode"`
			FederationMode   string        `json:"federation_mode"`
			Moderators       []api.Account `json:"moderators"`
		} `json:"copse"`
	}
	call(t, "GET", n.URL+"/api/v2/instance", "", nil, &v2)
	if v2.Title != "Hampshire practice" || v2.Contact.Email != "help@council-a.example" || len(v2.Rules) != 2 {
		t.Errorf("v2 instance = %+v", v2)
	}
	// Who moderates, how people join and whom the node federates with
	// are public (issue 14, transparency); the contact account is the
	// first admin.
	if c := v2.Copse; c.RegistrationMode != "invite" || c.FederationMode != storage.FederationAllowlist || len(c.Moderators) != 2 ||
		c.Moderators[0].ID != mod.ID.String() || c.Moderators[1].ID != boss.ID.String() ||
		v2.Contact.Account == nil || v2.Contact.Account.ID != boss.ID.String() {
		t.Errorf("v2 instance's policy = %+v, contact %+v", c, v2.Contact.Account)
	}
	var rules []struct{ ID, Text string }
	call(t, "GET", n.URL+"/api/v1/instance/rules", "", nil, &rules)
	if len(rules) != 2 || rules[0].Text != "Be kind to colleagues." {
		t.Errorf("rules = %+v", rules)
	}
	var ext struct{ Content string }
	call(t, "GET", n.URL+"/api/v1/instance/extended_description", "", nil, &ext)
	if ext.Content != "<p>Library staff &lt;&amp; friends&gt;</p>" {
		t.Errorf("extended description = %q", ext.Content)
	}
}
