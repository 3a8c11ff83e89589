package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Digest periods of a member's email digest.
const (
	DigestOff    = "off"
	DigestDaily  = "daily"
	DigestWeekly = "weekly"
)

// MailDigest is the kind of a digest in the mail queue; other mail is of
// the kind of the notification it tells of.
const MailDigest = "digest"

// EmailSettings is what a member chose to be mailed. Found is false for a
// member who never chose: the engine gives them its defaults.
type EmailSettings struct {
	AccountID ID
	Found     bool
	Types     []string // notification types mailed
	Digest    string   // DigestOff, DigestDaily or DigestWeekly
	// DigestThrough is the time the last digest covered up to (zero: none
	// sent yet).
	DigestThrough time.Time
	// UnsubscribeToken is what the member's mail's unsubscribe links
	// carry.
	UnsubscribeToken string
}

const emailSettingsColumns = `account_id, types, digest, digest_through, unsubscribe_token`

func scanEmailSettings(row scanner) (EmailSettings, error) {
	var s EmailSettings
	var types string
	var through int64
	err := row.Scan(&s.AccountID, &types, &s.Digest, &through, &s.UnsubscribeToken)
	if errors.Is(err, sql.ErrNoRows) {
		return EmailSettings{}, ErrNotFound
	}
	if err != nil {
		return EmailSettings{}, fmt.Errorf("email settings: %w", err)
	}
	if err := json.Unmarshal([]byte(types), &s.Types); err != nil {
		return EmailSettings{}, fmt.Errorf("email settings of %d: types: %w", s.AccountID, err)
	}
	s.Found = true
	if through != 0 {
		s.DigestThrough = fromMillis(through)
	}
	return s, nil
}

// EmailSettings returns account's email settings, or ErrNotFound if they
// never chose any.
func (q queries) EmailSettings(ctx context.Context, account ID) (EmailSettings, error) {
	return scanEmailSettings(q.q.QueryRowContext(ctx, `SELECT `+emailSettingsColumns+` FROM email_settings
WHERE account_id = ?`, account))
}

// EmailSettingsByToken returns the settings whose unsubscribe token is
// token, or ErrNotFound.
func (q queries) EmailSettingsByToken(ctx context.Context, token string) (EmailSettings, error) {
	if token == "" {
		return EmailSettings{}, ErrNotFound
	}
	return scanEmailSettings(q.q.QueryRowContext(ctx, `SELECT `+emailSettingsColumns+` FROM email_settings
WHERE unsubscribe_token = ?`, token))
}

// PutEmailSettings writes s (its Types, Digest, DigestThrough and
// UnsubscribeToken) as the settings of s.AccountID.
func (tx *Tx) PutEmailSettings(ctx context.Context, s EmailSettings) error {
	types, err := json.Marshal(append([]string{}, s.Types...))
	if err != nil {
		return fmt.Errorf("email settings: %w", err)
	}
	var through int64
	if !s.DigestThrough.IsZero() {
		through = millis(s.DigestThrough)
	}
	_, err = tx.tx.ExecContext(ctx, `INSERT INTO email_settings (`+emailSettingsColumns+`) VALUES (?,?,?,?,?)
ON CONFLICT (account_id) DO UPDATE SET types = excluded.types, digest = excluded.digest,
digest_through = excluded.digest_through, unsubscribe_token = excluded.unsubscribe_token`,
		s.AccountID, string(types), s.Digest, through, s.UnsubscribeToken)
	if err != nil {
		return fmt.Errorf("put email settings of %d: %w", s.AccountID, err)
	}
	return nil
}

// Mailable is a local member mail may go to, with what decides which.
type Mailable struct {
	AccountID  ID
	Username   string
	Email      string
	Permission string
	Disabled   bool // sign-in disabled by a moderator
	Suspended  bool
	Settings   EmailSettings
}

// mailableFrom reads members who have confirmed their address and been
// let in, with their settings if they have any.
const mailableFrom = `FROM users u JOIN accounts a ON a.id = u.account_id
LEFT JOIN account_moderation m ON m.account_id = u.account_id
LEFT JOIN email_settings s ON s.account_id = u.account_id
WHERE u.confirmed_at <> 0 AND u.approved_at <> 0`

const mailableColumns = `u.account_id, a.username, u.email, u.role, coalesce(m.disabled_at, 0) <> 0, a.suspended_at <> 0,
s.account_id IS NOT NULL, coalesce(s.types, '[]'), coalesce(s.digest, ''), coalesce(s.digest_through, 0),
coalesce(s.unsubscribe_token, '')`

