package activitypub

import (
	"fmt"
	"net/url"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
)

// activityReader is what every go-fed activity type offers. Object,
// target and content are separate: intransitive activities lack them.
type activityReader interface {
	vocab.Type
	GetActivityStreamsActor() vocab.ActivityStreamsActorProperty
	GetActivityStreamsTo() vocab.ActivityStreamsToProperty
	GetActivityStreamsCc() vocab.ActivityStreamsCcProperty
	GetActivityStreamsPublished() vocab.ActivityStreamsPublishedProperty
}

type withObject interface {
	GetActivityStreamsObject() vocab.ActivityStreamsObjectProperty
}

type withTarget interface {
	GetActivityStreamsTarget() vocab.ActivityStreamsTargetProperty
}

type withResult interface {
	GetActivityStreamsResult() vocab.ActivityStreamsResultProperty
}

type withContent interface {
	GetActivityStreamsContent() vocab.ActivityStreamsContentProperty
}

// activityWriter is what every go-fed transitive activity type offers.
type activityWriter interface {
	vocab.Type
	SetActivityStreamsActor(vocab.ActivityStreamsActorProperty)
	SetActivityStreamsObject(vocab.ActivityStreamsObjectProperty)
	SetActivityStreamsTarget(vocab.ActivityStreamsTargetProperty)
	SetActivityStreamsTo(vocab.ActivityStreamsToProperty)
	SetActivityStreamsCc(vocab.ActivityStreamsCcProperty)
	SetActivityStreamsPublished(vocab.ActivityStreamsPublishedProperty)
	SetActivityStreamsContent(vocab.ActivityStreamsContentProperty)
	SetActivityStreamsResult(vocab.ActivityStreamsResultProperty)
}

// newActivity makes the go-fed type of the activities copse emits.
var newActivity = map[string]func() activityWriter{
	TypeCreate:   func() activityWriter { return streams.NewActivityStreamsCreate() },
	TypeUpdate:   func() activityWriter { return streams.NewActivityStreamsUpdate() },
	TypeDelete:   func() activityWriter { return streams.NewActivityStreamsDelete() },
	TypeFollow:   func() activityWriter { return streams.NewActivityStreamsFollow() },
	TypeAccept:   func() activityWriter { return streams.NewActivityStreamsAccept() },
	TypeReject:   func() activityWriter { return streams.NewActivityStreamsReject() },
	TypeUndo:     func() activityWriter { return streams.NewActivityStreamsUndo() },
	TypeLike:     func() activityWriter { return streams.NewActivityStreamsLike() },
	TypeAnnounce: func() activityWriter { return streams.NewActivityStreamsAnnounce() },
	TypeBlock:    func() activityWriter { return streams.NewActivityStreamsBlock() },
	TypeFlag:     func() activityWriter { return streams.NewActivityStreamsFlag() },
	TypeMove:     func() activityWriter { return streams.NewActivityStreamsMove() },
	"Add":        func() activityWriter { return streams.NewActivityStreamsAdd() },
	"Remove":     func() activityWriter { return streams.NewActivityStreamsRemove() },
}

// ParseActivity parses an activity as an inbox receives it. The object
// may be an IRI or an embedded Note, actor, activity (recursively, e.g.
// Undo{Follow}, Announce{Create{Note}}) or Tombstone; see Object.
//
// An activity of a type copse does not know (EmojiReact, ChatMessage...)
// parses without error into its type, id, actor, addressing and object
// IRI, so the inbox can accept and ignore it. Malformed JSON, and an
// activity with no type or no id, fail with an error wrapping ErrInvalid.
func ParseActivity(b []byte) (Activity, error) {
	return parseActivity(b, true)
}

