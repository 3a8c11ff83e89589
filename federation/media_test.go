package federation

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation/imaging/imagingtest"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig/testkit"
)

// The images these tests upload are made in memory by imagingtest; the
// codec itself is tested in package imaging. These short names serve the
// engine's tests here and in media_names_test.go and scheduled_test.go.

func halves(w, h int) *image.NRGBA { return imagingtest.Halves(w, h) }

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	return imagingtest.PNG(t, img)
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	return imagingtest.JPEG(t, img)
}

func mediaEngine(t *testing.T) *Engine {
	t.Helper()
	store, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "copse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := New(store, Options{URLs: URLs{Base: "https://council-a.example"}, MediaDir: t.TempDir(), NewKey: testkit.Keys()})
	if err := e.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

func readMedia(t *testing.T, e *Engine, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.MediaDir(), filepath.FromSlash(file)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMediaUploadFormats(t *testing.T) {
	t.Parallel()
	e := mediaEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	tests := []struct {
		name          string
		data          []byte
		mediaType     string
		width, height int
		small         [2]int
	}{
		{"jpeg", encodeJPEG(t, halves(1280, 960)), "image/jpeg", 1280, 960, [2]int{640, 480}},
		{"png", encodePNG(t, halves(300, 1200)), "image/png", 300, 1200, [2]int{160, 640}},
		{"small png keeps its size", encodePNG(t, halves(100, 50)), "image/png", 100, 50, [2]int{100, 50}},
		{"animated gif", imagingtest.AnimatedGIF(t, 64, 48, 3), "image/gif", 64, 48, [2]int{64, 48}},
		{"opaque webp becomes jpeg", imagingtest.TinyWebP(32, 16, color.NRGBA{G: 200, A: 255}), "image/jpeg", 32, 16, [2]int{32, 16}},
		{"transparent webp becomes png", imagingtest.TinyWebP(16, 16, color.NRGBA{B: 200, A: 100}), "image/png", 16, 16, [2]int{16, 16}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := e.UploadMedia(ctx, alice.ID, bytes.NewReader(tt.data), "alt text", Focus{X: 0.5, Y: -0.25})
			if err != nil {
				t.Fatal(err)
			}
			if a.MediaType != tt.mediaType || a.Width != tt.width || a.Height != tt.height {
				t.Errorf("stored %s %dx%d; want %s %dx%d", a.MediaType, a.Width, a.Height, tt.mediaType, tt.width, tt.height)
			}
			if a.PreviewWidth != tt.small[0] || a.PreviewHeight != tt.small[1] {
				t.Errorf("preview %dx%d; want %dx%d", a.PreviewWidth, a.PreviewHeight, tt.small[0], tt.small[1])
			}
			if len(a.Blurhash) != 4+2*4*3 {
				t.Errorf("blurhash %q; want 4x3 components", a.Blurhash)
			}
			if a.Description != "alt text" || a.FocusX != 0.5 || a.FocusY != -0.25 || a.StatusID != 0 {
				t.Errorf("upload = %+v", a)
			}
			// Named by random bits alone, never by account or media ID.
			stem := strings.TrimSuffix(a.File, path.Ext(a.File))
			if !ValidMediaName(a.File) || a.PreviewFile != stem+"_small.jpg" || !ValidMediaName(a.PreviewFile) ||
				strings.Contains(a.File, alice.ID.String()) || strings.Contains(a.File, a.ID.String()) {
				t.Errorf("files %q, %q; want <2 hex>/<32 hex>.ext and its _small.jpg", a.File, a.PreviewFile)
			}
			if a.URL != "https://council-a.example/media/"+a.File || a.PreviewURL != "https://council-a.example/media/"+a.PreviewFile {
				t.Errorf("URLs %q, %q", a.URL, a.PreviewURL)
			}
			stored := readMedia(t, e, a.File)
			if int64(len(stored)) != a.Size {
				t.Errorf("size %d; file has %d bytes", a.Size, len(stored))
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(stored))
			if err != nil || "image/"+format != tt.mediaType || cfg.Width != tt.width || cfg.Height != tt.height {
				t.Errorf("stored file: %s %dx%d, %v", format, cfg.Width, cfg.Height, err)
			}
			small, err := jpeg.DecodeConfig(bytes.NewReader(readMedia(t, e, a.PreviewFile)))
			if err != nil || small.Width != tt.small[0] || small.Height != tt.small[1] {
				t.Errorf("preview file: %dx%d, %v", small.Width, small.Height, err)
			}
			fi, err := os.Stat(filepath.Join(e.MediaDir(), filepath.FromSlash(a.File)))
			if err != nil || fi.Mode().Perm() != 0o640 {
				t.Errorf("file mode %v, %v; want 0640", fi.Mode(), err)
			}
			got, err := e.Store().MediaByID(ctx, a.ID, alice.ID)
			if err != nil || got.File != a.File || got.PreviewURL != a.PreviewURL || got.Blurhash != a.Blurhash {
				t.Errorf("stored row %+v, %v", got, err)
			}
		})
	}
	t.Run("animated gif keeps its frames", func(t *testing.T) {
		a, err := e.UploadMedia(ctx, alice.ID, bytes.NewReader(imagingtest.AnimatedGIF(t, 20, 20, 5)), "", Focus{})
		if err != nil {
			t.Fatal(err)
		}
		g, err := gif.DecodeAll(bytes.NewReader(readMedia(t, e, a.File)))
		if err != nil || len(g.Image) != 5 {
			t.Errorf("stored GIF: %v frames, %v", len(g.Image), err)
		}
	})
}

func TestMediaMetadataIsStripped(t *testing.T) {
	t.Parallel()
	e := mediaEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")

	t.Run("jpeg exif and gps, orientation applied", func(t *testing.T) {
		raw := imagingtest.WithExif(encodeJPEG(t, halves(40, 20)), 6)
		if !bytes.Contains(raw, []byte("Exif")) || !bytes.Contains(raw, []byte("GPS")) {
			t.Fatal("test image lacks its EXIF segment")
		}
		if _, err := jpeg.Decode(bytes.NewReader(raw)); err != nil {
			t.Fatalf("test image does not decode: %v", err)
		}
		a, err := e.UploadMedia(ctx, alice.ID, bytes.NewReader(raw), "", Focus{})
		if err != nil {
			t.Fatal(err)
		}
		stored := readMedia(t, e, a.File)
		for _, s := range []string{"Exif", "GPS"} {
			if bytes.Contains(stored, []byte(s)) {
				t.Errorf("stored JPEG still contains %q", s)
			}
		}
		// Orientation 6: turned a quarter clockwise, the red left half is
		// now on top.
		if a.Width != 20 || a.Height != 40 {
			t.Fatalf("upright size %dx%d; want 20x40", a.Width, a.Height)
		}
		img, err := jpeg.Decode(bytes.NewReader(stored))
		if err != nil {
			t.Fatal(err)
		}
		if r, _, b, _ := img.At(10, 5).RGBA(); r < b {
			t.Errorf("top is not red: r=%d b=%d", r>>8, b>>8)
		}
		if r, _, b, _ := img.At(10, 35).RGBA(); b < r {
			t.Errorf("bottom is not blue: r=%d b=%d", r>>8, b>>8)
		}
	})
	t.Run("png text chunk", func(t *testing.T) {
		raw := imagingtest.WithTextChunk(encodePNG(t, halves(30, 30)), "GPS 51.06N 1.31W")
		if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
			t.Fatalf("test image does not decode: %v", err)
		}
		a, err := e.UploadMedia(ctx, alice.ID, bytes.NewReader(raw), "", Focus{})
		if err != nil {
			t.Fatal(err)
		}
		if stored := readMedia(t, e, a.File); bytes.Contains(stored, []byte("GPS")) || bytes.Contains(stored, []byte("tEXt")) {
			t.Error("stored PNG keeps its text chunk")
		}
	})
}

