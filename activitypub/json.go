package activitypub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
)

// This file is the plumbing shared by the parsers and the emitters:
// decoding JSON into go-fed types, and encoding go-fed types (plus the
// extension properties go-fed v1.0.0 does not know) with one fixed @context.
//
// The package's wire functions live beside their concepts:
//
//	ParseActor, MarshalActor                      actor.go
//	ParseNote, MarshalNote                        note.go
//	ParseActivity, MarshalActivity,
//	MarshalTombstone                              activity.go
//	MarshalCollection, MarshalCollectionPage      collection.go
//	Addressing, VisibilityOf                      address.go

// ErrInvalid is wrapped by every parse error: the input was not JSON, was
// not an object, lacked a required property, or was not of the expected
// type. Callers (the inbox) answer 400 for it with errors.Is.
var ErrInvalid = errors.New("activitypub: invalid document")

// asContext is the ActivityStreams namespace.
const asContext = "https://www.w3.org/ns/activitystreams"

// outContext is the @context of every document copse emits. It is the
// same for every document, whatever terms the document uses, so output is
// deterministic and golden files stay stable. The terms follow Mastodon's.
var outContext = []any{
	asContext,
	"https://w3id.org/security/v1",
	map[string]any{
		"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
		"toot":                      "http://joinmastodon.org/ns#",
		"featured":                  map[string]any{"@id": "toot:featured", "@type": "@id"},
		"discoverable":              "toot:discoverable",
		"sensitive":                 "as:sensitive",
		"Hashtag":                   "as:Hashtag",
		"Emoji":                     "toot:Emoji",
		"schema":                    "http://schema.org#",
		"PropertyValue":             "schema:PropertyValue",
		"value":                     "schema:value",
		"blurhash":                  "toot:blurhash",
		"focalPoint":                map[string]any{"@container": "@list", "@id": "toot:focalPoint"},
		"alsoKnownAs":               map[string]any{"@id": "as:alsoKnownAs", "@type": "@id"},
		"movedTo":                   map[string]any{"@id": "as:movedTo", "@type": "@id"},
		"votersCount":               "toot:votersCount",
		// FEP-521a: an actor's Ed25519 key (Multikey).
		"assertionMethod":    map[string]any{"@id": "https://w3id.org/security#assertionMethod", "@type": "@id", "@container": "@set"},
		"Multikey":           "https://w3id.org/security#Multikey",
		"controller":         map[string]any{"@id": "https://w3id.org/security#controller", "@type": "@id"},
		"publicKeyMultibase": "https://w3id.org/security#publicKeyMultibase",
	},
}

// maxDepth bounds how deeply embedded activities are converted
// (Announce{Create{Note}} needs 2); deeper objects are kept as IRIs only.
const maxDepth = 4

// invalidf returns an error wrapping ErrInvalid.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// maxValues bounds the JSON values (object members and array elements)
// of one document a peer sends or serves. Decoding a value, and
// resolving it with go-fed, costs far more memory than its bytes: a
// megabyte of tiny array elements took 590 MB, and a signed delivery of
// it could come from any account on any server. A post, an actor or an
// activity embedding another holds tens to hundreds of values; a
// thousand mentions would be some five thousand.
const maxValues = 10_000

// tooManyValues reports whether b, JSON, holds more than maxValues
// values.
func tooManyValues(b []byte) bool { return JSONValuesOver(b, maxValues) }

// JSONValuesOver reports whether b, JSON, holds more than max values
// (array elements and object members, about), counting the commas and
// opening brackets outside strings: a scan of the bytes, with nothing
// allocated, to run before decoding a body of unknown shape.
func JSONValuesOver(b []byte, max int) bool {
	n, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case escaped:
			escaped = false
		case inString:
			switch c {
			case '\\':
				escaped = true
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ',' || c == '[' || c == '{':
			n++
			if n > max {
				return true
			}
		}
	}
	return false
}

// UnmarshalBounded decodes b into v, as json.Unmarshal does, when b holds
// at most maxValues values; every parser of a peer's document starts
// here (a megabyte of tiny values cost a history page 218 MB to decode),
// and so does any other reader of one.
func UnmarshalBounded(b []byte, v any) error {
	if tooManyValues(b) {
		return invalidf("more than %d JSON values", maxValues)
	}
	return json.Unmarshal(b, v)
}

// decodeObject unmarshals b, which must be one JSON object of at most
// maxValues values.
func decodeObject(b []byte) (map[string]any, error) {
	if tooManyValues(b) {
		return nil, invalidf("more than %d JSON values", maxValues)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: decode json: %w", ErrInvalid, err)
	}
	if m == nil {
		return nil, invalidf("not a JSON object")
	}
	return m, nil
}

// resolve turns a decoded object into a go-fed type. The document's own
// @context is replaced by the plain ActivityStreams one first: every peer
// emits compacted JSON with unprefixed terms, and go-fed v1.0.0 derives
// property prefixes from the context in ways real contexts confuse.
// It fails for types go-fed does not know.
func resolve(m map[string]any) (vocab.Type, error) {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	c["@context"] = asContext
	t, err := streams.ToType(context.Background(), c)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, streams.ErrUnhandledType
	}
	return t, nil
}

// serialize returns t's JSON object, without @context (it is set once, at
// the top, by encode).
func serialize(t vocab.Type) (map[string]any, error) {
	m, err := t.Serialize()
	if err != nil {
		return nil, fmt.Errorf("serialize %s: %w", t.GetTypeName(), err)
	}
	return m, nil
}

// encode sets the fixed @context on m and marshals it. HTML is not
// escaped: content is HTML, and \u003c in every post helps nobody.
//
// The context is the same in every document and encoding/json writes a
// map's keys in order, "@context" first, so it is encoded once
// (outContextJSON) and written ahead of the rest: encoding it again was
// most of the cost of a small activity such as a boost.
func encode(m map[string]any) ([]byte, error) {
	delete(m, "@context")
	first := true
	for k := range m {
		if k < "@context" {
			first = false
			break
		}
	}
	if !first { // a key that sorts before it: encode it in place
		m["@context"] = outContext
		return marshalNoEscape(m)
	}
	rest, err := marshalNoEscape(m)
	m["@context"] = outContext
	if err != nil {
		return nil, err
	}
	ctx, err := outContextJSON()
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(ctx)+len(rest)+14)
	out = append(append(out, `{"@context":`...), ctx...)
	if len(rest) > 2 { // not {}
		out = append(append(out, ','), rest[1:]...)
	} else {
		out = append(out, '}')
	}
	return out, nil
}

// outContextJSON is outContext encoded, once.
var outContextJSON = sync.OnceValues(func() ([]byte, error) { return marshalNoEscape(outContext) })

// stamp is the form of every date copse emits: UTC, whole seconds, so it
// serializes as "2026-01-02T03:04:05Z".
func stamp(t time.Time) time.Time {
	return t.UTC().Truncate(time.Second)
}

// forceArray replaces a single value under key with a one-element array.
// go-fed emits a lone value bare; Mastodon always emits arrays for these
// properties and some peers only look for arrays.
func forceArray(m map[string]any, keys ...string) {
	for _, k := range keys {
		v, ok := m[k]
		if !ok {
			continue
		}
		if _, isList := v.([]any); !isList {
			m[k] = []any{v}
		}
	}
}
