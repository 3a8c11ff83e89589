package federation

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-fed/httpsig"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// Sentinel errors of VerifyRequest. Every failure to verify wraps exactly
// one of them, so the web layer can answer 401 with errors.Is; an error from
// the KeyLookup wraps none of them.
var (
	// ErrNoSignature: the request has neither a Signature header nor an
	// "Authorization: Signature ..." header.
	ErrNoSignature = errors.New("federation: request is not signed")
	// ErrBadSignature: the signature is malformed, covers too few headers,
	// uses an unsupported algorithm, or does not verify with the key.
	ErrBadSignature = errors.New("federation: signature does not verify")
	// ErrBadDigest: the Digest header is missing where required, unsigned,
	// has no SHA-256, or does not match the body.
	ErrBadDigest = errors.New("federation: digest does not match body")
	// ErrStaleDate: the signed Date (or created/expires) is missing or
	// outside SignatureWindow.
	ErrStaleDate = errors.New("federation: date outside the accepted window")
)

// SignatureWindow is how far a signed request's Date may lie from now, in
// either direction. Mastodon uses 12 hours both ways; a stricter window
// would reject deliveries from peers with bad clocks that Mastodon accepts,
// and a replay inside the window is harmless because activities are applied
// once by id.
const SignatureWindow = 12 * time.Hour

// Signer signs outgoing requests as one actor's key. The zero value is not
// usable: Key must be set. A Signer is safe for concurrent use.
type Signer struct {
	KeyID string          // the key's id, e.g. https://node.example/users/alice#main-key
	Key   *rsa.PrivateKey // the actor's private key
	// Ed25519, when set, is signed with instead of Key (algorithm
	// ed25519), and KeyID names it: for peers known to read Ed25519 keys
	// (other copse nodes), as an Ed25519 signature costs a small part of
	// an RSA one.
	Ed25519 ed25519.PrivateKey
}

// KeyLookup returns the public key with the given keyId and the ID of the
// actor who owns it. refresh=false may answer from a cache; refresh=true
// means the cached key failed to verify a signature, so fetch it again from
// its origin (the owner may have rotated it). Since anyone can send a bad
// signature, an implementation should limit how often it refreshes a key.
type KeyLookup func(ctx context.Context, keyID string, refresh bool) (owner string, key crypto.PublicKey, err error)

// signedHeaders are the headers Sign covers; Mastodon requires at least
// these, plus digest on a request with a body.
var (
	signedHeaders       = []string{httpsig.RequestTarget, "host", "date"}
	signedHeadersDigest = []string{httpsig.RequestTarget, "host", "date", "digest"}
)