// parseActivity is ParseActivity; with fast, a Create{Note} of the usual
// shape is read without go-fed (fastCreateNote), to the same result.
func parseActivity(b []byte, fast bool) (Activity, error) {
	m, err := decodeObject(b)
	if err != nil {
		return Activity{}, fmt.Errorf("parse activity: %w", err)
	}
	if rawType(m) == "" {
		return Activity{}, fmt.Errorf("parse activity: %w", invalidf("no type"))
	}
	if rawString(m["id"]) == "" {
		return Activity{}, fmt.Errorf("parse activity: %w", invalidf("no id"))
	}
	a := parseDecoded(m, fast)
	a.Audience = append(rawRefs(m["audience"]), rawRefs(rawAt(m["object"], 0)["audience"])...)
	return a, nil
}

// parseDecoded is parseActivity once the JSON is decoded into m.
func parseDecoded(m map[string]any, fast bool) Activity {
	if fast {
		if a, ok := fastCreateNote(m); ok {
			return a
		}
	}
	t, err := resolve(m)
	if err != nil {
		// A type go-fed does not know: read what the JSON says.
		return rawActivity(m, 0)
	}
	a := activityFrom(t, m, 0)
	if a.ID == "" {
		a.ID = rawString(m["id"]) // an id go-fed could not read as an IRI
	}
	return a
}

// activityFrom reads an activity from t, and from raw (its decoded JSON)
// what go-fed cannot represent. depth counts enclosing activities.
func activityFrom(t vocab.Type, raw map[string]any, depth int) Activity {
	r, ok := t.(activityReader)
	if !ok {
		// Not an activity (a bare Note, say): keep what the JSON says.
		return rawActivity(raw, depth)
	}
	a := Activity{
		ID:        idOf(t),
		Type:      t.GetTypeName(),
		Actor:     firstRef[vocab.ActivityStreamsActorPropertyIterator](r.GetActivityStreamsActor(), raw["actor"]),
		To:        refs[vocab.ActivityStreamsToPropertyIterator](r.GetActivityStreamsTo(), raw["to"]),
		CC:        refs[vocab.ActivityStreamsCcPropertyIterator](r.GetActivityStreamsCc(), raw["cc"]),
		Published: timeOf(r.GetActivityStreamsPublished()),
	}
	if w, ok := t.(withTarget); ok {
		a.Target = firstRef[vocab.ActivityStreamsTargetPropertyIterator](w.GetActivityStreamsTarget(), raw["target"])
	}
	if w, ok := t.(withResult); ok {
		a.Result = firstRef[vocab.ActivityStreamsResultPropertyIterator](w.GetActivityStreamsResult(), raw["result"])
	}
	if w, ok := t.(withContent); ok {
		a.Content, _ = text[vocab.ActivityStreamsContentPropertyIterator](w.GetActivityStreamsContent(), raw["content"])
	}
	if w, ok := t.(withObject); ok {
		a.Object = objectOf(w.GetActivityStreamsObject(), raw["object"], depth)
	}
	return a
}

// objectOf reads an object property: the first value is the Object, the
// IRIs of the others (a Flag names several) go to More. raw is the
// decoded "object".
func objectOf(p vocab.ActivityStreamsObjectProperty, raw any, depth int) Object {
	if p == nil {
		return Object{}
	}
	var o Object
	items := rawList(raw)
	for i := 0; i < p.Len(); i++ {
		var item any
		if i < len(items) {
			item = items[i]
		}
		it := p.At(i)
		if i == 0 {
			o = embedded(it, item, depth)
			continue
		}
		s := ref(it)
		if s == "" {
			s = rawRef(item)
		}
		if s != "" {
			o.More = append(o.More, s)
		}
	}
	return o
}

// embedded reads one value of an object property; raw is its decoded JSON.
func embedded(it vocab.ActivityStreamsObjectPropertyIterator, raw any, depth int) Object {
	if it.IsIRI() {
		return Object{IRI: it.GetIRI().String()}
	}
	t := it.GetType()
	if t == nil {
		// Unknown to go-fed: an IRI without a scheme, or an object of an
		// unknown type.
		return rawObject(raw, depth)
	}
	m, _ := raw.(map[string]any)
	return typedObject(t, m, depth)
}

