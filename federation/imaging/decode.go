package imaging

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// decoded is an upload read into pixels.
type decoded struct {
	mediaType string      // as sniffed from the bytes
	still     image.Image // the image, or a GIF's first frame, upright
	anim      *gif.GIF    // every frame of a GIF
	opaque    bool        // no pixel is transparent
	orient    int         // EXIF orientation of a JPEG (1: upright)
}

// decode sniffs an upload's type from its bytes, checks its size in
// pixels and the memory decoding it will take before decoding it, and
// decodes it. It stops, with ctx's error, soon after ctx is done: the
// decoders read as they go, and a read fails once ctx is done.
func decode(ctx context.Context, data []byte) (decoded, error) {
	d := decoded{mediaType: http.DetectContentType(data)}
	var configOf func(io.Reader) (image.Config, error)
	switch d.mediaType {
	case "image/jpeg":
		configOf = jpeg.DecodeConfig
	case "image/png":
		configOf = png.DecodeConfig
	case "image/gif":
		configOf = gif.DecodeConfig
	case "image/webp":
		configOf = webp.DecodeConfig
	default:
		return decoded{}, invalid("File type is not supported: upload a JPEG, PNG, GIF or WebP image")
	}
	cfg, err := configOf(bytes.NewReader(data))
	if err != nil {
		return decoded{}, invalid("File could not be read as an image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return decoded{}, invalid("File could not be read as an image")
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return decoded{}, invalid("Image is %dx%d pixels; the limit is %d pixels", cfg.Width, cfg.Height, MaxPixels)
	}
	frames := 1
	if d.mediaType == "image/gif" {
		var ok bool
		if frames, ok = gifFrames(data); !ok {
			return decoded{}, invalid("File could not be read as an image")
		}
		if int64(frames)*int64(cfg.Width)*int64(cfg.Height) > maxGIFPixels {
			return decoded{}, invalid("GIF has too many frames (%d at %dx%d)", frames, cfg.Width, cfg.Height)
		}
	}
	var jf jpegFrame
	if d.mediaType == "image/jpeg" {
		d.orient = jpegOrientation(data)
		jf = jpegFrameOf(data)
		jf.orient = d.orient
	}
	if need := decodeBytes(d.mediaType, cfg, frames, jf); need > MaxDecodeBytes {
		return decoded{}, invalid("Image is too large to process: %dx%d pixels at this colour depth need %d MiB; the limit is %d MiB",
			cfg.Width, cfg.Height, need>>20, MaxDecodeBytes>>20)
	}
	r := ctxReader{ctx, bytes.NewReader(data)}
	switch d.mediaType {
	case "image/jpeg":
		d.still, err = jpeg.Decode(r)
		if err == nil {
			d.still = orient(d.still, d.orient)
		}
	case "image/png":
		d.still, err = png.Decode(r)
	case "image/webp":
		d.still, err = webp.Decode(r)
	case "image/gif":
		d.anim, err = gif.DecodeAll(r)
		if err == nil {
			d.still = firstFrame(d.anim)
		}
	}
	if ctx.Err() != nil {
		return decoded{}, ctx.Err()
	}
	if err != nil {
		return decoded{}, invalid("File could not be read as an image")
	}
	d.opaque = isOpaque(d.still)
	return d, nil
}

// decodeBytes is the memory decoding an image of cfg takes: its pixels at
// the bytes a pixel of its colour model holds, for each frame of a GIF,
// plus the working copies: a GIF's first frame drawn on its screen, the
// coefficients of a progressive JPEG (an int32 for each sample), and the
// two RGBA copies turning a JPEG upright take.
func decodeBytes(mediaType string, cfg image.Config, frames int, jf jpegFrame) int64 {
	pixels := int64(cfg.Width) * int64(cfg.Height)
	bpp := float64(bytesPerPixel(cfg.ColorModel))
	if cfg.ColorModel == color.YCbCrModel && jf.samples > 0 {
		bpp = jf.samples // chroma subsampled: 1.5 a pixel for 4:2:0
	}
	need := int64(float64(pixels)*bpp) * int64(frames)
	if mediaType == "image/gif" {
		need += pixels * 4
	}
	if jf.progressive {
		need += int64(float64(pixels) * 4 * max(jf.samples, bpp))
	}
	if jf.orient > 1 {
		need += pixels * 8
	}
	return need
}

// jpegFrame is what a JPEG's header says of the memory decoding it takes.
type jpegFrame struct {
	orient      int     // EXIF orientation; above 1, it is turned upright
	progressive bool    // its coefficients are held until the end
	samples     float64 // samples a pixel, all components (0: unknown)
}

// jpegFrameOf reads a JPEG's frame header (SOFn): whether it is
// progressive, and its samples a pixel from each component's sampling
// factors.
func jpegFrameOf(data []byte) jpegFrame {
	var jf jpegFrame
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return jf
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			return jf
		}
		marker := data[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		if marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 {
			i += 2
			continue
		}
		if marker == 0xDA || marker == 0xD9 {
			return jf
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return jf
		}
		seg := data[i+4 : i+2+n]
		if marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC {
			jf.progressive = marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE
			if len(seg) < 6 || len(seg) < 6+3*int(seg[5]) || seg[5] == 0 {
				return jf
			}
			comps := int(seg[5])
			hmax, vmax := 1, 1
			for c := range comps {
				f := seg[6+3*c+1]
				hmax, vmax = max(hmax, int(f>>4)), max(vmax, int(f&15))
			}
			for c := range comps {
				f := seg[6+3*c+1]
				jf.samples += float64(max(1, int(f>>4))*max(1, int(f&15))) / float64(hmax*vmax)
			}
			return jf
		}
		i += 2 + n
	}
	return jf
}

