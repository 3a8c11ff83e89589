package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
)

// The shapes of activity, each exercising what a real peer's post does
// to the node: a notification, home-feed rows, or a thread.
const (
	shapeMention = "mention" // a public note mentioning the member: a notification
	shapeFollow  = "follow"  // a public note by an author the member follows: home rows
	shapeReply   = "reply"   // a public reply to the member's post, mentioning them as Mastodon does: a thread
	// A member's new thread into a community (-member names it): the
	// Group checks the author and announces the thread.
	shapeCommunity = "community"
)

// Bounds: the loader must not become a flood by a typo.
const (
	maxActivities  = 1_000_000
	maxConcurrency = 256
	maxTimeout     = time.Hour
)

// pollEvery is how often the loader asks whether the node has applied
// everything: often enough to add little to the measured time, seldom
// enough to cost the node little.
const pollEvery = 20 * time.Millisecond

type config struct {
	Node        string
	Member      string
	Shape       string
	N           int
	Concurrency int
	Timeout     time.Duration
	Token       string
	Password    string
	PID         int
	Listen      string
	Yardstick   time.Duration
}

// result is what one run measured.
type result struct {
	Shape       string
	N           int
	Concurrency int
	Applied     int
	Accepted    time.Duration // until every POST was answered 202
	Elapsed     time.Duration // until every activity was applied
	ServerCPU   time.Duration // the node's CPU time over Elapsed; 0 without -pid
	SignPerSec  float64       // the yardstick; 0 when skipped
}

func (r result) rate() float64 { return float64(r.Applied) / r.Elapsed.Seconds() }

func (r result) print(w io.Writer) {
	fmt.Fprintf(w, "shape=%s n=%d c=%d applied=%d\n", r.Shape, r.N, r.Concurrency, r.Applied)
	fmt.Fprintf(w, "applied: %.0f activities/s (%.2fs)\n", r.rate(), r.Elapsed.Seconds())
	fmt.Fprintf(w, "accepted: %.0f activities/s (all POSTs answered 202 in %.2fs)\n",
		float64(r.N)/r.Accepted.Seconds(), r.Accepted.Seconds())
	if r.ServerCPU > 0 {
		fmt.Fprintf(w, "server CPU: %.0f µs/activity (%.2f cores)\n",
			float64(r.ServerCPU.Microseconds())/float64(r.Applied), r.ServerCPU.Seconds()/r.Elapsed.Seconds())
	}
	if r.SignPerSec > 0 {
		fmt.Fprintf(w, "yardstick: %.0f signatures/s; applied/signatures = %.2f\n", r.SignPerSec, r.rate()/r.SignPerSec)
	}
}

