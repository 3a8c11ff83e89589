package federation

import (
	"cmp"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/microcosm-cc/bluemonday"

	"github.com/copse-dev/copse/storage"
)

// Errors the web layer maps to HTTP status codes.
var (
	// ErrDenied: the actor may not do this (not the owner, blocked, not
	// the activity's actor).
	ErrDenied = errors.New("federation: not allowed")
	// ErrGone: the remote object or actor was deleted.
	ErrGone = errors.New("federation: gone")
)

// InvalidError is a request that cannot be applied as it stands; Msg is
// safe to show to the client.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return "federation: " + e.Msg }

func invalid(format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, args...)}
}

// Options configures an Engine. Zero values take the defaults noted.
type Options struct {
	URLs URLs
	// Client makes every outgoing request; build it with NewHTTPClient so
	// private addresses are refused.
	Client *http.Client
	// RemoteScheme is the scheme used to reach a peer named only by host
	// (WebFinger); "https" unless a test or demo network runs plain http.
	RemoteScheme string
	// RetrySchedule is the wait before each retry of a delivery; after the
	// last one the job is dropped. Default: DefaultRetrySchedule.
	RetrySchedule []time.Duration
	// InboxRetry is the wait before each retry of a received activity
	// that failed for a reason that may pass. Default: DefaultInboxRetry.
	InboxRetry []time.Duration
	// DeliveryWorkers bounds concurrent deliveries (default 32); PerHost
	// bounds them per remote host (default 4).
	DeliveryWorkers int
	PerHost         int
	// PollInterval is how often workers look for due work when nothing
	// wakes them (default 1s).
	PollInterval time.Duration
	// NoActionLimits turns off the per-member limits on posts, follows
	// and reports (action_limits.go): for benchmarks that post thousands
	// as one member.
	NoActionLimits bool
	// PollUpdateDelay is how long a local poll's new counts wait to be
	// sent, with the other votes of that time (default 3 minutes).
	PollUpdateDelay time.Duration
	// MailDelay is how long a notification waits before it is mailed to
	// a member who has not read it meanwhile (default 10 minutes).
	MailDelay time.Duration
	// PolicyListRefresh is how often subscribed domain-block lists are
	// read again (default DefaultPolicyListRefresh).
	PolicyListRefresh time.Duration
	// MediaDir is where members' uploads are written; UploadMedia
	// refuses to work without it.
	MediaDir string
	Now      func() time.Time
	Log      *slog.Logger
	// NewKey makes the key of each new local account (members, the
	// instance actor) and each rotated key. Default: GenerateKey. Tests
	// hand out pre-generated keys, as making one costs 70-250 ms of CPU.
	NewKey func() (*rsa.PrivateKey, error)
	// About is what the node tells people about itself.
	About About
	// Registration is who may join the node (closed by default), and
	// Mailer what sends its mail (nil: none, so no open sign-up).
	Registration Registration
	Mailer       *Mailer

	// OnDelivery, if set, is told the outcome of each delivery attempt:
	// "delivered", "retry" (it will be tried again) or "dropped" (refused
	// for good, or out of retries).
	OnDelivery func(host, outcome string, took time.Duration)

	// ArtefactFileLimit and ArtefactCommunityLimit bound an artefact's
	// file and all of a community's artefact files, in bytes. Default:
	// DefaultArtefactFileLimit, DefaultArtefactCommunityLimit.
	ArtefactFileLimit, ArtefactCommunityLimit int64

	// CommunityCreators is the least node role that may create a
	// community ("": PermissionMember, any member).
	CommunityCreators Permission
}

