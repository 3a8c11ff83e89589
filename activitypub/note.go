package activitypub

import (
	"fmt"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
)

// isNoteType reports whether an object of type t is read as a Note.
func isNoteType(t string) bool {
	switch t {
	case TypeNote, TypeArticle, TypePage, TypeQuestion:
		return true
	}
	return false
}

// noteReader is what every go-fed post type offers.
type noteReader interface {
	vocab.Type
	withUnknown
	GetActivityStreamsAttributedTo() vocab.ActivityStreamsAttributedToProperty
	GetActivityStreamsName() vocab.ActivityStreamsNameProperty
	GetActivityStreamsSummary() vocab.ActivityStreamsSummaryProperty
	GetActivityStreamsContent() vocab.ActivityStreamsContentProperty
	GetActivityStreamsUrl() vocab.ActivityStreamsUrlProperty
	GetActivityStreamsInReplyTo() vocab.ActivityStreamsInReplyToProperty
	GetActivityStreamsTo() vocab.ActivityStreamsToProperty
	GetActivityStreamsCc() vocab.ActivityStreamsCcProperty
	GetActivityStreamsPublished() vocab.ActivityStreamsPublishedProperty
	GetActivityStreamsUpdated() vocab.ActivityStreamsUpdatedProperty
	GetActivityStreamsTag() vocab.ActivityStreamsTagProperty
	GetActivityStreamsAttachment() vocab.ActivityStreamsAttachmentProperty
	GetActivityStreamsReplies() vocab.ActivityStreamsRepliesProperty
}

// noteWriter is what every go-fed post type copse emits offers.
type noteWriter interface {
	vocab.Type
	SetActivityStreamsAttributedTo(vocab.ActivityStreamsAttributedToProperty)
	SetActivityStreamsName(vocab.ActivityStreamsNameProperty)
	SetActivityStreamsSummary(vocab.ActivityStreamsSummaryProperty)
	SetActivityStreamsContent(vocab.ActivityStreamsContentProperty)
	SetActivityStreamsUrl(vocab.ActivityStreamsUrlProperty)
	SetActivityStreamsInReplyTo(vocab.ActivityStreamsInReplyToProperty)
	SetActivityStreamsTo(vocab.ActivityStreamsToProperty)
	SetActivityStreamsCc(vocab.ActivityStreamsCcProperty)
	SetActivityStreamsPublished(vocab.ActivityStreamsPublishedProperty)
	SetActivityStreamsUpdated(vocab.ActivityStreamsUpdatedProperty)
	SetActivityStreamsReplies(vocab.ActivityStreamsRepliesProperty)
}

// mediaReader is what every go-fed media type (Document, Image, Video,
// Audio) offers.
type mediaReader interface {
	vocab.Type
	withUnknown
	GetActivityStreamsMediaType() vocab.ActivityStreamsMediaTypeProperty
	GetActivityStreamsUrl() vocab.ActivityStreamsUrlProperty
	GetActivityStreamsName() vocab.ActivityStreamsNameProperty
	GetActivityStreamsSummary() vocab.ActivityStreamsSummaryProperty
	GetTootBlurhash() vocab.TootBlurhashProperty
}

// sizeReader is an Image. go-fed v1.0.0 gives width and height to Image
// and Link only; on a Document (Mastodon's choice) they are unknown
// properties.
type sizeReader interface {
	GetActivityStreamsWidth() vocab.ActivityStreamsWidthProperty
	GetActivityStreamsHeight() vocab.ActivityStreamsHeightProperty
}

// sizeWriter is an Image, to set its size.
type sizeWriter interface {
	SetActivityStreamsWidth(vocab.ActivityStreamsWidthProperty)
	SetActivityStreamsHeight(vocab.ActivityStreamsHeightProperty)
}

// mediaWriter is what every go-fed media type offers to set.
type mediaWriter interface {
	vocab.Type
	SetActivityStreamsMediaType(vocab.ActivityStreamsMediaTypeProperty)
	SetActivityStreamsUrl(vocab.ActivityStreamsUrlProperty)
	SetActivityStreamsName(vocab.ActivityStreamsNameProperty)
	SetTootBlurhash(vocab.TootBlurhashProperty)
}

