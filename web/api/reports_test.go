package api_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/api"
	"github.com/copse-dev/copse/web/testrig"
)

type reportEntity struct {
	ID            string   `json:"id"`
	ActionTaken   bool     `json:"action_taken"`
	ActionTakenAt *string  `json:"action_taken_at"`
	Category      string   `json:"category"`
	Comment       string   `json:"comment"`
	Forwarded     bool     `json:"forwarded"`
	StatusIDs     []string `json:"status_ids"`
	RuleIDs       []string `json:"rule_ids"`
	TargetAccount struct {
		ID string `json:"id"`
	} `json:"target_account"`
	Error string `json:"error"`
}

func TestCreateReport(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	st, err := n.Engine.Post(context.Background(), bob.ID, federation.Draft{Text: "buy now"})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := n.Engine.Post(context.Background(), alice.ID, federation.Draft{Text: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	endpoint := n.URL + "/api/v1/reports"
	ta := n.Token(alice)
	tests := []struct {
		name  string
		token string
		body  any
		code  int
	}{
		{"no token", "", url.Values{"account_id": {bob.ID.String()}}, http.StatusUnauthorized},
		{"a read-only token", n.Token(alice, "read"), url.Values{"account_id": {bob.ID.String()}}, http.StatusForbidden},
		{"no account", ta, url.Values{"comment": {"x"}}, http.StatusUnprocessableEntity},
		{"an unknown account", ta, url.Values{"account_id": {"99999"}}, http.StatusNotFound},
		{"oneself", ta, url.Values{"account_id": {alice.ID.String()}}, http.StatusUnprocessableEntity},
		{"a status of someone else", ta, url.Values{"account_id": {bob.ID.String()}, "status_ids[]": {mine.ID.String()}}, http.StatusUnprocessableEntity},
		{"a status id that is no id", ta, url.Values{"account_id": {bob.ID.String()}, "status_ids[]": {"x"}}, http.StatusUnprocessableEntity},
		{"an unknown category", ta, url.Values{"account_id": {bob.ID.String()}, "category": {"rude"}}, http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got reportEntity
			if code, _, raw := call(t, "POST", endpoint, tt.token, tt.body, &got); code != tt.code || got.Error == "" {
				t.Errorf("answer %d %s; want %d with an error", code, raw, tt.code)
			}
		})
	}
	var got reportEntity
	code, _, raw := call(t, "POST", endpoint, ta, map[string]any{"account_id": bob.ID.String(), "status_ids": []string{st.ID.String()},
		"comment": "Spam links", "category": "violation", "rule_ids": []string{"2"}, "forward": false}, &got)
	if code != http.StatusOK || got.ID == "" || got.ActionTaken || got.ActionTakenAt != nil || got.Category != "violation" ||
		got.Comment != "Spam links" || got.Forwarded || len(got.StatusIDs) != 1 || got.StatusIDs[0] != st.ID.String() ||
		len(got.RuleIDs) != 1 || got.TargetAccount.ID != bob.ID.String() {
		t.Fatalf("report = %d %s", code, raw)
	}
}

type adminReportEntity struct {
	ID          string `json:"id"`
	ActionTaken bool   `json:"action_taken"`
	State       string `json:"state"`
	Comment     string `json:"comment"`
	Account     *struct {
		ID string `json:"id"`
	} `json:"account"`
	TargetAccount struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Account  struct {
			Acct string `json:"acct"`
		} `json:"account"`
	} `json:"target_account"`
	AssignedAccount *struct {
		ID string `json:"id"`
	} `json:"assigned_account"`
	Statuses []struct {
		ID string `json:"id"`
	} `json:"statuses"`
	Action       string `json:"action"`
	ActionReason string `json:"action_reason"`
	Log          []struct {
		Action string `json:"action"`
		Text   string `json:"text"`
	} `json:"log"`
	Error string `json:"error"`
}

