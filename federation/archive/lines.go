package archive

import (
	"encoding/json"
	"time"
)

// The JSON shapes of an archive's sections, shared by export and import.
// People are named by their actor id everywhere, never by a node's
// internal row ID, so an archive means the same on any node.

// CommunityDoc is community.json.
type CommunityDoc struct {
	Group      json.RawMessage `json:"group"` // the Group actor document as served
	Handle     string          `json:"handle"`
	Name       string          `json:"name"`
	Settings   Settings        `json:"settings"`
	Moderators []string        `json:"moderators"` // actor ids
	Creator    string          `json:"creator,omitempty"`
}

// Settings are a community's policies.
type Settings struct {
	DescriptionSource string    `json:"description_source"` // Markdown
	Rules             string    `json:"rules"`
	Language          string    `json:"language"`
	JoinPolicy        string    `json:"join_policy"`
	PostingPolicy     string    `json:"posting_policy"`
	Visibility        string    `json:"visibility"`
	CreatedAt         time.Time `json:"created_at"`
}

// Person is an account as an archive names it: enough to make it a
// remote account on the node that imports the archive.
type Person struct {
	ID           string `json:"id"` // actor id
	Username     string `json:"username"`
	Domain       string `json:"domain"` // the host the account lives on
	DisplayName  string `json:"display_name,omitempty"`
	URL          string `json:"url,omitempty"`
	Inbox        string `json:"inbox,omitempty"`
	SharedInbox  string `json:"shared_inbox,omitempty"`
	Organisation string `json:"organisation,omitempty"`
	Department   string `json:"department,omitempty"`
	JobTitle     string `json:"job_title,omitempty"`
}

// ThreadLine is one line of threads.jsonl: a post of the community, its
// parents before it.
type ThreadLine struct {
	Object json.RawMessage `json:"object"` // the Note (or Question, Page) as served
	Root   string          `json:"root"`   // id of the thread's first post
	Author Person          `json:"author"`
	Source string          `json:"source,omitempty"` // what a local author typed
}

// ArtefactLine is one line of artefacts.jsonl: an artefact with every
// version.
type ArtefactLine struct {
	ID           string        `json:"id"`
	Title        string        `json:"title"`
	Tags         []string      `json:"tags"`
	Authors      []string      `json:"authors"` // actor ids
	Organisation string        `json:"organisation"`
	Licence      string        `json:"licence"`
	EditPolicy   string        `json:"edit_policy"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	Versions     []VersionLine `json:"versions"` // oldest first
}

// VersionLine is one version of an artefact.
type VersionLine struct {
	Number     int        `json:"number"`
	Title      string     `json:"title"`
	Summary    string     `json:"summary"`
	BodySource string     `json:"body_source"`
	BodyHTML   string     `json:"body_html"`
	Files      []FileLine `json:"files"`
	Editor     string     `json:"editor,omitempty"` // actor id
	Note       string     `json:"note"`
	CreatedAt  time.Time  `json:"created_at"`
}

// FileLine is a file of a version. Its bytes are the entry
// files/<sha256> when the exporting node held them; a file known there
// only by URL (a remote artefact's) has URL set and no entry.
type FileLine struct {
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	URL       string `json:"url,omitempty"`
	InArchive bool   `json:"in_archive"`
}

// MemberLine is one line of members.jsonl.
type MemberLine struct {
	Person
	Moderator bool `json:"moderator,omitempty"`
}

// ModerationLine is one line of moderation_log.jsonl.
type ModerationLine struct {
	Moderator string    `json:"moderator"` // actor id
	Action    string    `json:"action"`
	Target    string    `json:"target"`
	Reason    string    `json:"reason,omitempty"`
	Activity  string    `json:"activity,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// TermLine is one line of glossary.jsonl (version 2): a glossary term
// with every version.
type TermLine struct {
	ID        string            `json:"id"` // its ActivityPub id on the exporting node
	Creator   string            `json:"creator,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
	Versions  []TermVersionLine `json:"versions"` // oldest first
}

// TermVersionLine is one version of a term. The definition is Markdown:
// an import renders it again.
type TermVersionLine struct {
	Number           int       `json:"number"`
	Term             string    `json:"term"`
	DefinitionSource string    `json:"definition_source"`
	Aliases          []string  `json:"aliases"`
	Related          []string  `json:"related"`
	ReferenceURL     string    `json:"reference_url,omitempty"`
	ReferenceText    string    `json:"reference_text,omitempty"`
	Editor           string    `json:"editor,omitempty"` // actor id
	Note             string    `json:"note"`
	CreatedAt        time.Time `json:"created_at"`
}

// EventLine is one line of events.jsonl (version 2): an event with the
// attendees the exporting node knew of.
type EventLine struct {
	ID                string    `json:"id"` // its ActivityPub id on the exporting node
	Organiser         string    `json:"organiser,omitempty"`
	Name              string    `json:"name"`
	DescriptionSource string    `json:"description_source"` // Markdown
	Start             time.Time `json:"start"`
	End               time.Time `json:"end"`
	TimeZone          string    `json:"timezone"`
	PlaceName         string    `json:"place_name,omitempty"`
	PlaceAddress      string    `json:"place_address,omitempty"`
	OnlineURL         string    `json:"online_url,omitempty"`
	Capacity          int       `json:"capacity"`
	CancelledAt       time.Time `json:"cancelled_at,omitzero"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	Attendees         []Person  `json:"attendees"`
}
