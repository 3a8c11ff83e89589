package federation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// knownMentions returns the accounts a note mentions or addresses that
// this node knows: local members, and remote actors already stored.
// skip are addresses known not to be such an account (the author's own
// followers collection, which nearly every post is addressed to: looked
// up, it is a miss that the account cache cannot keep).
func (e *Engine) knownMentions(ctx context.Context, q accountReader, n activitypub.Note, skip ...string) []storage.Account {
	var iris []string
	for _, t := range n.Tags {
		if t.Type == activitypub.TagMention {
			iris = append(iris, t.Href)
		}
	}
	iris = append(append(iris, n.To...), n.CC...)
	seen := map[string]bool{}
	for _, s := range skip {
		seen[s] = true
	}
	var out []storage.Account
	accounts := map[storage.ID]bool{}
	looked := 0
	for _, iri := range iris {
		if iri == "" || seen[iri] || activitypub.IsPublic(iri) {
			continue
		}
		seen[iri] = true
		if looked++; looked > maxAddressees {
			break
		}
		var a storage.Account
		var err error
		if name, ok := e.urls.LocalUsername(iri); ok {
			a, err = q.AccountByUsernameWithoutKeys(ctx, name)
		} else {
			a, err = q.AccountByURIWithoutKeys(ctx, iri)
		}
		if err == nil && !accounts[a.ID] {
			accounts[a.ID] = true
			out = append(out, a)
		}
	}
	return out
}

// maxAddressees bounds how many of a post's mentions and addressees are
// looked up: a post names a few, and each one named costs a lookup and
// may cost a notification (the mentions alone are at most
// activitypub.MaxNoteMentions).
const maxAddressees = 2 * activitypub.MaxNoteMentions

func (e *Engine) applyCreate(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity, mentions []storage.Account) error {
	note := *act.Object.Note
	mentions = e.withAudience(ctx, tx, inboxBody(ctx), mentions) // a local Group in `audience` is addressed too
	if note.AttributedTo != actor.URI || !sameOrigin(note.ID, actor.URI) {
		return fmt.Errorf("create of %s by %s: %w", note.ID, actor.URI, ErrDenied)
	}
	// A note stored before (sent again, or in another activity) is
	// found by insertNote, which leaves it as it is: no read first.
	if activitypub.IsVote(note) {
		if vote, err := e.applyVote(ctx, tx, actor, note); vote || err != nil {
			return err
		}
	}
	concerns := false
	for _, m := range mentions {
		concerns = concerns || m.Local()
	}
	if !concerns {
		followers, err := tx.LocalFollowerIDs(ctx, actor.ID)
		if err != nil {
			return err
		}
		concerns = len(followers) > 0
	}
	if !concerns && note.InReplyTo != "" {
		_, _, err := tx.StatusRefByURI(ctx, note.InReplyTo)
		concerns = err == nil
	}
	if !concerns {
		return nil // nobody here follows, is addressed or is answered
	}
	st, stored, err := e.insertNote(ctx, tx, actor, note, mentions)
	if err != nil || !stored {
		return err // stored already: handed to its readers then
	}
	if err := e.recordRemoteNote(ctx, tx, st, note); err != nil {
		return err
	}
	return e.deliverLocal(ctx, tx, actor, act, inboxBody(ctx), st, mentions)
}

// storeNote stores a remote note that no one sent here (FetchStatus) or
// that a remote Group announced (takeCommunityNote), and hands it to its
// readers here (fanOut). It is not an activity addressed here, so no Group
// here takes it in: a delivered Create goes through deliverLocal instead.
func (e *Engine) storeNote(ctx context.Context, tx *storage.Tx, author storage.Account, n activitypub.Note, mentions []storage.Account) (storage.Status, error) {
	st, stored, err := e.insertNote(ctx, tx, author, n, mentions)
	if err != nil || !stored {
		return st, err
	}
	return st, e.fanOut(ctx, tx, st, author)
}

