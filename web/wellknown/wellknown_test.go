package wellknown_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

type response struct {
	code        int
	contentType string
	body        []byte
}

func get(t *testing.T, u string) response {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", u, err)
	}
	return response{code: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: b}
}

func decode(t *testing.T, r response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

type jrd struct {
	Subject string   `json:"subject"`
	Aliases []string `json:"aliases"`
	Links   []struct {
		Rel      string `json:"rel"`
		Type     string `json:"type"`
		Href     string `json:"href"`
		Template string `json:"template"`
	} `json:"links"`
}

func TestWebFinger(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	n.Member("bob", false)

	finger := func(t *testing.T, resource string) response {
		t.Helper()
		return get(t, n.URL+"/.well-known/webfinger?"+url.Values{"resource": {resource}}.Encode())
	}
	tests := []struct {
		name     string
		resource string
		want     int
	}{
		{"acct", "acct:alice@" + n.Host, http.StatusOK},
		{"acct in other case", "acct:Alice@" + n.Host, http.StatusOK},
		{"without acct:", "alice@" + n.Host, http.StatusOK},
		{"actor URL", alice.URI, http.StatusOK},
		{"profile URL", n.URL + "/@alice", http.StatusOK},
		{"unknown user", "acct:nobody@" + n.Host, http.StatusNotFound},
		{"unknown actor URL", n.URL + "/users/nobody", http.StatusNotFound},
		{"another host", "acct:alice@other.example", http.StatusNotFound},
		{"bare name", "alice", http.StatusBadRequest},
		{"acct: alone", "acct:", http.StatusBadRequest},
		{"no user", "acct:@" + n.Host, http.StatusBadRequest},
		{"no host", "acct:alice@", http.StatusBadRequest},
		{"URL of another host", "http://other.example/users/x", http.StatusBadRequest},
		{"URL of a local non-actor", alice.URI + "/outbox", http.StatusBadRequest},
		{"empty", "", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := finger(t, tt.resource)
			if r.code != tt.want {
				t.Fatalf("status = %d %s; want %d", r.code, r.body, tt.want)
			}
			if r.code != http.StatusOK {
				var e struct {
					Error string `json:"error"`
				}
				decode(t, r, &e)
				if e.Error == "" {
					t.Errorf("error body %s has no message", r.body)
				}
				return
			}
			if !strings.HasPrefix(r.contentType, "application/jrd+json") {
				t.Errorf("Content-Type = %q; want application/jrd+json", r.contentType)
			}
			var doc jrd
			decode(t, r, &doc)
			if doc.Subject != "acct:alice@"+n.Host {
				t.Errorf("subject = %q", doc.Subject)
			}
			if !slices.Contains(doc.Aliases, alice.URI) {
				t.Errorf("aliases %v lack the actor %s", doc.Aliases, alice.URI)
			}
			self := 0
			for _, l := range doc.Links {
				if l.Rel == "self" {
					self++
					if l.Type != "application/activity+json" || l.Href != alice.URI {
						t.Errorf("self link = %+v; want application/activity+json to %s", l, alice.URI)
					}
				}
			}
			if self != 1 {
				t.Errorf("%d self links in %s", self, r.body)
			}
		})
	}

	// What a peer does with the answer: find the actor, and the actor's key.
	other := testrig.StartOne(t, nil)
	got := other.Resolve(n.Acct("alice"))
	if got.URI != alice.URI || got.PublicKeyPEM != alice.PublicKeyPEM {
		t.Errorf("a peer resolved alice as %+v", got)
	}
}

func TestHostMeta(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	template := n.URL + "/.well-known/webfinger?resource={uri}"

	r := get(t, n.URL+"/.well-known/host-meta")
	if r.code != http.StatusOK || !strings.HasPrefix(r.contentType, "application/xrd+xml") {
		t.Fatalf("host-meta: %d %q %s", r.code, r.contentType, r.body)
	}
	var x struct {
		XMLName xml.Name `xml:"XRD"`
		Links   []struct {
			Rel      string `xml:"rel,attr"`
			Type     string `xml:"type,attr"`
			Template string `xml:"template,attr"`
		} `xml:"Link"`
	}
	if err := xml.Unmarshal(r.body, &x); err != nil {
		t.Fatalf("host-meta is not XRD: %v\n%s", err, r.body)
	}
	if x.XMLName.Space != "http://docs.oasis-open.org/ns/xri/xrd-1.0" {
		t.Errorf("XRD namespace = %q", x.XMLName.Space)
	}
	if len(x.Links) != 1 || x.Links[0].Rel != "lrdd" || x.Links[0].Template != template {
		t.Errorf("host-meta links = %+v; want lrdd %s", x.Links, template)
	}

	r = get(t, n.URL+"/.well-known/host-meta.json")
	if r.code != http.StatusOK || !strings.HasPrefix(r.contentType, "application/json") {
		t.Fatalf("host-meta.json: %d %q %s", r.code, r.contentType, r.body)
	}
	var doc jrd
	decode(t, r, &doc)
	if len(doc.Links) != 1 || doc.Links[0].Rel != "lrdd" || doc.Links[0].Template != template {
		t.Errorf("host-meta.json links = %+v; want lrdd %s", doc.Links, template)
	}

	// The template is usable as it stands.
	alice := n.Member("alice", false)
	r = get(t, strings.Replace(template, "{uri}", url.QueryEscape("acct:alice@"+n.Host), 1))
	if r.code != http.StatusOK || !strings.Contains(string(r.body), alice.URI) {
		t.Errorf("WebFinger by the template: %d %s", r.code, r.body)
	}
}

