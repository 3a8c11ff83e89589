package federation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// MaxChars is the longest post a member may write, counted in characters.
const MaxChars = 5000

// Draft is a post as a member writes it.
type Draft struct {
	Text        string // plain text; mentions, hashtags and links become HTML
	SpoilerText string
	Visibility  activitypub.Visibility
	InReplyTo   storage.ID
	Sensitive   bool
	Language    string
	// Title makes the post an Article (an artefact) rather than a Note;
	// in a community (Community), it is the thread's title on a Note.
	Title string
	// Community, when set, posts into that community (its Group's
	// account) on purpose: a new thread, or a reply to a post in it. The
	// post is refused (*DeniedError) when the Group would not take it
	// (community_post.go).
	Community storage.ID
	// MediaIDs are the author's uploads to attach (UploadMedia), at most
	// MaxAttachments. On an edit, nil keeps the media the status has.
	MediaIDs []storage.ID
	// Poll makes the post a Question (polls.go). An edit keeps the poll
	// the status has.
	Poll *PollDraft
	// MediaEdits change the description or focal point of the post's
	// own uploads, by upload ID (an edit's media_attributes). Uploads
	// not in the post are refused.
	MediaEdits map[storage.ID]MediaEdit
	// IdempotencyKey, when set, makes a new post (or scheduled post) once
	// per key and member within IdempotencyTTL: it is recorded in the
	// transaction that stores the post, and a draft with a key already
	// used is a *DuplicateError naming what the first one made.
	IdempotencyKey string
}

// MediaEdit is a change to one upload of a post; nil fields stay as they
// are.
type MediaEdit struct {
	Description *string
	Focus       *Focus
}

func (d Draft) validate() error {
	if strings.TrimSpace(d.Text) == "" && len(d.MediaIDs) == 0 {
		return invalid("text can't be blank")
	}
	if len(d.MediaIDs) > MaxAttachments {
		return invalid("Cannot attach more than %d files", MaxAttachments)
	}
	if n := utf8.RuneCountInString(d.Text) + utf8.RuneCountInString(d.SpoilerText); n > MaxChars {
		return invalid("text is %d characters; the limit is %d", n, MaxChars)
	}
	if !d.Visibility.Valid() {
		return invalid("visibility %q is not public, unlisted, private or direct", d.Visibility)
	}
	return d.Poll.validate(len(d.MediaIDs))
}

// resolveMentions looks up the @mentions in text, fetching remote
// accounts; mentions that do not resolve stay plain text, and so do
// those after the first activitypub.MaxNoteMentions distinct ones (each
// may be a WebFinger lookup and an actor fetch; peers keep no more).
func (e *Engine) resolveMentions(ctx context.Context, text string) (map[string]mentionRef, []storage.Account) {
	refs := map[string]mentionRef{}
	var accounts []storage.Account
	seen := map[storage.ID]bool{}
	asked := map[string]bool{}
	for _, m := range scanText(text).Mentions {
		key := strings.ToLower(m)
		if asked[key] {
			continue
		}
		if len(asked) == activitypub.MaxNoteMentions {
			break
		}
		asked[key] = true
		a, err := e.ResolveAccount(ctx, m)
		if err != nil {
			e.log.DebugContext(ctx, "mention does not resolve", "mention", m, "err", err)
			continue
		}
		href := a.URL
		if href == "" {
			href = a.URI
		}
		refs[strings.ToLower(m)] = mentionRef{Href: href, Name: a.Username}
		if !seen[a.ID] {
			seen[a.ID] = true
			accounts = append(accounts, a)
		}
	}
	return refs, accounts
}

// Post publishes a member's new status: stored, fanned out locally, and
// queued for every remote inbox it concerns, in one transaction.
func (e *Engine) Post(ctx context.Context, authorID storage.ID, d Draft) (storage.Status, error) {
	return limited(e.acts, actPost, authorID, func() (storage.Status, error) { return e.post(ctx, authorID, d, nil) })
}

