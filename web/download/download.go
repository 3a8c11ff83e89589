// Package download serves a stored file as a download, the one way the
// copse API and the web pages hand out an artefact's files: with the
// type recorded for it (found in its bytes when it was stored), never
// sniffed or run by the browser, under its own name.
package download

import (
	"io"
	"mime"
	"net/http"
	"time"
)

// File is what a download says about the file it serves.
type File struct {
	Name      string
	MediaType string
	SHA256    string // hex; the ETag
	ModTime   time.Time
}

// Serve writes content as f, answering ranges and conditional requests
// (http.ServeContent).
func Serve(w http.ResponseWriter, r *http.Request, f File, content io.ReadSeeker) {
	h := w.Header()
	h.Set("Content-Type", f.MediaType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if f.SHA256 != "" {
		h.Set("ETag", `"`+f.SHA256+`"`)
	}
	http.ServeContent(w, r, "", f.ModTime, content)
}
