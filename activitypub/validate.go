package activitypub

import (
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// What a peer sends is untrusted: the checks below run on every document
// as it is read, so nothing past the parsers sees a URL that is not
// http(s), a username Mastodon would refuse, or a control character.

// What one post from a peer may carry: the rest is dropped, and the post
// still arrives. A post holds a few of each; one signed megabyte could
// hold thousands, each a row, a lookup or a notification here.
const (
	MaxNoteMentions    = 100 // Mention tags, distinct by href
	MaxNoteHashtags    = 100 // Hashtags, distinct by name
	MaxNoteAttachments = 16
	MaxPollOptions     = 64
)

// How much text a peer's actor or post may bring, in characters; the
// rest is cut off. Each is shown with every post or profile it belongs
// to, so a peer must not fill them with a megabyte: the bounds are far
// above what any fediverse software lets its people write.
const (
	maxActorName    = 200    // a display name, shown beside every post
	maxActorSummary = 10_000 // a profile's bio
	maxActorFields  = 16     // profile fields (Misskey's limit; Mastodon's is 4)
	maxFieldName    = 255
	maxFieldValue   = 2_048
	maxAlsoKnownAs  = 256
	maxNoteName     = 1_000 // a title
	maxNoteSummary  = 5_000 // a content warning
	maxAltText      = 1_500 // a media description: Mastodon's limit
	maxPollOption   = 1_000
)

// cut returns s cut to at most n characters (runes).
func cut(s string, n int) string {
	if len(s) <= n { // bytes: no more runes than that
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// maxURLLength bounds a URL kept from a peer. Longer ones are not links
// anybody follows; they are payloads.
const maxURLLength = 4096

// maxUsernameLength is Mastodon's hard limit on a remote username
// (Account::USERNAME_LENGTH_HARD_LIMIT): refusing shorter ones would
// refuse actors Mastodon federates with.
const maxUsernameLength = 2048

// ValidURL reports whether s may be kept from a peer as a URL: an
// absolute http or https URL with a host, no user info, and no spaces or
// control characters. Anything else (javascript:, data:, a relative or
// host-less reference) would reach apps and pages as a link they follow.
func ValidURL(s string) bool {
	if s == "" || len(s) > maxURLLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		// url.Parse accepts spaces, quotes and angle brackets in places;
		// none belongs in a URL a peer sends (they must be escaped).
		if c := s[i]; c <= ' ' || c == 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '`' {
			return false
		}
	}
	if !utf8.ValidString(s) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" || u.User != nil {
		return false
	}
	if u.Scheme != "http" && u.Scheme != "https" { // url.Parse lower-cases it
		return false
	}
	return validHost(u.Hostname())
}

// validHost reports whether h is a DNS name (possibly internationalised)
// or an IP address. url.Parse lets quotes, brackets and the like through
// in a host.
func validHost(h string) bool {
	if h == "" {
		return false
	}
	if strings.Contains(h, ":") { // only an IPv6 literal has one
		_, err := netip.ParseAddr(h)
		return err == nil
	}
	for _, r := range h {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
		case r >= 0x80 && !unsafeRune(r): // an IDN label, before punycode
		default:
			return false
		}
	}
	return true
}

// ValidUsername reports whether s is a username Mastodon accepts from a
// peer: /\A[a-z0-9_]+([a-z0-9_\.-]+[a-z0-9_]+)?\z/i, at most
// maxUsernameLength long. Letters, digits and underscores, with dots and
// hyphens inside but not at either end. It is what goes into acct
// (user@host), which apps show and link.
func ValidUsername(s string) bool {
	if s == "" || len(s) > maxUsernameLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		case (c == '.' || c == '-') && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}

