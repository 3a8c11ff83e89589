package federation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"syscall"
	"time"
)

var (
	// ErrPrivateAddress is wrapped by every error of a client from
	// NewHTTPClient that refused to dial an address IsPublic rejects,
	// whether the URL named it, DNS resolved to it, or a redirect led to it.
	ErrPrivateAddress = errors.New("federation: refusing to connect to a non-public address")
	// ErrTooLarge is wrapped by ReadBounded, and so by Fetcher.Get, when
	// there is more to read than allowed.
	ErrTooLarge = errors.New("federation: response too large")
)

// Defaults of TransportOptions and Fetcher.
const (
	defaultTimeout      = 10 * time.Second
	defaultMaxRedirects = 5
	defaultMaxFetch     = 1 << 20
)

// activityPubAccept is what Fetcher.Get asks for: the form the ActivityPub
// spec requires servers to answer, with the plain type first for peers that
// compare it as a string.
const activityPubAccept = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`

// nonPublicPrefixes are ranges, beyond those netip.Addr classifies, that
// no federation peer lives in and that may reach something internal.
var nonPublicPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT, often internal
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated), :: and ::1
	netip.MustParsePrefix("::ffff:0:0:0/96"), // IPv4-translated
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001::/23"),       // IETF protocol assignments: Teredo, benchmarking, ORCHID
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("3fff::/20"),       // documentation
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
}

// Ranges that carry an IPv4 address inside an IPv6 one: the IPv4 address
// decides.
var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
)

// publicSchemes are the URL schemes a client may fetch or be redirected to.
var publicSchemes = []string{"http", "https"}

// IsPublic reports whether ip may be dialled by a client talking to the
// open internet: it is false for the unspecified, loopback, private
// (RFC 1918, fc00::/7), link-local, multicast, carrier-grade NAT
// (100.64.0.0/10), "this network" (0.0.0.0/8), documentation, benchmarking
// and reserved ranges, and for IPv4-mapped, NAT64 and 6to4 forms of those.
// An address in one of allow is public whatever its range (an IPv4-mapped
// address is matched in its IPv4 form); an invalid address is never public.
func IsPublic(ip netip.Addr, allow []netip.Prefix) bool {
	if !ip.IsValid() {
		return false
	}
	ip = ip.WithZone("")
	for _, p := range allow {
		if p.Contains(ip) || p.Contains(ip.Unmap()) {
			return true
		}
	}
	ip = ip.Unmap()
	if ip.IsUnspecified() || ip.IsLoopback() || ip.IsPrivate() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() {
		return false
	}
	for _, p := range nonPublicPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	b := ip.As16()
	switch {
	case nat64Prefix.Contains(ip):
		return IsPublic(netip.AddrFrom4([4]byte(b[12:16])), allow)
	case sixToFour.Contains(ip):
		return IsPublic(netip.AddrFrom4([4]byte(b[2:6])), allow)
	}
	return true
}

// TransportOptions configure NewHTTPClient.
type TransportOptions struct {
	// AllowPrivate lists ranges that may be dialled although IsPublic
	// rejects them: 127.0.0.0/8 for tests and demos, a private network
	// for a closed federation.
	AllowPrivate []netip.Prefix
	// Timeout bounds a whole request, redirects and reading the body
	// included; 0 means 10 seconds.
	Timeout time.Duration
	// UserAgent is set on requests that carry none; empty leaves Go's.
	UserAgent string
	// MaxRedirects is how many redirects a request may follow; 0 means
	// 5, and a negative value means none (a redirect is then an error).
	MaxRedirects int
}

// NewHTTPClient returns the client copse uses to talk to other nodes. Its
// dialer checks each address after DNS resolution, just before
// connecting, and refuses any that IsPublic rejects with an error wrapping
// ErrPrivateAddress; because the check is on the address actually dialled,
// DNS rebinding and redirects to internal hosts are refused too. It uses no
// proxy (a proxy would hide the real address from that check), follows
// only http and https redirects, up to o.MaxRedirects, and times out as o
// says. Its connections are pooled; it is safe for concurrent use.
func NewHTTPClient(o TransportOptions) *http.Client {
	allow := slices.Clone(o.AllowPrivate)
	timeout := o.Timeout
	if timeout == 0 {
		timeout = defaultTimeout
	}
	maxRedirects := o.MaxRedirects
	if maxRedirects == 0 {
		maxRedirects = defaultMaxRedirects
	}
	dialer := &net.Dialer{
		Timeout:   5 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !IsPublic(ap.Addr(), allow) {
				return fmt.Errorf("dial %s %s: %w", network, address, ErrPrivateAddress)
			}
			return nil
		},
	}
	var rt http.RoundTripper = &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true, // a custom dialer turns HTTP/2 off otherwise
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	if o.UserAgent != "" {
		rt = userAgentTransport{base: rt, userAgent: o.UserAgent}
	}
	return &http.Client{
		Transport: rt,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if maxRedirects < 0 {
				return fmt.Errorf("redirect to %s: redirects not allowed", req.URL.Redacted())
			}
			if len(via) > maxRedirects {
				return fmt.Errorf("redirect to %s: stopped after %d redirects", req.URL.Redacted(), maxRedirects)
			}
			if !slices.Contains(publicSchemes, req.URL.Scheme) {
				return fmt.Errorf("redirect to %s: scheme is not http or https", req.URL.Redacted())
			}
			return nil
		},
	}
}

// userAgentTransport sets User-Agent on requests that have none.
type userAgentTransport struct {
	base      http.RoundTripper
	userAgent string
}

func (t userAgentTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("User-Agent") == "" {
		r = r.Clone(r.Context()) // a RoundTripper must not change the request
		r.Header.Set("User-Agent", t.userAgent)
	}
	return t.base.RoundTrip(r)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// wrapped transport.
func (t userAgentTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// ReadBounded reads r to its end, or to max bytes (a negative max counts as
// 0). If r holds more than max bytes, it returns nil and an error wrapping
// ErrTooLarge, having read max+1 bytes.
func ReadBounded(r io.Reader, max int64) ([]byte, error) {
	if max < 0 {
		max = 0
	}
	limit := max + 1
	if limit < 0 { // max was math.MaxInt64
		limit = max
	}
	b, err := io.ReadAll(io.LimitReader(r, limit))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("read more than %d bytes: %w", max, ErrTooLarge)
	}
	return b, nil
}

// Fetcher GETs ActivityPub documents, signed with the node's instance
// actor, so that peers in authorized-fetch mode answer. It is safe for
// concurrent use.
type Fetcher struct {
	Client   *http.Client     // a client from NewHTTPClient; required
	Signer   Signer           // the instance actor; with a nil Key, requests go unsigned
	MaxBytes int64            // largest body accepted; 0 means 1 MiB
	Now      func() time.Time // clock for the Date header; nil means time.Now
}

// StatusError is the error of Fetcher.Get for a response whose status is
// not 2xx, so a caller can tell a gone object (404, 410) from a failure.
type StatusError struct {
	URL  string
	Code int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("federation: GET %s: status %d %s", e.URL, e.Code, http.StatusText(e.Code))
}

// getUnsigned GETs rawURL with the engine's client (its address
// checks apply) asking for accept, and returns the body, at most max
// bytes; a non-2xx status is a *StatusError. WebFinger and NodeInfo,
// which are read without a signature, share it.
func (e *Engine) getUnsigned(ctx context.Context, rawURL, accept string, max int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, &StatusError{URL: rawURL, Code: resp.StatusCode}
	}
	return ReadBounded(resp.Body, max)
}

// Get fetches rawURL, which must be an absolute http or https URL, asking
// for ActivityPub JSON, and returns the body. The request, and each
// redirect it follows, is signed anew with f.Signer (no digest). A non-2xx
// final status returns a *StatusError; a Content-Type other than
// application/activity+json or application/ld+json (with any parameters)
// is an error, as plain JSON from a peer may be any uploaded file; a body
// larger than f.MaxBytes returns an error wrapping ErrTooLarge. Get does
// not check that the document's id matches rawURL: that is the caller's
// job, as is trusting a document only from the origin of its id.
func (f *Fetcher) Get(ctx context.Context, rawURL string) ([]byte, error) {
	resp, err := f.send(ctx, rawURL, activityPubAccept)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !isActivityPubType(ct) {
		return nil, fmt.Errorf("fetch %s: Content-Type %q is not ActivityPub", rawURL, ct)
	}
	max := f.MaxBytes
	if max == 0 {
		max = defaultMaxFetch
	}
	body, err := ReadBounded(resp.Body, max)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	return body, nil
}

// Download fetches rawURL, a file of any type, signed as Get is, and
// copies its body to w: at most max bytes (more is an error wrapping
// ErrTooLarge, after max+1 bytes were copied). It returns how many bytes
// it copied. A non-2xx final status is a *StatusError.
func (f *Fetcher) Download(ctx context.Context, rawURL string, max int64, w io.Writer) (int64, error) {
	resp, err := f.send(ctx, rawURL, "*/*")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, io.LimitReader(resp.Body, max+1))
	if err != nil {
		return n, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	if n > max {
		return n, fmt.Errorf("fetch %s: more than %d bytes: %w", rawURL, max, ErrTooLarge)
	}
	return n, nil
}

// send GETs rawURL, which must be an absolute http or https URL, asking
// for accept; the request, and each redirect it follows, is signed anew
// with f.Signer (no digest). A non-2xx final status is a *StatusError.
// The caller closes the body.
func (f *Fetcher) send(ctx context.Context, rawURL, accept string) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	if !slices.Contains(publicSchemes, u.Scheme) || u.Host == "" {
		return nil, fmt.Errorf("fetch %s: not an absolute http or https URL", rawURL)
	}
	if f.Client == nil {
		return nil, fmt.Errorf("fetch %s: Fetcher has no Client", rawURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	req.Header.Set("Accept", accept)
	if f.Signer.Key != nil {
		if err := f.Signer.Sign(req, nil, f.now()); err != nil {
			return nil, fmt.Errorf("fetch %s: %w", rawURL, err)
		}
	}

	// A signature covers the path and host, so a redirected request must
	// be signed again for the new target.
	client := *f.Client
	checkRedirect := f.Client.CheckRedirect
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if checkRedirect != nil {
			if err := checkRedirect(req, via); err != nil {
				return err
			}
		} else if len(via) >= 10 { // net/http's default
			return errors.New("stopped after 10 redirects")
		}
		if f.Signer.Key == nil {
			return nil
		}
		return f.Signer.Sign(req, nil, f.now())
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Drain a little, so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		return nil, &StatusError{URL: rawURL, Code: resp.StatusCode}
	}
	return resp, nil
}

func (f *Fetcher) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// isActivityPubType reports whether a Content-Type names an ActivityPub
// document. Mastodon also insists on the profile of application/ld+json;
// some servers leave it off, and the type alone already rules out files
// uploaded by users.
func isActivityPubType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/activity+json" || mt == "application/ld+json"
}
