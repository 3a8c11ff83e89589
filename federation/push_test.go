package federation

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig/testkit"
)

// pushEngine is an engine that talks plain http to loopback, as in tests.
func pushEngine(t *testing.T) *Engine {
	t.Helper()
	return loopbackEngine(t, Options{URLs: URLs{Base: "http://127.0.0.1:1"}})
}

// appKeys are an app's push keys, as it would send them.
func appKeys(t *testing.T) (p256dh, auth string) {
	t.Helper()
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 16)
	rand.Read(secret)
	return base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()), base64.RawURLEncoding.EncodeToString(secret)
}

// pushTokenOf issues a token for account.
func pushTokenOf(t *testing.T, e *Engine, account storage.Account) storage.Token {
	t.Helper()
	ctx := context.Background()
	var tok storage.Token
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		app := storage.App{Name: "app", RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"}, Scopes: []string{"push"},
			ClientID: rand.Text(), ClientSecretHash: "x"}
		if err := tx.InsertApp(ctx, &app); err != nil {
			return err
		}
		tok = storage.Token{AccessHash: storage.HashSecret(rand.Text()), AppID: app.ID, AccountID: account.ID, Scopes: []string{"push"}}
		return tx.InsertToken(ctx, &tok)
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestSubscribePushValidates(t *testing.T) {
	t.Parallel()
	p256dh, auth := appKeys(t)
	std := strings.NewReplacer("-", "+", "_", "/").Replace
	offCurve, _ := base64.RawURLEncoding.DecodeString(p256dh)
	offCurve[64] ^= 1
	compressed, _ := base64.RawURLEncoding.DecodeString(p256dh)
	compressed = append([]byte{2 + compressed[64]&1}, compressed[1:33]...)
	valid := PushRequest{Endpoint: "https://push.example/send/abc", P256dh: p256dh, Auth: auth}
	tests := []struct {
		name    string
		plain   bool // the engine talks plain http (tests, demos)
		tweak   func(r *PushRequest)
		wantErr string
	}{
		{"valid", false, func(r *PushRequest) {}, ""},
		{"keys padded", false, func(r *PushRequest) { r.P256dh += "="; r.Auth += "==" }, ""},
		{"keys in the standard alphabet", false, func(r *PushRequest) { r.P256dh, r.Auth = std(r.P256dh), std(r.Auth) }, ""},
		{"policy", false, func(r *PushRequest) { r.Policy = "follower" }, ""},
		{"unknown policy", false, func(r *PushRequest) { r.Policy = "friends" }, "Policy"},
		{"no endpoint", false, func(r *PushRequest) { r.Endpoint = "" }, "Endpoint can't be blank"},
		{"relative endpoint", false, func(r *PushRequest) { r.Endpoint = "/send/abc" }, "Endpoint is invalid"},
		{"http endpoint", false, func(r *PushRequest) { r.Endpoint = "http://push.example/send" }, "Endpoint is invalid"},
		{"http endpoint, plain engine", true, func(r *PushRequest) { r.Endpoint = "http://127.0.0.1:9/send" }, ""},
		{"ftp endpoint, plain engine", true, func(r *PushRequest) { r.Endpoint = "ftp://push.example/send" }, "Endpoint is invalid"},
		{"endpoint with credentials", false, func(r *PushRequest) { r.Endpoint = "https://u:p@push.example/" }, "Endpoint is invalid"},
		{"endpoint too long", false, func(r *PushRequest) { r.Endpoint += strings.Repeat("a", maxPushEndpoint) }, "Endpoint is invalid"},
		{"no p256dh", false, func(r *PushRequest) { r.P256dh = "" }, "Key p256dh can't be blank"},
		{"p256dh not base64", false, func(r *PushRequest) { r.P256dh = "not base64!" }, "Key p256dh is invalid"},
		{"p256dh off the curve", false, func(r *PushRequest) { r.P256dh = base64.RawURLEncoding.EncodeToString(offCurve) }, "Key p256dh is invalid"},
		{"p256dh compressed", false, func(r *PushRequest) { r.P256dh = base64.RawURLEncoding.EncodeToString(compressed) }, "Key p256dh is invalid"},
		{"no auth", false, func(r *PushRequest) { r.Auth = "" }, "Key auth can't be blank"},
		{"auth too short", false, func(r *PushRequest) { r.Auth = base64.RawURLEncoding.EncodeToString(make([]byte, 15)) }, "Key auth is invalid"},
		{"auth too long", false, func(r *PushRequest) { r.Auth = base64.RawURLEncoding.EncodeToString(make([]byte, 17)) }, "Key auth is invalid"},
	}
	secure, loopback := testEngine(t), pushEngine(t)
	tokens := map[*Engine]storage.Token{secure: pushTokenOf(t, secure, member(t, secure, "alice")),
		loopback: pushTokenOf(t, loopback, member(t, loopback, "alice"))}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := secure
			if tt.plain {
				e = loopback
			}
			tok := tokens[e]
			r := valid
			tt.tweak(&r)
			r.Alerts = []string{"mention", "favourite", "mention", "nonsense"}
			got, err := e.SubscribePush(context.Background(), tok, "plain", r)
			var inv *InvalidError
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("SubscribePush: %v", err)
			case tt.wantErr != "" && (!errors.As(err, &inv) || !strings.Contains(inv.Msg, tt.wantErr)):
				t.Fatalf("SubscribePush: err = %v; want an InvalidError about %q", err, tt.wantErr)
			case tt.wantErr != "":
				return
			}
			if strings.ContainsAny(got.P256dh+got.Auth, "+/=") || got.AccessToken != "plain" ||
				strings.Join(got.Alerts, " ") != "mention favourite" || got.Policy == "" {
				t.Errorf("stored = %+v; want base64url keys, the plain token, known alerts once, a policy", got)
			}
		})
	}
}

