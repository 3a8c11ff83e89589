package federation

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// A Flag from a domain whose block says reject_reports is taken and
// dropped; from other domains it still makes a report.
func TestRejectReports(t *testing.T) {
	f := newReportFixture(t)
	ctx := context.Background()
	if _, err := f.e.AddDomainBlock(ctx, 0, storage.NodeDomainBlock{Domain: "lemmy.example", Severity: storage.SeverityNoop, RejectReports: true}); err != nil {
		t.Fatal(err)
	}
	remotePerson(t, f.e, "person", "social.lemmy.example") // a subdomain: covered
	remotePerson(t, f.e, "person", "mbin.example")
	for _, tt := range []struct {
		actor, id string
		kept      bool
	}{
		{"https://social.lemmy.example/users/person", "https://social.lemmy.example/f/1", false},
		{"https://mbin.example/users/person", "https://mbin.example/f/1", true},
	} {
		raw := `{"@context":"https://www.w3.org/ns/activitystreams","id":"` + tt.id + `","type":"Flag","actor":"` + tt.actor +
			`","content":"Rude","object":["` + f.dave.URI + `"]}`
		if err := applyRaw(t, f.e, raw); err != nil {
			t.Fatalf("%s: %v", tt.id, err)
		}
		_, err := f.e.store.ReportByURI(ctx, tt.id)
		if kept := err == nil; kept != tt.kept {
			t.Errorf("flag %s made a report: %v; want %v (err %v)", tt.id, kept, tt.kept, err)
		}
	}
}

func TestRejectMedia(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	if _, err := e.AddDomainBlock(ctx, 0, storage.NodeDomainBlock{Domain: "pics.example", Severity: storage.SeverityLimit, RejectMedia: true}); err != nil {
		t.Fatal(err)
	}
	atts := []storage.Attachment{{URL: "https://cdn.example/a.png", MediaType: "image/png"}}
	if got := e.mediaFrom("cdn.pics.example", atts); len(got) != 0 {
		t.Errorf("media of a reject_media domain kept: %+v", got)
	}
	if got := e.mediaFrom("other.example", atts); len(got) != 1 {
		t.Errorf("media of another domain dropped: %+v", got)
	}
	// An actor stored from there keeps no avatar or header.
	a, err := e.storeRemoteActor(ctx, activitypub.Actor{ID: "https://pics.example/users/p", Type: activitypub.TypePerson,
		PreferredUsername: "p", Inbox: "https://pics.example/users/p/inbox",
		Icon: &activitypub.Image{URL: "https://pics.example/a.png"}, Image: &activitypub.Image{URL: "https://pics.example/h.png"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.AvatarURL != "" || a.HeaderURL != "" {
		t.Errorf("avatar %q header %q stored for a reject_media domain", a.AvatarURL, a.HeaderURL)
	}
}

// Inbox requests signed on a suspended or unlisted host are refused from
// the header alone; others, and unsigned ones, go on to verification.
func TestRefuseSigner(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	if _, err := e.AddDomainBlock(ctx, 0, storage.NodeDomainBlock{Domain: "spam.example"}); err != nil {
		t.Fatal(err)
	}
	sig := func(keyID string) string {
		return `keyId="` + keyID + `",algorithm="rsa-sha256",headers="(request-target) host date",signature="AAAA"`
	}
	for _, tt := range []struct {
		name, header, value string
		refused             bool
	}{
		{"suspended", "Signature", sig("https://a.spam.example/users/x#main-key"), true},
		{"suspended, Authorization", "Authorization", "Signature " + sig("https://spam.example/actor#main-key"), true},
		{"other host", "Signature", sig("https://ok.example/users/x#main-key"), false},
		{"unsigned", "", "", false},
		{"malformed", "Signature", "nonsense", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/inbox", nil)
			if tt.header != "" {
				r.Header.Set(tt.header, tt.value)
			}
			err := e.RefuseSigner(r)
			if refused := errors.Is(err, ErrDenied); refused != tt.refused {
				t.Fatalf("RefuseSigner = %v; want refused %v", err, tt.refused)
			}
		})
	}
	if err := e.SetFederationMode(ctx, 0, storage.FederationAllowlist); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/inbox", nil)
	r.Header.Set("Signature", sig("https://ok.example/users/x#main-key"))
	if err := e.RefuseSigner(r); !errors.Is(err, ErrDenied) {
		t.Fatalf("allow-list mode let an unlisted host in: %v", err)
	}
}

// Moderators may not change federation policy; admins may.
func TestDomainPolicyNeedsAdmin(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()
	mod, root := member(t, e, "mod"), member(t, e, "root")
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.SetUserRole(ctx, mod.ID, storage.PermissionModerator); err != nil {
			return err
		}
		return tx.SetUserRole(ctx, root.ID, storage.PermissionAdmin)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.AddDomainBlock(ctx, mod.ID, storage.NodeDomainBlock{Domain: "x.example"}); !errors.Is(err, ErrDenied) {
		t.Fatalf("moderator blocked: %v", err)
	}
	if err := e.SetFederationMode(ctx, mod.ID, storage.FederationAllowlist); !errors.Is(err, ErrDenied) {
		t.Fatalf("moderator set the mode: %v", err)
	}
	b, err := e.AddDomainBlock(ctx, root.ID, storage.NodeDomainBlock{Domain: "x.example"})
	if err != nil || b.CreatedBy != root.ID || b.Severity != storage.SeveritySuspend {
		t.Fatalf("admin block = %+v, %v", b, err)
	}
	if _, err := e.RemoveDomainBlock(ctx, mod.ID, b.ID); !errors.Is(err, ErrDenied) {
		t.Fatalf("moderator unblocked: %v", err)
	}
	if e.Policy().Allows("x.example").Federate {
		t.Fatal("block not in force")
	}
}
