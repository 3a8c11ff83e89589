package main

import (
	"context"
	"fmt"
	"strings"
)

// subcommand is one word of a command line and what it runs with the
// words after it.
type subcommand struct {
	name string
	run  func(ctx context.Context, args []string, p proc) error
}

// dispatch runs the subcommand that args[0] names. parent names the
// command above it ("admin domain") in the errors, which list the choices,
// so every level of the CLI answers a missing or unknown word the same way.
func dispatch(ctx context.Context, parent string, cmds []subcommand, args []string, p proc) error {
	if len(args) == 0 {
		return fmt.Errorf("%s: name a command: %s", parent, choices(cmds))
	}
	for _, c := range cmds {
		if c.name == args[0] {
			return c.run(ctx, args[1:], p)
		}
	}
	return fmt.Errorf("%s: unknown command %q (%s)", parent, args[0], choices(cmds))
}

// choices lists the subcommands' names as a sentence: "a, b or c".
func choices(cmds []subcommand) string {
	names := make([]string, len(cmds))
	for i, c := range cmds {
		names[i] = c.name
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
