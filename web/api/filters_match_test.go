package api

import (
	"testing"

	"github.com/copse-dev/copse/storage"
)

func TestFilterKeywordMatching(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		text      string
		keyword   string
		wholeWord bool
		want      bool
	}{
		{"substring", "we concatenate files", "cat", false, true},
		{"whole word inside a word", "we concatenate files", "cat", true, false},
		{"whole word alone", "a cat sat", "cat", true, true},
		{"at the start", "cat sat", "cat", true, true},
		{"at the end", "the cat", "cat", true, true},
		{"before punctuation", "a cat, a dog", "cat", true, true},
		{"case-insensitive", "The FINALE aired", "finale", true, true},
		{"keyword in capitals", "the finale aired", "FINALE", true, true},
		{"plural is another word", "cats everywhere", "cat", true, false},
		{"later occurrence whole", "cats and a cat", "cat", true, true},
		{"underscore joins words", "snake_cat_case", "cat", true, false},
		{"digits join words", "cat9", "cat", true, false},
		{"phrase", "spoilers for the season finale here", "season finale", true, true},
		{"phrase across a word", "preseason finale", "season finale", true, false},
		{"hashtag keyword after a letter", "a#cat", "#cat", true, true},
		{"hashtag keyword before a letter", "#cats", "#cat", true, false},
		{"accented letters are letters", "café crème", "caf", true, false},
		{"accented keyword", "un café crème", "café", true, true},
		{"accented capitals", "UN CAFÉ", "café", true, true},
		{"other scripts", "привет мир", "мир", true, true},
		{"other scripts inside a word", "мирный", "мир", true, false},
		{"combining mark continues a word", "cafe\u0301", "cafe", true, false},
		{"no match", "nothing here", "cat", false, false},
		{"empty keyword", "anything", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := newFilterSet([]storage.Filter{{Title: "f", Context: []string{filterHome}, Action: storage.FilterWarn,
				Keywords: []storage.FilterKeyword{{Keyword: tt.keyword, WholeWord: tt.wholeWord}}}})
			matches, _ := set.match(filterHome, tt.text, nil)
			if got := len(matches) == 1; got != tt.want {
				t.Errorf("%q in %q (whole word %v) = %v, want %v", tt.keyword, tt.text, tt.wholeWord, got, tt.want)
			}
		})
	}
}

func TestFilterSetContextsActionsAndStatuses(t *testing.T) {
	t.Parallel()
	set := newFilterSet([]storage.Filter{
		{ID: 1, Title: "hide in home", Context: []string{filterHome}, Action: storage.FilterHide,
			Keywords: []storage.FilterKeyword{{Keyword: "budget", WholeWord: true}}},
		{ID: 2, Title: "warn everywhere", Context: []string{filterHome, filterPublic, filterThread}, Action: storage.FilterWarn,
			Keywords: []storage.FilterKeyword{{Keyword: "budget"}, {Keyword: "audit"}},
			Statuses: []storage.FilterStatus{{StatusID: 42}}},
	})
	matches, hide := set.match(filterHome, "Budget review", []string{"7"})
	if !hide || len(matches) != 2 {
		t.Errorf("home: %d matches, hide %v; want both, hidden", len(matches), hide)
	}
	matches, hide = set.match(filterPublic, "Budget review", []string{"7"})
	if hide || len(matches) != 1 || matches[0].filter.ID != 2 || len(matches[0].keywords) != 1 || matches[0].keywords[0] != "budget" {
		t.Errorf("public: %+v, hide %v; want the warning alone", matches, hide)
	}
	matches, _ = set.match(filterThread, "nothing to see", []string{"9", "42"})
	if len(matches) != 1 || len(matches[0].statuses) != 1 || matches[0].statuses[0] != "42" || matches[0].keywords != nil {
		t.Errorf("status match: %+v", matches)
	}
	if matches, hide := set.match(filterNotifications, "budget audit", nil); len(matches) != 0 || hide {
		t.Errorf("notifications: %+v, %v; want no filter for that context", matches, hide)
	}
}

func TestFilterTextOfAStatus(t *testing.T) {
	t.Parallel()
	desc := "a chart of the budget"
	e := Status{Content: "<p>Hello<br>world</p>", SpoilerText: "cw", MediaAttachments: []Attachment{{Description: &desc}}}
	if got, want := filterText(e), "cw\n\nHello\nworld\n\na chart of the budget"; got != want {
		t.Errorf("filterText = %q, want %q", got, want)
	}
}
