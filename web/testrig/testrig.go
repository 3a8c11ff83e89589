// Package testrig starts real copse nodes on loopback for end-to-end
// tests: each has its own database and HTTP server, speaks plain http, may
// reach loopback, retries deliveries on a fast schedule, and takes its
// accounts' keys from a pool of pre-generated ones (testkit.Keys).
package testrig

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig/testkit"
)

// Password is the password of every member Member makes.
const Password = "correct horse battery"

// FastRetry is the delivery and inbox retry schedule nodes use in tests: fast at
// first, and long enough in all (about 18 s) that a delivery refused for
// a moment on a loaded machine (CI runs packages side by side on two
// cores) is not dropped before the tests' waits end.
var FastRetry = []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond,
	400 * time.Millisecond, 800 * time.Millisecond, time.Second, 2 * time.Second, 2 * time.Second,
	4 * time.Second, 4 * time.Second, 4 * time.Second}

// Node is one copse node under test.
type Node struct {
	*node.Node
	URL  string // "http://127.0.0.1:port"
	Host string // "127.0.0.1:port"
	// Clock is the node's clock: real time, moved on by Clock.Advance.
	Clock *Clock

	t       testing.TB
	cfg     node.Config
	srv     *httptest.Server
	handler atomic.Pointer[http.Handler]
	offline atomic.Bool
	hold    inboxHold
	logs    logRing

	sigMu      sync.Mutex
	signatures []string // of POSTs to inboxes, the last maxSignatures

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// Start starts n nodes and stops them when the test ends.
func Start(t testing.TB, n int) []*Node {
	t.Helper()
	nodes := make([]*Node, n)
	for i := range nodes {
		nodes[i] = StartOne(t, nil)
	}
	return nodes
}

// StartOne starts one node; tune may adjust its configuration.
func StartOne(t testing.TB, tune func(*node.Config)) *Node {
	t.Helper()
	n := &Node{t: t, Clock: &Clock{}}
	n.srv = httptest.NewUnstartedServer(http.HandlerFunc(n.serve))
	n.Host = n.srv.Listener.Addr().String()
	n.URL = "http://" + n.Host
	n.cfg = node.Config{
		Host:         n.Host,
		Listen:       n.Host,
		DataDir:      t.TempDir(),
		Protocol:     "http",
		LogLevel:     "info",
		LogFormat:    "text",
		AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Tuning: node.Tuning{RetrySchedule: FastRetry, InboxRetry: FastRetry, PollInterval: 50 * time.Millisecond, Now: n.Clock.Now,
			PollUpdateDelay: 100 * time.Millisecond, MailDelay: 50 * time.Millisecond, NoActionLimits: true,
			NewKey: testkit.Keys()},
	}
	if tune != nil {
		tune(&n.cfg)
	}
	n.srv.Start()
	n.open()
	t.Cleanup(func() {
		n.srv.Close()
		n.stop()
		if t.Failed() {
			t.Logf("log of node %s (last %d lines):\n%s", n.Host, logLines, n.logs.String())
		}
	})
	return n
}

// logger is where a node logs: everything to stderr with COPSE_TEST_LOG
// set, else its last logLines lines, kept in n.logs and
// printed if the test fails, so a failure seen only under CI's load says
// what the nodes did.
func (n *Node) logger() *slog.Logger {
	if os.Getenv("COPSE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(&n.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// logLines is how many log lines of a node a failed test prints.
const logLines = 200

// logRing keeps the last logLines lines written to it.
type logRing struct {
	mu    sync.Mutex
	lines []string
	next  int
}

func (l *logRing) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for line := range strings.Lines(string(p)) {
		line = strings.TrimSuffix(line, "\n")
		if len(l.lines) < logLines {
			l.lines = append(l.lines, line)
			continue
		}
		l.lines[l.next] = line
		l.next = (l.next + 1) % logLines
	}
	return len(p), nil
}

// String is the lines kept, oldest first.
func (l *logRing) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(append(slices.Clone(l.lines[l.next:]), l.lines[:l.next]...), "\n")
}

func (n *Node) open() {
	n.t.Helper()
	nd, err := node.Open(context.Background(), n.cfg, n.logger().With("node", n.Host))
	if err != nil {
		n.t.Fatalf("open node %s: %v", n.Host, err)
	}
	n.Node = nd
	h := nd.Handler()
	n.handler.Store(&h)
	n.StartWorkers()
}

func (n *Node) serve(w http.ResponseWriter, r *http.Request) {
	if n.offline.Load() {
		// Drop the connection, as a node that is down would.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/inbox") {
		n.sigMu.Lock()
		if len(n.signatures) == maxSignatures {
			n.signatures = n.signatures[1:]
		}
		n.signatures = append(n.signatures, r.Header.Get("Signature"))
		n.sigMu.Unlock()
		var done func()
		r, done = n.hold.wait(r)
		defer done()
	}
	(*n.handler.Load()).ServeHTTP(w, r)
}

// maxSignatures is how many inbox POSTs' signatures a node keeps.
const maxSignatures = 1000

// InboxSignatures returns the Signature headers of the latest POSTs to
// the node's inboxes, oldest first.
func (n *Node) InboxSignatures() []string {
	n.sigMu.Lock()
	defer n.sigMu.Unlock()
	return slices.Clone(n.signatures)
}

// StartWorkers starts the node's inbox and delivery workers.
func (n *Node) StartWorkers() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel, n.done = cancel, make(chan struct{})
	go func(done chan struct{}) { n.Run(ctx); close(done) }(n.done)
}