// Sign signs r as s at the time now. It sets r.Host and the Host header to
// r.URL.Host, the Date header to now, and, when body is not nil (even if
// empty), a Digest header "SHA-256=<base64>" of body; then it writes a
// Signature header (algorithm rsa-sha256) over "(request-target) host date",
// plus "digest" when body is not nil. body must be exactly what will be
// sent. Any Signature or Digest already on r is replaced, so a retried or
// redirected request can be signed again.
func (s Signer) Sign(r *http.Request, body []byte, now time.Time) error {
	if (s.Key == nil && s.Ed25519 == nil) || s.KeyID == "" {
		return errors.New("sign request: Signer needs a Key and a KeyID")
	}
	var key crypto.PrivateKey = s.Key
	alg, name := httpsig.RSA_SHA256, "rsa-sha256"
	if s.Ed25519 != nil {
		key, alg, name = s.Ed25519, httpsig.ED25519, "ed25519"
	}
	if r.URL == nil || r.URL.Host == "" {
		return errors.New("sign request: URL has no host")
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	r.Host = r.URL.Host
	r.Header.Set("Host", r.URL.Host) // httpsig reads the header map; net/http sends r.Host
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	r.Header.Del("Digest")
	r.Header.Del("Signature")
	headers := signedHeaders
	if body != nil {
		headers = signedHeadersDigest
	}
	// An httpsig.Signer is not safe for concurrent use; making one is cheap
	// next to the RSA operation.
	hs, _, err := httpsig.NewSigner([]httpsig.Algorithm{alg}, httpsig.DigestSha256, headers, httpsig.Signature, 0)
	if err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	if err := hs.SignRequest(key, s.KeyID, withWireTarget(r, r.Header), body); err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	// httpsig always writes algorithm="hs2019", whatever it signed with.
	// Say what it is: rsa-sha256 is what Mastodon sends, and what every peer
	// accepts.
	sig := r.Header.Get("Signature")
	r.Header.Set("Signature", strings.Replace(sig, `algorithm="hs2019"`, `algorithm="`+name+`"`, 1))
	return nil
}

// VerifyRequest checks the HTTP signature of an incoming request r whose
// body (already read and bounded by the caller) is body, at the time now.
//
// The signature comes from the Signature header, or else from an
// "Authorization: Signature ..." header. It must cover (request-target),
// host, and date or (created); the signed Date (and created/expires when
// present) must lie within SignatureWindow of now. Host is taken from
// r.Host, where a server puts it. A request with a non-empty body, and any
// POST, PUT or PATCH, must carry a signed Digest header with a SHA-256
// digest ("SHA-256=" in any case; other digests may be listed too, and a
// SHA-512 one is checked as well) matching body; a Digest on any other
// request is checked too. Algorithms rsa-sha256, hs2019 (verified as
// rsa-sha256 with an RSA key, as the fediverse does, or ed25519 with an
// Ed25519 key) and ed25519 are accepted; a missing algorithm follows the
// key's type.
//
// If the key from lookup does not verify the signature, lookup is called
// once more with refresh=true and the signature checked again, so a peer's
// key rotation costs one fetch. On success it returns the signature's keyId
// and the key's owner; the caller must still check that the owner is the
// activity's actor.
func VerifyRequest(ctx context.Context, r *http.Request, body []byte, now time.Time, lookup KeyLookup) (keyID, owner string, err error) {
	p, err := parseSignatureHeader(r.Header)
	if err != nil {
		return "", "", err
	}
	if err := checkSignedHeaders(r, p); err != nil {
		return "", "", err
	}
	if err := checkSignatureTime(r, p, now); err != nil {
		return "", "", err
	}
	if err := checkDigest(r, p, body); err != nil {
		return "", "", err
	}
	algo := strings.ToLower(p.algorithm)
	switch algo {
	case "", "hs2019", "rsa-sha256", "ed25519":
	default:
		return "", "", fmt.Errorf("%w: unsupported algorithm %q", ErrBadSignature, p.algorithm)
	}

	owner, key, err := lookup(ctx, p.keyID, false)
	if err != nil {
		return "", "", fmt.Errorf("fetch key %s: %w", p.keyID, err)
	}
	verr := verifyWithKey(r, p, key)
	if verr == nil {
		return p.keyID, owner, nil
	}
	owner, key, err = lookup(ctx, p.keyID, true)
	if err != nil {
		return "", "", fmt.Errorf("refetch key %s: %w", p.keyID, err)
	}
	if err := verifyWithKey(r, p, key); err != nil {
		return "", "", fmt.Errorf("%w: key %s: %v", ErrBadSignature, p.keyID, err)
	}
	return p.keyID, owner, nil
}

// signatureParams are the parameters of a draft-cavage HTTP signature.
type signatureParams struct {
	keyID     string
	algorithm string
	headers   []string // lower case, in signed order
	signature string   // base64, as sent
	created   int64    // 0 when absent
	expires   int64    // 0 when absent
}

func (p signatureParams) covers(h string) bool {
	return slices.Contains(p.headers, h)
}

// parseSignatureHeader finds and parses the signature of h: the Signature
// header, else an Authorization header with the Signature scheme.
func parseSignatureHeader(h http.Header) (signatureParams, error) {
	v := h.Get("Signature")
	if v == "" {
		auth := h.Get("Authorization")
		scheme, rest, _ := strings.Cut(strings.TrimSpace(auth), " ")
		if !strings.EqualFold(scheme, "Signature") {
			return signatureParams{}, ErrNoSignature
		}
		v = rest
	}
	p, err := parseSignatureParams(v)
	if err != nil {
		return signatureParams{}, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return p, nil
}

// parseSignatureParams parses `keyId="...",algorithm="...",headers="...",
// signature="..."`, tolerating spaces around separators, unquoted values
// and parameter names in any case. Unknown parameters are ignored; a
// repeated one is an error.
func parseSignatureParams(s string) (signatureParams, error) {
	var p signatureParams
	seen := map[string]bool{}
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			break
		}
		name, rest, ok := strings.Cut(s, "=")
		if !ok {
			return p, fmt.Errorf("malformed parameter %q", s)
		}
		name = strings.ToLower(strings.TrimSpace(name))
		rest = strings.TrimLeft(rest, " \t")
		var value string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(rest) && rest[i] != '"'; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
				}
				b.WriteByte(rest[i])
			}
			if i >= len(rest) {
				return p, fmt.Errorf("unterminated value of %q", name)
			}
			value, s = b.String(), rest[i+1:]
		} else {
			value, s, _ = strings.Cut(rest, ",")
			value = strings.TrimSpace(value)
		}
		if seen[name] {
			return p, fmt.Errorf("repeated parameter %q", name)
		}
		seen[name] = true
		var err error
		switch name {
		case "keyid":
			p.keyID = value
		case "algorithm":
			p.algorithm = value
		case "headers":
			p.headers = strings.Fields(strings.ToLower(value))
		case "signature":
			p.signature = value
		case "created":
			p.created, err = strconv.ParseInt(value, 10, 64)
		case "expires":
			p.expires, err = strconv.ParseInt(value, 10, 64)
		}
		if err != nil {
			return p, fmt.Errorf("parameter %q: %w", name, err)
		}
	}
	switch {
	case p.keyID == "":
		return p, errors.New("no keyId")
	case p.signature == "":
		return p, errors.New("no signature")
	case len(p.headers) == 0:
		// The spec's default is "(created)", or "date" in older drafts;
		// neither is enough for copse, and checkSignedHeaders says so.
		p.headers = []string{"date"}
	}
	if _, err := base64.StdEncoding.DecodeString(p.signature); err != nil {
		return p, fmt.Errorf("signature is not base64: %w", err)
	}
	return p, nil
}