// insertNote stores a remote note as a status, sanitised; false, and the
// status stored before, when it was stored already.
func (e *Engine) insertNote(ctx context.Context, tx *storage.Tx, author storage.Account, n activitypub.Note, mentions []storage.Account) (storage.Status, bool, error) {
	st := storage.Status{
		URI:          n.ID,
		URL:          n.URL,
		AccountID:    author.ID,
		ObjectType:   n.Type,
		Title:        plainTitle(n.Name),
		Content:      e.sanitizedContent(ctx, n),
		SpoilerText:  n.Summary,
		Sensitive:    n.Sensitive,
		Visibility:   activitypub.VisibilityOf(n.To, n.CC, author.Followers),
		Language:     n.Language,
		CreatedAt:    n.Published,
		InReplyToURI: n.InReplyTo,
	}
	if st.ObjectType == "" {
		st.ObjectType = activitypub.TypeNote
	}
	if st.CreatedAt.IsZero() || st.CreatedAt.After(tx.Now()) {
		st.CreatedAt = tx.Now()
	}
	if st.URL == "" {
		st.URL = n.ID
	}
	for _, m := range mentions {
		st.Mentions = append(st.Mentions, m.ID)
	}
	for _, t := range n.Tags {
		if t.Type == activitypub.TagHashtag {
			st.Tags = append(st.Tags, strings.TrimPrefix(t.Name, "#"))
		}
	}
	st.Attachments = e.mediaFrom(author.Domain, remoteAttachments(n))
	st.Emojis = e.emojisFrom(author.Domain, n.Emojis)
	if n.InReplyTo != "" {
		if id, author, err := tx.StatusRefByURI(ctx, n.InReplyTo); err == nil {
			st.InReplyToID, st.InReplyToAccountID = id, author
		}
	}
	// IDs order timelines: a post arriving now sorts by when it arrived,
	// as in Mastodon, so a late delivery is not buried in the past.
	st.ID = tx.NewID()
	if err := tx.InsertStatus(ctx, &st); err != nil {
		if errors.Is(err, storage.ErrDuplicate) {
			st, err := tx.StatusByURI(ctx, n.ID)
			return st, false, err
		}
		return storage.Status{}, false, err
	}
	if err := tx.AttachReplies(ctx, st); err != nil {
		return storage.Status{}, false, err
	}
	if err := e.storePoll(ctx, tx, st.ID, n.Poll); err != nil {
		return storage.Status{}, false, err
	}
	return st, true, nil
}

func (e *Engine) applyUpdate(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity) error {
	switch {
	case act.Object.Actor != nil:
		if g, ok, err := e.hostedCommunity(ctx, tx, act.Object.Actor.ID); err != nil || ok {
			if err != nil {
				return err
			}
			return e.receivedCommunityEdit(ctx, tx, actor, g, act) // a moderator's, from another node
		}
		return e.applyActorUpdate(ctx, tx, actor, *act.Object.Actor)
	case act.Object.Note != nil:
		n := *act.Object.Note
		st, err := tx.StatusByURI(ctx, n.ID)
		if err != nil {
			return ignoreNotFound(err)
		}
		if st.AccountID != actor.ID || n.AttributedTo != actor.URI {
			return fmt.Errorf("update of %s by %s: %w", n.ID, actor.URI, ErrDenied)
		}
		if countsOnly, err := e.applyPollUpdate(ctx, tx, st, n); countsOnly || err != nil {
			return err
		}
		if olderThan(n.Updated, st.EditedAt) {
			return nil // a late edit: a newer one is stored already
		}
		st.Content = e.sanitize.Sanitize(n.Content)
		st.Title = plainTitle(n.Name)
		st.SpoilerText, st.Sensitive, st.Language = n.Summary, n.Sensitive, n.Language
		st.EditedAt = n.Updated
		if st.EditedAt.IsZero() {
			st.EditedAt = tx.Now()
		}
		st.Mentions = nil
		for _, m := range e.knownMentionsTx(ctx, tx, n) {
			st.Mentions = append(st.Mentions, m.ID)
		}
		st.Tags = nil
		for _, t := range n.Tags {
			if t.Type == activitypub.TagHashtag {
				st.Tags = append(st.Tags, strings.TrimPrefix(t.Name, "#"))
			}
		}
		st.Attachments = e.mediaFrom(actor.Domain, remoteAttachments(n)) // an edit may change media and alt text
		st.Emojis = e.emojisFrom(actor.Domain, n.Emojis)
		if err := e.updateStatus(ctx, tx, &st, actor); err != nil {
			return err
		}
		return e.deliverLocal(ctx, tx, actor, act, inboxBody(ctx), st, nil) // a Group here announces it
	}
	return nil
}

// remoteAttachments is the media a peer's note carries, those with an
// http(s) URL; the files stay on the peer.
func remoteAttachments(n activitypub.Note) []storage.Attachment {
	var out []storage.Attachment
	for _, a := range n.Attachments {
		if !strings.HasPrefix(a.URL, "https://") && !strings.HasPrefix(a.URL, "http://") {
			continue
		}
		att := storage.Attachment{MediaType: a.MediaType, URL: a.URL,
			Description: a.Name, Blurhash: a.Blurhash, Width: a.Width, Height: a.Height}
		if a.FocalPoint != nil {
			att.FocusX, att.FocusY = a.FocalPoint[0], a.FocalPoint[1]
		}
		out = append(out, att)
	}
	return out
}