// typedObject reads an embedded object go-fed could resolve.
func typedObject(t vocab.Type, raw map[string]any, depth int) Object {
	name := t.GetTypeName()
	o := Object{IRI: idOf(t), Type: name}
	if o.IRI == "" {
		o.IRI = rawString(raw["id"])
	}
	switch {
	case isNoteType(name):
		if n, ok := noteFrom(t, raw); ok {
			o.Note = &n
		}
	case isActorType(name):
		if a, ok := actorFrom(t, raw); ok {
			o.Actor = &a
		}
	case name == TypeTombstone:
		o.Tombstone = true
	default:
		if _, ok := t.(activityReader); ok && depth < maxDepth {
			a := activityFrom(t, raw, depth+1)
			o.Activity = &a
		}
	}
	return o
}

// rawActivity reads an activity go-fed could not resolve from its JSON.
func rawActivity(m map[string]any, depth int) Activity {
	a := Activity{
		ID:        rawString(m["id"]),
		Type:      rawType(m),
		To:        rawRefs(m["to"]),
		CC:        rawRefs(m["cc"]),
		Published: rawTime(m["published"]),
		Content:   rawString(m["content"]),
	}
	if actors := rawRefs(m["actor"]); len(actors) > 0 {
		a.Actor = actors[0]
	}
	if targets := rawRefs(m["target"]); len(targets) > 0 {
		a.Target = targets[0]
	}
	if results := rawRefs(m["result"]); len(results) > 0 {
		a.Result = results[0]
	}
	for i, item := range rawList(m["object"]) {
		if i == 0 {
			a.Object = rawObject(item, depth)
		} else if s := rawRef(item); s != "" {
			a.Object.More = append(a.Object.More, s)
		}
	}
	return a
}

// rawObject reads an object from its decoded JSON: an IRI, or an object
// that go-fed may still resolve (a Note inside an unknown activity), or
// failing that its id and type, and, if it looks like an activity, that.
func rawObject(v any, depth int) Object {
	switch x := v.(type) {
	case string:
		return Object{IRI: x}
	case map[string]any:
		if depth >= maxDepth {
			return Object{IRI: rawRef(x), Type: rawType(x)}
		}
		if t, err := resolve(x); err == nil {
			return typedObject(t, x, depth)
		}
		o := Object{IRI: rawRef(x), Type: rawType(x)}
		if _, ok := x["actor"]; ok {
			a := rawActivity(x, depth+1)
			o.Activity = &a
		}
		return o
	}
	return Object{}
}

// MarshalActivity emits a. Its object is embedded when a.Object holds a
// Note, Actor, Activity or Tombstone, else it is a.Object.IRI; a.Object.More
// follow it (a Flag's further objects).
func MarshalActivity(a Activity) ([]byte, error) {
	if m, ok := plainActivityMap(a); ok {
		return encode(m)
	}
	m, err := activityMap(a, 0)
	if err != nil {
		return nil, fmt.Errorf("marshal activity %s: %w", a.ID, err)
	}
	return encode(m)
}

