package federation

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/copse-dev/copse/storage"
)

// PublishedBlock is a domain block as the node shows it to everyone: on
// its about page and at /api/v1/instance/domain_blocks. The private
// comment never leaves the node.
type PublishedBlock struct {
	// Domain is the blocked domain, masked when the block asks for it.
	Domain string
	// Digest is the SHA-256 of the real domain, hex, so that those who
	// know the domain can check it (Mastodon's digest).
	Digest        string
	Severity      string // storage.Severity*
	RejectMedia   bool
	RejectReports bool
	Comment       string // the public comment
}

// PublishBlocks is what everyone may read of blocks, in their order.
func PublishBlocks(blocks []storage.NodeDomainBlock) []PublishedBlock {
	out := make([]PublishedBlock, 0, len(blocks))
	for _, b := range blocks {
		d := b.Domain
		if b.Obfuscate {
			d = ObfuscateDomain(d)
		}
		out = append(out, PublishedBlock{Domain: d, Digest: DomainDigest(b.Domain), Severity: b.Severity,
			RejectMedia: b.RejectMedia, RejectReports: b.RejectReports, Comment: b.PublicComment})
	}
	return out
}

// DomainDigest is Mastodon's digest of a domain: SHA-256, hex.
func DomainDigest(d string) string {
	sum := sha256.Sum256([]byte(d))
	return hex.EncodeToString(sum[:])
}

// ObfuscateDomain masks all but the first and last character of each
// label, so people who know the domain can recognise it and others
// cannot follow it.
func ObfuscateDomain(d string) string {
	labels := strings.Split(d, ".")
	for i, l := range labels {
		if len(l) > 2 {
			labels[i] = l[:1] + strings.Repeat("*", len(l)-2) + l[len(l)-1:]
		}
	}
	return strings.Join(labels, ".")
}
