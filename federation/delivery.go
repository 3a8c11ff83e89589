package federation

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/copse-dev/copse/storage"
)

// DefaultRetrySchedule is the wait before each retry of a failed
// delivery. Mastodon keeps retrying for about two days; a peer that is
// down for a day must still get the post. After the last step the job is
// dropped and logged.
var DefaultRetrySchedule = []time.Duration{
	30 * time.Second,
	2 * time.Minute,
	10 * time.Minute,
	30 * time.Minute,
	1 * time.Hour,
	2 * time.Hour,
	4 * time.Hour,
	8 * time.Hour,
	12 * time.Hour,
	12 * time.Hour,
	12 * time.Hour, // about 51 hours in all
}

// Host back-off: after hostFailuresBeforeBackoff failures in a row a host
// is skipped as a whole, for HostBackoff doubling per further failure up
// to maxHostBackoff, so a dead peer costs one attempt per period rather
// than one per queued job, and never delays deliveries to other hosts.
const (
	hostFailuresBeforeBackoff = 3
	maxHostBackoff            = time.Hour
)

// perHostRead is how many jobs of one host a read of the queue takes, in
// units of the per-host connection limit: enough to refill the host's
// connections several times without another read, and few enough that
// one host's backlog leaves the rest of the read to other hosts' jobs. A
// read costs far more than the jobs it returns (a reader's page cache
// starts empty after every commit): at 2, a busy community's one
// follower node took a read per four announces, a third as much CPU as
// the writer spent on the posts.
const perHostRead = 8

// slowWork is how long a delivery or the application of a received
// activity may take before it is logged (at debug) as slow.
const slowWork = 2 * time.Second

// deliveryTimeout bounds one POST to a remote inbox.
const deliveryTimeout = 30 * time.Second

// runDeliveries sends due delivery jobs until ctx ends, at most e.workers
// at once and e.perHost per host.
//
// It reads the queue when a commit queued jobs (deliverWake), when the
// jobs it read have all started and one ends, and at least every poll
// interval. Jobs it read but could not start (their host at its limit)
// wait in pending and start as that host's jobs end, without another
// read (pending starts afresh at least every poll interval): a backlog
// for one host used to come back, bodies and keys, on a read per job
// sent. While jobs wait there, a commit's read waits until
// pendingReadEvery after the last one. A read takes at most perHostRead
// times e.perHost jobs of any host and steps over busy hosts on an index
// (storage.DueDeliveriesExcept), so its cost does not grow with a busy
// host's backlog, and that backlog does not crowd other hosts out of it.
func (e *Engine) runDeliveries(ctx context.Context) {
	log := e.log.With("component", "delivery")
	ended := make(chan struct{}, 1)
	q := newWorkQueue(e.workers, e.perHost, ended)
	defer q.wait()
	limit := 4 * e.workers
	var (
		pending  []storage.Delivery // read, not started: their host was at its limit
		read     = true
		refresh  bool // the next read replaces pending
		lastRead time.Time
		readAt   time.Time // when to read again at the latest
	)
	timer := time.NewTimer(e.poll)
	defer timer.Stop()
	for {
		if read && !refresh && time.Since(lastRead) < minReadGap {
			// A read just happened: this one waits for the timer.
			read = false
			if next := lastRead.Add(minReadGap); next.Before(readAt) {
				readAt = next
			}
		}
		if read {
			// Jobs in flight, and those of hosts at their limit, are left
			// out: they cannot start before a job ends.
			hosts, inflight := q.busy()
			due, err := e.store.DueDeliveriesExcept(ctx, e.now(), limit, perHostRead*e.perHost, hosts, inflight)
			if err != nil && ctx.Err() == nil {
				log.ErrorContext(ctx, "list due deliveries", "err", err)
			}
			full := len(due) == limit
			if refresh {
				// At least every poll interval pending starts afresh: a job
				// removed from the queue meanwhile (an account deleted, a
				// follower gone) is not sent from memory much later.
				pending = nil
			}
			// The read left out busy hosts: their pending jobs stay.
			pending, read, refresh, lastRead = mergePending(due, pending, limit), false, false, time.Now()
			readAt = lastRead.Add(e.poll)
			switch {
			case full:
				readAt = lastRead // more may be due: read again once these started
			case len(pending) == 0 && err == nil:
				// Nothing startable is due: sleep until the next job is due
				// (a retry), unless a job ends or a commit queues one first.
				if next, err := e.store.NextDeliveryAt(ctx); err == nil && !next.IsZero() && next.After(e.now()) {
					readAt = lastRead.Add(min(e.poll, next.Sub(e.now())))
				}
			}
		}
		kept := pending[:0]
		for _, d := range pending {
			started, ok := q.start(ctx, d.ID, d.Host, func(release func()) { e.attempt(ctx, log, d, release) })
			if !ok {
				return
			}
			if !started {
				kept = append(kept, d)
			}
		}
		pending = kept
		timer.Reset(max(time.Until(readAt), 0))
		select {
		case <-ctx.Done():
			return
		case <-e.deliverWake: // a commit queued jobs
			if len(pending) == 0 {
				read = true
			} else if next := lastRead.Add(pendingReadEvery); next.Before(readAt) {
				readAt = next
			}
		case <-ended: // a worker, and a place for its host, are free
			read = len(pending) == 0
		case <-timer.C:
			read, refresh = true, true
		}
	}
}

