package pages

import (
	"errors"
	"html/template"
	"strings"
	"sync"
	"testing"
)

// TestPageSet: a broken page stops NewPageSet; a page is parsed for use
// when first shown, once however many ask at the same time, and the
// same page is served after.
func TestPageSet(t *testing.T) {
	sources := map[string]string{"home": `{{define "layout"}}home{{end}}`, "about": `{{define "layout"}}about{{end}}`}
	var mu sync.Mutex
	parsed := map[string]int{}
	parse := func(name string) (*template.Template, error) {
		mu.Lock()
		parsed[name]++
		mu.Unlock()
		src, ok := sources[name]
		if !ok {
			return nil, errors.New("no such page")
		}
		return template.New(name).Parse(src)
	}
	if _, err := NewPageSet([]string{"home", "missing"}, parse); err == nil {
		t.Fatal("NewPageSet with a page that does not parse: no error")
	}
	clear(parsed)
	set, err := NewPageSet([]string{"home", "about"}, parse)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	got := make([]*template.Template, 8)
	for i := range got {
		wg.Go(func() {
			p, err := set.Get("home")
			if err != nil {
				t.Error(err)
			}
			got[i] = p
		})
	}
	wg.Wait()
	for _, p := range got[1:] {
		if p != got[0] {
			t.Fatal("Get returned different templates for one page")
		}
	}
	var b strings.Builder
	if err := got[0].ExecuteTemplate(&b, "layout", nil); err != nil || b.String() != "home" {
		t.Fatalf("home page = %q, %v", b.String(), err)
	}
	if parsed["home"] != 2 || parsed["about"] != 1 {
		t.Errorf("parses: %v; want home twice (checked, then first shown) and about once (checked)", parsed)
	}
	if _, err := set.Get("nowhere"); err == nil {
		t.Error("Get of a page not in the set: no error")
	}
}
