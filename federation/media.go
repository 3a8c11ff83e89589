package federation

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/buckket/go-blurhash"
	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/copse-dev/copse/storage"
)

// Media uploads: a member's images are checked by their bytes (never by
// the name or type the client gave), decoded, and re-encoded, which
// leaves behind every metadata block (EXIF with its GPS position, XMP,
// comments); then a preview and a blurhash are made, the files are
// written under the media directory, and only then is the row stored.
// Go has no WebP encoder, so a WebP upload is stored as JPEG (or PNG
// when it has transparency).

// Limits on uploads, as Mastodon sets them.
const (
	MaxMediaSize   = 16 << 20 // bytes of an uploaded file
	MaxMediaPixels = 33177600 // 7680x4320
	MaxAttachments = 4        // per status
	MaxDescription = 1500     // characters of alt text
)

const (
	// maxGIFPixels bounds the pixels of all a GIF's frames together: each
	// decoded frame takes a byte a pixel, and a small file can hold many
	// large frames.
	maxGIFPixels = 4 * MaxMediaPixels
	previewSide  = 640 // longest side of a preview
	blurhashSide = 64  // the preview is scaled to this before hashing
	jpegQuality  = 90
	smallQuality = 80
	avatarSide   = 400
	headerWidth  = 1500
	headerHeight = 500
)

// Focus is the focal point of an image: x from -1 (left) to 1 (right), y
// from -1 (bottom) to 1 (top); apps crop thumbnails around it.
type Focus struct{ X, Y float64 }

func (f Focus) valid() bool {
	in := func(v float64) bool { return v >= -1 && v <= 1 }
	return in(f.X) && in(f.Y)
}

// withImageSlot runs fn, which decodes and re-encodes an image, when one
// of the engine's image slots is free: a 33-megapixel image takes hundreds
// of megabytes to decode, so only a few may be at work at once.
func (e *Engine) withImageSlot(ctx context.Context, fn func() error) error {
	select {
	case e.imageSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-e.imageSlots }()
	return fn()
}

// runJanitor removes abandoned uploads once an hour.
func (e *Engine) runJanitor(ctx context.Context) {
	log := e.log.With("component", "janitor")
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := e.PruneMedia(ctx, mediaUnattachedTTL); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "prune media", "err", err)
		} else if n > 0 {
			log.InfoContext(ctx, "pruned abandoned uploads", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// mediaUnattachedTTL is how long an upload may wait for a post, as on
// Mastodon.
const mediaUnattachedTTL = 24 * time.Hour

// MediaDir is the directory uploads are written to.
func (e *Engine) MediaDir() string { return e.mediaDir }

// UploadMedia stores an image a member uploads, attached to no status
// yet: JPEG, PNG, GIF (animated or not) or WebP, at most MaxMediaSize
// bytes and MaxMediaPixels pixels. A file that is too large, is not one
// of those images, or cannot be decoded is an *InvalidError.
func (e *Engine) UploadMedia(ctx context.Context, accountID storage.ID, r io.Reader, description string, focus Focus) (storage.Attachment, error) {
	if err := checkMediaText(description, focus); err != nil {
		return storage.Attachment{}, err
	}
	author, err := e.localAccount(ctx, accountID)
	if err != nil {
		return storage.Attachment{}, err
	}
	data, err := readUpload(r)
	if err != nil {
		return storage.Attachment{}, err
	}
	var p processed
	err = e.withImageSlot(ctx, func() (err error) { p, err = processMedia(data); return err })
	if err != nil {
		return storage.Attachment{}, err
	}
	id := e.store.NewID(e.now())
	a := storage.Attachment{
		ID: id, AccountID: author.ID, MediaType: p.mediaType, Description: description, Blurhash: p.blurhash,
		Width: p.width, Height: p.height, PreviewWidth: p.previewWidth, PreviewHeight: p.previewHeight,
		FocusX: focus.X, FocusY: focus.Y, Size: int64(len(p.file)),
		File:        path.Join(author.ID.String(), id.String()+p.ext),
		PreviewFile: path.Join(author.ID.String(), id.String()+"_small.jpg"),
	}
	a.URL, a.PreviewURL = e.mediaURL(a.File), e.mediaURL(a.PreviewFile)
	if err := e.writeMedia(a.File, p.file); err != nil {
		return storage.Attachment{}, err
	}
	if err := e.writeMedia(a.PreviewFile, p.preview); err != nil {
		e.removeMedia(ctx, a.File)
		return storage.Attachment{}, err
	}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.InsertMedia(ctx, &a) }); err != nil {
		e.removeMedia(ctx, a.File, a.PreviewFile)
		return storage.Attachment{}, fmt.Errorf("upload media: %w", err)
	}
	return a, nil
}