func TestMediaRefusals(t *testing.T) {
	t.Parallel()
	e := mediaEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	png := encodePNG(t, halves(10, 10))
	tests := []struct {
		name        string
		data        []byte
		description string
		focus       Focus
		want        string // in the message
	}{
		{"too large", append(append([]byte{}, png...), make([]byte, MaxMediaSize)...), "", Focus{}, "too large"},
		{"text named .png", []byte("just some text, not an image at all\n"), "", Focus{}, "not supported"},
		{"html", []byte("<html><script>alert(1)</script></html>"), "", Focus{}, "not supported"},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), "", Focus{}, "not supported"},
		{"empty", nil, "", Focus{}, "blank"},
		{"truncated png", png[:40], "", Focus{}, "could not be read"},
		{"too many pixels", imagingtest.PNGHeader(8000, 5000), "", Focus{}, "8000x5000 pixels"},
		{"gif too many frames", imagingtest.BareGIF(5000, 5000, 6), "", Focus{}, "too many frames"},
		{"too much memory to decode", imagingtest.PNGOfZeros(t, 5760, 5760, 16, 6), "", Focus{}, "too large to process"},
		{"description too long", png, strings.Repeat("a", MaxDescription+1), Focus{}, "Description is too long"},
		{"focus out of range", png, "", Focus{X: 1.5}, "Focus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.UploadMedia(ctx, alice.ID, bytes.NewReader(tt.data), tt.description, tt.focus)
			var inv *InvalidError
			if !errors.As(err, &inv) || !strings.Contains(inv.Msg, tt.want) {
				t.Fatalf("err = %v; want *InvalidError saying %q", err, tt.want)
			}
		})
	}
	entries, _ := os.ReadDir(filepath.Join(e.MediaDir(), alice.ID.String()))
	if len(entries) != 0 {
		t.Errorf("refused uploads left %d files", len(entries))
	}
}

