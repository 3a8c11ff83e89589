package federation

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// Email notifications. A member is mailed the notifications of the types
// they chose (DefaultEmailTypes until they choose), each once, some time
// after it happened (Options.MailDelay, 10 minutes by default) and only if
// they have not read it meanwhile in an app (the notifications marker) or
// dismissed it: someone who reads notifications as they come gets no
// mail about them. The worker reads notifications in id order from a
// cursor kept in the database, so none is mailed twice or skipped across
// restarts, and writes each mail, what it says included, to a queue in
// the same transaction as the cursor; the queue is sent through the SMTP
// server and retried while the server does not take a mail. Moderation
// warnings are always mailed, as Mastodon mails them; they are the only
// mail a suspended or disabled member gets.

// EmailTypes are the notification types a member may choose to be mailed,
// in the order the settings page lists them.
var EmailTypes = []string{
	storage.NotifyMention, storage.NotifyFollow, storage.NotifyFollowRequest, storage.NotifyReblog,
	storage.NotifyFavourite, storage.NotifyEventReminder, storage.NotifyProposalRefused,
	storage.NotifyJoinAccepted, storage.NotifyJoinRefused, storage.NotifyJoinRequest, NotifyAdminReport, NotifyAdminSignUp,
}

// DefaultEmailTypes are mailed to a member who never chose, as Mastodon's
// defaults: mentions, follows and follow requests, not boosts or
// favourites; and copse's reminders, refused proposals, answers to the
// member's requests to join, requests to join a community the member
// moderates and, for staff, reports and sign-ups.
var DefaultEmailTypes = []string{
	storage.NotifyMention, storage.NotifyFollow, storage.NotifyFollowRequest, storage.NotifyEventReminder,
	storage.NotifyProposalRefused, storage.NotifyJoinAccepted, storage.NotifyJoinRefused, storage.NotifyJoinRequest,
	NotifyAdminReport, NotifyAdminSignUp,
}

const (
	// defaultMailDelay is how long a notification waits before it is
	// mailed, in which reading it in an app means no mail.
	defaultMailDelay = 10 * time.Minute
	// mailBatch is how many notifications or queued mails are read at once.
	mailBatch = 100
	// mailExcerptRunes is how much of a post a mail quotes.
	mailExcerptRunes = 1000
)

// mailRetry is how long to wait before each further attempt at a mail the
// SMTP server did not take; after the last, the mail is dropped and logged.
var mailRetry = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour}

// EmailSettings are what a member is mailed.
type EmailSettings struct {
	Types  []string // notification types, in EmailTypes order
	Digest string   // storage.DigestOff, DigestDaily or DigestWeekly
	// LeaveOut are the communities left out of the digest (every one
	// joined is in it by default). SetEmailSettings leaves them as they
	// are when it is nil.
	LeaveOut []storage.ID
}

// Mails reports whether the settings mail notifications of type typ.
func (s EmailSettings) Mails(typ string) bool {
	return typ == storage.NotifyModerationWarning || slices.Contains(s.Types, typ)
}

// EmailTypesFor are the types of EmailTypes that a may be notified of:
// reports and join requests only for the node's staff who handle them
// and moderators of a community (hosted here or elsewhere: a Group
// announces both to its moderators' nodes), sign-ups only for those who
// let people in.
func (e *Engine) EmailTypesFor(ctx context.Context, a storage.Account) ([]string, error) {
	reports, err := e.AccountCan(ctx, a, ActHandleReports)
	if err != nil {
		return nil, err
	}
	moderates, err := e.store.ModeratesACommunity(ctx, a.ID, a.URI)
	if err != nil {
		return nil, err
	}
	reports = reports || moderates
	signUps, err := e.AccountCan(ctx, a, ActManageRegistrations)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(slices.Clone(EmailTypes), func(t string) bool {
		return (t == NotifyAdminReport && !reports) || (t == NotifyAdminSignUp && !signUps) ||
			(t == storage.NotifyJoinRequest && !moderates)
	}), nil
}

