package federation

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copse-dev/copse/storage"
)

// listServer serves a domain list that a test changes, with an ETag, and
// counts the requests and those answered 304.
type listServer struct {
	*httptest.Server
	mu          sync.Mutex
	contentType string
	body        string
	version     int
	requests    int
	notModified int
}

func newListServer(t *testing.T, contentType, body string) *listServer {
	l := &listServer{contentType: contentType, body: body, version: 1}
	l.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.requests++
		etag := `"v` + string(rune('0'+l.version)) + `"`
		if r.Header.Get("If-None-Match") == etag {
			l.notModified++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		if l.contentType != "" {
			w.Header().Set("Content-Type", l.contentType)
		}
		_, _ = w.Write([]byte(l.body))
	}))
	t.Cleanup(l.Close)
	return l
}

func (l *listServer) set(body string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.body = body
	l.version++
}

func (l *listServer) counts() (requests, notModified int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.requests, l.notModified
}

// listEngine is an engine that may reach loopback over plain http, with
// a clock the test moves.
func listEngine(t *testing.T, now *time.Time) *Engine {
	t.Helper()
	return loopbackEngine(t, Options{Now: func() time.Time { return *now }})
}

// refused checks that the node neither delivers to nor accepts from host.
func refused(t *testing.T, e *Engine, host string, want bool) {
	t.Helper()
	_, err := e.client.Get("https://" + host + "/inbox")
	if got := errors.Is(err, ErrBlockedDomain); got != want {
		t.Errorf("delivery to %s refused: %v (%v); want %v", host, got, err, want)
	}
	r := httptest.NewRequest("POST", "/inbox", nil)
	r.Header.Set("Signature", `keyId="https://`+host+`/users/x#main-key",algorithm="rsa-sha256",headers="(request-target) host date",signature="AAAA"`)
	if got := errors.Is(e.RefuseSigner(r), ErrDenied); got != want {
		t.Errorf("inbox from %s refused: %v; want %v", host, got, want)
	}
}