// checkSignedHeaders checks that the signature covers what copse requires,
// and that every header it covers is present, so that a later failure to
// verify can only mean a wrong key.
func checkSignedHeaders(r *http.Request, p signatureParams) error {
	if !p.covers(httpsig.RequestTarget) || !p.covers("host") {
		return fmt.Errorf("%w: signed headers %q lack (request-target) or host", ErrBadSignature, p.headers)
	}
	if !p.covers("date") && !p.covers("(created)") {
		return fmt.Errorf("%w: signed headers %q lack date or (created)", ErrBadSignature, p.headers)
	}
	for _, h := range p.headers {
		switch h {
		case httpsig.RequestTarget:
		case "host":
			if requestHost(r) == "" {
				return fmt.Errorf("%w: no Host", ErrBadSignature)
			}
		case "(created)":
			if p.created == 0 {
				return fmt.Errorf("%w: (created) signed but no created parameter", ErrBadSignature)
			}
		case "(expires)":
			if p.expires == 0 {
				return fmt.Errorf("%w: (expires) signed but no expires parameter", ErrBadSignature)
			}
		default:
			if strings.HasPrefix(h, "(") {
				return fmt.Errorf("%w: unknown pseudo-header %s", ErrBadSignature, h)
			}
			if len(r.Header.Values(h)) == 0 {
				return fmt.Errorf("%w: signed header %s is missing", ErrBadSignature, h)
			}
		}
	}
	return nil
}