// emailSettingsOf is a member's stored settings, or the defaults.
func emailSettingsOf(s storage.EmailSettings) EmailSettings {
	if !s.Found {
		return EmailSettings{Types: slices.Clone(DefaultEmailTypes), Digest: storage.DigestWeekly}
	}
	return EmailSettings{Types: s.Types, Digest: s.Digest}
}

// EmailSettings returns what account is mailed.
func (e *Engine) EmailSettings(ctx context.Context, account storage.ID) (EmailSettings, error) {
	s, err := e.store.EmailSettings(ctx, account)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return EmailSettings{}, err
	}
	out := emailSettingsOf(s)
	if out.LeaveOut, err = e.store.DigestExclusions(ctx, account); err != nil {
		return EmailSettings{}, err
	}
	return out, nil
}

// DigestCommunities are the communities account joined, as their digest
// covers them (at most digestCommunities, by name), for the settings
// form that leaves some out.
func (e *Engine) DigestCommunities(ctx context.Context, account storage.ID) ([]storage.Account, error) {
	return e.store.JoinedCommunities(ctx, account, digestCommunities)
}

// SetEmailSettings sets what account is mailed: types must be among
// EmailTypes, and the digest one of off, daily and weekly; otherwise it
// returns an *InvalidError.
func (e *Engine) SetEmailSettings(ctx context.Context, account storage.ID, s EmailSettings) error {
	for _, t := range s.Types {
		if !slices.Contains(EmailTypes, t) {
			return invalid("%q is not a kind of email", t)
		}
	}
	switch s.Digest {
	case storage.DigestOff, storage.DigestDaily, storage.DigestWeekly:
	default:
		return invalid("the digest is off, daily or weekly, not %q", s.Digest)
	}
	if len(s.LeaveOut) > digestCommunities {
		return invalid("a digest leaves out at most %d communities", digestCommunities)
	}
	var types []string
	for _, t := range EmailTypes {
		if slices.Contains(s.Types, t) {
			types = append(types, t)
		}
	}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		if s.LeaveOut != nil {
			if err := tx.SetDigestExclusions(ctx, account, s.LeaveOut); err != nil {
				return err
			}
		}
		return e.changeEmailSettings(ctx, tx, account, func(st *storage.EmailSettings) {
			st.Types, st.Digest = types, s.Digest
		})
	})
	if err != nil {
		return fmt.Errorf("set email settings: %w", err)
	}
	return nil
}

// changeEmailSettings applies change to account's settings (the defaults
// if they have none) and writes them, with an unsubscribe token made now
// if they had none.
func (e *Engine) changeEmailSettings(ctx context.Context, tx *storage.Tx, account storage.ID, change func(*storage.EmailSettings)) error {
	s, err := tx.EmailSettings(ctx, account)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	if !s.Found {
		d := emailSettingsOf(s)
		s = storage.EmailSettings{AccountID: account, Types: d.Types, Digest: d.Digest, DigestThrough: tx.Now()}
	}
	if s.UnsubscribeToken == "" {
		s.UnsubscribeToken = rand.Text()
	}
	change(&s)
	return tx.PutEmailSettings(ctx, s)
}

// Unsubscribe stops the mail of kind (a type among EmailTypes, or
// storage.MailDigest) for the member whose mail carried token, as a
// mail's unsubscribe link asks, and returns their username. An unknown
// token is storage.ErrNotFound; an unknown kind an *InvalidError.
func (e *Engine) Unsubscribe(ctx context.Context, token, kind string) (string, error) {
	if kind != storage.MailDigest && !slices.Contains(EmailTypes, kind) {
		return "", invalid("%q is not a kind of email", kind)
	}
	var username string
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		s, err := tx.EmailSettingsByToken(ctx, token)
		if err != nil {
			return err
		}
		a, err := tx.AccountByID(ctx, s.AccountID)
		if err != nil {
			return err
		}
		username = a.Username
		return e.changeEmailSettings(ctx, tx, s.AccountID, func(st *storage.EmailSettings) {
			if kind == storage.MailDigest {
				st.Digest = storage.DigestOff
				return
			}
			st.Types = slices.DeleteFunc(slices.Clone(st.Types), func(t string) bool { return t == kind })
		})
	})
	if err != nil {
		return "", fmt.Errorf("unsubscribe: %w", err)
	}
	return username, nil
}

