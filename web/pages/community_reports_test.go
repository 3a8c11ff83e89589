package pages_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestCommunityReportPages: a community's moderator finds a report about
// its content from the community's page, reads it with the post and a
// link to it in its thread, assigns it, notes it and resolves it with what
// was done, then reopens it; a member who does not moderate sees none of
// it and is refused.
func TestCommunityReportPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := testrig.StartOne(t, nil)
	mod, bob, cat := n.Member("mod", false), n.Member("bob", false), n.Member("cat", false)
	g := desk(t, n, mod, bob, cat)
	thread, err := n.Engine.Post(ctx, bob.ID, federation.Draft{Community: g.ID, Title: "Cheap watches", Text: "Buy them here"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := n.Engine.Report(ctx, cat, federation.NewReport{TargetID: bob.ID, StatusIDs: []storage.ID{thread.ID},
		Comment: "Spam, not practice", Category: storage.ReportSpam})
	if err != nil {
		t.Fatal(err)
	}

	mb := signedInBrowser(t, n, "mod")
	_, _, page := mb.Do(http.MethodGet, "/c/desk", nil)
	mustContain(t, "the community page, to its moderator", page, `href="/c/desk/reports">1 open report</a>`)
	_, _, page = mb.Do(http.MethodGet, "/c/desk/reports", nil)
	reportPath := "/c/desk/reports/" + rep.ID.String()
	mustContain(t, "the queue", page, `href="`+reportPath+`"`, "Bob (@bob@", "Cat (@cat@", "spam")
	_, page = formPage(t, mb, reportPath)
	mustContain(t, "the report", page, "Spam, not practice", "Buy them here",
		`href="/c/desk/threads/`+thread.ID.String()+`#post-`+thread.ID.String()+`"`, "Assign it to me", "Resolve the report")

	steps := []struct {
		act    string
		fields map[string]string
		want   string // on the report's page after
	}{
		{"assign", nil, "Unassign me"},
		{"note", map[string]string{"text": "Third one this week"}, "Third one this week"},
		{"resolve", map[string]string{"action": "removed", "reason": "Advert"}, "resolved: removed (Advert)"},
		{"reopen", nil, "Resolve the report"},
	}
	for _, s := range steps {
		f := testrig.Hidden(page)
		for k, v := range s.fields {
			f.Set(k, v)
		}
		code, loc, body := mb.Do(http.MethodPost, reportPath+"/"+s.act, f)
		if code != http.StatusSeeOther || loc != reportPath+"?done="+s.act {
			t.Fatalf("%s: %d to %q\n%s", s.act, code, loc, body)
		}
		_, _, page = mb.Do(http.MethodGet, loc, nil)
		mustContain(t, "the report after "+s.act, page, s.want, `role="status"`)
	}
	got, _, err := n.Engine.QueuedReport(ctx, mod, g.ID, rep.ID)
	if err != nil || got.State != storage.ReportOpen || got.AssigneeID != mod.ID {
		t.Errorf("report %+v (%v); want open again, assigned to mod", got, err)
	}

	bb := signedInBrowser(t, n, "bob")
	if _, _, page := bb.Do(http.MethodGet, "/c/desk", nil); strings.Contains(page, "/c/desk/reports") {
		t.Error("the community page shows its reports to someone who does not moderate it")
	}
	for _, path := range []string{"/c/desk/reports", reportPath} {
		if code, _, _ := bb.Do(http.MethodGet, path, nil); code != http.StatusForbidden && code != http.StatusNotFound {
			t.Errorf("GET %s as bob: %d; want refused", path, code)
		}
	}
	bobForm := testrig.Hidden(func() string { _, _, p := bb.Do(http.MethodGet, "/c/desk", nil); return p }())
	bobForm.Set("action", "none")
	if code, _, _ := bb.Do(http.MethodPost, reportPath+"/resolve", bobForm); code != http.StatusForbidden && code != http.StatusNotFound {
		t.Errorf("bob resolves the report: %d; want refused", code)
	}
}
