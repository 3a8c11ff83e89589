package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/federation/imaging/imagingtest"
	"github.com/copse-dev/copse/web/testrig"
)

// TestLinkCards: a post that links to a web page shows that page's card
// in apps (go-mastodon reads it): its OpenGraph title, description,
// site and language, and its image as this node keeps it (a thumbnail
// served from the node, never the linked site's address); an image that
// is no image leaves the card without one. The page is read once for every post
// that links there; a link to something that is not a page gives no
// card; an edit that drops the link drops the card, and one that links
// elsewhere shows the other page's.
func TestLinkCards(t *testing.T) {
	var storyReads atomic.Int32
	picture := imagingtest.PNG(t, imagingtest.Halves(1200, 630))
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/story":
			storyReads.Add(1)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!doctype html><html lang="en-GB"><head><title>Story</title>
<meta property="og:title" content="Libraries open late">
<meta property="og:description" content="Every branch, from Monday.">
<meta property="og:site_name" content="Hampshire News">
<meta property="og:image" content="/big.png">
</head><body>…</body></html>`)
		case "/big.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(picture)
		case "/report":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<html><head><title>Annual report</title><meta property="og:image" content="/data.csv"></head></html>`)
		case "/latin":
			w.Header().Set("Content-Type", "text/html; charset=iso-8859-1")
			fmt.Fprint(w, "<html><head><title>Caf\xe9 d\xe9bat</title></head></html>")
		case "/data.csv":
			w.Header().Set("Content-Type", "text/csv")
			fmt.Fprint(w, "a,b\n1,2\n")
		default:
			http.NotFound(w, r)
		}
	}))
	defer site.Close()

	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	c := stClient(n, n.Token(alice))
	ctx := context.Background()
	post := func(text string) *mastodon.Status {
		t.Helper()
		st, err := c.PostStatus(ctx, &mastodon.Toot{Status: text, Visibility: "public"})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	cardOf := func(id mastodon.ID) *mastodon.Card {
		t.Helper()
		st, err := c.GetStatus(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return st.Card
	}

	first := post("Good news: " + site.URL + "/story")
	testrig.Eventually(t, stWait, "the story's card", func() bool { return cardOf(first.ID) != nil })
	card := cardOf(first.ID)
	if card.URL != site.URL+"/story" || card.Title != "Libraries open late" || card.Description != "Every branch, from Monday." ||
		card.ProviderName != "Hampshire News" || card.ProviderURL != site.URL || card.Type != "link" ||
		!strings.HasPrefix(card.Image, n.URL+"/media/") || card.Width != 400 || card.Height != 210 {
		t.Fatalf("card = %+v", card)
	}
	resp, err := http.Get(card.Image)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("the card's image: %d %s; want this node's JPEG", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	second := post("Also " + site.URL + "/story again")
	csv := post("The figures: " + site.URL + "/data.csv")
	gone := post("Broken: " + site.URL + "/missing")
	latin := post("En français: " + site.URL + "/latin")
	testrig.Eventually(t, stWait, "the second post's card", func() bool { return cardOf(second.ID) != nil })
	// The worker reads in order: once the last post's page was tried, the
	// others were too.
	marker := post("Last: " + site.URL + "/report")
	testrig.Eventually(t, stWait, "the report's card", func() bool { return cardOf(marker.ID) != nil })
	if card := cardOf(marker.ID); card.Image != "" {
		t.Errorf("the report's card has image %q; its og:image is no image", card.Image)
	}
	if got := storyReads.Load(); got != 1 {
		t.Errorf("the story was read %d times; want once for both posts", got)
	}
	for _, st := range []*mastodon.Status{csv, gone} {
		if card := cardOf(st.ID); card != nil {
			t.Errorf("%s: card %+v; want none", st.Content, card)
		}
	}
	// The timeline reads cards for a page of statuses at once.
	tl, err := c.GetTimelineHome(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	cards := map[mastodon.ID]string{}
	for _, st := range tl {
		if st.Card != nil {
			cards[st.ID] = st.Card.Title
		}
	}
	if len(cards) != 4 || cards[first.ID] != "Libraries open late" || cards[marker.ID] != "Annual report" || cards[latin.ID] != "Café débat" {
		t.Errorf("cards in the home timeline = %v", cards)
	}

	if _, err := c.UpdateStatus(ctx, &mastodon.Toot{Status: "Good news, no link now"}, first.ID); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, stWait, "the edit drops the card", func() bool { return cardOf(first.ID) == nil })
	if _, err := c.UpdateStatus(ctx, &mastodon.Toot{Status: "Now this: " + site.URL + "/report"}, second.ID); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, stWait, "the edit shows the other page's card", func() bool {
		card := cardOf(second.ID)
		return card != nil && card.Title == "Annual report"
	})
}
