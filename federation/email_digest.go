package federation

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/copse-dev/copse/storage"
)

// Community digests: a member is mailed, daily or weekly as they chose
// (weekly until they choose), what is new in the communities they belong
// to, here or on other nodes: the threads started since the last digest
// (with their replies), the artefacts added to the library, and the
// events coming up. A digest with nothing in it is not sent. A member's
// digest clock starts the first time the worker sees them (their first
// digest comes a period later, so an upgrade mails no one at once), and
// each digest covers from the end of the last one to the time it is
// made; the end is written with the queued mail in one transaction.

const (
	// digestCommunities bounds the communities one digest covers.
	digestCommunities = 50
	// digestItems bounds the threads, artefacts and events a digest lists
	// per community; the community's page has the rest.
	digestItems = 10
	// digestUpcoming is how far ahead a digest lists events: at least a
	// week, and the digest's period.
	digestUpcoming = 7 * 24 * time.Hour
)

// digestPeriod is how often a digest of kind d is sent; 0 for none.
func digestPeriod(d string) time.Duration {
	switch d {
	case storage.DigestDaily:
		return 24 * time.Hour
	case storage.DigestWeekly:
		return 7 * 24 * time.Hour
	}
	return 0
}

// QueueDigests queues the digest of every member whose period has passed
// since their last, and returns how many it queued.
func (e *Engine) QueueDigests(ctx context.Context) (int, error) {
	now := e.now()
	queued := 0
	var after storage.ID
	for {
		due, err := e.store.DueDigests(ctx, after, now.Add(-digestPeriod(storage.DigestDaily)),
			now.Add(-digestPeriod(storage.DigestWeekly)), mailBatch)
		if err != nil {
			return queued, err
		}
		for _, m := range due {
			after = m.AccountID
			ok, err := e.queueDigest(ctx, m, now)
			if ctx.Err() != nil {
				return queued, ctx.Err()
			}
			if err != nil {
				// One member's digest that cannot be made must not hold
				// up everyone else's: it is tried again on the next beat.
				e.log.WarnContext(ctx, "digest not made", "account_id", m.AccountID, "err", err)
				continue
			}
			if ok {
				queued++
			}
		}
		if len(due) < mailBatch {
			return queued, nil
		}
	}
}

// queueDigest queues m's digest up to now if it has something to say, and
// in any case records that m's digests cover up to now.
func (e *Engine) queueDigest(ctx context.Context, m storage.Mailable, now time.Time) (bool, error) {
	s := emailSettingsOf(m.Settings)
	var mail storage.Mail
	if m.Settings.Found && !m.Settings.DigestThrough.IsZero() {
		subject, body, err := e.digestText(ctx, m, s.Digest, m.Settings.DigestThrough, now)
		if err != nil {
			return false, err
		}
		mail = storage.Mail{AccountID: m.AccountID, Kind: storage.MailDigest, Subject: subject, Body: body}
	}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		// Another worker may have sent it meanwhile: only from the same
		// start is it sent.
		cur, err := tx.EmailSettings(ctx, m.AccountID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if cur.Found != m.Settings.Found || !cur.DigestThrough.Equal(m.Settings.DigestThrough) {
			mail.Subject = ""
			return nil
		}
		if err := e.changeEmailSettings(ctx, tx, m.AccountID, func(st *storage.EmailSettings) { st.DigestThrough = now }); err != nil {
			return err
		}
		if mail.Subject == "" {
			return nil
		}
		return tx.QueueMail(ctx, &mail)
	})
	if err != nil {
		return false, err
	}
	return mail.Subject != "", nil
}

// digestText is the subject and body of m's digest of what happened in
// their communities from "from" to "to"; "" if nothing did.
func (e *Engine) digestText(ctx context.Context, m storage.Mailable, period string, from, to time.Time) (string, string, error) {
	viewer, err := e.store.AccountByID(ctx, m.AccountID)
	if err != nil {
		return "", "", err
	}
	groups, err := e.store.DigestCommunities(ctx, m.AccountID, digestCommunities)
	if err != nil {
		return "", "", err
	}
	var b strings.Builder
	var threads, inCommunities int
	for _, g := range groups {
		section, n, err := e.digestSection(ctx, viewer, g, from, to, max(digestUpcoming, digestPeriod(period)))
		if err != nil {
			return "", "", fmt.Errorf("digest of %s: %w", g.URI, err)
		}
		if section == "" {
			continue
		}
		threads += n
		inCommunities++
		b.WriteString(section)
	}
	if inCommunities == 0 {
		return "", "", nil
	}
	when := "this week"
	if period == storage.DigestDaily {
		when = "today"
	}
	subject := "What's new in your communities " + when
	if threads > 0 {
		subject = fmt.Sprintf("%d new thread%s in your communities %s", threads, plural(threads), when)
	}
	intro := fmt.Sprintf("Since %s, in the communities you belong to:\n\n", from.UTC().Format("Monday 2 January at 15:04 MST"))
	return subject, intro + b.String(), nil
}

