package federation

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// Community content on the wire (issue 12): what copse creates in a
// community carries the Group as audience and in cc, the thread's context
// collection (FEP-7888) and a replies collection; a Group hosted here
// announces likes, edits, deletes and undos of its content as received;
// and members here read remote communities from the Group's announces.

// MaxThreadTitle bounds a title taken from a thread's first line: Lemmy
// refuses titles past 200 characters.
const MaxThreadTitle = 200

// ContextURL is the FEP-7888 context collection of the thread whose first
// post is the local status statusURI (web/ap serves it).
func ContextURL(statusURI string) string { return statusURI + "/context" }

// RepliesURL is the replies collection of a local status (web/ap serves it).
func RepliesURL(statusURI string) string { return statusURI + "/replies" }

// communityReader is what finding a status's community, and checking a
// moderator, read: the store's readers, or a transaction.
type communityReader interface {
	CommunityPost(ctx context.Context, statusID storage.ID) (storage.CommunityPost, error)
	CommunityByAccount(ctx context.Context, id storage.ID) (storage.Community, error)
	moderatorReader
	AccountByID(ctx context.Context, id storage.ID) (storage.Account, error)
	StatusByID(ctx context.Context, id storage.ID) (storage.Status, error)
}

// communityOf returns the Group a status belongs to and its thread's
// context IRI; ok is false when it belongs to none.
func communityOf(ctx context.Context, q communityReader, st storage.Status) (g storage.Account, threadCtx string, ok bool, err error) {
	if st.ID == 0 {
		return storage.Account{}, "", false, nil
	}
	p, err := q.CommunityPost(ctx, st.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Account{}, "", false, nil
	}
	if err != nil {
		return storage.Account{}, "", false, err
	}
	g, err = q.AccountByID(ctx, p.GroupID)
	if err != nil {
		return storage.Account{}, "", false, fmt.Errorf("community of %s: %w", st.URI, err)
	}
	threadCtx, err = threadContext(ctx, q, p)
	return g, threadCtx, err == nil, err
}

// threadContext is the context collection of the thread p is in: its
// root's own when the root was written here (web/ap serves it), else the
// one the root arrived with.
func threadContext(ctx context.Context, q communityReader, p storage.CommunityPost) (string, error) {
	root, err := q.StatusByID(ctx, p.RootID)
	if errors.Is(err, storage.ErrNotFound) {
		return p.Context, nil
	}
	if err != nil {
		return "", fmt.Errorf("thread of %d: %w", p.StatusID, err)
	}
	if root.Local {
		return ContextURL(root.URI), nil
	}
	if p.RootID != p.StatusID {
		if rp, err := q.CommunityPost(ctx, p.RootID); err == nil && rp.Context != "" {
			return rp.Context, nil
		}
	}
	return p.Context, nil
}

// placeInCommunity decides, for a local member's new status, the
// community it goes into: the one of the post it answers, else a Group
// it mentions. It sets what the status's Note says of it (nc) and, for a
// thread with no title, the title from its first line. Only public and
// unlisted posts go into a community: announcing a narrower one would
// widen it. st must have its ID and URI. It returns the record to store
// once the status is (nil for none, or for a Group hosted here, which
// records what it accepts in communityReceive).
func (e *Engine) placeInCommunity(ctx context.Context, tx *storage.Tx, st *storage.Status, parent storage.Status, mentioned []storage.Account, nc *noteContext) (*storage.CommunityPost, error) {
	if !isListed(st.Visibility) {
		return nil, nil
	}
	p := storage.CommunityPost{StatusID: st.ID, RootID: st.ID, Context: ContextURL(st.URI)}
	var g storage.Account
	if parent.ID != 0 {
		pg, pctx, ok, err := communityOf(ctx, tx, parent)
		if err != nil || !ok {
			return nil, err
		}
		pp, err := tx.CommunityPost(ctx, parent.ID)
		if err != nil {
			return nil, err
		}
		g, p.RootID, p.Context = pg, pp.RootID, pctx
	} else {
		for _, m := range mentioned {
			if m.ActorType == activitypub.TypeGroup {
				g = m
				break
			}
		}
		if g.ID == 0 {
			return nil, nil
		}
		if st.Title == "" {
			st.Title = firstLine(st.SourceText)
		}
	}
	p.GroupID = g.ID
	nc.Community, nc.Context = &g, p.Context
	membersOnly, err := membersOnlyCommunity(ctx, tx, g)
	if err != nil {
		return nil, err
	}
	if membersOnly {
		// Stored followers-only and addressed to the Group's followers
		// (membersOnlyNote): never public, on the wire or here.
		st.Visibility = activitypub.FollowersOnly
	}
	if g.Local() {
		return nil, nil
	}
	return &p, nil
}

