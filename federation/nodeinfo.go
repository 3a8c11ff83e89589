package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// A Group hosted here announces a post into it in two shapes: the
// activity as received, Announce{Create{…}}, which group-aware software
// reads, and, for a new thread only, Announce{object id}, the boost
// Mastodon shows. Each costs a signature per follower node, so the Group
// sends each node only the shapes its software reads, as its NodeInfo
// (software.name) says. A node whose NodeInfo was never read, or could
// not be, gets both shapes, as every node did before.
//
// NodeInfo is read in the background (runInstanceFetches), never inside
// a write transaction: a Follow of a Group (readFollowerNode) or an
// announce that meets a node not read yet, or read more than
// nodeInfoRefresh ago, queues it once it commits, and the announce uses
// what is known meanwhile. What each node runs is kept in the
// instances table and, read once, in memory (instanceCache).

// announceKind is which of a Group's announces a follower node gets.
type announceKind int

const (
	// announceBoth: Announce{Create} of everything and Announce{id} of
	// new threads. Unknown software, and the safe default.
	announceBoth announceKind = iota
	// announceRawOnly: Announce{Create} (the activity as received) of
	// threads and replies alike, and no boost: group-aware software.
	announceRawOnly
	// announceBoostOnly: Announce{id} of new threads only, and nothing
	// for a reply: Mastodon-like software, whose users see the boost
	// (and complain of floods when replies are boosted).
	announceBoostOnly
)

func (k announceKind) String() string {
	switch k {
	case announceRawOnly:
		return "group-aware"
	case announceBoostOnly:
		return "mastodon-like"
	default:
		return "unknown"
	}
}

// nodeSoftware is what copse knows of other software's communities, by
// NodeInfo software.name (lower case). Software not listed is unknown
// and gets both shapes. Group-aware software reads Announce{Create} of a
// community's posts (FEP-1b12); Mastodon-like software reads only a boost.
var nodeSoftware = map[string]announceKind{
	// Group-aware.
	"copse":     announceRawOnly,
	"lemmy":     announceRawOnly,
	"piefed":    announceRawOnly,
	"mbin":      announceRawOnly,
	"kbin":      announceRawOnly,
	"nodebb":    announceRawOnly,
	"friendica": announceRawOnly,
	"hubzilla":  announceRawOnly,
	"streams":   announceRawOnly,
	"forte":     announceRawOnly,
	"sublinks":  announceRawOnly,
	// Mastodon-like.
	"mastodon":   announceBoostOnly,
	"glitch-soc": announceBoostOnly,
	"hometown":   announceBoostOnly,
	"gotosocial": announceBoostOnly,
	"pleroma":    announceBoostOnly,
	"akkoma":     announceBoostOnly,
	"misskey":    announceBoostOnly,
	"sharkey":    announceBoostOnly,
	"firefish":   announceBoostOnly,
	"iceshrimp":  announceBoostOnly,
	"calckey":    announceBoostOnly,
	"foundkey":   announceBoostOnly,
	"snac":       announceBoostOnly,
	"takahe":     announceBoostOnly,
}

// announceKindOf is the announces a node running software gets.
func announceKindOf(software string) announceKind {
	return nodeSoftware[strings.ToLower(strings.TrimSpace(software))]
}

// announceInboxes splits a Group's follower inboxes between its two
// announces of a post: raw, Announce{Create{…}} as received, and boost,
// Announce{id}, sent for a new thread (thread) only. kinds holds the
// known software kind of follower hosts (lower case); a host not in it
// gets both. authorInbox is the remote author's inbox ("" for a local
// author). The author's node is told that a new thread reached the
// community even when it does not follow it, in the shape its software
// reads: the boost (so a Mastodon author sees the community boosted the
// post, as it always did) unless its node is group-aware, which gets
// the thread as received instead. Like any follower node, it gets only
// its software's shapes when that is known, both when not.
func announceInboxes(inboxes []string, kinds map[string]announceKind, authorInbox string, thread bool) (raw, boost []string) {
	for _, in := range inboxes {
		kind := kinds[urlHost(in)]
		if kind != announceBoostOnly {
			raw = append(raw, in)
		}
		if thread && kind != announceRawOnly {
			boost = append(boost, in)
		}
	}
	if !thread || authorInbox == "" {
		return raw, boost
	}
	switch {
	case kinds[urlHost(authorInbox)] == announceRawOnly:
		if !slices.Contains(raw, authorInbox) {
			raw = append(raw, authorInbox)
		}
	case !slices.Contains(boost, authorInbox):
		boost = append(boost, authorInbox)
	}
	return raw, boost
}

