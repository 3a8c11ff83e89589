package federation

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"sync"
	"testing"

	"github.com/copse-dev/copse/web/testrig/testkit"
)

// sigTestKey returns the i-th RSA-2048 test key, taken from the pool of
// pre-generated keys once per test binary: key generation is the slow
// part of these tests. Different i give different keys.
func sigTestKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	sigTestKeysMu.Lock()
	defer sigTestKeysMu.Unlock()
	if k, ok := sigTestKeys[i]; ok {
		return k
	}
	k, err := sigTestKeySource()
	if err != nil {
		t.Fatalf("test key: %v", err)
	}
	sigTestKeys[i] = k
	return k
}

var (
	sigTestKeysMu    sync.Mutex
	sigTestKeys      = map[int]*rsa.PrivateKey{}
	sigTestKeySource = testkit.Keys()
)

func TestKeyRoundTrip(t *testing.T) {
	t.Parallel()
	k, err := GenerateKey() // under test here; other tests take pre-generated keys
	if err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	if k.N.BitLen() != 2048 {
		t.Errorf("key has %d bits, want 2048", k.N.BitLen())
	}

	privPEM, err := EncodePrivateKey(k)
	if err != nil {
		t.Fatalf("EncodePrivateKey: %v", err)
	}
	if !strings.HasPrefix(privPEM, "-----BEGIN PRIVATE KEY-----\n") {
		t.Errorf("private key PEM starts %q, want PKCS#8", privPEM[:30])
	}
	got, err := ParsePrivateKey(privPEM)
	if err != nil {
		t.Fatalf("ParsePrivateKey: %v", err)
	}
	if !got.Equal(k) {
		t.Error("parsed private key differs")
	}

	pubPEM, err := EncodePublicKey(&k.PublicKey)
	if err != nil {
		t.Fatalf("EncodePublicKey: %v", err)
	}
	if !strings.HasPrefix(pubPEM, "-----BEGIN PUBLIC KEY-----\n") {
		t.Errorf("public key PEM starts %q, want PKIX", pubPEM[:30])
	}
	pub, err := ParsePublicKey(pubPEM)
	if err != nil {
		t.Fatalf("ParsePublicKey: %v", err)
	}
	if !k.PublicKey.Equal(pub) {
		t.Error("parsed public key differs")
	}
}

func TestParsePrivateKey(t *testing.T) {
	t.Parallel()
	k := sigTestKey(t, 0)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPKCS8, err := x509.MarshalPKCS8PrivateKey(edKey)
	if err != nil {
		t.Fatal(err)
	}
	encode := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	tests := []struct {
		name    string
		pem     string
		wantErr bool
	}{
		{"PKCS#8", encode("PRIVATE KEY", pkcs8), false},
		{"PKCS#1", encode("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k)), false},
		{"PKCS#1 mislabelled", encode("PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k)), false},
		{"leading text", "key:\n" + encode("PRIVATE KEY", pkcs8), false},
		{"Ed25519", encode("PRIVATE KEY", edPKCS8), true},
		{"encrypted", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"}, Bytes: []byte{1}})), true},
		{"garbage DER", encode("PRIVATE KEY", []byte("nope")), true},
		{"not PEM", "hello", true},
		{"empty", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePrivateKey(tt.pem)
			if tt.wantErr {
				if err == nil {
					t.Fatal("want error, got none")
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePrivateKey: %v", err)
			}
			if !got.Equal(k) {
				t.Error("parsed key differs")
			}
		})
	}
}

func TestParsePublicKey(t *testing.T) {
	t.Parallel()
	k := sigTestKey(t, 0)
	pkix, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPKIX, err := x509.MarshalPKIXPublicKey(edPub)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPKIX, err := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	encode := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	type equaler interface{ Equal(x crypto.PublicKey) bool }
	tests := []struct {
		name string
		pem  string
		want equaler // nil: want an error
	}{
		{"PKIX", encode("PUBLIC KEY", pkix), &k.PublicKey},
		{"PKIX with CRLF", strings.ReplaceAll(encode("PUBLIC KEY", pkix), "\n", "\r\n"), &k.PublicKey},
		{"PKCS#1", encode("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&k.PublicKey)), &k.PublicKey},
		{"PKCS#1 mislabelled", encode("PUBLIC KEY", x509.MarshalPKCS1PublicKey(&k.PublicKey)), &k.PublicKey},
		{"Ed25519", encode("PUBLIC KEY", edPKIX), edPub},
		{"ECDSA", encode("PUBLIC KEY", ecPKIX), nil},
		{"garbage DER", encode("PUBLIC KEY", []byte("nope")), nil},
		{"not PEM", "hello", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePublicKey(tt.pem)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("want error, got key %T", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePublicKey: %v", err)
			}
			if !tt.want.Equal(got) {
				t.Errorf("got %T, not the key encoded", got)
			}
		})
	}
}

func TestEncodeKeyNil(t *testing.T) {
	t.Parallel()
	if _, err := EncodePrivateKey(nil); err == nil {
		t.Error("EncodePrivateKey(nil): want error")
	}
	if _, err := EncodePublicKey(nil); err == nil {
		t.Error("EncodePublicKey(nil): want error")
	}
}

func FuzzParsePublicKey(f *testing.F) {
	k := sigTestKey(f, 0)
	p, err := EncodePublicKey(&k.PublicKey)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(p)
	f.Add("-----BEGIN RSA PUBLIC KEY-----\nMAA=\n-----END RSA PUBLIC KEY-----\n")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParsePublicKey(s)
	})
}
