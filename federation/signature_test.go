package federation

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-fed/httpsig"
)

var sigTestNow = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

const (
	sigTestKeyID = "https://a.example/users/alice#main-key"
	sigTestOwner = "https://a.example/users/alice"
)

// staticLookup answers every keyId with key, owned by sigTestOwner.
func staticLookup(key crypto.PublicKey) KeyLookup {
	return func(ctx context.Context, keyID string, refresh bool) (string, crypto.PublicKey, error) {
		return sigTestOwner, key, nil
	}
}

type verifyResult struct {
	keyID, owner string
	err          error
}

// newVerifyServer starts a server that runs VerifyRequest on each request
// it gets, at now, and reports the outcome on the returned channel.
func newVerifyServer(t *testing.T, now time.Time, lookup KeyLookup) (*httptest.Server, <-chan verifyResult) {
	t.Helper()
	results := make(chan verifyResult, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := ReadBounded(r.Body, 1<<20)
		if err != nil {
			results <- verifyResult{err: err}
			return
		}
		var res verifyResult
		res.keyID, res.owner, res.err = VerifyRequest(r.Context(), r, body, now, lookup)
		results <- res
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv, results
}

// signCustom signs r the way a foreign server might: with the given
// headers, Date at now, and Digest header digest (if not empty), through
// httpsig directly.
func signCustom(t *testing.T, r *http.Request, key *rsa.PrivateKey, now time.Time, headers []string, digest string, expiresIn int64) {
	t.Helper()
	r.Host = r.URL.Host
	r.Header.Set("Host", r.URL.Host)
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	r.Header.Del("Signature")
	r.Header.Del("Digest")
	if digest != "" {
		r.Header.Set("Digest", digest)
	}
	s, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256, headers, httpsig.Signature, expiresIn)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SignRequest(key, sigTestKeyID, withWireTarget(r, r.Header), nil); err != nil {
		t.Fatal(err)
	}
}

func digestOf(body []byte) (sha256Digest, sha512Digest string) {
	a := sha256.Sum256(body)
	b := sha512.Sum512(body)
	return base64.StdEncoding.EncodeToString(a[:]), base64.StdEncoding.EncodeToString(b[:])
}