const (
	// nodeInfoRefresh is how long what a node runs is trusted before it
	// is read again; nodeInfoRetry, after a read that failed.
	nodeInfoRefresh = 24 * time.Hour
	nodeInfoRetry   = time.Hour
	// nodeInfoMaxBytes bounds each NodeInfo document, nodeInfoTimeout
	// the reading of one node's (both requests).
	nodeInfoMaxBytes = 64 << 10
	nodeInfoTimeout  = 10 * time.Second
	// nodeInfoWorkers read nodes side by side; instanceQueueSize bounds
	// the nodes waiting (a full queue drops a node: a later announce
	// queues it again).
	nodeInfoWorkers   = 4
	instanceQueueSize = 1024
	// instanceCacheMax bounds the nodes remembered in memory; past it the
	// cache starts afresh (the table keeps them all).
	instanceCacheMax = 50_000
)

// instanceCache is what follower nodes run, as read from the instances
// table, and the nodes queued for a NodeInfo read.
type instanceCache struct {
	ch     chan string
	mu     sync.Mutex
	known  map[string]storage.Instance // zero FetchedAt: never read
	queued map[string]bool
}

func newInstanceCache() *instanceCache {
	return &instanceCache{ch: make(chan string, instanceQueueSize),
		known: map[string]storage.Instance{}, queued: map[string]bool{}}
}

// instanceStale reports whether what in says of a node should be read
// again at now.
func instanceStale(in storage.Instance, now time.Time) bool {
	if in.FetchedAt.IsZero() {
		return true
	}
	wait := nodeInfoRefresh
	if in.Failed {
		wait = nodeInfoRetry
	}
	return now.Sub(in.FetchedAt) >= wait
}

// softwareOf is what the node at host runs as its NodeInfo said, in
// lower case ("" when never read, or not said), from memory or tx.
func (e *Engine) softwareOf(ctx context.Context, tx *storage.Tx, host string) (string, error) {
	host = strings.ToLower(host)
	c := e.instances
	c.mu.Lock()
	in, ok := c.known[host]
	c.mu.Unlock()
	if ok {
		return in.Software, nil
	}
	read, err := tx.Instances(ctx, []string{host})
	if err != nil {
		return "", err
	}
	return read[host].Software, nil
}

// announceKinds returns the kind of each of hosts whose software is
// known, reading those not in memory from tx, and queues, once tx
// commits, a NodeInfo read of those never read or read too long ago.
func (e *Engine) announceKinds(ctx context.Context, tx *storage.Tx, hosts []string) (map[string]announceKind, error) {
	c := e.instances
	kinds := make(map[string]announceKind, len(hosts))
	var missing []string
	c.mu.Lock()
	for _, h := range hosts {
		if _, ok := c.known[h]; !ok {
			missing = append(missing, h)
		}
	}
	c.mu.Unlock()
	var read map[string]storage.Instance
	if len(missing) > 0 {
		var err error
		if read, err = tx.Instances(ctx, missing); err != nil {
			return nil, err
		}
	}
	now := e.now()
	var due []string
	c.mu.Lock()
	if len(c.known)+len(missing) > instanceCacheMax {
		c.known = map[string]storage.Instance{}
	}
	for _, h := range missing {
		if _, ok := c.known[h]; !ok { // a read may have filled it meanwhile
			c.known[h] = read[h] // zero when never read
		}
	}
	for _, h := range hosts {
		in := c.known[h]
		if k := announceKindOf(in.Software); k != announceBoth {
			kinds[h] = k
		}
		if instanceStale(in, now) && !c.queued[h] {
			due = append(due, h)
		}
	}
	c.mu.Unlock()
	if len(due) > 0 {
		tx.AfterCommit(func() {
			for _, h := range due {
				e.queueNodeInfo(h)
			}
		})
	}
	return kinds, nil
}

