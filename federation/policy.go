package federation

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// Decision is what the node's federation policy says about one host.
type Decision struct {
	// Federate: the node talks to the host at all, both ways (inbox,
	// fetches, deliveries, WebFinger). False when a suspend block covers
	// it, or when the node is in allow-list mode and no allow covers it.
	Federate bool
	// Block is the block that covers the host (the most specific one),
	// with its severity, reject_media and reject_reports; zero when none.
	Block storage.NodeDomainBlock
}

// Limited reports whether the host's accounts are limited: hidden from
// public timelines and from those who do not follow them.
func (d Decision) Limited() bool { return d.Block.Severity == storage.SeverityLimit }

// RejectMedia reports whether the host's media must not be fetched.
func (d Decision) RejectMedia() bool { return !d.Federate || d.Block.RejectMedia }

// RejectReports reports whether Flags from the host are ignored.
func (d Decision) RejectReports() bool { return !d.Federate || d.Block.RejectReports }

// Policy decides which hosts the node federates with. It is the one place
// that decides: every path (inbox, fetches, deliveries, WebFinger, media,
// reports) asks Allows. It holds an immutable snapshot of the blocks and
// allows, swapped atomically when they change, so a change takes effect
// at once and Allows takes no lock.
type Policy struct {
	self string // the node's own host: always allowed
	snap atomic.Pointer[policySnapshot]
}

type policySnapshot struct {
	allowlist bool
	blocks    map[string]storage.NodeDomainBlock // by normalised domain
	allows    map[string]struct{}
}

// NewPolicy returns an open policy with no blocks for the node at host
// self.
func NewPolicy(self string) *Policy {
	p := &Policy{self: strings.ToLower(self)}
	p.snap.Store(&policySnapshot{})
	return p
}

// Set replaces the policy with the given mode, blocks and allows.
func (p *Policy) Set(mode string, blocks []storage.NodeDomainBlock, allows []storage.NodeDomainAllow) {
	s := &policySnapshot{
		allowlist: mode == storage.FederationAllowlist,
		blocks:    make(map[string]storage.NodeDomainBlock, len(blocks)),
		allows:    make(map[string]struct{}, len(allows)),
	}
	for _, b := range blocks {
		s.blocks[policyDomain(b.Domain)] = b
	}
	for _, a := range allows {
		s.allows[policyDomain(a.Domain)] = struct{}{}
	}
	p.snap.Store(s)
}

// Mode is the federation mode in force.
func (p *Policy) Mode() string {
	if p.snap.Load().allowlist {
		return storage.FederationAllowlist
	}
	return storage.FederationOpen
}

// Allows decides about host, a host name or host:port as it appears in a
// URL (any case, a trailing dot allowed). A block or allow of a domain
// covers its subdomains ("example.org" covers "a.b.example.org"); one
// that names a port ("127.0.0.1:8443") covers only that origin. The
// node's own host is always allowed; an empty host never is.
func (p *Policy) Allows(host string) Decision {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" {
		return Decision{}
	}
	if host == p.self {
		return Decision{Federate: true}
	}
	s := p.snap.Load()
	var d Decision
	if len(s.blocks) > 0 {
		d.Block, _ = lookup(s.blocks, host)
	}
	switch {
	case d.Block.Severity == storage.SeveritySuspend:
		d.Federate = false
	case s.allowlist:
		_, d.Federate = lookup(s.allows, host)
	default:
		d.Federate = true
	}
	return d
}

// lookup finds the most specific entry of m covering host: host itself
// (with its port), then its name without the port, then each parent
// domain. An IP address has no parent domains.
func lookup[V any](m map[string]V, host string) (V, bool) {
	if v, ok := m[host]; ok {
		return v, true
	}
	name := hostName(host)
	if name != host {
		if v, ok := m[name]; ok {
			return v, true
		}
	}
	var zero V
	if isIP(name) {
		return zero, false
	}
	for i := strings.IndexByte(name, '.'); i >= 0; i = strings.IndexByte(name, '.') {
		name = name[i+1:]
		if v, ok := m[name]; ok {
			return v, true
		}
	}
	return zero, false
}

// hostName is host without its port (and without an IPv6 address's
// brackets).
func hostName(host string) string {
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i > 0 {
			return host[1:i]
		}
		return host
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.Count(host, ":") == 1 {
		return host[:i]
	}
	return host
}

// isIP is a cheap test for an IP address: a domain's top label is never
// all digits, and only an IPv6 address has a colon.
func isIP(name string) bool {
	if strings.IndexByte(name, ':') >= 0 {
		return true
	}
	last := name[strings.LastIndexByte(name, '.')+1:]
	if last == "" {
		return false
	}
	for i := 0; i < len(last); i++ {
		if last[i] < '0' || last[i] > '9' {
			return false
		}
	}
	return true
}