// digestSection is what a digest says of community g: its new threads,
// new artefacts and coming events that viewer may read, and how many new
// threads; "" if there is nothing.
func (e *Engine) digestSection(ctx context.Context, viewer, g storage.Account, from, to time.Time, ahead time.Duration) (string, int, error) {
	page := e.urls.Base + "/c/" + url.PathEscape(g.Acct())
	var b strings.Builder
	ts, err := e.store.CommunityThreads(ctx, g.ID, viewer.ID, to, storage.Page{Limit: digestItems})
	if err != nil {
		return "", 0, err
	}
	ids := make([]storage.ID, 0, len(ts))
	for _, th := range ts {
		ids = append(ids, th.Status.AccountID)
	}
	authors, err := e.store.AccountsByIDs(ctx, ids) // one read for the community's threads
	if err != nil {
		return "", 0, err
	}
	n := 0
	for _, th := range ts {
		st := th.Status
		author, known := authors[st.AccountID]
		if !known || !st.CreatedAt.After(from) || st.CreatedAt.After(to) {
			continue
		}
		if ok, err := e.CanSee(ctx, viewer, st); err != nil || !ok {
			if err != nil {
				return "", 0, err
			}
			continue
		}
		if n == 0 {
			b.WriteString("New threads:\n")
		}
		n++
		title := cmp.Or(st.Title, firstLine(PlainText(st.Content)))
		fmt.Fprintf(&b, "- %s, by %s", truncateRunes(title, 120), shortName(author))
		if th.Replies > 0 {
			replies := "replies"
			if th.Replies == 1 {
				replies = "reply"
			}
			fmt.Fprintf(&b, " (%d %s)", th.Replies, replies)
		}
		fmt.Fprintf(&b, "\n  %s/threads/%s\n", page, st.ID)
	}
	if ok, err := e.LibraryReadable(ctx, viewer, g); err != nil {
		return "", 0, err
	} else if ok {
		arts, err := e.store.CommunityLibrary(ctx, g.ID, storage.Page{Limit: digestItems})
		if err != nil {
			return "", 0, err
		}
		first := true
		for _, a := range arts {
			if !a.CreatedAt.After(from) || a.CreatedAt.After(to) {
				continue
			}
			if first {
				b.WriteString("New in the library:\n")
				first = false
			}
			fmt.Fprintf(&b, "- %s", truncateRunes(a.Title, 120))
			if a.Summary != "" {
				fmt.Fprintf(&b, ": %s", truncateRunes(firstLine(a.Summary), 160))
			}
			fmt.Fprintf(&b, "\n  %s\n", e.urls.ArtefactPage(g.Acct(), a.ID))
		}
	}
	evs, err := e.store.CommunityEvents(ctx, g.ID, to, false, digestItems)
	if err != nil {
		return "", 0, err
	}
	first := true
	for _, ev := range evs {
		if ev.Start.After(to.Add(ahead)) {
			break
		}
		if ok, err := e.EventReadable(ctx, viewer, ev); err != nil || !ok {
			if err != nil {
				return "", 0, err
			}
			continue
		}
		if first {
			b.WriteString("Coming up:\n")
			first = false
		}
		when := ev.Start
		if loc, err := time.LoadLocation(ev.TimeZone); err == nil {
			when = when.In(loc)
		}
		fmt.Fprintf(&b, "- %s, %s\n  %s\n", truncateRunes(ev.Name, 120), when.Format("Monday 2 January at 15:04 MST"),
			e.urls.EventPage(g.Acct(), ev.ID))
	}
	if b.Len() == 0 {
		return "", 0, nil
	}
	head := shortName(g) + " (@" + g.Acct() + ")"
	return head + "\n" + strings.Repeat("=", min(len([]rune(head)), 72)) + "\n" + b.String() + page + "\n\n", n, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