// UpdateMedia changes the description or focal point (nil: unchanged) of
// a member's upload that no status has taken yet, as Mastodon allows;
// anything else is storage.ErrNotFound.
func (e *Engine) UpdateMedia(ctx context.Context, accountID, mediaID storage.ID, description *string, focus *Focus) (storage.Attachment, error) {
	a, err := e.store.MediaByID(ctx, mediaID, accountID)
	if err != nil {
		return storage.Attachment{}, err
	}
	if a.StatusID != 0 {
		return storage.Attachment{}, fmt.Errorf("media %d is attached: %w", mediaID, storage.ErrNotFound)
	}
	if description != nil {
		a.Description = *description
	}
	if focus != nil {
		a.FocusX, a.FocusY = focus.X, focus.Y
	}
	if err := checkMediaText(a.Description, Focus{a.FocusX, a.FocusY}); err != nil {
		return storage.Attachment{}, err
	}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.UpdateMedia(ctx, a) }); err != nil {
		return storage.Attachment{}, fmt.Errorf("update media: %w", err)
	}
	return a, nil
}

// DeleteMedia removes a member's upload that no status has taken, with
// its files; anything else is storage.ErrNotFound.
func (e *Engine) DeleteMedia(ctx context.Context, accountID, mediaID storage.ID) (storage.Attachment, error) {
	a, err := e.store.MediaByID(ctx, mediaID, accountID)
	if err != nil {
		return storage.Attachment{}, err
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.DeleteMedia(ctx, a.ID, accountID); err != nil {
			return err
		}
		tx.AfterCommit(func() { e.removeMedia(context.WithoutCancel(ctx), a.File, a.PreviewFile) })
		return nil
	})
	if err != nil {
		return storage.Attachment{}, fmt.Errorf("delete media: %w", err)
	}
	return a, nil
}

// PruneMedia removes uploads that no status took within olderThan of
// their upload (Mastodon waits a day), and those a deleted status left
// for a redraft that never came; it returns how many went.
func (e *Engine) PruneMedia(ctx context.Context, olderThan time.Duration) (int, error) {
	before := e.now().Add(-olderThan)
	pruned := 0
	for {
		batch, err := e.store.UnattachedMedia(ctx, before, 100)
		if err != nil {
			return pruned, err
		}
		for _, a := range batch {
			err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.DeleteMedia(ctx, a.ID, a.AccountID) })
			if errors.Is(err, storage.ErrNotFound) {
				continue // attached or removed meanwhile
			}
			if err != nil {
				return pruned, fmt.Errorf("prune media: %w", err)
			}
			e.removeMedia(ctx, a.File, a.PreviewFile)
			pruned++
		}
		if len(batch) < 100 {
			return pruned, nil
		}
	}
}

// draftMedia loads the uploads a draft names for the status statusID
// (zero for a new one): each must be the author's and attached to no
// other status. Repeated IDs count once.
func (e *Engine) draftMedia(ctx context.Context, tx *storage.Tx, authorID, statusID storage.ID, ids []storage.ID) ([]storage.Attachment, error) {
	var out []storage.Attachment
	seen := map[storage.ID]bool{}
	var missing []string
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		a, err := tx.MediaByID(ctx, id, authorID)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && a.StatusID != 0 && a.StatusID != statusID) {
			missing = append(missing, id.String())
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if len(missing) > 0 {
		return nil, invalid("Media %s not found or already attached to another post", strings.Join(missing, ", "))
	}
	if len(out) > MaxAttachments {
		return nil, invalid("Cannot attach more than %d files", MaxAttachments)
	}
	return out, nil
}

