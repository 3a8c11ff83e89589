package activitypub

import (
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// badURLs are URLs a peer may send that must never be kept: each would
// reach an app or a page as a link that runs script, carries a document,
// resolves against the wrong host, or hides where it goes.
var badURLs = []struct{ name, url string }{
	{"javascript", "javascript:alert(1)"},
	{"javascript in capitals, with a host", "JavaScript://x.example/%0aalert(1)"},
	{"data", "data:text/html,<script>alert(1)</script>"},
	{"data image", "data:image/png;base64,iVBORw0KGgo="},
	{"relative path", "/users/mallory"},
	{"relative word", "mallory"},
	{"scheme-relative", "//evil.example/users/mallory"},
	{"host-less", "https:///users/mallory"},
	{"opaque http", "http:evil.example"},
	{"user info", "https://council-a.example@evil.example/"},
	{"quote in host", `https://x.example"onmouseover="alert(1)/`},
	{"newline", "https://x.example/a\nb"},
	{"ftp", "ftp://x.example/file"},
	{"empty", ""},
}

func TestValidURL(t *testing.T) {
	good := []string{
		"https://council-a.example/users/olli",
		"http://localhost:8080/users/olli",
		"HTTPS://Council-A.example/@olli",
		"https://[2001:db8::1]:8443/users/olli#main-key",
		"https://127.0.0.1/users/olli?page=2",
		"https://bücher.example/@olli",
		"https://x.example/@olli/%E2%9C%93",
	}
	for _, s := range good {
		t.Run("accepts "+s, func(t *testing.T) {
			if !ValidURL(s) {
				t.Errorf("ValidURL(%q) = false", s)
			}
		})
	}
	for _, tt := range badURLs {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			if ValidURL(tt.url) {
				t.Errorf("ValidURL(%q) = true", tt.url)
			}
		})
	}
	// go-fed escapes a space when it reads an IRI, so only ValidURL
	// itself sees one.
	t.Run("refuses a space", func(t *testing.T) {
		if ValidURL("https://x.example/a b") {
			t.Error("accepted")
		}
	})
	t.Run("refuses a very long URL", func(t *testing.T) {
		if ValidURL("https://x.example/" + strings.Repeat("a", maxURLLength)) {
			t.Error("accepted")
		}
	})
}

// mastodonUsername is Mastodon's rule, written as a regular expression to
// check ValidUsername against.
var mastodonUsername = regexp.MustCompile(`(?i)^[a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)?$`)

