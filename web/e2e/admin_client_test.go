package e2e

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// adminClientStatus is the HTTP status of a go-mastodon error, 0 if err
// is not an API error.
func adminClientStatus(err error) int {
	var apiErr *mastodon.APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}

// oauthAdminClient is a go-mastodon client the way an admin app gets
// one: it registers itself (for read and scopes), the member signs in and
// consents in the browser, and the app exchanges the code for a token.
func oauthAdminClient(t *testing.T, n *testrig.Node, login, scopes string) *mastodon.Client {
	t.Helper()
	ctx := context.Background()
	app, err := mastodon.RegisterApp(ctx, &mastodon.AppConfig{Server: n.URL, ClientName: "Moderation desk",
		RedirectURIs: testrig.Callback, Scopes: "read " + scopes, Website: "https://app.example"})
	if err != nil {
		t.Fatalf("register an app for %s: %v", scopes, err)
	}
	b := testrig.NewFormBrowser(t, n)
	consent := b.SignIn(testrig.AuthorizePath(testrig.App{ClientID: app.ClientID}, testrig.Callback, scopes, "s", ""), login)
	code := b.Approve(consent, "authorize").Query().Get("code")
	c := mastodon.NewClient(&mastodon.Config{Server: n.URL, ClientID: app.ClientID, ClientSecret: app.ClientSecret})
	if err := c.AuthenticateToken(ctx, code, testrig.Callback); err != nil {
		t.Fatalf("exchange the code for a token: %v", err)
	}
	return c
}