func scanMailable(row scanner) (Mailable, error) {
	var m Mailable
	var types string
	var through int64
	err := row.Scan(&m.AccountID, &m.Username, &m.Email, &m.Permission, &m.Disabled, &m.Suspended, &m.Settings.Found, &types,
		&m.Settings.Digest, &through, &m.Settings.UnsubscribeToken)
	if errors.Is(err, sql.ErrNoRows) {
		return Mailable{}, ErrNotFound
	}
	if err != nil {
		return Mailable{}, fmt.Errorf("mailable member: %w", err)
	}
	m.Settings.AccountID = m.AccountID
	if err := json.Unmarshal([]byte(types), &m.Settings.Types); err != nil {
		return Mailable{}, fmt.Errorf("email settings of %d: types: %w", m.AccountID, err)
	}
	if through != 0 {
		m.Settings.DigestThrough = fromMillis(through)
	}
	return m, nil
}

// MailableMember returns account as mail would find them, or ErrNotFound
// if no mail may go to them (not a member, or not confirmed or let in
// yet).
func (q queries) MailableMember(ctx context.Context, account ID) (Mailable, error) {
	return scanMailable(q.q.QueryRowContext(ctx, `SELECT `+mailableColumns+` `+mailableFrom+` AND u.account_id = ?`, account))
}

// MailCursor returns the id of the last notification the mail worker
// read.
func (q queries) MailCursor(ctx context.Context) (ID, error) {
	var id ID
	if err := q.q.QueryRowContext(ctx, `SELECT last_notification_id FROM mail_cursor WHERE id = 1`).Scan(&id); err != nil {
		return 0, fmt.Errorf("mail cursor: %w", err)
	}
	return id, nil
}

// SetMailCursor records that the mail worker read notifications up to id.
func (tx *Tx) SetMailCursor(ctx context.Context, id ID) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE mail_cursor SET last_notification_id = ? WHERE id = 1`, id); err != nil {
		return fmt.Errorf("set mail cursor: %w", err)
	}
	return nil
}

// NotificationsAfter returns up to limit notifications of any member with
// an id above after and at most upTo, in id order.
func (q queries) NotificationsAfter(ctx context.Context, after, upTo ID, limit int) ([]Notification, error) {
	out, err := queryAll(ctx, q.q, scanNotification, `SELECT `+notificationColumns+` FROM notifications
WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`, after, upTo, limit)
	if err != nil {
		return nil, fmt.Errorf("notifications after %d: %w", after, err)
	}
	return out, nil
}

// Mail is one message to a member in the mail queue.
type Mail struct {
	ID        ID
	AccountID ID
	Kind      string // a notification type, or MailDigest
	Subject   string
	Body      string
	Attempts  int
	NextAt    time.Time
	LastError string
	CreatedAt time.Time
}

// QueueMail adds m to the mail queue, due at once.
func (tx *Tx) QueueMail(ctx context.Context, m *Mail) error {
	m.ID = tx.NewID()
	m.CreatedAt, m.NextAt = tx.now, tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO mail_queue (id, account_id, kind, subject, body, next_at, created_at)
VALUES (?,?,?,?,?,?,?)`, m.ID, m.AccountID, m.Kind, m.Subject, m.Body, millis(m.NextAt), millis(m.CreatedAt))
	if err != nil {
		return fmt.Errorf("queue mail: %w", err)
	}
	return nil
}

func scanMail(row scanner) (Mail, error) {
	var m Mail
	var next, created int64
	err := row.Scan(&m.ID, &m.AccountID, &m.Kind, &m.Subject, &m.Body, &m.Attempts, &next, &m.LastError, &created)
	if err != nil {
		return Mail{}, fmt.Errorf("mail: %w", err)
	}
	m.NextAt, m.CreatedAt = fromMillis(next), fromMillis(created)
	return m, nil
}

// DueMail returns up to limit queued mails due at now, oldest first.
func (q queries) DueMail(ctx context.Context, now time.Time, limit int) ([]Mail, error) {
	out, err := queryAll(ctx, q.q, scanMail, `SELECT id, account_id, kind, subject, body, attempts, next_at, last_error, created_at
FROM mail_queue WHERE next_at <= ? ORDER BY next_at, id LIMIT ?`, millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due mail: %w", err)
	}
	return out, nil
}

// QueuedMail returns the mail waiting to be sent, oldest first (for the
// dashboard and tests).
func (q queries) QueuedMail(ctx context.Context, limit int) ([]Mail, error) {
	out, err := queryAll(ctx, q.q, scanMail, `SELECT id, account_id, kind, subject, body, attempts, next_at, last_error, created_at
FROM mail_queue ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("queued mail: %w", err)
	}
	return out, nil
}

// MailSent removes a mail that was sent, or given up on.
func (tx *Tx) MailSent(ctx context.Context, id ID) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM mail_queue WHERE id = ?`, id); err != nil {
		return fmt.Errorf("mail %d sent: %w", id, err)
	}
	return nil
}