// SendTestMail sends a short mail to address now, through the node's
// SMTP server, so that its operator can check the settings; the error
// names the step that failed.
func (e *Engine) SendTestMail(ctx context.Context, address string) error {
	if e.mailer == nil {
		return invalid("this node sends no mail: set smtp.host (COPSE_SMTP_HOST) and smtp.from (COPSE_SMTP_FROM)")
	}
	return e.mailer.Send(ctx, Message{To: address, Subject: "Test mail from " + e.about.Name,
		Body: "This is a test mail from " + e.about.Name + " (" + e.urls.Base + "), sent with copse admin mail test.\n" +
			"Its mail to members goes out the same way.\n"})
}

// JoinRequestsPage is where a community's moderators answer requests to
// join it.
func (u URLs) JoinRequestsPage(handle string) string {
	return u.Base + "/c/" + url.PathEscape(handle) + "/join-requests"
}

// UnsubscribeURL is the link that stops mail of kind for the holder of
// token.
func (u URLs) UnsubscribeURL(token, kind string) string {
	return u.Base + "/settings/email/unsubscribe?kind=" + kind + "&token=" + token
}

// runMail mails notifications and digests and sends the mail queue, on a beat of
// thirty polls (30 s by default), until ctx ends. A node without an SMTP
// server mails nothing and queues nothing.
func (e *Engine) runMail(ctx context.Context) {
	if e.mailer == nil {
		return
	}
	log := e.log.With("component", "mail")
	t := time.NewTicker(30 * e.poll)
	defer t.Stop()
	for {
		if n, err := e.QueueNotificationMail(ctx); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "queue notification mail", "err", err)
		} else if n > 0 {
			log.DebugContext(ctx, "notification mail queued", "count", n)
		}
		if n, err := e.QueueDigests(ctx); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "queue digests", "err", err)
		} else if n > 0 {
			log.DebugContext(ctx, "digests queued", "count", n)
		}
		if _, err := e.SendQueuedMail(ctx); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "send mail", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// QueueNotificationMail reads the notifications made since the last call
// and at least the mail delay ago, and queues a mail for each one its
// member is to be mailed. It returns how many it queued.
func (e *Engine) QueueNotificationMail(ctx context.Context) (int, error) {
	upTo := storage.IDAt(e.now().Add(-e.mailDelay))
	queued, races := 0, 0
	for {
		after, err := e.store.MailCursor(ctx)
		if err != nil {
			return queued, err
		}
		ns, err := e.store.NotificationsAfter(ctx, after, upTo, mailBatch)
		if err != nil {
			return queued, err
		}
		var mails []storage.Mail
		for _, n := range ns {
			m, ok, err := e.notificationMail(ctx, n)
			if ctx.Err() != nil {
				return queued, ctx.Err()
			}
			if err != nil {
				// One notification that cannot be told must not hold up
				// everyone's mail behind it.
				e.log.WarnContext(ctx, "notification not mailed", "notification_id", n.ID, "type", n.Type, "err", err)
				continue
			}
			if ok {
				mails = append(mails, m)
			}
		}
		through := upTo
		if len(ns) == mailBatch {
			through = ns[len(ns)-1].ID
		}
		if through <= after {
			return queued, nil
		}
		err = e.store.InTx(ctx, func(tx *storage.Tx) error {
			// Two workers (two processes on one database) must not both
			// queue a batch: the cursor moves only from where it was read.
			if now, err := tx.MailCursor(ctx); err != nil || now != after {
				return cmp.Or(err, errMailRace)
			}
			// A notification whose transaction began before the read and
			// committed after it would be stepped over: on the writer, all
			// are committed, so read the ids again.
			if again, err := tx.NotificationsAfter(ctx, after, through, mailBatch); err != nil || !sameIDs(again, ns) {
				return cmp.Or(err, errMailRace)
			}
			for i := range mails {
				if err := e.changeEmailSettings(ctx, tx, mails[i].AccountID, func(*storage.EmailSettings) {}); err != nil {
					return err
				}
				if err := tx.QueueMail(ctx, &mails[i]); err != nil {
					return err
				}
			}
			return tx.SetMailCursor(ctx, through)
		})
		if errors.Is(err, errMailRace) && races < 3 {
			races++
			continue
		}
		if err != nil {
			return queued, fmt.Errorf("queue mail: %w", err)
		}
		queued += len(mails)
		if len(ns) < mailBatch {
			return queued, nil
		}
	}
}