// bytesPerPixel is what the decoders of image/... allocate a pixel for
// images of model m; unknown models count as the largest, 16-bit RGBA.
func bytesPerPixel(m color.Model) int64 {
	if _, ok := m.(color.Palette); ok { // a slice: not comparable with ==
		return 1
	}
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel: // 4:4:4 at worst
		return 3
	case color.NYCbCrAModel, color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		return 4
	}
	return 8
}

// ctxReader fails its reads once ctx is done, which stops a decoder at
// its next read: a request that ends (or times out) no longer leaves a
// decoding running.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// ctxWriter does the same for encoders.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

func isOpaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// firstFrame is a GIF's first frame as it shows on its logical screen.
func firstFrame(g *gif.GIF) image.Image {
	w, h := g.Config.Width, g.Config.Height
	f := g.Image[0]
	if w <= 0 || h <= 0 {
		w, h = f.Bounds().Max.X, f.Bounds().Max.Y
	}
	canvas := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.Draw(canvas, f.Bounds(), f, f.Bounds().Min, draw.Src)
	return canvas
}

// gifFrames counts the frames of a GIF by walking its blocks, without
// decoding any; ok is false if the file is not a well-formed GIF.
func gifFrames(data []byte) (frames int, ok bool) {
	if len(data) < 13 || (string(data[:6]) != "GIF87a" && string(data[:6]) != "GIF89a") {
		return 0, false
	}
	i := 13
	if flags := data[10]; flags&0x80 != 0 {
		i += 3 << (flags&7 + 1)
	}
	// subBlocks skips data sub-blocks from j up to and including their
	// terminator.
	subBlocks := func(j int) int {
		for j < len(data) {
			n := int(data[j])
			j++
			if n == 0 {
				return j
			}
			j += n
		}
		return -1
	}
	for i < len(data) {
		switch data[i] {
		case 0x21: // extension: label, then sub-blocks
			if i = subBlocks(i + 2); i < 0 {
				return frames, false
			}
		case 0x2C: // image descriptor, local colour table, LZW code size, data
			if i+10 > len(data) {
				return frames, false
			}
			flags := data[i+9]
			i += 10
			if flags&0x80 != 0 {
				i += 3 << (flags&7 + 1)
			}
			if i = subBlocks(i + 1); i < 0 {
				return frames, false
			}
			frames++
		case 0x3B: // trailer
			return frames, frames > 0
		default:
			return frames, false
		}
	}
	return frames, frames > 0
}

// jpegOrientation reads the EXIF orientation (1 to 8) of a JPEG; 1, the
// image as stored is upright, when there is none.
func jpegOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 1
	}
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return 1
		}
		marker := data[i+1]
		if marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 {
			i += 2
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // image data begins: no EXIF before it
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return 1
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xE1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
			return exifOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

// exifOrientation reads tag 0x0112 of IFD0 in a TIFF structure.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	ifd := int(order.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > len(tiff) {
		return 1
	}
	entries := int(order.Uint16(tiff[ifd:]))
	for k := range entries {
		e := ifd + 2 + 12*k
		if e+12 > len(tiff) {
			return 1
		}
		if order.Uint16(tiff[e:]) == 0x0112 && order.Uint16(tiff[e+2:]) == 3 {
			if v := int(order.Uint16(tiff[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// orient turns an image stored with EXIF orientation o upright.
func orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	src := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := range dh {
		for dx := range dw {
			var sx, sy int
			switch o {
			case 2: // mirrored
				sx, sy = w-1-dx, dy
			case 3: // upside down
				sx, sy = w-1-dx, h-1-dy
			case 4: // mirrored upside down
				sx, sy = dx, h-1-dy
			case 5: // transposed
				sx, sy = dy, dx
			case 6: // needs a quarter turn clockwise
				sx, sy = dy, h-1-dx
			case 7: // transversed
				sx, sy = w-1-dy, h-1-dx
			case 8: // needs a quarter turn anticlockwise
				sx, sy = w-1-dy, dx
			}
			si, di := src.PixOffset(sx, sy), dst.PixOffset(dx, dy)
			copy(dst.Pix[di:di+4], src.Pix[si:si+4])
		}
	}
	return dst
}
