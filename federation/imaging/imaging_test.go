package imaging

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation/imaging/imagingtest"
)

func TestProcessImageFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		data          []byte
		mediaType     string
		ext           string
		width, height int
		preview       [2]int
	}{
		{"jpeg", imagingtest.JPEG(t, imagingtest.Halves(1280, 960)), "image/jpeg", ".jpg", 1280, 960, [2]int{640, 480}},
		{"png", imagingtest.PNG(t, imagingtest.Halves(300, 1200)), "image/png", ".png", 300, 1200, [2]int{160, 640}},
		{"small png keeps its size", imagingtest.PNG(t, imagingtest.Halves(100, 50)), "image/png", ".png", 100, 50, [2]int{100, 50}},
		{"animated gif", imagingtest.AnimatedGIF(t, 64, 48, 3), "image/gif", ".gif", 64, 48, [2]int{64, 48}},
		{"opaque webp becomes jpeg", imagingtest.TinyWebP(32, 16, color.NRGBA{G: 200, A: 255}), "image/jpeg", ".jpg", 32, 16, [2]int{32, 16}},
		{"transparent webp becomes png", imagingtest.TinyWebP(16, 16, color.NRGBA{B: 200, A: 100}), "image/png", ".png", 16, 16, [2]int{16, 16}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Process(context.Background(), tt.data)
			if err != nil {
				t.Fatal(err)
			}
			f := m.File
			if f.MediaType != tt.mediaType || f.Ext != tt.ext || f.Width != tt.width || f.Height != tt.height {
				t.Errorf("file %s %s %dx%d; want %s %s %dx%d", f.MediaType, f.Ext, f.Width, f.Height, tt.mediaType, tt.ext, tt.width, tt.height)
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(f.Data))
			if err != nil || "image/"+format != tt.mediaType || cfg.Width != tt.width || cfg.Height != tt.height {
				t.Errorf("encoded file: %s %dx%d, %v", format, cfg.Width, cfg.Height, err)
			}
			p := m.Preview
			if p.MediaType != "image/jpeg" || p.Ext != ".jpg" || p.Width != tt.preview[0] || p.Height != tt.preview[1] {
				t.Errorf("preview %s %s %dx%d; want image/jpeg .jpg %dx%d", p.MediaType, p.Ext, p.Width, p.Height, tt.preview[0], tt.preview[1])
			}
			small, err := jpeg.DecodeConfig(bytes.NewReader(p.Data))
			if err != nil || small.Width != tt.preview[0] || small.Height != tt.preview[1] {
				t.Errorf("encoded preview: %dx%d, %v", small.Width, small.Height, err)
			}
			if len(m.Blurhash) != 4+2*4*3 {
				t.Errorf("blurhash %q; want 4x3 components", m.Blurhash)
			}
		})
	}
	t.Run("animated gif keeps its frames", func(t *testing.T) {
		m, err := Process(context.Background(), imagingtest.AnimatedGIF(t, 20, 20, 5))
		if err != nil {
			t.Fatal(err)
		}
		g, err := gif.DecodeAll(bytes.NewReader(m.File.Data))
		if err != nil || len(g.Image) != 5 {
			t.Errorf("encoded GIF: %v frames, %v", len(g.Image), err)
		}
	})
}

func TestProcessImageStripsMetadata(t *testing.T) {
	t.Parallel()
	t.Run("jpeg exif and gps, orientation applied", func(t *testing.T) {
		raw := imagingtest.WithExif(imagingtest.JPEG(t, imagingtest.Halves(40, 20)), 6)
		if jpegOrientation(raw) != 6 {
			t.Fatal("test image lacks its EXIF orientation")
		}
		m, err := Process(context.Background(), raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"Exif", "GPS"} {
			if bytes.Contains(m.File.Data, []byte(s)) {
				t.Errorf("encoded JPEG still contains %q", s)
			}
		}
		// Orientation 6: turned a quarter clockwise, the red left half is
		// now on top.
		if m.File.Width != 20 || m.File.Height != 40 {
			t.Fatalf("upright size %dx%d; want 20x40", m.File.Width, m.File.Height)
		}
		img, err := jpeg.Decode(bytes.NewReader(m.File.Data))
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
		raw := imagingtest.WithTextChunk(imagingtest.PNG(t, imagingtest.Halves(30, 30)), "GPS 51.06N 1.31W")
		if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
			t.Fatalf("test image does not decode: %v", err)
		}
		m, err := Process(context.Background(), raw)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(m.File.Data, []byte("GPS")) || bytes.Contains(m.File.Data, []byte("tEXt")) {
			t.Error("encoded PNG keeps its text chunk")
		}
	})
}

