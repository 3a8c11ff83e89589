package pages_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
	"github.com/copse-dev/copse/web/testrig"
)

const (
	benchArtefacts = 1_000 // in the library
	benchVersions  = 100   // of the one artefact whose page is read
	benchTerms     = 50    // in the community's glossary
)

// BenchmarkRepertoirePages measures the library page (/c/{handle}/library)
// of a community holding benchArtefacts artefacts, and the page of an
// artefact with benchVersions versions (/c/{handle}/artefacts/{id}: body,
// files, history), written straight to storage, read by two concurrent
// clients (issue 13, "Speed": p99 under 10 ms, at least 1,000 requests per
// second on 2 cores). It reports requests per second, p50 and p99 latency
// and the process's CPU per request.
func BenchmarkRepertoirePages(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(node.GCPercent)) // as copse serve runs
	n, alice, c := benchNode(b)
	deep := benchFillLibrary(b, n, alice, c.AccountID)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
	for _, bc := range []struct{ name, path string }{
		{"library", "/c/libraries/library"},
		{"artefact", "/c/libraries/artefacts/" + deep.String()},
	} {
		b.Run(bc.name, func(b *testing.B) { benchServe(b, client, n.URL+bc.path) })
	}
}

// benchServe reads url with GOMAXPROCS concurrent clients for b.N
// requests in all and reports req/s, p50-ms, p99-ms and cpu-ms/op.
func benchServe(b *testing.B, client *http.Client, url string) {
	get := func() error {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return nil
	}
	if err := get(); err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var took []time.Duration
	b.SetParallelism(1)
	b.ResetTimer()
	cpu := testrig.CPUTime()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			start := time.Now()
			if err := get(); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(start))
		}
		mu.Lock()
		took = append(took, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	cpu = testrig.CPUTime() - cpu
	if len(took) == 0 {
		return
	}
	slices.Sort(took)
	ms := func(q float64) float64 {
		return float64(took[min(len(took)-1, int(q*float64(len(took))))]) / float64(time.Millisecond)
	}
	if cpu > 0 {
		b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(len(took)), "cpu-ms/op")
	}
	b.ReportMetric(float64(len(took))/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

// benchFillLibrary writes benchArtefacts artefacts by author into the
// community, each with a body of about 4 KB and one version, and one more
// with benchVersions versions, whose ID it returns.
func benchFillLibrary(b *testing.B, n *testrig.Node, author storage.Account, community storage.ID) storage.ID {
	b.Helper()
	ctx := context.Background()
	// Two of the glossary's terms occur in every body.
	body := strings.Repeat("The enquiry routine asks who called, what they need and what was agreed. ", 55) +
		"See term1 and term7s."
	add := func(tx *storage.Tx, i, versions int) (storage.ID, error) {
		a := storage.Artefact{CommunityID: community, URI: fmt.Sprintf("%s/artefacts/bench-%d", n.URL, i), URL: n.URL,
			Local: true, CreatedBy: author.ID, Title: fmt.Sprintf("Enquiry routine %d", i), Summary: "How we answer enquiries.",
			BodySource: body, BodyHTML: "<p>" + body + "</p>", Tags: []string{"enquiries"}, Authors: []storage.ID{author.ID},
			Organisation: "County Council", Licence: storage.LicenceOGL, EditPolicy: storage.EditMembers, Version: versions}
		if err := tx.InsertArtefact(ctx, &a); err != nil {
			return 0, err
		}
		a.URI = fmt.Sprintf("%s/artefacts/%d", n.URL, a.ID)
		for v := 1; v <= versions; v++ {
			av := storage.ArtefactVersion{ArtefactID: a.ID, Number: v, Title: a.Title, Summary: a.Summary,
				BodySource: fmt.Sprintf("%s (revision %d)", body, v), BodyHTML: fmt.Sprintf("<p>%s (revision %d)</p>", body, v),
				Files: []storage.VersionFile{}, EditorID: author.ID, EditorURI: author.URI, Note: fmt.Sprintf("revision %d", v)}
			if err := tx.AddArtefactVersion(ctx, &av); err != nil {
				return 0, err
			}
		}
		return a.ID, nil
	}
	const batch = 250
	for done := 0; done < benchArtefacts; done += batch {
		err := n.Store.InTx(ctx, func(tx *storage.Tx) error {
			for i := done; i < min(done+batch, benchArtefacts); i++ {
				if _, err := add(tx, i, 1); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("fill the library: %v", err)
		}
	}
	var deep storage.ID
	err := n.Store.InTx(ctx, func(tx *storage.Tx) error {
		var err error
		if deep, err = add(tx, benchArtefacts, benchVersions); err != nil {
			return err
		}
		// A glossary, whose terms the artefact page links in the body.
		for i := range benchTerms {
			name := fmt.Sprintf("term%d", i)
			t := storage.Term{CommunityID: community, URI: fmt.Sprintf("%s/glossary/bench-%d", n.URL, i), Local: true,
				CreatedBy: author.ID, Term: name, Tag: name, DefinitionSource: "A word.", DefinitionHTML: "<p>A word.</p>",
				Aliases: []string{name + "s"}, Version: 1}
			if err := tx.InsertTerm(ctx, &t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("the artefact with %d versions: %v", benchVersions, err)
	}
	return deep
}