func TestAdminReports(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob, mod := n.Member("alice", false), n.Member("bob", false), n.Member("mod", false)
	if err := n.Store.InTx(ctx, func(tx *storage.Tx) error { return tx.SetUserRole(ctx, mod.ID, storage.PermissionModerator) }); err != nil {
		t.Fatal(err)
	}
	st, err := n.Engine.Post(ctx, bob.ID, federation.Draft{Text: "buy now"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := n.Engine.Report(ctx, alice, federation.NewReport{TargetID: bob.ID, StatusIDs: []storage.ID{st.ID}, Comment: "Spam"})
	if err != nil {
		t.Fatal(err)
	}
	base := n.URL + "/api/v1/admin/reports"
	tm := n.Token(mod, "admin:read", "admin:write")

	// The moderator was told, as Mastodon tells its staff: an
	// admin.report notification carrying the report.
	var notes []struct {
		Type    string      `json:"type"`
		Account api.Account `json:"account"`
		Report  *api.Report `json:"report"`
	}
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/notifications", n.Token(mod, "read:notifications"), url.Values{"types[]": {"admin.report"}}, &notes); code != http.StatusOK ||
		len(notes) != 1 || notes[0].Account.ID != alice.ID.String() || notes[0].Report == nil || notes[0].Report.ID != rep.ID.String() ||
		notes[0].Report.TargetAccount.ID != bob.ID.String() || notes[0].Report.Comment != "Spam" {
		t.Errorf("the moderator's admin.report notifications = %d %s", code, raw)
	}
	for _, tt := range []struct {
		name   string
		method string
		path   string
		token  string
		code   int
	}{
		{"list by a member", "GET", "", n.Token(alice, "admin:read"), http.StatusForbidden},
		{"list without the admin scope", "GET", "", n.Token(mod), http.StatusForbidden},
		{"resolve by a member", "POST", "/" + rep.ID.String() + "/resolve", n.Token(alice, "admin:write"), http.StatusForbidden},
		{"resolve with a read scope", "POST", "/" + rep.ID.String() + "/resolve", n.Token(mod, "admin:read"), http.StatusForbidden},
		{"an unknown report", "GET", "/12345", tm, http.StatusNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var e adminReportEntity
			if code, _, raw := call(t, tt.method, base+tt.path, tt.token, nil, &e); code != tt.code || e.Error == "" {
				t.Errorf("answer %d %s; want %d", code, raw, tt.code)
			}
		})
	}
	var list []adminReportEntity
	if code, _, raw := call(t, "GET", base, tm, nil, &list); code != http.StatusOK || len(list) != 1 || list[0].ID != rep.ID.String() ||
		list[0].TargetAccount.ID != bob.ID.String() || list[0].Account == nil || list[0].Account.ID != alice.ID.String() ||
		len(list[0].Statuses) != 1 || list[0].Comment != "Spam" {
		t.Fatalf("list = %d %s", code, raw)
	}
	var e adminReportEntity
	if code, _, raw := call(t, "POST", base+"/"+rep.ID.String()+"/assign_to_self", tm, nil, &e); code != http.StatusOK ||
		e.AssignedAccount == nil || e.AssignedAccount.ID != mod.ID.String() {
		t.Fatalf("assign = %d %s", code, raw)
	}
	if code, _, raw := call(t, "POST", base+"/"+rep.ID.String()+"/notes", tm, url.Values{"content": {"Asked bob"}}, &e); code != http.StatusOK {
		t.Fatalf("note = %d %s", code, raw)
	}
	if code, _, raw := call(t, "POST", base+"/"+rep.ID.String()+"/resolve", tm, url.Values{"action": {"warned"}, "reason": {"First time"}}, &e); code != http.StatusOK ||
		!e.ActionTaken || e.State != "resolved" || e.Action != "warned" || e.ActionReason != "First time" {
		t.Fatalf("resolve = %d %s", code, raw)
	}
	list = nil
	if call(t, "GET", base, tm, nil, &list); len(list) != 0 {
		t.Errorf("open reports after resolving = %+v", list)
	}
	if call(t, "GET", base, tm, url.Values{"resolved": {"true"}}, &list); len(list) != 1 {
		t.Errorf("resolved reports = %+v", list)
	}
	if code, _, raw := call(t, "POST", base+"/"+rep.ID.String()+"/reopen", tm, nil, &e); code != http.StatusOK || e.ActionTaken || e.State != "open" {
		t.Fatalf("reopen = %d %s", code, raw)
	}
	if code, _, raw := call(t, "POST", base+"/"+rep.ID.String()+"/unassign", tm, nil, &e); code != http.StatusOK || e.AssignedAccount != nil {
		t.Fatalf("unassign = %d %s", code, raw)
	}
	if code, _, raw := call(t, "GET", base+"/"+rep.ID.String(), tm, nil, &e); code != http.StatusOK || len(e.Log) != 5 ||
		e.Log[1].Action != "note" || e.Log[1].Text != "Asked bob" {
		t.Errorf("report with its log = %d %s", code, raw)
	}
}
