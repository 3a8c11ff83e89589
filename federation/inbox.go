package federation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// DefaultInboxRetry is the wait before retrying an activity whose application
// failed for a passing reason (a peer that did not answer a fetch).
var DefaultInboxRetry = []time.Duration{10 * time.Second, time.Minute, 10 * time.Minute, time.Hour}

// inboxWorkers apply received activities concurrently: one may wait on a
// remote fetch while others go on.
const inboxWorkers = 4

// inboxWorkersPerHost bounds the workers the activities of one host's
// actors hold at once. A queued activity is mostly one that fetches (an
// Announce of a post not known here, an Update, a Move), and its peer
// chooses what is fetched: a Group announcing ten thousand ids on a
// host that never answers would otherwise hold every worker for the
// client's timeout each, and every other peer's activities would wait.
const inboxWorkersPerHost = inboxWorkers / 2

// Receive takes an activity whose HTTP signature verified as signer's. It
// checks that the signer is the activity's actor, then applies it at once
// when it can (applyInTx), or else stores it durably for a worker to
// apply. An activity that was applied before is queued
// again and skipped by the worker (Apply dedupes by activity id). Errors: *InvalidError for a malformed document, ErrDenied when
// the signer is not the actor.
func (e *Engine) Receive(ctx context.Context, body []byte, signer string) error {
	act, err := activitypub.ParseActivity(body)
	if err != nil {
		return invalid("%v", err)
	}
	return e.ReceiveInbound(ctx, Inbound{Body: body, Activity: act, Signer: signer})
}

// ReceiveInbound is Receive of an activity VerifyInbox parsed and
// verified: it is not parsed again.
func (e *Engine) ReceiveInbound(ctx context.Context, in Inbound) error {
	body, act, signer := in.Body, in.Activity, in.Signer
	if act.ID == "" || act.Actor == "" {
		return invalid("activity lacks id or actor")
	}
	if !e.federates(urlHost(act.Actor)) {
		return fmt.Errorf("activity %s from a host not federated with: %w", act.ID, ErrDenied)
	}
	if act.Actor != signer {
		return fmt.Errorf("activity %s by %s signed by %s: %w", act.ID, act.Actor, signer, ErrDenied)
	}
	if !sameOrigin(act.ID, act.Actor) {
		return fmt.Errorf("activity %s not on its actor's host: %w", act.ID, ErrDenied)
	}
	// The usual activity (its actor known and fresh, nothing to fetch) is
	// applied here, before the answer, in a group transaction shared with
	// the other senders' requests: one commit per group instead of two
	// (store the item, then apply and delete it), and no queue row, no
	// worker and no poll of the queue. Anything else, whatever made the
	// fast path give way (an actor to fetch, a refusal, a passing
	// failure), is queued as before, and the worker applies, retries or
	// logs it as it does any queued activity.
	if !needsNetwork(act.Type) {
		if err := e.applyInTx(e.withPreparedNote(withParsedInboxBody(ctx, body, act), act), act, nil); err == nil {
			return nil
		}
	}
	// Many senders post at once: their items share commits.
	// The parsed activity waits for the worker before the item is stored:
	// a worker may pick the item up the moment it commits.
	it := storage.InboxItem{ID: e.store.NewID(e.now()), ActivityURI: act.ID, Signer: signer, Body: body}
	e.parsed.put(it.ID, act, len(body))
	err := e.store.InBatch(ctx, func(tx *storage.Tx) error {
		return tx.InsertInboxItem(ctx, &it)
	})
	if err != nil {
		e.parsed.take(it.ID)
		return fmt.Errorf("queue activity %s: %w", act.ID, err)
	}
	wake(e.inboxWake)
	return nil
}

// parsedBytes bounds the bodies of the parsed activities waiting in
// memory for a worker (a parsed activity takes about what its body
// does); past it, the worker parses the stored body again.
const parsedBytes = 16 << 20

// parsedItems hands the activities Receive parsed to the workers, so
// that each is parsed once (parsing costs more than storing it). The
// stored body stays the truth: after a restart, workers parse it.
type parsedItems struct {
	mu    sync.Mutex
	m     map[storage.ID]parsedItem
	bytes int
}

type parsedItem struct {
	act  activitypub.Activity
	size int
}

func (p *parsedItems) put(id storage.ID, act activitypub.Activity, size int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[storage.ID]parsedItem{}
	}
	if p.bytes+size <= parsedBytes {
		p.m[id] = parsedItem{act, size}
		p.bytes += size
	}
}

