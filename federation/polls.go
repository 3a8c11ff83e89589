package federation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// Poll limits, Mastodon's: apps read them from the instance configuration.
const (
	MaxPollOptions     = 4
	MaxPollOptionChars = 50
	MinPollExpiry      = 5 * time.Minute
	MaxPollExpiry      = 2629746 * time.Second // a month, as Mastodon counts it
)

// PollDraft is the poll of a post as a member writes it.
type PollDraft struct {
	Options    []string
	ExpiresIn  time.Duration
	Multiple   bool
	HideTotals bool // show counts only once the poll has ended
}

// validate checks a draft's poll, if it has one; media is how many files
// the post attaches. Messages are Mastodon's.
func (p *PollDraft) validate(media int) error {
	if p == nil {
		return nil
	}
	if media > 0 {
		return invalid("Validation failed: a post with a poll cannot have media attached")
	}
	opts := p.options()
	switch {
	case len(opts) < 2:
		return invalid("Validation failed: Poll options must have more than one item")
	case len(opts) > MaxPollOptions:
		return invalid("Validation failed: Poll options can't contain more than %d items", MaxPollOptions)
	}
	seen := map[string]bool{}
	for _, o := range opts {
		if utf8.RuneCountInString(o) > MaxPollOptionChars {
			return invalid("Validation failed: Poll options cannot be longer than %d characters each", MaxPollOptionChars)
		}
		if seen[o] {
			return invalid("Validation failed: Poll options contain duplicate items")
		}
		seen[o] = true
	}
	switch {
	case p.ExpiresIn == 0:
		return invalid("Validation failed: Poll expires at can't be blank")
	case p.ExpiresIn < MinPollExpiry:
		return invalid("Validation failed: Poll expires at is too soon")
	case p.ExpiresIn > MaxPollExpiry:
		return invalid("Validation failed: Poll expires at is too far into the future")
	}
	return nil
}