// firstLine is a thread's title when it has none: its first non-blank
// line, plain text, without the mentions it starts with (how Mastodon
// users address a community), shortened to MaxThreadTitle characters.
func firstLine(text string) string {
	for _, line := range strings.Split(text, "\n") {
		words := strings.Fields(line)
		for len(words) > 0 && strings.HasPrefix(words[0], "@") {
			words = words[1:]
		}
		line = strings.Join(words, " ")
		if line == "" {
			continue
		}
		if utf8.RuneCountInString(line) > MaxThreadTitle {
			r := []rune(line)
			line = strings.TrimSpace(string(r[:MaxThreadTitle-1])) + "…"
		}
		return line
	}
	return ""
}

// recordCommunityPost records a status that a Group accepted or
// announced as that Group's: its thread is its parent's when the parent
// is community content, else it starts one. threadCtx is the context the
// post arrived with ("" for none).
func recordCommunityPost(ctx context.Context, tx *storage.Tx, g storage.Account, st storage.Status, threadCtx string) error {
	if st.Local && !g.Local() && !slices.Contains(st.Mentions, g.ID) {
		// A post written here is placed in the community it was posted
		// to when it is written (placeInCommunity); a remote Group's
		// announce of another (any public post can be boosted) does not
		// make it that Group's, to moderate.
		return nil
	}
	p := storage.CommunityPost{StatusID: st.ID, GroupID: g.ID, RootID: st.ID, Context: threadCtx}
	if st.InReplyToID != 0 {
		if pp, err := tx.CommunityPost(ctx, st.InReplyToID); err == nil {
			p.RootID = pp.RootID
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
	}
	return tx.AddCommunityPost(ctx, p)
}

// recordRemoteNote records a remote post that reached this node directly
// (not through a Group's announce) as community content when it is: its
// audience is a Group known here, or it answers community content.
func (e *Engine) recordRemoteNote(ctx context.Context, tx *storage.Tx, st storage.Status, n activitypub.Note) error {
	if !isListed(st.Visibility) {
		return nil
	}
	if st.InReplyToID != 0 {
		if pp, err := tx.CommunityPost(ctx, st.InReplyToID); err == nil {
			return tx.AddCommunityPost(ctx, storage.CommunityPost{StatusID: st.ID, GroupID: pp.GroupID, RootID: pp.RootID, Context: n.Context})
		}
	}
	if n.Audience == "" {
		return nil
	}
	if _, ok := e.urls.LocalUsername(n.Audience); ok {
		return nil // a Group hosted here records what it accepts
	}
	g, err := tx.AccountByURI(ctx, n.Audience)
	if err != nil || g.ActorType != activitypub.TypeGroup {
		return ignoreNotFound(err)
	}
	return recordCommunityPost(ctx, tx, g, st, n.Context)
}

// communityGroups adds to groups the local Group whose content act
// concerns: for a Create, the community of the post it answers (a
// Mastodon user's reply to a thread names only its author); for a Like,
// Update, Delete or Undo, the community of st itself.
func (e *Engine) communityGroups(ctx context.Context, tx *storage.Tx, act activitypub.Activity, st storage.Status, groups []storage.Account) ([]storage.Account, error) {
	id := st.ID
	if act.Type == activitypub.TypeCreate {
		id = st.InReplyToID
	}
	if id == 0 {
		return groups, nil
	}
	gid, err := tx.CommunityOfStatus(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return groups, nil
	}
	if err != nil {
		return nil, err
	}
	g, err := tx.AccountByID(ctx, gid)
	if err != nil {
		return nil, fmt.Errorf("community %d: %w", gid, err)
	}
	return append(groups, g), nil
}

// communityRelay is what a Group hosted here does with a Like, Update,
// Delete or Undo of its content: it announces it as received to the
// follower nodes that read it, and takes its boost of a deleted thread
// back (relayToCommunity). The engine checked beforehand that an Update
// or Delete is by the post's author (applyUpdate, applyDelete, Edit,
// DeleteStatus).
func (e *Engine) communityRelay(ctx context.Context, tx *storage.Tx, g, author storage.Account, act activitypub.Activity, raw []byte, st storage.Status) error {
	switch act.Type {
	case activitypub.TypeLike, activitypub.TypeUpdate, activitypub.TypeDelete, activitypub.TypeUndo:
	default:
		return nil
	}
	if st.ID == 0 {
		return nil
	}
	gid, err := tx.CommunityOfStatus(ctx, st.ID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && gid != g.ID) {
		return nil // not this community's content
	}
	if err != nil {
		return err
	}
	if act.Type == activitypub.TypeLike {
		// A like is passed on only from someone who may take part: not
		// banned, and in a members-only community a member (the rule of
		// its repertoire, isContributor). Another's like stays theirs.
		ok, err := mayReact(ctx, tx, g, author)
		if err != nil || !ok {
			return err
		}
	}
	return e.relayToCommunity(ctx, tx, g, act, raw, st)
}

// mayReact reports whether account's reactions (likes) to community g's
// content are the community's to pass on: not while banned from it, and
// in a members-only community only a member's.
func mayReact(ctx context.Context, tx *storage.Tx, g, account storage.Account) (bool, error) {
	membersOnly, err := membersOnlyCommunity(ctx, tx, g)
	if err != nil {
		return false, err
	}
	if membersOnly {
		return isContributor(ctx, tx, g, account)
	}
	banned, _, err := communityBanned(ctx, tx, g, account)
	return !banned, err
}

// communityInboxes adds, for a local member's activity about community
// content, the inbox of the remote Group the content belongs to, so the
// Group can announce it (a Group hosted here hears of it through
// deliverLocal).
func communityInboxes(ctx context.Context, q communityReader, st storage.Status, inboxes []string) ([]string, error) {
	g, _, ok, err := communityOf(ctx, q, st)
	if err != nil || !ok || g.Local() {
		return inboxes, err
	}
	return append(inboxes, g.DeliveryInbox()), nil
}

// groupAnnounce takes what a remote Group a member here follows
// announces: Announce{Create{post}} (Lemmy, PieFed, Mbin, NodeBB, copse),
// Announce{post} (NodeBB announces a topic both ways) and
// Announce{Update|Delete|Like|Undo}, and Announce{id}. It returns the post a Create or a
// bare post made, for applyAnnounce to boost when it starts a thread;
// handled is false when act is not a Group's announce, or a Group's
// Announce{id} of a post of this node: statusForAnnounce then treats it
// as a boost.
//
// The Group vouches only for itself: an embedded post or activity from
// another host is taken from its origin (fetched), never on the Group's
// word, and a like or undo from another host is dropped (the liker's own
// node tells the post's author directly).
func (e *Engine) groupAnnounce(ctx context.Context, act activitypub.Activity) (storage.Status, bool, error) {
	bare := act.Object.Activity == nil && act.Object.Note == nil
	g, err := e.store.AccountByURI(ctx, act.Actor)
	if err != nil || g.ActorType != activitypub.TypeGroup {
		// Not a Group: an embedded activity is ignored as before, an
		// embedded post or an id is fetched as a boost.
		return storage.Status{}, act.Object.Activity != nil, ignoreNotFound(err)
	}
	if obj := announcedObject(act); obj != "" && e.urls.IsLocal(obj) {
		// About a post of ours: known here already; a boost of it is
		// one like any other.
		return storage.Status{}, !bare, nil
	}
	followers, err := e.store.LocalFollowerIDs(ctx, g.ID)
	if err != nil || len(followers) == 0 {
		return storage.Status{}, true, err // nobody here reads this community
	}
	if handled, err := e.groupTerm(ctx, g, act); handled || err != nil {
		return storage.Status{}, true, err // a glossary term's version (glossary_wire.go)
	}
	if handled, err := e.groupArtefact(ctx, g, act); handled || err != nil {
		return storage.Status{}, true, err // an artefact's version (artefact_wire.go)
	}
	if handled, err := e.groupEvent(ctx, g, act); handled || err != nil {
		return storage.Status{}, true, err // an event (events_community_wire.go)
	}
	if bare {
		// Announce{id}, the boost shape (copse and Mbin send it beside
		// Announce{Create}): the post is the community's all the same.
		if act.Object.IRI == "" {
			return storage.Status{}, true, nil
		}
		st, err := e.takeCommunityNote(ctx, g, activitypub.Note{}, act.Object.IRI)
		return st, true, err
	}
	if act.Object.Note != nil {
		st, err := e.takeCommunityNote(ctx, g, *act.Object.Note, act.Object.IRI)
		return st, true, err
	}
	inner := *act.Object.Activity
	switch inner.Type {
	case activitypub.TypeCreate:
		if inner.Object.Note != nil {
			st, err := e.takeCommunityNote(ctx, g, *inner.Object.Note, inner.Object.IRI)
			return st, true, err
		}
		if inner.Object.IRI == "" {
			return storage.Status{}, true, nil
		}
		st, err := e.takeCommunityNote(ctx, g, activitypub.Note{}, inner.Object.IRI)
		return st, true, err
	case activitypub.TypeUpdate:
		if doc := inner.Object.Actor; doc != nil && doc.ID == g.URI {
			// Its own document, as a moderator changed it (Lemmy announces
			// its moderators' Update{Group}): the Group vouches for it.
			return storage.Status{}, true, e.store.InTx(ctx, func(tx *storage.Tx) error {
				return e.applyActorUpdate(ctx, tx, g, *doc)
			})
		}
		if inner.Object.Note == nil {
			return storage.Status{}, true, nil // another's profile, and the rest, come by themselves
		}
		n, author, err := e.trustedNote(ctx, g, *inner.Object.Note, inner.Object.IRI)
		if err != nil {
			return storage.Status{}, true, err
		}
		upd := activitypub.Activity{ID: inner.ID, Type: activitypub.TypeUpdate, Actor: author.URI,
			Object: activitypub.Object{IRI: n.ID, Type: n.Type, Note: &n}}
		return storage.Status{}, true, e.store.InTx(ctx, func(tx *storage.Tx) error {
			return e.applyUpdate(ctx, tx, author, upd)
		})
	case activitypub.TypeDelete:
		return storage.Status{}, true, e.groupDelete(ctx, g, inner)
	case activitypub.TypeLike, activitypub.TypeUndo:
		if !sameOrigin(inner.Actor, g.URI) || inner.ID == "" || !sameOrigin(inner.ID, inner.Actor) {
			return storage.Status{}, true, nil
		}
		actor, err := e.AccountByIRI(ctx, inner.Actor)
		if err != nil {
			return storage.Status{}, true, err
		}
		if actor.Local() {
			return storage.Status{}, true, nil
		}
		return storage.Status{}, true, e.store.InTx(ctx, func(tx *storage.Tx) error {
			if fresh, err := tx.MarkProcessed(ctx, inner.ID); err != nil || !fresh {
				return err
			}
			if inner.Type == activitypub.TypeLike {
				return e.applyLike(ctx, tx, actor, inner)
			}
			return e.applyUndo(ctx, tx, actor, inner)
		})
	}
	return storage.Status{}, true, nil
}

// groupDelete applies an announced Delete of a post by its author: taken
// on the Group's word when the author is on the Group's host, else only
// when the post's origin says it is gone.
func (e *Engine) groupDelete(ctx context.Context, g storage.Account, del activitypub.Activity) error {
	iri := del.Object.IRI
	if iri == "" || del.Actor == "" || !sameOrigin(iri, del.Actor) {
		return nil
	}
	st, err := e.store.StatusByURI(ctx, iri)
	if err != nil {
		return ignoreNotFound(err)
	}
	if !sameOrigin(del.Actor, g.URI) {
		_, err := e.fetcher.Get(ctx, iri)
		var se *StatusError
		if err == nil || !errors.As(err, &se) || (se.Code != http.StatusGone && se.Code != http.StatusNotFound) {
			return nil // still there, or the origin did not answer: kept
		}
	}
	author, err := e.store.AccountByID(ctx, st.AccountID)
	if err != nil || author.URI != del.Actor {
		return ignoreNotFound(err)
	}
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		return e.applyDelete(ctx, tx, author, activitypub.Activity{ID: del.ID, Type: activitypub.TypeDelete,
			Actor: author.URI, Object: activitypub.Object{IRI: iri}})
	})
}

