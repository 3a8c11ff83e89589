package federation

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/copse-dev/copse/storage"
)

// Web Push (RFC 8030) of members' notifications, as Mastodon does it: an
// app subscribes an access token with its push endpoint and keys through
// the client API; when a notification is committed, runPush encrypts
// Mastodon's small JSON payload for each subscription that wants it
// (RFC 8291, aes128gcm) and posts it to the endpoint signed with the
// node's VAPID key (RFC 8292). Pushes are best-effort, as Mastodon's are
// in effect: one that fails is logged, not retried, and a notification
// event dropped while the sender is overloaded is never pushed. The app
// still finds every notification through the API.

// PushAlerts are the notification types a subscription may ask to be
// pushed, as the client API names them.
var PushAlerts = []string{
	storage.NotifyMention, storage.NotifyStatus, storage.NotifyReblog, storage.NotifyFollow,
	storage.NotifyFollowRequest, storage.NotifyFavourite, storage.NotifyPoll, storage.NotifyUpdate,
	NotifyAdminSignUp, NotifyAdminReport,
}

// pushPolicies are the values of a subscription's policy.
var pushPolicies = []string{storage.PushPolicyAll, storage.PushPolicyFollowed, storage.PushPolicyFollower,
	storage.PushPolicyNone}

const (
	// pushWorkers bounds the pushes in flight; past it, the sender waits
	// and the events it has not read queue in its subscription.
	pushWorkers = 4
	// pushTimeout bounds one push, connection and answer included (the
	// engine's client may bound it more tightly).
	pushTimeout = 10 * time.Second
	// pushTTL is how long a push service keeps a push for a device that
	// is offline: Mastodon asks for two days.
	pushTTL = 48 * time.Hour
	// pushRecordSize is the size every push is padded to, so its length
	// says nothing of its content. Apps relay pushes to Apple's service,
	// which takes 4 KiB at most, base64-encoded: 2 KiB fits. A payload
	// too long for it (a very long avatar URL) is sent in a 4 KiB record.
	pushRecordSize = 2048
	// pushRecordOverhead is what a record holds besides the payload: the
	// aes128gcm header (86 bytes), the GCM tag (16) and the delimiter.
	pushRecordOverhead = 86 + 16 + 1
	// pushBodyRunes is how much of a post a push shows, as Mastodon.
	pushBodyRunes = 140
	// maxPushEndpoint bounds the endpoint URL an app may give.
	maxPushEndpoint = 2048
)

// PushRequest is a subscription as an app asks for it.
type PushRequest struct {
	Endpoint string
	P256dh   string // base64url (or base64) of the app's uncompressed P-256 public key
	Auth     string // base64url (or base64) of its 16-byte auth secret
	Alerts   []string
	Policy   string // "" means all
}

// SubscribePush makes r the one push subscription of token, replacing any
// it had. accessToken is the plain token, which the pushes carry. The
// endpoint must be an https URL (plain http only where the engine talks
// plain http to peers: tests and demos), and the keys must be a valid
// P-256 point and 16 bytes; otherwise it returns an *InvalidError.
func (e *Engine) SubscribePush(ctx context.Context, token storage.Token, accessToken string, r PushRequest) (storage.PushSubscription, error) {
	if token.AccountID == 0 {
		return storage.PushSubscription{}, ErrDenied
	}
	p := storage.PushSubscription{TokenID: token.ID, AccountID: token.AccountID, AccessToken: accessToken}
	var err error
	if p.Endpoint, err = e.pushEndpoint(r.Endpoint); err != nil {
		return storage.PushSubscription{}, err
	}
	if p.P256dh, err = pushKey(r.P256dh, "p256dh"); err != nil {
		return storage.PushSubscription{}, err
	}
	if p.Auth, err = pushKey(r.Auth, "auth"); err != nil {
		return storage.PushSubscription{}, err
	}
	if p.Policy, err = pushPolicy(r.Policy, storage.PushPolicyAll); err != nil {
		return storage.PushSubscription{}, err
	}
	p.Alerts = pushAlerts(r.Alerts)
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.PutPushSubscription(ctx, &p); err != nil {
			return err
		}
		return withinQuota(ctx, tx, storage.OwnedPushSubscriptions, p.AccountID)
	})
	if err != nil {
		return storage.PushSubscription{}, fmt.Errorf("subscribe push: %w", err)
	}
	return p, nil
}

