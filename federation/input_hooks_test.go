package federation

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

// TestLocalInputStoredClean: every text a member types is stored without
// control characters, through each way in: a post and its edit (text,
// content warning, title, poll options), a profile (display name, and the
// source an app edits), a media description.
func TestLocalInputStoredClean(t *testing.T) {
	e := mediaEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	st, err := e.Post(ctx, alice.ID, Draft{Text: "text" + dirty, SpoilerText: "cw" + dirty, Title: "title" + dirty,
		Visibility: activitypub.Public, Poll: &PollDraft{Options: []string{"yes" + dirty, "no"}, ExpiresIn: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	poll, err := e.store.PollByStatus(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	edited, err := e.Edit(ctx, alice.ID, st.ID, Draft{Text: "edited" + dirty, SpoilerText: "cw2" + dirty})
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.UpdateCredentials(ctx, alice.ID, Credentials{Profile: Profile{DisplayName: "Alice" + dirty, Note: "note" + dirty,
		Fields: []activitypub.Field{{Name: "name" + dirty, Value: "value" + dirty}}}})
	if err != nil {
		t.Fatal(err)
	}
	src, err := e.store.ProfileSource(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	media, err := e.UploadMedia(ctx, alice.ID, &img, "alt"+dirty, Focus{})
	if err != nil {
		t.Fatal(err)
	}
	desc := "alt2" + dirty
	media2, err := e.UpdateMedia(ctx, alice.ID, media.ID, &desc, nil)
	if err != nil {
		t.Fatal(err)
	}
	for what, s := range map[string]string{
		"source text": st.SourceText, "spoiler": st.SpoilerText, "title": st.Title, "poll option": poll.Options[0].Title,
		"edited source text": edited.SourceText, "edited spoiler": edited.SpoilerText,
		"display name": a.DisplayName, "note source": src.Note, "field name source": src.Fields[0].Name,
		"field value source": src.Fields[0].Value, "media description": media.Description,
		"edited media description": media2.Description,
	} {
		if hasUnsafe(s) {
			t.Errorf("%s = %q still holds control characters", what, s)
		}
	}
}
