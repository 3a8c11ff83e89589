package pages

import (
	"context"
	"html"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// A community's glossary, read-only (issue 13 item 4): its terms A to Z at
// /c/{handle}/glossary, each under an anchor (federation.TermAnchor) with
// how many of the community's posts and artefacts use its hashtag. Thread
// and artefact pages link the first use of a term to its entry here.
// Pages are read without signing in, so a members-only community's
// glossary is not shown (federation.GlossaryReadable decides).

type glossaryPage struct {
	pageView
	Community *communityView
	Letters   []letterView
	Count     int
	Hidden    bool // members-only
}

// letterView is the terms under one initial.
type letterView struct {
	Letter, ID string
	Terms      []termView
}

type termView struct {
	EditURL, HistoryURL string
	Term, Anchor        string
	Definition          template.HTML // rendered and sanitised by the engine
	Aliases             []string
	Related             []relatedView
	ReferenceURL        string
	ReferenceText       string
	Tag, TagURL         string
	Posts, Artefacts    int
	Version             int
	Updated, UpdatedISO string
}

type relatedView struct {
	Name, URL string // URL is "" when the glossary has no such term
}

func glossaryPath(handle string) string { return communityPath(handle) + "/glossary" }

// Glossary serves /c/{handle}/glossary.
func (h *Handler) Glossary(w http.ResponseWriter, r *http.Request) {
	if err := h.glossary(w, r); err != nil {
		h.Error(w, r, err)
	}
}

func (h *Handler) glossary(w http.ResponseWriter, r *http.Request) error {
	g, cv, ok, err := h.pageCommunity(r, func(ctx context.Context, viewer, g storage.Account) (bool, error) {
		return h.engine.GlossaryReadable(ctx, viewer, g.ID)
	})
	if err != nil {
		return err
	}
	v := glossaryPage{pageView: h.viewIn(cv, "Glossary of "+cv.Name), Community: cv}
	v.Member = h.memberOf(r)
	if !ok {
		v.Hidden = true
		return h.render(w, r, http.StatusOK, "glossary", &v)
	}
	terms, err := h.store.CommunityTerms(r.Context(), g.ID)
	if err != nil {
		return err
	}
	anchors := map[string]string{} // lower-case name → anchor
	for _, u := range terms {
		anchors[strings.ToLower(u.Term.Term)] = federation.TermAnchor(u.Term.Term)
		for _, a := range u.Aliases {
			if _, ok := anchors[strings.ToLower(a)]; !ok {
				anchors[strings.ToLower(a)] = federation.TermAnchor(u.Term.Term)
			}
		}
	}
	v.Count = len(terms)
	for _, u := range terms {
		t := u.Term
		tv := termView{EditURL: termEditPath(g.Acct(), t.ID), HistoryURL: termHistoryPath(g.Acct(), t.ID), Term: t.Term, Anchor: federation.TermAnchor(t.Term), Definition: template.HTML(demoteHeadings(t.DefinitionHTML)),
			Aliases: t.Aliases, ReferenceURL: t.ReferenceURL, ReferenceText: t.ReferenceText, Tag: t.Tag,
			Posts: u.Posts, Artefacts: u.Artefacts, Version: t.Version,
			Updated: t.UpdatedAt.UTC().Format("2 January 2006"), UpdatedISO: t.UpdatedAt.UTC().Format(time.RFC3339)}
		if t.Tag != "" {
			tv.TagURL = "/tags/" + t.Tag
		}
		for _, rel := range t.Related {
			rv := relatedView{Name: rel}
			if a, ok := anchors[strings.ToLower(rel)]; ok {
				rv.URL = "#" + a
			}
			tv.Related = append(tv.Related, rv)
		}
		letter := initial(t.Term)
		if n := len(v.Letters); n == 0 || v.Letters[n-1].Letter != letter {
			id := "letter-" + strings.ToLower(letter)
			if letter == "#" {
				id = "letter-other"
			}
			v.Letters = append(v.Letters, letterView{Letter: letter, ID: id})
		}
		l := &v.Letters[len(v.Letters)-1]
		l.Terms = append(l.Terms, tv)
	}
	return h.render(w, r, http.StatusOK, "glossary", &v)
}

// initial is the letter a term is listed under: its first letter in
// capitals, or "#" for a term that starts with none.
func initial(term string) string {
	r, _ := utf8.DecodeRuneInString(term)
	if !unicode.IsLetter(r) {
		return "#"
	}
	return string(unicode.ToUpper(r))
}

// termLinkerFor is the linker of a community's terms for the texts of
// one page (sanitised HTML): each term, by its name and aliases, to its
// entry on the glossary page (their names only: counting their uses is
// the glossary page's). A term none of whose names may occur in the texts
// is left out before the linker compiles and runs a pattern for each.
func (h *Handler) termLinkerFor(ctx context.Context, g storage.Account, texts ...string) (*termLinker, error) {
	terms, err := h.store.CommunityTermNames(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	words := wordsOf(texts)
	list := make([]linkTerm, 0, len(terms))
	for _, t := range terms {
		names := append([]string{t.Term}, t.Aliases...)
		if !slices.ContainsFunc(names, func(n string) bool { return mayOccur(words, n) }) {
			continue
		}
		list = append(list, linkTerm{Names: names, Title: t.Term, Href: glossaryPath(g.Acct()) + "#" + federation.TermAnchor(t.Term)})
	}
	return newTermLinker(list), nil
}

// wordsOf is the set of the words (runs of wordRune, as the linker reads
// them) of texts, in lower case; the long s counts as s, as case folding
// has it.
func wordsOf(texts []string) map[string]bool {
	words := map[string]bool{}
	notWord := func(r rune) bool { return !wordRune(r) }
	for _, s := range texts {
		s = strings.ReplaceAll(strings.ToLower(html.UnescapeString(s)), "ſ", "s")
		for _, w := range strings.FieldsFunc(s, notWord) {
			words[w] = true
		}
	}
	return words
}

// mayOccur reports whether name may match as a whole word in a text whose
// words are words: a match is bounded by non-word runes, so each word of
// the name is a word of the text. For a name with letters beyond ASCII,
// case folding is more than lower case, so it may.
func mayOccur(words map[string]bool, name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			return true
		}
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return !wordRune(r) }) {
		if !words[w] {
			return false
		}
	}
	return strings.TrimSpace(name) != ""
}

// linkThreadTerms links the first use of each of the community's terms in
// a thread page's posts, in the order they are shown.
func (h *Handler) linkThreadTerms(ctx context.Context, g storage.Account, cv *communityView) error {
	if cv.Thread == nil {
		return nil
	}
	texts := []string{string(cv.Thread.Content)}
	for _, p := range cv.Replies {
		texts = append(texts, string(p.Content))
	}
	l, err := h.termLinkerFor(ctx, g, texts...)
	if err != nil {
		return err
	}
	cv.Thread.Content = template.HTML(l.Link(string(cv.Thread.Content)))
	for i := range cv.Replies {
		cv.Replies[i].Content = template.HTML(l.Link(string(cv.Replies[i].Content)))
	}
	return nil
}

// linkArtefactTerms links the first use of each of the community's terms
// in an artefact's body.
func (h *Handler) linkArtefactTerms(ctx context.Context, g storage.Account, av *artefactView) error {
	l, err := h.termLinkerFor(ctx, g, string(av.Body))
	if err != nil {
		return err
	}
	av.Body = template.HTML(l.Link(string(av.Body)))
	return nil
}