// CleanText strips from s what no text a person writes needs and what
// pages, apps and peers mishandle, whether s came from a member or a peer:
//
//   - C0 controls but tab and newline, DEL, and C1 controls (NUL truncates
//     C strings, ESC drives terminals, and XML and many JSON readers
//     refuse them). A carriage return is a line break: "\r\n" and a lone
//     "\r" become "\n".
//   - the explicit bidirectional embeddings, overrides and isolates
//     (U+202A–U+202E, U+2066–U+2069). They nest and leak past the end of
//     the field into whatever an app draws next (the acct, the next
//     post), which is how names and links are spoofed ("Trojan Source").
//     The implicit marks (U+200E, U+200F, U+061C) do not nest and stay, so
//     right-to-left writers can still place neutral characters; setting a
//     field's direction is the renderer's job (dir="auto").
//   - noncharacters (U+FFFE, U+FFFF and the rest), which are not text.
//   - invalid UTF-8, which becomes U+FFFD.
//
// Text without any of these is returned as it is, without allocating.
func CleanText(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\r':
			b.WriteByte('\n')
			if strings.HasPrefix(s[i+size:], "\n") {
				size++
			}
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case unsafeRune(r):
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// firstUnsafe returns the index of the first byte of s that CleanText
// changes, or -1.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == '\r' || c < ' ' && c != '\t' && c != '\n' || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unsafeRune(r) {
			return i
		}
		i += size
	}
	return -1
}

// unsafeRune reports whether CleanText drops r (tab, newline and carriage
// return aside).
func unsafeRune(r rune) bool {
	switch {
	case r < ' ' && r != '\t' && r != '\n':
		return true
	case r >= 0x7f && r <= 0x9f: // DEL and C1
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi embeddings, overrides, isolates
		return true
	case r >= 0xfdd0 && r <= 0xfdef, r&0xfffe == 0xfffe: // noncharacters
		return true
	}
	return false
}

// cleanURL returns s if it is a URL that may be kept (ValidURL), else "".
func cleanURL(s string) string {
	if ValidURL(s) {
		return s
	}
	return ""
}

// cleanURLs returns the valid URLs among ss.
func cleanURLs(ss []string) []string {
	var out []string
	for _, s := range ss {
		if ValidURL(s) {
			out = append(out, s)
		}
	}
	return out
}

// cleanActor drops from a, as read from a peer, every URL that is not
// ValidURL and a preferredUsername that is not ValidUsername, and strips
// its text with CleanText. An actor left with no id, inbox or username
// is refused by ParseActor and by whoever stores an embedded one.
func cleanActor(a *Actor) {
	a.ID = cleanURL(a.ID)
	if a.PreferredUsername != "" && !ValidUsername(a.PreferredUsername) {
		a.PreferredUsername = ""
	}
	a.Name, a.Summary = cut(CleanText(a.Name), maxActorName), cut(CleanText(a.Summary), maxActorSummary)
	a.URL = cleanURL(a.URL)
	a.Icon, a.Image = cleanImage(a.Icon), cleanImage(a.Image)
	a.Inbox, a.Outbox, a.SharedInbox = cleanURL(a.Inbox), cleanURL(a.Outbox), cleanURL(a.SharedInbox)
	a.Followers, a.Following, a.Featured = cleanURL(a.Followers), cleanURL(a.Following), cleanURL(a.Featured)
	a.PublicKey.ID, a.PublicKey.Owner = cleanURL(a.PublicKey.ID), cleanURL(a.PublicKey.Owner)
	a.AlsoKnownAs = cleanURLs(a.AlsoKnownAs)
	if len(a.AlsoKnownAs) > maxAlsoKnownAs {
		a.AlsoKnownAs = a.AlsoKnownAs[:maxAlsoKnownAs]
	}
	a.MovedTo = cleanURL(a.MovedTo)
	a.Moderators = cleanURL(a.Moderators)
	a.AttributedTo = cleanURL(a.AttributedTo)
	if len(a.Fields) > maxActorFields {
		a.Fields = a.Fields[:maxActorFields]
	}
	for i := range a.Fields {
		a.Fields[i].Name = cut(CleanText(a.Fields[i].Name), maxFieldName)
		a.Fields[i].Value = cut(CleanText(a.Fields[i].Value), maxFieldValue)
	}
}

func cleanImage(img *Image) *Image {
	if img == nil || !ValidURL(img.URL) {
		return nil
	}
	img.MediaType = CleanText(img.MediaType)
	return img
}

