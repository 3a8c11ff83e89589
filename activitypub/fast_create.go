package activitypub

import (
	"net/url"
	"time"
)

// This file reads the activity an inbox receives most, a Create of a
// plain Note whose properties are strings (what Mastodon, GoToSocial and
// copse send for a post or a reply; Lemmy's Page and an Article alike),
// straight from the decoded JSON, without go-fed: resolving it with go-fed's streams was about a seventh
// of a node's CPU under inbox load. It gives exactly what the go-fed path
// gives (activityFrom, noteFrom and the same cleaning): each reader below
// follows what go-fed v1.0.0 does with such a value (which string it keeps
// as an IRI, as a date, as text), and TestFastCreateNoteAsGoFed and
// FuzzFastCreateNote hold the two paths equal. Any value of another shape
// (an embedded object where an IRI is usual, an array of languages, an
// attachment, a poll, another post type) makes fastCreateNote decline, and
// the go-fed path reads the document.

// fastCreateNote reads m, a decoded activity with a type and an id, if it
// is a Create{Note} of the usual shape; ok is false otherwise.
func fastCreateNote(m map[string]any) (a Activity, ok bool) {
	if t, _ := m["type"].(string); t != TypeCreate {
		return Activity{}, false
	}
	// activityFrom reads these properties of a Create besides object;
	// target and content are only ever sent on other types.
	if _, has := m["target"]; has {
		return Activity{}, false
	}
	if _, has := m["content"]; has {
		return Activity{}, false
	}
	if _, has := m["contentMap"]; has {
		return Activity{}, false
	}
	raw, isMap := m["object"].(map[string]any)
	if !isMap {
		return Activity{}, false
	}
	n, ok := fastNote(raw)
	if !ok {
		return Activity{}, false
	}
	a = Activity{Type: TypeCreate}
	var actors []string
	if a.ID, ok = fastID(m["id"]); !ok {
		return Activity{}, false
	}
	if a.ID == "" {
		a.ID = rawString(m["id"]) // as ParseActivity: an id go-fed does not read as an IRI
	}
	if actors, ok = fastRefs(m, "actor"); !ok {
		return Activity{}, false
	}
	if len(actors) > 0 {
		a.Actor = actors[0]
	}
	if a.To, ok = fastRefs(m, "to"); !ok {
		return Activity{}, false
	}
	if a.CC, ok = fastRefs(m, "cc"); !ok {
		return Activity{}, false
	}
	a.Published = fastTime(m["published"])
	a.Object = Object{IRI: n.ID, Type: n.Type, Note: &n}
	if id, _ := fastID(raw["id"]); id == "" {
		a.Object.IRI = rawString(raw["id"]) // as typedObject
	}
	cleanNote(&n)
	return a, true
}

// fastNote reads a Note as noteFrom does, before cleanNote; ok is false
// for any value it does not read exactly as go-fed does.
func fastNote(m map[string]any) (n Note, ok bool) {
	// Lemmy, PieFed and Mbin post a community's threads as a Page, and
	// some servers write an Article: go-fed reads their properties as a
	// Note's. A Question is left to it (its options and votes).
	t, _ := m["type"].(string)
	if t != TypeNote && t != TypePage && t != TypeArticle {
		return Note{}, false
	}
	// go-fed reads "contentMap" (and the like) as the property when the
	// plain one is absent, as language maps: left to it.
	for _, k := range [...]string{"content", "summary", "name"} {
		_, plain := m[k]
		_, langs := m[k+"Map"]
		if langs && !plain {
			return Note{}, false
		}
	}
	if att, has := m["attachment"]; has {
		if l, isList := att.([]any); !isList || len(l) > 0 {
			return Note{}, false
		}
	}
	n.Type = t
	if n.ID, ok = fastID(m["id"]); !ok {
		return Note{}, false
	}
	var refs []string
	if refs, ok = fastRefs(m, "attributedTo"); !ok {
		return Note{}, false
	}
	if len(refs) > 0 {
		n.AttributedTo = refs[0]
	}
	if refs, ok = fastRefs(m, "inReplyTo"); !ok {
		return Note{}, false
	}
	if len(refs) > 0 {
		n.InReplyTo = refs[0]
	}
	if n.To, ok = fastRefs(m, "to"); !ok {
		return Note{}, false
	}
	if n.CC, ok = fastRefs(m, "cc"); !ok {
		return Note{}, false
	}
	if n.URL, ok = fastURL(m["url"]); !ok {
		return Note{}, false
	}
	if n.Replies, ok = fastReplies(m["replies"]); !ok {
		return Note{}, false
	}
	if n.Tags, ok = fastTags(m["tag"]); !ok {
		return Note{}, false
	}
	for _, k := range [...]struct {
		key string
		to  *string
	}{{"name", &n.Name}, {"summary", &n.Summary}, {"content", &n.Content}} {
		if *k.to, ok = fastText(m, k.key); !ok {
			return Note{}, false
		}
	}
	n.Published = fastTime(m["published"])
	n.Updated = fastTime(m["updated"])
	n.Emojis = emojisOf(m["tag"])
	n.Sensitive = rawBool(m["sensitive"]) // not a go-fed property: kept as is
	n.Language = languageOf(m, n.Content)
	if a := rawRefs(m["audience"]); len(a) > 0 {
		n.Audience = a[0]
	}
	if c := rawRefs(m["context"]); len(c) > 0 {
		n.Context = c[0]
	}
	return n, true
}