// checkSignatureTime checks the signed Date, and created and expires when
// present, against now.
func checkSignatureTime(r *http.Request, p signatureParams, now time.Time) error {
	inWindow := func(t time.Time) bool {
		d := now.Sub(t)
		return d <= SignatureWindow && d >= -SignatureWindow
	}
	if p.covers("date") {
		d, err := http.ParseTime(r.Header.Get("Date"))
		if err != nil {
			return fmt.Errorf("%w: Date %q: %v", ErrStaleDate, r.Header.Get("Date"), err)
		}
		if !inWindow(d) {
			return fmt.Errorf("%w: Date %s, now %s", ErrStaleDate, d.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
	}
	if p.created != 0 && !inWindow(time.Unix(p.created, 0)) {
		return fmt.Errorf("%w: created %d, now %d", ErrStaleDate, p.created, now.Unix())
	}
	if p.expires != 0 && now.After(time.Unix(p.expires, 0)) {
		return fmt.Errorf("%w: expired at %d, now %d", ErrStaleDate, p.expires, now.Unix())
	}
	return nil
}

// checkDigest checks the Digest header against body. It is required, and
// must be signed, for a request that has or should have a body.
func checkDigest(r *http.Request, p signatureParams, body []byte) error {
	values := r.Header.Values("Digest")
	needed := len(body) > 0 || r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch
	if len(values) == 0 {
		if needed {
			return fmt.Errorf("%w: no Digest header", ErrBadDigest)
		}
		return nil
	}
	if needed && !p.covers("digest") {
		return fmt.Errorf("%w: Digest is not signed", ErrBadDigest)
	}
	foundSHA256 := false
	for _, v := range values {
		for _, d := range strings.Split(v, ",") {
			name, value, ok := strings.Cut(strings.TrimSpace(d), "=")
			if !ok {
				return fmt.Errorf("%w: malformed digest %q", ErrBadDigest, d)
			}
			var sum []byte
			switch strings.ToLower(name) {
			case "sha-256":
				s := sha256.Sum256(body)
				sum = s[:]
				foundSHA256 = true
			case "sha-512":
				s := sha512.Sum512(body)
				sum = s[:]
			default:
				continue // a digest copse cannot compute says nothing
			}
			got, err := decodeBase64(value)
			if err != nil || !bytes.Equal(got, sum) {
				return fmt.Errorf("%w: %s digest mismatch", ErrBadDigest, name)
			}
		}
	}
	if !foundSHA256 {
		return fmt.Errorf("%w: no SHA-256 digest in %q", ErrBadDigest, values)
	}
	return nil
}

// verifyWithKey verifies the signature of r with key, as httpsig does.
func verifyWithKey(r *http.Request, p signatureParams, key crypto.PublicKey) error {
	var algo httpsig.Algorithm
	switch k := key.(type) {
	case *rsa.PublicKey:
		if a := strings.ToLower(p.algorithm); a != "" && a != "hs2019" && a != "rsa-sha256" {
			return fmt.Errorf("algorithm %s with an RSA key", p.algorithm)
		}
		algo = httpsig.RSA_SHA256
	case ed25519.PublicKey:
		if a := strings.ToLower(p.algorithm); a != "" && a != "hs2019" && a != "ed25519" {
			return fmt.Errorf("algorithm %s with an Ed25519 key", p.algorithm)
		}
		algo = httpsig.ED25519
	default:
		return fmt.Errorf("unsupported key type %T", k)
	}

	// Give httpsig a copy it can read safely: Host from r.Host (a server
	// moves it out of the header map; httpsig would otherwise add it to
	// r.Header itself), and one canonical Signature header, so that its
	// comma-splitting parser never sees a keyId with a comma or spaces
	// after separators, nor an unrelated Authorization header. keyId is not
	// part of what is signed.
	h := r.Header.Clone()
	h.Del("Authorization")
	h.Set("Host", requestHost(r))
	canon := `keyId="k",headers="` + strings.Join(p.headers, " ") + `",signature="` + p.signature + `"`
	if p.created != 0 {
		canon += ",created=" + strconv.FormatInt(p.created, 10)
	}
	if p.expires != 0 {
		canon += ",expires=" + strconv.FormatInt(p.expires, 10)
	}
	h.Set("Signature", canon)
	v, err := httpsig.NewVerifier(withWireTarget(r, h))
	if err != nil {
		return err
	}
	return v.Verify(key, algo)
}

// withWireTarget returns a shallow copy of r with header h, whose URL.Path
// holds the path as it is on the wire. httpsig builds (request-target) from
// URL.Path, which net/http keeps decoded: a path with escapes
// ("/tags/caf%C3%A9") would be signed and checked as "/tags/café", which no
// other server would agree with. An empty path is sent as "/".
func withWireTarget(r *http.Request, h http.Header) *http.Request {
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	r2 := *r
	r2.URL = &url.URL{Path: path, RawQuery: r.URL.RawQuery}
	r2.Header = h
	return &r2
}

// requestHost is the host the request was sent to: r.Host on a server, or
// on a client request that has not been signed yet, the URL's host.
func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	if r.URL != nil {
		return r.URL.Host
	}
	return ""
}

func decodeBase64(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// ErrSkipped: the inbox takes the activity (202) without checking or
// applying it: a Delete by an actor the node never knew, as Mastodon does.
// Its key is usually gone with it, and fetching it would cost a request
// for nothing.
var ErrSkipped = errors.New("federation: activity skipped")

// Inbound is an activity POSTed to an inbox: the body as received, its
// parse, and the actor whose signature verified (VerifyInbox), for
// ReceiveInbound, which does not parse it again.
type Inbound struct {
	Body     []byte
	Activity activitypub.Activity
	Signer   string
}

// VerifyInbox checks the HTTP signature of an activity POSTed to an inbox
// and, once it verified, parses it. Only a key on the host of the
// activity's actor is looked up (ActorKey): the signer must be the actor
// anyway, and any other keyId would make the node fetch whatever URL the
// sender names. Before the signature is checked only the body's type and
// actor are read (inboxHeader): decoding a whole body an anonymous sender
// chose can cost hundreds of times its size (a megabyte of tiny array
// elements became 600 MB). Errors: *InvalidError for a body that is no
// activity or names no actor, ErrSkipped for a Delete by an unknown
// actor; any other error means the signature could not be verified, and
// the caller must answer it without saying why (the reason tells a prober
// what answered at the keyId's address).
func (e *Engine) VerifyInbox(ctx context.Context, r *http.Request, body []byte, now time.Time) (Inbound, error) {
	typ, actor, err := inboxHeader(body)
	if err != nil {
		return Inbound{}, invalid("%v", err)
	}
	if typ == activitypub.TypeDelete {
		_, err := e.store.AccountByURI(ctx, actor)
		if errors.Is(err, storage.ErrNotFound) {
			return Inbound{}, ErrSkipped
		}
		if err != nil {
			return Inbound{}, fmt.Errorf("actor of a Delete: %w", err)
		}
	}
	_, signer, err := VerifyRequest(ctx, r, body, now, e.ActorKey(actor))
	if err != nil {
		return Inbound{}, err
	}
	act, err := activitypub.ParseActivity(body)
	if err != nil {
		return Inbound{}, invalid("%v", err)
	}
	return Inbound{Body: body, Activity: act, Signer: signer}, nil
}

// inboxHeader reads the type and actor IRI of an activity, without
// decoding the rest.
func inboxHeader(body []byte) (typ, actor string, err error) {
	var doc struct {
		Type  json.RawMessage `json:"type"`
		Actor json.RawMessage `json:"actor"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", "", fmt.Errorf("activity: %w", err)
	}
	_ = json.Unmarshal(doc.Type, &typ) // a type list is no Delete
	actor = refOf(doc.Actor)
	if actor == "" {
		return "", "", errors.New("activity names no actor")
	}
	return typ, actor, nil
}

// refOf is the IRI a JSON-LD reference holds: a string, an object's id,
// or the first of a list.
func refOf(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &obj) == nil && obj.ID != "" {
		return obj.ID
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
		return refOf(list[0])
	}
	return ""
}
