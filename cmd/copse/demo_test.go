package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestDemo starts the demo's three nodes in-process on free ports,
// checks that each answers on its URL, that the thread posted on the
// second reached the other two with its replies, and that the artefact
// has three versions, then stops them and finds the data removed.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three nodes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d, err := startDemo(ctx, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	stopped := false
	defer func() {
		if !stopped {
			d.Stop()
		}
	}()
	var out bytes.Buffer
	d.print(&out)
	if len(d.urls) != 3 {
		t.Fatalf("urls = %v", d.urls)
	}
	for _, u := range d.urls {
		if !strings.Contains(out.String(), u) {
			t.Errorf("the demo does not print %s:\n%s", u, out.String())
		}
		resp, err := http.Get(u + "/api/v1/instance")
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s/api/v1/instance: %d", u, resp.StatusCode)
		}
	}
	for i, n := range d.nodes {
		if err := waitFor(ctx, "the thread on "+d.urls[i], func() (bool, error) {
			_, err := n.Store.StatusByURI(ctx, d.thread)
			return err == nil, ignoreNotFound(err)
		}); err != nil {
			t.Error(err)
		}
	}
	// The community's own node threads every post: the thread and the
	// replies from the college and the county.
	if err := waitFor(ctx, "both replies in the community's thread", func() (bool, error) {
		st, err := d.nodes[0].Store.StatusByURI(ctx, d.thread)
		if err != nil {
			return false, err
		}
		ids, err := d.nodes[0].Store.ThreadStatusIDs(ctx, st.ID, 10)
		return len(ids) == 3, err
	}); err != nil {
		t.Error(err)
	}
	g, err := d.nodes[0].Store.AccountByUsername(ctx, "libraries")
	if err != nil {
		t.Fatal(err)
	}
	arts, err := d.nodes[0].Store.CommunityArtefactsAfter(ctx, g.ID, 0, 10)
	if err != nil || len(arts) != 1 || arts[0].Version != 3 {
		t.Errorf("artefacts = %+v, %v; want one with three versions", arts, err)
	}
	stopped = true
	if err := d.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if _, err := os.Stat(d.dataDir); !os.IsNotExist(err) {
		t.Errorf("data dir %s after stop: %v", d.dataDir, err)
	}
	for _, u := range d.urls {
		if resp, err := http.Get(u + "/api/v1/instance"); err == nil {
			resp.Body.Close()
			t.Errorf("%s still answers after stop", u)
		}
	}
}