// ParseNote parses a Note, Article, Page or Question. It fails, wrapping
// ErrInvalid, for anything else and for a post with no id that is an
// http(s) URL. Other URLs that are not ValidURL are dropped and text is
// CleanText'ed (see cleanNote).
func ParseNote(b []byte) (Note, error) {
	m, err := decodeObject(b)
	if err != nil {
		return Note{}, fmt.Errorf("parse note: %w", err)
	}
	t, err := resolve(m)
	if err != nil {
		return Note{}, fmt.Errorf("parse note: %w", invalidf("type %q: %v", rawType(m), err))
	}
	n, ok := noteFrom(t, m)
	switch {
	case !ok:
		return Note{}, fmt.Errorf("parse note: %w", invalidf("type %q is not a post", t.GetTypeName()))
	case n.ID == "":
		return Note{}, fmt.Errorf("parse note: %w", invalidf("no id that is an http(s) URL"))
	}
	return n, nil
}

// noteFrom reads a post from t, and from raw (its decoded JSON) what
// go-fed cannot represent. It reports false if t is not a post.
func noteFrom(t vocab.Type, raw map[string]any) (Note, bool) {
	r, ok := t.(noteReader)
	if !ok || !isNoteType(t.GetTypeName()) {
		return Note{}, false
	}
	n := Note{
		ID:           idOf(t),
		Type:         t.GetTypeName(),
		AttributedTo: authorOf(r.GetActivityStreamsAttributedTo(), raw["attributedTo"]),
		URL:          urlOf(r.GetActivityStreamsUrl()),
		InReplyTo:    firstRef[vocab.ActivityStreamsInReplyToPropertyIterator](r.GetActivityStreamsInReplyTo(), raw["inReplyTo"]),
		To:           refs[vocab.ActivityStreamsToPropertyIterator](r.GetActivityStreamsTo(), raw["to"]),
		CC:           refs[vocab.ActivityStreamsCcPropertyIterator](r.GetActivityStreamsCc(), raw["cc"]),
		Published:    timeOf(r.GetActivityStreamsPublished()),
		Updated:      timeOf(r.GetActivityStreamsUpdated()),
		Tags:         tagsOf(r.GetActivityStreamsTag(), raw["tag"]),
		Emojis:       emojisOf(raw["tag"]),
		Attachments:  attachmentsOf(r.GetActivityStreamsAttachment(), raw["attachment"]),
		Replies:      ref(r.GetActivityStreamsReplies()),
		Sensitive:    rawBool(r.GetUnknownProperties()["sensitive"]),
	}
	n.Name, _ = text[vocab.ActivityStreamsNamePropertyIterator](r.GetActivityStreamsName(), raw["name"])
	n.Summary, _ = text[vocab.ActivityStreamsSummaryPropertyIterator](r.GetActivityStreamsSummary(), raw["summary"])
	n.Content, n.Language = text[vocab.ActivityStreamsContentPropertyIterator](r.GetActivityStreamsContent(), raw["content"])
	if n.Language == "" {
		n.Language = languageOf(raw, n.Content)
	}
	if q, ok := t.(vocab.ActivityStreamsQuestion); ok {
		n.Poll = pollOf(q, raw)
	}
	// go-fed knows no audience, and reads context as an object: both are
	// read as the IRIs Lemmy, PieFed, Mbin and NodeBB send.
	if a := rawRefs(raw["audience"]); len(a) > 0 {
		n.Audience = a[0]
	}
	if c := rawRefs(raw["context"]); len(c) > 0 {
		n.Context = c[0]
	}
	cleanNote(&n)
	return n, true
}