// errMailRace is the cursor moved, or notifications came or went, under a
// batch: read again.
var errMailRace = errors.New("mail cursor moved")

// sameIDs reports whether a and b hold the same notifications.
func sameIDs(a, b []storage.Notification) bool {
	return slices.EqualFunc(a, b, func(x, y storage.Notification) bool { return x.ID == y.ID })
}

// notificationMail is the mail of n, and whether its member is to get it:
// they may be mailed, chose its type, have not read or dismissed it, and
// may still see its post.
func (e *Engine) notificationMail(ctx context.Context, n storage.Notification) (storage.Mail, bool, error) {
	m, err := e.store.MailableMember(ctx, n.AccountID)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Mail{}, false, nil
	}
	if err != nil {
		return storage.Mail{}, false, err
	}
	if !emailSettingsOf(m.Settings).Mails(n.Type) {
		return storage.Mail{}, false, nil
	}
	if (m.Suspended || m.Disabled) && n.Type != storage.NotifyModerationWarning {
		return storage.Mail{}, false, nil
	}
	markers, err := e.store.Markers(ctx, n.AccountID, []string{"notifications"})
	if err != nil {
		return storage.Mail{}, false, err
	}
	if len(markers) == 1 && markers[0].LastReadID >= n.ID {
		return storage.Mail{}, false, nil // read in an app already
	}
	from, err := e.store.AccountByID(ctx, n.FromAccountID)
	if err != nil {
		return storage.Mail{}, false, notFoundIsNo(err)
	}
	var st *storage.Status
	if n.StatusID != 0 {
		s, err := e.store.StatusByID(ctx, n.StatusID)
		if err != nil {
			return storage.Mail{}, false, notFoundIsNo(err)
		}
		// No mail shows a post its member may not see.
		if ok, err := e.CanSee(ctx, storage.Account{ID: n.AccountID}, s); err != nil || !ok {
			return storage.Mail{}, false, err
		}
		st = &s
	}
	subject, body, err := e.notificationText(ctx, n, from, st)
	if err != nil {
		return storage.Mail{}, false, notFoundIsNo(err)
	}
	if subject == "" {
		return storage.Mail{}, false, nil
	}
	// A subject is one line, whatever a title or a name held.
	subject = truncateRunes(strings.Join(strings.Fields(subject), " "), 200)
	return storage.Mail{AccountID: n.AccountID, Kind: n.Type, Subject: subject, Body: body}, true, nil
}

// notFoundIsNo is nil for storage.ErrNotFound (what the notification is
// about is gone: no mail), else err.
func notFoundIsNo(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	return err
}

