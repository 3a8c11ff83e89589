package auth

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/copse-dev/copse/federation"
)

// ClientAddr is the client's address. copse runs behind a reverse proxy,
// so a request from a loopback or private peer is taken to come through
// one: the client is then the last address the proxy added to
// X-Forwarded-For. A direct peer on a public address cannot forge it.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !(peer.IsLoopback() || peer.IsPrivate()) {
		return host
	}
	fwd := r.Header.Values("X-Forwarded-For")
	if len(fwd) == 0 {
		return host
	}
	parts := strings.Split(fwd[len(fwd)-1], ",")
	if a, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1])); err == nil {
		return a.String()
	}
	return host
}

// AddrKey is the address limits count against: an IPv4 address, or an
// IPv6 /64, since one host is usually given a whole /64 and could
// otherwise take a fresh budget per address.
func AddrKey(r *http.Request) string {
	s := ClientAddr(r)
	a, err := netip.ParseAddr(s)
	if err != nil {
		return s
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}

// EventLimiter counts events per key in a sliding window: failed
// sign-ins, apps and tokens created (federation.EventLimiter, which the
// engine's own limits use too).
type EventLimiter = federation.EventLimiter

// NewEventLimiter is federation.NewEventLimiter.
func NewEventLimiter(max int, window time.Duration, maxKeys int, now func() time.Time) *EventLimiter {
	return federation.NewEventLimiter(max, window, maxKeys, now)
}
