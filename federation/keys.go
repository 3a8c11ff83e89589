package federation

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
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