// policyDomain is the form in which a domain is stored and matched:
// lower case, no scheme, path, trailing dot or surrounding space.
func policyDomain(d string) string {
	d = strings.ToLower(strings.TrimSpace(d))
	if i := strings.Index(d, "://"); i >= 0 {
		d = d[i+3:]
	}
	if i := strings.IndexAny(d, "/?#"); i >= 0 {
		d = d[:i]
	}
	d = strings.TrimPrefix(d, "*.") // "*.example.org": subdomains are covered anyway
	return strings.TrimSuffix(d, ".")
}

// validDomain checks a normalised domain from an admin: a host name or IP
// address, with an optional port.
func validDomain(d string) error {
	if d == "" {
		return invalid("domain is empty")
	}
	name := d
	if h, port, err := net.SplitHostPort(d); err == nil {
		if port == "" {
			return invalid("domain %q has an empty port", d)
		}
		name = h
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return nil
	}
	if len(name) > 253 {
		return invalid("domain %q is too long", d)
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 {
			return invalid("domain %q is not a host name", d)
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c > 127) {
				return invalid("domain %q is not a host name", d)
			}
		}
	}
	return nil
}

// Policy is the engine's federation policy.
func (e *Engine) Policy() *Policy { return e.policy }

// LoadPolicy reads the mode, blocks and allows from storage and puts them
// in force.
func (e *Engine) LoadPolicy(ctx context.Context) error {
	mode, err := e.store.FederationMode(ctx)
	if err != nil {
		return fmt.Errorf("load federation policy: %w", err)
	}
	blocks, err := e.store.NodeDomainBlocks(ctx)
	if err != nil {
		return fmt.Errorf("load federation policy: %w", err)
	}
	allows, err := e.store.NodeDomainAllows(ctx)
	if err != nil {
		return fmt.Errorf("load federation policy: %w", err)
	}
	version, err := e.store.NodeSetting(ctx, settingPolicyVersion)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("load federation policy: %w", err)
	}
	e.policy.Set(mode, blocks, allows)
	e.policyVersion.Store(&version)
	return nil
}

// federates reports whether the node talks to the host of rawURL.
func (e *Engine) federates(host string) bool { return e.policy.Allows(host).Federate }

// ErrBlockedDomain is the error of any request copse would send to a host
// it does not federate with.
var ErrBlockedDomain = errors.New("federation: host not federated with by policy")

// guard returns a copy of c that refuses, with ErrBlockedDomain, every
// request (redirects included) to a host p does not federate with: one
// check under every outgoing fetch, WebFinger, media download and
// delivery.
func (p *Policy) guard(c *http.Client) *http.Client {
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	cc := *c
	cc.Transport = policyTransport{policy: p, next: next}
	return &cc
}

type policyTransport struct {
	policy *Policy
	next   http.RoundTripper
}

func (t policyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !t.policy.Allows(r.URL.Host).Federate {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, fmt.Errorf("%s %s: %w", r.Method, r.URL.Host, ErrBlockedDomain)
	}
	return t.next.RoundTrip(r)
}

func (t policyTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// RefuseSigner returns an error wrapping ErrDenied when r is signed with
// a key on a host the node does not federate with, and nil otherwise (an
// unsigned request, or a signature too malformed to name a host, is the
// verifier's to refuse). It reads only the header, so a blocked host
// costs no key fetch and no RSA.
func (e *Engine) RefuseSigner(r *http.Request) error {
	p, err := parseSignatureHeader(r.Header)
	if err != nil {
		return nil
	}
	if host := urlHost(p.keyID); host != "" && !e.federates(host) {
		return fmt.Errorf("signed by %s: %w", host, ErrDenied)
	}
	return nil
}

// mediaFrom is atts, or none when domain's block says reject_media: the
// node then neither stores nor shows (nor so fetches) that domain's media.
func (e *Engine) mediaFrom(domain string, atts []storage.Attachment) []storage.Attachment {
	if len(atts) > 0 && e.policy.Allows(domain).RejectMedia() {
		return nil
	}
	return atts
}

// emojisFrom is emojis, less those the policy keeps out: all of them when
// domain's block says reject_media, and any whose image is on a host
// whose block says so. The node then neither stores nor shows (nor so
// fetches) them; the shortcode stays as text.
func (e *Engine) emojisFrom(domain string, emojis []activitypub.Emoji) []activitypub.Emoji {
	if len(emojis) == 0 {
		return emojis
	}
	if e.policy.Allows(domain).RejectMedia() {
		return nil
	}
	out := emojis[:0:0]
	for _, em := range emojis {
		u, err := url.Parse(em.URL)
		if err != nil || u.Host == "" || e.policy.Allows(u.Host).RejectMedia() {
			continue
		}
		out = append(out, em)
	}
	return out
}

// Peers lists the domains of the remote actors the node knows that it
// federates with: a suspended domain is left out (its data is being
// purged), and in allow-list mode only allowed domains are listed.
func (e *Engine) Peers(ctx context.Context) ([]string, error) {
	all, err := e.store.Peers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(all))
	for _, d := range all {
		if e.federates(d) {
			out = append(out, d)
		}
	}
	return out, nil
}
