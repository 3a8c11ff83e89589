package api_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/copse-dev/copse/web/testrig"
)

// allocatedBy serves one request in the process and returns its status
// and the bytes allocated meanwhile (by every goroutine: the node's idle
// workers add a little).
func allocatedBy(t *testing.T, h http.Handler, req *http.Request) (int, uint64) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	runtime.ReadMemStats(&after)
	return rec.Code, after.TotalAlloc - before.TotalAlloc
}

// jsonArrayBody is {"client_name":"x","redirect_uris":[0,0,...]} of
// about size bytes: the shape that took a node from 24 MB to 574 MB.
func jsonArrayBody(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"client_name":"x","redirect_uris":[0`)
	for b.Len() < size-4 {
		b.WriteString(",0")
	}
	b.WriteString("]}")
	return b.Bytes()
}

// TestHugeBodiesAreRefusedCheaply sends the worst bodies a client can
// send to the endpoints that take them, anonymous or as a member, and
// checks each is refused with a bounded answer having allocated little.
func TestHugeBodiesAreRefusedCheaply(t *testing.T) {
	n := testrig.StartOne(t, nil)
	h := n.Handler()
	member := n.Token(n.Member("alice", false))
	tests := []struct {
		name        string
		path        string
		member      bool // sent with a member's token
		contentType string
		body        []byte
		maxAlloc    uint64
	}{
		{"8 MiB JSON array to apps", "/api/v1/apps", false, "application/json", jsonArrayBody(8<<20 - 64), 8 << 20},
		{"8 MiB JSON array to token", "/oauth/token", false, "application/json", jsonArrayBody(8<<20 - 64), 8 << 20},
		{"8 MiB JSON array to revoke", "/oauth/revoke", false, "application/json", jsonArrayBody(8<<20 - 64), 8 << 20},
		{"8 MiB form to sign-in", "/oauth/sign_in", false, "application/x-www-form-urlencoded",
			[]byte("login=a&" + strings.Repeat("a=&", (8<<20-64)/3)), 8 << 20},
		{"60 KiB JSON of 30,000 elements", "/api/v1/apps", false, "application/json", jsonArrayBody(60 << 10), 2 << 20},
		{"60 KiB JSON nested 30,000 deep", "/api/v1/apps", false, "application/json",
			[]byte(`{"a":` + strings.Repeat("[", 30000) + strings.Repeat("]", 30000) + "}"), 2 << 20},
		{"60 KiB form of 20,000 values", "/api/v1/apps", false, "application/x-www-form-urlencoded",
			[]byte(strings.Repeat("a=&", 20000)), 2 << 20},
		{"member's 8 MiB JSON array to statuses", "/api/v1/statuses", true, "application/json",
			jsonArrayBody(8<<20 - 64), 4 << 20},
		{"member's 60 KiB JSON of 30,000 elements", "/api/v1/statuses", true, "application/json",
			jsonArrayBody(60 << 10), 2 << 20},
		{"member's 8 MiB form of 2.8 million values", "/api/v1/statuses", true, "application/x-www-form-urlencoded",
			[]byte(strings.Repeat("a=&", (8<<20-64)/3)), 4 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, tt.path, bytes.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.contentType)
			if tt.member {
				req.Header.Set("Authorization", "Bearer "+member)
			}
			code, alloc := allocatedBy(t, h, req)
			t.Logf("%s: %d bytes of body: status %d, %d KiB allocated", tt.path, len(tt.body), code, alloc>>10)
			if code != http.StatusRequestEntityTooLarge && code != http.StatusUnprocessableEntity {
				t.Errorf("status %d; want 413 or 422", code)
			}
			if alloc > tt.maxAlloc {
				t.Errorf("%d KiB allocated; want at most %d KiB", alloc>>10, tt.maxAlloc>>10)
			}
		})
	}
}
