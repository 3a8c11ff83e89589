package federation

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

func TestShortcodesIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		texts []string
		want  []string
	}{
		{"one", []string{"spotted a :heron: today"}, []string{"heron"}},
		{"at the edges, in order, repeats once", []string{":wren: and :heron:", ":heron:"}, []string{"wren", "heron"}},
		{"after punctuation and in brackets", []string{"(:heron:) —:wren:, \"x\"\n:owl:"}, []string{"heron", "wren", "owl"}},
		{"a time names none", []string{"meet at 10:30:45"}, nil},
		{"words joined by colons name none", []string{"a:bc:d", "é:heron:"}, nil},
		{"two back to back name none", []string{":heron::wren:"}, nil},
		{"one letter is too short", []string{":x: :ab:"}, []string{"ab"}},
		{"other characters break it", []string{":he-ron: :her on: :héron:"}, nil},
		{"an unclosed colon", []string{"note: heron"}, nil},
		{"underscores and digits", []string{"_:blob_cat_2:_"}, []string{"blob_cat_2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shortcodesIn(tt.texts...); !slices.Equal(got, tt.want) {
				t.Errorf("shortcodesIn(%q) = %q; want %q", tt.texts, got, tt.want)
			}
		})
	}
	var many strings.Builder
	for i := range 100 {
		many.WriteString(" :code" + strings.Repeat("x", i%3+1) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ":")
	}
	if got := shortcodesIn(many.String()); len(got) != maxTextEmojis {
		t.Errorf("100 distinct shortcodes: %d looked up; want %d", len(got), maxTextEmojis)
	}
}

// TestCustomEmojis: an admin adds an emoji (a moderator or member may
// not); a bad shortcode, a taken one (in any case) or a file that is not
// an image is refused with a clear message and leaves nothing; a post
// and a profile that name it carry it, in the API's keeping and in their
// Note and actor; removing it keeps its file but matches no new text.
func TestCustomEmojis(t *testing.T) {
	t.Parallel()
	e := mediaEngine(t)
	ctx := context.Background()
	f := newActionFixtureOn(t, e)
	png := encodePNG(t, halves(300, 200))

	refused := []struct {
		name  string
		by    storage.ID
		n     NewEmoji
		image []byte
		want  string
	}{
		{"a member may not", f.alice.ID, NewEmoji{Shortcode: "heron"}, png, "not allowed"},
		{"a moderator may not", f.mod.ID, NewEmoji{Shortcode: "heron"}, png, "not allowed"},
		{"no shortcode", f.admin.ID, NewEmoji{Shortcode: "::"}, png, "a shortcode is needed"},
		{"one letter", f.admin.ID, NewEmoji{Shortcode: "h"}, png, "2 to 64 letters"},
		{"a hyphen", f.admin.ID, NewEmoji{Shortcode: "grey-heron"}, png, "2 to 64 letters"},
		{"a long category", f.admin.ID, NewEmoji{Shortcode: "heron", Category: strings.Repeat("b", 65)}, png, "at most 64"},
		{"no image", f.admin.ID, NewEmoji{Shortcode: "heron"}, nil, "an image is needed"},
		{"not an image", f.admin.ID, NewEmoji{Shortcode: "heron"}, []byte("<svg onload=alert(1)>"), "not supported"},
		{"too large", f.admin.ID, NewEmoji{Shortcode: "heron"}, make([]byte, 3<<20), "over 2 MiB"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.AddCustomEmoji(ctx, tt.by, tt.n, bytes.NewReader(tt.image))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("AddCustomEmoji = %v; want an error with %q", err, tt.want)
			}
		})
	}
	if all, err := e.CustomEmojis(ctx); err != nil || len(all) != 0 {
		t.Fatalf("after refusals: %v, %v; want none", all, err)
	}

	heron, err := e.AddCustomEmoji(ctx, f.admin.ID, NewEmoji{Shortcode: ":heron:", Category: " Birds "}, bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	if heron.Shortcode != "heron" || heron.Category != "Birds" || !heron.VisibleInPicker || heron.MediaType != "image/png" ||
		!ValidMediaName(heron.File) {
		t.Errorf("added %+v", heron)
	}
	if _, err := e.AddCustomEmoji(ctx, 0, NewEmoji{Shortcode: "HERON"}, bytes.NewReader(png)); err == nil || !strings.Contains(err.Error(), "taken") {
		t.Errorf("HERON after heron: %v; want taken", err)
	}
	if _, err := e.AddCustomEmoji(ctx, 0, NewEmoji{Shortcode: "wren", Hidden: true}, bytes.NewReader(png)); err != nil {
		t.Fatal(err)
	}
	log, err := e.AuditLog(ctx, 0, storage.AuditFilter{}, storage.Page{Limit: 5})
	if err != nil || len(log) == 0 || log[0].Action != AuditAddEmoji || log[0].Details["shortcode"] != "wren" {
		t.Errorf("audit log %+v, %v; want add_emoji of wren first", log, err)
	}

	st, err := e.Post(ctx, f.alice.ID, Draft{Text: "a :heron: by the :wren: nest, not :owl:", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, em := range st.Emojis {
		codes = append(codes, em.Shortcode)
		if em.ID == "" || !strings.HasPrefix(em.URL, "https://council-a.example/media/") || em.MediaType != "image/png" {
			t.Errorf("emoji %+v", em)
		}
	}
	if !slices.Equal(codes, []string{"heron", "wren"}) {
		t.Errorf("post's emojis %q; want heron, wren", codes)
	}
	kept, err := e.Store().StatusByID(ctx, st.ID)
	if err != nil || len(kept.Emojis) != 2 {
		t.Fatalf("kept %+v, %v", kept.Emojis, err)
	}
	note, err := e.Note(ctx, kept)
	if err != nil || len(note.Emojis) != 2 || note.Emojis[0].ID != e.urls.Emoji(heron.ID) {
		t.Errorf("note's emojis %+v, %v", note.Emojis, err)
	}

	a, err := e.UpdateCredentials(ctx, f.alice.ID, Credentials{Profile: Profile{DisplayName: "Alice :heron:",
		Fields: []activitypub.Field{{Name: "Likes", Value: ":wren:s"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := ActorOf(a).Emojis; len(got) != 1 || got[0].Shortcode != "heron" {
		t.Errorf("actor's emojis %+v; want heron only (\":wren:s\" names none)", got)
	}

	removed, err := e.RemoveCustomEmoji(ctx, f.admin.ID, heron.ID)
	if err != nil || removed.Shortcode != "heron" {
		t.Fatalf("remove = %+v, %v", removed, err)
	}
	if _, err := e.RemoveCustomEmoji(ctx, f.mod.ID, heron.ID); !errors.Is(err, ErrDenied) {
		t.Errorf("a moderator removing: %v; want ErrDenied", err)
	}
	readMedia(t, e, heron.File) // kept for the post that used it
	again, err := e.Post(ctx, f.alice.ID, Draft{Text: "another :heron:", Visibility: activitypub.Public})
	if err != nil || len(again.Emojis) != 0 {
		t.Errorf("a post after removal names %+v, %v; want none", again.Emojis, err)
	}
}