// UpdatePushSubscription changes what token's subscription pushes: alerts
// replace its alerts unless nil, and policy its policy unless "". It
// returns storage.ErrNotFound if token has no subscription.
func (e *Engine) UpdatePushSubscription(ctx context.Context, token storage.ID, alerts []string, policy string) (storage.PushSubscription, error) {
	var p storage.PushSubscription
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		var err error
		if p, err = tx.PushSubscriptionByToken(ctx, token); err != nil {
			return err
		}
		if p.Policy, err = pushPolicy(policy, p.Policy); err != nil {
			return err
		}
		if alerts != nil {
			p.Alerts = pushAlerts(alerts)
		}
		return tx.UpdatePushSubscription(ctx, token, p.Alerts, p.Policy)
	})
	if err != nil {
		return storage.PushSubscription{}, fmt.Errorf("update push subscription: %w", err)
	}
	return p, nil
}

// DeletePushSubscription removes token's subscription, if it has one.
func (e *Engine) DeletePushSubscription(ctx context.Context, token storage.ID) error {
	err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.DeletePushSubscription(ctx, token) })
	if err != nil {
		return fmt.Errorf("delete push subscription: %w", err)
	}
	return nil
}

// VAPIDPublicKey returns the node's VAPID public key as Mastodon gives it
// to apps (the uncompressed point, URL-safe base64 with padding), making
// the key pair on first use.
func (e *Engine) VAPIDPublicKey(ctx context.Context) (string, error) {
	k, err := e.vapidKey(ctx)
	if err != nil {
		return "", err
	}
	raw, err := base64.RawURLEncoding.DecodeString(k.Public)
	if err != nil {
		return "", fmt.Errorf("vapid key: %w", err)
	}
	return base64.URLEncoding.EncodeToString(raw), nil
}

// vapidKey returns the node's VAPID key pair, making and storing one the
// first time. Two callers racing to make it both get the one stored first.
func (e *Engine) vapidKey(ctx context.Context) (storage.VAPIDKey, error) {
	k, err := e.store.VAPIDKey(ctx)
	if !errors.Is(err, storage.ErrNotFound) {
		return k, err
	}
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return storage.VAPIDKey{}, fmt.Errorf("make vapid key: %w", err)
	}
	made := storage.VAPIDKey{Public: base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()),
		Private: base64.RawURLEncoding.EncodeToString(priv.Bytes())}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		k, err = tx.EnsureVAPIDKey(ctx, made)
		return err
	})
	if err != nil {
		return storage.VAPIDKey{}, fmt.Errorf("make vapid key: %w", err)
	}
	return k, nil
}

