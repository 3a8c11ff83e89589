package federation

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// actionFixture is a node with an admin, a moderator, two members and a
// remote follower of one of them.
type actionFixture struct {
	e                       *Engine
	admin, mod, alice, carl storage.Account
	bob                     storage.Account // on mastodon.example, follows alice
}

func newActionFixture(t *testing.T) actionFixture {
	t.Helper()
	return newActionFixtureOn(t, testEngine(t))
}

func newActionFixtureOn(t *testing.T, e *Engine) actionFixture {
	t.Helper()
	ctx := context.Background()
	f := actionFixture{e: e, admin: member(t, e, "admin"), mod: member(t, e, "mod"), alice: member(t, e, "alice"), carl: member(t, e, "carl")}
	for name, role := range map[string]Permission{"admin": PermissionAdmin, "mod": PermissionModerator} {
		if err := e.SetPermission(ctx, name, role); err != nil {
			t.Fatal(err)
		}
	}
	f.bob = remotePerson(t, e, "bob", "mastodon.example")
	follows(t, e, f.bob, f.alice)
	return f
}

func auditActions(t *testing.T, e *Engine, f storage.AuditFilter) []string {
	t.Helper()
	entries, err := e.AuditLog(context.Background(), 0, f, storage.Page{Limit: 80})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(entries) - 1; i >= 0; i-- {
		out = append(out, entries[i].Action)
	}
	return out
}

func TestAccountActionPermissions(t *testing.T) {
	f := newActionFixture(t)
	ctx := context.Background()
	tests := []struct {
		name string
		do   func() error
		want error // nil, ErrDenied, or an *InvalidError (errInvalid)
	}{
		{"a member cannot act", func() error {
			return f.e.ActOnAccount(ctx, AccountAction{By: f.alice.ID, Target: f.carl.ID, Type: ActionSilence})
		}, ErrDenied},
		{"a moderator cannot act on an admin", func() error {
			return f.e.ActOnAccount(ctx, AccountAction{By: f.mod.ID, Target: f.admin.ID, Type: ActionNone})
		}, ErrDenied},
		{"nobody acts on themselves", func() error {
			return f.e.ActOnAccount(ctx, AccountAction{By: f.admin.ID, Target: f.admin.ID, Type: ActionNone})
		}, errInvalid},
		{"an unknown type", func() error {
			return f.e.ActOnAccount(ctx, AccountAction{By: f.mod.ID, Target: f.carl.ID, Type: "ban"})
		}, errInvalid},
		{"a moderator cannot change roles", func() error { return f.e.SetRoleOf(ctx, f.mod.ID, f.carl.ID, "moderator") }, ErrDenied},
		{"a moderator cannot approve sign-ups", func() error { _, err := f.e.ApproveAccount(ctx, f.mod.ID, f.carl.ID); return err }, ErrDenied},
		{"a member cannot read the audit log", func() error {
			_, err := f.e.AuditLog(ctx, f.alice.ID, storage.AuditFilter{}, storage.Page{})
			return err
		}, ErrDenied},
		{"a moderator reads the audit log", func() error {
			_, err := f.e.AuditLog(ctx, f.mod.ID, storage.AuditFilter{}, storage.Page{})
			return err
		}, nil},
		{"a moderator warns a member", func() error {
			return f.e.ActOnAccount(ctx, AccountAction{By: f.mod.ID, Target: f.carl.ID, Type: ActionNone, Text: "be kind"})
		}, nil},
		{"a moderator limits a remote account", func() error {
			return f.e.ActOnAccount(ctx, AccountAction{By: f.mod.ID, Target: f.bob.ID, Type: ActionSilence})
		}, nil},
		{"an admin changes a role", func() error { return f.e.SetRoleOf(ctx, f.admin.ID, f.carl.ID, "moderator") }, nil},
		{"an admin gives no unknown role", func() error { return f.e.SetRoleOf(ctx, f.admin.ID, f.carl.ID, "owner") }, errInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			var inv *InvalidError
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("err = %v; want none", err)
			case tt.want == errInvalid && !errors.As(err, &inv):
				t.Fatalf("err = %v; want an InvalidError", err)
			case tt.want == ErrDenied && !errors.Is(err, ErrDenied):
				t.Fatalf("err = %v; want ErrDenied", err)
			}
		})
	}
	// Only what was done is in the log, with who did it.
	got := auditActions(t, f.e, storage.AuditFilter{AccountID: f.mod.ID})
	if want := []string{AuditWarn, AuditLimit}; !equalStrings(got, want) {
		t.Errorf("the moderator's audit entries = %v; want %v", got, want)
	}
	if got := auditActions(t, f.e, storage.AuditFilter{AccountID: f.admin.ID}); !equalStrings(got, []string{AuditChangeRole}) {
		t.Errorf("the admin's audit entries = %v; want [change_role]", got)
	}
}

