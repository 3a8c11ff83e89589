//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// crashWait bounds every wait of the crash test.
const crashWait = 15 * time.Second

// TestDeliverySurvivesKill runs a real `copse serve` process (node A, the
// test binary re-executed, see TestMain), has a member of another node
// (B, in this process) follow alice on A, and SIGKILLs A while the
// delivery of alice's new post to B is in flight: B has taken the request
// but not answered. Restarted on the same data directory, A sends the post
// again; B applies it exactly once, though it received it twice.
func TestDeliverySurvivesKill(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts copse processes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	host := freeLoopbackAddr(t)
	env := func(k string) string {
		if k == "COPSE_DATA_DIR" {
			return dir
		}
		return ""
	}
	b := testrig.StartOne(t, nil)
	bob := b.Member("bob", false)

	a := startCopse(t, dir, host)
	// The member is made the way an operator would, while the node runs,
	// her password given on standard input as a script would.
	var out, errOut bytes.Buffer
	p := proc{getenv: env, stdin: strings.NewReader(crashPassword + "\n"), stdout: &out, stderr: &errOut}
	if err := run(ctx, []string{"admin", "account", "create", "--host", host, "--username", "alice",
		"--email", "alice@council-a.example"}, p); err != nil {
		t.Fatalf("create alice: %v (%s)", err, errOut.String())
	}
	aliceOnB := b.Resolve("alice@" + host)
	if err := b.Engine.Follow(ctx, bob.ID, aliceOnB.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatalf("follow: %v", err)
	}
	testrig.Eventually(t, crashWait, "A accepted bob's follow", func() bool {
		_, err := b.Store.FollowOf(ctx, bob.ID, aliceOnB.ID)
		return err == nil
	})

	token := signIn(t, a.url, "alice")
	b.HoldInbox(true)
	uri := postStatus(t, a.url, token, "Our enquiries routine, revised after the audit")
	testrig.Eventually(t, crashWait, "A's delivery in flight to B", func() bool { return b.HeldInbox() == 1 })

	a.kill(t)
	a = startCopse(t, dir, host)
	// The restarted node sends the job again: B now holds two copies, the
	// one the dead process sent and the new one.
	testrig.Eventually(t, crashWait, "A's delivery sent again after restart", func() bool { return b.HeldInbox() == 2 })
	b.HoldInbox(false)

	testrig.Eventually(t, crashWait, "the post in bob's home on B", func() bool { return b.HomeHas(bob.ID, uri) })
	testrig.Eventually(t, crashWait, "B answered both copies and applied them", func() bool {
		items, err := b.Store.DueInboxItems(ctx, time.Now().Add(48*time.Hour), 1)
		return b.HeldInbox() == 0 && err == nil && len(items) == 0
	})
	all := []activitypub.Visibility{activitypub.Public, activitypub.Unlisted, activitypub.FollowersOnly, activitypub.Direct}
	if n, err := b.Store.CountStatuses(ctx, aliceOnB.ID, all); err != nil || n != 1 {
		t.Errorf("B stores %d statuses of alice (%v); want 1", n, err)
	}
	home, err := b.Store.HomeTimeline(ctx, bob.ID, storage.Page{Limit: 80})
	if err != nil {
		t.Fatal(err)
	}
	if len(home) != 1 {
		t.Errorf("bob's home on B has %d entries; want the post once", len(home))
	}

	// B answered the second copy, so the job leaves A's queue, as A's
	// admin command shows an operator while A runs.
	testrig.Eventually(t, crashWait, "A's delivery queue empty", func() bool {
		out.Reset()
		err := run(ctx, []string{"admin", "deliveries", "--host", host}, p)
		return err == nil && strings.Contains(out.String(), "queued deliveries: 0")
	})
	a.stop(t)
}

const crashPassword = "a long passphrase"

// copseProcess is a `copse serve` child process.
type copseProcess struct {
	url    string
	cmd    *exec.Cmd
	logs   *syncBuffer
	exited chan struct{} // closed once the process has been waited for
}