// Bad input is an *InvalidError whose message the member reads; the
// engine passes it on as its own, and the API answers 422 with it.
func TestProcessImageRefusals(t *testing.T) {
	t.Parallel()
	pngFile := imagingtest.PNG(t, imagingtest.Halves(10, 10))
	tests := []struct {
		name string
		data []byte
		want string // the message
	}{
		{"text", []byte("just some text, not an image at all\n"), "File type is not supported: upload a JPEG, PNG, GIF or WebP image"},
		{"html", []byte("<html><script>alert(1)</script></html>"), "File type is not supported"},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), "File type is not supported"},
		{"empty", nil, "File type is not supported"},
		{"truncated png", pngFile[:40], "File could not be read as an image"},
		{"png header of no size", imagingtest.PNGHeader(0, 10), "File could not be read as an image"},
		{"too many pixels", imagingtest.PNGHeader(8000, 5000), "Image is 8000x5000 pixels; the limit is 33177600 pixels"},
		{"gif too many frames", imagingtest.BareGIF(5000, 5000, 6), "GIF has too many frames (6 at 5000x5000)"},
		{"gif cut short", imagingtest.AnimatedGIF(t, 8, 8, 3)[:40], "File could not be read as an image"},
		{"too much memory", imagingtest.PNGOfZeros(t, 5760, 5760, 16, 6), "Image is too large to process: 5760x5760 pixels at this colour depth need 253 MiB; the limit is 128 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, run := range map[string]func() error{
				"Process":      func() error { _, err := Process(context.Background(), tt.data); return err },
				"ProfileImage": func() error { _, err := ProfileImage(context.Background(), tt.data, 400, 400); return err },
			} {
				err := run()
				var inv *InvalidError
				if !errors.As(err, &inv) || !strings.HasPrefix(inv.Msg, tt.want) {
					t.Errorf("%s = %v; want *InvalidError saying %q", name, err, tt.want)
				}
			}
		})
	}
}

func TestProfileImage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		data          []byte
		w, h          int
		mediaType     string
		width, height int
	}{
		{"jpeg avatar cropped square", imagingtest.JPEG(t, imagingtest.Halves(800, 600)), 400, 400, "image/jpeg", 400, 400},
		{"wide png header", imagingtest.PNG(t, imagingtest.Halves(3000, 600)), 1500, 500, "image/jpeg", 1500, 500},
		{"tall header cropped, not enlarged", imagingtest.PNG(t, imagingtest.Halves(300, 600)), 1500, 500, "image/jpeg", 300, 100},
		{"small avatar not enlarged", imagingtest.PNG(t, imagingtest.Halves(50, 100)), 400, 400, "image/jpeg", 50, 50},
		{"transparency kept as png", imagingtest.TinyWebP(64, 32, color.NRGBA{B: 200, A: 100}), 400, 400, "image/png", 32, 32},
		{"gif keeps its first frame", imagingtest.AnimatedGIF(t, 40, 40, 3), 400, 400, "image/jpeg", 40, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ProfileImage(context.Background(), tt.data, tt.w, tt.h)
			if err != nil {
				t.Fatal(err)
			}
			if f.MediaType != tt.mediaType || f.Width != tt.width || f.Height != tt.height {
				t.Errorf("%s %dx%d; want %s %dx%d", f.MediaType, f.Width, f.Height, tt.mediaType, tt.width, tt.height)
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(f.Data))
			if err != nil || "image/"+format != f.MediaType || "."+strings.Replace(format, "jpeg", "jpg", 1) != f.Ext ||
				cfg.Width != tt.width || cfg.Height != tt.height {
				t.Errorf("encoded: %s %dx%d (ext %s), %v", format, cfg.Width, cfg.Height, f.Ext, err)
			}
		})
	}
	t.Run("the crop keeps the centre", func(t *testing.T) {
		// A 300x100 image, red on its left half: the square from its
		// centre is red on the left and blue on the right.
		f, err := ProfileImage(context.Background(), imagingtest.PNG(t, imagingtest.Halves(300, 100)), 100, 100)
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(bytes.NewReader(f.Data))
		if err != nil {
			t.Fatal(err)
		}
		if r, _, b, _ := img.At(10, 50).RGBA(); r < b {
			t.Errorf("left is not red: r=%d b=%d", r>>8, b>>8)
		}
		if r, _, b, _ := img.At(90, 50).RGBA(); b < r {
			t.Errorf("right is not blue: r=%d b=%d", r>>8, b>>8)
		}
	})
	t.Run("a size of zero is the caller's error, not the image's", func(t *testing.T) {
		_, err := ProfileImage(context.Background(), imagingtest.PNG(t, imagingtest.Halves(8, 8)), 0, 400)
		var inv *InvalidError
		if err == nil || errors.As(err, &inv) {
			t.Errorf("ProfileImage(0x400) = %v; want a plain error", err)
		}
	})
}

