package pages_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation/imaging/imagingtest"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestLinkCardOnPages: a post's link preview shows under it on its page,
// the member's profile and the home page, as text (a page's hostile
// title is escaped, never markup) with the page's image as this node
// keeps it, decorative (the title says what it is).
func TestLinkCardOnPages(t *testing.T) {
	picture := imagingtest.PNG(t, imagingtest.Halves(800, 400))
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/branch.png" {
			w.Header().Set("Content-Type", "image/png")
			w.Write(picture)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<head><meta property="og:title" content="%s"><meta property="og:description" content="Every branch.">
<meta property="og:site_name" content="Hampshire News"><meta property="og:image" content="/branch.png"></head>`, `Libraries &lt;b&gt;open&lt;/b&gt; late`)
	}))
	defer site.Close()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	st := post(t, n, alice.ID, "Good news: "+site.URL+"/story", activitypub.Public)
	testrig.Eventually(t, 10*time.Second, "the post's card", func() bool {
		cards, err := n.Store.CardsOf(context.Background(), []storage.ID{st.ID})
		return err == nil && len(cards) == 1
	})
	cards, err := n.Store.CardsOf(context.Background(), []storage.ID{st.ID})
	if err != nil || cards[st.ID].Image == "" {
		t.Fatalf("the card keeps no image: %+v, %v", cards, err)
	}
	card := `<div class="card"><img src="` + n.Engine.URLs().Media(cards[st.ID].Image) + `" alt="" width="400" height="200" loading="lazy"><p><a href="` + site.URL + `/story" rel="nofollow noopener noreferrer">Libraries &lt;b&gt;open&lt;/b&gt; late</a> <span class="meta">Hampshire News</span></p><p>Every branch.</p></div>`
	for _, path := range []string{"/@alice/" + st.ID.String(), "/@alice", "/"} {
		t.Run(path, func(t *testing.T) {
			pageCase{path: path, code: http.StatusOK, contains: []string{card}, absent: []string{"<b>open"}}.check(t, n.URL)
		})
	}
}
