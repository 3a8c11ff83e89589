// Command copse-load measures a running copse node's inbox from outside,
// as its peers reach it: it plays a remote server on a loopback port
// (serving its actor and key), pre-signs N Create{Note} activities of one
// shape, POSTs them to the node's shared inbox over C concurrent
// connections, and waits until the node has applied them all. It prints
// activities applied per second, the node's CPU time per activity (with
// -pid), and the machine's signing rate (the yardstick the figures are
// quoted against).
//
// It reaches only loopback addresses, and is bounded by -n and -timeout.
// docs/performance.md gives the commands that start a node for it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
)

func main() {
	if err := runMain(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "copse-load:", err)
		os.Exit(1)
	}
}

func runMain(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("copse-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.Node, "node", "http://127.0.0.1:18080", "base URL of the running node (loopback only)")
	fs.StringVar(&cfg.Member, "member", "", "username of a local member the activities concern")
	fs.StringVar(&cfg.Shape, "shape", shapeMention, "mention (notifies the member), follow (an author the member follows: home rows), reply (to the member's post: thread) or community (a thread into the community -member names, checked and announced by its Group)")
	fs.IntVar(&cfg.N, "n", 2000, fmt.Sprintf("activities to send (at most %d)", maxActivities))
	fs.IntVar(&cfg.Concurrency, "c", 16, fmt.Sprintf("concurrent connections (at most %d)", maxConcurrency))
	fs.DurationVar(&cfg.Timeout, "timeout", 5*time.Minute, fmt.Sprintf("give up after this long (at most %v)", maxTimeout))
	fs.StringVar(&cfg.Token, "token", "", "the member's OAuth access token (follow and reply shapes set up through the client API)")
	fs.StringVar(&cfg.Password, "password", "", "the member's password, to obtain a token when -token is not given")
	printToken := fs.Bool("print-token", false, "sign in with -member and -password, print an access token for -token, and exit (an app is registered once, not once per run: a node lets an address register five apps in ten minutes)")
	fs.IntVar(&cfg.PID, "pid", 0, "the node's process ID, to report its CPU time per activity (Linux /proc)")
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:0", "loopback address the fake peer serves its actor on")
	fs.DurationVar(&cfg.Yardstick, "yardstick", time.Second, "sign requests on all cores for this long before the run and report signatures/s (0: skip)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *printToken {
		return printAccessToken(ctx, cfg, stdout)
	}
	res, err := run(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	res.print(stdout)
	if res.Applied < res.N {
		return errors.New("not every activity was applied")
	}
	return nil
}

// printAccessToken signs in as cfg.Member with cfg.Password on the node
// (loopback only, as every run) and prints the access token.
func printAccessToken(ctx context.Context, cfg config, stdout io.Writer) error {
	node, err := checkConfig(cfg)
	if err != nil {
		return err
	}
	if cfg.Password == "" {
		return errors.New("-print-token needs -password")
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	tok, err := passwordToken(ctx, node, cfg.Member, cfg.Password)
	if err != nil {
		return fmt.Errorf("sign in as %s: %w", cfg.Member, err)
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}
