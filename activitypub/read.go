package activitypub

import (
	"net/url"
	"sort"
	"time"

	"github.com/go-fed/activity/streams/vocab"
)

// Readers of go-fed properties. go-fed generates one interface per
// property, but they share method sets; the small interfaces below let
// one function read a property whatever type carries it.

// refIter is any property value that is an IRI or an embedded object:
// the iterators of non-functional properties (to, actor, object...) and
// functional properties (inbox, featured...) alike.
type refIter interface {
	IsIRI() bool
	GetIRI() *url.URL
	GetType() vocab.Type
}

// textIter is any natural-language string property value.
type textIter interface {
	IsXMLSchemaString() bool
	GetXMLSchemaString() string
	IsRDFLangString() bool
	GetRDFLangString() map[string]string
	IsIRI() bool
}

// timeProp is any xsd:dateTime property.
type timeProp interface {
	IsXMLSchemaDateTime() bool
	Get() time.Time
}

// list is a non-functional property: an ordered list of values.
type list[I any] interface {
	Len() int
	At(index int) I
}

// withUnknown is every go-fed type: properties it does not know (Mastodon's
// extensions) are kept in this map.
type withUnknown interface {
	GetUnknownProperties() map[string]interface{}
}

// withHref is a Link or Mention.
type withHref interface {
	GetActivityStreamsHref() vocab.ActivityStreamsHrefProperty
}

// idOf returns t's id, or, for a Link, its href.
func idOf(t vocab.Type) string {
	if t == nil {
		return ""
	}
	if p := t.GetJSONLDId(); p != nil {
		if u := p.Get(); u != nil {
			return u.String()
		}
	}
	if l, ok := t.(withHref); ok {
		return hrefOf(l.GetActivityStreamsHref())
	}
	return ""
}

func hrefOf(p vocab.ActivityStreamsHrefProperty) string {
	if p == nil {
		return ""
	}
	if p.IsXMLSchemaAnyURI() && p.Get() != nil {
		return p.Get().String()
	}
	if p.IsIRI() {
		return p.GetIRI().String()
	}
	return ""
}

// ref returns the IRI a property value holds, or the id of the object it
// embeds.
func ref(it refIter) string {
	if it == nil {
		return ""
	}
	if it.IsIRI() {
		if u := it.GetIRI(); u != nil {
			return u.String()
		}
		return ""
	}
	return idOf(it.GetType())
}

// refs returns the IRIs of all values of p, in order. raw is the
// property's decoded value: go-fed keeps a string without a scheme (the
// "Public" shorthand for the Public collection) as an opaque value.
func refs[I refIter](p list[I], raw any) []string {
	if p == nil {
		return nil
	}
	items := rawList(raw)
	var out []string
	for i := 0; i < p.Len(); i++ {
		s := ref(p.At(i))
		if s == "" && i < len(items) {
			s = rawRef(items[i])
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// firstRef returns the first IRI of p.
func firstRef[I refIter](p list[I], raw any) string {
	if r := refs(p, raw); len(r) > 0 {
		return r[0]
	}
	return ""
}

// text returns the first string of a natural-language property, and the
// language of the contentMap-style value it came from, if any, cleaned of
// control characters (CleanText). raw is the property's value as decoded:
// go-fed reads any string that looks like "word:rest" as an IRI,
// lower-casing the "scheme" ("CW: spoilers" would come back as
// "cw: spoilers"), so for IRIs the decoded string is the truth.
func text[I textIter](p list[I], raw any) (s, lang string) {
	s, lang = rawText(p, raw)
	return CleanText(s), lang
}

func rawText[I textIter](p list[I], raw any) (s, lang string) {
	if p == nil {
		return "", ""
	}
	items := rawList(raw)
	for i := 0; i < p.Len(); i++ {
		it := p.At(i)
		switch {
		case it.IsXMLSchemaString():
			return it.GetXMLSchemaString(), ""
		case it.IsRDFLangString():
			return pickLang(it.GetRDFLangString())
		case it.IsIRI() && i < len(items):
			if s, ok := items[i].(string); ok {
				return s, ""
			}
		}
	}
	return "", ""
}

// textOne is text for a functional property.
func textOne(p textIter, raw any) string { return CleanText(rawTextOne(p, raw)) }

func rawTextOne(p textIter, raw any) string {
	if p == nil {
		return ""
	}
	switch {
	case p.IsXMLSchemaString():
		return p.GetXMLSchemaString()
	case p.IsRDFLangString():
		s, _ := pickLang(p.GetRDFLangString())
		return s
	case p.IsIRI():
		return rawString(raw)
	}
	return ""
}

// pickLang picks one value of a language map: the first language in
// sorted order, so the choice does not depend on map iteration.
func pickLang(m map[string]string) (s, lang string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return "", ""
	}
	return m[keys[0]], keys[0]
}

// timeOf returns the date p holds, in UTC; zero when absent or not a date.
func timeOf(p timeProp) time.Time {
	if p == nil || !p.IsXMLSchemaDateTime() {
		return time.Time{}
	}
	return p.Get().UTC()
}

// urlOf returns the first URL of a url property: a plain IRI, or the href
// of a Link. Among Links it prefers the text/html one (PeerTube lists one
// Link per format).
func urlOf(p vocab.ActivityStreamsUrlProperty) string {
	if p == nil {
		return ""
	}
	first := ""
	for i := 0; i < p.Len(); i++ {
		it := p.At(i)
		s := ""
		switch {
		case it.IsIRI():
			s = it.GetIRI().String()
		case it.IsXMLSchemaAnyURI() && it.GetXMLSchemaAnyURI() != nil:
			s = it.GetXMLSchemaAnyURI().String()
		case it.IsActivityStreamsLink():
			l := it.GetActivityStreamsLink()
			s = hrefOf(l.GetActivityStreamsHref())
			if mt := l.GetActivityStreamsMediaType(); mt != nil && mt.Get() == "text/html" && s != "" {
				return s
			}
		case it.GetType() != nil:
			s = idOf(it.GetType())
		}
		if first == "" {
			first = s
		}
	}
	return first
}

// Readers of the decoded JSON, for what go-fed cannot represent:
// extension types (Hashtag, PropertyValue), unknown activity types, and
// the exact text of strings go-fed mistakes for IRIs.

// rawList returns v as a list: nil for nil, v itself for an array, and a
// one-element list otherwise.
func rawList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	default:
		return []any{x}
	}
}

// rawAt returns element i of rawList(v) if it is an object.
func rawAt(v any, i int) map[string]any {
	items := rawList(v)
	if i < 0 || i >= len(items) {
		return nil
	}
	m, _ := items[i].(map[string]any)
	return m
}

func rawString(v any) string {
	s, _ := v.(string)
	return s
}

func rawBool(v any) bool {
	b, _ := v.(bool)
	return b
}

// rawRef returns the IRI v names: v itself if a string, else the id (or,
// for a Link, the href) of the object v is.
func rawRef(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if id := rawString(x["id"]); id != "" {
			return id
		}
		return rawString(x["href"])
	}
	return ""
}

// rawRefs returns the IRIs a string, object or array of them names.
func rawRefs(v any) []string {
	var out []string
	for _, item := range rawList(v) {
		if s := rawRef(item); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// rawType returns the type of a decoded object: its "type", or the first
// string of it when it is an array.
func rawType(m map[string]any) string {
	for _, t := range rawList(m["type"]) {
		if s, ok := t.(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// rawTime parses a date as peers write it (RFC 3339, with or without
// fractional seconds); zero if it is not one.
func rawTime(v any) time.Time {
	t, err := time.Parse(time.RFC3339, rawString(v))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
