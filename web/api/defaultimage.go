package api

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"sync"
)

// The image an account without an avatar or header shows, at the
// addresses Mastodon gives such accounts (/avatars/original/missing.png,
// /headers/original/missing.png): apps load it like any other avatar, and
// a broken image is what they show if it is missing. A plain tile in
// Mastodon's grey, made once, at first use.
var (
	defaultImageOnce sync.Once
	defaultImagePNG  []byte
)

func defaultImage() []byte {
	defaultImageOnce.Do(func() {
		img := image.NewRGBA(image.Rect(0, 0, 400, 400))
		grey := color.RGBA{R: 0xd9, G: 0xe1, B: 0xe8, A: 0xff}
		for i := 0; i < len(img.Pix); i += 4 {
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = grey.R, grey.G, grey.B, grey.A
		}
		var buf bytes.Buffer
		_ = png.Encode(&buf, img) // into memory: cannot fail
		defaultImagePNG = buf.Bytes()
	})
	return defaultImagePNG
}

// DefaultImage serves the image of an account with no avatar or header.
func DefaultImage(w http.ResponseWriter, r *http.Request) {
	b := defaultImage()
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
}
