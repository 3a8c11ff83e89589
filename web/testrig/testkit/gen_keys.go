//go:build ignore

// gen_keys writes the test-only RSA keys of testdata/, in parallel:
//
//	go run gen_keys.go
//
// Run it again only to replace them; nothing outside tests may use them.
package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sync"
)

// count is the size of the pool; keys.go takes every file there is.
const count = 32

func main() {
	var wg sync.WaitGroup
	errs := make([]error, count)
	for i := range count {
		wg.Go(func() { errs[i] = write(i) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			log.Fatal(err)
		}
	}
}

func write(i int) error {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("generate key %d: %w", i, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return fmt.Errorf("encode key %d: %w", i, err)
	}
	block := &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	name := filepath.Join("testdata", fmt.Sprintf("test-only-rsa-2048-%02d.pem", i+1))
	return os.WriteFile(name, pem.EncodeToMemory(block), 0o644)
}