func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	key := sigTestKey(t, 0)
	other := sigTestKey(t, 1)
	signer := Signer{KeyID: sigTestKeyID, Key: key}
	body := []byte(`{"type":"Create","id":"https://a.example/activities/1"}`)
	d256, d512 := digestOf(body)
	withDigest := []string{httpsig.RequestTarget, "host", "date", "digest"}
	setAlgorithm := func(algo string) func(*testing.T, *http.Request) {
		return func(t *testing.T, r *http.Request) {
			sig := r.Header.Get("Signature")
			repl := ""
			if algo != "" {
				repl = `algorithm="` + algo + `",`
			}
			r.Header.Set("Signature", strings.Replace(sig, `algorithm="rsa-sha256",`, repl, 1))
		}
	}

	tests := []struct {
		name     string
		method   string
		path     string
		body     []byte // sent
		signBody []byte // given to Sign; nil: no digest
		signAt   time.Time
		verifyAt time.Time // zero: sigTestNow
		mutate   func(t *testing.T, r *http.Request)
		lookup   KeyLookup
		wantErr  error
	}{
		{name: "POST", method: "POST", path: "/inbox", body: body, signBody: body},
		{name: "GET", method: "GET", path: "/users/alice"},
		{name: "GET escaped path and query", method: "GET", path: "/tags/caf%C3%A9?page=2&q=a%2Fb"},
		{name: "POST escaped slash in path", method: "POST", path: "/users/a%2Fb/inbox", body: body, signBody: body},
		{name: "Date 11h old", method: "POST", path: "/inbox", body: body, signBody: body, signAt: sigTestNow.Add(-11 * time.Hour)},
		{name: "Date 11h ahead", method: "GET", path: "/inbox", signAt: sigTestNow.Add(11 * time.Hour)},
		{name: "algorithm hs2019", method: "POST", path: "/inbox", body: body, signBody: body, mutate: setAlgorithm("hs2019")},
		{name: "algorithm absent", method: "POST", path: "/inbox", body: body, signBody: body, mutate: setAlgorithm("")},
		{name: "Authorization header", method: "POST", path: "/inbox", body: body, signBody: body,
			mutate: func(t *testing.T, r *http.Request) {
				r.Header.Set("Authorization", "Signature "+r.Header.Get("Signature"))
				r.Header.Del("Signature")
			}},
		{name: "spaces after commas", method: "POST", path: "/inbox", body: body, signBody: body,
			mutate: func(t *testing.T, r *http.Request) {
				r.Header.Set("Signature", strings.ReplaceAll(r.Header.Get("Signature"), `",`, `", `))
			}},
		{name: "lower-case sha-256", method: "POST", path: "/inbox", body: body,
			mutate: func(t *testing.T, r *http.Request) {
				signCustom(t, r, key, sigTestNow, withDigest, "sha-256="+d256, 0)
			}},
		{name: "SHA-256 and SHA-512", method: "POST", path: "/inbox", body: body,
			mutate: func(t *testing.T, r *http.Request) {
				signCustom(t, r, key, sigTestNow, withDigest, "SHA-512="+d512+", SHA-256="+d256, 0)
			}},
		{name: "(created) instead of date", method: "POST", path: "/inbox", body: body, verifyAt: time.Now(),
			mutate: func(t *testing.T, r *http.Request) {
				signCustom(t, r, key, time.Now(), []string{httpsig.RequestTarget, "host", "(created)", "digest"}, "SHA-256="+d256, 300)
			}},

		{name: "unsigned", method: "POST", path: "/inbox", body: body, signBody: body, wantErr: ErrNoSignature,
			mutate: func(t *testing.T, r *http.Request) { r.Header.Del("Signature") }},
		{name: "Authorization Bearer only", method: "GET", path: "/inbox", wantErr: ErrNoSignature,
			mutate: func(t *testing.T, r *http.Request) {
				r.Header.Del("Signature")
				r.Header.Set("Authorization", "Bearer keyId=signature=headers")
			}},
		{name: "tampered body", method: "POST", path: "/inbox", body: []byte(`{"type":"Delete"}`), signBody: body, wantErr: ErrBadDigest},
		{name: "POST without digest", method: "POST", path: "/inbox", body: body, wantErr: ErrBadDigest},
		{name: "digest not signed", method: "POST", path: "/inbox", body: body, wantErr: ErrBadDigest,
			mutate: func(t *testing.T, r *http.Request) { r.Header.Set("Digest", "SHA-256="+d256) }},
		{name: "only SHA-512", method: "POST", path: "/inbox", body: body, wantErr: ErrBadDigest,
			mutate: func(t *testing.T, r *http.Request) {
				signCustom(t, r, key, sigTestNow, withDigest, "SHA-512="+d512, 0)
			}},
		{name: "SHA-512 wrong", method: "POST", path: "/inbox", body: body, wantErr: ErrBadDigest,
			mutate: func(t *testing.T, r *http.Request) {
				signCustom(t, r, key, sigTestNow, withDigest, "SHA-256="+d256+",SHA-512="+d256, 0)
			}},
		{name: "Date 13h old", method: "POST", path: "/inbox", body: body, signBody: body, signAt: sigTestNow.Add(-13 * time.Hour), wantErr: ErrStaleDate},
		{name: "Date 13h ahead", method: "POST", path: "/inbox", body: body, signBody: body, signAt: sigTestNow.Add(13 * time.Hour), wantErr: ErrStaleDate},
		{name: "created 13h ahead", method: "POST", path: "/inbox", body: body, verifyAt: time.Now().Add(-13 * time.Hour), wantErr: ErrStaleDate,
			mutate: func(t *testing.T, r *http.Request) {
				signCustom(t, r, key, time.Now(), []string{httpsig.RequestTarget, "host", "(created)", "digest"}, "SHA-256="+d256, 300)
			}},
		{name: "expired", method: "POST", path: "/inbox", body: body, verifyAt: time.Now().Add(time.Hour), wantErr: ErrStaleDate,
			mutate: func(t *testing.T, r *http.Request) {
				signCustom(t, r, key, time.Now(), []string{httpsig.RequestTarget, "host", "(created)", "(expires)", "digest"}, "SHA-256="+d256, 300)
			}},
		{name: "wrong key", method: "POST", path: "/inbox", body: body, signBody: body, lookup: staticLookup(&other.PublicKey), wantErr: ErrBadSignature},
		{name: "Ed25519 key for RSA signature", method: "GET", path: "/inbox", lookup: staticLookup(ed25519.PublicKey(make([]byte, ed25519.PublicKeySize))), wantErr: ErrBadSignature},
		{name: "algorithm hmac-sha256", method: "POST", path: "/inbox", body: body, signBody: body, mutate: setAlgorithm("hmac-sha256"), wantErr: ErrBadSignature},
		{name: "algorithm rsa-sha512", method: "POST", path: "/inbox", body: body, signBody: body, mutate: setAlgorithm("rsa-sha512"), wantErr: ErrBadSignature},
		{name: "Host changed", method: "POST", path: "/inbox", body: body, signBody: body, wantErr: ErrBadSignature,
			mutate: func(t *testing.T, r *http.Request) { r.Host = "b.example" }},
		{name: "path changed", method: "POST", path: "/inbox", body: body, signBody: body, wantErr: ErrBadSignature,
			mutate: func(t *testing.T, r *http.Request) { r.URL.Path = "/users/bob/inbox" }},
		{name: "host not signed", method: "POST", path: "/inbox", body: body, wantErr: ErrBadSignature,
			mutate: func(t *testing.T, r *http.Request) {
				signCustom(t, r, key, sigTestNow, []string{httpsig.RequestTarget, "date", "digest"}, "SHA-256="+d256, 0)
			}},
		{name: "request-target not signed", method: "POST", path: "/inbox", body: body, wantErr: ErrBadSignature,
			mutate: func(t *testing.T, r *http.Request) {
				signCustom(t, r, key, sigTestNow, []string{"host", "date", "digest"}, "SHA-256="+d256, 0)
			}},
		{name: "no date nor created", method: "POST", path: "/inbox", body: body, wantErr: ErrBadSignature,
			mutate: func(t *testing.T, r *http.Request) {
				signCustom(t, r, key, sigTestNow, []string{httpsig.RequestTarget, "host", "digest"}, "SHA-256="+d256, 0)
			}},
		{name: "signed header missing", method: "POST", path: "/inbox", body: body, wantErr: ErrBadSignature,
			mutate: func(t *testing.T, r *http.Request) {
				r.Header.Set("Content-Type", "application/activity+json")
				signCustom(t, r, key, sigTestNow, []string{httpsig.RequestTarget, "host", "date", "digest", "content-type"}, "SHA-256="+d256, 0)
				r.Header.Del("Content-Type")
			}},
		{name: "malformed", method: "GET", path: "/inbox", wantErr: ErrBadSignature,
			mutate: func(t *testing.T, r *http.Request) { r.Header.Set("Signature", `keyId="x",signature="`) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := tt.lookup
			if lookup == nil {
				lookup = staticLookup(&key.PublicKey)
			}
			verifyAt := tt.verifyAt
			if verifyAt.IsZero() {
				verifyAt = sigTestNow
			}
			signAt := tt.signAt
			if signAt.IsZero() {
				signAt = sigTestNow
			}
			srv, results := newVerifyServer(t, verifyAt, lookup)
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if err := signer.Sign(req, tt.signBody, signAt); err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if tt.mutate != nil {
				tt.mutate(t, req)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			res := <-results
			if tt.wantErr != nil {
				if !errors.Is(res.err, tt.wantErr) {
					t.Fatalf("VerifyRequest: got %v, want %v", res.err, tt.wantErr)
				}
				return
			}
			if res.err != nil {
				t.Fatalf("VerifyRequest: %v", res.err)
			}
			if res.keyID != sigTestKeyID || res.owner != sigTestOwner {
				t.Errorf("got keyId %q owner %q, want %q %q", res.keyID, res.owner, sigTestKeyID, sigTestOwner)
			}
		})
	}
}