func TestVAPIDPublicKeyStable(t *testing.T) {
	t.Parallel()
	e := testEngine(t)
	ctx := context.Background()
	key, err := e.VAPIDPublicKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.URLEncoding.DecodeString(key)
	if err != nil {
		t.Fatalf("key %q is not padded base64url: %v", key, err)
	}
	if _, err := ecdh.P256().NewPublicKey(raw); err != nil {
		t.Errorf("key is not a P-256 point: %v", err)
	}
	if again, _ := e.VAPIDPublicKey(ctx); again != key {
		t.Errorf("key changed from %q to %q", key, again)
	}
	// Another engine on the same database (a restart) has the same key.
	if other, _ := New(e.store, Options{URLs: e.urls}).VAPIDPublicKey(ctx); other != key {
		t.Errorf("after a restart the key is %q; want %q", other, key)
	}
}

func TestPushMessage(t *testing.T) {
	t.Parallel()
	e := testEngine(t)
	from := storage.Account{ID: 7, Username: "bob", DisplayName: "Bob Jones", AvatarURL: "https://council-a.example/a.png",
		Note: "<p>Librarian &amp; archivist</p>"}
	long := strings.Repeat("word ", 60)
	tests := []struct {
		name      string
		typ       string
		from      storage.Account
		st        *storage.Status
		wantTitle string
		wantBody  string
		wantIcon  string
	}{
		{"favourite", storage.NotifyFavourite, from, &storage.Status{Content: "<p>Opening hours</p><p>are 9&ndash;5<br>daily</p>"},
			"Bob Jones favorited your post", "Opening hours\n\nare 9–5\ndaily", from.AvatarURL},
		{"mention behind a warning", storage.NotifyMention, from, &storage.Status{Content: "<p>secret</p>", SpoilerText: "Budget"},
			"You were mentioned by Bob Jones", "Budget", from.AvatarURL},
		{"follow shows the note", storage.NotifyFollow, storage.Account{Username: "carol", Note: "<p>Hi &lt;3</p>"}, nil,
			"carol is now following you", "Hi <3", e.urls.Base + "/avatars/original/missing.png"},
		{"long post", storage.NotifyReblog, from, &storage.Status{Content: "<p>" + long + "</p>"},
			"Bob Jones boosted your post", strings.TrimSpace(long[:139]) + "…", from.AvatarURL},
		{"poll", storage.NotifyPoll, from, &storage.Status{}, "A poll by Bob Jones has ended", "", from.AvatarURL},
		{"follow request", storage.NotifyFollowRequest, from, nil, "Pending follower: Bob Jones", "Librarian & archivist", from.AvatarURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := e.pushMessage(storage.Notification{ID: 42, Type: tt.typ}, tt.from, tt.st)
			if m.Title != tt.wantTitle || m.Body != tt.wantBody || m.Icon != tt.wantIcon || m.NotificationID != 42 ||
				m.NotificationType != tt.typ || m.PreferredLocale != "en" {
				t.Errorf("message = %+v; want title %q, body %q, icon %q", m, tt.wantTitle, tt.wantBody, tt.wantIcon)
			}
		})
	}
}

// pushRecorder is a push service that answers each push with the next
// status of answers (the last one repeating) and records what it got.
type pushRecorder struct {
	mu      sync.Mutex
	answers []int
	got     []*http.Request
	bodies  [][]byte
}