func TestValidUsername(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"plain", "olli", true},
		{"capitals", "Olli_M", true},
		{"one character", "a", true},
		{"dots and hyphens inside", "olli.makinen-2", true},
		{"an instance actor named after its host", "council-a.example", true},
		{"markup", `xss"><script>alert(1)</script>`, false},
		{"an at sign", "olli@evil.example", false},
		{"a space", "olli makinen", false},
		{"a leading dot", ".olli", false},
		{"a trailing hyphen", "olli-", false},
		{"non-ASCII", "mäkinen", false},
		{"a NUL", "olli\x00", false},
		{"a right-to-left override", "olli\u202e", false},
		{"empty", "", false},
		{"at the length limit", strings.Repeat("a", maxUsernameLength), true},
		{"over the length limit", strings.Repeat("a", maxUsernameLength+1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidUsername(tt.in); got != tt.want {
				t.Errorf("ValidUsername(%q) = %v; want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain text is kept", "Olli Mäkinen: 10 €, 漢字, مرحبا", "Olli Mäkinen: 10 €, 漢字, مرحبا"},
		{"tab and newline stay", "a\tb\nc", "a\tb\nc"},
		{"NUL", "a\x00b", "ab"},
		{"other C0 controls", "a\x01\x07\x08\x1b[31mb", "a[31mb"},
		{"CRLF becomes a newline", "a\r\nb", "a\nb"},
		{"a lone CR becomes a newline", "a\rb\r", "a\nb\n"},
		{"DEL and C1", "a\x7f\u0085\u009bb", "ab"},
		{"bidi override", "invoice\u202etxt.exe", "invoicetxt.exe"},
		{"bidi isolates and embeddings", "\u2066a\u2069\u202ab\u202c", "ab"},
		{"bidi marks stay", "\u200fشكرا\u200e!", "\u200fشكرا\u200e!"},
		{"noncharacters", "a\ufffeb\uffff\ufdd0c\U0001fffe", "abc"},
		{"zero-width joiner in an emoji stays", "👩\u200d💻", "👩\u200d💻"},
		{"invalid UTF-8 becomes U+FFFD", "a\xffb", "a\ufffdb"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CleanText(tt.in); got != tt.want {
				t.Errorf("CleanText(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

// actorDoc is a Mastodon-shaped actor with every URL property set, as
// decoded JSON, for the tests to spoil one property at a time.
func actorDoc() map[string]any {
	id := "https://peer.example/users/olli"
	return map[string]any{
		"@context":          []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":                id,
		"type":              "Person",
		"preferredUsername": "olli",
		"name":              "Olli",
		"url":               "https://peer.example/@olli",
		"icon":              map[string]any{"type": "Image", "mediaType": "image/png", "url": "https://peer.example/avatar.png"},
		"image":             map[string]any{"type": "Image", "mediaType": "image/png", "url": "https://peer.example/header.png"},
		"inbox":             id + "/inbox",
		"outbox":            id + "/outbox",
		"followers":         id + "/followers",
		"following":         id + "/following",
		"featured":          id + "/collections/featured",
		"endpoints":         map[string]any{"sharedInbox": "https://peer.example/inbox"},
		"alsoKnownAs":       []any{"https://old.example/users/olli"},
		"movedTo":           "https://new.example/users/olli",
		"attributedTo":      id + "/moderators",
		"publicKey":         map[string]any{"id": id + "#main-key", "owner": id, "publicKeyPem": testPEM},
		"tag": []any{map[string]any{"type": "Emoji", "name": ":blob:",
			"icon": map[string]any{"type": "Image", "url": "https://peer.example/blob.png"}}},
	}
}

// TestParseActorDropsBadURLs spoils each URL an actor carries, in turn,
// with each bad URL: the property is dropped, or, for the id and inbox,
// the actor is refused.
func TestParseActorDropsBadURLs(t *testing.T) {
	fields := []struct {
		name   string
		set    func(m map[string]any, u string)
		get    func(a Actor) string // "" when dropped
		refuse bool
	}{
		{"id", func(m map[string]any, u string) { m["id"] = u }, func(a Actor) string { return a.ID }, true},
		{"inbox", func(m map[string]any, u string) { m["inbox"] = u }, func(a Actor) string { return a.Inbox }, true},
		{"url", func(m map[string]any, u string) { m["url"] = u }, func(a Actor) string { return a.URL }, false},
		{"url as a Link", func(m map[string]any, u string) { m["url"] = map[string]any{"type": "Link", "href": u} },
			func(a Actor) string { return a.URL }, false},
		{"icon", func(m map[string]any, u string) { m["icon"].(map[string]any)["url"] = u }, func(a Actor) string { return imageURL(a.Icon) }, false},
		{"icon as a bare IRI", func(m map[string]any, u string) { m["icon"] = u }, func(a Actor) string { return imageURL(a.Icon) }, false},
		{"image", func(m map[string]any, u string) { m["image"].(map[string]any)["url"] = u }, func(a Actor) string { return imageURL(a.Image) }, false},
		{"outbox", func(m map[string]any, u string) { m["outbox"] = u }, func(a Actor) string { return a.Outbox }, false},
		{"followers", func(m map[string]any, u string) { m["followers"] = u }, func(a Actor) string { return a.Followers }, false},
		{"following", func(m map[string]any, u string) { m["following"] = u }, func(a Actor) string { return a.Following }, false},
		{"featured", func(m map[string]any, u string) { m["featured"] = u }, func(a Actor) string { return a.Featured }, false},
		{"sharedInbox", func(m map[string]any, u string) { m["endpoints"] = map[string]any{"sharedInbox": u} },
			func(a Actor) string { return a.SharedInbox }, false},
		{"alsoKnownAs", func(m map[string]any, u string) { m["alsoKnownAs"] = []any{u} },
			func(a Actor) string { return strings.Join(a.AlsoKnownAs, " ") }, false},
		{"movedTo", func(m map[string]any, u string) { m["movedTo"] = u }, func(a Actor) string { return a.MovedTo }, false},
		{"attributedTo (a Group's moderators)", func(m map[string]any, u string) { m["attributedTo"] = u },
			func(a Actor) string { return a.AttributedTo }, false},
		{"publicKey id", func(m map[string]any, u string) { m["publicKey"].(map[string]any)["id"] = u },
			func(a Actor) string { return a.PublicKey.ID }, false},
		{"publicKey owner", func(m map[string]any, u string) { m["publicKey"].(map[string]any)["owner"] = u },
			func(a Actor) string { return a.PublicKey.Owner }, false},
		{"emoji icon", func(m map[string]any, u string) {
			m["tag"].([]any)[0].(map[string]any)["icon"].(map[string]any)["url"] = u
		}, func(a Actor) string { return emojiURLs(a.Emojis) }, false},
	}
	for _, f := range fields {
		t.Run(f.name+" kept when good", func(t *testing.T) {
			a, err := ParseActor(mustJSON(t, actorDoc()))
			if err != nil {
				t.Fatal(err)
			}
			if f.get(a) == "" {
				t.Errorf("a good %s was dropped", f.name)
			}
		})
		for _, bad := range badURLs {
			if bad.url == "" {
				continue // absent, not bad
			}
			t.Run(f.name+" "+bad.name, func(t *testing.T) {
				m := actorDoc()
				f.set(m, bad.url)
				a, err := ParseActor(mustJSON(t, m))
				if f.refuse {
					if !errors.Is(err, ErrInvalid) {
						t.Fatalf("ParseActor = %+v, %v; want ErrInvalid", a, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("ParseActor: %v; want the actor without its %s", err, f.name)
				}
				if got := f.get(a); got != "" {
					t.Errorf("%s = %q kept; want it dropped", f.name, got)
				}
			})
		}
	}
}

func TestParseActorUsername(t *testing.T) {
	tests := []struct {
		name     string
		username any
		ok       bool
	}{
		{"valid", "olli.makinen", true},
		{"markup", `xss"><script>alert(1)</script>`, false},
		{"user@host", "olli@evil.example", false},
		{"a space", "olli makinen", false},
		{"control character", "olli\u0000", false},
		{"not a string", 42, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := actorDoc()
			m["preferredUsername"] = tt.username
			a, err := ParseActor(mustJSON(t, m))
			if tt.ok {
				if err != nil || a.PreferredUsername != tt.username {
					t.Errorf("ParseActor = %q, %v; want %q", a.PreferredUsername, err, tt.username)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseActor = %q, %v; want ErrInvalid", a.PreferredUsername, err)
			}
		})
	}
	t.Run("an embedded actor loses the username, so it cannot be stored", func(t *testing.T) {
		m := actorDoc()
		m["preferredUsername"] = `xss"><script>`
		act, err := ParseActivity(mustJSON(t, map[string]any{"id": "https://peer.example/u/1", "type": "Update",
			"actor": m["id"], "object": m}))
		if err != nil {
			t.Fatal(err)
		}
		if act.Object.Actor == nil || act.Object.Actor.PreferredUsername != "" {
			t.Errorf("embedded actor = %+v; want it without a username", act.Object.Actor)
		}
	})
}

// noteDoc is a Mastodon-shaped note with every URL property set.
func noteDoc() map[string]any {
	id := "https://peer.example/users/olli/statuses/1"
	return map[string]any{
		"@context":     "https://www.w3.org/ns/activitystreams",
		"id":           id,
		"type":         "Note",
		"attributedTo": "https://peer.example/users/olli",
		"url":          "https://peer.example/@olli/1",
		"inReplyTo":    "https://other.example/notes/9",
		"replies":      id + "/replies",
		"content":      "<p>Hello</p>",
		"to":           []any{PublicIRI},
		"attachment": []any{map[string]any{"type": "Document", "mediaType": "image/png",
			"url": "https://peer.example/media/1.png", "name": "a chart"}},
		"tag": []any{
			map[string]any{"type": "Mention", "href": "https://council-a.example/users/alice", "name": "@alice"},
			map[string]any{"type": "Hashtag", "href": "https://peer.example/tags/libraries", "name": "#libraries"},
			map[string]any{"type": "Emoji", "name": ":blob:", "icon": map[string]any{"type": "Image", "url": "https://peer.example/blob.png"}},
		},
	}
}

func TestParseNoteDropsBadURLs(t *testing.T) {
	tag := func(i int) func(m map[string]any, u string) {
		return func(m map[string]any, u string) { m["tag"].([]any)[i].(map[string]any)["href"] = u }
	}
	tagHref := func(typ string) func(n Note) string {
		return func(n Note) string {
			for _, t := range n.Tags {
				if t.Type == typ {
					return t.Href
				}
			}
			return ""
		}
	}
	fields := []struct {
		name   string
		set    func(m map[string]any, u string)
		get    func(n Note) string
		refuse bool
	}{
		{"id", func(m map[string]any, u string) { m["id"] = u }, func(n Note) string { return n.ID }, true},
		{"url", func(m map[string]any, u string) { m["url"] = u }, func(n Note) string { return n.URL }, false},
		{"url as a Link", func(m map[string]any, u string) {
			m["url"] = []any{map[string]any{"type": "Link", "href": u, "mediaType": "text/html"}}
		},
			func(n Note) string { return n.URL }, false},
		{"attributedTo", func(m map[string]any, u string) { m["attributedTo"] = u }, func(n Note) string { return n.AttributedTo }, false},
		{"inReplyTo", func(m map[string]any, u string) { m["inReplyTo"] = u }, func(n Note) string { return n.InReplyTo }, false},
		{"replies", func(m map[string]any, u string) { m["replies"] = u }, func(n Note) string { return n.Replies }, false},
		{"attachment url", func(m map[string]any, u string) { m["attachment"].([]any)[0].(map[string]any)["url"] = u },
			func(n Note) string { return attachmentURLs(n.Attachments) }, false},
		{"attachment as a Link", func(m map[string]any, u string) { m["attachment"] = []any{map[string]any{"type": "Link", "href": u}} },
			func(n Note) string { return attachmentURLs(n.Attachments) }, false},
		{"mention href", tag(0), tagHref(TagMention), false},
		{"hashtag href", tag(1), tagHref(TagHashtag), false},
		{"emoji icon", func(m map[string]any, u string) {
			m["tag"].([]any)[2].(map[string]any)["icon"].(map[string]any)["url"] = u
		}, func(n Note) string { return emojiURLs(n.Emojis) }, false},
	}
	for _, f := range fields {
		t.Run(f.name+" kept when good", func(t *testing.T) {
			m := noteDoc()
			if f.name == "attachment as a Link" {
				f.set(m, "https://peer.example/page")
			}
			n, err := ParseNote(mustJSON(t, m))
			if err != nil {
				t.Fatal(err)
			}
			if f.get(n) == "" {
				t.Errorf("a good %s was dropped", f.name)
			}
		})
		for _, bad := range badURLs {
			if bad.url == "" {
				continue
			}
			t.Run(f.name+" "+bad.name, func(t *testing.T) {
				m := noteDoc()
				f.set(m, bad.url)
				n, err := ParseNote(mustJSON(t, m))
				if f.refuse {
					if !errors.Is(err, ErrInvalid) {
						t.Fatalf("ParseNote = %+v, %v; want ErrInvalid", n, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("ParseNote: %v; want the note without its %s", err, f.name)
				}
				if got := f.get(n); got != "" {
					t.Errorf("%s = %q kept; want it dropped", f.name, got)
				}
			})
		}
	}
}

func TestParseNoteHashtagNames(t *testing.T) {
	tests := []struct {
		name, tag string
		keep      bool
	}{
		{"a word", "#libraries", true},
		{"letters of any script", "#bibliothèque_日本", true},
		{"markup", `#<img src=x onerror=alert(1)>`, false},
		{"a slash", "#a/../../admin", false},
		{"digits only", "#2026", false},
		{"empty", "#", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := noteDoc()
			m["tag"] = []any{map[string]any{"type": "Hashtag", "name": tt.tag}}
			n, err := ParseNote(mustJSON(t, m))
			if err != nil {
				t.Fatal(err)
			}
			if kept := len(n.Tags) == 1; kept != tt.keep {
				t.Errorf("tags = %+v; kept %v, want %v", n.Tags, kept, tt.keep)
			}
		})
	}
}

func TestParseNoteLanguage(t *testing.T) {
	tests := []struct{ name, lang, want string }{
		{"a language", "en", "en"},
		{"with a region", "en-GB", "en-GB"},
		{"with a script and region", "zh-Hant-TW", "zh-Hant-TW"},
		{"markup", `en"><script>`, ""},
		{"a space", "en GB", ""},
		{"digits first", "12", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := noteDoc()
			m["contentMap"] = map[string]any{tt.lang: "<p>Hello</p>"}
			n, err := ParseNote(mustJSON(t, m))
			if err != nil {
				t.Fatal(err)
			}
			if n.Language != tt.want {
				t.Errorf("language = %q; want %q", n.Language, tt.want)
			}
		})
	}
}

// TestParseStripsControlCharacters: the text of a peer's note and actor
// reaches storage without control characters, wherever it is read.
func TestParseStripsControlCharacters(t *testing.T) {
	const dirty, clean = "a\x00b\x1b\u202ec\r\nd", "abc\nd"
	n := noteDoc()
	n["type"] = "Question"
	n["name"], n["summary"], n["content"] = dirty, dirty, dirty
	n["attachment"].([]any)[0].(map[string]any)["name"] = dirty
	n["tag"].([]any)[0].(map[string]any)["name"] = dirty
	n["oneOf"] = []any{map[string]any{"type": "Note", "name": dirty}}
	note, err := ParseNote(mustJSON(t, n))
	if err != nil {
		t.Fatal(err)
	}
	a := actorDoc()
	a["name"], a["summary"] = dirty, dirty
	a["attachment"] = []any{map[string]any{"type": "PropertyValue", "name": dirty, "value": dirty}}
	actor, err := ParseActor(mustJSON(t, a))
	if err != nil {
		t.Fatal(err)
	}
	flag, err := ParseActivity(mustJSON(t, map[string]any{"id": "https://peer.example/flag/1", "type": "Flag",
		"actor": "https://peer.example/actor", "object": "https://council-a.example/users/alice", "content": dirty}))
	if err != nil {
		t.Fatal(err)
	}
	for what, got := range map[string]string{
		"note name": note.Name, "note summary": note.Summary, "note content": note.Content,
		"attachment description": note.Attachments[0].Name, "mention name": note.Tags[0].Name,
		"poll option": note.Poll.Options[0].Name,
		"actor name":  actor.Name, "actor summary": actor.Summary,
		"field name": actor.Fields[0].Name, "field value": actor.Fields[0].Value,
		"flag comment": flag.Content,
	} {
		if got != clean {
			t.Errorf("%s = %q; want %q", what, got, clean)
		}
	}
}

// FuzzValidURL: whatever ValidURL accepts is an absolute http(s) URL with
// a host, and holds nothing that breaks out of an HTML attribute.
func FuzzValidURL(f *testing.F) {
	for _, s := range []string{
		"https://council-a.example/users/olli", "http://localhost:8080/@a", "https://[::1]:443/x",
		"https://bücher.example/", "HTTPS://X.EXAMPLE/%00",
	} {
		f.Add(s)
	}
	for _, b := range badURLs {
		f.Add(b.url)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !ValidURL(s) {
			return
		}
		u, err := url.Parse(s)
		if err != nil {
			t.Fatalf("ValidURL(%q) but url.Parse: %v", s, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Hostname() == "" || u.User != nil || u.Opaque != "" {
			t.Errorf("ValidURL(%q): scheme %q, host %q, user %v, opaque %q", s, u.Scheme, u.Hostname(), u.User, u.Opaque)
		}
		if strings.ContainsAny(s, "\"<> \t\r\n\x00`\\") {
			t.Errorf("ValidURL(%q) lets markup or whitespace through", s)
		}
		if !utf8.ValidString(s) || CleanText(s) != s {
			t.Errorf("ValidURL(%q) accepts unsafe characters", s)
		}
	})
}

// FuzzValidUsername: ValidUsername is exactly Mastodon's rule, within the
// length bound.
func FuzzValidUsername(f *testing.F) {
	for _, s := range []string{"olli", "a", "olli.makinen", "a-b_c", ".a", "a.", "a..b", "xss\"><script>", "a@b", "mäkinen", "a\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := len(s) <= maxUsernameLength && mastodonUsername.MatchString(s)
		if got := ValidUsername(s); got != want {
			t.Errorf("ValidUsername(%q) = %v; Mastodon's rule says %v", s, got, want)
		}
	})
}

// FuzzCleanText: the output is valid UTF-8 without a character CleanText
// drops, and cleaning twice changes nothing.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"plain", "a\x00b", "a\r\nb\r", "\u202e", "\xff\xfe", "\ufffe\U0010ffff", "👩\u200d💻"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := CleanText(s)
		if !utf8.ValidString(got) || firstUnsafe(got) >= 0 {
			t.Errorf("CleanText(%q) = %q, still unsafe", s, got)
		}
		if CleanText(got) != got {
			t.Errorf("CleanText is not idempotent on %q", s)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func imageURL(img *Image) string {
	if img == nil {
		return ""
	}
	return img.URL
}

func emojiURLs(es []Emoji) string {
	var out []string
	for _, e := range es {
		out = append(out, e.URL)
	}
	return strings.Join(out, " ")
}

func attachmentURLs(as []Attachment) string {
	var out []string
	for _, a := range as {
		out = append(out, a.URL)
	}
	return strings.Join(out, " ")
}
