package federation

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/copse-dev/copse/storage"
)

func TestDomainBlocksCSVRoundTrip(t *testing.T) {
	in := []storage.NodeDomainBlock{
		{Domain: "spam.example", Severity: storage.SeveritySuspend, RejectMedia: true, RejectReports: true, PublicComment: "spam, \"lots\""},
		{Domain: "loud.example", Severity: storage.SeverityLimit, PublicComment: "line one\nline two", Obfuscate: true},
		{Domain: "127.0.0.1:9001", Severity: storage.SeverityNoop, RejectMedia: true},
	}
	var buf bytes.Buffer
	if err := WriteDomainBlocksCSV(&buf, in); err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(buf.String(), "\n"); first != "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate" {
		t.Fatalf("header %q", first)
	}
	if !strings.Contains(buf.String(), "loud.example,silence,") {
		t.Fatalf("limit not written as Mastodon's silence:\n%s", buf.String())
	}
	out, err := ParseDomainBlocksCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", out, in)
	}
}

func TestParseDomainBlocksCSV(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []storage.NodeDomainBlock
		invalid bool
	}{
		{"mastodon export", "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n" +
			"bad.example,suspend,false,false,Harassment,false\nmeh.example,silence,true,false,,false\n",
			[]storage.NodeDomainBlock{{Domain: "bad.example", Severity: "suspend", PublicComment: "Harassment"},
				{Domain: "meh.example", Severity: "limit", RejectMedia: true}}, false},
		{"columns in another order, no #", "severity,domain\nnoop,A.Example\n",
			[]storage.NodeDomainBlock{{Domain: "a.example", Severity: "noop"}}, false},
		{"no header: domains, suspended", "one.example\n\ntwo.example\none.example\n",
			[]storage.NodeDomainBlock{{Domain: "one.example", Severity: "suspend"}, {Domain: "two.example", Severity: "suspend"}}, false},
		{"bad severity", "#domain,#severity\nx.example,ban\n", nil, true},
		{"bad boolean", "#domain,#reject_media\nx.example,maybe\n", nil, true},
		{"bad domain", "#domain\nnot a domain\n", nil, true},
		{"header without domain", "#severity\nsuspend\n", nil, true},
		{"broken quotes", "#domain,#public_comment\nx.example,\"open\n", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDomainBlocksCSV(strings.NewReader(tt.in))
			var inv *InvalidError
			if tt.invalid {
				if !errors.As(err, &inv) {
					t.Fatalf("err = %v, want an InvalidError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