// mergePending returns the jobs just read followed by those still
// pending that the read did not return (their host was busy), oldest
// first as the queue orders them, at most limit.
func mergePending(read, pending []storage.Delivery, limit int) []storage.Delivery {
	if len(pending) == 0 {
		return read
	}
	seen := make(map[storage.ID]bool, len(read))
	for _, d := range read {
		seen[d.ID] = true
	}
	out := read
	for _, d := range pending {
		if !seen[d.ID] {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b storage.Delivery) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out[:min(len(out), limit)]
}

// minReadGap is the least time between two reads of the queue that a
// commit or an ended job asks for: a busy inbox commits hundreds of times
// a second, and each read starts from an empty page cache. A job waits
// this long at most before it is read.
const minReadGap = 5 * time.Millisecond

// pendingReadEvery is how often, at most, a commit makes runDeliveries
// read the queue while jobs it read wait for their host.
const pendingReadEvery = 50 * time.Millisecond

// attempt sends one job and records the outcome. It calls release once
// the request is done: writing the outcome waits for a shared commit
// (InBatch), which needs no worker.
func (e *Engine) attempt(ctx context.Context, log *slog.Logger, d storage.Delivery, release func()) {
	if !e.federates(d.Host) { // suspended or not allowed: dropped, never retried
		release()
		e.onDelivery(d.Host, "dropped", 0)
		err := e.store.InBatch(ctx, func(tx *storage.Tx) error { return tx.DeliveryFailed(ctx, d, time.Time{}, ErrBlockedDomain.Error()) })
		if err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "record delivery outcome", "inbox_url", d.InboxURL, "err", err)
		}
		return
	}
	began := time.Now()
	retryAfter, err := e.deliver(ctx, d)
	release()
	if ctx.Err() != nil {
		return // shutting down: the job stays queued and is sent after restart
	}
	took := time.Since(began)
	if took > slowWork {
		log.DebugContext(ctx, "slow delivery", "inbox_url", d.InboxURL, "activity_id", d.ActivityURI, "took", took, "err", err)
	}
	now := e.now()
	var perm *permanentError
	// Workers record outcomes side by side: they share commits.
	switch {
	case err == nil:
		e.onDelivery(d.Host, "delivered", took)
		err = e.store.InBatch(ctx, func(tx *storage.Tx) error { return tx.DeliverySucceeded(ctx, d) })
	case errors.As(err, &perm):
		e.onDelivery(d.Host, "dropped", took)
		log.WarnContext(ctx, "delivery refused; dropping", "inbox_url", d.InboxURL, "activity_id", d.ActivityURI, "err", err)
		err = e.store.InBatch(ctx, func(tx *storage.Tx) error { return tx.DeliveryFailed(ctx, d, time.Time{}, err.Error()) })
	default:
		var next time.Time
		if d.Attempts < len(e.retry) {
			e.onDelivery(d.Host, "retry", took)
			next = now.Add(max(e.retry[d.Attempts], retryAfter))
			log.DebugContext(ctx, "delivery failed; will retry", "inbox_url", d.InboxURL, "activity_id", d.ActivityURI,
				"attempts", d.Attempts+1, "next", next, "err", err)
		} else {
			e.onDelivery(d.Host, "dropped", took)
			log.WarnContext(ctx, "delivery failed for good; dropping", "inbox_url", d.InboxURL, "activity_id", d.ActivityURI,
				"attempts", d.Attempts+1, "err", err)
		}
		reason := err.Error()
		err = e.store.InBatch(ctx, func(tx *storage.Tx) error {
			if err := tx.DeliveryFailed(ctx, d, next, reason); err != nil {
				return err
			}
			return tx.HostFailed(ctx, d.Host, reason, e.hostBackoff)
		})
	}
	if err != nil && ctx.Err() == nil {
		log.ErrorContext(ctx, "record delivery outcome", "inbox_url", d.InboxURL, "err", err)
	}
}

