// Command copse runs one organisation's node of the copse network, and
// administers it.
//
//	copse serve [flags]                  run the node
//	copse admin account create ...       create a member
//	copse admin account list             list members
//	copse admin account set-role ...     change a member's role
//	copse admin deliveries               show the delivery queue
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
	"syscall"

	"github.com/copse-dev/copse/web/node"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "copse: "+err.Error())
		os.Exit(1)
	}
}

const usage = `usage: copse <command> [flags]

commands:
  serve                      run the node (copse serve -h for its flags)
  admin account create       create a member: --username --email --password [--role member|moderator|admin]
  admin account list         list members
  admin account set-role     change a role: --username --role
  admin deliveries           show queue depth and failing hosts
  version                    print the version
`

// run is main without the process: it returns errors instead of exiting.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case "admin":
		return admin(ctx, args[1:], getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "copse "+node.Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		serveUsage(stdout)
		return err
	}
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	if getenv("GOGC") == "" {
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
	return n.Serve(ctx)
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
