package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
)

// demoPassword is every demo member's password: the demo runs on
// loopback only, in a data directory removed when it stops.
const demoPassword = "copse demo password"

// demoPerson is a member a demo node starts with.
type demoPerson struct {
	username, name, department, job string
}

// demoOrg is one node of the demo: an organisation and its members.
type demoOrg struct {
	name    string
	members []demoPerson
}

// The demo's three organisations, as in a county and its city and
// college: fictional, with the roles that meet in a community of
// practice about public libraries and information services.
var demoOrgs = []demoOrg{
	{"Westshire County Council", []demoPerson{
		{"alice", "Alice Hart", "Libraries and Information", "Head of Library Services"},
		{"arun", "Arun Patel", "Digital Services", "Information Governance Officer"},
	}},
	{"Northbridge City Council", []demoPerson{
		{"bea", "Bea Okafor", "Customer Services", "Knowledge Manager"},
		{"ben", "Ben Price", "Community Hubs", "Library Assistant"},
	}},
	{"Northbridge College", []demoPerson{
		{"cid", "Cid Morgan", "Learning Resources", "Learning Technologist"},
		{"cara", "Cara Lewis", "Learning Resources", "Librarian"},
	}},
}

// demoNet is the demo's three running nodes.
type demoNet struct {
	nodes   []*node.Node
	urls    []string
	dataDir string
	removes bool // dataDir is the demo's own, removed at stop
	stop    context.CancelFunc
	done    chan error
	thread  string // the seeded thread's id
}

// demo runs copse demo: three nodes on loopback, seeded, until SIGINT or
// SIGTERM.
func demo(ctx context.Context, args []string, p proc) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dataDir := fs.String("data-dir", "", "`directory` for the three nodes' data, kept after the demo; by default a temporary one, removed")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(p.stdout, "usage: copse demo [--data-dir DIR]\n\nflags:")
			fs.SetOutput(p.stdout)
			fs.PrintDefaults()
			return err
		}
		return fmt.Errorf("demo: %w (copse demo -h lists its flags)", err)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(p.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	d, err := startDemo(ctx, *dataDir, log)
	if err != nil {
		return err
	}
	d.print(p.stdout)
	<-ctx.Done()
	fmt.Fprintln(p.stdout, "stopping the three nodes…")
	return d.Stop()
}

// startDemo starts the three nodes on free loopback ports, under dataDir
// ("" for a new temporary directory), and seeds them through their
// engines, federating for real: members of each node join a community of
// the first, post a thread and a reply, and edit an artefact.
func startDemo(ctx context.Context, dataDir string, log *slog.Logger) (*demoNet, error) {
	d := &demoNet{dataDir: dataDir, done: make(chan error, len(demoOrgs))}
	if d.dataDir == "" {
		dir, err := os.MkdirTemp("", "copse-demo-*")
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		d.dataDir, d.removes = dir, true
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d.stop = cancel
	for i := range demoOrgs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			d.Stop()
			return nil, fmt.Errorf("demo: listen: %w", err)
		}
		// The host is localhost, which copse serves over plain http.
		host := fmt.Sprintf("localhost:%d", ln.Addr().(*net.TCPAddr).Port)
		cfg := node.Default()
		cfg.Host, cfg.Listen, cfg.LogLevel = host, ln.Addr().String(), "warn"
		cfg.DataDir = fmt.Sprintf("%s/node%d", d.dataDir, i+1)
		cfg.AllowPrivate = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
		n, err := node.Open(ctx, cfg, log.With("node", host))
		if err != nil {
			ln.Close()
			d.Stop()
			return nil, fmt.Errorf("demo: open %s: %w", host, err)
		}
		d.nodes = append(d.nodes, n)
		d.urls = append(d.urls, cfg.BaseURL())
		go func() { d.done <- n.ServeListener(runCtx, ln) }()
	}
	if err := d.seed(ctx); err != nil {
		d.Stop()
		return nil, fmt.Errorf("demo: seed: %w", err)
	}
	return d, nil
}

