package imaging

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"

	"github.com/buckket/go-blurhash"
	"golang.org/x/image/draw"
)

// Limits on what is decoded.
const (
	// MaxPixels bounds an image's width times height, as Mastodon does
	// (7680x4320).
	MaxPixels = 33177600

	// MaxDecodeBytes bounds the memory one image takes once decoded, its
	// working copies included: the pixel cap alone let a 258 KB 16-bit PNG
	// of 5760x5760 take 650 MB (issue 10). Every 8-bit image within
	// MaxPixels fits. The caller bounds how many are decoded at once.
	MaxDecodeBytes = 128 << 20

	// maxGIFPixels bounds the pixels of all a GIF's frames together: each
	// decoded frame takes a byte a pixel, and a small file can hold many
	// large frames.
	maxGIFPixels = 4 * MaxPixels
)

const (
	previewSide  = 640 // longest side of a preview
	blurhashSide = 64  // the preview is scaled to this before hashing
	jpegQuality  = 90
	smallQuality = 80
)

// InvalidError is the refusal of an image for what it is: not a supported
// type, unreadable, too large. Msg is written for the member who uploaded
// it; any other error is the codec's own failure, or ctx's error.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return "imaging: " + e.Msg }

func invalid(format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, args...)}
}

// File is one encoded image.
type File struct {
	Data          []byte
	MediaType     string // image/jpeg, image/png or image/gif
	Ext           string // .jpg, .png or .gif
	Width, Height int
}

// Media is an upload made ready to store: the image re-encoded, a JPEG
// preview at most 640 pixels on its longest side, and the preview's
// blurhash.
type Media struct {
	File     File
	Preview  File
	Blurhash string
}

// Process decodes an upload (JPEG, PNG, GIF or WebP, read from its bytes)
// and re-encodes it: a GIF keeps its frames, a PNG stays PNG, and the
// rest become JPEG, or PNG for a WebP with transparency, since Go has no
// WebP encoder. A JPEG is first turned upright by its EXIF orientation.
// Bad input is an *InvalidError; once ctx is done, Process soon stops
// with ctx's error.
func Process(ctx context.Context, data []byte) (Media, error) {
	d, err := decode(ctx, data)
	if err != nil {
		return Media{}, err
	}
	var m Media
	var buf bytes.Buffer
	w := ctxWriter{ctx, &buf}
	switch {
	case d.anim != nil:
		m.File.MediaType, m.File.Ext = "image/gif", ".gif"
		err = gif.EncodeAll(w, d.anim)
	case d.mediaType == "image/png" || (d.mediaType == "image/webp" && !d.opaque):
		m.File.MediaType, m.File.Ext = "image/png", ".png"
		err = png.Encode(w, d.still)
	default: // JPEG, and WebP with no transparency
		m.File.MediaType, m.File.Ext = "image/jpeg", ".jpg"
		err = jpeg.Encode(w, d.still, &jpeg.Options{Quality: jpegQuality})
	}
	if ctx.Err() != nil {
		return Media{}, ctx.Err()
	}
	if err != nil {
		return Media{}, fmt.Errorf("encode %s: %w", m.File.MediaType, err)
	}
	m.File.Data = buf.Bytes()
	b := d.still.Bounds()
	m.File.Width, m.File.Height = b.Dx(), b.Dy()
	if m.Preview, m.Blurhash, err = preview(d.still, previewSide); err != nil {
		return Media{}, err
	}
	return m, nil
}

// Thumbnail decodes an image (as Process does) and makes only its
// preview: a JPEG, over white, at most side pixels on its longest side,
// and its blurhash. It is how a link preview's image is kept.
func Thumbnail(ctx context.Context, data []byte, side int) (File, string, error) {
	d, err := decode(ctx, data)
	if err != nil {
		return File{}, "", err
	}
	return preview(d.still, side)
}

// preview is a JPEG of img at most side pixels on its longest side, over
// white, and its blurhash.
func preview(img image.Image, side int) (File, string, error) {
	b := img.Bounds()
	pw, ph := fit(b.Dx(), b.Dy(), side, side)
	small := scaleOnto(img, pw, ph)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, small, &jpeg.Options{Quality: smallQuality}); err != nil {
		return File{}, "", fmt.Errorf("encode preview: %w", err)
	}
	tw, th := fit(pw, ph, blurhashSide, blurhashSide)
	hash, err := blurhash.Encode(4, 3, scaleOnto(small, tw, th))
	if err != nil {
		return File{}, "", fmt.Errorf("blurhash: %w", err)
	}
	return File{Data: buf.Bytes(), MediaType: "image/jpeg", Ext: ".jpg", Width: pw, Height: ph}, hash, nil
}

