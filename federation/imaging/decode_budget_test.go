package imaging

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"runtime"
	"testing"

	"github.com/copse-dev/copse/federation/imaging/imagingtest"
)

// The memory figures of the README ("memory of the worst image") come
// from these tests, run with -v.

// allocated is how many bytes fn allocates on the heap.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Issue 10: one 258 KB 16-bit PNG of 5760x5760 passed the pixel cap and
// took 650 MB to decode. It is now refused from its header alone, as bad
// input (422 on the API).
func TestDecodeBudgetRefusesWorstPNG(t *testing.T) {
	data := imagingtest.PNGOfZeros(t, 5760, 5760, 16, 6)
	if len(data) > 16<<20 {
		t.Fatalf("test file is %d bytes, over the upload limit", len(data))
	}
	var err error
	got := allocated(func() { _, err = Process(context.Background(), data) })
	t.Logf("16-bit 5760x5760 PNG (%d KB): %d bytes allocated, %v", len(data)>>10, got, err)
	var inv *InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("Process = %v; want *InvalidError", err)
	}
	if got > 1<<20 {
		t.Errorf("refusing it allocated %d bytes; want under 1 MiB", got)
	}
}

// The budget counts what decoding will allocate; an image within it is
// decoded, and takes about what was counted.
func TestDecodeBudget(t *testing.T) {
	pal := color.Palette{color.Black, color.White}
	tests := []struct {
		name      string
		mediaType string
		cfg       image.Config
		frames    int
		jf        jpegFrame
		ok        bool
	}{
		{"16-bit RGBA 5760x5760", "image/png", image.Config{ColorModel: color.NRGBA64Model, Width: 5760, Height: 5760}, 1, jpegFrame{}, false},
		{"16-bit RGBA 4000x4000", "image/png", image.Config{ColorModel: color.NRGBA64Model, Width: 4000, Height: 4000}, 1, jpegFrame{}, true},
		{"8-bit RGBA at the pixel cap", "image/png", image.Config{ColorModel: color.NRGBAModel, Width: 7680, Height: 4320}, 1, jpegFrame{}, true},
		{"JPEG at the pixel cap", "image/jpeg", image.Config{ColorModel: color.YCbCrModel, Width: 7680, Height: 4320}, 1, jpegFrame{}, true},
		{"JPEG at the pixel cap turned upright", "image/jpeg", image.Config{ColorModel: color.YCbCrModel, Width: 7680, Height: 4320}, 1, jpegFrame{orient: 6}, false},
		{"JPEG of 12 MP turned upright", "image/jpeg", image.Config{ColorModel: color.YCbCrModel, Width: 4000, Height: 3000}, 1, jpegFrame{orient: 6}, true},
		{"baseline 4:2:0 JPEG at the pixel cap", "image/jpeg", image.Config{ColorModel: color.YCbCrModel, Width: 7680, Height: 4320}, 1, jpegFrame{samples: 1.5}, true},
		{"progressive 4:2:0 JPEG of 12 MP", "image/jpeg", image.Config{ColorModel: color.YCbCrModel, Width: 4000, Height: 3000}, 1, jpegFrame{samples: 1.5, progressive: true}, true},
		{"progressive 4:2:0 JPEG at the pixel cap", "image/jpeg", image.Config{ColorModel: color.YCbCrModel, Width: 7680, Height: 4320}, 1, jpegFrame{samples: 1.5, progressive: true}, false},
		{"unknown model counts 8 bytes", "image/png", image.Config{ColorModel: color.ModelFunc(func(c color.Color) color.Color { return c }), Width: 5000, Height: 5000}, 1, jpegFrame{}, false},
		{"GIF of 25 frames of 2000x2000", "image/gif", image.Config{ColorModel: pal, Width: 2000, Height: 2000}, 25, jpegFrame{}, true},
		{"GIF of 40 frames of 2000x2000", "image/gif", image.Config{ColorModel: pal, Width: 2000, Height: 2000}, 40, jpegFrame{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			need := decodeBytes(tt.mediaType, tt.cfg, tt.frames, tt.jf)
			if ok := need <= MaxDecodeBytes; ok != tt.ok {
				t.Errorf("needs %d MiB; within the %d MiB budget: %v, want %v", need>>20, MaxDecodeBytes>>20, ok, tt.ok)
			}
		})
	}
	t.Run("JPEG frame header", func(t *testing.T) {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, imagingtest.Halves(64, 48), nil); err != nil {
			t.Fatal(err)
		}
		baseline := buf.Bytes()
		if jf := jpegFrameOf(baseline); jf.progressive || jf.samples != 1.5 {
			t.Errorf("Go's JPEG (baseline 4:2:0): %+v", jf)
		}
		progressive := bytes.Replace(baseline, []byte{0xFF, 0xC0}, []byte{0xFF, 0xC2}, 1)
		if jf := jpegFrameOf(progressive); !jf.progressive || jf.samples != 1.5 {
			t.Errorf("with an SOF2 header: %+v; want progressive", jf)
		}
	})
	t.Run("estimate matches what decoding takes", func(t *testing.T) {
		data := imagingtest.PNGOfZeros(t, 1500, 1500, 16, 6)
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		need := decodeBytes("image/png", cfg, 1, jpegFrame{})
		var d decoded
		got := allocated(func() { d, err = decode(context.Background(), data) })
		if err != nil || d.still.Bounds().Dx() != 1500 {
			t.Fatalf("decode: %v", err)
		}
		t.Logf("16-bit 1500x1500 PNG: counted %d, decoding allocated %d bytes", need, got)
		if int64(got) > need+need/4 {
			t.Errorf("decoding allocated %d bytes; counted %d", got, need)
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, imagingtest.Halves(2000, 1500), nil); err != nil {
			t.Fatal(err)
		}
		cfg, _, err = image.DecodeConfig(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		need = decodeBytes("image/jpeg", cfg, 1, jpegFrameOf(buf.Bytes()))
		got = allocated(func() { d, err = decode(context.Background(), buf.Bytes()) })
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		t.Logf("4:2:0 2000x1500 JPEG: counted %d, decoding allocated %d bytes", need, got)
		if int64(got) > need+need/4 {
			t.Errorf("decoding allocated %d bytes; counted %d", got, need)
		}
	})
}

// A request that ends stops its decoding: the decoder's next read fails.
func TestDecodeStopsWithContext(t *testing.T) {
	data := imagingtest.PNGOfZeros(t, 3000, 3000, 8, 6) // 36 MB of pixels
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, step := range []struct {
		name string
		run  func() error
	}{
		{"Process", func() error { _, err := Process(ctx, data); return err }},
		{"ProfileImage", func() error { _, err := ProfileImage(ctx, data, 400, 400); return err }},
	} {
		t.Run(step.name, func(t *testing.T) {
			var err error
			got := allocated(func() { err = step.run() })
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s = %v; want context.Canceled", step.name, err)
			}
			if got > 1<<20 {
				t.Errorf("a cancelled decode allocated %d bytes; want it stopped before the pixels", got)
			}
		})
	}
}

func BenchmarkDecodeWorstPNG(b *testing.B) {
	data := imagingtest.PNGOfZeros(b, 5760, 5760, 16, 6)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Process(context.Background(), data); err == nil {
			b.Fatal("the 16-bit 5760x5760 PNG was accepted")
		}
	}
}
