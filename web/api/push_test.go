package api_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// pushEntity is Mastodon's WebPushSubscription entity.
type pushEntity struct {
	ID        string          `json:"id"`
	Endpoint  string          `json:"endpoint"`
	Standard  bool            `json:"standard"`
	Alerts    map[string]bool `json:"alerts"`
	Policy    string          `json:"policy"`
	ServerKey string          `json:"server_key"`
	Error     string          `json:"error"`
}

// pushDevice is an app's side of Web Push: its key pair and auth secret,
// and a push service that records what arrives and answers with answer.
type pushDevice struct {
	t    *testing.T
	key  *ecdh.PrivateKey
	auth []byte
	srv  *httptest.Server

	mu       sync.Mutex
	answer   int
	received []pushReceived
}

type pushReceived struct {
	path   string
	header http.Header
	body   []byte
}

func newPushDevice(t *testing.T) *pushDevice {
	t.Helper()
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d := &pushDevice{t: t, key: key, auth: make([]byte, 16), answer: http.StatusCreated}
	rand.Read(d.auth)
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<10))
		d.mu.Lock()
		d.received = append(d.received, pushReceived{path: r.URL.Path, header: r.Header.Clone(), body: body})
		code := d.answer
		d.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(d.srv.Close)
	return d
}

// subscription is the form an app posts to subscribe this device.
func (d *pushDevice) subscription(path string) url.Values {
	return url.Values{
		"subscription[endpoint]":     {d.srv.URL + path},
		"subscription[keys][p256dh]": {base64.RawURLEncoding.EncodeToString(d.key.PublicKey().Bytes())},
		"subscription[keys][auth]":   {base64.RawURLEncoding.EncodeToString(d.auth)},
		"subscription[standard]":     {"true"},
	}
}

func (d *pushDevice) pushes() []pushReceived {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]pushReceived(nil), d.received...)
}

func (d *pushDevice) setAnswer(code int) {
	d.mu.Lock()
	d.answer = code
	d.mu.Unlock()
}

// decrypt opens an aes128gcm push (RFC 8291, RFC 8188) of one record.
func (d *pushDevice) decrypt(body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("shorter than the header")
	}
	salt, rs, idLen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if len(body) < 21+idLen {
		return nil, errors.New("key ID cut short")
	}
	keyID, record := body[21:21+idLen], body[21+idLen:]
	if uint32(len(body)) > rs {
		return nil, fmt.Errorf("%d bytes: more than one record of %d", len(body), rs)
	}
	serverKey, err := ecdh.P256().NewPublicKey(keyID)
	if err != nil {
		return nil, fmt.Errorf("sender's key: %w", err)
	}
	shared, err := d.key.ECDH(serverKey)
	if err != nil {
		return nil, err
	}
	info := "WebPush: info\x00" + string(d.key.PublicKey().Bytes()) + string(keyID)
	ikm, err := hkdf.Key(sha256.New, shared, d.auth, info, 32)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, record, nil)
	if err != nil {
		return nil, fmt.Errorf("open record: %w", err)
	}
	plain = bytes.TrimRight(plain, "\x00")
	if len(plain) == 0 || plain[len(plain)-1] != 2 {
		return nil, errors.New("no last-record delimiter")
	}
	return plain[:len(plain)-1], nil
}

// payload decrypts a push into Mastodon's payload fields; numbers stay
// json.Number, so a string ID would show.
func (d *pushDevice) payload(p pushReceived) map[string]any {
	d.t.Helper()
	plain, err := d.decrypt(p.body)
	if err != nil {
		d.t.Fatalf("decrypt push: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		d.t.Fatalf("push payload %q: %v", plain, err)
	}
	return m
}

// checkVAPID checks an Authorization header of RFC 8292: k is the node's
// key, and t a JWT for the endpoint's origin signed with it.
func checkVAPID(t *testing.T, header, endpoint, serverKey string) {
	t.Helper()
	rest, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		t.Fatalf("Authorization %q is not vapid", header)
	}
	params := map[string]string{}
	for p := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		params[k] = v
	}
	k, err := base64.RawURLEncoding.DecodeString(params["k"])
	if err != nil {
		t.Fatalf("k=%q: %v", params["k"], err)
	}
	want, err := base64.URLEncoding.DecodeString(serverKey)
	if err != nil || !bytes.Equal(k, want) {
		t.Fatalf("k=%s is not the instance's key %s", params["k"], serverKey)
	}
	parts := strings.Split(params["t"], ".")
	if len(parts) != 3 {
		t.Fatalf("t=%q is not a JWT", params["t"])
	}
	var head struct{ Alg string }
	var claims struct {
		Aud string
		Sub string
		Exp int64
	}
	for i, v := range []any{&head, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(raw, v) != nil {
			t.Fatalf("JWT part %d %q: %v", i, parts[i], err)
		}
	}
	u, _ := url.Parse(endpoint)
	now := time.Now().Unix()
	if head.Alg != "ES256" || claims.Aud != u.Scheme+"://"+u.Host || claims.Sub == "" || claims.Exp <= now || claims.Exp > now+24*3600 {
		t.Errorf("JWT header %+v, claims %+v; want ES256 for %s://%s, a subject, expiring within a day", head, claims, u.Scheme, u.Host)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	pub, perr := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), k)
	if err != nil || perr != nil || len(sig) != 64 {
		t.Fatalf("signature %q, key: %v %v", parts[2], err, perr)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Error("the JWT's signature does not verify with k")
	}
}

