package federation

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// keyBits is the size of the RSA keys copse makes. Mastodon, GoToSocial and
// Lemmy all use 2048-bit RSA; a larger key only makes every signature slower.
const keyBits = 2048

// GenerateKey makes a new RSA-2048 key for an actor.
func GenerateKey() (*rsa.PrivateKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("generate RSA key: %w", err)
	}
	return k, nil
}

// EncodePrivateKey returns k as a PKCS#8 PEM block ("PRIVATE KEY").
// It fails only for a nil or invalid key.
func EncodePrivateKey(k *rsa.PrivateKey) (string, error) {
	if k == nil {
		return "", errors.New("encode private key: nil key")
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", fmt.Errorf("encode private key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// EncodePublicKey returns k as a PKIX PEM block ("PUBLIC KEY"), the form
// that goes in an actor's publicKey.publicKeyPem.
func EncodePublicKey(k *rsa.PublicKey) (string, error) {
	if k == nil {
		return "", errors.New("encode public key: nil key")
	}
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return "", fmt.Errorf("encode public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// ParsePrivateKey reads the first PEM block of pemText as an RSA private
// key, in PKCS#8 ("PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY") form; the
// block type is a hint, and both encodings are tried. A non-RSA PKCS#8 key
// and an encrypted PEM block are errors.
func ParsePrivateKey(pemText string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, errors.New("parse private key: no PEM block")
	}
	if _, encrypted := block.Headers["DEK-Info"]; encrypted {
		return nil, errors.New("parse private key: PEM block is encrypted")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse private key (%s): %w", block.Type, err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("parse private key: %T is not an RSA key", k)
	}
	return rk, nil
}

// ParsePublicKey reads the first PEM block of pemText, as found in a remote
// actor's publicKeyPem, in PKIX ("PUBLIC KEY") or PKCS#1 ("RSA PUBLIC KEY")
// form; the block type is a hint, and both encodings are tried. It returns
// an *rsa.PublicKey or an ed25519.PublicKey; any other kind of key (ECDSA,
// DSA) is an error, since no peer copse talks to signs with one.
func ParsePublicKey(pemText string) (crypto.PublicKey, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, errors.New("parse public key: no PEM block")
	}
	if k, err := x509.ParsePKCS1PublicKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse public key (%s): %w", block.Type, err)
	}
	switch k := k.(type) {
	case *rsa.PublicKey, ed25519.PublicKey:
		return k, nil
	default:
		return nil, fmt.Errorf("parse public key: unsupported key type %T", k)
	}
}

// Ed25519Key is a local actor's Ed25519 key as stored: its private key
// (PKCS#8 PEM) and its public key as publicKeyMultibase.
type Ed25519Key struct {
	PrivatePEM string
	Public     string
}

// GenerateEd25519Key makes a new Ed25519 key for an actor.
func GenerateEd25519Key() (Ed25519Key, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Ed25519Key{}, fmt.Errorf("generate Ed25519 key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return Ed25519Key{}, fmt.Errorf("encode Ed25519 key: %w", err)
	}
	return Ed25519Key{PrivatePEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		Public: activitypub.EncodeMultibase(pub)}, nil
}

// ParseEd25519PrivateKey reads a PKCS#8 PEM Ed25519 private key.
func ParseEd25519PrivateKey(pemText string) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, errors.New("parse Ed25519 key: no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse Ed25519 key: %w", err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("parse Ed25519 key: %T is not an Ed25519 key", k)
	}
	return ek, nil
}

// giveEd25519Keys gives every local actor made before copse had Ed25519
// keys one. Peers learn it when they next fetch the actor (a signature
// whose keyId they do not know makes them fetch it).
func (e *Engine) giveEd25519Keys(ctx context.Context) error {
	accounts, err := e.store.LocalAccountsWithoutEd25519(ctx)
	if err != nil {
		return fmt.Errorf("accounts without an Ed25519 key: %w", err)
	}
	if len(accounts) == 0 {
		return nil
	}
	err = e.store.InTx(ctx, func(tx *storage.Tx) error {
		for _, a := range accounts {
			k, err := GenerateEd25519Key()
			if err != nil {
				return err
			}
			if err := tx.SetEd25519Key(ctx, a.ID, e.urls.Ed25519Key(a.Username), k.Public, k.PrivatePEM); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("give Ed25519 keys: %w", err)
	}
	e.log.InfoContext(ctx, "gave local actors Ed25519 keys", slog.Int("accounts", len(accounts)))
	return nil
}