func TestEmojiImage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		data          []byte
		width, height int
	}{
		{"large jpeg scaled, not cropped", imagingtest.JPEG(t, imagingtest.Halves(800, 400)), 128, 64},
		{"tall png scaled", imagingtest.PNG(t, imagingtest.Halves(100, 400)), 32, 128},
		{"small image not enlarged", imagingtest.PNG(t, imagingtest.Halves(20, 24)), 20, 24},
		{"webp with transparency", imagingtest.TinyWebP(64, 32, color.NRGBA{B: 200, A: 100}), 64, 32},
		{"gif keeps its first frame", imagingtest.AnimatedGIF(t, 40, 40, 3), 40, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := EmojiImage(context.Background(), tt.data, 128)
			if err != nil {
				t.Fatal(err)
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(f.Data))
			if err != nil || format != "png" || f.MediaType != "image/png" || f.Ext != ".png" ||
				cfg.Width != tt.width || cfg.Height != tt.height || f.Width != tt.width || f.Height != tt.height {
				t.Errorf("encoded: %s %dx%d (%s %s, %dx%d), %v; want png %dx%d", format, cfg.Width, cfg.Height,
					f.MediaType, f.Ext, f.Width, f.Height, err, tt.width, tt.height)
			}
		})
	}
	t.Run("transparency kept", func(t *testing.T) {
		f, err := EmojiImage(context.Background(), imagingtest.TinyWebP(8, 8, color.NRGBA{B: 200, A: 100}), 128)
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(bytes.NewReader(f.Data))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, a := img.At(4, 4).RGBA(); a>>8 > 150 || a>>8 < 50 {
			t.Errorf("alpha = %d; want about 100", a>>8)
		}
	})
	t.Run("not an image", func(t *testing.T) {
		_, err := EmojiImage(context.Background(), []byte("GIF89a but not really"), 128)
		var inv *InvalidError
		if !errors.As(err, &inv) {
			t.Errorf("EmojiImage(text) = %v; want an *InvalidError", err)
		}
	})
}

func TestThumbnail(t *testing.T) {
	t.Parallel()
	f, hash, err := Thumbnail(context.Background(), imagingtest.PNG(t, imagingtest.Halves(1200, 630)), 400)
	if err != nil {
		t.Fatal(err)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(f.Data))
	if err != nil || format != "jpeg" || cfg.Width != 400 || cfg.Height != 210 || f.Width != 400 || f.Height != 210 || hash == "" {
		t.Errorf("thumbnail %s %dx%d (%dx%d), hash %q, %v; want a 400x210 jpeg with a blurhash", format, cfg.Width, cfg.Height, f.Width, f.Height, hash, err)
	}
	if _, _, err := Thumbnail(context.Background(), []byte("<svg/>"), 400); err == nil {
		t.Error("an SVG made a thumbnail")
	}
}

func TestJPEGOrientation(t *testing.T) {
	t.Parallel()
	jpg := imagingtest.JPEG(t, imagingtest.Halves(8, 8))
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"no exif", jpg, 1},
		{"not a jpeg", imagingtest.PNG(t, imagingtest.Halves(8, 8)), 1},
		{"exif cut short", imagingtest.WithExif(jpg, 6)[:30], 1},
		{"out of range", imagingtest.WithExif(jpg, 9), 1},
		{"zero", imagingtest.WithExif(jpg, 0), 1},
	}
	for o := range 8 {
		tests = append(tests, struct {
			name string
			data []byte
			want int
		}{"orientation " + string(rune('1'+o)), imagingtest.WithExif(jpg, uint16(o+1)), o + 1})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jpegOrientation(tt.data); got != tt.want {
				t.Errorf("jpegOrientation = %d; want %d", got, tt.want)
			}
		})
	}
}

