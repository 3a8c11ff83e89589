package federation

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// actorRefresh is how old a stored remote actor may grow before a lookup
// fetches it again.
const actorRefresh = 24 * time.Hour

// maxWebFinger bounds a WebFinger answer.
const maxWebFinger = 64 << 10

// PublicKey is the KeyLookup for VerifyRequest: it finds the key among
// known actors, or fetches its owner. refresh forces a fetch (the peer may
// have rotated its key).
//
// Anyone can name any URL as a keyId, so fetches are held back per host
// (keyFetchLimit): after a fetch from a host failed, none is made there for
// keyFetchInterval, and a known key is fetched again at most once per
// keyFetchInterval per host. The inbox also fetches only keys on the host
// of the activity's actor (ActorKey).
func (e *Engine) PublicKey(ctx context.Context, keyID string, refresh bool) (string, crypto.PublicKey, error) {
	if !refresh {
		e.keyMu.Lock()
		c, ok := e.pubKey[keyID]
		e.keyMu.Unlock()
		if ok {
			return c.owner, c.key, nil
		}
		a, err := e.store.AccountByKeyID(ctx, keyID)
		if err == nil {
			return e.cacheKey(keyID, a)
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return "", nil, fmt.Errorf("key %s: %w", keyID, err)
		}
	}
	if e.urls.IsLocal(keyID) {
		return "", nil, fmt.Errorf("key %s: %w", keyID, storage.ErrNotFound)
	}
	host := urlHost(keyID)
	if host == "" {
		return "", nil, fmt.Errorf("%w: keyId %q is not an http(s) URL", ErrBadSignature, keyID)
	}
	if !e.keyFetches.allow(host, refresh, e.now()) {
		if refresh {
			// Meanwhile answer with the key known: a signature it does
			// not verify fails as it would have.
			e.keyMu.Lock()
			c, ok := e.pubKey[keyID]
			e.keyMu.Unlock()
			if ok {
				return c.owner, c.key, nil
			}
		}
		return "", nil, fmt.Errorf("%w: key fetches from %s are held back", ErrBadSignature, host)
	}
	actorIRI, _, _ := strings.Cut(keyID, "#")
	a, err := e.fetchActor(ctx, actorIRI)
	if err == nil && a.PublicKeyID != keyID && a.Ed25519KeyID != keyID {
		// The key lives at its own IRI (not a fragment of the actor's):
		// fetch the key document to find its owner.
		a, err = e.fetchKeyOwner(ctx, keyID)
	}
	e.keyFetches.done(host, err == nil, e.now())
	if err != nil {
		return "", nil, err
	}
	return e.cacheKey(keyID, a)
}

// cacheKey parses a's public key, the one keyID names (its RSA key or its
// Ed25519 one), and keeps it.
func (e *Engine) cacheKey(keyID string, a storage.Account) (string, crypto.PublicKey, error) {
	var key crypto.PublicKey
	var err error
	if keyID != "" && keyID == a.Ed25519KeyID {
		key, err = activitypub.DecodeMultibase(a.Ed25519Public)
	} else {
		key, err = ParsePublicKey(a.PublicKeyPEM)
	}
	if err != nil {
		return "", nil, fmt.Errorf("key %s: %w", keyID, err)
	}
	e.keyMu.Lock()
	if len(e.pubKey) > 10000 {
		clear(e.pubKey) // a crude bound; the database is the real cache
	}
	e.pubKey[keyID] = cachedKey{owner: a.URI, key: key}
	e.keyMu.Unlock()
	return a.URI, key, nil
}

// ActorKey is the KeyLookup for an activity POSTed by actor: it looks up
// only keys on actor's host. The signer must be the actor anyway
// (Receive), and a keyId elsewhere would turn the inbox into a signed
// fetch of any URL the sender names.
func (e *Engine) ActorKey(actor string) KeyLookup {
	return func(ctx context.Context, keyID string, refresh bool) (string, crypto.PublicKey, error) {
		if !sameOrigin(keyID, actor) {
			return "", nil, fmt.Errorf("%w: key %s is not on the host of actor %s", ErrBadSignature, keyID, actor)
		}
		return e.PublicKey(ctx, keyID, refresh)
	}
}

// keyFetchInterval is how long key fetches from a host are held back
// after one failed, and how often a known key of a host is fetched again.
const keyFetchInterval = time.Minute