// trustedNote returns the post n (embedded in a Group's announce; empty
// when only iri was given) as its origin states it: taken as embedded
// when the post and its author are on the Group's host, else fetched. It
// returns the post's author too.
func (e *Engine) trustedNote(ctx context.Context, g storage.Account, n activitypub.Note, iri string) (activitypub.Note, storage.Account, error) {
	if n.ID == "" || !sameOrigin(n.ID, g.URI) || !sameOrigin(n.AttributedTo, g.URI) {
		if n.ID != "" {
			iri = n.ID
		}
		if e.urls.IsLocal(iri) {
			return activitypub.Note{}, storage.Account{}, fmt.Errorf("announce of local %s: %w", iri, ErrDenied)
		}
		body, err := e.fetcher.Get(ctx, iri)
		if err != nil {
			return activitypub.Note{}, storage.Account{}, fmt.Errorf("fetch note %s: %w", iri, err)
		}
		if n, err = activitypub.ParseNote(body); err != nil {
			return activitypub.Note{}, storage.Account{}, fmt.Errorf("fetch note %s: %w", iri, err)
		}
		if n.ID != iri && !sameOrigin(n.ID, iri) {
			return activitypub.Note{}, storage.Account{}, fmt.Errorf("fetch note %s: id %s: %w", iri, n.ID, ErrDenied)
		}
	}
	if !sameOrigin(n.ID, n.AttributedTo) {
		return activitypub.Note{}, storage.Account{}, fmt.Errorf("note %s by %s: %w", n.ID, n.AttributedTo, ErrDenied)
	}
	author, err := e.AccountByIRI(ctx, n.AttributedTo)
	if err != nil {
		return activitypub.Note{}, storage.Account{}, err
	}
	if author.Local() {
		return activitypub.Note{}, storage.Account{}, fmt.Errorf("note %s claims a local author: %w", n.ID, ErrDenied)
	}
	return n, author, nil
}