// readFollowerNode queues, once tx commits, a NodeInfo read of the node
// of follower, a remote account that asks to join g, a Group hosted here,
// when what that node runs is not known or was read too long ago: the
// Group's first announces to it then already take its shapes.
func (e *Engine) readFollowerNode(ctx context.Context, tx *storage.Tx, follower, g storage.Account) error {
	if g.ActorType != activitypub.TypeGroup || !g.Local() || follower.Local() {
		return nil
	}
	h := urlHost(follower.DeliveryInbox())
	if h == "" {
		return nil
	}
	if _, err := e.announceKinds(ctx, tx, []string{h}); err != nil {
		return fmt.Errorf("follower node %s: %w", h, err)
	}
	return nil
}

// queueNodeInfo queues a NodeInfo read of host, unless it is queued
// already or the queue is full.
func (e *Engine) queueNodeInfo(host string) {
	c := e.instances
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.queued[host] {
		return
	}
	select {
	case c.ch <- host:
		c.queued[host] = true
	default:
	}
}

// runInstanceFetches reads the queued nodes' NodeInfo until ctx ends,
// nodeInfoWorkers at a time.
func (e *Engine) runInstanceFetches(ctx context.Context) {
	var wg sync.WaitGroup
	for range nodeInfoWorkers {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case host := <-e.instances.ch:
					e.refreshInstance(ctx, host)
				}
			}
		})
	}
	wg.Wait()
}

// refreshInstance reads what host runs and records it, in the table and
// in memory; a failed read is recorded as such (unknown software), and
// tried again after nodeInfoRetry.
func (e *Engine) refreshInstance(ctx context.Context, host string) {
	c := e.instances
	defer func() {
		c.mu.Lock()
		delete(c.queued, host)
		c.mu.Unlock()
	}()
	if !e.federates(host) {
		return
	}
	in := storage.Instance{Host: host, FetchedAt: e.now()}
	sw, version, err := e.fetchNodeInfo(ctx, host)
	if ctx.Err() != nil {
		return // shutting down: read again after a restart
	}
	if err != nil {
		e.log.InfoContext(ctx, "nodeinfo not read; the node gets both announces", slog.String("host", host), slog.Any("err", err))
		in.Failed = true
	} else {
		in.Software, in.Version = sw, version
		e.log.DebugContext(ctx, "nodeinfo read", slog.String("host", host), slog.String("software", sw),
			slog.String("announces", announceKindOf(sw).String()))
	}
	if err := e.store.InTx(ctx, func(tx *storage.Tx) error { return tx.PutInstance(ctx, in) }); err != nil {
		e.log.ErrorContext(ctx, "record nodeinfo", slog.String("host", host), slog.Any("err", err))
		return
	}
	c.mu.Lock()
	c.known[host] = in
	c.mu.Unlock()
}

// Relations of NodeInfo documents in /.well-known/nodeinfo, preferred
// first.
var nodeInfoRels = []string{
	"http://nodeinfo.diaspora.software/ns/schema/2.1",
	"http://nodeinfo.diaspora.software/ns/schema/2.0",
}

// fetchNodeInfo reads host's NodeInfo (2.1 or 2.0, through
// /.well-known/nodeinfo) and returns its software name, in lower case,
// and version. It goes through the engine's client: no private address
// unless the node is configured to allow it, no host the policy refuses;
// each document is at most nodeInfoMaxBytes, and both requests together
// take at most nodeInfoTimeout.
func (e *Engine) fetchNodeInfo(ctx context.Context, host string) (software, version string, err error) {
	ctx, cancel := context.WithTimeout(ctx, nodeInfoTimeout)
	defer cancel()
	index, err := e.getNodeInfoDoc(ctx, e.scheme+"://"+host+"/.well-known/nodeinfo")
	if err != nil {
		return "", "", err
	}
	href, err := parseNodeInfoIndex(index)
	if err != nil {
		return "", "", fmt.Errorf("nodeinfo of %s: %w", host, err)
	}
	doc, err := e.getNodeInfoDoc(ctx, href)
	if err != nil {
		return "", "", err
	}
	software, version, err = parseNodeInfo(doc)
	if err != nil {
		return "", "", fmt.Errorf("nodeinfo of %s: %w", host, err)
	}
	return software, version, nil
}