// keyFetchLimit records, per host, when a key fetch last failed and when a
// known key was last fetched again. A host that answers is not limited
// for new keys (a large peer sends from many new actors at once); a
// keyId that fails to fetch, as a forged one naming some other service
// does, costs one request per host per keyFetchInterval.
type keyFetchLimit struct {
	mu        sync.Mutex
	failed    map[string]time.Time
	refreshed map[string]time.Time
}

// allow reports whether a key may be fetched from host now, and if it is a
// refresh, counts it.
func (l *keyFetchLimit) allow(host string, refresh bool, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, ok := l.failed[host]; ok && now.Sub(t) < keyFetchInterval {
		return false
	}
	if !refresh {
		return true
	}
	if t, ok := l.refreshed[host]; ok && now.Sub(t) < keyFetchInterval {
		return false
	}
	if l.refreshed == nil || len(l.refreshed) > 10000 {
		l.refreshed = map[string]time.Time{}
	}
	l.refreshed[host] = now
	return true
}

// done records the outcome of a fetch from host.
func (l *keyFetchLimit) done(host string, ok bool, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ok {
		delete(l.failed, host)
		return
	}
	if l.failed == nil || len(l.failed) > 10000 {
		l.failed = map[string]time.Time{}
	}
	l.failed[host] = now
}

// urlHost is the host (with port) of an http(s) URL (a keyId, an actor,
// an inbox), lower case, as policy and delivery jobs name hosts; "" if
// it is not an http(s) URL.
func urlHost(keyID string) string {
	u, err := url.Parse(keyID)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	return strings.ToLower(u.Host)
}

