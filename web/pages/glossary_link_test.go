package pages

import "testing"

func TestTermLinker(t *testing.T) {
	triage := linkTerm{Names: []string{"triage", "sorting"}, Href: "/c/wards/glossary#term-triage", Title: "Triage"}
	dpo := linkTerm{Names: []string{"DPO", "data protection officer"}, Href: "/c/wards/glossary#term-dpo", Title: "DPO"}
	link := func(term, text, href string) string {
		return `<a class="glossary-term" href="` + href + `" title="Glossary: ` + term + `">` + text + `</a>`
	}
	tests := []struct {
		name  string
		terms []linkTerm
		in    []string // posts on one page, in order
		want  []string
	}{
		{"first use only", []linkTerm{triage}, []string{"<p>Triage first, then triage again.</p>"},
			[]string{"<p>" + link("Triage", "Triage", triage.Href) + " first, then triage again.</p>"}},
		{"once per page, across posts", []linkTerm{triage}, []string{"<p>We do triage.</p>", "<p>More triage.</p>"},
			[]string{"<p>We do " + link("Triage", "triage", triage.Href) + ".</p>", "<p>More triage.</p>"}},
		{"whole words only", []linkTerm{triage}, []string{"<p>Retriage and triaged, then triage.</p>"},
			[]string{"<p>Retriage and triaged, then " + link("Triage", "triage", triage.Href) + ".</p>"}},
		{"never inside a link", []linkTerm{triage}, []string{`<p><a href="/tags/triage">#triage</a> and <a href="/x">triage</a> then triage</p>`},
			[]string{`<p><a href="/tags/triage">#triage</a> and <a href="/x">triage</a> then ` + link("Triage", "triage", triage.Href) + `</p>`}},
		{"never inside a tag", []linkTerm{triage}, []string{`<p><img alt="triage" src="/triage.png"></p>`},
			[]string{`<p><img alt="triage" src="/triage.png"></p>`}},
		{"never in code", []linkTerm{triage}, []string{`<pre><code>triage()</code></pre><p>triage</p>`},
			[]string{`<pre><code>triage()</code></pre><p>` + link("Triage", "triage", triage.Href) + `</p>`}},
		{"an alias, the longest name", []linkTerm{dpo}, []string{"<p>Ask the data protection officer, the DPO.</p>"},
			[]string{"<p>Ask the " + link("DPO", "data protection officer", dpo.Href) + ", the DPO.</p>"}},
		{"two terms in one text", []linkTerm{triage, dpo}, []string{"<p>The DPO signs off sorting.</p>"},
			[]string{"<p>The " + link("DPO", "DPO", dpo.Href) + " signs off " + link("Triage", "sorting", triage.Href) + ".</p>"}},
		{"entities kept", []linkTerm{triage}, []string{"<p>A &amp; E triage &lt;now&gt;</p>"},
			[]string{"<p>A &amp; E " + link("Triage", "triage", triage.Href) + " &lt;now&gt;</p>"}},
		{"no terms", nil, []string{"<p>triage</p>"}, []string{"<p>triage</p>"}},
		{"not well-formed", []linkTerm{triage}, []string{"<p>text <b"}, []string{"<p>text <b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newTermLinker(tt.terms)
			for i, in := range tt.in {
				if got := l.Link(in); got != tt.want[i] {
					t.Errorf("post %d:\n got %s\nwant %s", i, got, tt.want[i])
				}
			}
		})
	}
}

func TestMayOccur(t *testing.T) {
	words := wordsOf([]string{`<p>The <strong>Data-Protection</strong> officer &amp; A&amp;E; ſafeguarding #triage</p>`})
	tests := []struct {
		name string
		term string
		want bool
	}{
		{"a word of the text, case aside", "officer", true},
		{"every word of a name with a hyphen", "data-protection", true},
		{"a phrase whose words all occur", "protection officer", true},
		{"an escaped ampersand", "A&E", true},
		{"the long s folds to s", "safeguarding", true},
		{"a hashtag is one word", "#triage", true},
		{"part of a word only", "officers", false},
		{"one word of two missing", "data controller", false},
		{"a word the text lacks", "rota", false},
		{"beyond ASCII: may, folding is more than lower case", "Ärzte", true},
		{"blank", "  ", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mayOccur(words, tt.term); got != tt.want {
				t.Fatalf("mayOccur(%q) = %v; want %v", tt.term, got, tt.want)
			}
		})
	}
}