// run is one measurement: set up the peer and the shape, pre-sign, send,
// and wait for the node to apply everything.
func run(ctx context.Context, cfg config, logw io.Writer) (result, error) {
	res := result{Shape: cfg.Shape, N: cfg.N, Concurrency: cfg.Concurrency}
	node, err := checkConfig(cfg)
	if err != nil {
		return res, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	logf := func(format string, args ...any) { fmt.Fprintf(logw, format+"\n", args...) }

	p, err := startPeer(cfg.Listen, node)
	if err != nil {
		return res, err
	}
	defer p.close()
	logf("peer actor %s", p.actorURI)

	c := &client{node: node, http: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: cfg.Concurrency, MaxIdleConnsPerHost: cfg.Concurrency}}}
	defer c.http.CloseIdleConnections()
	member, err := c.actor(ctx, cfg.Member)
	if err != nil {
		return res, fmt.Errorf("member %s: %w", cfg.Member, err)
	}
	c.token = cfg.Token
	if c.token == "" && cfg.Password != "" {
		if c.token, err = passwordToken(ctx, node, cfg.Member, cfg.Password); err != nil {
			return res, fmt.Errorf("sign in as %s: %w", cfg.Member, err)
		}
	}
	var parent string // the member's post that replies answer
	switch cfg.Shape {
	case shapeFollow:
		if c.token == "" {
			return res, errors.New("the follow shape needs -token or -password: the member follows the peer's actor")
		}
		if err := c.follow(ctx, p.actorURI); err != nil {
			return res, fmt.Errorf("follow the peer's actor: %w", err)
		}
		logf("%s follows %s", cfg.Member, p.actorURI)
	case shapeReply:
		if c.token == "" {
			return res, errors.New("the reply shape needs -token or -password: the member posts what the replies answer")
		}
		if parent, err = c.post(ctx, "copse-load: replies to this post measure the inbox."); err != nil {
			return res, fmt.Errorf("post the parent: %w", err)
		}
		logf("replies answer %s", parent)
	case shapeCommunity:
		if err := p.join(ctx, member.ID); err != nil {
			return res, fmt.Errorf("join the community: %w", err)
		}
		logf("%s is a member of %s", p.actorURI, member.ID)
	}
	before, err := c.statusesCount(ctx, p.acct)
	if err != nil {
		return res, err
	}

	if cfg.Yardstick > 0 {
		res.SignPerSec = yardstick(p.signer, cfg.Yardstick)
	}
	logf("signing %d activities", cfg.N)
	posts := make([]signedPost, cfg.N)
	for i := range posts {
		if posts[i], err = p.create(cfg.Shape, i, member, parent, node.JoinPath("/inbox").String()); err != nil {
			return res, err
		}
	}

	logf("sending")
	cpu0, err := processCPU(cfg.PID)
	if err != nil {
		return res, err
	}
	start := time.Now()
	if err := send(ctx, c.http, node.JoinPath("/inbox").String(), posts, cfg.Concurrency); err != nil {
		return res, err
	}
	res.Accepted = time.Since(start)
	for {
		n, err := c.statusesCount(ctx, p.acct)
		if err != nil {
			return res, err
		}
		res.Applied = n - before
		if res.Applied >= cfg.N {
			break
		}
		select {
		case <-ctx.Done():
			res.Elapsed = time.Since(start)
			return res, fmt.Errorf("after %v, %d of %d applied: %w", res.Elapsed.Round(time.Millisecond), res.Applied, cfg.N, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
	res.Elapsed = time.Since(start)
	cpu1, err := processCPU(cfg.PID)
	if err != nil {
		return res, err
	}
	res.ServerCPU = cpu1 - cpu0
	return res, nil
}

// checkConfig validates cfg and returns the node's base URL. Only
// loopback targets are allowed: the loader is a measuring tool, not a way
// to flood someone else's server.
func checkConfig(cfg config) (*url.URL, error) {
	node, err := url.Parse(strings.TrimRight(cfg.Node, "/"))
	if err != nil || (node.Scheme != "http" && node.Scheme != "https") || node.Host == "" {
		return nil, fmt.Errorf("-node %q is not an http(s) URL", cfg.Node)
	}
	if !isLoopback(node.Hostname()) {
		return nil, fmt.Errorf("-node %q is not on loopback: copse-load only measures a local node", cfg.Node)
	}
	listenHost, _, err := net.SplitHostPort(cfg.Listen)
	if err != nil || !isLoopback(listenHost) {
		return nil, fmt.Errorf("-listen %q is not a loopback address", cfg.Listen)
	}
	switch {
	case cfg.Member == "":
		return nil, errors.New("-member is required")
	case cfg.Shape != shapeMention && cfg.Shape != shapeFollow && cfg.Shape != shapeReply && cfg.Shape != shapeCommunity:
		return nil, fmt.Errorf("-shape %q: want mention, follow, reply or community", cfg.Shape)
	case cfg.N < 1 || cfg.N > maxActivities:
		return nil, fmt.Errorf("-n %d: want 1 to %d", cfg.N, maxActivities)
	case cfg.Concurrency < 1 || cfg.Concurrency > maxConcurrency:
		return nil, fmt.Errorf("-c %d: want 1 to %d", cfg.Concurrency, maxConcurrency)
	case cfg.Timeout <= 0 || cfg.Timeout > maxTimeout:
		return nil, fmt.Errorf("-timeout %v: want more than 0 and at most %v", cfg.Timeout, maxTimeout)
	case cfg.Yardstick < 0 || cfg.Yardstick > time.Minute:
		return nil, fmt.Errorf("-yardstick %v: want 0 to 1m", cfg.Yardstick)
	}
	return node, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// signedPost is one request, signed before the clock starts: signing is
// the sender's cost, not the node's.
type signedPost struct {
	header http.Header
	body   []byte
}

// send POSTs every post to inbox over n connections; every answer must be
// 202.
func send(ctx context.Context, client *http.Client, inbox string, posts []signedPost, n int) error {
	var (
		next     atomic.Int64
		failed   atomic.Int64
		firstErr error
		once     sync.Once
		wg       sync.WaitGroup
	)
	for range min(n, len(posts)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(posts) {
					return
				}
				if err := sendOne(ctx, client, inbox, posts[i]); err != nil {
					failed.Add(1)
					once.Do(func() { firstErr = err })
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d of %d POSTs failed; first: %w", n, len(posts), firstErr)
	}
	return ctx.Err()
}

func sendOne(ctx context.Context, client *http.Client, inbox string, p signedPost) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inbox, bytes.NewReader(p.body))
	if err != nil {
		return err
	}
	req.Header = p.header.Clone()
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("inbox answered %d: %s", resp.StatusCode, msg)
	}
	return nil
}

// yardstick signs requests on every core for d and returns signatures per
// second: the figure copse's performance targets are quoted against.
func yardstick(s federation.Signer, d time.Duration) float64 {
	body := []byte(`{"type":"Create"}`)
	var n atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/inbox", bytes.NewReader(body))
				if err == nil && s.Sign(req, body, time.Now()) == nil {
					n.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}

// processCPU is the user plus system CPU time of process pid so far, from
// /proc/pid/stat; 0 when pid is 0.
func processCPU(pid int) (time.Duration, error) {
	if pid == 0 {
		return 0, nil
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read CPU time of process %d: %w", pid, err)
	}
	return parseProcStat(string(b))
}

// clockTicks is USER_HZ, which Linux fixes at 100 for /proc.
const clockTicks = 100

// parseProcStat reads utime and stime (fields 14 and 15) of a
// /proc/pid/stat line. The command name (field 2) may hold spaces and
// parentheses, so fields are counted from the last ')'.
func parseProcStat(s string) (time.Duration, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("proc stat: no command name")
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state): utime is field 14, f[11].
	if len(f) < 13 {
		return 0, errors.New("proc stat: too few fields")
	}
	var ticks int64
	for _, s := range f[11:13] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("proc stat: %w", err)
		}
		ticks += v
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// client talks to the node as a member's app and as an anonymous visitor.
type client struct {
	node  *url.URL
	http  *http.Client
	token string
}

// actor fetches a member's actor document.
func (c *client) actor(ctx context.Context, username string) (activitypub.Actor, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.node.JoinPath("/users", username).String(), nil)
	if err != nil {
		return activitypub.Actor{}, err
	}
	req.Header.Set("Accept", "application/activity+json")
	body, err := c.do(req)
	if err != nil {
		return activitypub.Actor{}, err
	}
	return activitypub.ParseActor(body)
}