// Engine applies every activity. Make it with New, call Init once, then
// Run to start its workers.
type Engine struct {
	store  *storage.Store
	urls   URLs
	client *http.Client
	scheme string
	retry  []time.Duration
	// inboxRetry is Options.InboxRetry with its default.
	inboxRetry []time.Duration
	workers    int
	perHost    int
	poll       time.Duration
	now        func() time.Time
	log        *slog.Logger
	sanitize   *bluemonday.Policy
	mediaDir   string
	newKey     func() (*rsa.PrivateKey, error) // Options.NewKey, never nil
	about      About                           // Options.About with defaults

	pollUpdateDelay time.Duration   // Options.PollUpdateDelay with its default
	mailDelay       time.Duration   // Options.MailDelay with its default
	acts            *actionLimiters // per-member limits (action_limits.go)
	uploads         *uploadLimits   // per-member uploads (upload_limits.go)
	moderatorsRead  readTimes       // when each remote Group's moderators were read

	registration Registration // Options.Registration
	// communityCreators is Options.CommunityCreators (MayCreateCommunity).
	communityCreators Permission
	mailer            *Mailer // Options.Mailer; nil sends no mail

	// onDelivery is Options.OnDelivery, never nil.
	onDelivery func(host, outcome string, took time.Duration)

	instance storage.Account // the node's own actor; signs fetches
	fetcher  *Fetcher
	// remoteFetches holds a token for each remote artefact file being
	// fetched for a member (OpenRemoteArtefactFile).
	remoteFetches chan struct{}

	keyMu   sync.Mutex
	privKey map[storage.ID]cachedPrivateKey // parsed private keys of local accounts
	pubKey  map[string]cachedKey            // parsed remote public keys by key ID
	// keyFetches holds back key fetches per host (PublicKey).
	keyFetches keyFetchLimit

	deliverWake chan struct{}
	inboxWake   chan struct{}
	// proposalFetchWake starts the fetch of a queued proposal's files
	proposalFetchWake chan struct{}
	// importWake starts the work on a member's imported list (imports.go)
	importWake chan struct{}
	parsed     parsedItems // activities Receive parsed, for the inbox workers
	events     hub
	imageSlots chan struct{} // bounds concurrent image decoding
	artefacts  artefactConfig
	// libraryFetches are the remote libraries to read after a join
	// (community_library_fetch.go).
	libraryFetches *idQueue
	// linkCards are the statuses whose link preview to read (linkcard.go).
	linkCards *idQueue
	// instances is what follower nodes run, for a Group's announces
	// (nodeinfo.go).
	instances *instanceCache

	// policy decides which hosts the node federates with (policy.go);
	// policyVersion is the version it was loaded at, policyWake wakes
	// runPolicy after a change.
	policy        *Policy
	policyVersion atomic.Pointer[string]
	policyWake    chan struct{}
	listRefresh   time.Duration // Options.PolicyListRefresh with its default
	pushClient    *http.Client  // Options.Client without the policy guard
}

type cachedPrivateKey struct {
	pem   string
	key   *rsa.PrivateKey
	edPEM string
	ed    ed25519.PrivateKey
}

type cachedKey struct {
	owner string
	key   crypto.PublicKey
}

// New returns an engine. It does no I/O.
func New(store *storage.Store, o Options) *Engine {
	e := &Engine{
		store:             store,
		urls:              o.URLs,
		about:             o.About.withDefaults(o.URLs.Host()),
		client:            o.Client,
		scheme:            o.RemoteScheme,
		retry:             o.RetrySchedule,
		workers:           o.DeliveryWorkers,
		perHost:           o.PerHost,
		poll:              o.PollInterval,
		pollUpdateDelay:   o.PollUpdateDelay,
		mailDelay:         cmp.Or(max(o.MailDelay, 0), defaultMailDelay),
		onDelivery:        o.OnDelivery,
		remoteFetches:     make(chan struct{}, maxRemoteFetches),
		now:               o.Now,
		log:               o.Log,
		sanitize:          newSanitizer(),
		mediaDir:          o.MediaDir,
		newKey:            o.NewKey,
		privKey:           map[storage.ID]cachedPrivateKey{},
		pubKey:            map[string]cachedKey{},
		deliverWake:       make(chan struct{}, 1),
		inboxWake:         make(chan struct{}, 1),
		proposalFetchWake: make(chan struct{}, 1),
		importWake:        make(chan struct{}, 1),
		events:            hub{subs: map[*Subscription]struct{}{}},
		imageSlots:        make(chan struct{}, 2),
		artefacts:         newArtefactConfig(o.ArtefactFileLimit, o.ArtefactCommunityLimit),
		libraryFetches:    newIDQueue(libraryQueueSize),
		linkCards:         newIDQueue(linkCardQueueSize),
		instances:         newInstanceCache(),

		registration:      o.Registration,
		communityCreators: cmp.Or(o.CommunityCreators, PermissionMember),
		mailer:            o.Mailer,
		policy:            NewPolicy(o.URLs.Host()),
		policyWake:        make(chan struct{}, 1),
		listRefresh:       cmp.Or(max(o.PolicyListRefresh, 0), DefaultPolicyListRefresh), // 0 or less: the default
	}
	if e.onDelivery == nil {
		e.onDelivery = func(string, string, time.Duration) {}
	}
	if e.client == nil {
		e.client = NewHTTPClient(TransportOptions{})
	}
	// Web Push goes to the members' push services, not to peers: the
	// federation policy does not apply to it.
	e.pushClient = e.client
	e.client = e.policy.guard(e.client)
	if e.scheme == "" {
		e.scheme = "https"
	}
	if e.retry == nil {
		e.retry = DefaultRetrySchedule
	}
	if e.inboxRetry = o.InboxRetry; e.inboxRetry == nil {
		e.inboxRetry = DefaultInboxRetry
	}
	if e.workers <= 0 {
		e.workers = 32
	}
	if e.perHost <= 0 {
		e.perHost = 4
	}
	if e.poll <= 0 {
		e.poll = time.Second
	}
	if e.pollUpdateDelay <= 0 {
		e.pollUpdateDelay = pollUpdateDelay
	}
	if e.now == nil {
		e.now = time.Now
	}
	e.acts = newActionLimiters(e.now, o.NoActionLimits)
	e.uploads = newUploadLimits(e.now)
	if e.log == nil {
		e.log = slog.Default()
	}
	if e.newKey == nil {
		e.newKey = GenerateKey
	}
	return e
}