// notificationText is the subject and body of the mail of n from "from",
// about st when it is about a post; subject "" if the type is not mailed.
func (e *Engine) notificationText(ctx context.Context, n storage.Notification, from storage.Account, st *storage.Status) (string, string, error) {
	name := shortName(from)
	who := name + " (@" + from.Acct() + ")"
	var b strings.Builder
	switch n.Type {
	case storage.NotifyMention:
		subject := name + " mentioned you"
		switch {
		case st.Visibility == activitypub.Direct:
			subject = name + " sent you a direct message"
		case st.InReplyToAccountID == n.AccountID:
			subject = name + " replied to you"
		}
		fmt.Fprintf(&b, "%s wrote:\n\n%s\n\n%s", who, quote(st), readIt(st, "Read it and reply"))
		return subject, b.String(), nil
	case storage.NotifyReblog, storage.NotifyFavourite:
		verb := "boosted"
		if n.Type == storage.NotifyFavourite {
			verb = "favourited"
		}
		fmt.Fprintf(&b, "%s %s your post:\n\n%s\n\n%s", who, verb, quote(st), readIt(st, "Your post"))
		return name + " " + verb + " your post", b.String(), nil
	case storage.NotifyFollow:
		fmt.Fprintf(&b, "%s now follows you.\n\nTheir profile: %s\n", who, profileURL(from))
		return name + " now follows you", b.String(), nil
	case storage.NotifyFollowRequest:
		fmt.Fprintf(&b, "%s asks to follow you. Accept or refuse the request in your app.\n\nTheir profile: %s\n",
			who, profileURL(from))
		return name + " asks to follow you", b.String(), nil
	case storage.NotifyEventReminder:
		ev, err := e.store.CommunityEventByID(ctx, n.EventID)
		if err != nil {
			return "", "", err
		}
		when := ev.Start
		if loc, err := time.LoadLocation(ev.TimeZone); err == nil {
			when = when.In(loc)
		}
		fmt.Fprintf(&b, "%s starts on %s.\n", ev.Name, when.Format("Monday 2 January 2006 at 15:04 MST"))
		if where := ev.Where(); where != "" {
			fmt.Fprintf(&b, "Where: %s\n", where)
		}
		fmt.Fprintf(&b, "\nThe event: %s\n", cmp.Or(ev.URL, ev.URI))
		return "Reminder: " + ev.Name + " starts " + when.Format("2 January at 15:04"), b.String(), nil
	case storage.NotifyProposalRefused:
		p, err := e.store.ProposalByID(ctx, n.ProposalID)
		if err != nil {
			return "", "", err
		}
		fmt.Fprintf(&b, "%s did not accept your proposal %q.\n", name, p.Title)
		if p.Reason != "" {
			fmt.Fprintf(&b, "\nThe reason given: %s\n", p.Reason)
		}
		return "Your proposal was not accepted: " + p.Title, b.String(), nil
	case storage.NotifyJoinRequest:
		g, err := e.store.AccountByID(ctx, n.CommunityID)
		if err != nil {
			return "", "", err
		}
		fmt.Fprintf(&b, "%s asks to join %s, which you moderate.\n", who, shortName(g))
		if org := strings.Join(nonEmpty(from.Organisation, from.Department, from.JobTitle), ", "); org != "" {
			fmt.Fprintf(&b, "\nThey are: %s\n", org)
		}
		fmt.Fprintf(&b, "\nAccept or refuse: %s\n", e.urls.JoinRequestsPage(g.Acct()))
		return name + " asks to join " + shortName(g), b.String(), nil
	case storage.NotifyJoinAccepted, storage.NotifyJoinRefused:
		g, err := e.store.AccountByID(ctx, n.CommunityID)
		if err != nil {
			return "", "", err
		}
		page := e.urls.Base + "/c/" + url.PathEscape(g.Acct())
		if n.Type == storage.NotifyJoinAccepted {
			fmt.Fprintf(&b, "You are now a member of %s (@%s). Its threads reach your home timeline, and you can post in it.\n\n%s\n",
				shortName(g), g.Acct(), page)
			return "You are now a member of " + shortName(g), b.String(), nil
		}
		fmt.Fprintf(&b, "A moderator of %s (@%s) refused your request to join.\n", shortName(g), g.Acct())
		if m, err := e.store.MembershipOf(ctx, g.ID, n.AccountID, e.now()); err == nil && m.Reason != "" {
			fmt.Fprintf(&b, "\nThe reason given: %s\n", m.Reason)
		}
		fmt.Fprintf(&b, "\nYou may ask again from its page: %s\n", page)
		return "Your request to join " + shortName(g) + " was refused", b.String(), nil
	case NotifyAdminReport:
		rep, err := e.store.ReportByID(ctx, n.ReportID)
		if err != nil {
			return "", "", err
		}
		target, err := e.store.AccountByID(ctx, rep.TargetID)
		if err != nil {
			return "", "", err
		}
		fmt.Fprintf(&b, "%s reported @%s (%s).\n", who, target.Acct(), rep.Category)
		if rep.Comment != "" {
			fmt.Fprintf(&b, "\nTheir comment: %s\n", rep.Comment)
		}
		fmt.Fprintf(&b, "\nReview it: %s/admin/reports/%s\n", e.urls.Base, rep.ID)
		return "New report about @" + target.Acct(), b.String(), nil
	case NotifyAdminSignUp:
		fmt.Fprintf(&b, "@%s joined %s.\n\nTheir account: %s/admin/accounts/%s\n", from.Username, e.about.Name,
			e.urls.Base, from.ID)
		return "New sign-up: @" + from.Username, b.String(), nil
	case storage.NotifyModerationWarning:
		w, err := e.store.AccountWarning(ctx, n.ID)
		if err != nil {
			return "", "", err
		}
		fmt.Fprintf(&b, "A moderator of %s has %s.\n", e.about.Name, warningSentence(w.Action))
		if w.Text != "" {
			fmt.Fprintf(&b, "\nWhy: %s\n", w.Text)
		}
		if e.about.Contact != "" {
			fmt.Fprintf(&b, "\nIf you think this is wrong, write to %s.\n", e.about.Contact)
		}
		return "A moderator has acted on your account on " + e.about.Name, b.String(), nil
	}
	return "", "", nil
}