// options are the draft's options without surrounding space, blank ones
// dropped, as Mastodon reads them.
func (p *PollDraft) options() []string {
	var out []string
	for _, o := range p.Options {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// insert stores the poll of a new local status, if the draft has one.
func (p *PollDraft) insert(ctx context.Context, tx *storage.Tx, status storage.ID) (*storage.Poll, error) {
	if p == nil {
		return nil, nil
	}
	poll := storage.Poll{StatusID: status, Multiple: p.Multiple, HideTotals: p.HideTotals,
		ExpiresAt: tx.Now().Add(p.ExpiresIn).Truncate(time.Second)}
	for _, o := range p.options() {
		poll.Options = append(poll.Options, storage.PollOption{Title: o})
	}
	if err := tx.InsertPoll(ctx, &poll); err != nil {
		return nil, err
	}
	return &poll, nil
}

// pollOf returns a status's poll, or nil if it has none.
func pollOf(ctx context.Context, tx *storage.Tx, status storage.ID) (*storage.Poll, error) {
	p, err := tx.PollByStatus(ctx, status)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// pollNote is the poll of a Question. A poll that hides its totals shows
// none until it has ended.
func pollNote(p storage.Poll) *activitypub.Poll {
	out := &activitypub.Poll{Multiple: p.Multiple, EndTime: p.ExpiresAt, Closed: p.ClosedAt, VotersCount: p.VotersCount}
	hidden := p.HideTotals && p.ClosedAt.IsZero()
	for _, o := range p.Options {
		opt := activitypub.PollOption{Name: o.Title, Votes: o.Votes}
		if hidden {
			opt.Votes = 0
		}
		out.Options = append(out.Options, opt)
	}
	return out
}

// remotePoll is the poll a peer's Question describes. As in Mastodon, a
// poll that says it closed ends then, whatever its endTime; a single-choice
// poll that does not count its voters has as many as votes.
func remotePoll(status storage.ID, q activitypub.Poll) storage.Poll {
	p := storage.Poll{StatusID: status, Multiple: q.Multiple, ExpiresAt: q.EndTime, ClosedAt: q.Closed,
		VotersCount: q.VotersCount}
	if !q.Closed.IsZero() {
		p.ExpiresAt = q.Closed
	}
	for _, o := range q.Options {
		p.Options = append(p.Options, storage.PollOption{Title: o.Name, Votes: o.Votes})
	}
	if p.VotersCount == 0 && !p.Multiple {
		p.VotersCount = p.VotesCount()
	}
	return p
}

// storePoll stores the poll of a remote status just stored, if it has one.
func (e *Engine) storePoll(ctx context.Context, tx *storage.Tx, status storage.ID, q *activitypub.Poll) error {
	if q == nil {
		return nil
	}
	p := remotePoll(status, *q)
	return tx.InsertPoll(ctx, &p)
}

// Vote casts a member's choices (indexes into the poll's options) in the
// poll of a status. The poll of a remote status is told with one
// Create{Note} per choice, addressed to its author; a local poll counts
// them at once and federates its new counts. A vote the poll cannot take
// (ended, already voted, a choice out of range, several choices in a
// single-choice poll, one's own poll) is an *InvalidError.
func (e *Engine) Vote(ctx context.Context, voterID, statusID storage.ID, choices []int) (storage.Poll, error) {
	voter, err := e.localAccount(ctx, voterID)
	if err != nil {
		return storage.Poll{}, err
	}
	st, err := e.store.StatusByID(ctx, statusID)
	if err != nil {
		return storage.Poll{}, fmt.Errorf("vote in %d: %w", statusID, err)
	}
	if ok, err := e.CanSee(ctx, voter, st); err != nil || !ok {
		if err == nil {
			err = storage.ErrNotFound
		}
		return storage.Poll{}, fmt.Errorf("vote in %d: %w", statusID, err)
	}
	if blocking, err := e.store.Blocks(ctx, voter.ID, st.AccountID); err != nil || blocking {
		if err == nil {
			err = ErrDenied
		}
		return storage.Poll{}, fmt.Errorf("vote in %d: %w", statusID, err)
	}
	author, err := e.store.AccountByID(ctx, st.AccountID)
	if err != nil {
		return storage.Poll{}, fmt.Errorf("vote in %d: %w", statusID, err)
	}
	var poll storage.Poll
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		p, err := tx.PollByStatus(ctx, st.ID)
		if err != nil {
			return err
		}
		if err := checkVote(p, voter.ID, author.ID, choices, tx.Now()); err != nil {
			return err
		}
		if !p.Multiple {
			if own, err := tx.OwnVotes(ctx, st.ID, voter.ID); err != nil || len(own) > 0 {
				if err == nil {
					err = invalid("Validation failed: You have already voted on this poll")
				}
				return err
			}
		}
		votes := make([]storage.PollVote, 0, len(choices))
		for _, c := range choices {
			id := tx.NewID()
			votes = append(votes, storage.PollVote{ID: id, Choice: c, URI: fmt.Sprintf("%s#votes/%d", voter.URI, id)})
		}
		if err := tx.CastVotes(ctx, st.ID, voter.ID, votes); err != nil {
			if errors.Is(err, storage.ErrDuplicate) {
				return invalid("Validation failed: You have already voted on this poll")
			}
			return err
		}
		if author.Local() {
			if err := tx.SchedulePollUpdate(ctx, st.ID, tx.Now().Add(e.pollUpdateDelay)); err != nil {
				return err
			}
		} else {
			for _, v := range votes {
				note := activitypub.Note{ID: v.URI, Type: activitypub.TypeNote, Name: p.Options[v.Choice].Title,
					AttributedTo: voter.URI, InReplyTo: st.URI, To: []string{author.URI}}
				act := activitypub.Activity{ID: v.URI + "/activity", Type: activitypub.TypeCreate, Actor: voter.URI,
					To: note.To, Object: activitypub.Object{IRI: note.ID, Type: note.Type, Note: &note}}
				if err := e.publish(ctx, tx, voter, act, false, []string{author.DeliveryInbox()}); err != nil {
					return err
				}
			}
		}
		poll, err = tx.PollByStatus(ctx, st.ID)
		return err
	})
	if err != nil {
		return storage.Poll{}, fmt.Errorf("vote: %w", err)
	}
	return poll, nil
}

// checkVote applies the rules every vote obeys, Mastodon's VoteValidator.
func checkVote(p storage.Poll, voter, author storage.ID, choices []int, now time.Time) error {
	switch {
	case p.Expired(now):
		return invalid("Validation failed: The poll has already ended")
	case voter == author:
		return invalid("Validation failed: You cannot vote in your own polls")
	case len(choices) == 0:
		return invalid("Validation failed: choices can't be blank")
	case !p.Multiple && len(choices) > 1:
		return invalid("Validation failed: You have already voted on this poll")
	case len(choices) > len(p.Options):
		return invalid("Validation failed: more choices than the poll has options")
	}
	chosen := make(map[int]bool, len(choices))
	for _, c := range choices {
		if c < 0 || c >= len(p.Options) {
			return invalid("Validation failed: The chosen vote option does not exist")
		}
		if chosen[c] {
			return invalid("Validation failed: an option is chosen twice")
		}
		chosen[c] = true
	}
	return nil
}

// applyVote records a vote a peer sent (a Create{Note} naming an option
// and answering a local Question). It reports false when note answers no
// local poll, so the caller treats it as a post. A vote the poll cannot
// take, or by an actor who may not see the poll, is dropped, as Mastodon
// drops it.
func (e *Engine) applyVote(ctx context.Context, tx *storage.Tx, voter storage.Account, note activitypub.Note) (bool, error) {
	st, err := tx.StatusByURI(ctx, note.InReplyTo)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	p, err := tx.PollByStatus(ctx, st.ID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !st.Local) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	// A vote passes the rule a member's vote through the API does: one who
	// may not see the poll (not a follower of a followers-only poll, or
	// blocked) cannot vote in it, and is then sent nothing about it.
	visible, err := canSee(ctx, tx, voter, st)
	if err != nil || !visible {
		return true, err
	}
	choice := slices.IndexFunc(p.Options, func(o storage.PollOption) bool { return o.Title == note.Name })
	if checkVote(p, voter.ID, st.AccountID, []int{choice}, tx.Now()) != nil {
		return true, nil
	}
	if !p.Multiple {
		if own, err := tx.OwnVotes(ctx, st.ID, voter.ID); err != nil || len(own) > 0 {
			return true, err
		}
	}
	err = tx.CastVotes(ctx, st.ID, voter.ID, []storage.PollVote{{Choice: choice, URI: note.ID}})
	if errors.Is(err, storage.ErrDuplicate) {
		return true, nil
	}
	if err != nil {
		return true, err
	}
	return true, tx.SchedulePollUpdate(ctx, st.ID, tx.Now().Add(e.pollUpdateDelay))
}

// pollUpdateDelay is how long a local poll's new counts wait to be sent
// by default (Options.PollUpdateDelay), so that the votes of those
// minutes go in one Update{Question} to every node that holds the poll,
// as Mastodon waits 3 minutes too: one Update a vote made a delivery to
// every such node for every vote.
const pollUpdateDelay = 3 * time.Minute

// SendPollUpdates sends the counts of the local polls whose update is
// due (votes came in at least pollUpdateDelay ago), one Update{Question}
// each, and returns how many it sent. One that fails does not hold up
// the others, and is tried again next time.
func (e *Engine) SendPollUpdates(ctx context.Context) (int, error) {
	due, err := e.store.DuePollUpdates(ctx, e.now(), 50)
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, id := range due {
		err := e.store.InTx(ctx, func(tx *storage.Tx) error {
			if err := tx.ClearPollUpdate(ctx, id); err != nil {
				return err
			}
			st, err := tx.StatusByID(ctx, id)
			if errors.Is(err, storage.ErrNotFound) {
				return nil // deleted since
			}
			if err != nil {
				return err
			}
			return e.distributePoll(ctx, tx, st)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("poll update of %d: %w", id, err))
			continue
		}
		sent++
	}
	return sent, errors.Join(errs...)
}

// distributePoll sends a local poll's counts as Update{Question} to
// everyone who got the poll and to the remote voters, who may not follow
// its author: those of them who may see the post (a followers-only poll's
// voter who has since unfollowed is told nothing more). It runs when a
// poll ends, and pollUpdateDelay after votes (SendPollUpdates), one
// Update for the votes of those minutes. A poll that hides its totals
// has nothing to tell until it ends.
func (e *Engine) distributePoll(ctx context.Context, tx *storage.Tx, st storage.Status) error {
	nc, err := e.noteContextTx(ctx, tx, st)
	if err != nil {
		return err
	}
	if nc.Poll == nil || (nc.Poll.HideTotals && nc.Poll.ClosedAt.IsZero()) {
		return nil
	}
	voters, err := pollVoters(ctx, tx, st.ID)
	if err != nil {
		return err
	}
	inboxes, err := e.audienceInboxes(ctx, tx, st, nc, voters...)
	if err != nil {
		return err
	}
	note := NoteOf(st, nc, e.urls)
	act := activitypub.Activity{ID: e.urls.Activity(nc.Author.Username, tx.NewID()), Type: activitypub.TypeUpdate,
		Actor: nc.Author.URI, To: note.To, CC: note.CC, Published: tx.Now(),
		Object: activitypub.Object{IRI: st.URI, Type: note.Type, Note: &note}}
	return e.publish(ctx, tx, nc.Author, act, false, inboxes)
}

// pollVoters returns the accounts that voted in the poll of a status;
// one deleted since is left out.
func pollVoters(ctx context.Context, tx *storage.Tx, status storage.ID) ([]storage.Account, error) {
	ids, err := tx.PollVoters(ctx, status)
	if err != nil {
		return nil, err
	}
	out := make([]storage.Account, 0, len(ids))
	for _, id := range ids {
		a, err := tx.AccountByID(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("voter %d: %w", id, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// noteContextTx is loadNoteContext inside a transaction, so it sees the
// transaction's own writes (new counts).
func (e *Engine) noteContextTx(ctx context.Context, tx *storage.Tx, st storage.Status) (noteContext, error) {
	var nc noteContext
	var err error
	if nc.Author, err = tx.AccountByID(ctx, st.AccountID); err != nil {
		return nc, fmt.Errorf("author of %s: %w", st.URI, err)
	}
	for _, id := range st.Mentions {
		a, err := tx.AccountByID(ctx, id)
		if err != nil {
			return nc, fmt.Errorf("mention in %s: %w", st.URI, err)
		}
		nc.Mentioned = append(nc.Mentioned, a)
	}
	nc.Poll, err = pollOf(ctx, tx, st.ID)
	return nc, err
}

// applyPollUpdate saves the counts an Update{Question} carries. It
// reports true when that is all the Update changes, so the status is not
// marked as edited for every vote.
func (e *Engine) applyPollUpdate(ctx context.Context, tx *storage.Tx, st storage.Status, n activitypub.Note) (bool, error) {
	if n.Poll == nil {
		return false, nil
	}
	old, err := tx.PollByStatus(ctx, st.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	p := remotePoll(st.ID, *n.Poll)
	p.HideTotals, p.NotifiedAt = old.HideTotals, old.NotifiedAt
	// Votes are never withdrawn, so counts only grow: Updates sent one per
	// vote may arrive out of order, and an older one must not undo a newer.
	if len(p.Options) == len(old.Options) {
		for i := range p.Options {
			p.Options[i].Votes = max(p.Options[i].Votes, old.Options[i].Votes)
		}
		p.VotersCount = max(p.VotersCount, old.VotersCount)
	}
	if err := tx.UpdatePoll(ctx, &p); err != nil {
		return false, err
	}
	same := e.sanitize.Sanitize(n.Content) == st.Content && n.Summary == st.SpoilerText &&
		plainTitle(n.Name) == st.Title && (n.Updated.IsZero() || n.Updated.Equal(st.EditedAt))
	return same, nil
}

// pollCheckEvery is how often the engine looks for polls that ended, in
// units of its worker poll interval (a second by default).
const pollCheckEvery = 10

// runPolls ends expired polls until ctx ends.
func (e *Engine) runPolls(ctx context.Context) {
	log := e.log.With("component", "polls")
	t := time.NewTicker(pollCheckEvery * e.poll)
	defer t.Stop()
	for {
		if n, err := e.EndPolls(ctx); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "end polls", "err", err)
		} else if n > 0 {
			log.DebugContext(ctx, "polls ended", "count", n)
		}
		if n, err := e.SendPollUpdates(ctx); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "send poll updates", "err", err)
		} else if n > 0 {
			log.DebugContext(ctx, "poll updates sent", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// EndPolls handles the polls that expired since it last ran: each is
// marked closed, the members who voted in it and its author (if a member)
// get a "poll" notification, and a local poll federates its final counts.
// A remote poll that members voted in is fetched again first, for its
// final counts. It returns how many polls it ended; one that fails does
// not hold up the others, and is tried again next time.
func (e *Engine) EndPolls(ctx context.Context) (int, error) {
	due, err := e.store.DuePolls(ctx, e.now(), 50)
	if err != nil {
		return 0, err
	}
	ended := 0
	var errs []error
	for _, p := range due {
		if err := e.endPoll(ctx, p); err != nil {
			errs = append(errs, fmt.Errorf("end poll of %d: %w", p.StatusID, err))
			continue
		}
		ended++
	}
	return ended, errors.Join(errs...)
}

func (e *Engine) endPoll(ctx context.Context, p storage.Poll) error {
	st, err := e.store.StatusByID(ctx, p.StatusID)
	if err != nil {
		return err
	}
	author, err := e.store.AccountByID(ctx, st.AccountID)
	if err != nil {
		return err
	}
	voterIDs, err := e.store.PollVoters(ctx, st.ID)
	if err != nil {
		return err
	}
	var final *activitypub.Poll
	if !author.Local() && len(voterIDs) > 0 {
		final = e.fetchPoll(ctx, st.URI)
	}
	return e.store.InTx(ctx, func(tx *storage.Tx) error {
		p, err := tx.PollByStatus(ctx, st.ID)
		if err != nil {
			return ignoreNotFound(err) // deleted meanwhile
		}
		if !p.NotifiedAt.IsZero() {
			return nil
		}
		if final != nil {
			q := remotePoll(st.ID, *final)
			q.HideTotals = p.HideTotals
			p = q
		}
		if p.ClosedAt.IsZero() {
			p.ClosedAt = p.ExpiresAt
		}
		p.NotifiedAt = tx.Now()
		if err := tx.UpdatePoll(ctx, &p); err != nil {
			return err
		}
		voters, err := pollVoters(ctx, tx, st.ID)
		if err != nil {
			return err
		}
		for _, voter := range voters {
			// The notification shows the post: only to a voter who may
			// still see it.
			ok, err := canSee(ctx, tx, voter, st)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if err := e.notify(ctx, tx, voter, author, storage.NotifyPoll, st.ID); err != nil {
				return err
			}
		}
		if !author.Local() {
			return nil
		}
		// The author is told too, though it is "from" themselves.
		n := storage.Notification{AccountID: author.ID, FromAccountID: author.ID, Type: storage.NotifyPoll, StatusID: st.ID}
		if err := tx.InsertNotification(ctx, &n); err != nil {
			return err
		}
		e.emit(tx, Event{Kind: EventNotification, NotificationID: n.ID, Home: []storage.ID{author.ID}})
		if err := tx.ClearPollUpdate(ctx, st.ID); err != nil {
			return err // the final counts go now: no update is due after them
		}
		return e.distributePoll(ctx, tx, st)
	})
}

// fetchPoll dereferences a remote Question for its final counts; nil when
// that fails, and the counts already known stand.
func (e *Engine) fetchPoll(ctx context.Context, iri string) *activitypub.Poll {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	body, err := e.fetcher.Get(ctx, iri)
	if err != nil {
		e.log.DebugContext(ctx, "fetch ended poll", "object_id", iri, "err", err)
		return nil
	}
	n, err := activitypub.ParseNote(body)
	if err != nil || n.ID != iri {
		return nil
	}
	return n.Poll
}