// Stop stops the three nodes, waits for them, closes their databases and
// removes a temporary data directory.
func (d *demoNet) Stop() error {
	d.stop()
	var errs []error
	for range d.nodes {
		if err := <-d.done; err != nil {
			errs = append(errs, err)
		}
	}
	for _, n := range d.nodes {
		if err := n.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if d.removes {
		if err := os.RemoveAll(d.dataDir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// seed creates the members, the community and its content.
func (d *demoNet) seed(ctx context.Context) error {
	members := make([][]storage.Account, len(d.nodes))
	for i, n := range d.nodes {
		for _, m := range demoOrgs[i].members {
			a, err := n.Engine.CreateMember(ctx, federation.NewMember{Username: m.username, Email: d.email(i, m),
				Password: demoPassword, Permission: "member", DisplayName: m.name, Organisation: demoOrgs[i].name,
				Department: m.department, JobTitle: m.job})
			if err != nil {
				return fmt.Errorf("member %s: %w", m.username, err)
			}
			members[i] = append(members[i], a)
		}
	}
	a := d.nodes[0]
	alice := members[0][0]
	if _, err := a.Engine.CreateCommunity(ctx, alice, federation.NewCommunity{Handle: "libraries", Name: "Library and information services",
		Description: "Practitioners from councils and colleges sharing how they run **library and information services**.",
		Rules:       "Be kind. Share what worked and what did not.", Language: "en",
		JoinPolicy: storage.JoinOpen, PostingPolicy: storage.PostingMembers, Visibility: storage.CommunityPublic}); err != nil {
		return fmt.Errorf("community: %w", err)
	}
	group := "libraries@" + a.Config.Host
	groups := make([]storage.Account, len(d.nodes))
	for i, n := range d.nodes {
		g, err := n.Engine.ResolveAccount(ctx, group)
		if err != nil {
			return fmt.Errorf("resolve %s on %s: %w", group, n.Config.Host, err)
		}
		groups[i] = g
		for _, m := range members[i] {
			if err := n.Engine.Follow(ctx, m.ID, g.ID, federation.FollowOptions{ShowReblogs: true}); err != nil {
				return fmt.Errorf("%s joins: %w", m.Username, err)
			}
			if err := waitFor(ctx, m.Username+" joins "+group, func() (bool, error) {
				_, err := n.Store.FollowOf(ctx, m.ID, g.ID)
				return err == nil, ignoreNotFound(err)
			}); err != nil {
				return err
			}
		}
	}
	b, c := d.nodes[1], d.nodes[2]
	thread, err := b.Engine.Post(ctx, members[1][0].ID, federation.Draft{Text: "@" + group +
		" Publishing opening hours\nHow do your libraries publish opening hours, and keep them right on bank holidays?"})
	if err != nil {
		return fmt.Errorf("thread: %w", err)
	}
	d.thread = thread.URI
	var onC storage.Status
	if err := waitFor(ctx, "the thread reaches the college", func() (bool, error) {
		onC, err = c.Store.StatusByURI(ctx, thread.URI)
		return err == nil, ignoreNotFound(err)
	}); err != nil {
		return err
	}
	if _, err := c.Engine.Post(ctx, members[2][1].ID, federation.Draft{Text: "We publish them from one spreadsheet to the website, the door and the catalogue.", InReplyTo: onC.ID}); err != nil {
		return fmt.Errorf("reply: %w", err)
	}
	var onA storage.Status
	if err := waitFor(ctx, "the thread reaches the county", func() (bool, error) {
		onA, err = a.Store.StatusByURI(ctx, thread.URI)
		return err == nil, ignoreNotFound(err)
	}); err != nil {
		return err
	}
	if _, err := a.Engine.Post(ctx, members[0][1].ID, federation.Draft{Text: "The county does the same; our template is in the library.", InReplyTo: onA.ID}); err != nil {
		return fmt.Errorf("reply: %w", err)
	}
	art, err := a.Engine.CreateArtefact(ctx, alice, groups[0].ID, federation.NewArtefact{Title: "Opening hours template",
		Summary: "One table of opening hours that every channel reads.",
		Body:    "# Opening hours\n\n| Day | Open | Close |\n|---|---|---|\n| Monday | 9:00 | 17:00 |\n",
		Tags:    []string{"hours"}, Licence: storage.LicenceOGL, EditPolicy: storage.EditMembers, Note: "First draft"})
	if err != nil {
		return fmt.Errorf("artefact: %w", err)
	}
	for i, body := range []string{
		"# Opening hours\n\n| Day | Open | Close |\n|---|---|---|\n| Monday | 9:00 | 17:00 |\n| Saturday | 10:00 | 13:00 |\n",
		"# Opening hours\n\n| Day | Open | Close |\n|---|---|---|\n| Monday | 9:00 | 17:00 |\n| Saturday | 10:00 | 13:00 |\n\nBank holidays: closed; say so a week before.\n",
	} {
		editor := members[0][i%2]
		if art, err = a.Engine.EditArtefact(ctx, editor, art.ID, federation.ArtefactEdit{BaseVersion: art.Version, Body: &body,
			Note: []string{"Saturday hours", "Bank holidays"}[i]}); err != nil {
			return fmt.Errorf("edit artefact: %w", err)
		}
	}
	return nil
}

func (d *demoNet) email(i int, m demoPerson) string {
	return m.username + "@" + strings.ToLower(strings.ReplaceAll(demoOrgs[i].name, " ", "-")) + ".example"
}

// print tells a newcomer where the nodes are and how to sign in.
func (d *demoNet) print(w io.Writer) {
	fmt.Fprintf(w, "copse demo: three nodes on this machine (data in %s)\n\n", d.dataDir)
	for i, u := range d.urls {
		fmt.Fprintf(w, "%s\n  %s\n", demoOrgs[i].name, u)
		for _, m := range demoOrgs[i].members {
			fmt.Fprintf(w, "  sign in: %-45s %s, %s\n", d.email(i, m), m.name, m.job)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "password for everyone: %s\n", demoPassword)
	fmt.Fprintf(w, "community: %s/c/libraries (members from all three nodes, a thread with replies, an artefact with three versions)\n", d.urls[0])
	fmt.Fprintln(w, "the nodes share the host name localhost: sign in to each in its own browser profile or private window")
	fmt.Fprintln(w, "press Ctrl-C to stop all three")
}

// waitFor polls cond until it holds, fails, ctx ends or a minute passes.
func waitFor(ctx context.Context, what string, cond func() (bool, error)) error {
	deadline := time.Now().Add(time.Minute)
	for {
		ok, err := cond()
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not within a minute", what)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func ignoreNotFound(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	return err
}