// TestAdminAPIThroughGoMastodon drives node A's Mastodon admin API for
// accounts and reports through go-mastodon (github.com/mattn/go-mastodon,
// a third-party client that admin tools use; it covers these two areas
// and not domain or email domain blocks): a member files a report from
// the client, a moderator lists and reads it, assigns, unassigns,
// resolves and reopens it; acts on the reported account (silence,
// sensitive, disable, suspend) and undoes each; a token without admin
// scopes, a member with them, and an app granted only the reports scopes
// (through OAuth, as an admin app asks for them) reading accounts, are
// refused.
func TestAdminAPIThroughGoMastodon(t *testing.T) {
	a := testrig.StartOne(t, nil)
	ctx := context.Background()
	ann, spam, mod := a.Member("ann", false), a.Member("spam", false), a.Member("mod", false)
	if err := a.Engine.SetPermission(ctx, "mod", federation.PermissionModerator); err != nil {
		t.Fatal(err)
	}
	st, err := a.Engine.Post(ctx, spam.ID, federation.Draft{Text: "Cheap watches, DM me"})
	if err != nil {
		t.Fatal(err)
	}
	client := func(token string) *mastodon.Client {
		return mastodon.NewClient(&mastodon.Config{Server: a.URL, AccessToken: token})
	}
	member := client(a.Token(ann))
	staff := client(a.Token(mod, "admin:read", "admin:write"))
	granular := oauthAdminClient(t, a, "mod", "admin:read:reports admin:write:reports")

	filed, err := member.Report(ctx, mastodon.ID(spam.ID.String()), []mastodon.ID{mastodon.ID(st.ID.String())}, "Advertising")
	if err != nil {
		t.Fatalf("member files a report: %v", err)
	}

	// Refusals: a member's token has no admin scope; a member holding
	// admin scopes is not staff; a reports-only token cannot read accounts.
	if _, err := member.GetAdminReports(ctx, nil); adminClientStatus(err) != http.StatusForbidden {
		t.Errorf("a member's token lists reports: %v; want 403", err)
	}
	if _, err := client(a.Token(ann, "admin:read")).GetAdminReports(ctx, nil); adminClientStatus(err) != http.StatusForbidden {
		t.Errorf("a member with admin:read lists reports: %v; want 403", err)
	}
	if _, err := granular.GetAdminAccounts(ctx, nil); adminClientStatus(err) != http.StatusForbidden {
		t.Errorf("an admin:read:reports token lists accounts: %v; want 403", err)
	}

	// Reports.
	reports, err := granular.GetAdminReports(ctx, nil)
	if err != nil {
		t.Fatalf("list reports: %v", err)
	}
	if len(reports) != 1 || string(reports[0].ID) != string(filed.ID) || reports[0].TargetAccount == nil ||
		reports[0].TargetAccount.Username != "spam" || reports[0].Account == nil || reports[0].Account.Username != "ann" ||
		reports[0].Comment != "Advertising" || reports[0].ActionTaken {
		t.Fatalf("reports = %+v; want ann's open report about spam", reports)
	}
	rep, err := staff.GetAdminReport(ctx, filed.ID)
	if err != nil || len(rep.Statuses) != 1 || string(rep.Statuses[0].ID) != st.ID.String() {
		t.Fatalf("get report: %+v, %v; want it with spam's post", rep, err)
	}
	rep, err = staff.AdminReportAssignToSelf(ctx, filed.ID)
	if err != nil || rep.AssignedAccount == nil || string(rep.AssignedAccount.ID) != mod.ID.String() {
		t.Fatalf("assign to self: %+v, %v", rep, err)
	}
	rep, err = staff.AdminReportUnassign(ctx, filed.ID)
	if err != nil || rep.AssignedAccount != nil {
		t.Fatalf("unassign: %+v, %v", rep, err)
	}
	rep, err = granular.AdminReportResolve(ctx, filed.ID)
	if err != nil || !rep.ActionTaken || rep.ActionTakenAt == nil {
		t.Fatalf("resolve: %+v, %v", rep, err)
	}
	if open, err := staff.GetAdminReports(ctx, nil); err != nil || len(open) != 0 {
		t.Errorf("open reports after resolving: %+v, %v; want none", open, err)
	}
	rep, err = staff.AdminReportReopen(ctx, filed.ID)
	if err != nil || rep.ActionTaken {
		t.Fatalf("reopen: %+v, %v", rep, err)
	}
	if open, err := staff.GetAdminReports(ctx, nil); err != nil || len(open) != 1 {
		t.Errorf("open reports after reopening: %+v, %v; want one", open, err)
	}

	// Accounts.
	accounts, err := staff.GetAdminAccounts(ctx, nil)
	if err != nil {
		t.Fatalf("list accounts: %v", err)
	}
	names := map[string]bool{}
	for _, acc := range accounts {
		names[acc.Username] = true
	}
	for _, want := range []string{"ann", "spam", "mod"} {
		if !names[want] {
			t.Errorf("admin accounts = %v; %s missing", names, want)
		}
	}
	target := mastodon.ID(spam.ID.String())
	got, err := staff.GetAdminAccount(ctx, target)
	if err != nil || got.Username != "spam" || got.Email == "" || got.Silenced || got.Suspended || got.Account == nil ||
		string(got.Account.ID) != spam.ID.String() {
		t.Fatalf("get account: %+v, %v", got, err)
	}
	for _, tt := range []struct {
		action string
		is     func(*mastodon.AdminAccount) bool
		undo   func(context.Context, mastodon.ID) (*mastodon.AdminAccount, error)
	}{
		{"silence", func(x *mastodon.AdminAccount) bool { return x.Silenced }, staff.AdminAccountUnsilence},
		{"disable", func(x *mastodon.AdminAccount) bool { return x.Disabled }, staff.AdminAccountEnable},
		{"suspend", func(x *mastodon.AdminAccount) bool { return x.Suspended }, staff.AdminAccountUnsuspend},
	} {
		if err := staff.AdminAccountPerformAction(ctx, target, &mastodon.AdminAccountAction{Type: tt.action,
			Text: "Advertising", ReportID: filed.ID}); err != nil {
			t.Errorf("%s: %v", tt.action, err)
			continue
		}
		if got, err := staff.GetAdminAccount(ctx, target); err != nil || !tt.is(got) {
			t.Errorf("after %s: %+v, %v", tt.action, got, err)
		}
		undone, err := tt.undo(ctx, target)
		if err != nil || tt.is(undone) {
			t.Errorf("undo %s: %+v, %v", tt.action, undone, err)
		}
	}
	if err := staff.AdminAccountPerformAction(ctx, target, &mastodon.AdminAccountAction{Type: "sensitive", Text: "Unmarked images"}); err != nil {
		t.Errorf("sensitive: %v", err)
	}
	standing, err := a.Engine.AccountStanding(ctx, spam.ID)
	if err != nil || standing.Moderation.SensitiveAt.IsZero() {
		t.Errorf("after sensitive: %+v, %v", standing.Moderation, err)
	}
	if _, err := staff.AdminAccountUnsensitive(ctx, target); err != nil {
		t.Errorf("unsensitive: %v", err)
	}
	standing, err = a.Engine.AccountStanding(ctx, spam.ID)
	if err != nil || !standing.Moderation.SensitiveAt.IsZero() {
		t.Errorf("after unsensitive: %+v, %v", standing.Moderation, err)
	}
	if _, err := staff.GetAdminAccount(ctx, "999999999"); adminClientStatus(err) != http.StatusNotFound {
		t.Errorf("get an unknown account: %v; want 404", err)
	}

	// Every account action is in the audit log, by the moderator.
	entries, err := a.Store.AuditLog(ctx, storage.AuditFilter{AccountID: mod.ID, TargetType: storage.AuditAccount}, storage.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 8 {
		t.Errorf("the moderator's account entries in the audit log = %+v; want 8 (4 actions, 4 undone)", entries)
	}
	for _, e := range entries {
		if e.TargetID != spam.ID {
			t.Errorf("audit entry %+v is not about spam", e)
		}
	}
}