// applyMediaEdits saves edits to the descriptions and focal points of
// media, the uploads a post keeps, and changes media to match. An edit of
// an upload the post does not keep is refused.
func applyMediaEdits(ctx context.Context, tx *storage.Tx, media []storage.Attachment, edits map[storage.ID]MediaEdit) error {
	var missing []string
	for id := range edits {
		if !slices.ContainsFunc(media, func(a storage.Attachment) bool { return a.ID == id }) {
			missing = append(missing, id.String())
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return invalid("Media %s not found in this post", strings.Join(missing, ", "))
	}
	for i := range media {
		ed, ok := edits[media[i].ID]
		if !ok {
			continue
		}
		a := &media[i]
		if ed.Description != nil {
			a.Description = *ed.Description
		}
		if ed.Focus != nil {
			a.FocusX, a.FocusY = ed.Focus.X, ed.Focus.Y
		}
		if err := checkMediaText(a.Description, Focus{a.FocusX, a.FocusY}); err != nil {
			return err
		}
		if err := tx.UpdateMedia(ctx, *a); err != nil {
			return err
		}
	}
	return nil
}

// droppedMedia is the files of the uploads in old that are not in kept:
// an edit removed them.
func droppedMedia(old, kept []storage.Attachment) []string {
	keep := map[storage.ID]bool{}
	for _, a := range kept {
		keep[a.ID] = true
	}
	var files []string
	for _, a := range old {
		if !keep[a.ID] {
			files = append(files, a.File, a.PreviewFile)
		}
	}
	return files
}

// UpdateCredentialsWithImages is UpdateCredentials with a new avatar or
// header (nil: unchanged), checked and re-encoded as uploads are, the
// avatar cropped to a 400x400 square and the header to 1500x500. The
// images are saved first, so the one Update{Person} carries them.
func (e *Engine) UpdateCredentialsWithImages(ctx context.Context, accountID storage.ID, c Credentials, avatar, header io.Reader) (storage.Account, error) {
	if avatar == nil && header == nil {
		return e.UpdateCredentials(ctx, accountID, c)
	}
	if err := c.validate(); err != nil {
		return storage.Account{}, err
	}
	a, err := e.localAccount(ctx, accountID)
	if err != nil {
		return storage.Account{}, err
	}
	var written, replaced []string
	images := []struct {
		r    io.Reader
		name string
		w, h int
		url  *string
	}{
		{avatar, "avatar", avatarSide, avatarSide, &a.AvatarURL},
		{header, "header", headerWidth, headerHeight, &a.HeaderURL},
	}
	for _, im := range images {
		if im.r == nil {
			continue
		}
		data, err := readUpload(im.r)
		if err == nil {
			err = e.withImageSlot(ctx, func() (err error) { data, err = processProfileImage(data, im.w, im.h); return err })
		}
		if err != nil {
			e.removeMedia(ctx, written...)
			return storage.Account{}, fmt.Errorf("%s: %w", im.name, err)
		}
		ext := ".jpg"
		if bytes.HasPrefix(data, []byte("\x89PNG")) {
			ext = ".png"
		}
		file := path.Join(a.ID.String(), e.store.NewID(e.now()).String()+"_"+im.name+ext)
		if err := e.writeMedia(file, data); err != nil {
			e.removeMedia(ctx, written...)
			return storage.Account{}, err
		}
		written = append(written, file)
		if old, ok := e.localMediaFile(*im.url); ok {
			replaced = append(replaced, old)
		}
		*im.url = e.mediaURL(file)
	}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.UpdateAccount(ctx, &a) }); err != nil {
		e.removeMedia(ctx, written...)
		return storage.Account{}, fmt.Errorf("update profile images: %w", err)
	}
	e.removeMedia(ctx, replaced...)
	return e.UpdateCredentials(ctx, accountID, c)
}

func checkMediaText(description string, focus Focus) error {
	if n := utf8.RuneCountInString(description); n > MaxDescription {
		return invalid("Validation failed: Description is too long (maximum is %d characters)", MaxDescription)
	}
	if !focus.valid() {
		return invalid("Validation failed: Focus must be two numbers from -1.0 to 1.0")
	}
	return nil
}

// readUpload reads a whole upload, refusing one over MaxMediaSize.
func readUpload(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxMediaSize+1))
	var tooBig *http.MaxBytesError
	if len(data) > MaxMediaSize || errors.As(err, &tooBig) {
		return nil, invalid("File is too large (the limit is %d MiB)", MaxMediaSize>>20)
	}
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	if len(data) == 0 {
		return nil, invalid("Validation failed: File can't be blank")
	}
	return data, nil
}

// mediaURL is the public URL of a file under the media directory.
func (e *Engine) mediaURL(file string) string { return e.urls.Base + "/media/" + file }

// localMediaFile is the file under the media directory that url, one of
// this node's media URLs, names.
func (e *Engine) localMediaFile(url string) (string, bool) {
	prefix := e.urls.Base + "/media/"
	file, ok := strings.CutPrefix(url, prefix)
	return file, ok && file != ""
}

// writeMedia writes a file under the media directory whole or not at
// all: to a temporary file first, renamed into place.
func (e *Engine) writeMedia(file string, data []byte) error {
	if e.mediaDir == "" {
		return errors.New("write media: the engine has no media directory")
	}
	dst := filepath.Join(e.mediaDir, filepath.FromSlash(file))
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return fmt.Errorf("write media: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(dst), ".upload-*")
	if err != nil {
		return fmt.Errorf("write media: %w", err)
	}
	tmp := f.Name()
	err = f.Chmod(0o640)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write media %s: %w", file, err)
	}
	return nil
}

// removeMedia deletes files under the media directory; a file already
// gone is no error, and other failures are logged, not returned: the
// row that named them is gone either way.
func (e *Engine) removeMedia(ctx context.Context, files ...string) {
	for _, file := range files {
		if file == "" || e.mediaDir == "" {
			continue
		}
		err := os.Remove(filepath.Join(e.mediaDir, filepath.FromSlash(file)))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			e.log.WarnContext(ctx, "remove media file", "file", file, "err", err)
		}
	}
}