// instanceVAPIDKey is configuration.vapid.public_key of /api/v2/instance.
func instanceVAPIDKey(t *testing.T, n *testrig.Node) string {
	t.Helper()
	var inst struct {
		Configuration struct {
			Vapid struct {
				PublicKey string `json:"public_key"`
			}
		}
	}
	if code, _, _ := call(t, "GET", n.URL+"/api/v2/instance", "", nil, &inst); code != http.StatusOK || inst.Configuration.Vapid.PublicKey == "" {
		t.Fatalf("/api/v2/instance: %d, vapid %+v", code, inst.Configuration.Vapid)
	}
	return inst.Configuration.Vapid.PublicKey
}

func TestPushSubscriptionLifecycle(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	ta := n.Token(alice)
	endpoint := n.URL + "/api/v1/push/subscription"
	device := newPushDevice(t)
	serverKey := instanceVAPIDKey(t, n)
	if raw, err := base64.URLEncoding.DecodeString(serverKey); err != nil || len(raw) != 65 || raw[0] != 4 {
		t.Errorf("instance VAPID key %q is not an uncompressed point in padded base64url", serverKey)
	}
	app := testrig.RegisterApp(t, n, testrig.Callback, "read push")
	if app.VapidKey == nil || *app.VapidKey != serverKey {
		t.Errorf("POST /api/v1/apps vapid_key = %v; want the instance's %s", app.VapidKey, serverKey)
	}

	var got pushEntity
	if code, _, _ := call(t, "GET", endpoint, ta, nil, &got); code != http.StatusNotFound || got.Error != "Record not found" {
		t.Fatalf("GET before subscribing: %d %+v; want 404 Record not found", code, got)
	}
	form := device.subscription("/push/alice")
	form.Set("data[alerts][mention]", "true")
	form.Set("data[alerts][favourite]", "false")
	form.Set("data[alerts][admin.sign_up]", "1")
	form.Set("data[policy]", "followed")
	got = pushEntity{}
	if code, _, _ := call(t, "POST", endpoint, ta, form, &got); code != http.StatusOK {
		t.Fatalf("POST: %d %+v", code, got)
	}
	wantAlerts := map[string]bool{"mention": true, "status": false, "reblog": false, "follow": false, "follow_request": false,
		"favourite": false, "poll": false, "update": false, "admin.sign_up": true, "admin.report": false}
	if got.ID == "" || got.Endpoint != device.srv.URL+"/push/alice" || !got.Standard || got.Policy != "followed" ||
		got.ServerKey != serverKey || fmt.Sprint(got.Alerts) != fmt.Sprint(wantAlerts) {
		t.Errorf("created = %+v", got)
	}
	first := got

	got = pushEntity{}
	if code, _, _ := call(t, "GET", endpoint, ta, nil, &got); code != http.StatusOK || fmt.Sprint(got) != fmt.Sprint(first) {
		t.Errorf("GET = %d %+v; want %+v", code, got, first)
	}
	// Another token of the same member has a subscription of its own.
	if code, _, _ := call(t, "GET", endpoint, n.Token(alice), nil, &got); code != http.StatusNotFound {
		t.Errorf("GET with another token: %d; want 404", code)
	}

	// PUT as masto.js sends it: JSON, the admin alerts nested. Alerts not
	// given go off; the policy stays.
	got = pushEntity{}
	body := map[string]any{"data": map[string]any{"alerts": map[string]any{"favourite": true, "admin": map[string]any{"report": true}}}}
	if code, _, _ := call(t, "PUT", endpoint, ta, body, &got); code != http.StatusOK || got.ID != first.ID ||
		!got.Alerts["favourite"] || !got.Alerts["admin.report"] || got.Alerts["mention"] || got.Alerts["admin.sign_up"] ||
		got.Policy != "followed" || got.Endpoint != first.Endpoint {
		t.Errorf("PUT alerts = %d %+v", code, got)
	}
	// A bare policy, as the documentation gives it, keeps the alerts.
	got = pushEntity{}
	if code, _, _ := call(t, "PUT", endpoint, ta, url.Values{"policy": {"none"}}, &got); code != http.StatusOK ||
		got.Policy != "none" || !got.Alerts["favourite"] {
		t.Errorf("PUT policy = %d %+v", code, got)
	}
	got = pushEntity{}
	if code, _, _ := call(t, "PUT", endpoint, ta, url.Values{"data[policy]": {"everyone"}}, &got); code != http.StatusUnprocessableEntity || got.Error == "" {
		t.Errorf("PUT an unknown policy: %d %+v; want 422", code, got)
	}
	// PUT changes nothing else: the endpoint stays.
	form2 := device.subscription("/push/elsewhere")
	form2.Set("data[alerts][poll]", "true")
	got = pushEntity{}
	if code, _, _ := call(t, "PUT", endpoint, ta, form2, &got); code != http.StatusOK || got.Endpoint != first.Endpoint || !got.Alerts["poll"] {
		t.Errorf("PUT with a new endpoint = %d %+v; want the endpoint kept", code, got)
	}

	// POST again, as JSON: a new subscription replaces the old.
	got = pushEntity{}
	sub := map[string]any{"endpoint": device.srv.URL + "/push/alice2", "keys": map[string]any{
		"p256dh": form.Get("subscription[keys][p256dh]"), "auth": form.Get("subscription[keys][auth]")}}
	if code, _, _ := call(t, "POST", endpoint, ta, map[string]any{"subscription": sub, "data": map[string]any{"alerts": map[string]any{"follow": true}}}, &got); code != http.StatusOK ||
		got.ID == first.ID || got.Endpoint != device.srv.URL+"/push/alice2" || got.Policy != "all" || !got.Alerts["follow"] || got.Alerts["favourite"] {
		t.Errorf("POST again = %d %+v; want a new subscription with policy all", code, got)
	}
	second := got
	got = pushEntity{}
	if call(t, "GET", endpoint, ta, nil, &got); got.ID != second.ID {
		t.Errorf("GET after subscribing again = %+v; want %s", got, second.ID)
	}

	if code, _, _ := call(t, "DELETE", endpoint, ta, nil, &got); code != http.StatusOK {
		t.Errorf("DELETE: %d", code)
	}
	if code, _, _ := call(t, "GET", endpoint, ta, nil, &got); code != http.StatusNotFound {
		t.Errorf("GET after DELETE: %d; want 404", code)
	}
	var empty map[string]any
	if code, _, _ := call(t, "DELETE", endpoint, ta, nil, &empty); code != http.StatusOK || len(empty) != 0 {
		t.Errorf("DELETE with none: %d %v; want 200 {}", code, empty)
	}
	if code, _, _ := call(t, "PUT", endpoint, ta, url.Values{"policy": {"all"}}, &got); code != http.StatusNotFound {
		t.Errorf("PUT with none: %d; want 404", code)
	}
}

