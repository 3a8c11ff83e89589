package activitypub

import (
	"fmt"

	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
)

// typeOrganization is read as an actor; copse never emits it.
const typeOrganization = "Organization"

// isActorType reports whether an object of type t is an actor.
func isActorType(t string) bool {
	switch t {
	case TypePerson, TypeGroup, TypeService, TypeApplication, typeOrganization:
		return true
	}
	return false
}

// actorReader is what every go-fed actor type offers.
type actorReader interface {
	vocab.Type
	withUnknown
	GetActivityStreamsPreferredUsername() vocab.ActivityStreamsPreferredUsernameProperty
	GetActivityStreamsName() vocab.ActivityStreamsNameProperty
	GetActivityStreamsSummary() vocab.ActivityStreamsSummaryProperty
	GetActivityStreamsUrl() vocab.ActivityStreamsUrlProperty
	GetActivityStreamsIcon() vocab.ActivityStreamsIconProperty
	GetActivityStreamsImage() vocab.ActivityStreamsImageProperty
	GetActivityStreamsInbox() vocab.ActivityStreamsInboxProperty
	GetActivityStreamsOutbox() vocab.ActivityStreamsOutboxProperty
	GetActivityStreamsFollowers() vocab.ActivityStreamsFollowersProperty
	GetActivityStreamsFollowing() vocab.ActivityStreamsFollowingProperty
	GetTootFeatured() vocab.TootFeaturedProperty
	GetTootDiscoverable() vocab.TootDiscoverableProperty
	GetW3IDSecurityV1PublicKey() vocab.W3IDSecurityV1PublicKeyProperty
	GetActivityStreamsPublished() vocab.ActivityStreamsPublishedProperty
	GetActivityStreamsUpdated() vocab.ActivityStreamsUpdatedProperty
	GetActivityStreamsAttributedTo() vocab.ActivityStreamsAttributedToProperty
	GetActivityStreamsAttachment() vocab.ActivityStreamsAttachmentProperty
}

// actorWriter is what every go-fed actor type copse emits offers.
type actorWriter interface {
	vocab.Type
	SetActivityStreamsPreferredUsername(vocab.ActivityStreamsPreferredUsernameProperty)
	SetActivityStreamsName(vocab.ActivityStreamsNameProperty)
	SetActivityStreamsSummary(vocab.ActivityStreamsSummaryProperty)
	SetActivityStreamsUrl(vocab.ActivityStreamsUrlProperty)
	SetActivityStreamsIcon(vocab.ActivityStreamsIconProperty)
	SetActivityStreamsImage(vocab.ActivityStreamsImageProperty)
	SetActivityStreamsInbox(vocab.ActivityStreamsInboxProperty)
	SetActivityStreamsOutbox(vocab.ActivityStreamsOutboxProperty)
	SetActivityStreamsFollowers(vocab.ActivityStreamsFollowersProperty)
	SetActivityStreamsFollowing(vocab.ActivityStreamsFollowingProperty)
	SetTootFeatured(vocab.TootFeaturedProperty)
	SetTootDiscoverable(vocab.TootDiscoverableProperty)
	SetW3IDSecurityV1PublicKey(vocab.W3IDSecurityV1PublicKeyProperty)
	SetActivityStreamsPublished(vocab.ActivityStreamsPublishedProperty)
	SetActivityStreamsUpdated(vocab.ActivityStreamsUpdatedProperty)
	SetActivityStreamsAttributedTo(vocab.ActivityStreamsAttributedToProperty)
}

// ParseActor parses a Person, Group, Service, Application or Organization.
// It fails, wrapping ErrInvalid, for anything else, for an actor with no
// id or no inbox (nothing could be delivered to it) that is an http(s)
// URL, and for one whose preferredUsername is not ValidUsername. Other
// URLs that are not ValidURL are dropped and text is CleanText'ed (see
// cleanActor).
func ParseActor(b []byte) (Actor, error) {
	m, err := decodeObject(b)
	if err != nil {
		return Actor{}, fmt.Errorf("parse actor: %w", err)
	}
	t, err := resolve(m)
	if err != nil {
		return Actor{}, fmt.Errorf("parse actor: %w", invalidf("type %q: %v", rawType(m), err))
	}
	a, ok := actorFrom(t, m)
	switch {
	case !ok:
		return Actor{}, fmt.Errorf("parse actor: %w", invalidf("type %q is not an actor", t.GetTypeName()))
	case a.ID == "":
		return Actor{}, fmt.Errorf("parse actor: %w", invalidf("no id that is an http(s) URL"))
	case a.Inbox == "":
		return Actor{}, fmt.Errorf("parse actor %s: %w", a.ID, invalidf("no inbox that is an http(s) URL"))
	case a.PreferredUsername == "" && m["preferredUsername"] != nil:
		return Actor{}, fmt.Errorf("parse actor %s: %w", a.ID, invalidf("preferredUsername is not a valid username"))
	}
	return a, nil
}

