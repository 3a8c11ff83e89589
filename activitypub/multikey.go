package activitypub

import (
	"crypto/ed25519"
	"net/url"

	"github.com/mr-tron/base58"
)

// Multikey is an Ed25519 key an actor states in assertionMethod
// (FEP-521a, the W3C Controlled Identifiers Multikey): its id, its
// controller (the actor) and the key, written publicKeyMultibase as "z"
// and base58btc of the multicodec prefix 0xed 0x01 and the 32 key bytes.
// copse signs deliveries to other copse nodes with it (an Ed25519
// signature costs a fraction of an RSA one); Mastodon and others ignore
// it and read publicKey.
type Multikey struct {
	ID         string
	Controller string
	Key        ed25519.PublicKey
}

// ed25519Multicodec is the multicodec prefix of an Ed25519 public key.
var ed25519Multicodec = [2]byte{0xed, 0x01}

// EncodeMultibase returns k as publicKeyMultibase.
func EncodeMultibase(k ed25519.PublicKey) string {
	b := make([]byte, 0, 2+ed25519.PublicKeySize)
	b = append(append(b, ed25519Multicodec[:]...), k...)
	return "z" + base58.Encode(b)
}

// DecodeMultibase reads publicKeyMultibase as an Ed25519 public key. Any
// other encoding or kind of key is an error wrapping ErrInvalid.
func DecodeMultibase(s string) (ed25519.PublicKey, error) {
	if len(s) < 2 || s[0] != 'z' {
		return nil, invalidf("publicKeyMultibase is not base58btc")
	}
	b, err := base58.Decode(s[1:])
	if err != nil {
		return nil, invalidf("publicKeyMultibase: %v", err)
	}
	if len(b) != 2+ed25519.PublicKeySize || b[0] != ed25519Multicodec[0] || b[1] != ed25519Multicodec[1] {
		return nil, invalidf("publicKeyMultibase is not an Ed25519 key")
	}
	return ed25519.PublicKey(b[2:]), nil
}

// multikeyOf returns the first Ed25519 Multikey of an assertionMethod
// value (an object or an array of them) that actor controls and whose id
// is on actor's host; others (another kind of key, another controller,
// an IRI, an id elsewhere, which could shadow another actor's key) are
// skipped.
func multikeyOf(v any, actor string) (Multikey, bool) {
	for _, it := range rawList(v) {
		m, ok := it.(map[string]any)
		if !ok || rawType(m) != "Multikey" {
			continue
		}
		id, controller := rawRef(m["id"]), rawRef(m["controller"])
		if id == "" || controller != actor || !sameHost(id, actor) {
			continue
		}
		mb, _ := m["publicKeyMultibase"].(string)
		key, err := DecodeMultibase(mb)
		if err != nil {
			continue
		}
		return Multikey{ID: id, Controller: controller, Key: key}, true
	}
	return Multikey{}, false
}

// multikeyMap is k as an assertionMethod entry.
func multikeyMap(k Multikey) map[string]any {
	return map[string]any{"id": k.ID, "type": "Multikey", "controller": k.Controller,
		"publicKeyMultibase": EncodeMultibase(k.Key)}
}

// sameHost reports whether a and b are http(s) URLs on one host.
func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Host != "" && ua.Host == ub.Host &&
		(ua.Scheme == "https" || ua.Scheme == "http") && ua.Scheme == ub.Scheme
}
