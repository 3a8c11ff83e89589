package federation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var loopbackAllowed = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

func TestIsPublic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ip    string
		allow []netip.Prefix
		want  bool
	}{
		{ip: "8.8.8.8", want: true},
		{ip: "1.1.1.1", want: true},
		{ip: "2001:4860:4860::8888", want: true},
		{ip: "2a01:4f8::1", want: true},
		{ip: "::ffff:8.8.8.8", want: true},
		{ip: "64:ff9b::808:808", want: true}, // NAT64 of 8.8.8.8
		{ip: "2002:808:808::1", want: true},  // 6to4 of 8.8.8.8

		{ip: "127.0.0.1"},
		{ip: "127.1.2.3"},
		{ip: "::1"},
		{ip: "10.0.0.1"},
		{ip: "172.16.0.1"},
		{ip: "172.31.255.255"},
		{ip: "192.168.1.1"},
		{ip: "169.254.169.254"}, // cloud metadata
		{ip: "fe80::1"},
		{ip: "fe80::1%eth0"},
		{ip: "fc00::1"},
		{ip: "fd12:3456::1"},
		{ip: "fec0::1"},
		{ip: "::ffff:127.0.0.1"},
		{ip: "::ffff:10.0.0.1"},
		{ip: "::127.0.0.1"},        // IPv4-compatible
		{ip: "64:ff9b::7f00:1"},    // NAT64 of 127.0.0.1
		{ip: "64:ff9b::a9fe:a9fe"}, // NAT64 of 169.254.169.254
		{ip: "64:ff9b:1::a00:1"},   // local-use NAT64
		{ip: "2002:7f00:1::1"},     // 6to4 of 127.0.0.1
		{ip: "2001::1"},            // Teredo
		{ip: "2001:db8::1"},
		{ip: "100.64.0.1"},
		{ip: "100.127.255.254"},
		{ip: "0.0.0.0"},
		{ip: "0.1.2.3"},
		{ip: "::"},
		{ip: "224.0.0.1"},
		{ip: "239.255.255.250"},
		{ip: "ff02::1"},
		{ip: "255.255.255.255"},
		{ip: "240.0.0.1"},
		{ip: "192.0.2.1"},
		{ip: "198.18.0.1"},
		{ip: "203.0.113.9"},
		{ip: "192.0.0.8"},

		{ip: "127.0.0.1", allow: loopbackAllowed, want: true},
		{ip: "::ffff:127.0.0.1", allow: loopbackAllowed, want: true},
		{ip: "::1", allow: loopbackAllowed},
		{ip: "::1", allow: []netip.Prefix{netip.MustParsePrefix("::1/128")}, want: true},
		{ip: "10.1.2.3", allow: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}, want: true},
		{ip: "10.2.2.3", allow: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}},
	}
	for _, tt := range tests {
		name := tt.ip
		if tt.allow != nil {
			name += " allowed " + fmt.Sprint(tt.allow)
		}
		t.Run(name, func(t *testing.T) {
			if got := IsPublic(netip.MustParseAddr(tt.ip), tt.allow); got != tt.want {
				t.Errorf("IsPublic(%s, %v) = %v, want %v", tt.ip, tt.allow, got, tt.want)
			}
		})
	}
	if IsPublic(netip.Addr{}, nil) {
		t.Error("the zero Addr is public")
	}
}