func (p *parsedItems) take(id storage.ID) (activitypub.Activity, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	it, ok := p.m[id]
	if ok {
		delete(p.m, id)
		p.bytes -= it.size
	}
	return it.act, ok
}

// runInbox applies queued activities until ctx ends.
func (e *Engine) runInbox(ctx context.Context) {
	log := e.log.With("component", "inbox")
	q := newWorkQueue(inboxWorkers, inboxWorkersPerHost, e.inboxWake)
	defer q.wait()
	for {
		// Hosts at their share, and the items in flight, are read past.
		busy, inflight := q.busy()
		items, err := e.store.DueInboxItemsExcept(ctx, e.now(), 64, busy, inflight)
		if err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "list inbox", "err", err)
		}
		for _, it := range items {
			if _, ok := q.start(ctx, it.ID, signerOrigin(it.Signer), func(func()) { e.applyItem(ctx, log, it) }); !ok {
				return
			}
		}
		if !q.sleep(ctx, e.poll) {
			return
		}
	}
}

// signerOrigin is the key the inbox shares its workers by: the origin
// of the actor that signed an item ("https://host/", in lower case), as
// storage.DueInboxItemsExcept compares it.
func signerOrigin(signer string) string {
	u, err := url.Parse(signer)
	if err != nil || u.Host == "" {
		return strings.ToLower(signer)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host + "/")
}

func (e *Engine) applyItem(ctx context.Context, log *slog.Logger, it storage.InboxItem) {
	act, ok := e.parsed.take(it.ID)
	var err error
	if !ok {
		act, err = activitypub.ParseActivity(it.Body)
	}
	if err == nil {
		// The item leaves the queue in the transaction that applies it:
		// one commit fewer on the single writer per activity.
		began := time.Now()
		err = e.applyThen(withParsedInboxBody(ctx, it.Body, act), act, func(tx *storage.Tx) error { return tx.DeleteInboxItem(ctx, it.ID) })
		if took := time.Since(began); took > slowWork {
			log.DebugContext(ctx, "slow activity", "activity_id", it.ActivityURI, "took", took, "err", err)
		}
		if err == nil {
			return
		}
	}
	if ctx.Err() != nil {
		return
	}
	var inv *InvalidError
	switch {
	case err == nil:
	case errors.As(err, &inv), errors.Is(err, ErrDenied), errors.Is(err, ErrGone), errors.Is(err, storage.ErrNotFound):
		log.InfoContext(ctx, "activity refused", "activity_id", it.ActivityURI, "err", err)
	case it.Attempts < len(e.inboxRetry):
		reason := err.Error()
		next := e.now().Add(e.inboxRetry[it.Attempts])
		log.InfoContext(ctx, "activity failed; will retry", "activity_id", it.ActivityURI, "attempts", it.Attempts+1,
			"next", next, "err", err)
		if rerr := e.store.InTx(ctx, func(tx *storage.Tx) error {
			return tx.RetryInboxItem(ctx, it.ID, next, reason)
		}); rerr != nil {
			log.ErrorContext(ctx, "reschedule activity", "activity_id", it.ActivityURI, "err", rerr)
		}
		return
	default:
		log.WarnContext(ctx, "activity failed for good", "activity_id", it.ActivityURI, "err", err)
	}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.DeleteInboxItem(ctx, it.ID) }); err != nil {
		log.ErrorContext(ctx, "remove applied activity", "activity_id", it.ActivityURI, "err", err)
	}
}

// Apply applies one remote activity exactly once: its effects and the
// record that it was processed commit in one transaction. The activity's
// actor must already have been authenticated.
func (e *Engine) Apply(ctx context.Context, act activitypub.Activity) error {
	return e.applyThen(ctx, act, nil)
}