// checkDraft checks a new post as Post does before it writes: the draft,
// its author, and the status it replies to. It returns the draft with
// its defaults set, and the author and parent it names.
func (e *Engine) checkDraft(ctx context.Context, authorID storage.ID, d Draft) (Draft, storage.Account, storage.Status, error) {
	if d.Visibility == "" {
		d.Visibility = activitypub.Public
	}
	d = d.clean()
	if err := d.validate(); err != nil {
		return d, storage.Account{}, storage.Status{}, err
	}
	author, err := e.localAccount(ctx, authorID)
	if err != nil {
		return d, storage.Account{}, storage.Status{}, err
	}
	if d.Sensitive, err = e.draftSensitive(ctx, authorID, d); err != nil {
		return d, author, storage.Status{}, err
	}
	var parent storage.Status
	if d.InReplyTo != 0 {
		if parent, err = e.store.StatusByID(ctx, d.InReplyTo); err != nil {
			return d, author, parent, fmt.Errorf("reply to %d: %w", d.InReplyTo, err)
		}
		ok, err := e.CanSee(ctx, author, parent)
		if err != nil {
			return d, author, parent, fmt.Errorf("reply to %d: %w", d.InReplyTo, err)
		}
		if !ok {
			return d, author, parent, fmt.Errorf("reply to %d: %w", d.InReplyTo, storage.ErrNotFound)
		}
	}
	return d, author, parent, nil
}

// post is Post; also, when not nil, runs first in the transaction that
// stores the status, and its error rolls the post back (a scheduled
// status deletes its own row there, so it is published once).
func (e *Engine) post(ctx context.Context, authorID storage.ID, d Draft, also func(tx *storage.Tx) error) (storage.Status, error) {
	if err := e.checkIdempotencyKey(ctx, e.store, authorID, d.IdempotencyKey); err != nil {
		return storage.Status{}, err
	}
	d, author, parent, err := e.checkDraft(ctx, authorID, d)
	if err != nil {
		return storage.Status{}, err
	}
	refs, mentioned := e.resolveMentions(ctx, d.Text)
	if d.Community != 0 {
		g, c, withGroup, err := e.draftCommunity(ctx, d, author.ID, parent, mentioned)
		if err != nil {
			return storage.Status{}, err
		}
		mentioned, also = withGroup, andThen(also, func(tx *storage.Tx) error {
			return e.checkCommunityPost(ctx, tx, g, c, author, parent.ID)
		})
	}
	emojis, err := e.draftEmojis(ctx, d)
	if err != nil {
		return storage.Status{}, err
	}
	st := storage.Status{
		Emojis:      emojis,
		AccountID:   author.ID,
		Content:     renderText(d.Text, refs, e.urls.Tag),
		SourceText:  d.Text,
		SpoilerText: d.SpoilerText,
		Sensitive:   d.Sensitive,
		Visibility:  d.Visibility,
		Language:    d.Language,
		Local:       true,
		Title:       d.Title,
		Tags:        scanText(d.Text).Tags,
	}
	if d.Title != "" && d.Community == 0 {
		st.ObjectType = activitypub.TypeArticle
	}
	if d.Poll != nil {
		st.ObjectType = activitypub.TypeQuestion
	}
	for _, m := range mentioned {
		st.Mentions = append(st.Mentions, m.ID)
	}
	if parent.ID != 0 {
		st.InReplyToID, st.InReplyToURI, st.InReplyToAccountID = parent.ID, parent.URI, parent.AccountID
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if also != nil {
			if err := also(tx); err != nil {
				return err
			}
		}
		// Checked again here, first: a twin request that committed
		// meanwhile may have taken the key and the draft's uploads.
		if err := e.checkIdempotencyKey(ctx, tx, author.ID, d.IdempotencyKey); err != nil {
			return err
		}
		st.ID = tx.NewID()
		st.URI = e.urls.Status(author.Username, st.ID)
		st.URL = e.urls.StatusPage(author.Username, st.ID)
		nc := noteContext{Author: author, Mentioned: mentioned}
		inCommunity, err := e.placeInCommunity(ctx, tx, &st, parent, mentioned, &nc)
		if err != nil {
			return err
		}
		media, err := e.draftMedia(ctx, tx, author.ID, 0, d.MediaIDs)
		if err != nil {
			return err
		}
		st.Attachments = media // InsertStatus attaches them
		if err := tx.InsertStatus(ctx, &st); err != nil {
			return err
		}
		if inCommunity != nil {
			if err := tx.AddCommunityPost(ctx, *inCommunity); err != nil {
				return err
			}
		}
		if err := e.recordIdempotencyKey(ctx, tx, author.ID, d.IdempotencyKey, storage.Idempotent{StatusID: st.ID}); err != nil {
			return err
		}
		poll, err := d.Poll.insert(ctx, tx, st.ID)
		if err != nil {
			return err
		}
		nc.Poll = poll
		note := NoteOf(st, nc, e.urls)
		inboxes, err := e.audienceInboxes(ctx, tx, st, nc)
		if err != nil {
			return err
		}
		act := activitypub.Activity{ID: st.URI + "/activity", Type: activitypub.TypeCreate, Actor: author.URI,
			To: note.To, CC: note.CC, Published: st.CreatedAt, Object: activitypub.Object{IRI: st.URI, Type: note.Type, Note: &note}}
		if err := e.publish(ctx, tx, author, act, isListed(st.Visibility), inboxes); err != nil {
			return err
		}
		return e.deliverLocal(ctx, tx, author, act, nil, st, mentioned)
	})
	if err != nil {
		return storage.Status{}, fmt.Errorf("post: %w", err)
	}
	return st, nil
}