// processed is an upload made ready to store.
type processed struct {
	file          []byte // the re-encoded image
	mediaType     string
	ext           string
	width, height int
	preview       []byte // JPEG
	previewWidth  int
	previewHeight int
	blurhash      string
}

// decoded is an upload read into pixels.
type decoded struct {
	mediaType string       // as sniffed from the bytes
	still     image.Image  // the image, or a GIF's first frame, upright
	anim      *gif.GIF     // every frame of a GIF
	config    image.Config // size as the file declares it
	opaque    bool         // no pixel is transparent
	orient    int          // EXIF orientation of a JPEG (1: upright)
}

// decodeUpload sniffs an upload's type from its bytes, checks its size in
// pixels before decoding it, and decodes it.
func decodeUpload(data []byte) (decoded, error) {
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
	if int64(cfg.Width)*int64(cfg.Height) > MaxMediaPixels {
		return decoded{}, invalid("Image is %dx%d pixels; the limit is %d pixels", cfg.Width, cfg.Height, MaxMediaPixels)
	}
	switch d.mediaType {
	case "image/jpeg":
		d.still, err = jpeg.Decode(bytes.NewReader(data))
		if err == nil {
			d.orient = jpegOrientation(data)
			d.still = orient(d.still, d.orient)
		}
	case "image/png":
		d.still, err = png.Decode(bytes.NewReader(data))
	case "image/webp":
		d.still, err = webp.Decode(bytes.NewReader(data))
	case "image/gif":
		frames, ok := gifFrames(data)
		if !ok {
			return decoded{}, invalid("File could not be read as an image")
		}
		if int64(frames)*int64(cfg.Width)*int64(cfg.Height) > maxGIFPixels {
			return decoded{}, invalid("GIF has too many frames (%d at %dx%d)", frames, cfg.Width, cfg.Height)
		}
		d.anim, err = gif.DecodeAll(bytes.NewReader(data))
		if err == nil {
			d.still = firstFrame(d.anim)
		}
	}
	if err != nil {
		return decoded{}, invalid("File could not be read as an image")
	}
	d.opaque = isOpaque(d.still)
	return d, nil
}

// processMedia turns an upload into the files to store.
func processMedia(data []byte) (processed, error) {
	d, err := decodeUpload(data)
	if err != nil {
		return processed{}, err
	}
	var p processed
	var buf bytes.Buffer
	switch {
	case d.anim != nil:
		p.mediaType, p.ext = "image/gif", ".gif"
		err = gif.EncodeAll(&buf, d.anim)
	case d.mediaType == "image/png" || (d.mediaType == "image/webp" && !d.opaque):
		p.mediaType, p.ext = "image/png", ".png"
		err = png.Encode(&buf, d.still)
	default: // JPEG, and WebP with no transparency
		p.mediaType, p.ext = "image/jpeg", ".jpg"
		err = jpeg.Encode(&buf, d.still, &jpeg.Options{Quality: jpegQuality})
	}
	if err != nil {
		return processed{}, fmt.Errorf("encode %s: %w", p.mediaType, err)
	}
	p.file = buf.Bytes()
	b := d.still.Bounds()
	p.width, p.height = b.Dx(), b.Dy()
	p.previewWidth, p.previewHeight = fit(p.width, p.height, previewSide, previewSide)
	small := scaleOnto(d.still, p.previewWidth, p.previewHeight)
	buf = bytes.Buffer{}
	if err := jpeg.Encode(&buf, small, &jpeg.Options{Quality: smallQuality}); err != nil {
		return processed{}, fmt.Errorf("encode preview: %w", err)
	}
	p.preview = buf.Bytes()
	tw, th := fit(p.previewWidth, p.previewHeight, blurhashSide, blurhashSide)
	tiny := scaleOnto(small, tw, th)
	if p.blurhash, err = blurhash.Encode(4, 3, tiny); err != nil {
		return processed{}, fmt.Errorf("blurhash: %w", err)
	}
	return p, nil
}

// processProfileImage crops an upload to w:h around its centre, scales
// it down to at most w x h, and encodes it: JPEG, or PNG when it has
// transparency. An animated GIF keeps only its first frame.
func processProfileImage(data []byte, w, h int) ([]byte, error) {
	d, err := decodeUpload(data)
	if err != nil {
		return nil, err
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
	draw.CatmullRom.Scale(dst, dst.Bounds(), d.still, crop, draw.Src, nil)
	var buf bytes.Buffer
	if d.opaque {
		err = jpeg.Encode(&buf, dst, &jpeg.Options{Quality: jpegQuality})
	} else {
		err = png.Encode(&buf, dst)
	}
	if err != nil {
		return nil, fmt.Errorf("encode profile image: %w", err)
	}
	return buf.Bytes(), nil
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
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Over, nil)
	}
	return dst
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