func auditActionCounts(t *testing.T, e *Engine) map[string]int {
	t.Helper()
	entries, err := e.AuditLog(context.Background(), 0, storage.AuditFilter{}, storage.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, en := range entries {
		out[en.Action]++
	}
	return out
}

// A list that is not trusted brings drafts: nothing changes until an
// admin approves one, which is then in force at once; a rejected draft is
// not offered again; an unchanged list costs a 304.
func TestPolicyListDrafts(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	e := listEngine(t, &now)
	ctx := context.Background()
	root := member(t, e, "root")
	mod := member(t, e, "mod")
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.SetUserRole(ctx, mod.ID, storage.PermissionModerator); err != nil {
			return err
		}
		return tx.SetUserRole(ctx, root.ID, storage.PermissionAdmin)
	})
	if err != nil {
		t.Fatal(err)
	}
	l := newListServer(t, "text/plain", "# the councils' list\nspam.example\nloud.example\n")
	if _, _, err := e.SubscribeDomainList(ctx, mod.ID, l.URL, "", false); !errors.Is(err, ErrDenied) {
		t.Fatalf("a moderator subscribed: %v", err)
	}
	if _, _, err := e.SubscribeDomainList(ctx, root.ID, "ftp://lists.example/x", "", false); err == nil {
		t.Fatal("an ftp URL was accepted")
	}
	s, r, err := e.SubscribeDomainList(ctx, root.ID, l.URL, "", false)
	if err != nil || s.LastError != "" {
		t.Fatalf("subscribe: %v %q", err, s.LastError)
	}
	if r.Drafted != 2 || r.Added != 0 || r.Format != ListText || s.Entries != 2 {
		t.Fatalf("first reading = %+v, entries %d; want 2 drafts from a text list", r, s.Entries)
	}
	if _, _, err := e.SubscribeDomainList(ctx, root.ID, l.URL, "", true); err == nil {
		t.Fatal("subscribed twice to one URL")
	}
	refused(t, e, "spam.example", false) // a draft is not in force
	drafts, err := e.PolicyDrafts(ctx, root.ID, s.ID, storage.DraftPending)
	if err != nil || len(drafts) != 2 {
		t.Fatalf("drafts = %+v, %v", drafts, err)
	}
	if _, err := e.ApprovePolicyDraft(ctx, mod.ID, drafts[0].ID); !errors.Is(err, ErrDenied) {
		t.Fatalf("a moderator approved: %v", err)
	}
	var spam, loud storage.PolicyDraft
	for _, d := range drafts {
		switch d.Domain {
		case "spam.example":
			spam = d
		case "loud.example":
			loud = d
		}
	}
	approved, err := e.ApprovePolicyDraft(ctx, root.ID, spam.ID)
	b := approved.Block
	if err != nil || approved.Kind != storage.ListBlocks || approved.Domain() != "spam.example" || b.Severity != storage.SeveritySuspend || b.SubscriptionID != s.ID || b.CreatedBy != root.ID {
		t.Fatalf("approve = %+v, %v", b, err)
	}
	refused(t, e, "spam.example", true)
	refused(t, e, "sub.spam.example", true)
	refused(t, e, "loud.example", false)
	if _, err := e.RejectPolicyDraft(ctx, root.ID, loud.ID); err != nil {
		t.Fatal(err)
	}

	// Unchanged: a 304, nothing new.
	now = now.Add(7 * time.Hour)
	e.refreshDueLists(ctx, e.log)
	if req, nm := l.counts(); req != 2 || nm != 1 {
		t.Fatalf("requests %d, 304s %d; want 2, 1", req, nm)
	}
	// Changed: the rejected entry is not offered again; a new one is.
	l.set("spam.example\nloud.example\nnew.example\n")
	_, r, err = e.RefreshPolicySubscription(ctx, root.ID, s.ID)
	if err != nil || r.Drafted != 1 {
		t.Fatalf("refresh = %+v, %v; want 1 draft", r, err)
	}
	pending, err := e.PolicyDrafts(ctx, root.ID, 0, storage.DraftPending)
	if err != nil || len(pending) != 1 || pending[0].Domain != "new.example" {
		t.Fatalf("pending = %+v, %v; want new.example alone", pending, err)
	}
	// An entry the list drops leaves its approved block alone (an admin
	// approved it) and its draft goes.
	l.set("loud.example\n")
	if _, _, err := e.RefreshPolicySubscription(ctx, root.ID, s.ID); err != nil {
		t.Fatal(err)
	}
	refused(t, e, "spam.example", true)
	if pending, _ := e.PolicyDrafts(ctx, root.ID, 0, storage.DraftPending); len(pending) != 0 {
		t.Fatalf("a dropped entry's draft stayed: %+v", pending)
	}
	got := auditActionCounts(t, e)
	for action, n := range map[string]int{AuditSubscribe: 1, AuditDraftBlock: 3, AuditApproveDraft: 1, AuditRejectDraft: 1} {
		if got[action] != n {
			t.Errorf("audit log has %d %s; want %d (all: %v)", got[action], action, n, got)
		}
	}
	// Unsubscribing keeps the blocks.
	if _, err := e.UnsubscribeDomainList(ctx, root.ID, s.ID); err != nil {
		t.Fatal(err)
	}
	refused(t, e, "spam.example", true)
	if subs, _ := e.PolicySubscriptions(ctx, root.ID); len(subs) != 0 {
		t.Fatalf("subscriptions after unsubscribe: %+v", subs)
	}
}