// takeCommunityNote stores a post a Group announced as that community's:
// a thread (titled from its first line when it has no name) or a reply
// attached to its thread. Replies go straight into the home feeds of the
// Group's followers here; threads reach them as the Group's boost
// (applyAnnounce). A post stored before is only recorded as the Group's.
func (e *Engine) takeCommunityNote(ctx context.Context, g storage.Account, n activitypub.Note, iri string) (storage.Status, error) {
	if existing, err := e.store.StatusByURI(ctx, cmpOr(n.ID, iri)); err == nil {
		if !isListed(existing.Visibility) {
			// Taking a followers-only or direct post into a members-only
			// community would show it to the members: only a post that
			// came as the Group's own members-only content is its.
			if p, err := e.store.CommunityPost(ctx, existing.ID); err != nil || p.GroupID != g.ID {
				return storage.Status{}, fmt.Errorf("announce of non-public %s: %w", existing.URI, ErrDenied)
			}
		}
		return existing, e.store.InTx(ctx, func(tx *storage.Tx) error {
			return recordCommunityPost(ctx, tx, g, existing, n.Context)
		})
	}
	n, author, err := e.trustedNote(ctx, g, n, iri)
	if err != nil {
		return storage.Status{}, err
	}
	toMembers := !isListed(activitypub.VisibilityOf(n.To, n.CC, author.Followers))
	if toMembers && !addressesFollowersOf(activitypub.Activity{To: n.To, CC: n.CC}, g) {
		return storage.Status{}, fmt.Errorf("announce of non-public %s: %w", n.ID, ErrDenied)
	}
	if n.InReplyTo == "" && n.Name == "" {
		// storeNote escapes the name: the title is given as text.
		n.Name = html.UnescapeString(firstLine(PlainText(n.Content)))
	}
	mentions := e.knownMentions(ctx, e.store, n)
	var st storage.Status
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if toMembers {
			// A post the Group announces to its followers only, as its
			// origin addressed it: the community is members-only, and
			// its members here see it, nobody else (the visibility rule).
			if err := markMembersOnly(ctx, tx, g); err != nil {
				return err
			}
		}
		if st, err = e.storeNote(ctx, tx, author, n, mentions); err != nil {
			return err
		}
		if err := recordCommunityPost(ctx, tx, g, st, n.Context); err != nil {
			return err
		}
		if st.InReplyToURI == "" {
			return nil
		}
		return e.feedGroupFollowers(ctx, tx, g, author, st)
	})
	return st, err
}

