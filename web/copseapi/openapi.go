package copseapi

import (
	_ "embed"
	"net/http"
)

// openAPI describes every route under Prefix (OpenAPI 3.1).
// TestOpenAPICoversRoutes keeps it and Mount in step.
//
//go:embed openapi.json
var openAPI []byte

// serveOpenAPI: GET /api/copse/v1/openapi.json. It is public, like the
// document of any API, so tools can read it before they have a token.
func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(openAPI)
}