// ProfileImage crops an upload to w:h around its centre, scales it down
// to at most w x h (never up), and encodes it: JPEG, or PNG when it has
// transparency. An animated GIF keeps only its first frame. Errors are as
// Process's.
func ProfileImage(ctx context.Context, data []byte, w, h int) (File, error) {
	if w <= 0 || h <= 0 {
		return File{}, fmt.Errorf("profile image of %dx%d: the size must be positive", w, h)
	}
	d, err := decode(ctx, data)
	if err != nil {
		return File{}, err
	}
	b := d.still.Bounds()
	crop := b
	if b.Dx()*h > b.Dy()*w { // wider than w:h
		cw := max(1, b.Dy()*w/h)
		crop.Min.X = b.Min.X + (b.Dx()-cw)/2
		crop.Max.X = crop.Min.X + cw
	} else {
		ch := max(1, b.Dx()*h/w)
		crop.Min.Y = b.Min.Y + (b.Dy()-ch)/2
		crop.Max.Y = crop.Min.Y + ch
	}
	tw, th := crop.Dx(), crop.Dy()
	if tw > w || th > h {
		tw, th = w, h
	}
	dst := image.NewNRGBA(image.Rect(0, 0, tw, th))
	scale(dst, d.still, crop, draw.Src)
	f := File{Width: tw, Height: th}
	var buf bytes.Buffer
	if d.opaque {
		f.MediaType, f.Ext = "image/jpeg", ".jpg"
		err = jpeg.Encode(ctxWriter{ctx, &buf}, dst, &jpeg.Options{Quality: jpegQuality})
	} else {
		f.MediaType, f.Ext = "image/png", ".png"
		err = png.Encode(ctxWriter{ctx, &buf}, dst)
	}
	if ctx.Err() != nil {
		return File{}, ctx.Err()
	}
	if err != nil {
		return File{}, fmt.Errorf("encode profile image: %w", err)
	}
	f.Data = buf.Bytes()
	return f, nil
}

// EmojiImage scales an upload down, keeping its aspect, to fit in a
// side x side square (never up), and encodes it as PNG, which keeps
// transparency. An animated GIF keeps only its first frame. Errors are as
// Process's.
func EmojiImage(ctx context.Context, data []byte, side int) (File, error) {
	if side <= 0 {
		return File{}, fmt.Errorf("emoji image of side %d: the size must be positive", side)
	}
	d, err := decode(ctx, data)
	if err != nil {
		return File{}, err
	}
	b := d.still.Bounds()
	w, h := fit(b.Dx(), b.Dy(), side, side)
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	scale(dst, d.still, b, draw.Src)
	var buf bytes.Buffer
	err = png.Encode(ctxWriter{ctx, &buf}, dst)
	if ctx.Err() != nil {
		return File{}, ctx.Err()
	}
	if err != nil {
		return File{}, fmt.Errorf("encode emoji image: %w", err)
	}
	return File{Data: buf.Bytes(), MediaType: "image/png", Ext: ".png", Width: w, Height: h}, nil
}

// fit is the size of a w x h image scaled down, keeping its aspect, to
// fit in maxW x maxH; a smaller image keeps its size.
func fit(w, h, maxW, maxH int) (int, int) {
	if w <= maxW && h <= maxH {
		return w, h
	}
	scale := math.Min(float64(maxW)/float64(w), float64(maxH)/float64(h))
	return max(1, int(math.Round(float64(w)*scale))), max(1, int(math.Round(float64(h)*scale)))
}

// scaleOnto draws src scaled to w x h over white (a JPEG has no
// transparency to show).
func scaleOnto(src image.Image, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	if b := src.Bounds(); b.Dx() == w && b.Dy() == h {
		draw.Draw(dst, dst.Bounds(), src, b.Min, draw.Over)
	} else {
		scale(dst, src, b, draw.Over)
	}
	return dst
}

// scale draws the sr part of src scaled onto all of dst with Catmull-Rom.
// That kernel holds a 32-byte pixel for each column of dst and row of sr
// (a 640-wide preview of a 5760-high image: 118 MB), so a source more
// than twice dst's size is first reduced to twice it with the bilinear
// approximation, which needs no such buffer; what the first step blurs
// less, the second smooths.
func scale(dst draw.Image, src image.Image, sr image.Rectangle, op draw.Op) {
	dr := dst.Bounds()
	if sr.Dx() > 2*dr.Dx() || sr.Dy() > 2*dr.Dy() {
		mid := image.NewNRGBA(image.Rect(0, 0, min(sr.Dx(), 2*dr.Dx()), min(sr.Dy(), 2*dr.Dy())))
		draw.ApproxBiLinear.Scale(mid, mid.Bounds(), src, sr, draw.Src, nil)
		src, sr = mid, mid.Bounds()
	}
	draw.CatmullRom.Scale(dst, dr, src, sr, op, nil)
}
