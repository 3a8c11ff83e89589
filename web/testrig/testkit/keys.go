package testkit

import (
	"crypto/rsa"
	"crypto/x509"
	"embed"
	"encoding/pem"
	"fmt"
	"io/fs"
	"sync"
	"sync/atomic"
)

// The keys were made once by gen_keys.go and are committed: making an
// RSA-2048 key costs 70-250 ms of CPU, and the suite starts nodes and
// members by the hundred. They are for tests only, and public.
//
//go:embed testdata/test-only-rsa-2048-*.pem
var keyFiles embed.FS

// pool is the parsed keys, read once per test process.
var pool = sync.OnceValues(func() ([]*rsa.PrivateKey, error) {
	names, err := fs.Glob(keyFiles, "testdata/*.pem")
	if err != nil {
		return nil, fmt.Errorf("list test keys: %w", err)
	}
	keys := make([]*rsa.PrivateKey, 0, len(names))
	for _, name := range names {
		k, err := parseKey(name)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	if len(keys) < 2 {
		// A rotated key must differ from the one it replaces.
		return nil, fmt.Errorf("test keys: %d in testdata, want at least 2", len(keys))
	}
	return keys, nil
})

func parseKey(name string) (*rsa.PrivateKey, error) {
	data, err := keyFiles.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read test key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("test key %s: no PEM block", name)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("test key %s: %w", name, err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("test key %s: %T is not an RSA key", name, k)
	}
	return rk, nil
}

// sourceStride is how far apart in the pool successive sources start. A
// node makes its instance actor's key and then one per member, and a test
// seldom makes more than a handful of members per node, so the nodes of
// one test seldom share a key. (Sharing one would not change what a node
// accepts, since a key is looked up by its id, but a test that forges a
// signature must still make its own key with federation.GenerateKey.)
const sourceStride = 5

// sources counts the sources made, so that each starts elsewhere.
var sources atomic.Uint64

// Keys returns a key source for one engine (federation.Options.NewKey,
// node.Tuning.NewKey): it hands out the pool's keys in turn. The keys one
// source hands out in a row all differ until it has gone round the whole
// pool, so a rotated key is never the key it replaces. The keys are
// shared: callers must not change them.
func Keys() func() (*rsa.PrivateKey, error) {
	start := sources.Add(1) * sourceStride
	var next atomic.Uint64
	return func() (*rsa.PrivateKey, error) {
		keys, err := pool()
		if err != nil {
			return nil, err
		}
		i := start + next.Add(1) - 1
		return keys[i%uint64(len(keys))], nil
	}
}
