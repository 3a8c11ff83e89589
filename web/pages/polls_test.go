package pages_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/testrig"
)

// TestPollsOnPages: a thread that is a poll shows its answers on the
// thread page; a member signed in votes with the page's form and then
// sees the results with their answer marked, and is not offered the form
// again; the author and anyone not signed in see the results without a
// form; a vote with no answer, or a second one, is refused in words.
func TestPollsOnPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n, mod, bea, g := startDesk(t)
	st, err := n.Engine.Post(ctx, bea.ID, federation.Draft{Community: g.ID, Title: "Which catalogue?", Text: "Which one do you use?",
		Poll: &federation.PollDraft{Options: []string{"Koha", "Spydus", "Something else"}, ExpiresIn: 24 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	thread := "/c/desk/threads/" + st.ID.String()
	vote := "/c/desk/posts/" + st.ID.String() + "/vote"

	_, _, page := testrig.NewFormBrowser(t, n).Do(http.MethodGet, thread, nil)
	mustContain(t, "the thread page, to nobody signed in", page, "<li>Koha: 0% (0 votes)</li>", "0 people voted", "Ends <time")
	if strings.Contains(page, `action="`+vote+`"`) {
		t.Error("the vote form is offered to nobody signed in")
	}
	bb := signedInBrowser(t, n, "bea")
	if _, _, page := bb.Do(http.MethodGet, thread, nil); strings.Contains(page, `action="`+vote+`"`) {
		t.Error("the vote form is offered to the poll's author")
	}

	mb := signedInBrowser(t, n, "mod")
	form, page := formPage(t, mb, thread)
	mustContain(t, "the thread page, to a member", page, `action="`+vote+`"`, "A poll: choose one answer",
		`<input type="radio" id="poll-`+st.ID.String()+`-1" name="choice" value="1"><label for="poll-`+st.ID.String()+`-1">Spydus</label>`)
	if code, _, page := mb.Do(http.MethodPost, vote, url.Values{"csrf": form["csrf"]}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "Choose an answer") {
		t.Errorf("a vote with no answer: %d; want 422 asking for one\n%s", code, page)
	}
	code, loc, _ := mb.Do(http.MethodPost, vote, url.Values{"csrf": form["csrf"], "choice": {"1"}})
	if code != http.StatusSeeOther || loc != thread+"#post-"+st.ID.String() {
		t.Fatalf("the vote: %d to %q", code, loc)
	}
	_, _, page = mb.Do(http.MethodGet, thread, nil)
	mustContain(t, "the thread page after voting", page, "A poll: you have voted", "<li>Spydus: 100% (1 vote) <strong>(your answer)</strong></li>",
		"<li>Koha: 0% (0 votes)</li>", "1 person voted")
	if strings.Contains(page, `action="`+vote+`"`) {
		t.Error("the vote form is offered again after voting")
	}
	if code, _, page := mb.Do(http.MethodPost, vote, url.Values{"csrf": form["csrf"], "choice": {"0"}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "already voted") {
		t.Errorf("a second vote: %d; want 422 saying so\n%s", code, page)
	}
	if own, err := n.Store.OwnVotes(ctx, st.ID, mod.ID); err != nil || len(own) != 1 || own[0] != 1 {
		t.Errorf("mod's votes = %v, %v; want Spydus only", own, err)
	}
}

// TestPollFromPages: the thread form makes a poll: two answers at
// least, none repeated, no image beside them; the poll is open for the
// time chosen and takes several answers when ticked.
func TestPollFromPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n, _, _, _ := startDesk(t)
	bb := signedInBrowser(t, n, "bea")
	form, page := formPage(t, bb, "/c/desk/threads/new")
	mustContain(t, "the thread form", page, "<legend>Poll (optional)</legend>", `name="answer_4"`, `<option value="86400" selected>1 day</option>`)
	form.Set("title", "Sunday opening")
	form.Set("text", "Which Sundays should we open?")
	tests := []struct {
		name    string
		answers []string
		image   bool
		want    string
	}{
		{"one answer", []string{"", "Every Sunday"}, false, `href="#answer_1">Give at least two answers`},
		{"a repeated answer", []string{"First", "Last", "First"}, false, `href="#answer_3">Answer 3 repeats an answer above it`},
		{"an image too", []string{"First", "Last"}, true, `href="#image_1">A post with a poll cannot have images`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			for i, a := range tt.answers {
				f.Set("answer_"+string(rune('1'+i)), a)
			}
			var files []upload
			if tt.image {
				f.Set("alt_1", "A calendar")
				files = append(files, upload{field: "image_1", name: "cal.png", data: pagePNG(t)})
			}
			code, _, page := postMultipart(t, bb, "/c/desk/threads/new", f, files...)
			if code != http.StatusUnprocessableEntity || !strings.Contains(page, tt.want) {
				t.Errorf("%d; want 422 with %q\n%s", code, tt.want, page)
			}
		})
	}
	form.Set("answer_1", "First of the month")
	form.Set("answer_2", "Last of the month")
	form.Set("answer_3", "Every one")
	form.Set("poll_duration", "259200")
	form.Set("poll_multiple", "yes")
	code, loc, page := postMultipart(t, bb, "/c/desk/threads/new", form)
	if code != http.StatusSeeOther {
		t.Fatalf("the poll: %d\n%s", code, page)
	}
	st := statusAt(t, n, loc)
	p, err := n.Store.PollByStatus(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Options) != 3 || p.Options[2].Title != "Every one" || !p.Multiple ||
		p.ExpiresAt.Sub(st.CreatedAt).Round(time.Hour) != 72*time.Hour {
		t.Errorf("poll = %+v (posted %v); want three answers, several allowed, open three days", p, st.CreatedAt)
	}
	_, _, page = signedInBrowser(t, n, "mod").Do(http.MethodGet, loc, nil)
	mustContain(t, "the poll's thread page", page, "A poll: choose one answer or more", `type="checkbox" id="poll-`+st.ID.String()+`-2"`)
}