func TestMediaPostEditDelete(t *testing.T) {
	t.Parallel()
	e := mediaEngine(t)
	ctx := context.Background()
	alice, bob := member(t, e, "alice"), member(t, e, "bob")
	upload := func(who storage.Account, desc string) storage.Attachment {
		t.Helper()
		a, err := e.UploadMedia(ctx, who.ID, bytes.NewReader(encodePNG(t, halves(20, 10))), desc, Focus{X: -0.5, Y: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	m1, m2 := upload(alice, "first"), upload(alice, "second")
	st, err := e.Post(ctx, alice.ID, Draft{MediaIDs: []storage.ID{m1.ID, m2.ID, m1.ID}})
	if err != nil {
		t.Fatalf("media-only post: %v", err)
	}
	st, err = e.Store().StatusByID(ctx, st.ID)
	if err != nil || len(st.Attachments) != 2 || st.Attachments[0].ID != m1.ID || st.Attachments[0].File != m1.File {
		t.Fatalf("posted attachments %+v, %v", st.Attachments, err)
	}
	note, err := e.Note(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	doc := note.Attachments[0]
	if doc.Type != "Document" || doc.URL != m1.URL || doc.MediaType != "image/png" || doc.Name != "first" ||
		doc.Blurhash != m1.Blurhash || doc.Width != 20 || doc.Height != 10 ||
		doc.FocalPoint == nil || *doc.FocalPoint != [2]float64{-0.5, 0.5} {
		t.Errorf("document = %+v", doc)
	}

	invalidPost := func(name string, author storage.ID, d Draft) {
		t.Helper()
		var inv *InvalidError
		if _, err := e.Post(ctx, author, d); !errors.As(err, &inv) {
			t.Errorf("%s: err = %v; want *InvalidError", name, err)
		}
	}
	invalidPost("already attached", alice.ID, Draft{Text: "again", MediaIDs: []storage.ID{m1.ID}})
	invalidPost("someone else's", bob.ID, Draft{Text: "mine?", MediaIDs: []storage.ID{upload(alice, "").ID}})
	invalidPost("unknown", alice.ID, Draft{Text: "?", MediaIDs: []storage.ID{12345}})
	var five []storage.ID
	for range 5 {
		five = append(five, upload(alice, "").ID)
	}
	invalidPost("five", alice.ID, Draft{Text: "many", MediaIDs: five})
	if _, err := e.UpdateMedia(ctx, alice.ID, m1.ID, nil, &Focus{}); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("updating attached media: %v; want ErrNotFound", err)
	}

	// An edit that leaves out media keeps them; one that names others
	// swaps them, and the dropped upload's files go.
	if st, err = e.Edit(ctx, alice.ID, st.ID, Draft{Text: "now with words"}); err != nil || len(st.Attachments) != 2 {
		t.Fatalf("edit keeping media: %d attachments, %v", len(st.Attachments), err)
	}
	m3 := upload(alice, "third")
	if st, err = e.Edit(ctx, alice.ID, st.ID, Draft{Text: "swapped", MediaIDs: []storage.ID{m2.ID, m3.ID}}); err != nil {
		t.Fatal(err)
	}
	st, _ = e.Store().StatusByID(ctx, st.ID)
	if len(st.Attachments) != 2 || st.Attachments[0].ID != m2.ID || st.Attachments[1].ID != m3.ID || st.Attachments[0].PreviewURL != m2.PreviewURL {
		t.Errorf("after swap: %+v", st.Attachments)
	}
	if _, err := os.Stat(filepath.Join(e.MediaDir(), filepath.FromSlash(m1.File))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dropped upload's file: %v; want removed", err)
	}
	if _, err := e.Edit(ctx, alice.ID, st.ID, Draft{Text: "", MediaIDs: []storage.ID{}}); err == nil {
		t.Error("edit to no text and no media was accepted")
	}

	// Deleting the status keeps its uploads for a redraft, until pruned.
	if _, err := e.DeleteStatus(ctx, alice.ID, st.ID); err != nil {
		t.Fatal(err)
	}
	again, err := e.Post(ctx, alice.ID, Draft{Text: "redraft", MediaIDs: []storage.ID{m2.ID}})
	if err != nil {
		t.Fatalf("redraft with the deleted post's media: %v", err)
	}
	e.now = func() time.Time { return time.Now().Add(48 * time.Hour) }
	n, err := e.PruneMedia(ctx, 24*time.Hour)
	if err != nil || n != 7 { // m3, bob's attempt, the five
		t.Errorf("pruned %d, %v; want 7", n, err)
	}
	if _, err := e.Store().MediaByID(ctx, m3.ID, alice.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("m3 after prune: %v", err)
	}
	if _, err := os.Stat(filepath.Join(e.MediaDir(), filepath.FromSlash(m3.File))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("m3's file after prune: %v", err)
	}
	if got, err := e.Store().MediaByID(ctx, m2.ID, alice.ID); err != nil || got.StatusID != again.ID {
		t.Errorf("m2 after prune: %+v, %v; want attached to the redraft", got, err)
	}
}

func TestMediaUpdateAndDelete(t *testing.T) {
	t.Parallel()
	e := mediaEngine(t)
	ctx := context.Background()
	alice, bob := member(t, e, "alice"), member(t, e, "bob")
	a, err := e.UploadMedia(ctx, alice.ID, bytes.NewReader(encodePNG(t, halves(8, 8))), "", Focus{})
	if err != nil {
		t.Fatal(err)
	}
	desc := "a red and blue square"
	got, err := e.UpdateMedia(ctx, alice.ID, a.ID, &desc, &Focus{X: 0.1, Y: 0.9})
	if err != nil || got.Description != desc || got.FocusX != 0.1 || got.FocusY != 0.9 {
		t.Fatalf("update: %+v, %v", got, err)
	}
	if _, err := e.UpdateMedia(ctx, alice.ID, a.ID, nil, &Focus{Y: -2}); !errors.As(err, new(*InvalidError)) {
		t.Errorf("focus out of range: %v", err)
	}
	if _, err := e.UpdateMedia(ctx, bob.ID, a.ID, &desc, nil); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("bob updates alice's media: %v; want ErrNotFound", err)
	}
	if _, err := e.DeleteMedia(ctx, bob.ID, a.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("bob deletes alice's media: %v; want ErrNotFound", err)
	}
	if _, err := e.DeleteMedia(ctx, alice.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(e.MediaDir(), filepath.FromSlash(a.PreviewFile))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("preview after delete: %v", err)
	}
}

func TestMediaProfileImages(t *testing.T) {
	t.Parallel()
	e := mediaEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	c := Credentials{Profile: Profile{DisplayName: "Alice"}}
	a, err := e.UpdateCredentialsWithImages(ctx, alice.ID, c,
		bytes.NewReader(encodeJPEG(t, halves(800, 600))), bytes.NewReader(encodePNG(t, halves(3000, 600))))
	if err != nil {
		t.Fatal(err)
	}
	sizeOf := func(url string) (int, int, string) {
		t.Helper()
		file, ok := e.localMediaFile(url)
		if !ok {
			t.Fatalf("%q is not a local media URL", url)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(readMedia(t, e, file)))
		if err != nil {
			t.Fatal(err)
		}
		return cfg.Width, cfg.Height, format
	}
	if w, h, f := sizeOf(a.AvatarURL); w != 400 || h != 400 || f != "jpeg" {
		t.Errorf("avatar %dx%d %s; want 400x400 jpeg", w, h, f)
	}
	if w, h, _ := sizeOf(a.HeaderURL); w != 1500 || h != 500 {
		t.Errorf("header %dx%d; want 1500x500", w, h)
	}
	if a.DisplayName != "Alice" {
		t.Errorf("display name %q", a.DisplayName)
	}
	if icon := ActorOf(a).Icon; icon == nil || icon.URL != a.AvatarURL || icon.MediaType != "image/jpeg" {
		t.Errorf("actor icon %+v", icon)
	}
	// A new avatar replaces the old file; the header stays.
	oldAvatar, _ := e.localMediaFile(a.AvatarURL)
	b, err := e.UpdateCredentialsWithImages(ctx, alice.ID, c, bytes.NewReader(encodePNG(t, halves(50, 100))), nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.AvatarURL == a.AvatarURL || b.HeaderURL != a.HeaderURL {
		t.Errorf("avatar %q (was %q), header %q (was %q)", b.AvatarURL, a.AvatarURL, b.HeaderURL, a.HeaderURL)
	}
	if w, h, _ := sizeOf(b.AvatarURL); w != 50 || h != 50 {
		t.Errorf("small avatar %dx%d; want 50x50, cropped and not enlarged", w, h)
	}
	if _, err := os.Stat(filepath.Join(e.MediaDir(), filepath.FromSlash(oldAvatar))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("old avatar: %v; want removed", err)
	}
	if _, err := e.UpdateCredentialsWithImages(ctx, alice.ID, c, strings.NewReader("not an image"), nil); !errors.As(err, new(*InvalidError)) {
		t.Errorf("text avatar: %v; want *InvalidError", err)
	}
}