// applyActorUpdate stores the profile an Update{Person} (or Group, ...)
// carries, unless its updated is older than the one stored. A profile with
// no updated cannot be ordered, and is stored: see withOriginActor for
// how the inbox makes it the origin's current one first.
func (e *Engine) applyActorUpdate(ctx context.Context, tx *storage.Tx, actor storage.Account, doc activitypub.Actor) error {
	if doc.ID != actor.URI {
		return fmt.Errorf("update of %s by %s: %w", doc.ID, actor.URI, ErrDenied)
	}
	stored, err := tx.AccountByURI(ctx, doc.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	if olderThan(doc.Updated, stored.ActorUpdatedAt) {
		return nil // it arrived late: a newer profile is stored already
	}
	if _, err = e.storeRemoteActorTx(ctx, tx, doc); err != nil {
		return err
	}
	return storeGroupTerms(ctx, tx, doc) // Update{Group}: postingRestrictedToMods and the like
}

// olderThan reports whether a document stamped updated is older than the
// stored one, stamped stored: it arrived late and must not undo a newer
// change. A missing stamp on either side orders nothing; equal stamps
// (one-second precision) let the later arrival win.
func olderThan(updated, stored time.Time) bool {
	return !updated.IsZero() && !stored.IsZero() && updated.Before(stored)
}

// knownMentionsTx is knownMentions inside a transaction.
func (e *Engine) knownMentionsTx(ctx context.Context, tx *storage.Tx, n activitypub.Note) []storage.Account {
	var out []storage.Account
	seen := map[storage.ID]bool{}
	add := func(a storage.Account) {
		if !seen[a.ID] {
			seen[a.ID] = true
			out = append(out, a)
		}
	}
	for _, t := range n.Tags { // at most activitypub.MaxNoteMentions
		if t.Type != activitypub.TagMention {
			continue
		}
		if a, err := tx.AccountByURI(ctx, t.Href); err == nil {
			add(a)
		} else if name, ok := e.urls.LocalUsername(t.Href); ok {
			if a, err := tx.AccountByUsername(ctx, name); err == nil {
				add(a)
			}
		}
	}
	return out
}

func (e *Engine) applyDelete(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity) error {
	iri := act.Object.IRI
	if iri == actor.URI {
		return tx.DeleteAccount(ctx, actor.ID)
	}
	st, err := tx.StatusByURI(ctx, iri)
	if err != nil {
		return ignoreNotFound(err)
	}
	if st.AccountID != actor.ID {
		// Someone else's post: a remote moderator's removal, when a
		// community hosted here holds it.
		g, ok, err := e.hostedCommunityOf(ctx, tx, st.ID)
		if err != nil {
			return err
		}
		if ok {
			return e.receivedRemoval(ctx, tx, actor, g, st, act)
		}
		return fmt.Errorf("delete of %s by %s: %w", iri, actor.URI, ErrDenied)
	}
	// A Group hosted here announces it while the post is still its own.
	if err := e.deliverLocal(ctx, tx, actor, act, inboxBody(ctx), st, nil); err != nil {
		return err
	}
	return e.deleteStatus(ctx, tx, st.ID)
}

// statusForAnnounce finds the boosted status, fetching it from its origin
// when unknown and someone here follows the booster.
func (e *Engine) statusForAnnounce(ctx context.Context, act activitypub.Activity) (storage.Status, error) {
	iri := act.Object.IRI
	// A Group's moderation (Announce{Delete|Block|Lock|Add|Remove} by a
	// moderator) is checked against its moderators as they are now.
	if err := e.refreshCommunityModerators(ctx, act); err != nil {
		return storage.Status{}, err
	}
	if isReportAnnounce(act) {
		e.prefetchReported(ctx, act)
		return storage.Status{}, nil
	}
	if isJoinRequestAnnounce(act) {
		e.prefetchJoinRequester(ctx, act)
		return storage.Status{}, nil
	}
	if st, handled, err := e.groupAnnounce(ctx, act); handled || err != nil {
		return st, err
	}
	if st, err := e.store.StatusByURI(ctx, iri); err == nil {
		return st, nil
	}
	if e.urls.IsLocal(iri) {
		return storage.Status{}, fmt.Errorf("announce of %s: %w", iri, storage.ErrNotFound)
	}
	booster, err := e.store.AccountByURI(ctx, act.Actor)
	if err != nil {
		return storage.Status{}, err
	}
	followers, err := e.store.LocalFollowerIDs(ctx, booster.ID)
	if err != nil {
		return storage.Status{}, err
	}
	if len(followers) == 0 {
		return storage.Status{}, nil // nobody here would see it
	}
	return e.FetchStatus(ctx, iri)
}

// FetchStatus dereferences a remote note and stores it.
func (e *Engine) FetchStatus(ctx context.Context, iri string) (storage.Status, error) {
	body, err := e.fetcher.Get(ctx, iri)
	if err != nil {
		return storage.Status{}, fmt.Errorf("fetch note %s: %w", iri, err)
	}
	n, err := activitypub.ParseNote(body)
	if err != nil {
		return storage.Status{}, fmt.Errorf("fetch note %s: %w", iri, err)
	}
	if n.ID != iri && !sameOrigin(n.ID, iri) || !sameOrigin(n.ID, n.AttributedTo) {
		return storage.Status{}, fmt.Errorf("fetch note %s: id %s by %s: %w", iri, n.ID, n.AttributedTo, ErrDenied)
	}
	author, err := e.AccountByIRI(ctx, n.AttributedTo)
	if err != nil {
		return storage.Status{}, err
	}
	if activitypub.VisibilityOf(n.To, n.CC, author.Followers) == activitypub.Direct ||
		activitypub.VisibilityOf(n.To, n.CC, author.Followers) == activitypub.FollowersOnly {
		return storage.Status{}, fmt.Errorf("fetch note %s: not public: %w", iri, ErrDenied)
	}
	mentions := e.knownMentions(ctx, e.store, n)
	var st storage.Status
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		st, err = e.storeNote(ctx, tx, author, n, mentions)
		return err
	})
	return st, err
}