func (e *Engine) hostBackoff(failures int) time.Time {
	if failures < hostFailuresBeforeBackoff {
		return time.Time{}
	}
	base := e.retry[0]
	wait := base << min(failures-hostFailuresBeforeBackoff, 20)
	return e.now().Add(min(wait, maxHostBackoff))
}

// permanentError is a refusal that retrying will not change (a 4xx other
// than 401, 408 and 429, or 501).
type permanentError struct{ code int }

func (p *permanentError) Error() string { return fmt.Sprintf("inbox answered %d", p.code) }

// deliver POSTs one job's activity, signed now with its actor's current
// key. It returns the peer's Retry-After, if any.
func (e *Engine) deliver(ctx context.Context, d storage.Delivery) (time.Duration, error) {
	// DueDeliveries read the signer's current key with the job: reading
	// the account here cost a reader transaction per delivery, and
	// after every commit a reader revalidates its cache (a third of a
	// delivery's CPU besides signing, in BenchmarkCommunityThreadFanout).
	signer := storage.Account{ID: d.SignerID, URI: d.ActivityURI, PublicKeyID: d.SignerKeyID, PrivateKeyPEM: d.SignerKeyPEM}
	key, err := e.privateKey(signer)
	if err != nil {
		return 0, fmt.Errorf("signer of %s: %w", d.ActivityURI, err)
	}
	ctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	defer cancel()
	rsaSigner := Signer{KeyID: signer.PublicKeyID, Key: key}
	s := rsaSigner
	if d.SignerEd25519KeyID != "" && e.readsEd25519(d.Host) {
		if k, err := e.ed25519PrivateKey(d.SignerID, d.SignerEd25519PEM); err == nil {
			s = Signer{KeyID: d.SignerEd25519KeyID, Ed25519: k}
		}
	}
	c, header, err := e.postSigned(ctx, d, s)
	if c == http.StatusUnauthorized && s.Ed25519 != nil {
		// A copse node too old to know Ed25519 keys: sign as for any peer.
		c, header, err = e.postSigned(ctx, d, rsaSigner)
	}
	if err != nil {
		return 0, err
	}
	switch {
	case c >= 200 && c < 300:
		return 0, nil
	case c == http.StatusNotImplemented:
		return 0, &permanentError{code: c}
	case c == http.StatusUnauthorized || c == http.StatusTooManyRequests || c == http.StatusRequestTimeout || c >= 500:
		// 401 too, as Mastodon does: the peer may not yet have fetched a
		// rotated key, or its key fetch raced another.
		return retryAfter(header.Get("Retry-After"), e.now()), &StatusError{URL: d.InboxURL, Code: c}
	default:
		return 0, &permanentError{code: c}
	}
}

// postSigned sends d's body to its inbox signed by s, and returns the
// status and headers of the answer.
func (e *Engine) postSigned(ctx context.Context, d storage.Delivery, s Signer) (int, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.InboxURL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, nil, &permanentError{code: 0}
	}
	req.Header.Set("Content-Type", `application/activity+json`)
	req.Header.Set("Accept", "application/activity+json")
	if err := s.Sign(req, d.Body, e.now()); err != nil {
		return 0, nil, fmt.Errorf("sign delivery: %w", err)
	}
	resp, err := e.client.Do(req)
	if errors.Is(err, ErrBlockedDomain) { // redirected to a host not federated with
		return 0, nil, &permanentError{code: http.StatusForbidden}
	}
	if err != nil {
		return 0, nil, fmt.Errorf("post %s: %w", d.InboxURL, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, resp.Header, nil
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s > 0 {
		return min(time.Duration(s)*time.Second, 24*time.Hour)
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return min(t.Sub(now), 24*time.Hour)
	}
	return 0
}