// actorFrom reads an actor from t, and from raw (its decoded JSON) what
// go-fed cannot represent. It reports false if t is not an actor.
func actorFrom(t vocab.Type, raw map[string]any) (Actor, bool) {
	r, ok := t.(actorReader)
	if !ok || !isActorType(t.GetTypeName()) {
		return Actor{}, false
	}
	a := Actor{
		ID:   idOf(t),
		Type: t.GetTypeName(),
		// Not cleaned: a username with a control character in it is refused
		// (cleanActor), not quietly made into another one.
		PreferredUsername: rawTextOne(r.GetActivityStreamsPreferredUsername(), raw["preferredUsername"]),
		URL:               urlOf(r.GetActivityStreamsUrl()),
		Icon:              imageOf[vocab.ActivityStreamsIconPropertyIterator](r.GetActivityStreamsIcon()),
		Image:             imageOf[vocab.ActivityStreamsImagePropertyIterator](r.GetActivityStreamsImage()),
		Inbox:             ref(r.GetActivityStreamsInbox()),
		Outbox:            ref(r.GetActivityStreamsOutbox()),
		Followers:         ref(r.GetActivityStreamsFollowers()),
		Following:         ref(r.GetActivityStreamsFollowing()),
		Featured:          ref(r.GetTootFeatured()),
		PublicKey:         publicKeyOf(r.GetW3IDSecurityV1PublicKey()),
		Published:         timeOf(r.GetActivityStreamsPublished()),
		Updated:           timeOf(r.GetActivityStreamsUpdated()),
		AttributedTo:      firstRef[vocab.ActivityStreamsAttributedToPropertyIterator](r.GetActivityStreamsAttributedTo(), raw["attributedTo"]),
	}
	a.Name, _ = text[vocab.ActivityStreamsNamePropertyIterator](r.GetActivityStreamsName(), raw["name"])
	a.Summary, _ = text[vocab.ActivityStreamsSummaryPropertyIterator](r.GetActivityStreamsSummary(), raw["summary"])
	if d := r.GetTootDiscoverable(); d != nil && d.IsXMLSchemaBoolean() {
		a.Discoverable = d.Get()
	}

	// Mastodon's extensions, which go-fed v1.0.0 keeps as unknown properties.
	ext := r.GetUnknownProperties()
	a.ManuallyApprovesFollowers = rawBool(ext["manuallyApprovesFollowers"])
	if ep, ok := ext["endpoints"].(map[string]any); ok {
		a.SharedInbox = rawRef(ep["sharedInbox"])
	}
	a.AlsoKnownAs = rawRefs(ext["alsoKnownAs"])
	a.Emojis = emojisOf(raw["tag"])
	a.MovedTo = rawRef(ext["movedTo"])
	if k, ok := multikeyOf(raw["assertionMethod"], a.ID); ok {
		a.Ed25519 = k
	}
	// What group-aware servers add to a Group (Lemmy's namespace).
	a.Moderators = rawRef(ext["moderators"])
	a.PostingRestrictedToMods = rawBool(ext["postingRestrictedToMods"])

	// Profile fields are PropertyValue attachments, a type go-fed does not
	// know: it keeps them as opaque values, so read them from the JSON.
	if p := r.GetActivityStreamsAttachment(); p != nil {
		for i := 0; i < p.Len(); i++ {
			if p.At(i).GetType() != nil || p.At(i).IsIRI() {
				continue
			}
			pv := rawAt(raw["attachment"], i)
			if rawType(pv) == "PropertyValue" {
				a.Fields = append(a.Fields, Field{Name: rawString(pv["name"]), Value: rawString(pv["value"])})
			}
		}
	}
	cleanActor(&a)
	return a, true
}