// Edit changes a member's own status and federates an Update.
func (e *Engine) Edit(ctx context.Context, authorID, statusID storage.ID, d Draft) (storage.Status, error) {
	st, err := e.store.StatusByID(ctx, statusID)
	if err != nil {
		return storage.Status{}, fmt.Errorf("edit %d: %w", statusID, err)
	}
	if st.AccountID != authorID || st.ReblogOfID != 0 {
		return storage.Status{}, fmt.Errorf("edit %d: %w", statusID, ErrDenied)
	}
	d.Visibility = st.Visibility // Mastodon does not change visibility on edit
	if d.MediaIDs == nil {
		d.MediaIDs = []storage.ID{}
		for _, a := range st.Attachments {
			d.MediaIDs = append(d.MediaIDs, a.ID)
		}
	}
	d = d.clean()
	if err := d.validate(); err != nil {
		return storage.Status{}, err
	}
	author, err := e.localAccount(ctx, authorID)
	if err != nil {
		return storage.Status{}, err
	}
	refs, mentioned := e.resolveMentions(ctx, d.Text)
	if mentioned, err = e.keepCommunityMentions(ctx, st, mentioned); err != nil {
		return storage.Status{}, err
	}
	st.Content = renderText(d.Text, refs, e.urls.Tag)
	st.SourceText, st.SpoilerText, st.Sensitive, st.Language, st.Title = d.Text, d.SpoilerText, d.Sensitive, d.Language, d.Title
	st.Tags = scanText(d.Text).Tags
	if st.Emojis, err = e.draftEmojis(ctx, d); err != nil {
		return storage.Status{}, err
	}
	st.Mentions = nil
	for _, m := range mentioned {
		st.Mentions = append(st.Mentions, m.ID)
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		st.EditedAt = tx.Now()
		media, err := e.draftMedia(ctx, tx, author.ID, st.ID, d.MediaIDs)
		if err != nil {
			return err
		}
		if err := applyMediaEdits(ctx, tx, media, d.MediaEdits); err != nil {
			return err
		}
		removed := droppedMedia(st.Attachments, media)
		st.Attachments = media // UpdateStatus drops the rest and attaches these
		if err := e.updateStatus(ctx, tx, &st, author); err != nil {
			return err
		}
		tx.AfterCommit(func() { e.removeMedia(context.WithoutCancel(ctx), removed...) })
		poll, err := pollOf(ctx, tx, st.ID)
		if err != nil {
			return err
		}
		nc := noteContext{Author: author, Mentioned: mentioned, Poll: poll}
		if g, threadCtx, ok, err := communityOf(ctx, tx, st); err != nil {
			return err
		} else if ok {
			nc.Community, nc.Context = &g, threadCtx
		}
		note := NoteOf(st, nc, e.urls)
		inboxes, err := e.audienceInboxes(ctx, tx, st, nc)
		if err != nil {
			return err
		}
		act := activitypub.Activity{ID: e.urls.Activity(author.Username, tx.NewID()), Type: activitypub.TypeUpdate,
			Actor: author.URI, To: note.To, CC: note.CC, Published: st.EditedAt,
			Object: activitypub.Object{IRI: st.URI, Type: note.Type, Note: &note}}
		if err := e.publish(ctx, tx, author, act, false, inboxes); err != nil {
			return err
		}
		return e.deliverLocal(ctx, tx, author, act, nil, st, nil)
	})
	if err != nil {
		return storage.Status{}, fmt.Errorf("edit: %w", err)
	}
	return st, nil
}