// plainActivityMap is activityMap for the commonest activity, one whose
// object is an IRI and that carries nothing else but its addressing and
// published (a boost, a like, a follow): the same JSON object, built
// without go-fed's vocabulary types, which cost a boost as much as
// storing it. It reports false for anything else, and for an IRI that
// does not parse (activityMap then returns the error).
// TestPlainActivityMapIsActivityMap holds the two to the same output.
func plainActivityMap(a Activity) (map[string]any, bool) {
	o := a.Object
	if _, ok := newActivity[a.Type]; !ok || o.IRI == "" || o.Note != nil || o.Actor != nil || o.Activity != nil ||
		o.Tombstone || len(o.More) > 0 || a.Target != "" || a.Content != "" || a.Result != "" {
		return nil, false
	}
	iri := func(s string) (string, bool) {
		u, err := url.Parse(s)
		if err != nil {
			return "", false
		}
		return u.String(), true
	}
	iris := func(ss []string) ([]any, bool) {
		out := make([]any, 0, len(ss))
		for _, s := range ss {
			v, ok := iri(s)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	}
	m := map[string]any{"type": a.Type}
	var ok bool
	if m["id"], ok = iri(a.ID); !ok {
		return nil, false
	}
	if a.Actor != "" {
		if m["actor"], ok = iri(a.Actor); !ok {
			return nil, false
		}
	}
	for _, p := range [...]struct {
		key  string
		list []string
	}{{"to", a.To}, {"cc", a.CC}} {
		if len(p.list) > 0 {
			if m[p.key], ok = iris(p.list); !ok {
				return nil, false
			}
		}
	}
	if !a.Published.IsZero() {
		m["published"] = stamp(a.Published).Format(time.RFC3339)
	}
	if m["object"], ok = iri(o.IRI); !ok {
		return nil, false
	}
	return m, true
}

// activityMap is a's JSON object, without @context.
func activityMap(a Activity, depth int) (map[string]any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("activities nested deeper than %d", maxDepth)
	}
	newT, ok := newActivity[a.Type]
	if !ok {
		return nil, fmt.Errorf("unsupported activity type %q", a.Type)
	}
	t := newT()
	b := &builder{}
	t.SetJSONLDId(b.id(a.ID))
	if a.Actor != "" {
		t.SetActivityStreamsActor(b.actor(a.Actor))
	}
	if len(a.To) > 0 {
		t.SetActivityStreamsTo(b.to(a.To))
	}
	if len(a.CC) > 0 {
		t.SetActivityStreamsCc(b.cc(a.CC))
	}
	if !a.Published.IsZero() {
		t.SetActivityStreamsPublished(published(a.Published))
	}
	if a.Target != "" {
		t.SetActivityStreamsTarget(b.target(a.Target))
	}
	if a.Content != "" {
		t.SetActivityStreamsContent(content(a.Content))
	}
	if a.Result != "" {
		t.SetActivityStreamsResult(b.result(a.Result))
	}
	obj, err := objectMap(a.Object, depth)
	if err != nil {
		return nil, err
	}
	if obj == nil && a.Object.IRI != "" {
		t.SetActivityStreamsObject(b.object(append([]string{a.Object.IRI}, a.Object.More...)...))
	}
	if b.err != nil {
		return nil, b.err
	}
	m, err := serialize(t)
	if err != nil {
		return nil, err
	}
	forceArray(m, "to", "cc")
	if obj != nil {
		if len(a.Object.More) == 0 {
			m["object"] = obj
		} else {
			objs := []any{obj}
			for _, s := range a.Object.More {
				objs = append(objs, s)
			}
			m["object"] = objs
		}
	}
	return m, nil
}

// objectMap is the embedded object of o, or nil if o is only an IRI.
// An embedded object without an id takes o.IRI.
func objectMap(o Object, depth int) (map[string]any, error) {
	switch {
	case o.Note != nil:
		n := *o.Note
		if n.ID == "" {
			n.ID = o.IRI
		}
		return noteMap(n)
	case o.Actor != nil:
		a := *o.Actor
		if a.ID == "" {
			a.ID = o.IRI
		}
		return actorMap(a)
	case o.Activity != nil:
		a := *o.Activity
		if a.ID == "" {
			a.ID = o.IRI
		}
		return activityMap(a, depth+1)
	case o.Tombstone:
		return tombstoneMap(o.IRI, time.Time{})
	}
	return nil, nil
}

// MarshalTombstone emits the Tombstone served in place of a deleted
// object; deleted is omitted when zero.
func MarshalTombstone(id string, deleted time.Time) ([]byte, error) {
	m, err := tombstoneMap(id, deleted)
	if err != nil {
		return nil, fmt.Errorf("marshal tombstone %s: %w", id, err)
	}
	return encode(m)
}

func tombstoneMap(id string, deleted time.Time) (map[string]any, error) {
	b := &builder{}
	t := streams.NewActivityStreamsTombstone()
	t.SetJSONLDId(b.id(id))
	if !deleted.IsZero() {
		p := streams.NewActivityStreamsDeletedProperty()
		p.Set(stamp(deleted))
		t.SetActivityStreamsDeleted(p)
	}
	if b.err != nil {
		return nil, b.err
	}
	return serialize(t)
}
