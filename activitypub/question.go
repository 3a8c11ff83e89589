package activitypub

import (
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
)

// A poll federates as Mastodon shapes it: a Question whose oneOf (one
// choice) or anyOf (several) lists its options as Notes, each counting its
// votes in replies.totalItems, with endTime, closed once it has ended, and
// votersCount. A vote is a Create{Note} whose Note names the chosen option,
// answers the Question, has no content and is addressed to the poll's
// author only: one Note per choice.

// IsVote reports whether n is a vote in a poll: a Note with a name (the
// chosen option) and no content, answering another object.
func IsVote(n Note) bool {
	return n.Type == TypeNote && n.Poll == nil && n.Name != "" && n.Content == "" && n.InReplyTo != ""
}

// optionIter is an item of oneOf or anyOf.
type optionIter interface {
	GetType() vocab.Type
}

// optionReader is what an option (a Note) offers.
type optionReader interface {
	GetActivityStreamsName() vocab.ActivityStreamsNameProperty
	GetActivityStreamsContent() vocab.ActivityStreamsContentProperty
	GetActivityStreamsReplies() vocab.ActivityStreamsRepliesProperty
}

// pollOf reads the poll of a Question; raw is its decoded JSON. It is nil
// for a Question with no options (an open question, which Mastodon does
// not show as a poll either).
func pollOf(q vocab.ActivityStreamsQuestion, raw map[string]any) *Poll {
	p := Poll{
		EndTime: timeOf(q.GetActivityStreamsEndTime()),
	}
	if anyOf := q.GetActivityStreamsAnyOf(); anyOf != nil && anyOf.Len() > 0 {
		p.Multiple = true
		p.Options = pollOptions[vocab.ActivityStreamsAnyOfPropertyIterator](anyOf, raw["anyOf"])
	} else {
		p.Options = pollOptions[vocab.ActivityStreamsOneOfPropertyIterator](q.GetActivityStreamsOneOf(), raw["oneOf"])
	}
	if len(p.Options) == 0 {
		return nil
	}
	if vc := q.GetTootVotersCount(); vc != nil && vc.IsXMLSchemaNonNegativeInteger() {
		p.VotersCount = vc.Get()
	}
	p.Closed = closedOf(q.GetActivityStreamsClosed(), p.EndTime, timeOf(q.GetActivityStreamsPublished()))
	return &p
}

// pollOptions reads oneOf or anyOf; raw is the property's decoded value.
// An option is named by its name, or failing that its content (as Mastodon
// reads it); options with neither are skipped.
func pollOptions[I optionIter](p list[I], raw any) []PollOption {
	if p == nil {
		return nil
	}
	var out []PollOption
	for i := 0; i < p.Len(); i++ {
		r, ok := p.At(i).GetType().(optionReader)
		if !ok {
			continue
		}
		item := rawAt(raw, i)
		o := PollOption{}
		o.Name, _ = text[vocab.ActivityStreamsNamePropertyIterator](r.GetActivityStreamsName(), item["name"])
		if o.Name == "" {
			o.Name, _ = text[vocab.ActivityStreamsContentPropertyIterator](r.GetActivityStreamsContent(), item["content"])
		}
		if o.Name == "" {
			continue
		}
		o.Votes = totalItemsOf(r.GetActivityStreamsReplies(), item["replies"])
		out = append(out, o)
	}
	return out
}

// totalItemsOf reads the size of an option's replies collection.
func totalItemsOf(p vocab.ActivityStreamsRepliesProperty, raw any) int {
	if p == nil {
		return 0
	}
	var ti vocab.ActivityStreamsTotalItemsProperty
	switch {
	case p.IsActivityStreamsCollection():
		ti = p.GetActivityStreamsCollection().GetActivityStreamsTotalItems()
	case p.IsActivityStreamsOrderedCollection():
		ti = p.GetActivityStreamsOrderedCollection().GetActivityStreamsTotalItems()
	}
	if ti != nil && ti.IsXMLSchemaNonNegativeInteger() {
		return ti.Get()
	}
	if m, ok := raw.(map[string]any); ok {
		return rawSize(m["totalItems"])
	}
	return 0
}

// closedOf reads closed: a date, or (as some peers send it) true, or an
// object; for the last two the poll closed when it was due to end, or, with
// no end, when it was published, as near as a document says.
func closedOf(p vocab.ActivityStreamsClosedProperty, end, published time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	for i := 0; i < p.Len(); i++ {
		it := p.At(i)
		switch {
		case it.IsXMLSchemaDateTime():
			return it.GetXMLSchemaDateTime().UTC()
		case it.IsXMLSchemaBoolean() && !it.GetXMLSchemaBoolean():
			continue
		}
		if !end.IsZero() {
			return end
		}
		return published
	}
	return time.Time{}
}

// setPoll writes p onto q. The caller forces oneOf and anyOf to arrays
// once serialized: Mastodon reads a poll only from an array.
func setPoll(q vocab.ActivityStreamsQuestion, p Poll) {
	oneOf := streams.NewActivityStreamsOneOfProperty()
	anyOf := streams.NewActivityStreamsAnyOfProperty()
	for _, o := range p.Options {
		n := streams.NewActivityStreamsNote()
		n.SetActivityStreamsName(name(o.Name))
		total := streams.NewActivityStreamsTotalItemsProperty()
		total.Set(o.Votes)
		c := streams.NewActivityStreamsCollection()
		c.SetActivityStreamsTotalItems(total)
		replies := streams.NewActivityStreamsRepliesProperty()
		replies.SetActivityStreamsCollection(c)
		n.SetActivityStreamsReplies(replies)
		if p.Multiple {
			anyOf.AppendActivityStreamsNote(n)
		} else {
			oneOf.AppendActivityStreamsNote(n)
		}
	}
	if p.Multiple {
		q.SetActivityStreamsAnyOf(anyOf)
	} else {
		q.SetActivityStreamsOneOf(oneOf)
	}
	if !p.EndTime.IsZero() {
		end := streams.NewActivityStreamsEndTimeProperty()
		end.Set(stamp(p.EndTime))
		q.SetActivityStreamsEndTime(end)
	}
	if !p.Closed.IsZero() {
		closed := streams.NewActivityStreamsClosedProperty()
		closed.AppendXMLSchemaDateTime(stamp(p.Closed))
		q.SetActivityStreamsClosed(closed)
	}
	vc := streams.NewTootVotersCountProperty()
	vc.Set(p.VotersCount)
	q.SetTootVotersCount(vc)
}