// DeleteStatus deletes a member's own status (or reblog) and federates a
// Delete (or Undo Announce) to everyone who received it.
func (e *Engine) DeleteStatus(ctx context.Context, authorID, statusID storage.ID) (storage.Status, error) {
	st, err := e.store.StatusByID(ctx, statusID)
	if err != nil {
		return storage.Status{}, fmt.Errorf("delete %d: %w", statusID, err)
	}
	if st.AccountID != authorID {
		return storage.Status{}, fmt.Errorf("delete %d: %w", statusID, ErrDenied)
	}
	if st.ReblogOfID != 0 {
		return st, e.Unreblog(ctx, authorID, st.ReblogOfID)
	}
	nc, err := e.loadNoteContext(ctx, st)
	if err != nil {
		return storage.Status{}, err
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		inboxes, err := e.audienceInboxes(ctx, tx, st, nc)
		if err != nil {
			return err
		}
		if err := tx.DetachMedia(ctx, st.ID); err != nil { // kept for a redraft; PruneMedia removes them
			return err
		}
		to, cc := activitypub.Addressing(st.Visibility, nc.Author.Followers, mentionIRIs(nc.Mentioned))
		if nc.Community != nil {
			cc = append(cc, nc.Community.URI)
		}
		act := activitypub.Activity{ID: st.URI + "#delete", Type: activitypub.TypeDelete, Actor: nc.Author.URI,
			To: to, CC: cc, Object: activitypub.Object{IRI: st.URI, Type: activitypub.TypeTombstone, Tombstone: true}}
		// A Group hosted here announces the Delete while it still knows
		// the post is its own.
		if err := e.deliverLocal(ctx, tx, nc.Author, act, nil, st, nil); err != nil {
			return err
		}
		if err := e.deleteStatus(ctx, tx, st.ID); err != nil {
			return err
		}
		return e.publish(ctx, tx, nc.Author, act, false, inboxes)
	})
	if err != nil {
		return storage.Status{}, fmt.Errorf("delete: %w", err)
	}
	return st, nil
}

func mentionIRIs(accounts []storage.Account) []string {
	out := make([]string, 0, len(accounts))
	for _, a := range accounts {
		out = append(out, a.URI)
	}
	return out
}

// isListed reports whether a status of this visibility appears in the
// public outbox.
func isListed(v activitypub.Visibility) bool {
	return v == activitypub.Public || v == activitypub.Unlisted
}

func (e *Engine) localAccount(ctx context.Context, id storage.ID) (storage.Account, error) {
	a, err := e.store.AccountByID(ctx, id)
	if err != nil {
		return storage.Account{}, fmt.Errorf("account %d: %w", id, err)
	}
	if !a.Local() {
		return storage.Account{}, fmt.Errorf("account %d is not local: %w", id, ErrDenied)
	}
	return a, nil
}

