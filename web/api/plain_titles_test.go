package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

// A title is stored as plain text, on the node that wrote it and on the
// node it reached, and escaped once where it is written into HTML: the
// API's content, the page. Served again as ActivityPub, its name is the
// same plain text. Before, the receiving node stored it HTML-escaped
// (re-served as "Tea &amp; biscuits &lt;3"), and the API wrote a local
// title into HTML unescaped.
func TestTitlesArePlainTextEscapedOnce(t *testing.T) {
	t.Parallel()
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	const title = "Tea & biscuits <3"
	const inHTML = "Tea &amp; biscuits &lt;3"
	mia := a.Member("mia", false)
	bea := b.Member("bea", false)
	stFollow(t, a, mia, a.Resolve(b.Acct("bea")))
	ctx := context.Background()
	st, err := b.Engine.Post(ctx, bea.ID, federation.Draft{Title: title, Text: "What we serve at the reading group.",
		Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	onA := stArrived(t, a, st.URI)

	remote, err := a.Store.StatusByID(ctx, onA)
	if err != nil {
		t.Fatal(err)
	}
	if remote.Title != title {
		t.Errorf("title stored on the receiving node: %q; want %q", remote.Title, title)
	}
	note, err := a.Engine.Note(ctx, remote)
	if err != nil {
		t.Fatal(err)
	}
	body, err := activitypub.MarshalNote(note)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.Name != title {
		t.Errorf("re-served as ActivityPub, name %q (%v); want %q", doc.Name, err, title)
	}

	for _, c := range []struct {
		node *testrig.Node
		id   string
	}{
		{b, st.ID.String()},
		{a, onA.String()},
	} {
		var got struct {
			Content string `json:"content"`
		}
		if code, _, raw := call(t, "GET", c.node.URL+"/api/v1/statuses/"+c.id, "", nil, &got); code != http.StatusOK {
			t.Fatalf("GET on %s: %d %s", c.node.Host, code, raw)
		}
		if want := "<p><strong>" + inHTML + "</strong></p>"; !strings.HasPrefix(got.Content, want) {
			t.Errorf("API content on %s: %q; want it to start %q", c.node.Host, got.Content, want)
		}
	}

	resp, err := http.Get(b.URL + "/@bea/" + st.ID.String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("page: %d, %v", resp.StatusCode, err)
	}
	if !strings.Contains(string(page), "<h1>"+inHTML+"</h1>") || strings.Contains(string(page), "&amp;amp;") {
		t.Errorf("the page does not show the title escaped once:\n%s", page)
	}
}