// statusesCount is the statuses_count of acct as the node shows it to
// anyone: it rises as the node stores the peer's notes. An account the
// node does not know yet has none.
func (c *client) statusesCount(ctx context.Context, acct string) (int, error) {
	var a struct {
		StatusesCount int `json:"statuses_count"`
	}
	err := c.api(ctx, http.MethodGet, "/api/v1/accounts/lookup?acct="+url.QueryEscape(acct), nil, &a)
	var se *statusError
	if errors.As(err, &se) && se.code == http.StatusNotFound {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("count the peer's statuses: %w", err)
	}
	return a.StatusesCount, nil
}

// follow makes the member follow actorURI and waits until the follow is
// accepted (the peer accepts at once).
func (c *client) follow(ctx context.Context, actorURI string) error {
	var acc struct {
		ID string `json:"id"`
	}
	if err := c.api(ctx, http.MethodGet, "/api/v1/accounts/lookup?acct="+url.QueryEscape(actorURI), nil, &acc); err != nil {
		return fmt.Errorf("resolve: %w", err)
	}
	if err := c.api(ctx, http.MethodPost, "/api/v1/accounts/"+acc.ID+"/follow", map[string]any{}, nil); err != nil {
		return err
	}
	for {
		var rels []struct {
			Following bool `json:"following"`
		}
		if err := c.api(ctx, http.MethodGet, "/api/v1/accounts/relationships?id[]="+acc.ID, nil, &rels); err != nil {
			return err
		}
		if len(rels) == 1 && rels[0].Following {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the follow to be accepted: %w", ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

// post publishes a public status as the member and returns its URI.
func (c *client) post(ctx context.Context, text string) (string, error) {
	var st struct {
		URI string `json:"uri"`
	}
	err := c.api(ctx, http.MethodPost, "/api/v1/statuses", map[string]any{"status": text, "visibility": "public"}, &st)
	if err == nil && st.URI == "" {
		err = errors.New("the status has no uri")
	}
	return st.URI, err
}

type statusError struct {
	code int
	body string
}

func (e *statusError) Error() string { return fmt.Sprintf("answered %d: %s", e.code, e.body) }

// api calls the client API with a JSON body (if in is not nil) and decodes
// the answer into out (if not nil).
func (c *client) api(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.node.String()+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	b, err := c.do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, strings.SplitN(path, "?", 2)[0], err)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

func (c *client) do(req *http.Request) ([]byte, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, &statusError{resp.StatusCode, string(bytes.TrimSpace(b[:min(len(b), 300)]))}
	}
	return b, nil
}

// randomName is a short lowercase name, so each run's actor and IRIs are
// new to the node.
func randomName() string {
	return strings.ToLower(rand.Text()[:10])
}
