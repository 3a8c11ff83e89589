// Package imagingtest makes the images that tests of the codec and of
// the engine's uploads decode, in memory: no binary file is kept in the
// repository. It imports nothing of copse, so package imaging's own tests
// can use it. Only tests may import it.
package imagingtest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

// Halves is a w x h image, red on the left half and blue on the right.
func Halves(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{R: 220, A: 255}
			if x >= w/2 {
				c = color.NRGBA{B: 220, A: 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// PNG encodes img as PNG.
func PNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// JPEG encodes img as a baseline 4:2:0 JPEG of quality 95.
func JPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// AnimatedGIF is a GIF of frames w x h frames, each a different colour.
func AnimatedGIF(t testing.TB, w, h, frames int) []byte {
	t.Helper()
	pal := color.Palette{color.Black, color.White, color.NRGBA{R: 255, A: 255}, color.NRGBA{G: 255, A: 255}}
	g := &gif.GIF{LoopCount: 0}
	for i := range frames {
		f := image.NewPaletted(image.Rect(0, 0, w, h), pal)
		for p := range f.Pix {
			f.Pix[p] = uint8(i % len(pal))
		}
		g.Image = append(g.Image, f)
		g.Delay = append(g.Delay, 10)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// BareGIF is a GIF of w x h with frames frames, each with almost no
// data: cheap to make, and refused before decoding.
func BareGIF(w, h uint16, frames int) []byte {
	var b bytes.Buffer
	b.WriteString("GIF89a")
	binary.Write(&b, binary.LittleEndian, []uint16{w, h})
	b.Write([]byte{0, 0, 0})
	for range frames {
		b.WriteByte(0x2C)
		binary.Write(&b, binary.LittleEndian, []uint16{0, 0, w, h})
		b.Write([]byte{0, 2, 1, 0, 0})
	}
	b.WriteByte(0x3B)
	return b.Bytes()
}

// WithExif puts an APP1 Exif segment after a JPEG's SOI marker: IFD0
// with an orientation and a GPS IFD pointer, and GPS text after it, as
// phone cameras write.
func WithExif(jpg []byte, orientation uint16) []byte {
	var tiff bytes.Buffer
	be := binary.BigEndian
	tiff.WriteString("MM\x00\x2a")
	binary.Write(&tiff, be, uint32(8)) // IFD0 offset
	binary.Write(&tiff, be, uint16(2)) // entries
	// Orientation: SHORT, one value.
	binary.Write(&tiff, be, []uint16{0x0112, 3})
	binary.Write(&tiff, be, uint32(1))
	binary.Write(&tiff, be, []uint16{orientation, 0})
	// GPSInfo IFD pointer: LONG, one value.
	binary.Write(&tiff, be, []uint16{0x8825, 4})
	binary.Write(&tiff, be, uint32(1))
	binary.Write(&tiff, be, uint32(38))
	binary.Write(&tiff, be, uint32(0)) // no next IFD
	tiff.WriteString("GPSLatitude 51.0632N GPSLongitude 1.3080W")
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	var out bytes.Buffer
	out.Write(jpg[:2])
	out.Write([]byte{0xFF, 0xE1})
	binary.Write(&out, be, uint16(len(seg)+2))
	out.Write(seg)
	out.Write(jpg[2:])
	return out.Bytes()
}

// WithTextChunk puts a tEXt chunk after a PNG's IHDR.
func WithTextChunk(p []byte, text string) []byte {
	const ihdrEnd = 8 + 8 + 13 + 4
	out := append([]byte{}, p[:ihdrEnd]...)
	out = append(out, pngChunk("tEXt", []byte("Comment\x00"+text))...)
	return append(out, p[ihdrEnd:]...)
}

// PNGHeader is the start of a PNG that claims to be w x h: enough for
// the size check, which must refuse it before decoding anything.
func PNGHeader(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	out := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	return append(out, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
}

// PNGOfZeros is a PNG of w x h black pixels of the given bit depth and
// colour type (6: RGBA, 0: grey), written row by row so the test never
// holds the image: a 16-bit RGBA 5760x5760 one is 265 MB of pixels in a
// file of about 310 KB.
func PNGOfZeros(t testing.TB, w, h int, depth, colorType byte) []byte {
	t.Helper()
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = depth, colorType
	channels := map[byte]int{0: 1, 2: 3, 4: 2, 6: 4}[colorType]
	row := make([]byte, 1+w*channels*int(depth)/8) // filter byte 0, then zeros
	var idat bytes.Buffer
	z, _ := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	for range h {
		if _, err := z.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	out.Write(pngChunk("IHDR", ihdr))
	out.Write(pngChunk("IDAT", idat.Bytes()))
	out.Write(pngChunk("IEND", nil))
	return out.Bytes()
}

// TinyWebP is a lossless WebP (VP8L) of one colour, written by hand since
// Go has no WebP encoder: no transforms, no colour cache, and five
// one-symbol prefix codes, so each pixel takes no bits at all.
func TinyWebP(w, h int, c color.NRGBA) []byte {
	var bits []bool
	put := func(v uint32, n int) {
		for i := range n {
			bits = append(bits, v>>i&1 == 1)
		}
	}
	put(0x2f, 8)
	put(uint32(w-1), 14)
	put(uint32(h-1), 14)
	alpha := uint32(0)
	if c.A != 255 {
		alpha = 1
	}
	put(alpha, 1)
	put(0, 3) // version
	put(0, 1) // no transform
	put(0, 1) // no colour cache
	put(0, 1) // no meta prefix codes
	for _, sym := range []uint8{c.G, c.R, c.B, c.A, 0} {
		put(1, 1) // simple code
		put(0, 1) // one symbol
		put(1, 1) // of eight bits
		put(uint32(sym), 8)
	}
	data := make([]byte, (len(bits)+7)/8)
	for i, b := range bits {
		if b {
			data[i/8] |= 1 << (i % 8)
		}
	}
	if len(data)%2 == 1 {
		data = append(data, 0)
	}
	var chunk bytes.Buffer
	chunk.WriteString("VP8L")
	binary.Write(&chunk, binary.LittleEndian, uint32(len(data)))
	chunk.Write(data)
	var out bytes.Buffer
	out.WriteString("RIFF")
	binary.Write(&out, binary.LittleEndian, uint32(4+chunk.Len()))
	out.WriteString("WEBP")
	out.Write(chunk.Bytes())
	return out.Bytes()
}

// pngChunk is one PNG chunk with its CRC.
func pngChunk(kind string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(kind)
	b.Write(data)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(kind), data...)))
	return b.Bytes()
}