// Each EXIF orientation says how the camera stored the upright picture;
// orient undoes it. The stored images here are made from the upright one
// by the EXIF definitions, and must come back upright.
func TestOrientUpright(t *testing.T) {
	t.Parallel()
	const w, h = 3, 2
	upright := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			upright.Set(x, y, color.RGBA{R: uint8(10 * (x + 1)), G: uint8(10 * (y + 1)), A: 255})
		}
	}
	// stored(x, y) is the upright pixel the camera put at (x, y).
	tests := []struct {
		o      int
		sw, sh int
		stored func(x, y int) (int, int)
	}{
		{1, w, h, func(x, y int) (int, int) { return x, y }},
		{2, w, h, func(x, y int) (int, int) { return w - 1 - x, y }},         // mirrored
		{3, w, h, func(x, y int) (int, int) { return w - 1 - x, h - 1 - y }}, // turned half round
		{4, w, h, func(x, y int) (int, int) { return x, h - 1 - y }},         // flipped
		{5, h, w, func(x, y int) (int, int) { return y, x }},                 // transposed
		{6, h, w, func(x, y int) (int, int) { return w - 1 - y, x }},         // turned a quarter anticlockwise
		{7, h, w, func(x, y int) (int, int) { return w - 1 - y, h - 1 - x }}, // transversed
		{8, h, w, func(x, y int) (int, int) { return y, h - 1 - x }},         // turned a quarter clockwise
	}
	for _, tt := range tests {
		t.Run("orientation "+string(rune('0'+tt.o)), func(t *testing.T) {
			stored := image.NewRGBA(image.Rect(0, 0, tt.sw, tt.sh))
			for y := range tt.sh {
				for x := range tt.sw {
					ux, uy := tt.stored(x, y)
					stored.Set(x, y, upright.At(ux, uy))
				}
			}
			got := orient(stored, tt.o)
			if got.Bounds().Dx() != w || got.Bounds().Dy() != h {
				t.Fatalf("size %dx%d; want %dx%d", got.Bounds().Dx(), got.Bounds().Dy(), w, h)
			}
			for y := range h {
				for x := range w {
					if got.At(x, y) != upright.At(x, y) {
						t.Errorf("(%d,%d) = %v; want %v", x, y, got.At(x, y), upright.At(x, y))
					}
				}
			}
		})
	}
}

func TestDecodeCountsGIFFrames(t *testing.T) {
	t.Parallel()
	g := imagingtest.AnimatedGIF(t, 4, 4, 7)
	tests := []struct {
		name   string
		data   []byte
		frames int
		ok     bool
	}{
		{"seven frames", g, 7, true},
		{"bare frames", imagingtest.BareGIF(10, 10, 3), 3, true},
		{"truncated", g[:len(g)/2], 0, false},
		{"bare header", []byte("GIF89a"), 0, false},
		{"no frame", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ok := gifFrames(tt.data)
			if ok != tt.ok || (tt.ok && n != tt.frames) {
				t.Errorf("gifFrames = %d, %v; want %d, %v", n, ok, tt.frames, tt.ok)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"))
	f.Add(imagingtest.WithExif([]byte{0xFF, 0xD8, 0xFF, 0xD9}, 3))
	f.Add(imagingtest.TinyWebP(3, 3, color.NRGBA{R: 1, A: 255}))
	f.Add(imagingtest.BareGIF(2, 2, 2))
	f.Add(imagingtest.PNGHeader(4, 4))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Must never panic, whatever the bytes; a refusal is bad input.
		ctx := context.Background()
		if _, err := Process(ctx, data); err != nil && !errors.As(err, new(*InvalidError)) {
			t.Errorf("Process = %v; want nil or *InvalidError", err)
		}
		if _, err := ProfileImage(ctx, data, 3, 2); err != nil && !errors.As(err, new(*InvalidError)) {
			t.Errorf("ProfileImage = %v; want nil or *InvalidError", err)
		}
		_ = jpegOrientation(data)
		_ = jpegFrameOf(data)
		_, _ = gifFrames(data)
	})
}
