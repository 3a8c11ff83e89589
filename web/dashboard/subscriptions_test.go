package dashboard_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/copse-dev/copse/storage"
)

// TestAdminSubscribesToAllowList subscribes to a shared list of allowed
// domains from the web, in allow-list mode: the form offers the kind, the
// table and the drafts show it, and approving a draft allows the domain
// at once. A list on a host not allowed is refused, saying why.
func TestAdminSubscribesToAllowList(t *testing.T) {
	t.Parallel()
	n, _ := staff(t)
	ctx := context.Background()
	list := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		_, _ = w.Write([]byte("#domain\ncouncil-b.example\n"))
	}))
	t.Cleanup(list.Close)
	if err := n.Engine.SetFederationMode(ctx, 0, storage.FederationAllowlist); err != nil {
		t.Fatal(err)
	}
	b := signedIn(t, n, "root")
	page := b.page("/admin/domains")
	for _, want := range []string{`<input type="radio" id="list-kind-blocks" name="kind" value="blocks" checked>`,
		`<input type="radio" id="list-kind-allows" name="kind" value="allows">`} {
		if !strings.Contains(page, want) {
			t.Errorf("the subscribe form lacks %s:\n%s", want, page)
		}
	}
	form := url.Values{"url": {list.URL + "/allows.csv"}, "kind": {"allows"}}
	if code, _, page := b.post("/admin/domains/subscriptions", form); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "allow-list mode") {
		t.Fatalf("subscribe to a list on a host not allowed: %d; want 422 saying why:\n%s", code, page)
	}
	if _, err := n.Engine.AddDomainAllow(ctx, 0, strings.TrimPrefix(list.URL, "http://")); err != nil {
		t.Fatal(err)
	}
	if code, loc, page := b.post("/admin/domains/subscriptions", form); code != http.StatusSeeOther || loc != "/admin/domains?done=subscribed" {
		t.Fatalf("subscribe: %d %q:\n%s", code, loc, page)
	}
	page = b.page("/admin/domains")
	for _, want := range []string{"<td>" + list.URL + "/allows.csv</td><td>Allows</td>",
		"<td>council-b.example</td><td>Allow</td>", `<button type="submit">Allow<span class="visually-hidden"> council-b.example</span>`} {
		if !strings.Contains(page, want) {
			t.Errorf("domain policy page lacks %s:\n%s", want, page)
		}
	}
	if n.Engine.Policy().Allows("council-b.example").Federate {
		t.Fatal("a draft of an allow is in force before approval")
	}
	m := draftApprove.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no approve form on the page:\n%s", page)
	}
	if code, loc, page := b.post(m[1], nil); code != http.StatusSeeOther || loc != "/admin/domains?done=approved-allow" {
		t.Fatalf("approve: %d %q:\n%s", code, loc, page)
	}
	a, err := n.Engine.DomainAllowNamed(ctx, "council-b.example")
	if err != nil || a.SubscriptionID == 0 || !n.Engine.Policy().Allows("council-b.example").Federate {
		t.Fatalf("allow after approval: %+v %v; want council-b.example allowed, from the list", a, err)
	}
	if page := b.page("/admin/domains?done=approved-allow"); !strings.Contains(page, "The domain is now allowed, at once.") {
		t.Errorf("the page does not say the domain is allowed:\n%s", page)
	}
}