func TestPushSubscriptionRefusals(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	alice := n.Member("alice", false)
	ta := n.Token(alice)
	endpoint := n.URL + "/api/v1/push/subscription"
	device := newPushDevice(t)
	good := device.subscription("/push")

	tests := []struct {
		name      string
		token     string
		method    string
		set       map[string]string
		wantCode  int
		wantError string
	}{
		{"no token", "", "POST", nil, http.StatusUnauthorized, "This method requires an authenticated user"},
		{"no push scope", n.Token(alice, "read", "write", "follow"), "POST", nil, http.StatusForbidden, "This action is outside the authorized scopes"},
		{"no push scope, GET", n.Token(alice, "read"), "GET", nil, http.StatusForbidden, "This action is outside the authorized scopes"},
		{"no push scope, DELETE", n.Token(alice, "write"), "DELETE", nil, http.StatusForbidden, "This action is outside the authorized scopes"},
		{"no endpoint", ta, "POST", map[string]string{"subscription[endpoint]": ""}, http.StatusUnprocessableEntity, "Validation failed: Endpoint can't be blank"},
		{"endpoint not a URL", ta, "POST", map[string]string{"subscription[endpoint]": "push service"}, http.StatusUnprocessableEntity, "Validation failed: Endpoint is invalid"},
		{"endpoint ftp", ta, "POST", map[string]string{"subscription[endpoint]": "ftp://push.example/x"}, http.StatusUnprocessableEntity, "Validation failed: Endpoint is invalid"},
		{"p256dh not a point", ta, "POST", map[string]string{"subscription[keys][p256dh]": base64.RawURLEncoding.EncodeToString(make([]byte, 65))}, http.StatusUnprocessableEntity, "Validation failed: Key p256dh is invalid"},
		{"p256dh not base64", ta, "POST", map[string]string{"subscription[keys][p256dh]": "%%%"}, http.StatusUnprocessableEntity, "Validation failed: Key p256dh is invalid"},
		{"auth of 8 bytes", ta, "POST", map[string]string{"subscription[keys][auth]": base64.RawURLEncoding.EncodeToString(make([]byte, 8))}, http.StatusUnprocessableEntity, "Validation failed: Key auth is invalid"},
		{"no auth", ta, "POST", map[string]string{"subscription[keys][auth]": ""}, http.StatusUnprocessableEntity, "Validation failed: Key auth can't be blank"},
		{"unknown policy", ta, "POST", map[string]string{"data[policy]": "friends"}, http.StatusUnprocessableEntity, "Validation failed: Policy is not included in the list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{}
			for k, v := range good {
				form[k] = v
			}
			for k, v := range tt.set {
				form.Set(k, v)
			}
			var got pushEntity
			if code, _, _ := call(t, tt.method, endpoint, tt.token, form, &got); code != tt.wantCode || got.Error != tt.wantError {
				t.Errorf("%s: %d %q; want %d %q", tt.method, code, got.Error, tt.wantCode, tt.wantError)
			}
		})
	}
	if code, _, _ := call(t, "GET", endpoint, ta, nil, nil); code != http.StatusNotFound {
		t.Errorf("after refused subscriptions GET: %d; want 404", code)
	}
}