func (p *pushRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8192))
	p.mu.Lock()
	p.got = append(p.got, r)
	p.bodies = append(p.bodies, body)
	code := p.answers[min(len(p.got), len(p.answers))-1]
	p.mu.Unlock()
	w.WriteHeader(code)
}

func (p *pushRecorder) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.got)
}

// pushWait bounds every wait in this file.
const pushWait = 10 * time.Second

func TestRunPushSendsAndForgetsGoneSubscriptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		answers []int
		kept    bool
	}{
		{"accepted", []int{http.StatusCreated}, true},
		{"gone", []int{http.StatusGone}, false},
		{"not found", []int{http.StatusNotFound}, false},
		{"push service failing", []int{http.StatusInternalServerError}, true},
		{"too many requests", []int{http.StatusTooManyRequests}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := pushEngine(t)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { e.runPush(ctx); close(done) }()
			t.Cleanup(func() { cancel(); <-done })

			rec := &pushRecorder{answers: tt.answers}
			srv := httptest.NewServer(rec)
			t.Cleanup(srv.Close)
			alice, bob := member(t, e, "alice"), member(t, e, "bob")
			tok := pushTokenOf(t, e, alice)
			p256dh, auth := appKeys(t)
			_, err := e.SubscribePush(ctx, tok, "plain", PushRequest{Endpoint: srv.URL + "/push/alice", P256dh: p256dh,
				Auth: auth, Alerts: []string{storage.NotifyFavourite}})
			if err != nil {
				t.Fatal(err)
			}
			st, err := e.Post(ctx, alice.ID, Draft{Text: "Opening hours", Visibility: activitypub.Public})
			if err != nil {
				t.Fatal(err)
			}
			testkit.Eventually(t, pushWait, "the push worker listening", func() bool {
				e.events.mu.Lock()
				defer e.events.mu.Unlock()
				return len(e.events.subs) > 0
			})
			if err := e.Favourite(ctx, bob.ID, st.ID); err != nil {
				t.Fatal(err)
			}
			testkit.Eventually(t, pushWait, "a push", func() bool { return rec.count() > 0 })
			rec.mu.Lock()
			r, body := rec.got[0], rec.bodies[0]
			rec.mu.Unlock()
			if r.Method != http.MethodPost || r.URL.Path != "/push/alice" || r.Header.Get("Content-Encoding") != "aes128gcm" ||
				r.Header.Get("TTL") != "172800" || r.Header.Get("Urgency") != "normal" ||
				!strings.HasPrefix(r.Header.Get("Authorization"), "vapid t=") || len(body) != pushRecordSize {
				t.Errorf("push: %s %s %v, %d bytes", r.Method, r.URL.Path, r.Header, len(body))
			}
			check := func() bool {
				_, err := e.store.PushSubscriptionByToken(ctx, tok.ID)
				return err == nil
			}
			if tt.kept {
				if !check() {
					t.Error("the subscription was removed")
				}
				return
			}
			testkit.Eventually(t, pushWait, "the subscription removed", func() bool { return !check() })
		})
	}
}

// TestPushJoinRequest: a request to join a community is pushed to its
// moderator's app, which asked for follow requests (apps know no
// join_request alert), titled as its mail's subject says it.
func TestPushJoinRequest(t *testing.T) {
	t.Parallel()
	e := pushEngine(t)
	ctx := context.Background()
	alice, bob := member(t, e, "alice"), member(t, e, "bob")
	g := community(t, e, alice, NewCommunity{Handle: "records", Name: "Records", JoinPolicy: storage.JoinApproval})
	p256dh, auth := appKeys(t)
	if _, err := e.SubscribePush(ctx, pushTokenOf(t, e, alice), "plain", PushRequest{Endpoint: "https://push.example/alice",
		P256dh: p256dh, Auth: auth, Alerts: []string{storage.NotifyFollowRequest}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Follow(ctx, bob.ID, g.ID, FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	ns, err := e.store.Notifications(ctx, alice.ID, storage.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var n storage.Notification
	for _, x := range ns {
		if x.Type == storage.NotifyJoinRequest {
			n = x
		}
	}
	if n.ID == 0 {
		t.Fatalf("alice's notifications = %+v; want a join request", ns)
	}
	pushes, err := e.pushesFor(ctx, alice.ID, n.ID)
	if err != nil || len(pushes) != 1 {
		t.Fatalf("pushes = %d, %v; want one", len(pushes), err)
	}
	var m pushMessage
	if err := json.Unmarshal(pushes[0].payload, &m); err != nil {
		t.Fatal(err)
	}
	if m.NotificationType != storage.NotifyJoinRequest || !strings.Contains(m.Title, "asks to join Records") {
		t.Errorf("push = %+v; want join_request titled as its mail", m)
	}
}
