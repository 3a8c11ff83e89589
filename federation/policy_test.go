package federation

import (
	"fmt"
	"testing"

	"github.com/copse-dev/copse/storage"
)

func TestPolicyAllows(t *testing.T) {
	blocks := []storage.NodeDomainBlock{
		{Domain: "spam.example", Severity: storage.SeveritySuspend},
		{Domain: "Loud.Example.", Severity: storage.SeverityLimit, RejectMedia: true},
		{Domain: "pics.example", Severity: storage.SeverityNoop, RejectMedia: true, RejectReports: true},
		{Domain: "ok.spam.example", Severity: storage.SeverityLimit}, // more specific than spam.example
		{Domain: "127.0.0.1:9001", Severity: storage.SeveritySuspend},
		{Domain: "10.0.0.0", Severity: storage.SeveritySuspend},
	}
	allows := []storage.NodeDomainAllow{{Domain: "trusted.example"}, {Domain: "127.0.0.1:9002"}, {Domain: "loud.example"}}
	tests := []struct {
		name     string
		mode     string
		host     string
		federate bool
		severity string
		media    bool // RejectMedia
		reports  bool // RejectReports
		limited  bool
	}{
		{"open, unlisted", storage.FederationOpen, "other.example", true, "", false, false, false},
		{"suspended", storage.FederationOpen, "spam.example", false, storage.SeveritySuspend, true, true, false},
		{"subdomain of suspended", storage.FederationOpen, "a.b.spam.example", false, storage.SeveritySuspend, true, true, false},
		{"more specific block wins", storage.FederationOpen, "x.ok.spam.example", true, storage.SeverityLimit, false, false, true},
		{"suffix is not a subdomain", storage.FederationOpen, "notspam.example", true, "", false, false, false},
		{"case and trailing dot", storage.FederationOpen, "SPAM.example.", false, storage.SeveritySuspend, true, true, false},
		{"with port covered by name", storage.FederationOpen, "spam.example:8443", false, storage.SeveritySuspend, true, true, false},
		{"limit with media", storage.FederationOpen, "loud.example", true, storage.SeverityLimit, true, false, true},
		{"noop rejects", storage.FederationOpen, "cdn.pics.example", true, storage.SeverityNoop, true, true, false},
		{"port names one origin", storage.FederationOpen, "127.0.0.1:9001", false, storage.SeveritySuspend, true, true, false},
		{"other port untouched", storage.FederationOpen, "127.0.0.1:9002", true, "", false, false, false},
		{"IP has no parents", storage.FederationOpen, "1.10.0.0.0", true, "", false, false, false},
		{"self always", storage.FederationAllowlist, "self.example", true, "", false, false, false},
		{"allowlist, listed", storage.FederationAllowlist, "trusted.example", true, "", false, false, false},
		{"allowlist, subdomain of listed", storage.FederationAllowlist, "social.trusted.example", true, "", false, false, false},
		{"allowlist, unlisted", storage.FederationAllowlist, "other.example", false, "", true, true, false},
		{"allowlist, listed port", storage.FederationAllowlist, "127.0.0.1:9002", true, "", false, false, false},
		{"allowlist, unlisted port", storage.FederationAllowlist, "127.0.0.1:9003", false, "", true, true, false},
		{"allowlist, listed but limited", storage.FederationAllowlist, "loud.example", true, storage.SeverityLimit, true, false, true},
		{"empty host", storage.FederationOpen, "", false, "", true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPolicy("self.example")
			p.Set(tt.mode, blocks, allows)
			d := p.Allows(tt.host)
			if d.Federate != tt.federate || d.Block.Severity != tt.severity || d.RejectMedia() != tt.media ||
				d.RejectReports() != tt.reports || d.Limited() != tt.limited {
				t.Errorf("Allows(%q) = federate %v severity %q media %v reports %v limited %v; want %v %q %v %v %v",
					tt.host, d.Federate, d.Block.Severity, d.RejectMedia(), d.RejectReports(), d.Limited(),
					tt.federate, tt.severity, tt.media, tt.reports, tt.limited)
			}
		})
	}
}

// A change is a new snapshot: the next call sees it, with no reload.
func TestPolicySetTakesEffectAtOnce(t *testing.T) {
	p := NewPolicy("self.example")
	if !p.Allows("a.example").Federate {
		t.Fatal("an empty open policy refuses a.example")
	}
	p.Set(storage.FederationOpen, []storage.NodeDomainBlock{{Domain: "a.example", Severity: storage.SeveritySuspend}}, nil)
	if p.Allows("a.example").Federate {
		t.Fatal("a.example still allowed after its suspend")
	}
	p.Set(storage.FederationAllowlist, nil, []storage.NodeDomainAllow{{Domain: "b.example"}})
	if p.Allows("a.example").Federate || !p.Allows("b.example").Federate {
		t.Fatal("allow-list mode not in force")
	}
	if p.Mode() != storage.FederationAllowlist {
		t.Fatalf("mode %q", p.Mode())
	}
}

func TestValidDomain(t *testing.T) {
	tests := []struct {
		in   string
		want string // policyDomain's result
		ok   bool
	}{
		{"Example.ORG", "example.org", true},
		{"https://example.org/about", "example.org", true},
		{"*.example.org", "example.org", true},
		{"127.0.0.1:8080", "127.0.0.1:8080", true},
		{"[::1]:8080", "[::1]:8080", true},
		{"", "", false},
		{"two words", "two words", false},
		{"a..b", "a..b", false},
		{"host:", "host:", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d := policyDomain(tt.in)
			if d != tt.want {
				t.Fatalf("policyDomain(%q) = %q, want %q", tt.in, d, tt.want)
			}
			if err := validDomain(d); (err == nil) != tt.ok {
				t.Fatalf("validDomain(%q) = %v, want ok %v", d, err, tt.ok)
			}
		})
	}
}

// BenchmarkPolicyAllows: 10,000 blocks and 1,000 allows, in allow-list
// mode, asked about a mix of blocked subdomains, allowed and unknown
// hosts.
func BenchmarkPolicyAllows(b *testing.B) {
	blocks := make([]storage.NodeDomainBlock, 10000)
	for i := range blocks {
		blocks[i] = storage.NodeDomainBlock{Domain: fmt.Sprintf("blocked%d.example", i), Severity: storage.SeveritySuspend}
	}
	allows := make([]storage.NodeDomainAllow, 1000)
	for i := range allows {
		allows[i] = storage.NodeDomainAllow{Domain: fmt.Sprintf("council%d.gov.example", i)}
	}
	p := NewPolicy("self.example")
	p.Set(storage.FederationAllowlist, blocks, allows)
	hosts := []string{"social.blocked4242.example", "council512.gov.example", "unknown.host.example:8443", "127.0.0.1:9000"}
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		if p.Allows(hosts[i%len(hosts)]).Federate {
			n++
		}
	}
	if n == 0 {
		b.Fatal("nothing allowed")
	}
}