// applyThen is Apply, and runs then (if not nil) in the same transaction after
// the effects, whether the activity was new or a repeat.
func (e *Engine) applyThen(ctx context.Context, act activitypub.Activity, then func(*storage.Tx) error) error {
	if !needsNetwork(act.Type) {
		if err := e.applyInTx(ctx, act, then); !errors.Is(err, errActorNotReady) {
			return err
		}
	}
	actor, err := e.AccountByIRI(ctx, act.Actor)
	if err != nil {
		return fmt.Errorf("actor of %s: %w", act.ID, err)
	}
	if actor.Local() {
		return fmt.Errorf("activity %s claims a local actor: %w", act.ID, ErrDenied)
	}
	// Work that needs the network happens before the transaction.
	var pre prefetched
	switch act.Type {
	case activitypub.TypeAnnounce:
		if pre.status, err = e.statusForAnnounce(ctx, act); err != nil {
			return err
		}
	case activitypub.TypeCreate:
		if act.Object.Note == nil && !proposalOnly(act.Object.Type) {
			return invalid("Create %s has no embedded object", act.ID)
		}
		if act.Object.Note != nil {
			pre.mentions = e.knownMentions(ctx, e.store, *act.Object.Note)
		}
	case activitypub.TypeUpdate:
		act = e.withOriginActor(ctx, act)
	case activitypub.TypeMove:
		if pre.moveTarget, err = e.fetchMoveTarget(ctx, act); err != nil {
			return err
		}
	}
	// The inbox workers apply activities side by side: they share commits.
	return e.store.InBatch(ctx, func(tx *storage.Tx) error {
		return e.applyFresh(ctx, tx, actor, act, pre, then)
	})
}

type prefetched struct {
	status     storage.Status
	mentions   []storage.Account
	moveTarget *activitypub.Actor // a Move's remote target, fetched fresh
}

func (e *Engine) apply(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity, pre prefetched) error {
	// One entry per type. A remote moderator's action in a community
	// hosted here enters at its type's case too (community_moderation_remote.go).
	switch act.Type {
	case activitypub.TypeFollow:
		return e.applyFollow(ctx, tx, actor, act)
	case activitypub.TypeAccept, activitypub.TypeReject:
		if ok, err := e.applyJoinAnswer(ctx, tx, actor, act); ok || err != nil { // of an event's Join (events_community_wire.go)
			return err
		}
		if act.Type == activitypub.TypeAccept {
			return e.applyAccept(ctx, tx, actor, act)
		}
		return e.applyReject(ctx, tx, actor, act)
	case activitypub.TypeJoin, activitypub.TypeLeave:
		return e.applyJoin(ctx, tx, actor, act)
	case activitypub.TypeUndo:
		return e.applyUndo(ctx, tx, actor, act)
	case activitypub.TypeCreate, activitypub.TypeUpdate:
		if ok, err := e.applyProposal(ctx, tx, actor, act); ok || err != nil { // a member's artefact, term or event, from another node (artefact_remote.go)
			return err
		}
		if act.Type == activitypub.TypeUpdate {
			return e.applyUpdate(ctx, tx, actor, act)
		}
		if act.Object.Note == nil {
			return nil // a term or an event that is no proposal
		}
		return e.applyCreate(ctx, tx, actor, act, pre.mentions)
	case activitypub.TypeDelete:
		if ok, err := e.applyRepertoireDeleteReceived(ctx, tx, actor, act); ok || err != nil { // of an artefact, term or event (repertoire_delete.go)
			return err
		}
		return e.applyDelete(ctx, tx, actor, act)
	case activitypub.TypeLike:
		return e.applyLike(ctx, tx, actor, act)
	case activitypub.TypeAnnounce:
		return e.applyAnnounce(ctx, tx, actor, act, pre.status)
	case activitypub.TypeBlock:
		return e.applyBlock(ctx, tx, actor, act)
	case activitypub.TypeMove:
		return e.applyMove(ctx, tx, actor, act, pre) // move.go
	case TypeLock:
		return e.applyLock(ctx, tx, actor, act)
	case "Add", "Remove":
		return e.applyAddRemove(ctx, tx, actor, act)
	case activitypub.TypeFlag:
		return e.applyFlag(ctx, tx, actor, act)
	case TypeResolve:
		return e.applyResolve(ctx, tx, actor, act)
	}
	return nil // unknown types are accepted and ignored
}

// localTarget returns the local account an IRI names, or ErrNotFound.
func (e *Engine) localTarget(ctx context.Context, tx *storage.Tx, iri string) (storage.Account, error) {
	name, ok := e.urls.LocalUsername(iri)
	if !ok {
		return storage.Account{}, fmt.Errorf("%s is not a local actor: %w", iri, storage.ErrNotFound)
	}
	return tx.AccountByUsername(ctx, name)
}