// cleanNote drops from n, as read from a peer, every URL that is not
// ValidURL (an attachment without one is dropped whole) and strips its
// text with CleanText. A note left with no id is refused by ParseNote;
// an embedded one with no id or author is refused by the inbox, which
// checks both against the actor.
func cleanNote(n *Note) {
	n.ID = cleanURL(n.ID)
	n.AttributedTo = cleanURL(n.AttributedTo)
	n.URL = cleanURL(n.URL)
	n.InReplyTo = cleanURL(n.InReplyTo)
	n.Replies = cleanURL(n.Replies)
	n.Audience = cleanURL(n.Audience)
	n.Context = cleanURL(n.Context)
	n.Name, n.Summary, n.Content = cut(CleanText(n.Name), maxNoteName), cut(CleanText(n.Summary), maxNoteSummary), CleanText(n.Content)
	if !validLanguage(n.Language) {
		n.Language = "" // apps put it in a lang attribute
	}
	tags := n.Tags[:0]
	mentions, hashtags := map[string]bool{}, map[string]bool{}
	for _, t := range n.Tags {
		t.Href, t.Name = cleanURL(t.Href), CleanText(t.Name)
		switch t.Type {
		case TagHashtag:
			if !validHashtag(t.Name) {
				continue // its name becomes a tag page and a link in apps
			}
			key := strings.ToLower(strings.TrimPrefix(t.Name, "#"))
			if hashtags[key] || len(hashtags) == MaxNoteHashtags {
				continue
			}
			hashtags[key] = true
		case TagMention:
			if mentions[t.Href] || len(mentions) == MaxNoteMentions {
				continue
			}
			mentions[t.Href] = true
		}
		tags = append(tags, t)
	}
	n.Tags = tags
	if len(n.Tags) == 0 {
		n.Tags = nil
	}
	atts := n.Attachments[:0]
	for _, a := range n.Attachments {
		if ValidURL(a.URL) && len(atts) < MaxNoteAttachments {
			a.Name = cut(CleanText(a.Name), maxAltText)
			a.MediaType, a.Blurhash = CleanText(a.MediaType), CleanText(a.Blurhash)
			atts = append(atts, a)
		}
	}
	n.Attachments = atts
	if len(n.Attachments) == 0 {
		n.Attachments = nil
	}
	if n.Poll != nil {
		if len(n.Poll.Options) > MaxPollOptions {
			n.Poll.Options = n.Poll.Options[:MaxPollOptions]
		}
		for i := range n.Poll.Options {
			n.Poll.Options[i].Name = cut(CleanText(n.Poll.Options[i].Name), maxPollOption)
		}
	}
}

// maxHashtagLength bounds a hashtag's name, as Mastodon does for its own.
const maxHashtagLength = 128

// validHashtag reports whether name ("#tag" or "tag") is a hashtag as
// Mastodon reads one: word characters (letters, marks, digits, "_"), with
// "·" and ZWNJ allowed, and not digits alone.
func validHashtag(name string) bool {
	name = strings.TrimPrefix(name, "#")
	if name == "" || utf8.RuneCountInString(name) > maxHashtagLength {
		return false
	}
	digitsOnly := true
	for _, r := range name {
		switch {
		case unicode.IsDigit(r):
		case unicode.IsLetter(r) || unicode.IsMark(r) || r == '_' || r == '·' || r == '\u200c':
			digitsOnly = false
		case unicode.IsNumber(r):
		default:
			return false
		}
	}
	return !digitsOnly
}

// validLanguage reports whether s has the shape of a BCP 47 language tag
// ("en", "en-GB", "zh-Hant-TW"): letters, digits and hyphens, in
// subtags of 1 to 8, the first all letters.
func validLanguage(s string) bool {
	if s == "" || len(s) > 35 {
		return false
	}
	for i, sub := range strings.Split(s, "-") {
		if sub == "" || len(sub) > 8 {
			return false
		}
		for j := 0; j < len(sub); j++ {
			c := sub[j]
			letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
			if !letter && (i == 0 || c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}