// fastIRI is what go-fed makes of a string where an IRI may stand: an IRI
// when it parses as a URL with a scheme (then its String form, which
// may differ from s), else not one.
func fastIRI(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return "", false
	}
	return u.String(), true
}

// fastID reads an "id" as idOf does (xsd:anyURI: "" unless it has a
// scheme); ok is false for a value that is not a string.
func fastID(v any) (string, bool) {
	if v == nil {
		return "", true
	}
	s, isString := v.(string)
	if !isString {
		return "", false
	}
	iri, _ := fastIRI(s)
	return iri, true
}

// fastRefs reads a property of IRIs as refs does: a string or a list of
// strings, each the IRI go-fed parses, or, without a scheme (the
// "Public" shorthand), the string itself. ok is false for any other
// value (an embedded object, a number).
func fastRefs(m map[string]any, key string) ([]string, bool) {
	v, has := m[key]
	if !has {
		return nil, true
	}
	var out []string
	for _, item := range rawList(v) {
		if item == nil {
			continue // go-fed keeps it as an unknown value, which names nothing
		}
		s, isString := item.(string)
		if !isString {
			return nil, false
		}
		if iri, isIRI := fastIRI(s); isIRI {
			s = iri
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out, true
}

// fastURL reads "url" as urlOf does when it holds strings: the first that
// is a URL with a scheme.
func fastURL(v any) (string, bool) {
	for _, item := range rawList(v) {
		s, isString := item.(string)
		if !isString {
			return "", false
		}
		if iri, isIRI := fastIRI(s); isIRI && iri != "" {
			return iri, true
		}
	}
	return "", true
}

// fastReplies reads "replies" as ref does: an IRI, or the id of an
// embedded collection (Mastodon embeds its first page).
func fastReplies(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		iri, _ := fastIRI(x)
		return iri, true
	case map[string]any:
		switch t, _ := x["type"].(string); t {
		case "Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage":
			return fastID(x["id"])
		}
	}
	return "", false
}

// fastText reads a natural-language property as text does when it is a
// string: go-fed keeps it as a string, or as an IRI whose text is the
// string itself; CleanText either way.
func fastText(m map[string]any, key string) (string, bool) {
	v, has := m[key]
	if !has || v == nil {
		return "", true // null: an unknown value to go-fed, no text
	}
	s, isString := v.(string)
	if !isString {
		return "", false
	}
	return CleanText(s), true
}

// fastTime reads a date as go-fed and timeOf do: a string that is a URL
// with a scheme is an IRI, not a date; else RFC 3339, or the same without
// seconds; else zero.
func fastTime(v any) time.Time {
	s, isString := v.(string)
	if !isString {
		return time.Time{}
	}
	if _, isIRI := fastIRI(s); isIRI {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t, err = time.Parse("2006-01-02T15:04Z07:00", s); err != nil {
			return time.Time{}
		}
	}
	return t.UTC()
}

// fastTags reads "tag" as tagsOf does when each value is a Mention or a
// Hashtag whose href and name are strings, or a value tagsOf skips (an
// Emoji, an IRI). Anything else (another type, a type list, a name in
// several languages) is left to go-fed.
func fastTags(v any) ([]Tag, bool) {
	var tags []Tag
	for _, item := range rawList(v) {
		switch x := item.(type) {
		case string:
			continue // an IRI, or an unknown value: not a tag tagsOf reads
		case map[string]any:
			t, isString := x["type"].(string)
			if !isString {
				return nil, false
			}
			switch t {
			case "Emoji":
				continue // read by emojisOf
			case TagMention, TagHashtag:
			default:
				return nil, false
			}
			if _, langs := x["nameMap"]; langs {
				return nil, false
			}
			href, hrefIsString := x["href"].(string)
			name, nameIsString := x["name"].(string)
			if _, has := x["href"]; has && !hrefIsString {
				return nil, false
			}
			if _, has := x["name"]; has && !nameIsString {
				return nil, false
			}
			if t == TagMention {
				href, _ = fastIRI(href) // xsd:anyURI: nothing without a scheme
				name = CleanText(name)
			}
			tags = append(tags, Tag{Type: t, Href: href, Name: name})
		default:
			return nil, false
		}
	}
	return tags, true
}