func TestPushDelivered(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	alice, bob := n.Member("alice", false), n.Member("bob", false)
	ta, tb := n.Token(alice), n.Token(bob)
	endpoint := n.URL + "/api/v1/push/subscription"
	device := newPushDevice(t)
	serverKey := instanceVAPIDKey(t, n)

	form := device.subscription("/push/alice")
	form.Set("data[alerts][favourite]", "true")
	form.Set("data[alerts][mention]", "true")
	var sub pushEntity
	if code, _, _ := call(t, "POST", endpoint, ta, form, &sub); code != http.StatusOK {
		t.Fatalf("subscribe: %d %+v", code, sub)
	}
	post := func(author storage.Account, text string) storage.Status {
		t.Helper()
		st, err := n.Engine.Post(ctx, author.ID, federation.Draft{Text: text, Visibility: activitypub.Public})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	waitPushes := func(count int) []pushReceived {
		t.Helper()
		testrig.Eventually(t, 10*time.Second, fmt.Sprintf("%d pushes", count), func() bool { return len(device.pushes()) >= count })
		return device.pushes()
	}
	latestNotification := func() string {
		t.Helper()
		var ns []struct{ ID, Type string }
		if code, _, _ := call(t, "GET", n.URL+"/api/v1/notifications?limit=1", ta, nil, &ns); code != http.StatusOK || len(ns) != 1 {
			t.Fatalf("notifications: %d %+v", code, ns)
		}
		return ns[0].ID
	}

	// Bob favourites alice's post through the API.
	hours := post(alice, "Opening hours are changing")
	if code, _, _ := call(t, "POST", n.URL+"/api/v1/statuses/"+hours.ID.String()+"/favourite", tb, nil, nil); code != http.StatusOK {
		t.Fatalf("favourite: %d", code)
	}
	p := waitPushes(1)[0]
	if p.path != "/push/alice" || p.header.Get("Content-Encoding") != "aes128gcm" || p.header.Get("TTL") != "172800" ||
		p.header.Get("Urgency") != "normal" {
		t.Errorf("push %s, headers %v", p.path, p.header)
	}
	checkVAPID(t, p.header.Get("Authorization"), device.srv.URL, serverKey)
	m := device.payload(p)
	id, isNumber := m["notification_id"].(json.Number)
	if !isNumber || id.String() != latestNotification() || m["notification_type"] != "favourite" ||
		m["access_token"] != ta || m["preferred_locale"] != "en" || m["title"] != "Bob favorited your post" ||
		m["body"] != "Opening hours are changing" || !strings.HasPrefix(fmt.Sprint(m["icon"]), "http") {
		t.Errorf("favourite payload = %v", m)
	}

	// Favourites off: bob's next favourite is not pushed, his mention is.
	if code, _, _ := call(t, "PUT", endpoint, ta, url.Values{"data[alerts][mention]": {"true"}}, &sub); code != http.StatusOK || sub.Alerts["favourite"] {
		t.Fatalf("favourites off: %d %+v", code, sub)
	}
	if err := n.Engine.Favourite(ctx, bob.ID, post(alice, "Second post").ID); err != nil {
		t.Fatal(err)
	}
	post(bob, "@alice the <b>new</b> rota is up")
	pushes := waitPushes(2)
	m = device.payload(pushes[1])
	if len(pushes) != 2 || m["notification_type"] != "mention" || m["title"] != "You were mentioned by Bob" ||
		!strings.Contains(fmt.Sprint(m["body"]), "the <b>new</b> rota is up") {
		t.Errorf("after favourites went off: %d pushes, the second %v; want only the mention", len(pushes), m)
	}
	if id, _ := m["notification_id"].(json.Number); id.String() != latestNotification() {
		t.Errorf("mention push has notification %v; want %s", m["notification_id"], latestNotification())
	}

	// The push service says the subscription is gone: copse forgets it.
	device.setAnswer(http.StatusGone)
	post(bob, "@alice are you there?")
	waitPushes(3)
	testrig.Eventually(t, 10*time.Second, "the gone subscription removed", func() bool {
		code, _, _ := call(t, "GET", endpoint, ta, nil, nil)
		return code == http.StatusNotFound
	})
}

func TestPushSubscriptionFollowsRefreshEndsWithRevoke(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	n.Member("alice", false)
	app := testrig.RegisterApp(t, n, testrig.Callback, "read push")
	b := testrig.NewFormBrowser(t, n)
	verifier, challenge := testrig.PKCE()
	redirect := b.Approve(b.SignIn(testrig.AuthorizePath(app, testrig.Callback, "read push", "s", challenge), "alice"), "authorize")
	status, tok := testrig.PostToken(t, n, url.Values{"grant_type": {"authorization_code"}, "code": {redirect.Query().Get("code")},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "redirect_uri": {testrig.Callback}, "code_verifier": {verifier}})
	if status != http.StatusOK {
		t.Fatalf("token: %d %+v", status, tok)
	}
	stored, err := n.Store.TokenByAccess(context.Background(), storage.HashSecret(tok.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	var sub pushEntity
	if code, _, _ := call(t, "POST", n.URL+"/api/v1/push/subscription", tok.AccessToken,
		newPushDevice(t).subscription("/push"), &sub); code != http.StatusOK {
		t.Fatalf("subscribe: %d %+v", code, sub)
	}
	// Refreshing the token hands the subscription to the new token, with
	// the token pushes carry.
	status, fresh := testrig.PostToken(t, n, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}})
	if status != http.StatusOK || fresh.AccessToken == "" {
		t.Fatalf("refresh: %d %+v", status, fresh)
	}
	var moved pushEntity
	if code, _, raw := call(t, "GET", n.URL+"/api/v1/push/subscription", fresh.AccessToken, nil, &moved); code != http.StatusOK ||
		moved.ID != sub.ID || moved.Endpoint != sub.Endpoint {
		t.Errorf("the refreshed token's subscription = %d %s; want %+v", code, raw, sub)
	}
	renewed, err := n.Store.TokenByAccess(context.Background(), storage.HashSecret(fresh.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := n.Store.PushSubscriptionByToken(context.Background(), renewed.ID); err != nil || got.AccessToken != fresh.AccessToken {
		t.Errorf("moved subscription carries token %q (err %v); want the new one", got.AccessToken, err)
	}
	if _, err := n.Store.PushSubscriptionByToken(context.Background(), stored.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the old token still has a subscription: err = %v", err)
	}

	if code, _, _ := call(t, "POST", n.URL+"/oauth/revoke", "", url.Values{"client_id": {app.ClientID},
		"client_secret": {app.ClientSecret}, "token": {fresh.AccessToken}}, nil); code != http.StatusOK {
		t.Fatalf("revoke: %d", code)
	}
	if _, err := n.Store.PushSubscriptionByToken(context.Background(), renewed.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("subscription of the revoked token: err = %v; want ErrNotFound", err)
	}
}
