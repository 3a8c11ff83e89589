package auth_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The helpers below are the client API tests' own (web/api/helpers_test.go):
// these tests talk to the node as an app does.

// call sends one client API request, as an app would, and returns the
// answer's status, headers and body. A token that is not empty goes in an
// Authorization: Bearer header. body is
//
//   - nil: no body;
//   - a string: sent as it is, as JSON if it starts with { or [, else as
//     a form;
//   - url.Values: a form, or on a GET the query;
//   - anything else: encoded as JSON.
//
// When out is not nil, the answer is decoded into it whatever the status:
// the API answers errors in JSON too, and an answer that does not decode
// fails the test.
func call(t *testing.T, method, endpoint, token string, body, out any) (status int, header http.Header, raw string) {
	t.Helper()
	return send(t, request(t, method, endpoint, token, body), out)
}

// request is the request call sends, for a test that adds to it (another
// header, Basic authentication) before it sends it with send.
func request(t *testing.T, method, endpoint, token string, body any) *http.Request {
	t.Helper()
	var rd io.Reader
	contentType := "application/x-www-form-urlencoded"
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
		if strings.HasPrefix(b, "{") || strings.HasPrefix(b, "[") {
			contentType = "application/json"
		}
	case url.Values:
		if method != http.MethodGet {
			rd = strings.NewReader(b.Encode())
		} else if len(b) > 0 {
			sep := "?"
			if strings.Contains(endpoint, "?") {
				sep = "&"
			}
			endpoint += sep + b.Encode()
		}
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("%s %s: encode body: %v", method, endpoint, err)
		}
		rd, contentType = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequest(method, endpoint, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// send sends req and decodes the answer into out as call does.
func send(t *testing.T, req *http.Request, out any) (status int, header http.Header, raw string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read answer: %v", req.Method, req.URL, err)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d, answer does not decode: %v: %q", req.Method, req.URL, resp.StatusCode, err, data)
		}
	}
	return resp.StatusCode, resp.Header, string(data)
}
