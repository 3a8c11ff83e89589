package api

import (
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/httperr"
)

// Media uploads (POST /api/v1/media and /api/v2/media) and the member's
// own uploads not yet in a post (GET, PUT, DELETE /api/v1/media/:id), as
// Mastodon has them; and the files themselves, served from the media
// directory.

// Request bodies that carry files may be larger than the node's usual
// limit: one upload and its form, or an avatar and a header.
const (
	uploadBody      = federation.MaxMediaSize + 1<<20
	credentialsBody = 2*federation.MaxMediaSize + 1<<20
	// uploadMemory is how much of a multipart body is held in memory;
	// the rest goes to temporary files.
	uploadMemory = 4 << 20
)

// BodyLimit is the most a request body to path may hold: more than def
// for the endpoints that take files.
func BodyLimit(path string, def int64) int64 {
	switch path {
	case "/api/v1/media", "/api/v2/media":
		return uploadBody
	case "/api/v1/accounts/update_credentials":
		return credentialsBody
	}
	return def
}

func (h *Handler) mountMedia(r chi.Router) {
	upload := h.handle(h.uploadMedia)
	r.Post("/api/v1/media", upload)
	r.Post("/api/v2/media", upload)
	r.Get("/api/v1/media/{id}", h.handle(h.getMedia))
	r.Put("/api/v1/media/{id}", h.handle(h.updateMedia))
	r.Delete("/api/v1/media/{id}", h.handle(h.deleteMedia))
}

// POST /api/v1/media, POST /api/v2/media
//
// Mastodon answers v2 with 202 and no URL while it processes the file in
// the background; copse processes it before answering, so both answer
// 200 with the URL, which apps accept from either.
func (h *Handler) uploadMedia(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:media")
	if err != nil {
		return err
	}
	// The member's upload limits are taken before the body is read:
	// reading it fills memory and disk.
	end, err := h.engine.BeginUpload(me.ID)
	if err != nil {
		return err
	}
	defer end()
	if err := parseUpload(r, uploadBody); err != nil {
		return err
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		return unprocessable("Validation failed: File can't be blank")
	}
	focus, err := focusParam(v.Get("focus"))
	if err != nil {
		return err
	}
	f, err := r.MultipartForm.File["file"][0].Open()
	if err != nil {
		return err
	}
	defer f.Close()
	a, err := h.engine.UploadMedia(r.Context(), me.ID, f, v.Get("description"), focus)
	if err != nil {
		return err
	}
	h.json(w, attachmentEntity(a))
	return nil
}

// GET /api/v1/media/:id
func (h *Handler) getMedia(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:media") // as in Mastodon, even to read
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := h.store.MediaByID(r.Context(), id, me.ID)
	if err != nil {
		return err
	}
	if a.StatusID != 0 {
		// Mastodon finds only uploads no post has taken yet.
		return httperr.New(http.StatusNotFound, "Record not found")
	}
	h.json(w, attachmentEntity(a))
	return nil
}

// PUT /api/v1/media/:id
func (h *Handler) updateMedia(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:media")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := form(r)
	if err != nil {
		return err
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	var description *string
	if _, ok := v["description"]; ok {
		d := v.Get("description")
		description = &d
	}
	var focus *federation.Focus
	if _, ok := v["focus"]; ok {
		f, err := focusParam(v.Get("focus"))
		if err != nil {
			return err
		}
		focus = &f
	}
	a, err := h.engine.UpdateMedia(r.Context(), me.ID, id, description, focus)
	if err != nil {
		return err
	}
	h.json(w, attachmentEntity(a))
	return nil
}

// DELETE /api/v1/media/:id
func (h *Handler) deleteMedia(w http.ResponseWriter, r *http.Request) error {
	me, err := Caller(r, "write:media")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := h.engine.DeleteMedia(r.Context(), me.ID, id)
	if err != nil {
		return err
	}
	h.json(w, attachmentEntity(a))
	return nil
}

// A member may upload uploadsPerWindow files in any uploadWindow, as
// on Mastodon: each is up to 16 MiB kept for a day even if no post
// takes it, and the request budget alone (300 in 5 minutes) would let
// one member fill tens of gigabytes an hour.

// parseUpload reads a multipart body that may carry files up to limit
// bytes; one that is larger is refused with 422, as the issue asks for a
// clear answer rather than a broken connection. Other bodies are left for
// form.
func parseUpload(r *http.Request, limit int64) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return nil
	}
	tooLarge := unprocessable("File is too large (the limit is " + strconv.Itoa(federation.MaxMediaSize>>20) + " MiB)")
	if r.ContentLength > limit {
		return tooLarge
	}
	err := r.ParseMultipartForm(uploadMemory)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return tooLarge
	case err != nil:
		return httperr.New(http.StatusBadRequest, "body is not a valid form")
	}
	return nil
}

// focusParam reads a focal point given as "x,y"; empty is the centre.
func focusParam(s string) (federation.Focus, error) {
	if strings.TrimSpace(s) == "" {
		return federation.Focus{}, nil
	}
	xs, ys, ok := strings.Cut(s, ",")
	x, errX := strconv.ParseFloat(strings.TrimSpace(xs), 64)
	y, errY := strconv.ParseFloat(strings.TrimSpace(ys), 64)
	if !ok || errX != nil || errY != nil {
		return federation.Focus{}, unprocessable("Validation failed: Focus must be two numbers from -1.0 to 1.0")
	}
	return federation.Focus{X: x, Y: y}, nil
}

// dataURI decodes "data:image/png;base64,...", which ok reports; a data
// URI that is not base64 is refused.
func dataURI(s string) (data []byte, ok bool, err error) {
	rest, found := strings.CutPrefix(s, "data:")
	if !found {
		return nil, false, nil
	}
	header, payload, _ := strings.Cut(rest, ",")
	if !strings.HasSuffix(header, ";base64") {
		return nil, false, unprocessable("Validation failed: an image given as a data URI must be base64")
	}
	data, err = base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return nil, false, unprocessable("Validation failed: the image's data URI is not valid base64")
	}
	return data, true, nil
}

var mediaTypes = map[string]string{".jpg": "image/jpeg", ".png": "image/png", ".gif": "image/gif"}

// MediaFiles serves the files under dir at /media/...: only names the
// engine writes (random ones: a name left from before they were random is
// not served), never a directory listing, with the content type their
// extension says (the engine chose it after decoding), nosniff, and a
// year's cache, since a file's name never names other bytes.
func MediaFiles(dir string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/media/")
		if !federation.ValidMediaName(name) || dir == "" {
			httperr.JSON(w, http.StatusNotFound, map[string]string{"error": "Not found"})
			return
		}
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			httperr.JSON(w, http.StatusNotFound, map[string]string{"error": "Not found"})
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			httperr.JSON(w, http.StatusNotFound, map[string]string{"error": "Not found"})
			return
		}
		hd := w.Header()
		hd.Set("Content-Type", mediaTypes[filepath.Ext(name)])
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
		hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		http.ServeContent(w, r, "", fi.ModTime(), f)
	})
}
