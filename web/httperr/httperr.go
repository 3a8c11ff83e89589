// Package httperr maps errors to HTTP answers in one place: the status
// code from the error's kind, the body {"error": "..."} with a message
// safe to show, and internal errors logged, never shown.
package httperr

import (
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// Error is an error with its own status and client message.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// New returns an error that answers code with msg.
func New(code int, msg string) error { return &Error{Code: code, Msg: msg} }

// Classify returns the status code and the client-safe message for err.
func Classify(err error) (int, string) {
	var own *Error
	var inv *federation.InvalidError
	var limited *federation.RateLimitedError
	var tooBig *http.MaxBytesError
	var denied *federation.DeniedError
	switch {
	case errors.As(err, &own):
		return own.Code, own.Msg
	case errors.As(err, &denied):
		return http.StatusForbidden, Sentence(denied.Reason)
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, "request body too large"
	case errors.Is(err, storage.ErrNotFound):
		return http.StatusNotFound, "Record not found"
	case errors.Is(err, federation.ErrNoSignature), errors.Is(err, federation.ErrBadSignature),
		errors.Is(err, federation.ErrBadDigest), errors.Is(err, federation.ErrStaleDate):
		return http.StatusUnauthorized, err.Error()
	case errors.Is(err, federation.ErrDenied):
		return http.StatusForbidden, "This action is not allowed"
	case errors.Is(err, federation.ErrHandleTaken):
		return http.StatusConflict, "That handle is already taken by a member or a community"
	case errors.Is(err, federation.ErrGone):
		return http.StatusGone, "Gone"
	case errors.Is(err, federation.ErrUpstream):
		return http.StatusBadGateway, "The community's node did not send the file; try again later"
	case errors.As(err, &inv):
		return http.StatusUnprocessableEntity, inv.Msg
	case errors.As(err, &limited):
		return http.StatusTooManyRequests, limited.Msg
	}
	return http.StatusInternalServerError, "Internal server error"
}

// SetRetryAfter tells the client, in whole seconds rounded up, how long
// to wait before trying again (at least a second).
func SetRetryAfter(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
}

// Write answers err as JSON, logging it when it is the server's fault.
func Write(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code, msg := Classify(err)
	var limited *federation.RateLimitedError
	if errors.As(err, &limited) {
		SetRetryAfter(w, limited.RetryAfter)
	}
	Log(log, r, code, err)
	JSON(w, code, map[string]string{"error": msg})
}

// Log records err, answered with code: as an error when it is the
// server's fault, else at debug level. Whoever answers err calls it once.
func Log(log *slog.Logger, r *http.Request, code int, err error) {
	if code >= 500 {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	} else {
		log.DebugContext(r.Context(), "request refused", "method", r.Method, "path", r.URL.Path, "code", code, "err", err)
	}
}

// WantsHTML reports whether r should be answered with a web page rather
// than JSON: a browser's request, whose Accept names HTML at least as
// highly as any JSON type, for an address outside the client API.
// Apps, peers (application/activity+json) and tools that accept anything
// ("*/*") keep getting JSON.
func WantsHTML(r *http.Request) bool {
	if r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/") {
		return false
	}
	var html, json float64
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(s, 64); err != nil {
				continue
			}
		}
		switch mt {
		case "text/html", "application/xhtml+xml":
			html = max(html, q)
		case "application/json", "application/activity+json", "application/ld+json":
			json = max(json, q)
		}
	}
	return html > 0 && html >= json
}

// JSON writes v as a JSON body with status code.
func JSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// Sentence is the engine's lower-case reason or message as a sentence
// for people: its first letter a capital.
func Sentence(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
