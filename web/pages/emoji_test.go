package pages_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/federation/imaging/imagingtest"
	"github.com/copse-dev/copse/web/testrig"
)

// TestCustomEmojisOnPages: the node's emoji named in a member's post and
// display name shows as its image, with the shortcode as alternative
// text, on the post's page, the profile and the home page; a shortcode
// the node has not added stays text.
func TestCustomEmojisOnPages(t *testing.T) {
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	heron, err := n.Engine.AddCustomEmoji(ctx, 0, federation.NewEmoji{Shortcode: "heron"},
		bytes.NewReader(imagingtest.PNG(t, imagingtest.Halves(64, 64))))
	if err != nil {
		t.Fatal(err)
	}
	alice := n.Member("alice", false)
	if _, err := n.Engine.UpdateProfile(ctx, alice.ID, federation.Profile{DisplayName: "Alice :heron:", Discoverable: true}); err != nil {
		t.Fatal(err)
	}
	st := post(t, n, alice.ID, "A :heron: by the :owl: archive", activitypub.Public)
	img := `<img class="emoji" src="` + n.Engine.Emoji(heron).URL + `" alt=":heron:" title=":heron:" width="20" height="20">`
	for _, path := range []string{"/@alice/" + st.ID.String(), "/@alice", "/"} {
		t.Run(path, func(t *testing.T) {
			pageCase{path: path, code: http.StatusOK, contains: []string{"A " + img + " by the :owl: archive", "Alice " + img}}.check(t, n.URL)
		})
	}
}