func TestSignHeaders(t *testing.T) {
	t.Parallel()
	signer := Signer{KeyID: sigTestKeyID, Key: sigTestKey(t, 0)}
	body := []byte(`{}`)
	d256, _ := digestOf(body)
	req, err := http.NewRequest("POST", "https://b.example:8443/inbox", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 3, 14, 16, 9, 26, 0, time.FixedZone("CET", 3600))
	// Sign twice, as a retry would: the second must replace the first.
	for range 2 {
		if err := signer.Sign(req, body, at); err != nil {
			t.Fatal(err)
		}
	}
	if req.Host != "b.example:8443" || req.Header.Get("Host") != "b.example:8443" {
		t.Errorf("Host: r.Host %q, header %q", req.Host, req.Header.Get("Host"))
	}
	if got, want := req.Header.Get("Date"), "Fri, 14 Mar 2025 15:09:26 GMT"; got != want {
		t.Errorf("Date %q, want %q", got, want)
	}
	if got, want := req.Header.Values("Digest"), []string{"SHA-256=" + d256}; len(got) != 1 || got[0] != want[0] {
		t.Errorf("Digest %q, want %q", got, want)
	}
	sigs := req.Header.Values("Signature")
	if len(sigs) != 1 {
		t.Fatalf("%d Signature headers, want 1", len(sigs))
	}
	re := regexp.MustCompile(`^keyId="https://a\.example/users/alice#main-key",algorithm="rsa-sha256",headers="\(request-target\) host date digest",signature="[A-Za-z0-9+/]+=*"$`)
	if !re.MatchString(sigs[0]) {
		t.Errorf("Signature %q", sigs[0])
	}

	get, err := http.NewRequest("GET", "https://b.example/users/bob", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := signer.Sign(get, nil, at); err != nil {
		t.Fatal(err)
	}
	if get.Header.Get("Digest") != "" {
		t.Errorf("GET got Digest %q", get.Header.Get("Digest"))
	}
	if !strings.Contains(get.Header.Get("Signature"), `headers="(request-target) host date"`) {
		t.Errorf("GET Signature %q", get.Header.Get("Signature"))
	}

	if err := (Signer{KeyID: sigTestKeyID}).Sign(get, nil, at); err == nil {
		t.Error("Sign without key: want error")
	}
}

// TestSignWireTarget checks the signing string against one built by hand
// from what goes on the wire, as Mastodon builds it: a Go-to-Go round trip
// would not notice a path signed decoded on both sides.
func TestSignWireTarget(t *testing.T) {
	t.Parallel()
	key := sigTestKey(t, 0)
	tests := []struct {
		url, target string
	}{
		{"https://b.example/tags/caf%C3%A9?page=2&q=a%2Fb", "get /tags/caf%C3%A9?page=2&q=a%2Fb"},
		{"https://b.example/users/a%2Fb", "get /users/a%2Fb"},
		{"https://b.example/with%20space", "get /with%20space"},
		{"https://b.example", "get /"},
		{"https://b.example?x=1", "get /?x=1"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			req, err := http.NewRequest("GET", tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := req.URL.RequestURI(); "get "+got != tt.target {
				t.Fatalf("net/http sends %q, test expects %q", got, tt.target)
			}
			if err := (Signer{KeyID: sigTestKeyID, Key: key}).Sign(req, nil, sigTestNow); err != nil {
				t.Fatal(err)
			}
			p, err := parseSignatureParams(req.Header.Get("Signature"))
			if err != nil {
				t.Fatal(err)
			}
			signed := "(request-target): " + tt.target + "\nhost: b.example\ndate: " + sigTestNow.Format(http.TimeFormat)
			sig, _ := base64.StdEncoding.DecodeString(p.signature)
			sum := sha256.Sum256([]byte(signed))
			if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
				t.Errorf("signature is not over %q: %v", signed, err)
			}
		})
	}
}

