// Command copse runs one organisation's node of the copse network, and
// administers it.
//
//	copse serve [flags]                  run the node
//	copse admin account create ...       create a member
//	copse admin account list             list members
//	copse admin account role U R         change a member's role (also set-role)
//	copse admin account suspend|unsuspend|delete|reset-password U
//	copse admin account approve U        let in a sign-up that waits
//	copse admin invite create|list       invitation links
//	copse admin deliveries               show the delivery queue
//	copse admin backup --to DIR          back up the database and media
//	copse admin community export|import  a community's archive
//	copse admin node show|set-url        the node's recorded base URL
//	copse demo                           three seeded nodes on loopback
//	copse version                        print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/web/node"
)

func main() {
	err := run(context.Background(), os.Args[1:], stdio())
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "copse: "+message(err))
		os.Exit(1)
	}
}

// stdio is the process's own environment and standard streams.
func stdio() proc {
	return proc{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
}

// proc is what a command sees of its process; tests give it their own.
type proc struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
}

// message is the text of err for a person at a terminal: an engine
// refusal is shown as the engine worded it for people, without the
// package prefix that tells developers where it came from.
func message(err error) string {
	var inv *federation.InvalidError
	if errors.As(err, &inv) {
		return inv.Msg
	}
	return err.Error()
}

const usage = `usage: copse <command> [flags]

commands:
  serve                      run the node (copse serve -h for its flags)
  admin account create       create a member: --username --email [a prompt, --password-stdin or --password]
  admin account list         list members with role and status
  admin account role U R     change a member's role to member, moderator or admin (or set-role --username --role)
  admin account suspend U    sign a member out everywhere and hide them until unsuspend
  admin account unsuspend U  let a suspended member back
  admin account limit|unlimit|sensitive|unsensitive|disable|enable|warn A   act on a member (or user@host) --reason T, shown to them
  admin account reset-password U   set a new password (a prompt or --password-stdin); ends sessions and apps' access
  admin account set-email U E  change a member's email address at once (audited)
  admin account delete U --yes     delete a member for good, telling their followers' servers
  admin account pending      list sign-ups that wait for an admin, with their reasons
  admin account approve U    let in a sign-up that waits for an admin
  admin invite create        make an invitation link: [--expires 7d] [--uses 1]
  admin invite list          list invitations with their uses and status
  admin trends list          the hashtags that trend or would this week, with their review
  admin trends approve|reject TAG   let a hashtag trend for members, or not
  admin announcement publish --text T   tell every member, in their apps: [--starts-at T] [--ends-at T] [--all-day]
  admin announcement list    list announcements, ended ones too
  admin announcement delete ID   take an announcement down
  admin audit                the audit log of moderators' and admins' actions: [--action A] [--limit 40] [--before ID]
  admin domain block D       block a domain and its subdomains: [--severity suspend|limit|noop] [--reject-media]
                             [--reject-reports] [--public-comment] [--private-comment] [--obfuscate]
  admin domain unblock D     lift a domain's block
  admin domain allow|disallow D    add a domain to, or take it off, the allow list
  admin domain list          show the federation mode, blocks and allows
  admin domain import FILE   add blocks from Mastodon's CSV (- for standard input)
  admin domain export        write the blocks as Mastodon's CSV: [--to FILE]
  admin domain subscribe URL subscribe to a shared list (CSV, JSON or text): [--kind blocks|allows] of domains to
                             block (the default) or to allow; [--trusted] applies it without review
  admin domain unsubscribe U end a subscription (by URL or id); its blocks or allows stay
  admin domain subscriptions list subscriptions: [--refresh] reads each list now
  admin domain drafts        list entries of lists waiting for review: [--state pending|rejected]
  admin domain approve|reject D   approve (block or allow now) or reject a draft, by id or domain
  admin federation mode M    federate with everyone not blocked (open) or only with allowed domains (allowlist)
  admin emoji add CODE FILE  add a custom emoji (JPEG, PNG, GIF or WebP; FILE may be an https address to copy another
                             server's): [--category C] [--hidden] from pickers
  admin emoji list           list the node's custom emojis
  admin emoji set CODE       change an emoji: [--category C] [--hidden|--shown] in pickers
  admin emoji remove CODE    remove a custom emoji (posts that used it keep its image)
  admin email-domain block D refuse sign-ups from addresses at a domain and its subdomains
  admin email-domain unblock D   lift an email domain block (by domain or id)
  admin email-domain list    list the email domain blocks
  admin mail test ADDRESS    send a test mail now through the SMTP settings
  admin mail queue           list the members' mail waiting to be sent, with its last error
  admin deliveries           show queue depth and failing hosts
  admin backup --to DIR      copy the database and media, consistently, while the node runs
  admin community export H --out F   write community H's archive (threads, artefacts, files, members, log) to F
  admin community import F [--handle H]   restore an archive as a new community of this node
  admin node show            show the node's recorded base URL
  admin node set-url URL     move a node that has not federated yet to another base URL
  demo                       run three seeded nodes on this machine until Ctrl-C
  version                    print the version
`

// run is main without the process: it returns errors instead of exiting.
func run(ctx context.Context, args []string, p proc) error {
	if len(args) == 0 {
		fmt.Fprint(p.stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], p)
	case "admin":
		return admin(ctx, args[1:], p)
	case "demo":
		return demo(ctx, args[1:], p)
	case "version":
		fmt.Fprintln(p.stdout, "copse "+node.Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(p.stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q (copse help lists them)", args[0])
}

// startupSettles is how long after it starts serving a node has done
// its start-up: the listener is up and the workers have had their first
// round (queue reads, clean-ups, schedules).
const startupSettles = time.Second

func serve(ctx context.Context, args []string, p proc) error {
	cfg, err := loadConfig(args, p.getenv)
	if errors.Is(err, flag.ErrHelp) {
		serveUsage(p.stdout)
		return err
	}
	if err != nil {
		return err
	}
	log := newLogger(cfg, p.stderr)
	if path := p.getenv("COPSE_CPUPROFILE"); path != "" {
		stopProfile, err := startCPUProfile(path)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	if p.getenv("GOGC") == "" {
		debug.SetGCPercent(node.GCPercent)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	n, err := node.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer n.Close()
	// Opening (migrations, templates, keys) leaves garbage a lazy
	// collector would keep for a while: hand it back before serving.
	debug.FreeOSMemory()
	// Start-up ends with the workers' first round, within a second of
	// serving; the code only it ran is then handed back, and what each
	// later collection read is handed back after it.
	handBackCodePages(ctx, log)
	return n.Serve(ctx)
}

// startCPUProfile writes a CPU profile of the whole run to path, until
// the returned function is called (copse serve calls it when it stops,
// on SIGINT or SIGTERM). It is how docs/performance.md profiles the
// server while cmd/copse-load drives it from another process, with no
// profiling endpoint on any listener.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func newLogger(cfg node.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel)) // validated already
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