// imageIter is a value of icon or image.
type imageIter interface {
	refIter
	IsActivityStreamsImage() bool
	GetActivityStreamsImage() vocab.ActivityStreamsImage
	IsActivityStreamsLink() bool
	GetActivityStreamsLink() vocab.ActivityStreamsLink
}

// imageOf returns the first image of an icon or image property, which
// peers send as an Image, an array of them, a Link or a bare IRI.
func imageOf[I imageIter](p list[I]) *Image {
	if p == nil {
		return nil
	}
	for i := 0; i < p.Len(); i++ {
		it := p.At(i)
		var img Image
		switch {
		case it.IsActivityStreamsImage():
			v := it.GetActivityStreamsImage()
			img.URL = urlOf(v.GetActivityStreamsUrl())
			if mt := v.GetActivityStreamsMediaType(); mt != nil {
				img.MediaType = mt.Get()
			}
		case it.IsActivityStreamsLink():
			v := it.GetActivityStreamsLink()
			img.URL = hrefOf(v.GetActivityStreamsHref())
			if mt := v.GetActivityStreamsMediaType(); mt != nil {
				img.MediaType = mt.Get()
			}
		case it.IsIRI():
			img.URL = it.GetIRI().String()
		}
		if img.URL != "" {
			return &img
		}
	}
	return nil
}

// publicKeyOf returns the first key of a publicKey property.
func publicKeyOf(p vocab.W3IDSecurityV1PublicKeyProperty) PublicKey {
	if p == nil {
		return PublicKey{}
	}
	for i := 0; i < p.Len(); i++ {
		k := p.At(i).Get()
		if k == nil {
			continue
		}
		pk := PublicKey{ID: idOf(k)}
		if o := k.GetW3IDSecurityV1Owner(); o != nil {
			if o.IsXMLSchemaAnyURI() && o.Get() != nil {
				pk.Owner = o.Get().String()
			} else if o.IsIRI() {
				pk.Owner = o.GetIRI().String()
			}
		}
		if pem := k.GetW3IDSecurityV1PublicKeyPem(); pem != nil && pem.IsXMLSchemaString() {
			pk.PEM = pem.Get()
		}
		return pk
	}
	return PublicKey{}
}

// MarshalActor emits a as a Person, Group, Service, Application or
// Organization (Person when a.Type is empty). manuallyApprovesFollowers
// and discoverable are always present; other empty properties are omitted.
// A key with no owner is owned by a.
func MarshalActor(a Actor) ([]byte, error) {
	m, err := actorMap(a)
	if err != nil {
		return nil, fmt.Errorf("marshal actor %s: %w", a.ID, err)
	}
	return encode(m)
}

