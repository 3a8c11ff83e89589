package federation

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestParseCard(t *testing.T) {
	page, _ := url.Parse("https://news.example/2026/12/libraries?ref=copse")
	tests := []struct {
		name, html string
		ok         bool
		title      string
		desc       string
		provider   string
		author     string
		lang       string
		published  string
		image      string
	}{
		{name: "OpenGraph first", ok: true, html: `<!doctype html><html lang="en-GB"><head><title>Page title</title>
<meta property="og:title" content="Libraries open late &amp; early">
<meta property="og:description" content="From Monday,
   every branch.">
<meta property="og:site_name" content="Hampshire News">
<meta name="author" content="Jo Bloggs">
<meta property="article:published_time" content="2026-12-01T09:30:00+01:00">
<meta property="og:image" content="/img/branch.jpg"><meta name="twitter:image" content="https://cdn.example/t.jpg">
</head><body><meta property="og:title" content="in the body"></body></html>`,
			title: "Libraries open late & early", desc: "From Monday, every branch.", provider: "Hampshire News", author: "Jo Bloggs",
			lang: "en", published: "2026-12-01T08:30:00Z", image: "https://news.example/img/branch.jpg"},
		{name: "Twitter's image when OpenGraph has none", ok: true, html: `<head><title>T</title><meta name="twitter:image" content="https://cdn.example/t.jpg"></head>`,
			title: "T", image: "https://cdn.example/t.jpg"},
		{name: "an image that is no web address is left out", ok: true, html: `<head><title>T</title><meta property="og:image" content="javascript:alert(1)"><meta property="og:image:url" content="data:image/png;base64,AA"></head>`,
			title: "T"},
		{name: "the page's own title and description", ok: true, html: `<html><head><TITLE> Opening
hours </TITLE><meta name="description" content="When we open."><meta property="og:locale" content="cy_GB"></head>`,
			title: "Opening hours", desc: "When we open.", lang: "cy"},
		{name: "Twitter's when OpenGraph says nothing", ok: true, html: `<head><meta name="twitter:title" content="Tweeted">
<meta name="twitter:description" content="Short."><meta property="og:title" content=""></head>`,
			title: "Tweeted", desc: "Short."},
		{name: "an author given as a link is not a name", ok: true, html: `<head><title>T</title><meta property="article:author" content="https://news.example/jo"></head>`,
			title: "T"},
		{name: "no title: no card", html: `<html><head><meta property="og:description" content="Only this"></head><body><h1>Big</h1></body>`},
		{name: "a title only in the body is not read", html: `<html><body><title>late</title></body>`},
		{name: "not HTML at all", html: "\x00\x01\x02 binary"},
		{name: "control characters and a long title", ok: true, html: `<head><title>` + "Bad\x07title " + strings.Repeat("é", 300) + `</title></head>`,
			title: "Bad title " + strings.Repeat("é", 189) + "…"},
		{name: "a script is text, never markup", ok: true, html: `<head><meta property="og:title" content="<script>alert(1)</script>"></head>`,
			title: "<script>alert(1)</script>"},
		{name: "a bad date and a bad language are left out", ok: true, html: `<html lang="x"><head><title>T</title><meta property="article:published_time" content="yesterday"></head>`,
			title: "T"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card, image, ok := parseCard([]byte(tt.html), page)
			if ok != tt.ok {
				t.Fatalf("ok = %v; want %v (%+v)", ok, tt.ok, card)
			}
			if !ok {
				return
			}
			var published string
			if !card.PublishedAt.IsZero() {
				published = card.PublishedAt.Format(time.RFC3339)
			}
			got := []string{card.Title, card.Description, card.ProviderName, card.AuthorName, card.Language, published, card.ProviderURL, card.URL, image}
			want := []string{tt.title, tt.desc, tt.provider, tt.author, tt.lang, tt.published, "https://news.example", page.String(), tt.image}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("field %d = %q; want %q", i, got[i], want[i])
				}
			}
		})
	}
}

func TestCardLink(t *testing.T) {
	tests := []struct{ name, content, want string }{
		{"the first link elsewhere", `<p>See <a href="https://news.example/a#top">this</a> and <a href="https://b.example/">that</a></p>`,
			"https://news.example/a"},
		{"mentions and hashtags are not pages", `<p><span class="h-card"><a href="https://peer.example/@jo" class="u-url mention">@jo</a></span>
<a href="https://copse.example/tags/hours" class="mention hashtag" rel="tag">#hours</a> <a href="http://news.example/b">b</a></p>`,
			"http://news.example/b"},
		{"this node's own pages are not previewed", `<a href="https://copse.example/@alice/1">mine</a>`, ""},
		{"only the web", `<a href="mailto:a@b.example">mail</a><a href="javascript:alert(1)">x</a><a href="ftp://f.example/">f</a>`, ""},
		{"no credentials in a link", `<a href="https://user:pw@news.example/">x</a>`, ""},
		{"no link", `<p>Plain text https://news.example/ not linked</p>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cardLink(tt.content, "copse.example"); got != tt.want {
				t.Errorf("cardLink = %q; want %q", got, tt.want)
			}
		})
	}
}
