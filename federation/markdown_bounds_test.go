package federation

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// pathologicalMarkdown is Markdown whose rendering cost grew faster than
// its length before boundMarkdown, each of about n bytes.
func pathologicalMarkdown(n int) map[string]string {
	return map[string]string{
		"nested quotes on one line": strings.Repeat(">", n),
		"nested quotes then lazy lines": strings.Repeat(">", n/2) + " a\n" +
			strings.Repeat("b\n", n/4),
		"quotes and lists nested":    strings.Repeat("> - ", n/4),
		"lists nested then lazy":     strings.Repeat("- ", n/4) + "a\n" + strings.Repeat("b\n", n/4),
		"table rows short of cells":  "|" + strings.Repeat("a|", n/8) + "\n|" + strings.Repeat("-|", n/8) + "\n" + strings.Repeat("|\n", n/4),
		"link definitions in a row":  strings.Repeat("[a]: https://example.org/b\n", n/28),
		"link destinations unclosed": strings.Repeat("[a](", n/4),
		"link titles unclosed":       strings.Repeat("[a](b (", n/7),
		"emphasis":                   strings.Repeat("*_", n/2),
	}
}

// renderCost renders src as an artefact body and reports the bytes
// allocated and the HTML's length.
func renderCost(t testing.TB, e *Engine, src string) (alloc uint64, out int) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	html, err := e.renderArtefact(src)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	return after.TotalAlloc - before.TotalAlloc, len(html)
}

func markdownEngine() *Engine { return &Engine{artefacts: newArtefactConfig(0, 0)} }

// A table whose rows lack cells is padded to the header's width: 5 KB of
// "|" rendered 7.8 MB of HTML with 268 MB allocated. Bounded, it stays a
// paragraph.
func TestRenderArtefactTableOfShortRowsIsBounded(t *testing.T) {
	e := markdownEngine()
	for _, n := range []int{1_000, 5_000} {
		src := pathologicalMarkdown(n)["table rows short of cells"]
		alloc, out := renderCost(t, e, src)
		t.Logf("%d bytes: %d bytes allocated, %d bytes of HTML", len(src), alloc, out)
		if alloc > 16<<20 || out > 8*len(src) {
			t.Errorf("%d bytes of table: %d bytes allocated, %d bytes of HTML; want at most 16 MiB and %d", len(src), alloc, out, 8*len(src))
		}
	}
}

// Containers nested 20,000 deep took seconds (each line walks every open
// one); past maxMarkdownNesting the markers are text.
func TestRenderArtefactNestingIsCapped(t *testing.T) {
	e := markdownEngine()
	for _, name := range []string{"nested quotes on one line", "nested quotes then lazy lines", "quotes and lists nested", "lists nested then lazy"} {
		t.Run(name, func(t *testing.T) {
			src := pathologicalMarkdown(20_000)[name]
			html, err := e.renderArtefact(src)
			if err != nil {
				t.Fatal(err)
			}
			depth := strings.Count(html, "<blockquote>") + strings.Count(html, "<li>")
			if depth > maxMarkdownNesting {
				t.Errorf("%d block quotes and list items rendered; want at most %d", depth, maxMarkdownNesting)
			}
		})
	}
}

// Each link definition removed from a paragraph copied the rest of it: 70,000
// definitions in a row took seconds. boundMarkdown keeps runs short.
func TestBoundMarkdownSplitsLongRunsOfLinkDefinitions(t *testing.T) {
	src := pathologicalMarkdown(100_000)["link definitions in a row"]
	run, longest := 0, 0
	for _, l := range strings.Split(boundMarkdown(src), "\n") {
		if isLinkDefinition(l) {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	if longest > maxLinkDefinitionRun {
		t.Errorf("%d link definitions in a row; want at most %d", longest, maxLinkDefinitionRun)
	}
	html, err := markdownEngine().renderArtefact(src + "\n[x][a]\n")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html, `<a href="https://example.org/b"`) {
		t.Errorf("the definitions no longer define: %s", html)
	}
}

// An inline link whose destination never closes is read to the end of its
// line: 125,000 "[a](" on one line (500 KB) took 56 s to render. A line
// opens at most maxInlineLinksPerLine links; the links before the cap
// still render.
func TestBoundMarkdownCapsInlineLinksPerLine(t *testing.T) {
	src := pathologicalMarkdown(maxArtefactBody)["link destinations unclosed"]
	bounded := boundMarkdown(src)
	if n := strings.Count(bounded, "](") - strings.Count(bounded, `]\(`); n > maxInlineLinksPerLine {
		t.Errorf("%d inline links opened on one line; want at most %d", n, maxInlineLinksPerLine)
	}
	links := strings.Repeat("[a](https://example.org/) ", maxInlineLinksPerLine)
	html, err := markdownEngine().renderArtefact(links)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(html, "<a "); n != maxInlineLinksPerLine {
		t.Errorf("%d links rendered of %d", n, maxInlineLinksPerLine)
	}
}

// What people write renders as it did: the node's own documentation,
// rendered with and without boundMarkdown, and the shapes it touches at
// sizes people use.
func TestBoundMarkdownLeavesOrdinaryMarkdownAlone(t *testing.T) {
	docs, _ := filepath.Glob("../docs/*.md")
	docs = append(docs, "../README.md")
	srcs := []string{
		"> a\n> > b\n> > > c\n\n- a\n  - b\n    - c\n\n1. one\n2. two\n",
		"| a | b |\n|---|:-:|\n| 1 | 2 |\n| 3 |\n",
		"a | b\n--|--\n1 | 2\n",
		"```\n> > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > >\n```\n",
		"[a]: /a\n[b]: /b\n\n[a] and [b]\n",
		"* * *\n\n- - -\n\n---\n",
	}
	for _, d := range docs {
		b, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, string(b))
	}
	md := newArtefactConfig(0, 0).markdown
	for i, src := range srcs {
		var plain, bounded bytes.Buffer
		if err := md.Convert([]byte(src), &plain); err != nil {
			t.Fatal(err)
		}
		if err := md.Convert([]byte(boundMarkdown(src)), &bounded); err != nil {
			t.Fatal(err)
		}
		if plain.String() != bounded.String() {
			t.Errorf("source %d renders differently bounded", i)
		}
	}
}

// BenchmarkRenderArtefactPathological renders each pathological shape at
// the largest body an artefact may have:
//
//	go test ./federation -run '^$' -bench BenchmarkRenderArtefactPathological -benchtime 1x
func BenchmarkRenderArtefactPathological(b *testing.B) {
	e := markdownEngine()
	for name, src := range pathologicalMarkdown(maxArtefactBody) {
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.renderArtefact(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