func (e *Engine) applyAnnounce(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity, orig storage.Status) error {
	if isModerationAnnounce(act) {
		return e.applyCommunityModeration(ctx, tx, actor, act)
	}
	if isReportAnnounce(act) {
		return e.applyAnnouncedReport(ctx, tx, actor, act)
	}
	if isJoinRequestAnnounce(act) {
		return e.applyAnnouncedJoinRequest(ctx, tx, actor, act)
	}
	if orig.ID == 0 {
		return nil
	}
	if !isListed(orig.Visibility) {
		// Only a members-only community's boost of its own content.
		ok, err := membersOnlyAnnounce(ctx, tx, actor, orig)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("announce of non-public %s: %w", orig.URI, ErrDenied)
		}
	}
	if _, err := tx.StatusByURI(ctx, act.ID); err == nil {
		return nil
	}
	if actor.ActorType == activitypub.TypeGroup {
		// A community announces a thread twice (Announce{Create} and
		// Announce{id}; NodeBB Announce{Note} too): one boost; and a
		// reply is never boosted.
		if orig.InReplyToURI != "" {
			return nil
		}
		if _, err := tx.ReblogOf(ctx, actor.ID, orig.ID); err == nil {
			return nil
		}
		if err := recordCommunityPost(ctx, tx, actor, orig, ""); err != nil {
			return err
		}
	}
	rb := storage.Status{URI: act.ID, AccountID: actor.ID, ReblogOfID: orig.ID,
		Visibility: activitypub.VisibilityOf(act.To, act.CC, actor.Followers)}
	if rb.Visibility == activitypub.Direct {
		// A boost addressed to neither the public nor the booster's
		// followers: shown no wider than to those followers.
		rb.Visibility = activitypub.FollowersOnly
	}
	if err := tx.InsertStatus(ctx, &rb); err != nil {
		return err
	}
	author, err := tx.AccountByID(ctx, orig.AccountID)
	if err != nil {
		return err
	}
	return e.deliverLocal(ctx, tx, actor, act, nil, rb, []storage.Account{author})
}

// preparedNoteKey carries, in a context, the content of the note an
// inbox activity creates, sanitised before the writer applies it.
type preparedNoteKey struct{}

type preparedNote struct{ id, in, out string }

// withPreparedNote sanitises the content of the note act creates, if it
// creates one, on the caller's goroutine: insertNote runs on the single
// writer, where sanitising (pure work on the activity alone) held up
// every other post waiting for it.
func (e *Engine) withPreparedNote(ctx context.Context, act activitypub.Activity) context.Context {
	n := act.Object.Note
	if act.Type != activitypub.TypeCreate || n == nil || n.Content == "" {
		return ctx
	}
	return context.WithValue(ctx, preparedNoteKey{}, preparedNote{id: n.ID, in: n.Content, out: e.sanitize.Sanitize(n.Content)})
}

// sanitizedContent is n's content sanitised: as withPreparedNote did it
// when it was given this note, else now.
func (e *Engine) sanitizedContent(ctx context.Context, n activitypub.Note) string {
	if p, ok := ctx.Value(preparedNoteKey{}).(preparedNote); ok && p.id == n.ID && p.in == n.Content {
		return p.out
	}
	return e.sanitize.Sanitize(n.Content)
}