// errInvalid stands for "an *InvalidError" in the table above.
var errInvalid = errors.New("invalid")

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSuspendLocalRestoreAndPurge: a local suspension sends a Delete of
// the actor to the followers' nodes, tells the member why, and keeps
// everything for SuspensionRetention; unsuspending within it restores
// the account and sends an Update; after it the posts are purged.
func TestSuspendLocalRestoreAndPurge(t *testing.T) {
	f := newActionFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	f.e.store.Now = func() time.Time { return now }
	st, err := f.e.Post(ctx, f.alice.ID, Draft{Text: "hello", Visibility: activitypub.Public})
	if err != nil {
		t.Fatal(err)
	}
	sent(t, f.e, f.bob.SharedInbox)
	if err := f.e.ActOnAccount(ctx, AccountAction{By: f.mod.ID, Target: f.alice.ID, Type: ActionSuspend, Text: "spam"}); err != nil {
		t.Fatal(err)
	}
	acts := sent(t, f.e, f.bob.SharedInbox)
	if len(acts) != 1 || acts[0].Type != activitypub.TypeDelete || acts[0].Object.IRI != f.alice.URI {
		t.Fatalf("sent to the follower's node: %+v; want one Delete of %s", acts, f.alice.URI)
	}
	if _, err := f.e.SignIn(ctx, "alice", "correct horse battery"); !errors.Is(err, ErrLoginDisabled) {
		t.Errorf("SignIn while suspended: %v; want ErrLoginDisabled", err)
	}
	ws, err := f.e.AccountWarnings(ctx, f.alice.ID, f.alice.ID, 10)
	if err != nil || len(ws) != 1 || ws[0].Action != ActionSuspend || ws[0].Text != "spam" {
		t.Fatalf("warnings = %+v, %v; want the suspension's reason", ws, err)
	}
	ns, err := f.e.store.Notifications(ctx, f.alice.ID, storage.Page{})
	if err != nil || len(ns) == 0 || ns[0].Type != storage.NotifyModerationWarning || ns[0].ID != ws[0].ID {
		t.Fatalf("notifications = %+v, %v; want a moderation_warning with the warning's id", ns, err)
	}
	// Within the period nothing is purged; unsuspending restores it.
	now = now.Add(SuspensionRetention - time.Hour)
	if n, err := f.e.PurgeSuspended(ctx); err != nil || n != 0 {
		t.Fatalf("PurgeSuspended within the period = %d, %v", n, err)
	}
	if err := f.e.UndoAccountAction(ctx, f.mod.ID, f.alice.ID, UndoSuspend); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.store.StatusByID(ctx, st.ID); err != nil {
		t.Fatalf("the post after restoring: %v", err)
	}
	if a, _ := f.e.store.AccountByID(ctx, f.alice.ID); !a.SuspendedAt.IsZero() {
		t.Fatal("still suspended")
	}
	if acts := sent(t, f.e, f.bob.SharedInbox); len(acts) != 1 || acts[0].Type != activitypub.TypeUpdate {
		t.Fatalf("sent on restoring: %+v; want one Update", acts)
	}
	if _, err := f.e.SignIn(ctx, "alice", "correct horse battery"); err != nil {
		t.Errorf("SignIn after unsuspending: %v", err)
	}
	// Suspended again, and left past the period: the posts go.
	if err := f.e.ActOnAccount(ctx, AccountAction{By: f.mod.ID, Target: f.alice.ID, Type: ActionSuspend}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(SuspensionRetention + time.Minute)
	if n, err := f.e.PurgeSuspended(ctx); err != nil || n != 1 {
		t.Fatalf("PurgeSuspended after the period = %d, %v; want 1", n, err)
	}
	if _, err := f.e.store.StatusByID(ctx, st.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("the post after the purge: %v; want ErrNotFound", err)
	}
	if n, err := f.e.PurgeSuspended(ctx); err != nil || n != 0 {
		t.Fatalf("a second PurgeSuspended = %d, %v; want nothing left to do", n, err)
	}
	want := []string{AuditSuspend, AuditUnsuspend, AuditSuspend, AuditPurgeSuspended}
	if got := auditActions(t, f.e, storage.AuditFilter{TargetType: storage.AuditAccount, TargetID: f.alice.ID}); !equalStrings(got, want) {
		t.Errorf("audit = %v; want %v", got, want)
	}
}

func TestDisableSignIn(t *testing.T) {
	f := newActionFixture(t)
	ctx := context.Background()
	s, err := f.e.SignIn(ctx, "carl", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.e.ActOnAccount(ctx, AccountAction{By: f.mod.ID, Target: f.carl.ID, Type: ActionDisable, Text: "compromised"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.store.SessionByHash(ctx, storage.HashSecret(s.Secret), time.Now()); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the session after disabling: %v; want it ended", err)
	}
	if _, err := f.e.SignIn(ctx, "carl", "correct horse battery"); !errors.Is(err, ErrLoginDisabled) {
		t.Errorf("SignIn while disabled: %v; want ErrLoginDisabled", err)
	}
	if a, _ := f.e.store.AccountByID(ctx, f.carl.ID); !a.SuspendedAt.IsZero() {
		t.Error("disabling suspended the account; its posts must stay")
	}
	if err := f.e.UndoAccountAction(ctx, f.mod.ID, f.carl.ID, UndoDisable); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.SignIn(ctx, "carl", "correct horse battery"); err != nil {
		t.Errorf("SignIn after enable: %v", err)
	}
	// Undoing what is not done is no error, and not logged.
	if err := f.e.UndoAccountAction(ctx, f.mod.ID, f.carl.ID, UndoDisable); err != nil {
		t.Fatal(err)
	}
	if got, want := auditActions(t, f.e, storage.AuditFilter{TargetID: f.carl.ID}), []string{AuditDisable, AuditEnable}; !equalStrings(got, want) {
		t.Errorf("audit = %v; want %v", got, want)
	}
}

// TestReportQueueAudited: what moderators do in the node's report queue,
// and acting on an account with a report, reaches the audit log.
func TestReportQueueAudited(t *testing.T) {
	f := newActionFixture(t)
	ctx := context.Background()
	rep, err := f.e.Report(ctx, f.carl, NewReport{TargetID: f.bob.ID, Comment: "spam"})
	if err != nil {
		t.Fatal(err)
	}
	mod, _ := f.e.store.AccountByID(ctx, f.mod.ID)
	steps := []func() error{
		func() error { _, err := f.e.AssignReport(ctx, mod, 0, rep.ID, true); return err },
		func() error { _, err := f.e.NoteReport(ctx, mod, 0, rep.ID, "looking"); return err },
		func() error { _, err := f.e.ResolveReport(ctx, mod, 0, rep.ID, "none", "fine"); return err },
		func() error { _, err := f.e.ReopenReport(ctx, mod, 0, rep.ID); return err },
		func() error {
			return f.e.ActOnAccount(ctx, AccountAction{By: f.mod.ID, Target: f.bob.ID, Type: ActionSilence, ReportID: rep.ID})
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	want := []string{"report_assign", "report_note", "report_resolve", "report_reopen"}
	if got := auditActions(t, f.e, storage.AuditFilter{TargetType: storage.AuditReport, TargetID: rep.ID}); !equalStrings(got, want) {
		t.Errorf("report audit = %v; want %v", got, want)
	}
	got, _ := f.e.store.ReportByID(ctx, rep.ID)
	if got.State != storage.ReportResolved || got.Action != "limited" {
		t.Errorf("the report after the action: %s %q; want resolved, limited", got.State, got.Action)
	}
	if got := auditActions(t, f.e, storage.AuditFilter{TargetType: storage.AuditAccount, TargetID: f.bob.ID}); !equalStrings(got, []string{AuditLimit}) {
		t.Errorf("account audit = %v; want [limit]", got)
	}
}

// TestSensitiveMedia: marking an account's media sensitive marks its
// posts with media, old and new, and no others.
func TestSensitiveMedia(t *testing.T) {
	f := newActionFixtureOn(t, mediaEngine(t))
	ctx := context.Background()
	upload := func() storage.ID {
		t.Helper()
		m, err := f.e.UploadMedia(ctx, f.carl.ID, bytes.NewReader(encodePNG(t, halves(20, 20))), "", Focus{})
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	old, err := f.e.Post(ctx, f.carl.ID, Draft{Text: "old", MediaIDs: []storage.ID{upload()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.e.ActOnAccount(ctx, AccountAction{By: f.mod.ID, Target: f.carl.ID, Type: ActionSensitive}); err != nil {
		t.Fatal(err)
	}
	fresh, err := f.e.Post(ctx, f.carl.ID, Draft{Text: "new", MediaIDs: []storage.ID{upload()}})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := f.e.Post(ctx, f.carl.ID, Draft{Text: "no media"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		id   storage.ID
		want bool
	}{{"an older post with media", old.ID, true}, {"a new post with media", fresh.ID, true}, {"a post without media", plain.ID, false}} {
		st, err := f.e.store.StatusByID(ctx, tt.id)
		if err != nil || st.Sensitive != tt.want {
			t.Errorf("%s: sensitive = %v, %v; want %v", tt.name, st.Sensitive, err, tt.want)
		}
	}
}