// A trusted list's entries are blocks at once; when it drops an entry its
// block goes, but never a block made by hand; a broken list changes
// nothing.
func TestPolicyListTrusted(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	e := listEngine(t, &now)
	ctx := context.Background()
	if _, err := e.AddDomainBlock(ctx, 0, storage.NodeDomainBlock{Domain: "hand.example", Severity: storage.SeverityLimit}); err != nil {
		t.Fatal(err)
	}
	l := newListServer(t, "text/csv", "#domain,#severity,#public_comment\nspam.example,suspend,Spam\nhand.example,suspend,\n")
	s, r, err := e.SubscribeDomainList(ctx, 0, l.URL, "", true)
	if err != nil || s.LastError != "" || r.Added != 1 || r.Format != ListCSV {
		t.Fatalf("subscribe = %+v %+v, %v", s, r, err)
	}
	refused(t, e, "spam.example", true)
	if d := e.Policy().Allows("hand.example"); !d.Federate || !d.Limited() {
		t.Fatalf("the list changed a block made by hand: %+v", d)
	}
	// A list that breaks changes nothing, and says why.
	l.set(`[{"domain":"x.example","severity":"ban"}]`)
	s, _, err = e.RefreshPolicySubscription(ctx, 0, s.ID)
	if err == nil || s.LastError == "" {
		t.Fatalf("a broken list was read: %v %q", err, s.LastError)
	}
	refused(t, e, "spam.example", true)
	subs, _ := e.PolicySubscriptions(ctx, 0)
	if len(subs) != 1 || subs[0].LastError != `JSON list entry 1: severity "ban" is not suspend, limit or noop` {
		t.Fatalf("stored error: %+v", subs)
	}
	// The list drops both and adds one: its own block goes, the hand-made
	// one stays.
	l.set(`[{"domain":"new.example","severity":"silence","comment":"loud"}]`)
	_, r, err = e.RefreshPolicySubscription(ctx, 0, s.ID)
	if err != nil || r.Added != 1 || r.Removed != 1 || r.Format != ListJSON {
		t.Fatalf("refresh = %+v, %v", r, err)
	}
	refused(t, e, "spam.example", false)
	if d := e.Policy().Allows("hand.example"); !d.Limited() {
		t.Fatalf("a block made by hand went with the list: %+v", d)
	}
	if d := e.Policy().Allows("new.example"); !d.Limited() || d.Block.PublicComment != "loud" {
		t.Fatalf("new.example = %+v; want limited", d)
	}
	// The list changes its severity: its block follows.
	l.set(`[{"domain":"new.example","severity":"suspend"}]`)
	if _, r, err = e.RefreshPolicySubscription(ctx, 0, s.ID); err != nil || r.Updated != 1 {
		t.Fatalf("refresh = %+v, %v", r, err)
	}
	refused(t, e, "new.example", true)
	// An admin who changes a list's block makes it their own: the list
	// dropping it leaves it.
	nb, err := e.DomainBlockNamed(ctx, "new.example")
	if err != nil || nb.SubscriptionID != s.ID {
		t.Fatalf("new.example's block = %+v, %v; want it from the list", nb, err)
	}
	nb.PrivateComment = "keep this one"
	if _, err := e.ChangeDomainBlock(ctx, 0, nb); err != nil {
		t.Fatal(err)
	}
	l.set(`[{"domain":"other.example"}]`)
	if _, r, err = e.RefreshPolicySubscription(ctx, 0, s.ID); err != nil || r.Removed != 0 || r.Added != 1 {
		t.Fatalf("refresh = %+v, %v; want other.example added and nothing removed", r, err)
	}
	refused(t, e, "new.example", true)
	got := auditActionCounts(t, e)
	for action, n := range map[string]int{AuditListBlock: 3, AuditListUnblock: 1, AuditListChange: 1, AuditBlockDomain: 1, AuditChangeBlock: 1} {
		if got[action] != n {
			t.Errorf("audit log has %d %s; want %d (all: %v)", got[action], action, n, got)
		}
	}
}

// policyListAdmins returns an admin and a moderator of e.
func policyListAdmins(t *testing.T, e *Engine) (root, mod storage.Account) {
	t.Helper()
	ctx := context.Background()
	root, mod = member(t, e, "root"), member(t, e, "mod")
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.SetUserRole(ctx, mod.ID, storage.PermissionModerator); err != nil {
			return err
		}
		return tx.SetUserRole(ctx, root.ID, storage.PermissionAdmin)
	})
	if err != nil {
		t.Fatal(err)
	}
	return root, mod
}

// federatesWith reports whether e's policy lets it federate with host.
func federatesWith(e *Engine, host string) bool { return e.Policy().Allows(host).Federate }