// getNodeInfoDoc GETs one NodeInfo document, bounded in size.
func (e *Engine) getNodeInfoDoc(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || !slices.Contains(publicSchemes, u.Scheme) || u.Host == "" {
		return nil, fmt.Errorf("nodeinfo %q: not an absolute http or https URL", rawURL)
	}
	body, err := e.getUnsigned(ctx, u.String(), "application/json", nodeInfoMaxBytes)
	if err != nil {
		return nil, fmt.Errorf("nodeinfo %s: %w", rawURL, err)
	}
	return body, nil
}

// errNoNodeInfo is the error of a NodeInfo index or document that does
// not say what the node runs.
var errNoNodeInfo = errors.New("no NodeInfo 2.0 or 2.1")

// parseNodeInfoIndex returns the URL of the preferred NodeInfo document
// (2.1, else 2.0) that a /.well-known/nodeinfo index links to.
func parseNodeInfoIndex(body []byte) (string, error) {
	var index struct {
		Links []struct {
			Rel  string `json:"rel"`
			Href string `json:"href"`
		} `json:"links"`
	}
	if err := json.Unmarshal(body, &index); err != nil {
		return "", fmt.Errorf("nodeinfo index: %w", err)
	}
	for _, rel := range nodeInfoRels {
		for _, l := range index.Links {
			if strings.TrimSuffix(l.Rel, "#") == rel && l.Href != "" {
				return l.Href, nil
			}
		}
	}
	return "", errNoNodeInfo
}

// parseNodeInfo returns software.name (lower case) and software.version
// of a NodeInfo 2.0 or 2.1 document.
func parseNodeInfo(body []byte) (software, version string, err error) {
	var doc struct {
		Version  string `json:"version"`
		Software struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"software"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", "", fmt.Errorf("nodeinfo: %w", err)
	}
	name := strings.ToLower(strings.TrimSpace(doc.Software.Name))
	if name == "" || len(name) > 100 {
		return "", "", fmt.Errorf("nodeinfo %s: software.name %q: %w", doc.Version, doc.Software.Name, errNoNodeInfo)
	}
	version = strings.TrimSpace(doc.Software.Version)
	if len(version) > 100 {
		version = version[:100]
	}
	return name, version, nil
}

// readsEd25519 reports whether deliveries to host may be signed with the
// signer's Ed25519 key: host is known, from its NodeInfo, to run copse,
// which reads actors' Ed25519 keys (assertionMethod). What other
// software does with them is not known, so everything else gets RSA.
// A host not yet read is queued for a NodeInfo read and gets RSA until
// then; one read too long ago is queued to be read again.
func (e *Engine) readsEd25519(host string) bool {
	c := e.instances
	c.mu.Lock()
	in, known := c.known[host]
	c.mu.Unlock()
	if !known || instanceStale(in, e.now()) {
		e.queueNodeInfo(host)
	}
	return known && readsEd25519Keys(in.Software)
}

// readsEd25519Keys reports whether a node running software reads the
// Ed25519 keys actors state (assertionMethod): copse does.
func readsEd25519Keys(software string) bool {
	return strings.EqualFold(strings.TrimSpace(software), "copse")
}

// NodeTreatment is how copse treats a remote node, from what its
// NodeInfo said, for the admins' list of servers.
type NodeTreatment struct {
	// Kind names the kind of software: "group-aware", "mastodon-like"
	// or "unknown".
	Kind string
	// Announces says what a community hosted here sends it.
	Announces string
	// Signature is the key its deliveries are signed with.
	Signature string
}

// Treatment is how copse treats a node that runs software ("" when not
// known): the same rules the Group's announces (announceKindOf) and the
// delivery loop (readsEd25519Keys) follow.
func Treatment(software string) NodeTreatment {
	kind := announceKindOf(software)
	t := NodeTreatment{Kind: kind.String(), Signature: "RSA (rsa-sha256)"}
	switch kind {
	case announceRawOnly:
		t.Announces = "Each post, reply, like, edit and deletion as received (Announce{activity}); no boosts"
	case announceBoostOnly:
		t.Announces = "A boost of each new thread, artefact and event (Announce{id}), taken back when it is deleted; nothing else"
	default:
		t.Announces = "Both: each activity as received and a boost of each new thread, artefact and event"
	}
	if readsEd25519Keys(software) {
		t.Signature = "Ed25519"
	}
	return t
}