// authorOf returns the author among attributedTo: the Person if the peer
// embeds several actors (PeerTube names the Person and its channel),
// else the first IRI.
func authorOf(p vocab.ActivityStreamsAttributedToProperty, raw any) string {
	if p == nil {
		return ""
	}
	for i := 0; i < p.Len(); i++ {
		if t := p.At(i).GetType(); t != nil && t.GetTypeName() == TypePerson {
			if id := idOf(t); id != "" {
				return id
			}
		}
	}
	return firstRef[vocab.ActivityStreamsAttributedToPropertyIterator](p, raw)
}

// languageOf finds the language of content when "content" and
// "contentMap" are both present (go-fed reads only the former): the key
// whose value is content, else the first key. Lemmy says it in
// "language" instead.
func languageOf(raw map[string]any, content string) string {
	if cm, ok := raw["contentMap"].(map[string]any); ok {
		byLang := make(map[string]string, len(cm))
		for k, v := range cm {
			if s, ok := v.(string); ok {
				if s == content {
					return k
				}
				byLang[k] = s
			}
		}
		_, lang := pickLang(byLang)
		return lang
	}
	if l, ok := raw["language"].(map[string]any); ok {
		return rawString(l["identifier"])
	}
	return ""
}

// tagsOf returns the Mentions and Hashtags of a tag property; other tags
// (Emoji) are skipped. go-fed knows Mention but not Hashtag, which it keeps
// as an opaque value, so Hashtags are read from raw, the decoded "tag".
func tagsOf(p vocab.ActivityStreamsTagProperty, raw any) []Tag {
	if p == nil {
		return nil
	}
	var tags []Tag
	for i := 0; i < p.Len(); i++ {
		it := p.At(i)
		switch {
		case it.IsActivityStreamsMention():
			m := it.GetActivityStreamsMention()
			nm, _ := text[vocab.ActivityStreamsNamePropertyIterator](m.GetActivityStreamsName(), rawAt(raw, i)["name"])
			tags = append(tags, Tag{Type: TagMention, Href: hrefOf(m.GetActivityStreamsHref()), Name: nm})
		case it.GetType() == nil && !it.IsIRI():
			h := rawAt(raw, i)
			if rawType(h) == TagHashtag {
				tags = append(tags, Tag{Type: TagHashtag, Href: rawString(h["href"]), Name: rawString(h["name"])})
			}
		}
	}
	return tags
}

// attachmentsOf returns the media and links attached to a post; raw is the
// decoded "attachment".
func attachmentsOf(p vocab.ActivityStreamsAttachmentProperty, raw any) []Attachment {
	if p == nil {
		return nil
	}
	var out []Attachment
	for i := 0; i < p.Len(); i++ {
		it := p.At(i)
		if it.IsActivityStreamsLink() {
			l := it.GetActivityStreamsLink()
			a := Attachment{Type: "Link", URL: hrefOf(l.GetActivityStreamsHref())}
			if mt := l.GetActivityStreamsMediaType(); mt != nil {
				a.MediaType = mt.Get()
			}
			if a.URL != "" {
				out = append(out, a)
			}
			continue
		}
		if a, ok := mediaOf(it.GetType(), rawAt(raw, i)); ok {
			out = append(out, a)
		}
	}
	return out
}

