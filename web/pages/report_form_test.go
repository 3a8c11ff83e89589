package pages_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

// TestReportForm: a member reports a post of a community's thread from
// its page; the report reaches the community's queue and the node's, with
// the rules it breaks; the form says what to fix, and a member cannot
// report their own post.
func TestReportForm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := testrig.StartOne(t, func(c *node.Config) { c.Rules = []string{"Be kind", "No adverts"} })
	mod, bob, cat := n.Member("mod", false), n.Member("bob", false), n.Member("cat", false)
	g := desk(t, n, mod, bob, cat)
	thread, err := n.Engine.Post(ctx, bob.ID, federation.Draft{Community: g.ID, Title: "Cheap watches", Text: "Buy them here"})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := n.Engine.Post(ctx, cat.ID, federation.Draft{Community: g.ID, InReplyTo: thread.ID, Text: "Not here, please"})
	if err != nil {
		t.Fatal(err)
	}
	threadPath := "/c/desk/threads/" + thread.ID.String()
	reportPath := "/c/desk/posts/" + thread.ID.String() + "/report"

	cb := signedInBrowser(t, n, "cat")
	_, _, page := cb.Do(http.MethodGet, threadPath, nil)
	mustContain(t, "the thread page", page, `href="`+reportPath+`"`)
	if strings.Contains(page, "/posts/"+reply.ID.String()+"/report") {
		t.Error("the thread page offers cat to report her own reply")
	}
	form, page := formPage(t, cb, reportPath)
	mustContain(t, "the report form", page, "Buy them here", "It breaks the rules of", "No adverts")

	tests := []struct {
		name   string
		fields map[string][]string
		want   string
	}{
		{"rules not chosen", map[string][]string{"category": {"violation"}}, `href="#rule">Choose the rules the post breaks`},
		{"no reason", map[string][]string{"category": {"maybe"}}, `href="#category">Choose why you report the post`},
		{"long comment", map[string][]string{"category": {"spam"}, "comment": {strings.Repeat("c", 1001)}}, `href="#comment">Comment is longer than 1000 characters`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := testrig.Hidden(page)
			for k, v := range tt.fields {
				f[k] = v
			}
			code, _, body := cb.Do(http.MethodPost, reportPath, f)
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("%d; want 422\n%s", code, body)
			}
			mustContain(t, "the form shown again", body, tt.want)
		})
	}
	form.Set("category", "violation")
	form["rule"] = []string{"2"}
	form.Set("comment", "An advert")
	code, loc, body := cb.Do(http.MethodPost, reportPath, form)
	if code != http.StatusSeeOther || loc != reportPath+"?sent=1" {
		t.Fatalf("the report: %d to %q\n%s", code, loc, body)
	}
	_, _, page = cb.Do(http.MethodGet, loc, nil)
	mustContain(t, "the thanks", page, "Your report was sent", `href="`+threadPath+`#post-`+thread.ID.String()+`"`)
	for _, queue := range []storage.ID{g.ID, 0} {
		who := mod
		if queue == 0 {
			who = n.Member("boss", false)
			if err := n.Engine.SetPermission(ctx, "boss", federation.PermissionModerator); err != nil {
				t.Fatal(err)
			}
		}
		reps, err := n.Engine.Reports(ctx, who, queue, storage.ReportFilter{State: storage.ReportOpen}, storage.Page{Limit: 10})
		if err != nil || len(reps) != 1 || reps[0].Category != storage.ReportViolation || strings.Join(reps[0].RuleIDs, ",") != "2" ||
			reps[0].Comment != "An advert" || reps[0].ReporterID != cat.ID {
			t.Errorf("queue %d: %+v (%v); want cat's report, breaking rule 2", queue, reps, err)
		}
	}

	bb := signedInBrowser(t, n, "bob")
	own := testrig.Hidden(func() string { _, _, p := bb.Do(http.MethodGet, threadPath, nil); return p }())
	own.Set("category", "spam")
	if code, _, body := bb.Do(http.MethodPost, reportPath, own); code != http.StatusUnprocessableEntity || !strings.Contains(body, "You cannot report your own post") {
		t.Errorf("bob reports his own post: %d\n%s", code, body)
	}
}
