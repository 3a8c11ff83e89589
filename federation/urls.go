package federation

import (
	"net/url"
	"strings"

	"github.com/copse-dev/copse/storage"
)

// URLs lays out the IRIs of a node's actors and objects. Both the engine
// (which mints them) and web/ap (which serves them) use it, so the two can
// never disagree.
type URLs struct {
	Base string // "https://council-a.example"
}

// Host is the node's host, with port if any.
func (u URLs) Host() string {
	p, err := url.Parse(u.Base)
	if err != nil {
		return ""
	}
	return p.Host
}

// Actor is a local account's actor IRI.
func (u URLs) Actor(username string) string { return u.Base + "/users/" + username }

// Key is the IRI of a local account's public key.
func (u URLs) Key(username string) string { return u.Actor(username) + "#main-key" }

// Ed25519Key is the id of an actor's Ed25519 key (assertionMethod).
func (u URLs) Ed25519Key(username string) string { return u.Actor(username) + "#ed25519-key" }

// Inbox is a local account's own inbox.
func (u URLs) Inbox(username string) string { return u.Actor(username) + "/inbox" }

// Outbox is a local account's outbox.
func (u URLs) Outbox(username string) string { return u.Actor(username) + "/outbox" }

// Followers is a local account's followers collection.
func (u URLs) Followers(username string) string { return u.Actor(username) + "/followers" }

// Following is a local account's following collection.
func (u URLs) Following(username string) string { return u.Actor(username) + "/following" }

// Featured is a local account's pinned posts collection.
func (u URLs) Featured(username string) string { return u.Actor(username) + "/collections/featured" }

// Emoji is the address of one of the node's custom emojis, served as
// Mastodon serves one.
func (u URLs) Emoji(id storage.ID) string { return u.Base + "/emojis/" + id.String() }

// Media is the address of a file under the media directory.
func (u URLs) Media(file string) string { return u.Base + "/media/" + file }

// ProposalFile is the address of a file held for a proposal to a
// community on another node, until that node has fetched it.
func (u URLs) ProposalFile(token string) string { return u.Base + "/proposal-files/" + token }

// SharedInbox is the node's shared inbox.
func (u URLs) SharedInbox() string { return u.Base + "/inbox" }

// Profile is a local account's profile page.
func (u URLs) Profile(username string) string { return u.Base + "/@" + username }

// Status is a local status's object IRI.
func (u URLs) Status(username string, id storage.ID) string {
	return u.Actor(username) + "/statuses/" + id.String()
}

// StatusPage is a local status's web page.
func (u URLs) StatusPage(username string, id storage.ID) string {
	return u.Profile(username) + "/" + id.String()
}

// Activity is the IRI of an activity a local account published.
func (u URLs) Activity(username string, id storage.ID) string {
	return u.Actor(username) + "/activities/" + id.String()
}

// Tag is the page of a hashtag.
func (u URLs) Tag(name string) string {
	return u.Base + "/tags/" + url.PathEscape(strings.ToLower(name))
}

// IsLocal reports whether iri lives on this node.
func (u URLs) IsLocal(iri string) bool {
	return strings.HasPrefix(iri, u.Base+"/")
}

// LocalUsername returns the username of a local actor IRI
// (".../users/alice", or its key ".../users/alice#main-key").
func (u URLs) LocalUsername(iri string) (string, bool) {
	rest, ok := strings.CutPrefix(iri, u.Base+"/users/")
	if !ok {
		return "", false
	}
	rest, _, _ = strings.Cut(rest, "#")
	if rest == "" || strings.Contains(rest, "/") {
		return "", false
	}
	return rest, true
}