// warningSentence says what a moderation action did, to the member.
func warningSentence(action string) string {
	switch action {
	case ActionSensitive:
		return "marked your media as sensitive"
	case ActionDisable:
		return "disabled sign-in to your account"
	case ActionSilence:
		return "limited your account: only your followers see your posts"
	case ActionSuspend:
		return "suspended your account"
	}
	return "sent you a warning"
}

// shortName is how a mail or a push names an account: its display name,
// or else its username, on one line, at most 60 characters.
func shortName(a storage.Account) string {
	name := strings.Join(strings.Fields(cmp.Or(a.DisplayName, a.Username)), " ")
	return truncateRunes(name, 60)
}

// quote is a post's text as a mail quotes it: its content warning alone
// if it has one, else its text, each line led by "> ".
func quote(st *storage.Status) string {
	text := strings.TrimSpace(PlainText(st.Content))
	if st.SpoilerText != "" {
		text = "Content warning: " + st.SpoilerText
	}
	text = truncateRunes(text, mailExcerptRunes)
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight("> "+l, " ")
	}
	return strings.Join(lines, "\n")
}

// readIt is the line that links to st: its address when anyone may open
// it, else where to read it.
func readIt(st *storage.Status, label string) string {
	if st.Visibility == activitypub.Public || st.Visibility == activitypub.Unlisted {
		return label + ": " + cmp.Or(st.URL, st.URI) + "\n"
	}
	return "Open your app to read it and reply.\n"
}

func profileURL(a storage.Account) string { return cmp.Or(a.URL, a.URI) }

func nonEmpty(ss ...string) []string {
	return slices.DeleteFunc(ss, func(s string) bool { return s == "" })
}

// SendQueuedMail sends the mail that is due, each to its member's current
// address, with the links that stop it; a mail the server refuses for
// good (a 5xx answer) or that fails past mailRetry is dropped and logged.
// It returns how many it sent.
func (e *Engine) SendQueuedMail(ctx context.Context) (int, error) {
	if e.mailer == nil {
		return 0, nil
	}
	log := e.log.With("component", "mail")
	sent := 0
	for {
		due, err := e.store.DueMail(ctx, e.now(), mailBatch)
		if err != nil || len(due) == 0 {
			return sent, err
		}
		for _, m := range due {
			err := e.sendMail(ctx, m)
			if ctx.Err() != nil {
				return sent, ctx.Err()
			}
			var next time.Time
			reason := ""
			if err != nil {
				reason = truncateRunes(err.Error(), 500)
			}
			switch {
			case err == nil:
				sent++
			case permanentMailError(err) || m.Attempts >= len(mailRetry):
				log.WarnContext(ctx, "mail dropped", "mail_id", m.ID, "account_id", m.AccountID, "kind", m.Kind,
					"attempts", m.Attempts+1, "err", err)
			default:
				next = e.now().Add(mailRetry[m.Attempts])
				log.InfoContext(ctx, "mail failed; will retry", "mail_id", m.ID, "next", next, "err", err)
			}
			err = e.store.InTx(ctx, func(tx *storage.Tx) error {
				if next.IsZero() {
					return tx.MailSent(ctx, m.ID)
				}
				return tx.MailFailed(ctx, m.ID, next, reason)
			})
			if err != nil {
				return sent, fmt.Errorf("record mail %d: %w", m.ID, err)
			}
		}
		if len(due) < mailBatch {
			return sent, nil
		}
	}
}