// URLs returns the node's IRI layout.
func (e *Engine) URLs() URLs { return e.urls }

// Store returns the engine's store, for wiring and tests. The web layer
// takes Reader instead: it reads there and writes through the engine.
func (e *Engine) Store() *storage.Store { return e.store }

// Reader returns the store's read-only face, for the web layer.
func (e *Engine) Reader() storage.Reader { return e.store.Reader() }

// Init records the node's base URL on a new database (refusing, with an
// *IdentityError, a database recorded under another), makes sure the
// node's instance actor exists and readies the signed fetcher. Call it
// once before serving.
func (e *Engine) Init(ctx context.Context) error {
	if err := e.claimIdentity(ctx); err != nil {
		return err
	}
	if err := e.giveEd25519Keys(ctx); err != nil {
		return err
	}
	inst, err := e.ensureInstanceActor(ctx)
	if err != nil {
		return fmt.Errorf("instance actor: %w", err)
	}
	e.instance = inst
	key, err := e.privateKey(inst)
	if err != nil {
		return fmt.Errorf("instance actor: %w", err)
	}
	e.fetcher = &Fetcher{Client: e.client, Signer: Signer{KeyID: inst.PublicKeyID, Key: key}, Now: e.now}
	return e.LoadPolicy(ctx)
}

// InstanceActor is the node's own actor.
func (e *Engine) InstanceActor() storage.Account { return e.instance }

// Run starts the inbox and delivery workers and blocks until ctx ends and
// they have stopped.
func (e *Engine) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { e.runInbox(ctx) })
	wg.Go(func() { e.runDeliveries(ctx) })
	wg.Go(func() { e.runJanitor(ctx) })
	wg.Go(func() { e.runPolls(ctx) })
	wg.Go(func() { e.runPush(ctx) })
	wg.Go(func() { e.runScheduled(ctx) })
	wg.Go(func() { e.runPurge(ctx) })
	wg.Go(func() { e.runPolicy(ctx) })
	wg.Go(func() { e.runEventReminders(ctx) })
	wg.Go(func() { e.runLibraryFetches(ctx) })
	wg.Go(func() { e.runLinkCards(ctx) })
	wg.Go(func() { e.runInstanceFetches(ctx) })
	wg.Go(func() { e.runProposalFetches(ctx) })
	wg.Go(func() { e.runImports(ctx) })
	wg.Go(func() { e.runMail(ctx) })
	wg.Wait()
}

func wake(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// privateKey returns the parsed signing key of a local account.
func (e *Engine) privateKey(a storage.Account) (*rsa.PrivateKey, error) {
	e.keyMu.Lock()
	defer e.keyMu.Unlock()
	// Keyed by the PEM too: a delivery that read the account just before
	// a key rotation must not put the old key back in the cache.
	if k, ok := e.privKey[a.ID]; ok && k.pem == a.PrivateKeyPEM {
		return k.key, nil
	}
	if a.PrivateKeyPEM == "" {
		return nil, fmt.Errorf("account %s has no private key", a.URI)
	}
	k, err := ParsePrivateKey(a.PrivateKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("private key of %s: %w", a.URI, err)
	}
	c := e.privKey[a.ID]
	c.pem, c.key = a.PrivateKeyPEM, k
	e.privKey[a.ID] = c
	return k, nil
}

// ed25519PrivateKey returns the parsed Ed25519 key of local account id,
// whose PEM is pemText, from the cache privateKey keeps (keyed by the PEM
// too, for the same reason): a delivery loop signing thousands a second
// does not parse it each time.
func (e *Engine) ed25519PrivateKey(id storage.ID, pemText string) (ed25519.PrivateKey, error) {
	e.keyMu.Lock()
	defer e.keyMu.Unlock()
	c := e.privKey[id]
	if c.ed != nil && c.edPEM == pemText {
		return c.ed, nil
	}
	k, err := ParseEd25519PrivateKey(pemText)
	if err != nil {
		return nil, err
	}
	c.edPEM, c.ed = pemText, k
	e.privKey[id] = c
	return k, nil
}

func (e *Engine) forgetPrivateKey(id storage.ID) {
	e.keyMu.Lock()
	delete(e.privKey, id)
	e.keyMu.Unlock()
}