// Favourite likes a status and tells its author's node.
func (e *Engine) Favourite(ctx context.Context, accountID, statusID storage.ID) error {
	actor, st, author, err := e.interaction(ctx, accountID, statusID)
	if err != nil {
		return err
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		id := tx.NewID()
		uri := e.urls.Activity(actor.Username, id)
		if err := tx.InsertFavourite(ctx, &storage.Favourite{ID: id, AccountID: actor.ID, StatusID: st.ID, URI: uri}); err != nil {
			if errors.Is(err, storage.ErrDuplicate) {
				return nil // already liked: nothing to do, as Mastodon answers
			}
			return err
		}
		if err := e.notify(ctx, tx, author, actor, storage.NotifyFavourite, st.ID); err != nil {
			return err
		}
		act := activitypub.Activity{ID: uri, Type: activitypub.TypeLike, Actor: actor.URI, To: []string{author.URI},
			Object: activitypub.Object{IRI: st.URI}}
		return e.sendInteraction(ctx, tx, actor, author, st, act)
	})
	if err != nil {
		return fmt.Errorf("favourite: %w", err)
	}
	return nil
}

// Unfavourite takes a like back with Undo{Like}, embedding the Like sent.
// A post the member can no longer see (its author blocked them since)
// can still be unliked.
func (e *Engine) Unfavourite(ctx context.Context, accountID, statusID storage.ID) error {
	actor, st, author, err := e.undoTarget(ctx, accountID, statusID)
	if err != nil {
		return err
	}
	fav, err := e.store.FavouriteOf(ctx, actor.ID, st.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if _, err := tx.DeleteFavourite(ctx, actor.ID, st.ID); err != nil {
			return err
		}
		if err := tx.DeleteNotificationsFrom(ctx, author.ID, actor.ID, storage.NotifyFavourite, st.ID); err != nil {
			return err
		}
		like := activitypub.Activity{ID: fav.URI, Type: activitypub.TypeLike, Actor: actor.URI, Object: activitypub.Object{IRI: st.URI}}
		act := activitypub.Activity{ID: fav.URI + "/undo", Type: activitypub.TypeUndo, Actor: actor.URI, To: []string{author.URI},
			Object: activitypub.Object{IRI: fav.URI, Type: activitypub.TypeLike, Activity: &like}}
		return e.sendInteraction(ctx, tx, actor, author, st, act)
	})
	if err != nil {
		return fmt.Errorf("unfavourite: %w", err)
	}
	return nil
}

// interaction loads what a like or reblog needs, refusing what the actor
// may not see.
func (e *Engine) interaction(ctx context.Context, accountID, statusID storage.ID) (actor storage.Account, st storage.Status, author storage.Account, err error) {
	if actor, err = e.localAccount(ctx, accountID); err != nil {
		return
	}
	if st, err = e.store.StatusByID(ctx, statusID); err != nil {
		err = fmt.Errorf("status %d: %w", statusID, err)
		return
	}
	if st.ReblogOfID != 0 {
		if st, err = e.store.StatusByID(ctx, st.ReblogOfID); err != nil {
			return
		}
	}
	ok, err := e.CanSee(ctx, actor, st)
	if err != nil {
		err = fmt.Errorf("status %d: %w", statusID, err)
		return
	}
	if !ok {
		err = fmt.Errorf("status %d: %w", statusID, storage.ErrNotFound)
		return
	}
	author, err = e.store.AccountByID(ctx, st.AccountID)
	return
}

// undoTarget loads what taking back a like or reblog needs. Unlike
// interaction it does not ask whether the actor may see the status: a
// member must be able to take back what they did.
func (e *Engine) undoTarget(ctx context.Context, accountID, statusID storage.ID) (actor storage.Account, st storage.Status, author storage.Account, err error) {
	if actor, err = e.localAccount(ctx, accountID); err != nil {
		return
	}
	if st, err = e.store.StatusByID(ctx, statusID); err != nil {
		err = fmt.Errorf("status %d: %w", statusID, err)
		return
	}
	if st.ReblogOfID != 0 {
		if st, err = e.store.StatusByID(ctx, st.ReblogOfID); err != nil {
			return
		}
	}
	author, err = e.store.AccountByID(ctx, st.AccountID)
	return
}

// Reblog boosts a public or unlisted status to the member's followers.
//
// vis is who sees the boost: public (the default), unlisted or private
// (the booster's followers); never wider than the post boosted, as on
// Mastodon.
func (e *Engine) Reblog(ctx context.Context, accountID, statusID storage.ID, vis activitypub.Visibility) (storage.Status, error) {
	return limited(e.acts, actPost, accountID, func() (storage.Status, error) { return e.reblog(ctx, accountID, statusID, vis) })
}

