package pages

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"time"
)

// css is the one style sheet of every page, built into the binary.
//
//go:embed assets/copse.css
var css []byte

const cssPath = "/assets/copse.css"

// cssVersion names the style sheet's content, so its URL changes when it
// does and browsers may keep it for a year.
var cssVersion = func() string {
	sum := sha256.Sum256(css)
	return hex.EncodeToString(sum[:6])
}()

// cssURL is the address pages link the style sheet by.
var cssURL = cssPath + "?v=" + cssVersion

// serveCSS answers the style sheet, cacheable: a year when asked for by
// its versioned URL, an hour otherwise; the ETag lets a browser revalidate.
func serveCSS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("ETag", `"`+cssVersion+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == cssVersion {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=3600")
	}
	http.ServeContent(w, r, "copse.css", time.Time{}, bytes.NewReader(css))
}