func TestClientPrivateAddress(t *testing.T) {
	t.Parallel()
	var userAgent atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		userAgent.Store(r.UserAgent())
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	localhostURL := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)

	tests := []struct {
		name    string
		opts    TransportOptions
		url     string
		wantErr error
	}{
		{name: "loopback refused", url: srv.URL, wantErr: ErrPrivateAddress},
		{name: "localhost refused", url: localhostURL, wantErr: ErrPrivateAddress},
		{name: "private refused", url: "http://10.255.255.1/", wantErr: ErrPrivateAddress},
		{name: "metadata refused", url: "http://169.254.169.254/latest/meta-data/", wantErr: ErrPrivateAddress},
		{name: "other allowance", opts: TransportOptions{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, url: srv.URL, wantErr: ErrPrivateAddress},
		{name: "loopback allowed", opts: TransportOptions{AllowPrivate: loopbackAllowed, UserAgent: "copse/test"}, url: srv.URL},
		{name: "localhost allowed", opts: TransportOptions{AllowPrivate: loopbackAllowed, UserAgent: "copse/test"}, url: localhostURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := NewHTTPClient(tt.opts).Get(tt.url)
			if tt.wantErr != nil {
				if err == nil {
					resp.Body.Close()
				}
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("got %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
			if got := userAgent.Load(); got != tt.opts.UserAgent {
				t.Errorf("User-Agent %q, want %q", got, tt.opts.UserAgent)
			}
		})
	}
}

func TestClientRedirects(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	// /hop/N/M redirects to /hop/N+1/M until N == M; /to?u= redirects to u.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/to" {
			http.Redirect(w, r, r.URL.Query().Get("u"), http.StatusFound)
			return
		}
		var n, m int
		if _, err := fmt.Sscanf(r.URL.Path, "/hop/%d/%d", &n, &m); err != nil {
			http.NotFound(w, r)
			return
		}
		if n < m {
			http.Redirect(w, r, "/hop/"+strconv.Itoa(n+1)+"/"+strconv.Itoa(m), http.StatusMovedPermanently)
			return
		}
		io.WriteString(w, "arrived")
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	onlyThisHost := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

	tests := []struct {
		name         string
		maxRedirects int
		allow        []netip.Prefix // nil: only 127.0.0.1
		path         string
		wantHits     int32
		wantErr      error // errors.Is target; errAny for any error
	}{
		{name: "3 of 3", maxRedirects: 3, path: "/hop/0/3", wantHits: 4},
		{name: "4 of 3", maxRedirects: 3, path: "/hop/0/4", wantHits: 4, wantErr: errAny},
		{name: "5 of default", path: "/hop/0/5", wantHits: 6},
		{name: "6 of default", path: "/hop/0/6", wantHits: 6, wantErr: errAny},
		{name: "none allowed", maxRedirects: -1, path: "/hop/0/1", wantHits: 1, wantErr: errAny},
		{name: "to 127.0.0.2", path: "/to?u=http://127.0.0.2:" + port + "/hop/0/0", wantHits: 1, wantErr: ErrPrivateAddress},
		// localhost may resolve to ::1 as well as 127.0.0.1: the dialer
		// decides by address, not by name, and falls back to the allowed one.
		{name: "to localhost by name", allow: loopbackAllowed, path: "/to?u=http://localhost:" + port + "/hop/0/0", wantHits: 2},
		{name: "to private", path: "/to?u=http://10.0.0.1/", wantHits: 1, wantErr: ErrPrivateAddress},
		{name: "to metadata", path: "/to?u=http://169.254.169.254/latest/meta-data/", wantHits: 1, wantErr: ErrPrivateAddress},
		{name: "to file", path: "/to?u=file:///etc/passwd", wantHits: 1, wantErr: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits.Store(0)
			allow := tt.allow
			if allow == nil {
				allow = onlyThisHost
			}
			c := NewHTTPClient(TransportOptions{AllowPrivate: allow, MaxRedirects: tt.maxRedirects})
			resp, err := c.Get(srv.URL + tt.path)
			if err == nil {
				defer resp.Body.Close()
			}
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Get: %v", err)
			case tt.wantErr == errAny && err == nil:
				t.Fatal("Get: want an error")
			case tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Fatalf("Get: got %v, want %v", err, tt.wantErr)
			}
			if got := hits.Load(); got != tt.wantHits {
				t.Errorf("%d requests reached the server, want %d", got, tt.wantHits)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestClientTimeout(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // until the client gives up
	}))
	t.Cleanup(srv.Close)
	c := NewHTTPClient(TransportOptions{AllowPrivate: loopbackAllowed, Timeout: 50 * time.Millisecond})
	_, err := c.Get(srv.URL)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("got %v, want a timeout", err)
	}
}

func TestReadBounded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		max     int64
		wantErr error
	}{
		{name: "empty", in: "", max: 0},
		{name: "under", in: "abc", max: 4},
		{name: "exactly", in: "abcd", max: 4},
		{name: "over by one", in: "abcde", max: 4, wantErr: ErrTooLarge},
		{name: "negative max", in: "a", max: -1, wantErr: ErrTooLarge},
		{name: "huge max", in: "abc", max: 1<<63 - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadBounded(strings.NewReader(tt.in), tt.max)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			if err == nil && string(got) != tt.in {
				t.Errorf("got %q, want %q", got, tt.in)
			}
		})
	}
	readErr := errors.New("connection reset")
	if _, err := ReadBounded(io.MultiReader(strings.NewReader("ab"), iotestErrReader{readErr}), 10); !errors.Is(err, readErr) {
		t.Errorf("got %v, want the reader's error", err)
	}
}

type iotestErrReader struct{ err error }

func (r iotestErrReader) Read([]byte) (int, error) { return 0, r.err }