// mediaOf reads a Document, Image, Video or Audio.
func mediaOf(t vocab.Type, raw map[string]any) (Attachment, bool) {
	r, ok := t.(mediaReader)
	if !ok {
		return Attachment{}, false
	}
	switch t.GetTypeName() {
	case "Document", "Image", "Video", "Audio":
	default:
		return Attachment{}, false
	}
	a := Attachment{Type: t.GetTypeName(), URL: urlOf(r.GetActivityStreamsUrl())}
	if a.URL == "" {
		return Attachment{}, false
	}
	if mt := r.GetActivityStreamsMediaType(); mt != nil {
		a.MediaType = mt.Get()
	}
	// Alt text is "name" for Mastodon, "summary" for some GoToSocial
	// versions.
	a.Name, _ = text[vocab.ActivityStreamsNamePropertyIterator](r.GetActivityStreamsName(), raw["name"])
	if a.Name == "" {
		a.Name, _ = text[vocab.ActivityStreamsSummaryPropertyIterator](r.GetActivityStreamsSummary(), raw["summary"])
	}
	if bh := r.GetTootBlurhash(); bh != nil && bh.IsXMLSchemaString() {
		a.Blurhash = bh.Get()
	}
	ext := r.GetUnknownProperties()
	if sr, ok := t.(sizeReader); ok {
		if w := sr.GetActivityStreamsWidth(); w != nil && w.IsXMLSchemaNonNegativeInteger() {
			a.Width = w.Get()
		}
		if h := sr.GetActivityStreamsHeight(); h != nil && h.IsXMLSchemaNonNegativeInteger() {
			a.Height = h.Get()
		}
	} else {
		a.Width, a.Height = rawSize(ext["width"]), rawSize(ext["height"])
	}
	if fp, ok := ext["focalPoint"].([]any); ok && len(fp) == 2 {
		x, okx := fp[0].(float64)
		y, oky := fp[1].(float64)
		if okx && oky {
			a.FocalPoint = &[2]float64{x, y}
		}
	}
	return a, true
}

// MarshalNote emits n as a Note, or as an Article (or Page or Question) when
// n.Type says so; a Note with a poll is a Question. sensitive is always
// present; other empty properties are omitted.
func MarshalNote(n Note) ([]byte, error) {
	m, err := noteMap(n)
	if err != nil {
		return nil, fmt.Errorf("marshal note %s: %w", n.ID, err)
	}
	return encode(m)
}

// noteMap is n's JSON object, without @context.
func noteMap(n Note) (map[string]any, error) {
	var t noteWriter
	if n.Poll != nil {
		n.Type = TypeQuestion
	}
	switch n.Type {
	case TypeNote, "":
		t = streams.NewActivityStreamsNote()
	case TypeArticle:
		t = streams.NewActivityStreamsArticle()
	case TypePage:
		t = streams.NewActivityStreamsPage()
	case TypeQuestion:
		q := streams.NewActivityStreamsQuestion()
		if n.Poll != nil {
			setPoll(q, *n.Poll)
		}
		t = q
	default:
		return nil, fmt.Errorf("unsupported post type %q", n.Type)
	}
	b := &builder{}
	t.SetJSONLDId(b.id(n.ID))
	if n.AttributedTo != "" {
		t.SetActivityStreamsAttributedTo(b.attributedTo(n.AttributedTo))
	}
	if len(n.To) > 0 {
		t.SetActivityStreamsTo(b.to(n.To))
	}
	if len(n.CC) > 0 {
		t.SetActivityStreamsCc(b.cc(n.CC))
	}
	if n.Name != "" {
		t.SetActivityStreamsName(name(n.Name))
	}
	if n.Summary != "" {
		t.SetActivityStreamsSummary(summary(n.Summary))
	}
	if n.Content != "" {
		t.SetActivityStreamsContent(content(n.Content))
	}
	if n.URL != "" {
		t.SetActivityStreamsUrl(b.url(n.URL))
	}
	if n.InReplyTo != "" {
		t.SetActivityStreamsInReplyTo(b.inReplyTo(n.InReplyTo))
	}
	if !n.Published.IsZero() {
		t.SetActivityStreamsPublished(published(n.Published))
	}
	if !n.Updated.IsZero() {
		t.SetActivityStreamsUpdated(updated(n.Updated))
	}
	if n.Replies != "" {
		p := streams.NewActivityStreamsRepliesProperty()
		p.SetIRI(b.iri(n.Replies))
		t.SetActivityStreamsReplies(p)
	}
	if b.err != nil {
		return nil, b.err
	}
	m, err := serialize(t)
	if err != nil {
		return nil, err
	}
	forceArray(m, "to", "cc", "oneOf", "anyOf")
	m["sensitive"] = n.Sensitive
	if n.Audience != "" {
		m["audience"] = n.Audience
	}
	if n.Context != "" {
		m["context"] = n.Context
	}
	if n.Language != "" && n.Content != "" {
		m["contentMap"] = map[string]any{n.Language: n.Content}
	}
	if len(n.Tags) > 0 || len(n.Emojis) > 0 {
		tags, err := tagList(b, n.Tags)
		if err != nil {
			return nil, err
		}
		m["tag"] = append(tags, emojiTags(n.Emojis)...)
	}
	if len(n.Attachments) > 0 {
		atts, err := attachmentList(b, n.Attachments)
		if err != nil {
			return nil, err
		}
		m["attachment"] = atts
	}
	return m, nil
}

