package download

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestServe: a file is offered as a download under its own name (quoted
// as RFC 6266 asks, whatever it holds), with its type never sniffed and
// nothing in it run, an ETag of its hash, and ranges answered.
func TestServe(t *testing.T) {
	body := "grade,days\nA,25\n"
	tests := []struct {
		name        string
		file        File
		rangeHeader string
		wantCode    int
		wantBody    string
		wantName    string
	}{
		{"whole", File{Name: "leave.csv", MediaType: "text/csv", SHA256: "ab12"}, "", http.StatusOK, body, `filename=leave.csv`},
		{"a name with spaces and quotes", File{Name: `my "plan" v2.csv`, MediaType: "text/csv"}, "", http.StatusOK, body, `filename="my \"plan\" v2.csv"`},
		{"a range", File{Name: "leave.csv", MediaType: "text/csv"}, "bytes=0-4", http.StatusPartialContent, "grade", `filename=leave.csv`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/f", nil)
			if tt.rangeHeader != "" {
				r.Header.Set("Range", tt.rangeHeader)
			}
			w := httptest.NewRecorder()
			Serve(w, r, tt.file, strings.NewReader(body))
			h := w.Result().Header
			if w.Code != tt.wantCode || w.Body.String() != tt.wantBody {
				t.Fatalf("%d %q; want %d %q", w.Code, w.Body.String(), tt.wantCode, tt.wantBody)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Type") != tt.file.MediaType ||
				!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") ||
				h.Get("Content-Disposition") != "attachment; "+tt.wantName {
				t.Errorf("headers %v", h)
			}
			if (tt.file.SHA256 != "") != (h.Get("ETag") == `"`+tt.file.SHA256+`"`) {
				t.Errorf("ETag %q for hash %q", h.Get("ETag"), tt.file.SHA256)
			}
		})
	}
	// A client that holds the file already is told so.
	r := httptest.NewRequest(http.MethodGet, "/f", nil)
	r.Header.Set("If-None-Match", `"ab12"`)
	w := httptest.NewRecorder()
	Serve(w, r, File{Name: "leave.csv", MediaType: "text/csv", SHA256: "ab12", ModTime: time.Now()}, strings.NewReader(body))
	if w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match of its hash: %d; want 304", w.Code)
	}
}
