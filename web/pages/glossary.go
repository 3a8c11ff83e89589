package pages

import (
	"context"
	"html/template"
	"net/http"
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
	g, c, err := h.hostedCommunity(r)
	if err != nil {
		return err
	}
	cv, err := h.communityViewOf(r, g, c)
	if err != nil {
		return err
	}
	v := glossaryPage{pageView: h.view("Glossary of " + cv.Name), Community: cv}
	ok, err := h.engine.GlossaryReadable(r.Context(), storage.Account{}, g.ID)
	if err != nil {
		return err
	}
	if !ok {
		v.Hidden = true
		return h.render(w, r, http.StatusOK, "glossary", v)
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
		tv := termView{Term: t.Term, Anchor: federation.TermAnchor(t.Term), Definition: template.HTML(demoteHeadings(t.DefinitionHTML)),
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
	return h.render(w, r, http.StatusOK, "glossary", v)
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

// termLinkerFor is the linker of a community's terms for one page: each
// term, by its name and aliases, to its entry on the glossary page.
func (h *Handler) termLinkerFor(ctx context.Context, g storage.Account) (*termLinker, error) {
	terms, err := h.store.CommunityTerms(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	list := make([]linkTerm, 0, len(terms))
	for _, u := range terms {
		list = append(list, linkTerm{Names: append([]string{u.Term.Term}, u.Aliases...), Title: u.Term.Term,
			Href: glossaryPath(g.Username) + "#" + federation.TermAnchor(u.Term.Term)})
	}
	return newTermLinker(list), nil
}

// linkThreadTerms links the first use of each of the community's terms in
// a thread page's posts, in the order they are shown.
func (h *Handler) linkThreadTerms(ctx context.Context, g storage.Account, cv *communityView) error {
	l, err := h.termLinkerFor(ctx, g)
	if err != nil || cv.Thread == nil {
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
	l, err := h.termLinkerFor(ctx, g)
	if err != nil {
		return err
	}
	av.Body = template.HTML(l.Link(string(av.Body)))
	return nil
}