func (e *Engine) fetchKeyOwner(ctx context.Context, keyID string) (storage.Account, error) {
	body, err := e.fetcher.Get(ctx, keyID)
	if err != nil {
		return storage.Account{}, fmt.Errorf("fetch key %s: %w", keyID, err)
	}
	var doc struct {
		Owner string `json:"owner"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.Owner == "" {
		return storage.Account{}, fmt.Errorf("key %s names no owner", keyID)
	}
	a, err := e.fetchActor(ctx, doc.Owner)
	if err != nil {
		return storage.Account{}, err
	}
	if a.PublicKeyID != keyID {
		return storage.Account{}, fmt.Errorf("key %s: owner %s does not claim it: %w", keyID, doc.Owner, ErrDenied)
	}
	return a, nil
}

// AccountByIRI returns the account of an actor IRI, fetching and storing
// it when unknown or stale. A local IRI is only looked up.
func (e *Engine) AccountByIRI(ctx context.Context, iri string) (storage.Account, error) {
	a, err := e.store.AccountByURI(ctx, iri)
	if err == nil && (a.Local() || e.now().Sub(a.FetchedAt) < actorRefresh) {
		return a, nil
	}
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return storage.Account{}, err
	}
	if e.urls.IsLocal(iri) {
		return storage.Account{}, fmt.Errorf("actor %s: %w", iri, storage.ErrNotFound)
	}
	fresh, ferr := e.fetchActor(ctx, iri)
	if ferr != nil && err == nil {
		return a, nil // stale beats nothing when the peer is down
	}
	return fresh, ferr
}

// fetchActor dereferences a remote actor and stores (or refreshes) it.
func (e *Engine) fetchActor(ctx context.Context, iri string) (storage.Account, error) {
	body, err := e.fetcher.Get(ctx, iri)
	if err != nil {
		var se *StatusError
		if errors.As(err, &se) && (se.Code == http.StatusGone || se.Code == http.StatusNotFound) {
			return storage.Account{}, fmt.Errorf("fetch actor %s: %w", iri, ErrGone)
		}
		return storage.Account{}, fmt.Errorf("fetch actor %s: %w", iri, err)
	}
	act, err := activitypub.ParseActor(body)
	if err != nil {
		return storage.Account{}, fmt.Errorf("fetch actor %s: %w", iri, err)
	}
	if !sameOrigin(act.ID, iri) {
		return storage.Account{}, fmt.Errorf("fetch actor %s: document claims id %s: %w", iri, act.ID, ErrDenied)
	}
	return e.storeRemoteActor(ctx, act)
}

// withOriginActor returns act with, in place of the actor document it
// carries, the one the actor's origin serves now, if act is an Update of
// an actor whose document has no updated. It needs the network: call it
// before the transaction that applies act.
//
// Nothing orders such a copy against the one stored (Mastodon sends no
// updated on actors), and a retried delivery can bring an old profile
// after a new one. So, as GoToSocial does, the actor is fetched again: the
// origin answers with its current profile whatever order the Updates came
// in. That costs one signed GET per such Update, and profile edits are
// rare. If the origin cannot be reached, the copy carried stands: the
// actor signed it.
func (e *Engine) withOriginActor(ctx context.Context, act activitypub.Activity) activitypub.Activity {
	doc := act.Object.Actor
	if act.Type != activitypub.TypeUpdate || doc == nil || !doc.Updated.IsZero() || doc.ID != act.Actor || e.urls.IsLocal(doc.ID) {
		return act
	}
	body, err := e.fetcher.Get(ctx, doc.ID)
	var current activitypub.Actor
	if err == nil {
		current, err = activitypub.ParseActor(body)
	}
	if err == nil && current.ID != doc.ID {
		err = fmt.Errorf("document claims id %s", current.ID)
	}
	if err != nil {
		if ctx.Err() == nil {
			e.log.InfoContext(ctx, "refetch of an updated actor failed; keeping the copy sent", "actor_id", doc.ID, "err", err)
		}
		return act
	}
	act.Object.Actor = &current
	return act
}

// storeRemoteActor inserts or updates a remote actor from its document.
func (e *Engine) storeRemoteActor(ctx context.Context, act activitypub.Actor) (storage.Account, error) {
	var out storage.Account
	err := e.store.InTx(ctx, func(tx *storage.Tx) (err error) {
		out, err = e.storeRemoteActorTx(ctx, tx, act)
		return err
	})
	return out, err
}

// storeRemoteActorTx is storeRemoteActor inside a transaction. It stores
// doc whatever its updated says (a fetched document is the origin's
// current state; Update checks the order first), and keeps the latest
// updated seen.
func (e *Engine) storeRemoteActorTx(ctx context.Context, tx *storage.Tx, act activitypub.Actor) (storage.Account, error) {
	u, err := url.Parse(act.ID)
	if err != nil || u.Host == "" || act.PreferredUsername == "" || act.Inbox == "" {
		return storage.Account{}, invalid("actor %s lacks id, preferredUsername or inbox", act.ID)
	}
	if act.PublicKey.ID != "" && !sameOrigin(act.PublicKey.ID, act.ID) {
		return storage.Account{}, fmt.Errorf("actor %s: key %s on another host: %w", act.ID, act.PublicKey.ID, ErrDenied)
	}
	a, err := tx.AccountByURI(ctx, act.ID)
	isNew := errors.Is(err, storage.ErrNotFound)
	if err != nil && !isNew {
		return storage.Account{}, err
	}
	if !isNew && a.Local() {
		return storage.Account{}, fmt.Errorf("actor %s: %w", act.ID, ErrDenied)
	}
	keyChanged := a.PublicKeyPEM != act.PublicKey.PEM
	oldEd25519 := a.Ed25519KeyID
	edChanged := a.Ed25519Public != "" && a.Ed25519Public != activitypub.EncodeMultibase(act.Ed25519.Key)
	a.URI = act.ID
	a.Username = act.PreferredUsername
	a.Domain = strings.ToLower(u.Host)
	a.ActorType = act.Type
	a.DisplayName = act.Name
	a.Note = e.sanitize.Sanitize(act.Summary)
	a.URL = act.URL
	a.Inbox, a.Outbox, a.SharedInbox = act.Inbox, act.Outbox, act.SharedInbox
	a.Followers, a.Following, a.Featured = act.Followers, act.Following, act.Featured
	a.PublicKeyID, a.PublicKeyPEM = act.PublicKey.ID, act.PublicKey.PEM
	a.Ed25519KeyID, a.Ed25519Public = "", "" // activitypub took it only with an id on the actor's host
	if act.Ed25519.ID != "" {
		a.Ed25519KeyID, a.Ed25519Public = act.Ed25519.ID, activitypub.EncodeMultibase(act.Ed25519.Key)
	}
	a.Locked, a.Discoverable = act.ManuallyApprovesFollowers, act.Discoverable
	a.Bot = act.Type == activitypub.TypeService || act.Type == activitypub.TypeApplication
	a.AvatarURL, a.HeaderURL = "", ""
	if act.Icon != nil {
		a.AvatarURL = act.Icon.URL
	}
	if act.Image != nil {
		a.HeaderURL = act.Image.URL
	}
	if e.policy.Allows(a.Domain).RejectMedia() { // the domain's block says reject_media
		a.AvatarURL, a.HeaderURL = "", ""
	}
	a.Emojis = e.emojisFrom(a.Domain, act.Emojis)
	a.MovedTo, a.AlsoKnownAs = act.MovedTo, act.AlsoKnownAs
	a.Fields = nil
	for _, f := range act.Fields {
		a.Fields = append(a.Fields, activitypub.Field{Name: e.sanitize.Sanitize(f.Name), Value: e.sanitize.Sanitize(f.Value)})
	}
	a.Organisation, a.Department, a.JobTitle, a.Fields = splitOrgFields(a.Fields)
	if act.Updated.After(a.ActorUpdatedAt) {
		a.ActorUpdatedAt = act.Updated
	}
	a.FetchedAt = tx.Now()
	if isNew {
		err = tx.InsertAccount(ctx, &a)
	} else {
		err = tx.UpdateAccount(ctx, &a)
	}
	if err != nil {
		return storage.Account{}, fmt.Errorf("store actor %s: %w", act.ID, err)
	}
	if keyChanged || edChanged || oldEd25519 != a.Ed25519KeyID {
		e.keyMu.Lock()
		delete(e.pubKey, act.PublicKey.ID)
		delete(e.pubKey, oldEd25519)
		e.keyMu.Unlock()
	}
	return a, nil
}

// ResolveAccount finds an account by "user@host" (WebFinger), "@user@host",
// a local "user", or an actor or profile URL, fetching remote ones.
func (e *Engine) ResolveAccount(ctx context.Context, ref string) (storage.Account, error) {
	ref = strings.TrimPrefix(strings.TrimSpace(ref), "@")
	ref = strings.TrimPrefix(ref, "acct:")
	if strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://") {
		if name, ok := e.urls.LocalUsername(ref); ok {
			return e.store.AccountByUsername(ctx, name)
		}
		if !e.federates(urlHost(ref)) { // federation policy: not even a cached copy
			return storage.Account{}, fmt.Errorf("resolve %s: %w", ref, storage.ErrNotFound)
		}
		return e.AccountByIRI(ctx, ref)
	}
	user, host, _ := strings.Cut(ref, "@")
	if user == "" {
		return storage.Account{}, invalid("%q is not user@host", ref)
	}
	if host == "" || strings.EqualFold(host, e.urls.Host()) {
		return e.store.AccountByUsername(ctx, user)
	}
	if !e.federates(host) { // federation policy: not even a cached copy
		return storage.Account{}, fmt.Errorf("resolve %s: %w", ref, storage.ErrNotFound)
	}
	if a, err := e.store.AccountByAcct(ctx, user, host); err == nil && e.now().Sub(a.FetchedAt) < actorRefresh {
		return a, nil
	}
	iri, err := e.webFinger(ctx, user, host)
	if err != nil {
		return storage.Account{}, err
	}
	return e.AccountByIRI(ctx, iri)
}

// webFinger asks host for the actor IRI of user@host.
func (e *Engine) webFinger(ctx context.Context, user, host string) (string, error) {
	if strings.ContainsAny(host, "/?#") {
		return "", invalid("%q is not a host", host)
	}
	u := e.scheme + "://" + host + "/.well-known/webfinger?resource=" + url.QueryEscape("acct:"+user+"@"+host)
	body, err := e.getUnsigned(ctx, u, "application/jrd+json, application/json", maxWebFinger)
	var status *StatusError
	if errors.As(err, &status) && (status.Code == http.StatusNotFound || status.Code == http.StatusGone) {
		return "", fmt.Errorf("webfinger %s@%s: %w", user, host, storage.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("webfinger %s@%s: %w", user, host, err)
	}
	var jrd struct {
		Links []struct {
			Rel  string `json:"rel"`
			Type string `json:"type"`
			Href string `json:"href"`
		} `json:"links"`
	}
	if err := json.Unmarshal(body, &jrd); err != nil {
		return "", fmt.Errorf("webfinger %s@%s: %w", user, host, err)
	}
	for _, l := range jrd.Links {
		if l.Rel == "self" && (l.Type == "application/activity+json" || strings.HasPrefix(l.Type, "application/ld+json")) {
			return l.Href, nil
		}
	}
	return "", fmt.Errorf("webfinger %s@%s: no ActivityPub actor link: %w", user, host, storage.ErrNotFound)
}

// sameOrigin reports whether two IRIs share scheme and host.
func sameOrigin(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Host != "" &&
		strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host)
}