// pushEndpoint checks an endpoint URL.
func (e *Engine) pushEndpoint(raw string) (string, error) {
	bad := invalid("Validation failed: Endpoint is invalid")
	if raw == "" {
		return "", invalid("Validation failed: Endpoint can't be blank")
	}
	if len(raw) > maxPushEndpoint {
		return "", bad
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Hostname() == "" {
		return "", bad
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && e.scheme == "http") {
		return "", bad
	}
	return raw, nil
}

// pushKey decodes a subscription key and returns it as base64url without
// padding, or an *InvalidError naming it. Mastodon reads keys with Ruby's
// urlsafe_decode64, which takes either alphabet, padded or not: so does
// copse.
func pushKey(s, name string) (string, error) {
	bad := invalid("Validation failed: Key %s is invalid", name)
	if s == "" {
		return "", invalid("Validation failed: Key %s can't be blank", name)
	}
	s = strings.TrimRight(strings.NewReplacer("-", "+", "_", "/").Replace(s), "=")
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return "", bad
	}
	switch name {
	case "p256dh":
		// An uncompressed point on the curve: the key agreement with it
		// is what encrypts every push.
		if _, err := ecdh.P256().NewPublicKey(b); err != nil || len(b) != 65 {
			return "", bad
		}
	case "auth":
		if len(b) != 16 {
			return "", bad
		}
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func pushPolicy(s, def string) (string, error) {
	if s == "" {
		return def, nil
	}
	if !slices.Contains(pushPolicies, s) {
		return "", invalid("Validation failed: Policy is not included in the list")
	}
	return s, nil
}

// pushAlerts keeps the known alert types, each once, in PushAlerts order.
func pushAlerts(alerts []string) []string {
	out := []string{}
	for _, a := range PushAlerts {
		if slices.Contains(alerts, a) {
			out = append(out, a)
		}
	}
	return out
}

// runPush pushes each committed notification to the subscriptions that
// want it, at most pushWorkers at a time, until ctx ends. Events it falls
// too far behind on are dropped by the hub, and so are their pushes.
func (e *Engine) runPush(ctx context.Context) {
	events := e.Subscribe()
	defer events.Close()
	log := e.log.With("component", "push")
	slots := make(chan struct{}, pushWorkers)
	var wg sync.WaitGroup
	defer wg.Wait()
	var dropped int64
	for {
		var ev Event
		select {
		case <-ctx.Done():
			return
		case got, ok := <-events.C:
			if !ok {
				return
			}
			ev = got
		}
		if d := events.Dropped(); d > dropped {
			log.WarnContext(ctx, "push fell behind: notifications were not pushed", "events_dropped", d-dropped)
			dropped = d
		}
		if ev.Kind != EventNotification {
			continue
		}
		for _, owner := range ev.Home {
			pushes, err := e.pushesFor(ctx, owner, ev.NotificationID)
			if err != nil {
				if ctx.Err() == nil {
					log.ErrorContext(ctx, "prepare push", "notification_id", ev.NotificationID, "err", err)
				}
				continue
			}
			for _, p := range pushes {
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					return
				}
				wg.Go(func() {
					defer func() { <-slots }()
					e.sendPush(ctx, log, p)
				})
			}
		}
	}
}

// push is one encrypted message to send.
type push struct {
	sub     storage.PushSubscription
	key     storage.VAPIDKey
	payload []byte
}

// pushMessage is the payload Mastodon pushes (its Web::NotificationSerializer).
type pushMessage struct {
	AccessToken     string `json:"access_token"`
	PreferredLocale string `json:"preferred_locale"`
	// NotificationID is a number, not the API's string: Mastodon sends
	// its integer, and iOS apps decode it as one.
	NotificationID   storage.ID `json:"notification_id"`
	NotificationType string     `json:"notification_type"`
	Icon             string     `json:"icon"`
	Title            string     `json:"title"`
	Body             string     `json:"body"`
}

// pushesFor returns the pushes of one of owner's notifications.
func (e *Engine) pushesFor(ctx context.Context, owner, id storage.ID) ([]push, error) {
	subs, err := e.store.PushRecipients(ctx, owner, id)
	if err != nil || len(subs) == 0 {
		return nil, err
	}
	n, err := e.store.NotificationByID(ctx, owner, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil // dismissed meanwhile
	}
	if err != nil {
		return nil, err
	}
	from, err := e.store.AccountByID(ctx, n.FromAccountID)
	if err != nil {
		return nil, err
	}
	var st *storage.Status
	if n.StatusID != 0 {
		s, err := e.store.StatusByID(ctx, n.StatusID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
		if err == nil {
			// No push shows a status its owner may not see.
			ok, err := e.CanSee(ctx, storage.Account{ID: owner}, s)
			if err != nil || !ok {
				return nil, err
			}
			st = &s
		}
	}
	key, err := e.vapidKey(ctx)
	if err != nil {
		return nil, err
	}
	msg := e.pushMessage(n, from, st)
	if !slices.Contains(PushAlerts, n.Type) {
		// copse's own type, pushed under the Mastodon alert nearest it
		// (storage's pushAlert): titled as its mail's subject says it.
		line, _, err := e.notificationText(ctx, n, from, st)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
		if line = strings.Join(strings.Fields(line), " "); line != "" {
			msg.Title = line
		}
	}
	out := make([]push, 0, len(subs))
	for _, s := range subs {
		msg.AccessToken = s.AccessToken
		b, err := json.Marshal(msg)
		if err != nil {
			return nil, fmt.Errorf("encode push: %w", err)
		}
		out = append(out, push{sub: s, key: key, payload: b})
	}
	return out, nil
}

// pushMessage builds the payload of a notification from "from", about st
// when it is about a status. Titles are Mastodon's English ones: copse
// speaks English only for now.
func (e *Engine) pushMessage(n storage.Notification, from storage.Account, st *storage.Status) pushMessage {
	name := shortName(from)
	var title string
	switch n.Type {
	case storage.NotifyMention:
		title = "You were mentioned by " + name
	case storage.NotifyStatus:
		title = name + " just posted"
	case storage.NotifyReblog:
		title = name + " boosted your post"
	case storage.NotifyFollow:
		title = name + " is now following you"
	case storage.NotifyFollowRequest:
		title = "Pending follower: " + name
	case storage.NotifyFavourite:
		title = name + " favorited your post"
	case storage.NotifyPoll:
		title = "A poll by " + name + " has ended"
	case storage.NotifyUpdate:
		title = name + " edited a post"
	default:
		title = "New notification from " + name
	}
	body := from.Note
	if st != nil {
		body = st.Content
		if st.SpoilerText != "" {
			body = st.SpoilerText
		}
	}
	icon := from.AvatarURL
	if icon == "" {
		icon = e.urls.Base + "/avatars/original/missing.png" // as the API shows it
	}
	if len(icon) > 1024 {
		icon = "" // it would not fit the record; apps show their own
	}
	return pushMessage{PreferredLocale: "en", NotificationID: n.ID, NotificationType: n.Type, Icon: icon,
		Title: title, Body: truncateRunes(strings.TrimSpace(PlainText(body)), pushBodyRunes)}
}

// sendPush sends one push and deals with the answer: a subscription its
// push service no longer knows (404, 410) is removed; other failures are
// logged.
func (e *Engine) sendPush(ctx context.Context, log *slog.Logger, p push) {
	ctx, cancel := context.WithTimeout(ctx, pushTimeout)
	defer cancel()
	log = log.With("subscription_id", p.sub.ID, "account_id", p.sub.AccountID, "push_host", endpointHost(p.sub.Endpoint))
	size := uint32(pushRecordSize)
	if len(p.payload)+pushRecordOverhead > pushRecordSize {
		size = webpush.MaxRecordSize
	}
	resp, err := webpush.SendNotificationWithContext(ctx, p.payload,
		&webpush.Subscription{Endpoint: p.sub.Endpoint, Keys: webpush.Keys{Auth: p.sub.Auth, P256dh: p.sub.P256dh}},
		&webpush.Options{
			HTTPClient:      e.pushClient,
			RecordSize:      size,
			Subscriber:      e.urls.Base,
			TTL:             int(pushTTL.Seconds()),
			Urgency:         webpush.UrgencyNormal,
			VAPIDPublicKey:  p.key.Public,
			VAPIDPrivateKey: p.key.Private,
		})
	if err != nil {
		if ctx.Err() == nil || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			log.WarnContext(ctx, "push failed", "err", err)
		}
		return
	}
	defer resp.Body.Close()
	// Read a little, for the log and so the connection can be reused.
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch code := resp.StatusCode; {
	case code >= 200 && code <= 299:
		log.DebugContext(ctx, "pushed", "status", code)
	case code == http.StatusNotFound || code == http.StatusGone:
		var removed bool
		err := e.store.InTx(ctx, func(tx *storage.Tx) error {
			var err error
			removed, err = tx.DeletePushSubscriptionByID(ctx, p.sub.ID)
			return err
		})
		if err != nil {
			log.ErrorContext(ctx, "remove expired push subscription", "err", err)
			return
		}
		if removed {
			log.InfoContext(ctx, "push subscription expired: removed", "status", code)
		}
	default:
		log.WarnContext(ctx, "push refused", "status", code, "answer", strings.ToValidUTF8(string(answer), ""))
	}
}

// endpointHost names a push endpoint in logs without its path, which
// identifies the device.
func endpointHost(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return ""
	}
	return u.Host
}

// truncateRunes cuts s to at most n runes, ending it with an ellipsis when
// cut.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
