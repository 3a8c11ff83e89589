package e2e

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

type auditEntry struct {
	Action     string            `json:"action"`
	TargetType string            `json:"target_type"`
	TargetID   string            `json:"target_id"`
	Details    map[string]string `json:"details"`
	Actor      *struct {
		ID string `json:"id"`
	} `json:"actor"`
}

type timelineStatus struct {
	URI string `json:"uri"`
}

func timelineHas(t *testing.T, url, token, uri string) bool {
	t.Helper()
	var sts []timelineStatus
	if code := getJSON(t, url, token, &sts); code != http.StatusOK {
		t.Fatalf("GET %s: %d", url, code)
	}
	for _, s := range sts {
		if s.URI == uri {
			return true
		}
	}
	return false
}

// TestAccountActions drives the admin API of node A: a limited member's
// posts stay off A's public timelines (for strangers and anonymously)
// but reach their followers on A and on B; a suspended member's Delete
// reaches their followers' node B, and restoring them within the
// retention period brings their posts back; a moderator cannot change a
// role; every action is in A's audit log.
func TestAccountActions(t *testing.T) {
	nodes := testrig.Start(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	lena, sam, ann, amy := a.Member("lena", false), a.Member("sam", false), a.Member("ann", false), a.Member("amy", false)
	mod, root := a.Member("mod", false), a.Member("root", false)
	if err := a.Engine.SetPermission(ctx, "mod", federation.PermissionModerator); err != nil {
		t.Fatal(err)
	}
	if err := a.Engine.SetPermission(ctx, "root", federation.PermissionAdmin); err != nil {
		t.Fatal(err)
	}
	bea := b.Member("bea", false)
	for _, target := range []storage.Account{lena, sam} {
		onB := b.Resolve(target.URI)
		if err := b.Engine.Follow(ctx, bea.ID, onB.ID, federation.FollowOptions{}); err != nil {
			t.Fatal(err)
		}
		// B takes a post of theirs for bea's home only once it has the
		// Accept: a post that overtakes it reaches nobody there.
		joined(t, b, bea, onB)
	}
	if err := a.Engine.Follow(ctx, ann.ID, lena.ID, federation.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "bea's follows are accepted on A", func() bool {
		inboxes, err := a.Store.FollowerInboxes(ctx, sam.ID)
		inboxes2, err2 := a.Store.FollowerInboxes(ctx, lena.ID)
		return err == nil && err2 == nil && len(inboxes) == 1 && len(inboxes2) == 1
	})
	admin := a.URL + "/api/v1/admin/accounts/"
	tm := a.Token(mod, "admin:read", "admin:write")
	ta := a.Token(root, "admin:read", "admin:write")

	// A moderator cannot change a role; an admin can.
	if code, body := communityCall(t, http.MethodPost, admin+amy.ID.String()+"/role", tm, map[string]string{"role": "moderator"}); code != http.StatusForbidden {
		t.Errorf("a moderator changes a role: %d %s; want 403", code, body)
	}
	if code, body := communityCall(t, http.MethodPost, admin+amy.ID.String()+"/role", ta, map[string]string{"role": "moderator"}); code != http.StatusOK {
		t.Errorf("an admin changes a role: %d %s", code, body)
	}
	if err := a.Engine.SetPermission(ctx, "amy", federation.PermissionMember); err != nil {
		t.Fatal(err)
	}

	// Limit lena; her new post reaches followers only.
	if code, body := communityCall(t, http.MethodPost, admin+lena.ID.String()+"/action", tm,
		map[string]string{"type": "silence", "text": "Repeated off-topic promotion"}); code != http.StatusOK {
		t.Fatalf("limit lena: %d %s", code, body)
	}
	st, err := a.Engine.Post(ctx, lena.ID, federation.Draft{Text: "Our new opening hours"})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "lena's post reaches bea on B", func() bool { return b.HomeHas(bea.ID, st.URI) })
	if !a.HomeHas(ann.ID, st.URI) {
		t.Error("lena's follower ann on A lacks her post")
	}
	public := a.URL + "/api/v1/timelines/public"
	for _, tt := range []struct {
		name, url, token string
		want             bool
	}{
		{"anonymous, public timeline", public, "", false},
		{"anonymous, local timeline", public + "?local=true", "", false},
		{"a stranger, public timeline", public, a.Token(amy), false},
		{"a follower, public timeline", public, a.Token(ann), true},
	} {
		if got := timelineHas(t, tt.url, tt.token, st.URI); got != tt.want {
			t.Errorf("%s: has lena's post = %v; want %v", tt.name, got, tt.want)
		}
	}
	// lena is told why.
	var notes []struct {
		Type              string `json:"type"`
		ModerationWarning *struct {
			Action string `json:"action"`
			Text   string `json:"text"`
		} `json:"moderation_warning"`
	}
	if code := getJSON(t, a.URL+"/api/v1/notifications", a.Token(lena), &notes); code != http.StatusOK || len(notes) == 0 ||
		notes[0].ModerationWarning == nil || notes[0].ModerationWarning.Action != "silence" ||
		notes[0].ModerationWarning.Text != "Repeated off-topic promotion" {
		t.Errorf("lena's notifications: %d %+v", code, notes)
	}
	if code, body := communityCall(t, http.MethodPost, admin+lena.ID.String()+"/unsilence", tm, nil); code != http.StatusOK {
		t.Fatalf("unsilence: %d %s", code, body)
	}
	if !timelineHas(t, public, "", st.URI) {
		t.Error("after unsilence, lena's post is not on the public timeline")
	}

	// Suspend sam: his Delete reaches B, which forgets him.
	samPost, err := a.Engine.Post(ctx, sam.ID, federation.Draft{Text: "Minutes of the meeting"})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, communityWait, "sam's post reaches B", func() bool { return b.HomeHas(bea.ID, samPost.URI) })
	if code, body := communityCall(t, http.MethodPost, admin+sam.ID.String()+"/action", tm,
		map[string]string{"type": "suspend", "text": "Impersonation"}); code != http.StatusOK {
		t.Fatalf("suspend sam: %d %s", code, body)
	}
	testrig.Eventually(t, communityWait, "sam's Delete reaches B", func() bool {
		_, err := b.Store.AccountByURI(ctx, sam.URI)
		return errors.Is(err, storage.ErrNotFound)
	})
	if timelineHas(t, public, "", samPost.URI) {
		t.Error("a suspended member's post is on the public timeline")
	}
	// Restored within the period: everything is back on A.
	a.Clock.Advance(federation.SuspensionRetention / 2)
	if code, body := communityCall(t, http.MethodPost, admin+sam.ID.String()+"/unsuspend", tm, nil); code != http.StatusOK ||
		!strings.Contains(string(body), `"suspended":false`) {
		t.Fatalf("unsuspend sam: %d %s", code, body)
	}
	if !timelineHas(t, public, "", samPost.URI) {
		t.Error("after unsuspending, sam's post is not back")
	}
	if n, err := a.Engine.PurgeSuspended(ctx); err != nil || n != 0 {
		t.Errorf("PurgeSuspended after the restore = %d, %v; want nothing purged", n, err)
	}

	// Every action is in the audit log, in order, with who did it.
	var log []auditEntry
	if code := getJSON(t, a.URL+"/api/copse/v1/admin/audit?limit=80", tm, &log); code != http.StatusOK {
		t.Fatalf("audit log: %d", code)
	}
	var got []string
	for i := len(log) - 1; i >= 0; i-- {
		e := log[i]
		if e.Actor == nil || e.TargetType != storage.AuditAccount {
			continue // the command line's role changes in the set-up
		}
		got = append(got, e.Actor.ID+" "+e.Action+" "+e.TargetID)
	}
	want := []string{
		root.ID.String() + " change_role " + amy.ID.String(),
		mod.ID.String() + " limit " + lena.ID.String(),
		mod.ID.String() + " unlimit " + lena.ID.String(),
		mod.ID.String() + " suspend " + sam.ID.String(),
		mod.ID.String() + " unsuspend " + sam.ID.String(),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if code := getJSON(t, a.URL+"/api/copse/v1/admin/audit", a.Token(amy, "admin:read"), &log); code != http.StatusForbidden {
		t.Errorf("a member reads the audit log: %d; want 403", code)
	}
}