// A shared list of allowed domains that is not trusted brings drafts of
// allows: in allow-list mode nothing changes until an admin approves one,
// which is then an allow, in force at once and audited as one.
func TestPolicyAllowListDrafts(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	e := listEngine(t, &now)
	ctx := context.Background()
	root, mod := policyListAdmins(t, e)
	// Mastodon's export of allowed domains: one column, #domain.
	l := newListServer(t, "text/csv", "#domain\ncouncil-b.example\ncouncil-c.example\n")
	if err := e.SetFederationMode(ctx, 0, storage.FederationAllowlist); err != nil {
		t.Fatal(err)
	}
	// The list's own host must be allowed first, or it could not be read.
	host := l.Listener.Addr().String()
	_, _, err := e.SubscribeDomainList(ctx, root.ID, l.URL, storage.ListAllows, false)
	var inv *InvalidError
	if !errors.As(err, &inv) || !strings.Contains(inv.Msg, "allow-list mode") {
		t.Fatalf("subscribe to a list on a host not allowed: %v; want refused, saying why", err)
	}
	if _, err := e.AddDomainAllow(ctx, 0, host); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.SubscribeDomainList(ctx, mod.ID, l.URL, storage.ListAllows, false); !errors.Is(err, ErrDenied) {
		t.Fatalf("a moderator subscribed: %v", err)
	}
	s, r, err := e.SubscribeDomainList(ctx, root.ID, l.URL, storage.ListAllows, false)
	if err != nil || s.LastError != "" || s.Kind != storage.ListAllows {
		t.Fatalf("subscribe: %+v, %v", s, err)
	}
	if r.Drafted != 2 || r.Added != 0 || r.Format != ListCSV {
		t.Fatalf("first reading = %+v; want 2 drafts", r)
	}
	if federatesWith(e, "council-b.example") {
		t.Fatal("a draft of an allow is in force")
	}
	drafts, err := e.PolicyDrafts(ctx, root.ID, s.ID, storage.DraftPending)
	if err != nil || len(drafts) != 2 || drafts[0].Kind != storage.ListAllows {
		t.Fatalf("drafts = %+v, %v; want 2 of kind allows", drafts, err)
	}
	var b, c storage.PolicyDraft
	for _, d := range drafts {
		switch d.Domain {
		case "council-b.example":
			b = d
		case "council-c.example":
			c = d
		}
	}
	approved, err := e.ApprovePolicyDraft(ctx, root.ID, b.ID)
	if err != nil || approved.Kind != storage.ListAllows || approved.Allow.SubscriptionID != s.ID || approved.Domain() != "council-b.example" {
		t.Fatalf("approve = %+v, %v; want an allow of council-b.example from the list", approved, err)
	}
	if !federatesWith(e, "council-b.example") || !federatesWith(e, "social.council-b.example") {
		t.Fatal("an approved allow is not in force")
	}
	if _, err := e.DomainAllowNamed(ctx, "council-b.example"); err != nil {
		t.Fatalf("the allow is not listed: %v", err)
	}
	if _, err := e.RejectPolicyDraft(ctx, root.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	if federatesWith(e, "council-c.example") {
		t.Fatal("a rejected draft is in force")
	}
	// The list drops both: the draft goes, the approved allow stays (an
	// admin approved it; a list not trusted withdraws nothing).
	l.set("#domain\ncouncil-z.example\n")
	if _, r, err = e.RefreshPolicySubscription(ctx, root.ID, s.ID); err != nil || r.Drafted != 1 || r.Removed != 0 {
		t.Fatalf("refresh = %+v, %v; want 1 draft, nothing removed", r, err)
	}
	if !federatesWith(e, "council-b.example") {
		t.Fatal("an approved allow went with a list not trusted")
	}
	got := auditActionCounts(t, e)
	for action, n := range map[string]int{AuditDraftAllow: 3, AuditApproveAllow: 1, AuditRejectAllow: 1, AuditAllowDomain: 1} {
		if got[action] != n {
			t.Errorf("audit log has %d %s; want %d (all: %v)", got[action], action, n, got)
		}
	}
}

// A trusted list of allowed domains brings allows at once; when it drops
// an entry it withdraws its own allow, never one made by hand.
func TestPolicyAllowListTrusted(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	e := listEngine(t, &now)
	ctx := context.Background()
	if err := e.SetFederationMode(ctx, 0, storage.FederationAllowlist); err != nil {
		t.Fatal(err)
	}
	l := newListServer(t, "text/plain", "# the councils' trust list\ncouncil-b.example\nhand.example\n")
	for _, d := range []string{"hand.example", l.Listener.Addr().String()} {
		if _, err := e.AddDomainAllow(ctx, 0, d); err != nil {
			t.Fatal(err)
		}
	}
	s, r, err := e.SubscribeDomainList(ctx, 0, l.URL, storage.ListAllows, true)
	if err != nil || s.LastError != "" || r.Added != 1 || r.Drafted != 0 {
		t.Fatalf("subscribe = %+v %+v, %v; want council-b.example allowed at once", s, r, err)
	}
	if !federatesWith(e, "council-b.example") {
		t.Fatal("a trusted list's allow is not in force")
	}
	if a, err := e.DomainAllowNamed(ctx, "hand.example"); err != nil || a.SubscriptionID != 0 {
		t.Fatalf("the allow made by hand = %+v, %v; want it still the admins' own", a, err)
	}
	// JSON, as Mastodon's admin API lists allows: the list drops both and
	// adds one. Its own allow goes; the one made by hand stays.
	l.set(`[{"id":"1","domain":"council-d.example","created_at":"2026-01-01T00:00:00Z"}]`)
	_, r, err = e.RefreshPolicySubscription(ctx, 0, s.ID)
	if err != nil || r.Added != 1 || r.Removed != 1 || r.Format != ListJSON {
		t.Fatalf("refresh = %+v, %v; want 1 added, 1 removed", r, err)
	}
	if federatesWith(e, "council-b.example") {
		t.Fatal("the list dropped council-b.example but it is still allowed")
	}
	if !federatesWith(e, "hand.example") || !federatesWith(e, "council-d.example") {
		t.Fatal("an allow made by hand went with the list, or the new entry is not allowed")
	}
	// Unsubscribing keeps the list's allows, as if made by hand.
	if _, err := e.UnsubscribeDomainList(ctx, 0, s.ID); err != nil {
		t.Fatal(err)
	}
	if a, err := e.DomainAllowNamed(ctx, "council-d.example"); err != nil || a.SubscriptionID != 0 {
		t.Fatalf("after unsubscribing = %+v, %v; want the allow kept, of no list", a, err)
	}
	got := auditActionCounts(t, e)
	for action, n := range map[string]int{AuditListAllow: 2, AuditListDisallow: 1, AuditAllowDomain: 2} {
		if got[action] != n {
			t.Errorf("audit log has %d %s; want %d (all: %v)", got[action], action, n, got)
		}
	}
}

// A list's kind is blocks or allows; any other word is refused before
// anything is stored or read.
func TestPolicyListKind(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	e := listEngine(t, &now)
	ctx := context.Background()
	l := newListServer(t, "text/plain", "spam.example\n")
	for _, tt := range []struct {
		kind, want string
		invalid    bool
	}{
		{"", storage.ListBlocks, false},
		{"blocks", storage.ListBlocks, false},
		{"allows", storage.ListAllows, false},
		{"mutes", "", true},
		{"Allows", "", true},
	} {
		t.Run("kind "+tt.kind, func(t *testing.T) {
			got, err := ParseListKind(tt.kind)
			var inv *InvalidError
			if got != tt.want || tt.invalid != errors.As(err, &inv) {
				t.Errorf("ParseListKind(%q) = %q, %v; want %q (invalid %v)", tt.kind, got, err, tt.want, tt.invalid)
			}
		})
	}
	_, _, err := e.SubscribeDomainList(ctx, 0, l.URL, "mutes", false)
	var inv *InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("subscribe with kind mutes: %v; want an InvalidError", err)
	}
	if subs, _ := e.PolicySubscriptions(ctx, 0); len(subs) != 0 {
		t.Fatalf("subscriptions = %+v; want none", subs)
	}
	if req, _ := l.counts(); req != 0 {
		t.Fatalf("the list was read %d times; want never", req)
	}
	// A blocks list in allow-list mode: its host must be allowed too.
	if err := e.SetFederationMode(ctx, 0, storage.FederationAllowlist); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.SubscribeDomainList(ctx, 0, l.URL, storage.ListBlocks, false); !errors.As(err, &inv) {
		t.Fatalf("subscribe to a blocks list on a host not allowed: %v; want refused", err)
	}
}
