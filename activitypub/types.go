package activitypub

import (
	"encoding/json"
	"time"
)

// PublicIRI is the special collection that addresses everyone.
const PublicIRI = "https://www.w3.org/ns/activitystreams#Public"

// Visibility is who may see a post, in Mastodon's words.
type Visibility string

// The four visibilities, with the names the Mastodon client API uses.
const (
	Public        Visibility = "public"   // to: Public; cc: followers
	Unlisted      Visibility = "unlisted" // to: followers; cc: Public
	FollowersOnly Visibility = "private"  // to: followers
	Direct        Visibility = "direct"   // to: mentioned actors only
)

// Valid reports whether v is one of the four visibilities.
func (v Visibility) Valid() bool {
	switch v {
	case Public, Unlisted, FollowersOnly, Direct:
		return true
	}
	return false
}

// Actor types copse emits and accepts.
const (
	TypePerson      = "Person"
	TypeGroup       = "Group"
	TypeApplication = "Application"
	TypeService     = "Service"
)

// Field is one profile field, federated as a schema.org PropertyValue.
// Value is HTML.
type Field struct {
	Name  string
	Value string
}

// Names of the profile fields copse fills from a member's organisation,
// department and role.
const (
	FieldOrganisation = "Organisation"
	FieldDepartment   = "Department"
	FieldRole         = "Role"
)

// Image is an actor's icon or header.
type Image struct {
	URL       string
	MediaType string
}

// PublicKey is an actor's signing key (security vocabulary).
type PublicKey struct {
	ID    string // e.g. https://host/users/alice#main-key
	Owner string // the actor's ID
	PEM   string // PKIX "PUBLIC KEY" PEM
}

// Actor is a Person, Group, Application or Service.
type Actor struct {
	ID                string
	Type              string
	PreferredUsername string
	Name              string
	Summary           string // HTML
	URL               string // profile page for people
	Icon              *Image
	Image             *Image
	Inbox             string
	Outbox            string
	Followers         string
	Following         string
	Featured          string
	SharedInbox       string // endpoints.sharedInbox
	PublicKey         PublicKey
	// Ed25519 is the actor's Ed25519 key in assertionMethod (FEP-521a);
	// its zero value (no ID) for none.
	Ed25519                   Multikey
	ManuallyApprovesFollowers bool
	Discoverable              bool
	Published                 time.Time // zero: omitted
	Updated                   time.Time // last profile change; zero: omitted (Mastodon sends none)
	Fields                    []Field   // PropertyValue attachments
	Emojis                    []Emoji   // custom emojis in name, summary and fields
	AlsoKnownAs               []string
	MovedTo                   string
	// AttributedTo is, on a Group, the collection of its moderators (FEP-1b12).
	AttributedTo string
	// Moderators is, on a Group, Lemmy's name for the same collection.
	Moderators string
	// PostingRestrictedToMods: on a Group, only its moderators post (Lemmy).
	PostingRestrictedToMods bool
}

// Tag types.
const (
	TagMention = "Mention"
	TagHashtag = "Hashtag"
)

// Tag is a Mention (Href: the actor ID, Name: "@user@host") or a Hashtag
// (Href: the tag page, Name: "#tag").
type Tag struct {
	Type string
	Href string
	Name string
}

// Attachment is a file attached to a note: Document or Image.
type Attachment struct {
	Type       string // "Document" unless the peer said otherwise
	MediaType  string
	URL        string
	Name       string // alt text
	Blurhash   string
	Width      int
	Height     int
	FocalPoint *[2]float64 // x, y in [-1, 1]
}

// Object types for posts.
const (
	TypeNote      = "Note"
	TypeArticle   = "Article"
	TypeQuestion  = "Question"
	TypePage      = "Page"
	TypeTombstone = "Tombstone"
)

// Note is a post: a Note, or an Article (an artefact), or a Page read
// from a peer as if it were a Note, or a Question (a post with a poll).
type Note struct {
	ID           string
	Type         string // TypeNote unless set
	AttributedTo string
	Name         string // title (Article)
	Summary      string // content warning (Note) or summary (Article)
	Content      string // HTML
	URL          string
	InReplyTo    string
	To           []string
	CC           []string
	Published    time.Time
	Updated      time.Time // zero: never edited
	Sensitive    bool
	Tags         []Tag
	Emojis       []Emoji // custom emojis its text uses
	Attachments  []Attachment
	Replies      string // collection IRI, optional
	Language     string // BCP 47 tag from contentMap, optional
	Poll         *Poll  // a Question's oneOf or anyOf; nil for any other post
	// Audience is the community (Group) the post belongs to (FEP-1b12).
	Audience string
	// Context is the thread's collection (FEP-7888), optional.
	Context string
}

// Poll is the poll of a Question, as Mastodon federates it.
type Poll struct {
	Multiple    bool // anyOf (any number of choices) rather than oneOf
	Options     []PollOption
	EndTime     time.Time // zero: no end given
	Closed      time.Time // zero while open
	VotersCount int       // toot:votersCount; 0 when not given
}

// PollOption is one choice: an embedded Note whose name is the option and
// whose replies collection counts its votes.
type PollOption struct {
	Name  string
	Votes int
}

// Activity types copse handles.
const (
	TypeCreate   = "Create"
	TypeUpdate   = "Update"
	TypeDelete   = "Delete"
	TypeFollow   = "Follow"
	TypeAccept   = "Accept"
	TypeReject   = "Reject"
	TypeUndo     = "Undo"
	TypeLike     = "Like"
	TypeAnnounce = "Announce"
	TypeBlock    = "Block"
	TypeFlag     = "Flag"
	TypeMove     = "Move"
)

// Activity is any activity. Its Object is either only an IRI, or an
// embedded object of which exactly one of Note, Actor or Activity is set.
type Activity struct {
	ID        string
	Type      string
	Actor     string
	To        []string
	CC        []string
	Published time.Time
	Object    Object
	Target    string
	Content   string // Flag comment
	// Result is what an activity made: the item a community's Accept of a
	// member's proposal (a Create or Update from another node) made or
	// changed. One IRI.
	Result string
	// Audience holds the IRIs that the activity's `audience` and its
	// embedded object's name (FEP-1b12: how Lemmy, PieFed and Mbin say
	// which community a post belongs to), as ParseActivity read them from
	// the JSON, which the vocabulary types do not carry. Top level only.
	Audience []string
}

// Object is the object of an activity: an IRI, possibly with the embedded
// document it names.
type Object struct {
	IRI      string
	Type     string // the embedded object's type, "" when only an IRI
	Note     *Note
	Actor    *Actor
	Activity *Activity
	// Tombstone is set when the embedded object is a Tombstone.
	Tombstone bool
	// More are further objects (a Flag names several); only their IRIs.
	More []string
}

// Collection is an OrderedCollection that points at its first page.
type Collection struct {
	ID         string
	TotalItems int
	First      string
	Last       string
	// Items, when not nil, are listed inline as orderedItems (IRIs), for
	// small collections such as a member's pinned posts.
	Items []string
}

// CollectionPage is one OrderedCollectionPage. Items are IRIs, or embedded
// activities when Activities is set (outboxes).
type CollectionPage struct {
	ID         string
	PartOf     string
	Next       string
	Prev       string
	TotalItems int
	Items      []string
	Activities []Activity
	// Stored are activities as they were sent (a node's own, kept as
	// published), embedded unchanged but for their @context; when set,
	// they are the items instead of Activities or Items.
	Stored []json.RawMessage
}
