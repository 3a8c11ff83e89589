package activitypub

import (
	"fmt"
	"net/url"
	"time"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
)

// builder makes go-fed properties from copse's strings. It keeps the
// first IRI that fails to parse, so an emitter reads as a list of
// properties and checks for an error once, before serializing.
type builder struct {
	err error
}

func (b *builder) iri(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		if b.err == nil {
			b.err = fmt.Errorf("parse IRI %q: %w", s, err)
		}
		return &url.URL{}
	}
	return u
}

func (b *builder) id(s string) vocab.JSONLDIdProperty {
	p := streams.NewJSONLDIdProperty()
	p.Set(b.iri(s))
	return p
}

func (b *builder) to(iris []string) vocab.ActivityStreamsToProperty {
	p := streams.NewActivityStreamsToProperty()
	for _, s := range iris {
		p.AppendIRI(b.iri(s))
	}
	return p
}

func (b *builder) cc(iris []string) vocab.ActivityStreamsCcProperty {
	p := streams.NewActivityStreamsCcProperty()
	for _, s := range iris {
		p.AppendIRI(b.iri(s))
	}
	return p
}

func (b *builder) attributedTo(s string) vocab.ActivityStreamsAttributedToProperty {
	p := streams.NewActivityStreamsAttributedToProperty()
	p.AppendIRI(b.iri(s))
	return p
}

func (b *builder) url(s string) vocab.ActivityStreamsUrlProperty {
	p := streams.NewActivityStreamsUrlProperty()
	p.AppendIRI(b.iri(s))
	return p
}

func (b *builder) href(s string) vocab.ActivityStreamsHrefProperty {
	p := streams.NewActivityStreamsHrefProperty()
	p.Set(b.iri(s))
	return p
}

func (b *builder) inReplyTo(s string) vocab.ActivityStreamsInReplyToProperty {
	p := streams.NewActivityStreamsInReplyToProperty()
	p.AppendIRI(b.iri(s))
	return p
}

func (b *builder) actor(s string) vocab.ActivityStreamsActorProperty {
	p := streams.NewActivityStreamsActorProperty()
	p.AppendIRI(b.iri(s))
	return p
}

func (b *builder) object(iris ...string) vocab.ActivityStreamsObjectProperty {
	p := streams.NewActivityStreamsObjectProperty()
	for _, s := range iris {
		p.AppendIRI(b.iri(s))
	}
	return p
}

func (b *builder) target(s string) vocab.ActivityStreamsTargetProperty {
	p := streams.NewActivityStreamsTargetProperty()
	p.AppendIRI(b.iri(s))
	return p
}

func (b *builder) result(s string) vocab.ActivityStreamsResultProperty {
	p := streams.NewActivityStreamsResultProperty()
	p.AppendIRI(b.iri(s))
	return p
}

func name(s string) vocab.ActivityStreamsNameProperty {
	p := streams.NewActivityStreamsNameProperty()
	p.AppendXMLSchemaString(s)
	return p
}

func summary(s string) vocab.ActivityStreamsSummaryProperty {
	p := streams.NewActivityStreamsSummaryProperty()
	p.AppendXMLSchemaString(s)
	return p
}

func content(s string) vocab.ActivityStreamsContentProperty {
	p := streams.NewActivityStreamsContentProperty()
	p.AppendXMLSchemaString(s)
	return p
}

func mediaType(s string) vocab.ActivityStreamsMediaTypeProperty {
	p := streams.NewActivityStreamsMediaTypeProperty()
	p.Set(s)
	return p
}

func published(t time.Time) vocab.ActivityStreamsPublishedProperty {
	p := streams.NewActivityStreamsPublishedProperty()
	p.Set(stamp(t))
	return p
}

func updated(t time.Time) vocab.ActivityStreamsUpdatedProperty {
	p := streams.NewActivityStreamsUpdatedProperty()
	p.Set(stamp(t))
	return p
}