func TestSignConcurrent(t *testing.T) {
	t.Parallel()
	signer := Signer{KeyID: sigTestKeyID, Key: sigTestKey(t, 0)}
	lookup := staticLookup(&signer.Key.PublicKey)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			body := []byte(`{"n":` + string(rune('0'+i)) + `}`)
			req := httptest.NewRequest("POST", "https://b.example/inbox", bytes.NewReader(body))
			if err := signer.Sign(req, body, sigTestNow); err != nil {
				t.Error(err)
				return
			}
			if _, _, err := VerifyRequest(context.Background(), req, body, sigTestNow, lookup); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestVerifyKeyRotation(t *testing.T) {
	t.Parallel()
	oldKey, newKey, otherKey := sigTestKey(t, 0), sigTestKey(t, 1), sigTestKey(t, 2)
	fetchErr := errors.New("connection refused")
	tests := []struct {
		name        string
		first       crypto.PublicKey // key before refresh
		refreshed   crypto.PublicKey // key after refresh
		refreshErr  error
		wantErr     error
		wantRefresh int32
	}{
		{name: "cached key still valid", first: &newKey.PublicKey, refreshed: &otherKey.PublicKey, wantRefresh: 0},
		{name: "rotated", first: &oldKey.PublicKey, refreshed: &newKey.PublicKey, wantRefresh: 1},
		{name: "still wrong after refresh", first: &oldKey.PublicKey, refreshed: &otherKey.PublicKey, wantErr: ErrBadSignature, wantRefresh: 1},
		{name: "refresh fails", first: &oldKey.PublicKey, refreshErr: fetchErr, wantErr: fetchErr, wantRefresh: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var refreshes atomic.Int32
			lookup := func(ctx context.Context, keyID string, refresh bool) (string, crypto.PublicKey, error) {
				if keyID != sigTestKeyID {
					t.Errorf("lookup of %q", keyID)
				}
				if !refresh {
					return sigTestOwner, tt.first, nil
				}
				refreshes.Add(1)
				return sigTestOwner, tt.refreshed, tt.refreshErr
			}
			srv, results := newVerifyServer(t, sigTestNow, lookup)
			body := []byte(`{"type":"Follow"}`)
			req, err := http.NewRequest("POST", srv.URL+"/inbox", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if err := (Signer{KeyID: sigTestKeyID, Key: newKey}).Sign(req, body, sigTestNow); err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			res := <-results
			if got := refreshes.Load(); got != tt.wantRefresh {
				t.Errorf("%d refreshes, want %d", got, tt.wantRefresh)
			}
			if tt.wantErr == nil && res.err != nil {
				t.Fatalf("VerifyRequest: %v", res.err)
			}
			if !errors.Is(res.err, tt.wantErr) {
				t.Fatalf("VerifyRequest: got %v, want %v", res.err, tt.wantErr)
			}
		})
	}
}

func TestVerifyLookupError(t *testing.T) {
	t.Parallel()
	signer := Signer{KeyID: sigTestKeyID, Key: sigTestKey(t, 0)}
	fetchErr := errors.New("dial tcp: no such host")
	lookup := func(ctx context.Context, keyID string, refresh bool) (string, crypto.PublicKey, error) {
		return "", nil, fetchErr
	}
	req := httptest.NewRequest("GET", "https://b.example/users/bob", nil)
	if err := signer.Sign(req, nil, sigTestNow); err != nil {
		t.Fatal(err)
	}
	_, _, err := VerifyRequest(context.Background(), req, nil, sigTestNow, lookup)
	if !errors.Is(err, fetchErr) {
		t.Fatalf("got %v, want the lookup's error", err)
	}
	for _, sentinel := range []error{ErrNoSignature, ErrBadSignature, ErrBadDigest, ErrStaleDate} {
		if errors.Is(err, sentinel) {
			t.Errorf("lookup error also matches %v", sentinel)
		}
	}
}

func TestVerifyEd25519(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, algo := range []string{"ed25519", "hs2019"} {
		t.Run(algo, func(t *testing.T) {
			req := httptest.NewRequest("GET", "https://b.example/users/bob", nil)
			req.Host = "b.example"
			req.Header.Set("Date", sigTestNow.Format(http.TimeFormat))
			s, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.ED25519}, httpsig.DigestSha256, []string{httpsig.RequestTarget, "host", "date"}, httpsig.Signature, 0)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Host", req.Host)
			if err := s.SignRequest(priv, sigTestKeyID, req, nil); err != nil {
				t.Fatal(err)
			}
			req.Header.Del("Host") // as a server sees it
			req.Header.Set("Signature", strings.Replace(req.Header.Get("Signature"), "hs2019", algo, 1))
			if _, _, err := VerifyRequest(context.Background(), req, nil, sigTestNow, staticLookup(pub)); err != nil {
				t.Fatalf("VerifyRequest: %v", err)
			}
		})
	}
}

func TestParseSignatureParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    signatureParams
		wantErr bool
	}{
		{name: "Mastodon", in: `keyId="https://m.example/users/a#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="c2ln"`,
			want: signatureParams{keyID: "https://m.example/users/a#main-key", algorithm: "rsa-sha256", headers: []string{"(request-target)", "host", "date", "digest", "content-type"}, signature: "c2ln"}},
		{name: "spaces, case, unquoted numbers", in: ` KeyId = "k,1" , Headers="(Request-Target)  Host (created)", created=1700000000, expires=1700000300, signature="c2ln", extra="x"`,
			want: signatureParams{keyID: "k,1", headers: []string{"(request-target)", "host", "(created)"}, signature: "c2ln", created: 1700000000, expires: 1700000300}},
		{name: "escaped quote", in: `keyId="a\"b",signature="c2ln"`,
			want: signatureParams{keyID: `a"b`, headers: []string{"date"}, signature: "c2ln"}},
		{name: "no keyId", in: `signature="c2ln"`, wantErr: true},
		{name: "no signature", in: `keyId="k"`, wantErr: true},
		{name: "unterminated", in: `keyId="k,signature="c2ln`, wantErr: true},
		{name: "repeated", in: `keyId="k",keyId="j",signature="c2ln"`, wantErr: true},
		{name: "bad base64", in: `keyId="k",signature="!!"`, wantErr: true},
		{name: "bad created", in: `keyId="k",created=soon,signature="c2ln"`, wantErr: true},
		{name: "no equals", in: `keyId`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSignatureParams(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want error, got %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.keyID != tt.want.keyID || got.algorithm != tt.want.algorithm || got.signature != tt.want.signature ||
				got.created != tt.want.created || got.expires != tt.want.expires ||
				strings.Join(got.headers, "|") != strings.Join(tt.want.headers, "|") {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func FuzzVerifySignature(f *testing.F) {
	key := sigTestKey(f, 0)
	body := []byte(`{"type":"Create"}`)
	req := httptest.NewRequest("POST", "https://b.example/inbox", bytes.NewReader(body))
	if err := (Signer{KeyID: sigTestKeyID, Key: key}).Sign(req, body, sigTestNow); err != nil {
		f.Fatal(err)
	}
	f.Add(req.Header.Get("Signature"), req.Header.Get("Digest"), string(body))
	f.Add(`keyId="k",headers="(request-target) host date",signature="AAAA"`, "", "")
	f.Add(`keyId="k",algorithm="hs2019",headers="(request-target) host (created) (expires)",created=1,expires=2,signature="AAAA"`, "sha-256=x,,=", "{}")
	lookup := staticLookup(&key.PublicKey)
	signedBody := string(body)
	f.Fuzz(func(t *testing.T, sig, digest, body string) {
		r := httptest.NewRequest("POST", "https://b.example/inbox", strings.NewReader(body))
		r.Header.Set("Date", sigTestNow.Format(http.TimeFormat))
		r.Header.Set("Signature", sig)
		r.Header.Set("Digest", digest)
		_, _, err := VerifyRequest(context.Background(), r, []byte(body), sigTestNow, lookup)
		// Whatever the header says, only the signed body may pass.
		if err == nil && body != signedBody {
			t.Errorf("body %q verifies with Signature %q, Digest %q", body, sig, digest)
		}
	})
}

func BenchmarkSign(b *testing.B) {
	signer := Signer{KeyID: sigTestKeyID, Key: sigTestKey(b, 0)}
	body := bytes.Repeat([]byte("x"), 2048)
	req := httptest.NewRequest("POST", "https://b.example/inbox", nil)
	for b.Loop() {
		if err := signer.Sign(req, body, sigTestNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	key := sigTestKey(b, 0)
	body := bytes.Repeat([]byte("x"), 2048)
	req := httptest.NewRequest("POST", "https://b.example/inbox", nil)
	if err := (Signer{KeyID: sigTestKeyID, Key: key}).Sign(req, body, sigTestNow); err != nil {
		b.Fatal(err)
	}
	req.Header.Del("Host") // as a server sees it
	lookup := staticLookup(&key.PublicKey)
	ctx := context.Background()
	for b.Loop() {
		if _, _, err := VerifyRequest(ctx, req, body, sigTestNow, lookup); err != nil {
			b.Fatal(err)
		}
	}
}
