package api

// The entities of Mastodon's client API, field for field as its
// documentation gives them: names, types and nulls matter, since apps
// decode them strictly.

import (
	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// Account is Mastodon's Account entity.
type Account struct {
	ID             string        `json:"id"`
	Username       string        `json:"username"`
	Acct           string        `json:"acct"`
	DisplayName    string        `json:"display_name"`
	Locked         bool          `json:"locked"`
	Bot            bool          `json:"bot"`
	Discoverable   bool          `json:"discoverable"`
	Group          bool          `json:"group"`
	CreatedAt      string        `json:"created_at"`
	Note           string        `json:"note"`
	URL            string        `json:"url"`
	URI            string        `json:"uri"`
	Avatar         string        `json:"avatar"`
	AvatarStatic   string        `json:"avatar_static"`
	Header         string        `json:"header"`
	HeaderStatic   string        `json:"header_static"`
	FollowersCount int           `json:"followers_count"`
	FollowingCount int           `json:"following_count"`
	StatusesCount  int           `json:"statuses_count"`
	LastStatusAt   *string       `json:"last_status_at"`
	Emojis         []CustomEmoji `json:"emojis"`
	Fields         []Field       `json:"fields"`
	Roles          []any         `json:"roles,omitempty"`
	Source         *Source       `json:"source,omitempty"`
	Role           *Role         `json:"role,omitempty"` // CredentialAccount only
	Noindex        bool          `json:"noindex"`
	Moved          *Account      `json:"moved,omitempty"`
}

// Field is a profile field.
type Field struct {
	Name       string  `json:"name"`
	Value      string  `json:"value"`
	VerifiedAt *string `json:"verified_at"`
}

// Source is the plain text of a member's own profile (verify_credentials).
type Source struct {
	Privacy             string  `json:"privacy"`
	Sensitive           bool    `json:"sensitive"`
	Language            string  `json:"language"`
	Note                string  `json:"note"`
	Fields              []Field `json:"fields"`
	FollowRequestsCount int     `json:"follow_requests_count"`
}

// Status is Mastodon's Status entity.
type Status struct {
	ID                 string        `json:"id"`
	URI                string        `json:"uri"`
	URL                *string       `json:"url"`
	CreatedAt          string        `json:"created_at"`
	EditedAt           *string       `json:"edited_at"`
	Account            Account       `json:"account"`
	Content            string        `json:"content"`
	Visibility         string        `json:"visibility"`
	Sensitive          bool          `json:"sensitive"`
	SpoilerText        string        `json:"spoiler_text"`
	MediaAttachments   []Attachment  `json:"media_attachments"`
	Application        *Application  `json:"application"`
	Mentions           []Mention     `json:"mentions"`
	Tags               []Tag         `json:"tags"`
	Emojis             []CustomEmoji `json:"emojis"`
	ReblogsCount       int           `json:"reblogs_count"`
	FavouritesCount    int           `json:"favourites_count"`
	RepliesCount       int           `json:"replies_count"`
	InReplyToID        *string       `json:"in_reply_to_id"`
	InReplyToAccountID *string       `json:"in_reply_to_account_id"`
	Reblog             *Status       `json:"reblog"`
	Poll               any           `json:"poll"`
	Card               *PreviewCard  `json:"card"`
	Language           *string       `json:"language"`
	Text               *string       `json:"text"`
	Favourited         bool          `json:"favourited"`
	Reblogged          bool          `json:"reblogged"`
	Muted              bool          `json:"muted"`
	Bookmarked         bool          `json:"bookmarked"`
	Pinned             bool          `json:"pinned"`
	Filtered           []any         `json:"filtered"`
}

// PreviewCard is a link preview (Mastodon's PreviewCard): what the page
// a status links to says of itself, and its image as this node keeps it.
type PreviewCard struct {
	URL              string  `json:"url"`
	Title            string  `json:"title"`
	Description      string  `json:"description"`
	Type             string  `json:"type"` // "link"
	AuthorName       string  `json:"author_name"`
	AuthorURL        string  `json:"author_url"`
	ProviderName     string  `json:"provider_name"`
	ProviderURL      string  `json:"provider_url"`
	HTML             string  `json:"html"`
	Width            int     `json:"width"`
	Height           int     `json:"height"`
	Image            *string `json:"image"`
	ImageDescription string  `json:"image_description"`
	EmbedURL         string  `json:"embed_url"`
	Blurhash         *string `json:"blurhash"`
	Language         *string `json:"language"`
	PublishedAt      *string `json:"published_at"`
	Authors          []any   `json:"authors"`
}

// cardEntity converts a stored card; it does no I/O.
func cardEntity(c storage.PreviewCard, urls federation.URLs) *PreviewCard {
	e := &PreviewCard{URL: c.URL, Title: c.Title, Description: c.Description, Type: "link", AuthorName: c.AuthorName,
		ProviderName: c.ProviderName, ProviderURL: c.ProviderURL, Authors: []any{}}
	if c.Image != "" {
		image, hash := urls.Media(c.Image), c.Blurhash
		e.Image, e.Width, e.Height = &image, c.ImageWidth, c.ImageHeight
		if hash != "" {
			e.Blurhash = &hash
		}
	}
	if c.Language != "" {
		e.Language = &c.Language
	}
	if !c.PublishedAt.IsZero() {
		t := isoTime(c.PublishedAt)
		e.PublishedAt = &t
	}
	return e
}

// Application names the app a status was posted from.
type Application struct {
	Name    string  `json:"name"`
	Website *string `json:"website"`
}

// Mention is a mentioned account in a Status.
type Mention struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

// Tag is a hashtag in a Status.
type Tag struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Attachment is Mastodon's MediaAttachment entity.
type Attachment struct {
	ID          string  `json:"id"`
	Type        string  `json:"type"`
	URL         string  `json:"url"`
	PreviewURL  *string `json:"preview_url"`
	RemoteURL   *string `json:"remote_url"`
	Meta        any     `json:"meta"`
	Description *string `json:"description"`
	Blurhash    *string `json:"blurhash"`
}

// Relationship is Mastodon's Relationship entity.
type Relationship struct {
	ID                  string `json:"id"`
	Following           bool   `json:"following"`
	ShowingReblogs      bool   `json:"showing_reblogs"`
	Notifying           bool   `json:"notifying"`
	Languages           []any  `json:"languages"`
	FollowedBy          bool   `json:"followed_by"`
	Blocking            bool   `json:"blocking"`
	BlockedBy           bool   `json:"blocked_by"`
	Muting              bool   `json:"muting"`
	MutingNotifications bool   `json:"muting_notifications"`
	Requested           bool   `json:"requested"`
	RequestedBy         bool   `json:"requested_by"`
	DomainBlocking      bool   `json:"domain_blocking"`
	Endorsed            bool   `json:"endorsed"`
	Note                string `json:"note"`
}

// Notification is Mastodon's Notification entity.
type Notification struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"`
	CreatedAt string  `json:"created_at"`
	Account   Account `json:"account"`
	Status    *Status `json:"status,omitempty"`
	// ModerationWarning: for a moderation_warning, the action and its reason.
	ModerationWarning *AccountWarning `json:"moderation_warning,omitempty"`
	// Report: for an admin.report, the report.
	Report *Report `json:"report,omitempty"`
	// Proposal: for a proposal_refused (copse's own type), the proposal a
	// community on another node refused, and why.
	Proposal *ProposalNotice `json:"proposal,omitempty"`
	// Community: for a join_request (copse's own type), the community
	// the account asks to join, which the member moderates; for a
	// join_accepted or join_refused, the community that answered the
	// member's request.
	Community *Account `json:"community,omitempty"`
}

// ProposalNotice is what a proposal_refused notification says of the
// proposal (GET /api/copse/v1/proposals/{id} has the rest).
type ProposalNotice struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`   // artefact, term or event
	Action string `json:"action"` // create, update, restore or cancel
	Title  string `json:"title"`
	Reason string `json:"reason"`
}

// CustomEmoji is Mastodon's CustomEmoji entity: an image an app draws in
// place of :shortcode: in a post's or profile's text.
type CustomEmoji struct {
	Shortcode       string  `json:"shortcode"`
	URL             string  `json:"url"`
	StaticURL       string  `json:"static_url"`
	VisibleInPicker bool    `json:"visible_in_picker"`
	Category        *string `json:"category"`
}

// emojiEntities converts the custom emojis a peer's post or profile uses;
// copse keeps no still copy of an animated one, so static_url is the
// image itself. Never nil: apps expect an array.
func emojiEntities(es []activitypub.Emoji) []CustomEmoji {
	out := make([]CustomEmoji, 0, len(es))
	for _, e := range es {
		out = append(out, CustomEmoji{Shortcode: e.Shortcode, URL: e.URL, StaticURL: e.URL})
	}
	return out
}