func (e *Engine) applyFollow(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity) error {
	target, err := e.localTarget(ctx, tx, act.Object.IRI)
	if err != nil {
		return err
	}
	if target.ActorType == activitypub.TypeApplication {
		return fmt.Errorf("follow of the instance actor: %w", ErrDenied)
	}
	if blocked, err := tx.Blocks(ctx, target.ID, actor.ID); err != nil || blocked {
		if err == nil {
			err = fmt.Errorf("follow by blocked %s: %w", actor.URI, ErrDenied)
		}
		return err
	}
	if blocked, err := tx.BlocksDomain(ctx, target.ID, actor.Domain); err != nil || blocked {
		if err == nil {
			err = fmt.Errorf("follow from blocked domain %s: %w", actor.Domain, ErrDenied)
		}
		return err
	}
	f := storage.Follow{AccountID: actor.ID, TargetID: target.ID, URI: act.ID, ShowReblogs: true}
	if _, err := tx.FollowOf(ctx, actor.ID, target.ID); err == nil {
		return e.acceptFollow(ctx, tx, actor, target, f) // a repeated Follow: Accept again
	}
	return e.receiveFollow(ctx, tx, actor, target, f)
}

// followObject finds the pending or accepted follow an Accept, Reject or
// Undo names, by its IRI or, failing that, by the embedded Follow's actor
// and object.
func (e *Engine) followObject(ctx context.Context, tx *storage.Tx, act activitypub.Activity, pending bool) (storage.Follow, error) {
	lookup := tx.FollowByURI
	if pending {
		lookup = tx.FollowRequestByURI
	}
	f, err := lookup(ctx, act.Object.IRI)
	if err == nil || !errors.Is(err, storage.ErrNotFound) || act.Object.Activity == nil {
		return f, err
	}
	inner := act.Object.Activity
	from, err := tx.AccountByURI(ctx, inner.Actor)
	if err != nil {
		return storage.Follow{}, err
	}
	to, err := tx.AccountByURI(ctx, inner.Object.IRI)
	if err != nil {
		return storage.Follow{}, err
	}
	if pending {
		return tx.FollowRequestOf(ctx, from.ID, to.ID)
	}
	return tx.FollowOf(ctx, from.ID, to.ID)
}

func (e *Engine) applyAccept(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity) error {
	req, err := e.followObject(ctx, tx, act, true)
	if errors.Is(err, storage.ErrNotFound) {
		// Accepted already, or withdrawn; or a member's proposal to a
		// remote community (artefact_remote.go).
		return e.proposalAnswered(ctx, tx, actor, act)
	}
	if err != nil {
		return err
	}
	if req.TargetID != actor.ID {
		return e.answerReceivedJoin(ctx, tx, actor, req, act) // a community's moderator on another node (community_join_remote.go)
	}
	if _, err := tx.DeleteFollowRequest(ctx, req.AccountID, req.TargetID); err != nil {
		return err
	}
	member, err := tx.AccountByID(ctx, req.AccountID)
	if err != nil {
		return err
	}
	e.fetchLibraryOnJoin(tx, member, actor) // a remote community's library, in the background
	if actor.Locked {
		// A community that approves its members answered: say so (one
		// that lets anyone in answers at once, which needs no word).
		if err := e.tellJoinAnswer(ctx, tx, member, actor, true); err != nil {
			return err
		}
	}
	return e.startFollow(ctx, tx, req, true) // a Follow is sent only for a member
}

func (e *Engine) applyReject(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity) error {
	f, err := e.followObject(ctx, tx, act, true)
	if err == nil && f.TargetID != actor.ID {
		return e.answerReceivedJoin(ctx, tx, actor, f, act) // a community's moderator on another node (community_join_remote.go)
	}
	if errors.Is(err, storage.ErrNotFound) {
		f, err = e.followObject(ctx, tx, act, false) // a follower removed after acceptance
	}
	if errors.Is(err, storage.ErrNotFound) {
		return e.proposalAnswered(ctx, tx, actor, act) // a member's proposal to a remote community (artefact_remote.go)
	}
	if err != nil {
		return err
	}
	if f.TargetID != actor.ID {
		return fmt.Errorf("reject of a follow of someone else: %w", ErrDenied)
	}
	follower, err := tx.AccountByID(ctx, f.AccountID)
	if err != nil {
		return err
	}
	return e.joinRejected(ctx, tx, follower, actor, act) // ends the follow; keeps a community's reason
}