// StopWorkers stops the workers: deliveries and received activities stay
// queued in the database.
func (n *Node) StopWorkers() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cancel == nil {
		return
	}
	n.cancel()
	<-n.done
	n.cancel = nil
}

func (n *Node) stop() {
	n.StopWorkers()
	n.Node.Close()
}

// Restart closes the node (workers and database) and opens it again from
// its data directory on the same address, as after a crash or upgrade.
func (n *Node) Restart() {
	n.t.Helper()
	n.stop()
	n.open()
}

// SetOffline makes the node drop every connection, or serve again.
func (n *Node) SetOffline(off bool) { n.offline.Store(off) }

// HoldInbox(true) makes the node take POSTs to its inboxes but not answer
// them until HoldInbox(false): a delivery to it stays in flight for as
// long as a test needs. A released request is handled even if its sender
// has gone meanwhile, as when a peer took an activity but its answer never
// reached the sender. The hold is released when the test ends.
func (n *Node) HoldInbox(hold bool) {
	n.hold.set(hold)
	if hold {
		n.t.Cleanup(func() { n.hold.set(false) }) // before the server closes
	}
}

// HeldInbox is how many held inbox POSTs are not yet answered.
func (n *Node) HeldInbox() int { return int(n.hold.pending.Load()) }

// inboxHold is the switch of HoldInbox.
type inboxHold struct {
	mu      sync.Mutex
	release chan struct{} // nil: not holding
	pending atomic.Int32
}

func (h *inboxHold) set(hold bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case hold && h.release == nil:
		h.release = make(chan struct{})
	case !hold && h.release != nil:
		close(h.release)
		h.release = nil
	}
}

// wait holds r, if holding, until released. It reads the body first, so
// the request has fully arrived, and returns r to handle with a context
// its sender's going cannot cancel; done marks it answered.
func (h *inboxHold) wait(r *http.Request) (*http.Request, func()) {
	h.mu.Lock()
	release := h.release
	h.mu.Unlock()
	if release == nil {
		return r, func() {}
	}
	h.pending.Add(1)
	body, _ := io.ReadAll(r.Body) // a cut-off body fails in the handler, as it would unheld
	<-release
	r = r.WithContext(context.WithoutCancel(r.Context()))
	r.Body = io.NopCloser(bytes.NewReader(body))
	return r, func() { h.pending.Add(-1) }
}

// Member creates a member with a password of "correct horse battery".
func (n *Node) Member(username string, locked bool) storage.Account {
	n.t.Helper()
	a, err := n.Engine.CreateMember(context.Background(), federation.NewMember{
		Username: username, Email: username + "@" + strings.Split(n.Host, ":")[0] + ".test",
		Password: Password, Locked: locked, DisplayName: strings.ToUpper(username[:1]) + username[1:],
		Organisation: "Hampshire County Council", Department: "Libraries", JobTitle: "Information officer",
	})
	if err != nil {
		n.t.Fatalf("create member %s on %s: %v", username, n.Host, err)
	}
	return a
}

// Acct is "user@host" of a member of this node.
func (n *Node) Acct(username string) string { return username + "@" + n.Host }

// Resolve resolves ref on this node (fetching it if remote).
func (n *Node) Resolve(ref string) storage.Account {
	n.t.Helper()
	a, err := n.Engine.ResolveAccount(context.Background(), ref)
	if err != nil {
		n.t.Fatalf("resolve %s on %s: %v", ref, n.Host, err)
	}
	return a
}

// Clock is a node's clock: the real time plus an offset that only grows,
// so workers keep moving while a test skips ahead.
type Clock struct{ offset atomic.Int64 }

// Now is the time on the clock.
func (c *Clock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// Eventually checks cond until it holds, and fails the test if it still
// does not once within has passed. It is the one poll helper of the
// tests (testkit.Eventually, for tests that cannot import testrig).
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	testkit.Eventually(t, within, what, cond)
}

// Keys returns a source of pre-generated keys for an engine a test builds
// itself (federation.Options.NewKey); every node Start makes has one.
func Keys() func() (*rsa.PrivateKey, error) { return testkit.Keys() }

// HomeHas reports whether account's home feed on n holds a status whose
// URI is uri.
func (n *Node) HomeHas(account storage.ID, uri string) bool {
	sts, err := n.Store.HomeTimeline(context.Background(), account, storage.Page{Limit: 80})
	if err != nil {
		n.t.Fatalf("home timeline: %v", err)
	}
	for _, s := range sts {
		if s.URI == uri {
			return true
		}
	}
	return false
}

// String names the node in test output.
func (n *Node) String() string { return fmt.Sprintf("node %s", n.Host) }

// Token issues an OAuth access token for account with the given scopes
// (default "read write follow push"), as if the member had signed in from
// an app, and returns it.
func (n *Node) Token(account storage.Account, scopes ...string) string {
	n.t.Helper()
	if len(scopes) == 0 {
		scopes = []string{"read", "write", "follow", "push"}
	}
	token := rand.Text()
	ctx := context.Background()
	err := n.Store.InTx(ctx, func(tx *storage.Tx) error {
		app := storage.App{Name: "testrig", RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"}, Scopes: scopes,
			ClientID: rand.Text(), ClientSecretHash: storage.HashSecret(rand.Text())}
		if err := tx.InsertApp(ctx, &app); err != nil {
			return err
		}
		return tx.InsertToken(ctx, &storage.Token{AccessHash: storage.HashSecret(token), AppID: app.ID, AccountID: account.ID, Scopes: scopes})
	})
	if err != nil {
		n.t.Fatalf("issue token: %v", err)
	}
	return token
}
