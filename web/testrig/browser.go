package testrig

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// BrowserTestsRequired is the environment variable that makes the
// browser tests fail, rather than skip, when Chromium or axe-core is
// missing: .ci/run sets it, so CI cannot skip them silently.
const BrowserTestsRequired = "COPSE_BROWSER_TESTS"

// Browser is a headless Chromium for page tests, with axe-core at hand.
type Browser struct {
	t   testing.TB
	ctx context.Context
	axe string // axe.min.js
}

// NewBrowser starts headless Chromium for t and stops it when t ends. It
// finds Chromium as $COPSE_CHROMIUM or chromium / chromium-browser /
// google-chrome on the PATH, and axe-core as $COPSE_AXE_JS or in the
// cache .ci/run installs it to. Without them the test is skipped with a
// message that says how to get them, or fails when BrowserTestsRequired
// is set.
func NewBrowser(t testing.TB) *Browser {
	t.Helper()
	missing := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...) + " (bash .ci/run installs Chromium from Debian and axe-core from npm)"
		if os.Getenv(BrowserTestsRequired) != "" {
			t.Fatalf("browser tests are required here (%s is set): %s", BrowserTestsRequired, msg)
		}
		t.Skip("skipping browser test: " + msg)
	}
	exe := os.Getenv("COPSE_CHROMIUM")
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if exe != "" {
			break
		}
		exe, _ = exec.LookPath(name)
	}
	if exe == "" {
		missing("no Chromium found (set COPSE_CHROMIUM, or put chromium on the PATH)")
	}
	axePath := os.Getenv("COPSE_AXE_JS")
	if axePath == "" {
		if cache, err := os.UserCacheDir(); err == nil {
			axePath = filepath.Join(cache, "copse-ci", "node_modules", "axe-core", "axe.min.js")
		}
	}
	axe, err := os.ReadFile(axePath)
	if err != nil {
		missing("no axe-core at %q (set COPSE_AXE_JS)", axePath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox will not start
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	if err := chromedp.Run(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("start Chromium %s: %v", exe, err)
	}
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return &Browser{t: t, ctx: ctx, axe: string(axe)}
}

// Run runs chromedp actions in the browser's tab, with a deadline.
func (b *Browser) Run(actions ...chromedp.Action) error {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	return chromedp.Run(ctx, actions...)
}

// Leave runs actions that take the tab to another page (a click on a link
// or on a form's button, a script that submits a form) and waits until the
// new page has loaded. Waiting for an element instead can end on the page
// being left, since every page carries the layout's links and heading, and
// a check then run fails with "Inspected target navigated or closed".
func (b *Browser) Leave(actions ...chromedp.Action) error {
	if err := b.Run(append([]chromedp.Action{chromedp.Evaluate(`window.copseLeaving = true`, nil)}, actions...)...); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var loaded bool
		// While the old page unloads, evaluating can fail; try again.
		err := b.Run(chromedp.Evaluate(`window.copseLeaving === undefined && document.readyState === 'complete'`, &loaded))
		if err == nil && loaded {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no new page loaded within 30 s (last error: %v)", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// AxeViolation is one rule axe-core found broken on a page.
type AxeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

func (v AxeViolation) String() string {
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "; "))
}

// axeTags are the rule sets a page must pass: WCAG 2.0, 2.1 and 2.2 at
// levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"}

// PageReport is what the browser found on a page.
type PageReport struct {
	Title      string
	Lang       string
	H1         int
	Violations []AxeViolation
}

// Check runs axe-core (WCAG 2.2 A and AA rules) on the page now loaded,
// and reads its title, language and number of h1 headings.
func (b *Browser) Check() (PageReport, error) {
	var rep PageReport
	tags, _ := json.Marshal(axeTags)
	var raw string
	awaitPromise := func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }
	err := b.Run(
		chromedp.Evaluate(b.axe, nil),
		chromedp.Evaluate(`axe.run(document, {runOnly: {type: 'tag', values: `+string(tags)+`}}).then(r => JSON.stringify(
			r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))))`,
			&raw, awaitPromise),
		chromedp.Title(&rep.Title),
		chromedp.Evaluate(`document.documentElement.lang`, &rep.Lang),
		chromedp.Evaluate(`document.querySelectorAll('h1').length`, &rep.H1),
	)
	if err != nil {
		return rep, fmt.Errorf("check page: %w", err)
	}
	if err := json.Unmarshal([]byte(raw), &rep.Violations); err != nil {
		return rep, fmt.Errorf("read axe results: %w", err)
	}
	return rep, nil
}

// CheckPage loads url and checks it as Check does, failing t on any axe
// violation, a missing title, language or h1.
func (b *Browser) CheckPage(t testing.TB, url string) {
	t.Helper()
	if err := b.Run(chromedp.Navigate(url)); err != nil {
		t.Errorf("%s: %v", url, err)
		return
	}
	b.CheckLoaded(t, url)
}

// CheckLoaded checks the page now loaded (reached by clicks or a form),
// naming it as what in failures.
func (b *Browser) CheckLoaded(t testing.TB, what string) {
	t.Helper()
	rep, err := b.Check()
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	if rep.Title == "" {
		t.Errorf("%s: the page has no title", what)
	}
	if rep.Lang == "" {
		t.Errorf("%s: the page has no lang", what)
	}
	if rep.H1 != 1 {
		t.Errorf("%s: the page has %d h1 headings; want one", what, rep.H1)
	}
	for _, v := range rep.Violations {
		t.Errorf("%s: %s", what, v)
	}
}