func (e *Engine) applyUndo(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity) error {
	if handled, err := e.undoInCommunity(ctx, tx, actor, act); handled || err != nil {
		return err // a moderator's Undo{Block} or Undo{Lock} in a community hosted here
	}
	inner := act.Object.Activity
	if inner != nil && inner.Actor != "" && inner.Actor != actor.URI {
		return fmt.Errorf("undo of another actor's activity: %w", ErrDenied)
	}
	typ := act.Object.Type
	switch typ {
	case activitypub.TypeFollow, "":
		f, err := e.followObject(ctx, tx, act, false)
		if errors.Is(err, storage.ErrNotFound) {
			f, err = e.followObject(ctx, tx, act, true)
		}
		if err == nil {
			if f.AccountID != actor.ID {
				return fmt.Errorf("undo of another's follow: %w", ErrDenied)
			}
			target, err := tx.AccountByID(ctx, f.TargetID)
			if err != nil {
				return err
			}
			return e.endFollow(ctx, tx, actor, target)
		}
		if typ == activitypub.TypeFollow || !errors.Is(err, storage.ErrNotFound) {
			return ignoreNotFound(err)
		}
		// An Undo naming only an IRI: it may be a reblog.
		return e.undoAnnounce(ctx, tx, actor, act.Object.IRI)
	case activitypub.TypeLike:
		if inner == nil {
			return nil
		}
		st, err := tx.StatusByURI(ctx, inner.Object.IRI)
		if err != nil {
			return ignoreNotFound(err)
		}
		if _, err := tx.DeleteFavourite(ctx, actor.ID, st.ID); err != nil {
			return err
		}
		if err := tx.DeleteNotificationsFrom(ctx, st.AccountID, actor.ID, storage.NotifyFavourite, st.ID); err != nil {
			return err
		}
		return e.deliverLocal(ctx, tx, actor, act, inboxBody(ctx), st, nil) // a Group here announces it
	case activitypub.TypeAnnounce:
		return e.undoAnnounce(ctx, tx, actor, act.Object.IRI)
	case activitypub.TypeBlock:
		if inner == nil {
			return nil
		}
		target, err := e.localTarget(ctx, tx, inner.Object.IRI)
		if err != nil {
			return ignoreNotFound(err)
		}
		_, err = tx.DeleteBlock(ctx, actor.ID, target.ID)
		return err
	}
	return nil
}

func (e *Engine) undoAnnounce(ctx context.Context, tx *storage.Tx, actor storage.Account, iri string) error {
	rb, err := tx.StatusByURI(ctx, iri)
	if err != nil {
		return ignoreNotFound(err)
	}
	if rb.AccountID != actor.ID || rb.ReblogOfID == 0 {
		return fmt.Errorf("undo of %s: %w", iri, ErrDenied)
	}
	if orig, err := tx.StatusByID(ctx, rb.ReblogOfID); err == nil {
		if err := tx.DeleteNotificationsFrom(ctx, orig.AccountID, actor.ID, storage.NotifyReblog, orig.ID); err != nil {
			return err
		}
	}
	return e.deleteStatus(ctx, tx, rb.ID)
}

func ignoreNotFound(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	return err
}

func (e *Engine) applyLike(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity) error {
	st, err := tx.StatusByURI(ctx, act.Object.IRI)
	if err != nil {
		return ignoreNotFound(err) // a like of something we never saw
	}
	author, err := tx.AccountByID(ctx, st.AccountID)
	if err != nil {
		return err
	}
	if err := tx.InsertFavourite(ctx, &storage.Favourite{AccountID: actor.ID, StatusID: st.ID, URI: act.ID}); err != nil {
		if errors.Is(err, storage.ErrDuplicate) {
			return nil
		}
		return err
	}
	if err := e.notify(ctx, tx, author, actor, storage.NotifyFavourite, st.ID); err != nil {
		return err
	}
	return e.deliverLocal(ctx, tx, actor, act, inboxBody(ctx), st, nil) // a Group here announces it
}

func (e *Engine) applyBlock(ctx context.Context, tx *storage.Tx, actor storage.Account, act activitypub.Activity) error {
	if act.Target != "" {
		g, ok, err := e.hostedCommunity(ctx, tx, act.Target)
		if err != nil {
			return err
		}
		if ok { // a remote moderator's ban from a community hosted here
			return e.receivedBan(ctx, tx, actor, g, act)
		}
		return refuseTargetedBlock(act) // a ban from a community elsewhere counts only as its Group's Announce
	}
	target, err := e.localTarget(ctx, tx, act.Object.IRI)
	if err != nil {
		return ignoreNotFound(err)
	}
	if err := tx.InsertBlock(ctx, actor.ID, target.ID, act.ID); err != nil {
		return err
	}
	if err := e.endFollow(ctx, tx, actor, target); err != nil {
		return err
	}
	return e.endFollow(ctx, tx, target, actor)
}