// startCopse starts `copse serve` on host with its data in dir, and
// waits until it answers.
func startCopse(t *testing.T, dir, host string) *copseProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve", "--host", host, "--listen", host, "--data-dir", dir,
		"--protocol", "http", "--log-level", "debug")
	cmd.Env = append(os.Environ(), "COPSE_TEST_SERVE=1", "COPSE_ALLOW_PRIVATE=127.0.0.0/8")
	p := &copseProcess{url: "http://" + host, cmd: cmd, logs: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start copse: %v", err)
	}
	go func() { cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill() // an error only says it has gone already
		<-p.exited
		if t.Failed() {
			t.Logf("copse serve (pid %d) said:\n%s", cmd.Process.Pid, p.logs.String())
		}
	})
	testrig.Eventually(t, crashWait, "copse serve answers", func() bool {
		select {
		case <-p.exited:
			t.Fatalf("copse serve exited: %v\n%s", cmd.ProcessState, p.logs.String())
		default:
		}
		resp, err := http.Get(p.url + "/api/v1/instance")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

// kill ends the process with SIGKILL: no shutdown, no deferred work.
func (p *copseProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill copse: %v", err)
	}
	p.wait(t)
}

// stop ends the process as an operator would, and waits for it.
func (p *copseProcess) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("stop copse: %v", err)
	}
	p.wait(t)
	if !p.cmd.ProcessState.Success() {
		t.Errorf("copse serve stopped with %v", p.cmd.ProcessState)
	}
}

// wait waits until the process has exited.
func (p *copseProcess) wait(t *testing.T) {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(crashWait):
		t.Fatalf("copse serve (pid %d) still runs after %v", p.cmd.Process.Pid, crashWait)
	}
}

// freeLoopbackAddr returns a loopback address with a port free right now.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// syncBuffer collects a child's output, written from another goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// signIn gets an access token for username the way an app does: it
// registers, sends the member through the sign-in and consent pages, and
// trades the code for a token.
func signIn(t *testing.T, base, username string) string {
	t.Helper()
	const callback = "https://app.example/callback"
	var app struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	form(t, http.DefaultClient, base+"/api/v1/apps", "", url.Values{"client_name": {"crash test"},
		"redirect_uris": {callback}, "scopes": {"read write"}}, http.StatusOK, &app)

	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	authorize := base + "/oauth/authorize?" + url.Values{"response_type": {"code"}, "client_id": {app.ClientID},
		"redirect_uri": {callback}, "scope": {"write"}}.Encode()
	signInForm := hidden(t, page(t, browser, authorize))
	signInForm.Set("login", username)
	signInForm.Set("password", crashPassword)
	back := form(t, browser, base+"/oauth/sign_in", "", signInForm, http.StatusSeeOther, nil)
	consent := hidden(t, page(t, browser, base+back))
	consent.Set("decision", "authorize")
	redirect, err := url.Parse(form(t, browser, base+"/oauth/authorize", "", consent, http.StatusFound, nil))
	if err != nil || redirect.Query().Get("code") == "" {
		t.Fatalf("consent led to %v (%v); want the callback with a code", redirect, err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	form(t, http.DefaultClient, base+"/oauth/token", "", url.Values{"grant_type": {"authorization_code"},
		"code": {redirect.Query().Get("code")}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret},
		"redirect_uri": {callback}}, http.StatusOK, &tok)
	if tok.AccessToken == "" {
		t.Fatal("no access token")
	}
	return tok.AccessToken
}

// postStatus posts a public status through the client API and returns
// its ActivityPub id.
func postStatus(t *testing.T, base, token, text string) string {
	t.Helper()
	var st struct {
		URI string `json:"uri"`
	}
	form(t, http.DefaultClient, base+"/api/v1/statuses", token, url.Values{"status": {text}, "visibility": {"public"}},
		http.StatusOK, &st)
	if st.URI == "" {
		t.Fatal("status has no uri")
	}
	return st.URI
}

// form POSTs v, checks the status, decodes a JSON answer into out (if
// not nil) and returns the Location header.
func form(t *testing.T, c *http.Client, endpoint, token string, v url.Values, want int, out any) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(v.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("POST %s: %d, want %d:\n%s", endpoint, resp.StatusCode, want, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("POST %s: answer is not JSON: %v", endpoint, err)
		}
	}
	return resp.Header.Get("Location")
}

// page GETs an HTML page with c and returns it.
func page(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d:\n%s", u, resp.StatusCode, body)
	}
	return string(body)
}

// hidden reads a form's hidden fields.
func hidden(t *testing.T, page string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		v.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	if len(v) == 0 {
		t.Fatalf("no form on the page:\n%s", page)
	}
	return v
}
