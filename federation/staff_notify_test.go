package federation

import (
	"context"
	"slices"
	"testing"

	"github.com/copse-dev/copse/federation/mailtest"
	"github.com/copse-dev/copse/storage"
)

// staffNotified lists who got a notification of typ, and the report each
// names.
func staffNotified(t *testing.T, e *Engine, typ string, accounts ...storage.Account) map[string][]storage.ID {
	t.Helper()
	out := map[string][]storage.ID{}
	for _, a := range accounts {
		ns, err := e.store.Notifications(context.Background(), a.ID, storage.Page{Limit: 40})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if n.Type == typ {
				out[a.Username] = append(out[a.Username], n.ReportID)
			}
		}
	}
	return out
}

// TestReportNotifiesModerators: a new report reaches, as admin.report,
// the node's moderators and admins (for the node's queue) and the
// members here who moderate the community it is about, once each; not
// other members, nor the reporter.
func TestReportNotifiesModerators(t *testing.T) {
	f := newReportFixture(t)
	ctx := context.Background()
	mona := member(t, f.e, "mona")
	ada := member(t, f.e, "ada")
	for name, p := range map[string]Permission{"mona": PermissionModerator, "ada": PermissionAdmin, "alice": PermissionModerator} {
		if err := f.e.SetPermission(ctx, name, p); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		nr   NewReport
		want []string // who is told
	}{
		{"about a post in the community", NewReport{TargetID: f.bob.ID, StatusIDs: []storage.ID{f.post.ID}},
			[]string{"ada", "alice", "mona"}},
		{"about an account only", NewReport{TargetID: f.erin.ID}, []string{"ada", "alice", "mona"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := staffNotified(t, f.e, NotifyAdminReport, f.alice, f.dave, mona, ada)
			rep, err := f.e.Report(ctx, f.dave, tt.nr)
			if err != nil {
				t.Fatal(err)
			}
			after := staffNotified(t, f.e, NotifyAdminReport, f.alice, f.dave, mona, ada)
			var got []string
			for who, reps := range after {
				if len(reps) == len(before[who])+1 && reps[0] == rep.ID {
					got = append(got, who)
				} else if len(reps) != len(before[who]) {
					t.Errorf("%s got %d new notifications", who, len(reps)-len(before[who]))
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("told %v; want %v", got, tt.want)
			}
		})
	}

	// A community moderator who is no staff of the node hears of reports
	// about the community's content, not of the node's others.
	if err := f.e.SetPermission(ctx, "alice", PermissionMember); err != nil {
		t.Fatal(err)
	}
	before := len(staffNotified(t, f.e, NotifyAdminReport, f.alice)["alice"])
	if _, err := f.e.Report(ctx, f.dave, NewReport{TargetID: f.erin.ID}); err != nil {
		t.Fatal(err)
	}
	if n := len(staffNotified(t, f.e, NotifyAdminReport, f.alice)["alice"]); n != before {
		t.Errorf("a community moderator was told of a report outside her community")
	}
	if _, err := f.e.Report(ctx, f.dave, NewReport{TargetID: f.bob.ID, StatusIDs: []storage.ID{f.post.ID}}); err != nil {
		t.Fatal(err)
	}
	if n := len(staffNotified(t, f.e, NotifyAdminReport, f.alice)["alice"]); n != before+1 {
		t.Errorf("the community's moderator was not told of a report about its content")
	}

	// A Flag received from another node tells them too.
	raw := `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://lemmy.example/activities/flag/9","type":"Flag",
		"actor":"` + f.bob.URI + `","to":["` + f.g.URI + `"],"object":"` + f.post.URI + `","summary":"Off topic"}`
	if err := applyRaw(t, f.e, raw); err != nil {
		t.Fatal(err)
	}
	rep, err := f.e.store.ReportByURI(ctx, "https://lemmy.example/activities/flag/9")
	if err != nil {
		t.Fatal(err)
	}
	if got := staffNotified(t, f.e, NotifyAdminReport, mona)["mona"]; len(got) == 0 || got[0] != rep.ID {
		t.Errorf("mona's admin.report notifications name %v; want the received Flag's report %d first", got, rep.ID)
	}
}

// TestSignUpNotifiesAdmins: an admin hears of a member who joined (with
// an invitation at once, by email once confirmed); moderators, who do
// not manage registrations, do not.
func TestSignUpNotifiesAdmins(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := mailtest.Start(t)
	e := joiningEngine(t, Registration{Mode: RegistrationsOpen, Domains: []string{"council-a.example"}}, srv)
	ada, err := e.CreateMember(ctx, NewMember{Username: "ada", Email: "ada@council-a.example", Password: authPassword, Permission: storage.PermissionAdmin})
	if err != nil {
		t.Fatal(err)
	}
	mona, err := e.CreateMember(ctx, NewMember{Username: "mona", Email: "mona@council-a.example", Password: authPassword, Permission: storage.PermissionModerator})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.SignUp(ctx, SignUp{Username: "ann", Email: "ann@council-a.example", Password: authPassword}); err != nil {
		t.Fatal(err)
	}
	if got := staffNotified(t, e, NotifyAdminSignUp, ada, mona); len(got) != 0 {
		t.Errorf("told %v before the address was confirmed; want nobody", got)
	}
	if _, err := e.ConfirmEmail(ctx, tokenOf(t, srv.Wait(t, 1), "https://council-a.example/auth/confirm?token=")); err != nil {
		t.Fatal(err)
	}
	inv, err := e.CreateInvite(ctx, NewInvite{By: ada.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.SignUp(ctx, SignUp{Username: "ivy", Email: "ivy@elsewhere.example", Password: authPassword, InviteCode: inv.Code}); err != nil {
		t.Fatal(err)
	}
	got := staffNotified(t, e, NotifyAdminSignUp, ada, mona)
	if len(got["ada"]) != 2 || len(got["mona"]) != 0 {
		t.Errorf("admin.sign_up: %v; want two for ada, none for mona", got)
	}
}