// feedGroupFollowers puts a community reply in the home feeds of the
// Group's local followers, but those who block its author.
func (e *Engine) feedGroupFollowers(ctx context.Context, tx *storage.Tx, g, author storage.Account, st storage.Status) error {
	ids, err := tx.LocalFollowerIDs(ctx, g.ID)
	if err != nil {
		return err
	}
	var allowed []storage.ID
	for _, id := range ids {
		blocked, err := tx.Blocks(ctx, id, author.ID)
		if err != nil {
			return err
		}
		if !blocked {
			allowed = append(allowed, id)
		}
	}
	if err := tx.AddToHomeFeeds(ctx, st.ID, allowed); err != nil {
		return err
	}
	e.emit(tx, Event{Kind: EventUpdate, StatusID: st.ID, Home: allowed})
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// sendInteraction sends a local member's Like (or its Undo) of st to the
// post's author and, when st is community content, to its Group: a
// remote Group directly, one hosted here through deliverLocal, so that
// the Group announces it to its followers.
func (e *Engine) sendInteraction(ctx context.Context, tx *storage.Tx, actor, author storage.Account, st storage.Status, act activitypub.Activity) error {
	var inboxes []string
	if !author.Local() {
		inboxes = append(inboxes, author.DeliveryInbox())
	}
	inboxes, err := communityInboxes(ctx, tx, st, inboxes)
	if err != nil {
		return err
	}
	if len(inboxes) > 0 {
		if err := e.publish(ctx, tx, actor, act, false, inboxes); err != nil {
			return err
		}
	}
	return e.deliverLocal(ctx, tx, actor, act, nil, st, nil)
}

// announcedObject is the IRI of the post a Group's announce is about: the
// announced post, or the object of the announced activity.
func announcedObject(act activitypub.Activity) string {
	if inner := act.Object.Activity; inner != nil {
		if inner.Object.Note != nil {
			return inner.Object.Note.ID
		}
		return inner.Object.IRI
	}
	return act.Object.IRI
}

// communityNote is a Group's note (its actor's summary): the description,
// Markdown rendered as the community's own pages render it (Lemmy and
// PieFed send a summary so, beside the Markdown as source), and then the
// rules, one item each, so that a Mastodon app's profile of the community,
// Lemmy's sidebar and a remote node's pages of it all show them.
func (e *Engine) communityNote(description, rules string) (string, error) {
	note, err := e.renderArtefact(description)
	if err != nil {
		return "", fmt.Errorf("community description: %w", err)
	}
	var items strings.Builder
	for _, l := range strings.Split(strings.ReplaceAll(rules, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(l), "-*•")); l != "" {
			items.WriteString("<li>" + html.EscapeString(l) + "</li>")
		}
	}
	if items.Len() > 0 {
		note += "<p><strong>Rules</strong></p><ol>" + items.String() + "</ol>"
	}
	return note, nil
}