func TestFetcherGet(t *testing.T) {
	t.Parallel()
	instance := Signer{KeyID: "https://b.example/actor#main-key", Key: sigTestKey(t, 0)}
	note := []byte(`{"type":"Note","id":"https://a.example/notes/1"}`)
	type seen struct {
		path, accept string
		err          error
	}
	requests := make(chan seen, 16)
	lookup := staticLookup(&instance.Key.PublicKey)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _, err := VerifyRequest(r.Context(), r, nil, sigTestNow, lookup)
		requests <- seen{path: r.URL.Path, accept: r.Header.Get("Accept"), err: err}
		switch r.URL.Path {
		case "/notes/1":
			w.Header().Set("Content-Type", `application/activity+json; charset=utf-8`)
			w.Write(note)
		case "/notes/ld":
			w.Header().Set("Content-Type", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
			w.Write(note)
		case "/old":
			http.Redirect(w, r, "/notes/1", http.StatusMovedPermanently)
		case "/big":
			w.Header().Set("Content-Type", "application/activity+json")
			w.Write(bytes.Repeat([]byte(" "), 1<<20+1))
		case "/html":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html></html>")
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			w.Write(note)
		case "/gone":
			http.Error(w, "gone", http.StatusGone)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	fetcher := &Fetcher{
		Client: NewHTTPClient(TransportOptions{AllowPrivate: loopbackAllowed}),
		Signer: instance,
		Now:    func() time.Time { return sigTestNow },
	}

	tests := []struct {
		name       string
		fetcher    *Fetcher
		url        string
		want       []byte
		wantStatus int   // a *StatusError with this code
		wantErr    error // errors.Is target; errAny for any error
		wantPaths  []string
	}{
		{name: "activity+json", url: srv.URL + "/notes/1", want: note, wantPaths: []string{"/notes/1"}},
		{name: "ld+json", url: srv.URL + "/notes/ld", want: note, wantPaths: []string{"/notes/ld"}},
		{name: "fragment", url: srv.URL + "/notes/1#main-key", want: note, wantPaths: []string{"/notes/1"}},
		{name: "redirect signed again", url: srv.URL + "/old", want: note, wantPaths: []string{"/old", "/notes/1"}},
		{name: "too large", url: srv.URL + "/big", wantErr: ErrTooLarge, wantPaths: []string{"/big"}},
		{name: "small limit", fetcher: &Fetcher{Client: fetcher.Client, Signer: instance, Now: fetcher.Now, MaxBytes: 10}, url: srv.URL + "/notes/1", wantErr: ErrTooLarge, wantPaths: []string{"/notes/1"}},
		{name: "404", url: srv.URL + "/nothing", wantStatus: 404, wantPaths: []string{"/nothing"}},
		{name: "410", url: srv.URL + "/gone", wantStatus: 410, wantPaths: []string{"/gone"}},
		{name: "HTML", url: srv.URL + "/html", wantErr: errAny, wantPaths: []string{"/html"}},
		{name: "plain JSON", url: srv.URL + "/json", wantErr: errAny, wantPaths: []string{"/json"}},
		{name: "private address", fetcher: &Fetcher{Client: NewHTTPClient(TransportOptions{}), Signer: instance}, url: srv.URL + "/notes/1", wantErr: ErrPrivateAddress},
		{name: "not http", url: "ftp://a.example/notes/1", wantErr: errAny},
		{name: "relative", url: "/notes/1", wantErr: errAny},
		{name: "no client", fetcher: &Fetcher{Signer: instance}, url: srv.URL + "/notes/1", wantErr: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.fetcher
			if f == nil {
				f = fetcher
			}
			got, err := f.Get(context.Background(), tt.url)
			var paths []string
		drain:
			for {
				select {
				case s := <-requests:
					paths = append(paths, s.path)
					if s.err != nil {
						t.Errorf("request for %s does not verify: %v", s.path, s.err)
					}
					if s.accept != activityPubAccept {
						t.Errorf("request for %s has Accept %q", s.path, s.accept)
					}
				default:
					break drain
				}
			}
			if strings.Join(paths, " ") != strings.Join(tt.wantPaths, " ") {
				t.Errorf("server saw %q, want %q", paths, tt.wantPaths)
			}
			var se *StatusError
			switch {
			case tt.wantStatus != 0:
				if !errors.As(err, &se) || se.Code != tt.wantStatus || se.URL != tt.url {
					t.Fatalf("got %v, want a StatusError %d for %s", err, tt.wantStatus, tt.url)
				}
			case tt.wantErr == errAny:
				if err == nil {
					t.Fatal("want an error")
				}
				if errors.As(err, &se) {
					t.Errorf("got a StatusError %v", err)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("got %v, want %v", err, tt.wantErr)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, tt.want) {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func TestFetcherContext(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	f := &Fetcher{Client: NewHTTPClient(TransportOptions{AllowPrivate: loopbackAllowed})}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Get(ctx, srv.URL); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