// MailFailed records a failed attempt at a mail, to be tried again at next.
func (tx *Tx) MailFailed(ctx context.Context, id ID, next time.Time, reason string) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE mail_queue SET attempts = attempts + 1, next_at = ?, last_error = ?
WHERE id = ?`, millis(next), reason, id)
	if err != nil {
		return fmt.Errorf("mail %d failed: %w", id, err)
	}
	return nil
}

// ModeratesACommunity reports whether account (whose actor is uri)
// moderates a community, hosted here or elsewhere.
func (q queries) ModeratesACommunity(ctx context.Context, account ID, uri string) (bool, error) {
	var moderates bool
	err := q.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM community_moderators WHERE account_id = ?)
OR EXISTS (SELECT 1 FROM community_remote_moderators WHERE moderator_uri = ?)`, account, uri).Scan(&moderates)
	if err != nil {
		return false, fmt.Errorf("moderates a community: %w", err)
	}
	return moderates, nil
}

// JoinedCommunities returns up to limit communities (Group accounts, here
// or elsewhere, not suspended) that account has joined, by name.
func (q queries) JoinedCommunities(ctx context.Context, account ID, limit int) ([]Account, error) {
	return q.joinedCommunities(ctx, account, limit, "")
}

// DigestCommunities is JoinedCommunities less those the member leaves
// out of their digest (SetDigestExclusions).
func (q queries) DigestCommunities(ctx context.Context, account ID, limit int) ([]Account, error) {
	return q.joinedCommunities(ctx, account, limit,
		` AND NOT EXISTS (SELECT 1 FROM digest_exclusions x WHERE x.account_id = f.account_id AND x.community_id = a.id)`)
}

func (q queries) joinedCommunities(ctx context.Context, account ID, limit int, and string) ([]Account, error) {
	out, err := queryAll(ctx, q.q, func(r scanner) (Account, error) { return scanAccount(r) }, `SELECT `+accountColumnsA+`
FROM follows f JOIN accounts a ON a.id = f.target_account_id
WHERE f.account_id = ? AND a.actor_type = 'Group' AND a.suspended_at = 0`+and+`
ORDER BY lower(coalesce(nullif(a.display_name, ''), a.username)), a.id LIMIT ?`, account, limit)
	if err != nil {
		return nil, fmt.Errorf("communities joined by %d: %w", account, err)
	}
	return out, nil
}

// DigestExclusions returns the communities account leaves out of their
// digest.
func (q queries) DigestExclusions(ctx context.Context, account ID) ([]ID, error) {
	out, err := queryAll(ctx, q.q, func(r scanner) (ID, error) {
		var id ID
		return id, r.Scan(&id)
	}, `SELECT community_id FROM digest_exclusions WHERE account_id = ? ORDER BY community_id`, account)
	if err != nil {
		return nil, fmt.Errorf("digest exclusions of %d: %w", account, err)
	}
	return out, nil
}

// SetDigestExclusions makes communities the ones account leaves out of
// their digest, in place of those before.
func (tx *Tx) SetDigestExclusions(ctx context.Context, account ID, communities []ID) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM digest_exclusions WHERE account_id = ?`, account); err != nil {
		return fmt.Errorf("digest exclusions of %d: %w", account, err)
	}
	for _, c := range communities {
		if _, err := tx.tx.ExecContext(ctx, `INSERT OR IGNORE INTO digest_exclusions (account_id, community_id) VALUES (?, ?)`,
			account, c); err != nil {
			return fmt.Errorf("digest exclusion of %d by %d: %w", c, account, err)
		}
	}
	return nil
}

// DueDigests returns up to limit members mail may go to, with an account
// id above after, in id order, whose digest may be due: those with no
// settings yet (their digest's clock has not started), and those whose
// last daily digest covered up to dailyBefore or earlier, or whose last
// weekly one covered up to weeklyBefore or earlier.
func (q queries) DueDigests(ctx context.Context, after ID, dailyBefore, weeklyBefore time.Time, limit int) ([]Mailable, error) {
	out, err := queryAll(ctx, q.q, scanMailable, `SELECT `+mailableColumns+` `+mailableFrom+`
AND u.account_id > ? AND a.suspended_at = 0 AND coalesce(m.disabled_at, 0) = 0
AND (s.account_id IS NULL OR (s.digest = '`+DigestDaily+`' AND s.digest_through <= ?)
	OR (s.digest = '`+DigestWeekly+`' AND s.digest_through <= ?))
ORDER BY u.account_id LIMIT ?`, after, millis(dailyBefore), millis(weeklyBefore), limit)
	if err != nil {
		return nil, fmt.Errorf("due digests: %w", err)
	}
	return out, nil
}

// MailQueueStats counts the mail waiting to be sent and the mails of it
// that have failed at least once, with the latest failure's reason.
func (q queries) MailQueueStats(ctx context.Context) (queued, failing int, lastError string, err error) {
	err = q.q.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE attempts > 0),
coalesce((SELECT last_error FROM mail_queue WHERE attempts > 0 ORDER BY next_at DESC, id DESC LIMIT 1), '')
FROM mail_queue`).Scan(&queued, &failing, &lastError)
	if err != nil {
		return 0, 0, "", fmt.Errorf("mail queue stats: %w", err)
	}
	return queued, failing, lastError, nil
}