// actorMap is a's JSON object, without @context.
func actorMap(a Actor) (map[string]any, error) {
	var t actorWriter
	switch a.Type {
	case TypePerson, "":
		t = streams.NewActivityStreamsPerson()
	case TypeGroup:
		t = streams.NewActivityStreamsGroup()
	case TypeService:
		t = streams.NewActivityStreamsService()
	case TypeApplication:
		t = streams.NewActivityStreamsApplication()
	case typeOrganization:
		t = streams.NewActivityStreamsOrganization()
	default:
		return nil, fmt.Errorf("unsupported actor type %q", a.Type)
	}
	b := &builder{}
	t.SetJSONLDId(b.id(a.ID))
	if a.PreferredUsername != "" {
		p := streams.NewActivityStreamsPreferredUsernameProperty()
		p.SetXMLSchemaString(a.PreferredUsername)
		t.SetActivityStreamsPreferredUsername(p)
	}
	if a.Name != "" {
		t.SetActivityStreamsName(name(a.Name))
	}
	if a.Summary != "" {
		t.SetActivityStreamsSummary(summary(a.Summary))
	}
	if a.URL != "" {
		t.SetActivityStreamsUrl(b.url(a.URL))
	}
	if a.Icon != nil && a.Icon.URL != "" {
		p := streams.NewActivityStreamsIconProperty()
		p.AppendActivityStreamsImage(b.image(*a.Icon))
		t.SetActivityStreamsIcon(p)
	}
	if a.Image != nil && a.Image.URL != "" {
		p := streams.NewActivityStreamsImageProperty()
		p.AppendActivityStreamsImage(b.image(*a.Image))
		t.SetActivityStreamsImage(p)
	}
	if a.Inbox != "" {
		p := streams.NewActivityStreamsInboxProperty()
		p.SetIRI(b.iri(a.Inbox))
		t.SetActivityStreamsInbox(p)
	}
	if a.Outbox != "" {
		p := streams.NewActivityStreamsOutboxProperty()
		p.SetIRI(b.iri(a.Outbox))
		t.SetActivityStreamsOutbox(p)
	}
	if a.Followers != "" {
		p := streams.NewActivityStreamsFollowersProperty()
		p.SetIRI(b.iri(a.Followers))
		t.SetActivityStreamsFollowers(p)
	}
	if a.Following != "" {
		p := streams.NewActivityStreamsFollowingProperty()
		p.SetIRI(b.iri(a.Following))
		t.SetActivityStreamsFollowing(p)
	}
	if a.Featured != "" {
		p := streams.NewTootFeaturedProperty()
		p.SetIRI(b.iri(a.Featured))
		t.SetTootFeatured(p)
	}
	disc := streams.NewTootDiscoverableProperty()
	disc.Set(a.Discoverable)
	t.SetTootDiscoverable(disc)
	if a.PublicKey.ID != "" || a.PublicKey.PEM != "" {
		t.SetW3IDSecurityV1PublicKey(b.publicKey(a))
	}
	if !a.Published.IsZero() {
		t.SetActivityStreamsPublished(published(a.Published))
	}
	if !a.Updated.IsZero() {
		t.SetActivityStreamsUpdated(updated(a.Updated))
	}
	if a.AttributedTo != "" {
		t.SetActivityStreamsAttributedTo(b.attributedTo(a.AttributedTo))
	}
	if b.err != nil {
		return nil, b.err
	}
	m, err := serialize(t)
	if err != nil {
		return nil, err
	}

	// Mastodon's extensions, which go-fed v1.0.0 cannot set.
	m["manuallyApprovesFollowers"] = a.ManuallyApprovesFollowers
	if a.SharedInbox != "" {
		m["endpoints"] = map[string]any{"sharedInbox": a.SharedInbox}
	}
	if len(a.Fields) > 0 {
		fields := make([]any, 0, len(a.Fields))
		for _, f := range a.Fields {
			fields = append(fields, map[string]any{"type": "PropertyValue", "name": f.Name, "value": f.Value})
		}
		m["attachment"] = fields
	}
	if len(a.Emojis) > 0 {
		m["tag"] = emojiTags(a.Emojis)
	}
	if len(a.AlsoKnownAs) > 0 {
		aka := make([]any, 0, len(a.AlsoKnownAs))
		for _, s := range a.AlsoKnownAs {
			aka = append(aka, s)
		}
		m["alsoKnownAs"] = aka
	}
	if a.MovedTo != "" {
		m["movedTo"] = a.MovedTo
	}
	if a.Ed25519.ID != "" {
		m["assertionMethod"] = []any{multikeyMap(a.Ed25519)}
	}
	return m, nil
}

func (b *builder) image(img Image) vocab.ActivityStreamsImage {
	v := streams.NewActivityStreamsImage()
	v.SetActivityStreamsUrl(b.url(img.URL))
	if img.MediaType != "" {
		v.SetActivityStreamsMediaType(mediaType(img.MediaType))
	}
	return v
}

// publicKey is a's key; its owner is a itself unless said otherwise.
func (b *builder) publicKey(a Actor) vocab.W3IDSecurityV1PublicKeyProperty {
	k := streams.NewW3IDSecurityV1PublicKey()
	k.SetJSONLDId(b.id(a.PublicKey.ID))
	owner := a.PublicKey.Owner
	if owner == "" {
		owner = a.ID
	}
	op := streams.NewW3IDSecurityV1OwnerProperty()
	op.Set(b.iri(owner))
	k.SetW3IDSecurityV1Owner(op)
	pem := streams.NewW3IDSecurityV1PublicKeyPemProperty()
	pem.Set(a.PublicKey.PEM)
	k.SetW3IDSecurityV1PublicKeyPem(pem)
	p := streams.NewW3IDSecurityV1PublicKeyProperty()
	p.AppendW3IDSecurityV1PublicKey(k)
	return p
}