// tagList is the "tag" array: Mentions through go-fed, Hashtags (which it
// lacks) as plain objects, in their original order.
func tagList(b *builder, tags []Tag) ([]any, error) {
	out := make([]any, 0, len(tags))
	for _, tg := range tags {
		if tg.Type != TagMention {
			h := map[string]any{"type": tg.Type, "name": tg.Name}
			if tg.Href != "" {
				h["href"] = tg.Href
			}
			out = append(out, h)
			continue
		}
		mt := streams.NewActivityStreamsMention()
		mt.SetActivityStreamsHref(b.href(tg.Href))
		if tg.Name != "" {
			mt.SetActivityStreamsName(name(tg.Name))
		}
		if b.err != nil {
			return nil, b.err
		}
		m, err := serialize(mt)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// attachmentList is the "attachment" array of media; focalPoint, which
// go-fed lacks, is added to each serialized object.
func attachmentList(b *builder, atts []Attachment) ([]any, error) {
	out := make([]any, 0, len(atts))
	for _, a := range atts {
		if a.Type == "Link" {
			l := streams.NewActivityStreamsLink()
			l.SetActivityStreamsHref(b.href(a.URL))
			if a.MediaType != "" {
				l.SetActivityStreamsMediaType(mediaType(a.MediaType))
			}
			if b.err != nil {
				return nil, b.err
			}
			m, err := serialize(l)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
			continue
		}
		var t mediaWriter
		switch a.Type {
		case "Document", "":
			t = streams.NewActivityStreamsDocument()
		case "Image":
			t = streams.NewActivityStreamsImage()
		case "Video":
			t = streams.NewActivityStreamsVideo()
		case "Audio":
			t = streams.NewActivityStreamsAudio()
		default:
			return nil, fmt.Errorf("unsupported attachment type %q", a.Type)
		}
		if a.MediaType != "" {
			t.SetActivityStreamsMediaType(mediaType(a.MediaType))
		}
		t.SetActivityStreamsUrl(b.url(a.URL))
		if a.Name != "" {
			t.SetActivityStreamsName(name(a.Name))
		}
		if a.Blurhash != "" {
			p := streams.NewTootBlurhashProperty()
			p.Set(a.Blurhash)
			t.SetTootBlurhash(p)
		}
		sw, hasSize := t.(sizeWriter)
		if hasSize && a.Width > 0 {
			p := streams.NewActivityStreamsWidthProperty()
			p.Set(a.Width)
			sw.SetActivityStreamsWidth(p)
		}
		if hasSize && a.Height > 0 {
			p := streams.NewActivityStreamsHeightProperty()
			p.Set(a.Height)
			sw.SetActivityStreamsHeight(p)
		}
		if b.err != nil {
			return nil, b.err
		}
		m, err := serialize(t)
		if err != nil {
			return nil, err
		}
		if !hasSize && a.Width > 0 {
			m["width"] = a.Width
		}
		if !hasSize && a.Height > 0 {
			m["height"] = a.Height
		}
		if a.FocalPoint != nil {
			m["focalPoint"] = []any{a.FocalPoint[0], a.FocalPoint[1]}
		}
		out = append(out, m)
	}
	return out, nil
}

// rawSize reads a width or height: a non-negative whole number.
func rawSize(v any) int {
	f, ok := v.(float64)
	if !ok || f < 0 || f > 1<<31 {
		return 0
	}
	return int(f)
}
