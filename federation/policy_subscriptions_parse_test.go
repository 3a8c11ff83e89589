package federation

import (
	"errors"
	"strings"
	"testing"

	"github.com/copse-dev/copse/storage"
)

func TestParseDomainList(t *testing.T) {
	type want struct{ domain, severity, comment string }
	tests := []struct {
		name, contentType, body string
		format                  string
		want                    []want
		wantErr                 string
	}{
		{name: "Mastodon CSV", body: "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n" +
			"spam.example,suspend,false,false,Spam,false\nloud.example,silence,true,false,,false\n",
			format: ListCSV, want: []want{{"spam.example", "suspend", "Spam"}, {"loud.example", "limit", ""}}},
		{name: "CSV without header", body: "spam.example,limit\n", format: ListCSV,
			want: []want{{"spam.example", "suspend", ""}}},
		{name: "CSV by content type", contentType: "text/csv; charset=utf-8", body: "spam.example\n", format: ListCSV,
			want: []want{{"spam.example", "suspend", ""}}},
		{name: "Mastodon instance JSON", body: `[{"domain":"spam.example","digest":"ab12","severity":"suspend","comment":"Spam"},
			{"domain":"lo*d.example","digest":"cd34","severity":"silence","comment":"hidden"},
			{"domain":"loud.example","digest":"ef56","severity":"silence"}]`,
			format: ListJSON, want: []want{{"spam.example", "suspend", "Spam"}, {"loud.example", "limit", ""}}},
		{name: "plain JSON array", contentType: "application/json", body: `[{"domain":"Spam.Example.","severity":"limit","comment":"c"},{"domain":"spam.example"}]`,
			format: ListJSON, want: []want{{"spam.example", "limit", "c"}}},
		{name: "text whose comment starts #domain", body: "#domains the councils block\nspam.example\n", format: ListText,
			want: []want{{"spam.example", "suspend", ""}}},
		{name: "plain text", body: "# shared list of the councils\nspam.example\n\n  Loud.example  # too loud\n*.bots.example\n",
			format: ListText, want: []want{{"spam.example", "suspend", ""}, {"loud.example", "suspend", ""}, {"bots.example", "suspend", ""}}},

		{name: "JSON object, not array", body: `{"domain":"spam.example"}`, format: ListJSON, wantErr: "not an array of objects"},
		{name: "JSON syntax", body: `[{"domain":"spam.example",]`, format: ListJSON, wantErr: "not valid JSON"},
		{name: "JSON wrong field type", body: `[{"domain":42}]`, format: ListJSON, wantErr: `field "domain" has the wrong type`},
		{name: "JSON bad severity", body: `[{"domain":"a.example"},{"domain":"b.example","severity":"ban"}]`, format: ListJSON,
			wantErr: `entry 2: severity "ban" is not suspend, limit or noop`},
		{name: "CSV bad flag", body: "#domain,#severity,#reject_media\nspam.example,suspend,maybe\n", format: ListCSV,
			wantErr: `CSV line 2: reject_media "maybe" is not true or false`},
		{name: "text with two words", body: "spam.example\nnot a domain\n", format: ListText, wantErr: `line 2: "not a domain" is not one domain`},
		{name: "text bad domain", body: "spam..example\n", format: ListText, wantErr: "line 1: domain \"spam..example\" is not a host name"},
		{name: "HTML error page", contentType: "text/html", body: "<html><body>Not here</body></html>\n", format: ListText, wantErr: "line 1"},
		{name: "empty", body: "# nothing yet\n", format: ListText, wantErr: "names no domain"},
		{name: "empty JSON", body: "[]", format: ListJSON, wantErr: "names no domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, format, err := ParseDomainList(tt.contentType, []byte(tt.body))
			if format != tt.format {
				t.Errorf("format %q; want %q", format, tt.format)
			}
			if tt.wantErr != "" {
				var inv *InvalidError
				if !errors.As(err, &inv) || !strings.Contains(inv.Msg, tt.wantErr) {
					t.Fatalf("error %v; want an *InvalidError containing %q", err, tt.wantErr)
				}
				if got != nil {
					t.Fatalf("a refused list returned entries: %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d entries %+v; want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Domain != w.domain || g.Severity != w.severity || g.PublicComment != w.comment {
					t.Errorf("entry %d = %s %s %q; want %s %s %q", i, g.Domain, g.Severity, g.PublicComment, w.domain, w.severity, w.comment)
				}
			}
		})
	}
}

func TestParseDomainListFlags(t *testing.T) {
	got, _, err := ParseDomainList("", []byte(`[{"domain":"pics.example","severity":"noop","reject_media":true,"reject_reports":true,"public_comment":"p"}]`))
	if err != nil {
		t.Fatal(err)
	}
	want := storage.NodeDomainBlock{Domain: "pics.example", Severity: storage.SeverityNoop, RejectMedia: true, RejectReports: true, PublicComment: "p"}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("got %+v; want %+v", got, want)
	}
}

func FuzzParseDomainList(f *testing.F) {
	for _, s := range []string{"spam.example\n", "#domain,#severity\na.example,silence\n", `[{"domain":"a.example"}]`, "[", "a b\n"} {
		f.Add("", s)
	}
	f.Fuzz(func(t *testing.T, ct, body string) {
		got, _, err := ParseDomainList(ct, []byte(body))
		if err == nil && len(got) == 0 {
			t.Fatal("no error and no entries")
		}
		for _, b := range got {
			if validDomain(b.Domain) != nil {
				t.Fatalf("invalid domain %q accepted", b.Domain)
			}
		}
	})
}