func TestNodeInfo(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	bob := n.Member("bob", false)
	n.Member("carol", false)
	ctx := context.Background()
	var posts []storage.Status
	for _, d := range []federation.Draft{
		{Text: "A routine for enquiries", Visibility: activitypub.Public},
		{Text: "Followers only", Visibility: activitypub.FollowersOnly},
		{Text: "@bob a word in private", Visibility: activitypub.Direct},
	} {
		st, err := n.Engine.Post(ctx, alice.ID, d)
		if err != nil {
			t.Fatal(err)
		}
		posts = append(posts, st)
	}
	// A boost is not a post.
	if _, err := n.Engine.Reblog(ctx, bob.ID, posts[0].ID, ""); err != nil {
		t.Fatal(err)
	}

	r := get(t, n.URL+"/.well-known/nodeinfo")
	if r.code != http.StatusOK {
		t.Fatalf("nodeinfo index: %d %s", r.code, r.body)
	}
	var index jrd
	decode(t, r, &index)
	hrefs := map[string]string{}
	for _, l := range index.Links {
		hrefs[l.Rel] = l.Href
	}
	for _, version := range []string{"2.0", "2.1"} {
		t.Run(version, func(t *testing.T) {
			href := hrefs["http://nodeinfo.diaspora.software/ns/schema/"+version]
			if href != n.URL+"/nodeinfo/"+version {
				t.Fatalf("index links %v; want %s for %s", index.Links, n.URL+"/nodeinfo/"+version, version)
			}
			r := get(t, href)
			if r.code != http.StatusOK || !strings.HasPrefix(r.contentType, "application/json") ||
				!strings.Contains(r.contentType, "nodeinfo.diaspora.software/ns/schema/"+version) {
				t.Fatalf("nodeinfo %s: %d %q %s", version, r.code, r.contentType, r.body)
			}
			var info struct {
				Version  string `json:"version"`
				Software struct {
					Name       string `json:"name"`
					Version    string `json:"version"`
					Repository string `json:"repository"`
				} `json:"software"`
				Protocols []string `json:"protocols"`
				Services  struct {
					Inbound  []string `json:"inbound"`
					Outbound []string `json:"outbound"`
				} `json:"services"`
				OpenRegistrations *bool `json:"openRegistrations"`
				Usage             struct {
					Users struct {
						Total       int `json:"total"`
						ActiveMonth int `json:"activeMonth"`
					} `json:"users"`
					LocalPosts int `json:"localPosts"`
				} `json:"usage"`
				Metadata map[string]any `json:"metadata"`
			}
			decode(t, r, &info)
			if info.Version != version || info.Software.Name != "copse" || info.Software.Version == "" {
				t.Errorf("version %q, software %+v", info.Version, info.Software)
			}
			if !slices.Equal(info.Protocols, []string{"activitypub"}) {
				t.Errorf("protocols = %v", info.Protocols)
			}
			if info.Services.Inbound == nil || info.Services.Outbound == nil || info.OpenRegistrations == nil {
				t.Errorf("required fields missing: %s", r.body)
			}
			if info.Usage.Users.Total != 3 {
				t.Errorf("usage.users.total = %d; want 3 members (not the instance actor)", info.Usage.Users.Total)
			}
			if info.Usage.LocalPosts != len(posts) {
				t.Errorf("usage.localPosts = %d; want %d", info.Usage.LocalPosts, len(posts))
			}
			if a := info.Usage.Users.ActiveMonth; a < 1 || a > 3 {
				t.Errorf("usage.users.activeMonth = %d", a)
			}
		})
	}

	if r := get(t, n.URL+"/nodeinfo/2.2"); r.code != http.StatusNotFound {
		t.Errorf("nodeinfo 2.2: %d; want 404", r.code)
	}
}

// WebFinger refuses what the policy can know: a request signed on a
// suspended host, or in allow-list mode on a host not allowed. Unsigned
// requests name no sender and are answered; a resource on another host
// (a blocked one included) never is.
func TestWebFingerPolicy(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	n.Member("alice", false)
	if _, err := n.Engine.AddDomainBlock(ctx, 0, storage.NodeDomainBlock{Domain: "spam.example"}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Engine.AddDomainAllow(ctx, 0, "partner.example"); err != nil {
		t.Fatal(err)
	}
	finger := func(resource, keyID string) int {
		req, err := http.NewRequest("GET", n.URL+"/.well-known/webfinger?"+url.Values{"resource": {resource}}.Encode(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if keyID != "" {
			req.Header.Set("Signature", `keyId="`+keyID+`",algorithm="rsa-sha256",headers="(request-target) host date",signature="AAAA"`)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	alice := "acct:alice@" + n.Host
	for _, tt := range []struct {
		name, resource, keyID string
		allowlist             bool
		code                  int
	}{
		{"unsigned", alice, "", false, http.StatusOK},
		{"signed by a suspended host", alice, "https://a.spam.example/actor#main-key", false, http.StatusForbidden},
		{"signed by another host", alice, "https://other.example/actor#main-key", false, http.StatusOK},
		{"a blocked host's account", "acct:bob@spam.example", "", false, http.StatusNotFound},
		{"allow-list: signed by a host not allowed", alice, "https://other.example/actor#main-key", true, http.StatusForbidden},
		{"allow-list: signed by an allowed host", alice, "https://partner.example/actor#main-key", true, http.StatusOK},
		{"allow-list: unsigned", alice, "", true, http.StatusOK},
	} {
		mode := storage.FederationOpen
		if tt.allowlist {
			mode = storage.FederationAllowlist
		}
		if err := n.Engine.SetFederationMode(ctx, 0, mode); err != nil {
			t.Fatal(err)
		}
		if code := finger(tt.resource, tt.keyID); code != tt.code {
			t.Errorf("%s: %d; want %d", tt.name, code, tt.code)
		}
	}
}