func (e *Engine) reblog(ctx context.Context, accountID, statusID storage.ID, vis activitypub.Visibility) (storage.Status, error) {
	actor, st, author, err := e.interaction(ctx, accountID, statusID)
	if err != nil {
		return storage.Status{}, err
	}
	if !isListed(st.Visibility) {
		return storage.Status{}, invalid("only public and unlisted posts can be boosted")
	}
	switch vis {
	case "":
		vis = activitypub.Public
	case activitypub.Public, activitypub.Unlisted, activitypub.FollowersOnly:
	default:
		return storage.Status{}, invalid("a boost is public, unlisted or private")
	}
	if vis == activitypub.Public && st.Visibility == activitypub.Unlisted {
		vis = activitypub.Unlisted
	}
	if existing, err := e.store.ReblogOf(ctx, actor.ID, st.ID); err == nil {
		return existing, nil
	}
	var rb storage.Status
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		rb = storage.Status{ID: tx.NewID(), AccountID: actor.ID, ReblogOfID: st.ID, Visibility: vis, Local: true}
		rb.URI = e.urls.Status(actor.Username, rb.ID)
		if err := tx.InsertStatus(ctx, &rb); err != nil {
			return err
		}
		act := announceOf(rb, st, actor, author)
		if err := e.deliverLocal(ctx, tx, actor, act, nil, rb, []storage.Account{author}); err != nil {
			return err
		}
		inboxes, err := tx.FollowerInboxes(ctx, actor.ID)
		if err != nil {
			return err
		}
		if !author.Local() {
			inboxes = append(inboxes, author.DeliveryInbox())
		}
		return e.publish(ctx, tx, actor, act, isListed(rb.Visibility), inboxes)
	})
	if err != nil {
		return storage.Status{}, fmt.Errorf("reblog: %w", err)
	}
	return rb, nil
}

func announceOf(rb, st storage.Status, actor, author storage.Account) activitypub.Activity {
	// Addressed as Mastodon addresses a post of the same visibility, with
	// the boosted post's author in cc.
	to, cc := []string{activitypub.PublicIRI}, []string{author.URI, actor.Followers}
	switch rb.Visibility {
	case activitypub.Unlisted:
		to, cc = []string{actor.Followers}, []string{activitypub.PublicIRI, author.URI}
	case activitypub.FollowersOnly:
		to, cc = []string{actor.Followers}, []string{author.URI}
	}
	return activitypub.Activity{ID: rb.URI + "/activity", Type: activitypub.TypeAnnounce, Actor: actor.URI,
		To: to, CC: cc, Published: rb.CreatedAt, Object: activitypub.Object{IRI: st.URI}}
}

// Unreblog takes a boost back with Undo{Announce}, embedding the Announce
// sent; like Unfavourite, whether or not the member can still see the post.
func (e *Engine) Unreblog(ctx context.Context, accountID, statusID storage.ID) error {
	actor, st, author, err := e.undoTarget(ctx, accountID, statusID)
	if err != nil {
		return err
	}
	rb, err := e.store.ReblogOf(ctx, actor.ID, st.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		inboxes, err := tx.FollowerInboxes(ctx, actor.ID)
		if err != nil {
			return err
		}
		if !author.Local() {
			inboxes = append(inboxes, author.DeliveryInbox())
		}
		if err := e.deleteStatus(ctx, tx, rb.ID); err != nil {
			return err
		}
		if err := tx.DeleteNotificationsFrom(ctx, author.ID, actor.ID, storage.NotifyReblog, st.ID); err != nil {
			return err
		}
		announce := announceOf(rb, st, actor, author)
		act := activitypub.Activity{ID: announce.ID + "/undo", Type: activitypub.TypeUndo, Actor: actor.URI,
			To: announce.To, CC: announce.CC, Object: activitypub.Object{IRI: announce.ID, Type: announce.Type, Activity: &announce}}
		return e.publish(ctx, tx, actor, act, false, inboxes)
	})
	if err != nil {
		return fmt.Errorf("unreblog: %w", err)
	}
	return nil
}