// errNoMailbox is a queued mail whose member can no longer be mailed.
var errNoMailbox = errors.New("the member can no longer be mailed")

// sendMail sends one queued mail, with the footer that says why it came
// and how to stop it.
func (e *Engine) sendMail(ctx context.Context, m storage.Mail) error {
	who, err := e.store.MailableMember(ctx, m.AccountID)
	if errors.Is(err, storage.ErrNotFound) {
		return errNoMailbox
	}
	if err != nil {
		return err
	}
	msg := Message{To: who.Email, Subject: m.Subject, Body: m.Body}
	var foot strings.Builder
	fmt.Fprintf(&foot, "\n-- \nYou are @%s on %s (%s).\n", who.Username, e.about.Name, e.urls.Base)
	if m.Kind != storage.NotifyModerationWarning && who.Settings.UnsubscribeToken != "" {
		msg.Unsubscribe = e.urls.UnsubscribeURL(who.Settings.UnsubscribeToken, m.Kind)
		fmt.Fprintf(&foot, "Stop these emails: %s\n", msg.Unsubscribe)
	}
	fmt.Fprintf(&foot, "Choose what you are emailed: %s/settings/email\n", e.urls.Base)
	msg.Body = strings.TrimRight(msg.Body, "\n") + "\n" + foot.String()
	return e.mailer.Send(ctx, msg)
}

// permanentMailError reports whether err is a refusal that trying again
// will not change: an SMTP 5xx answer, a bad address, or a member gone.
func permanentMailError(err error) bool {
	var tp *textproto.Error
	var inv *InvalidError
	return errors.Is(err, errNoMailbox) || errors.As(err, &inv) || (errors.As(err, &tp) && tp.Code >= 500)
}

// NotificationLine is what a notification says in one line, as its
// mail's subject does, for the member's notifications page; the post it
// is about, if any, is returned when the member may see it (nil
// otherwise, and ok false: the page leaves it out, as no mail shows it).
func (e *Engine) NotificationLine(ctx context.Context, n storage.Notification) (line string, st *storage.Status, ok bool, err error) {
	from, err := e.store.AccountByID(ctx, n.FromAccountID)
	if err != nil {
		return "", nil, false, notFoundIsNo(err)
	}
	if n.StatusID != 0 {
		s, err := e.store.StatusByID(ctx, n.StatusID)
		if err != nil {
			return "", nil, false, notFoundIsNo(err)
		}
		if ok, err := e.CanSee(ctx, storage.Account{ID: n.AccountID}, s); err != nil || !ok {
			return "", nil, false, err
		}
		st = &s
	}
	switch n.Type {
	case storage.NotifyMention, storage.NotifyReblog, storage.NotifyFavourite, storage.NotifyStatus, storage.NotifyUpdate, storage.NotifyPoll:
		if st == nil {
			return "", nil, false, nil // about a post, but names none
		}
	}
	line, _, err = e.notificationText(ctx, n, from, st)
	if err != nil {
		return "", nil, false, notFoundIsNo(err)
	}
	if line == "" {
		switch n.Type {
		case storage.NotifyStatus:
			line = shortName(from) + " posted"
		case storage.NotifyUpdate:
			line = shortName(from) + " edited a post you boosted"
		case storage.NotifyPoll:
			line = "A poll has ended"
		default:
			return "", nil, false, nil
		}
	}
	return strings.Join(strings.Fields(line), " "), st, true, nil
}
