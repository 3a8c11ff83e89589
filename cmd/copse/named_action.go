package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
)

// namedAction is the one shape of the commands that take one argument
// naming a thing (a domain, an id or a URL), act on it and say what
// they did: unblock, disallow, unsubscribe, approve, reject.
type namedAction[T, U any] struct {
	cmd, arg string // the command, and its argument's name in the usage line
	// missing is the error when find or act finds nothing by the argument.
	missing func(arg string) string
	find    func(ctx context.Context, n *node.Node, arg string) (T, error)
	act     func(ctx context.Context, n *node.Node, found T) (U, error)
	// enforce applies the federation policy after the change (enforce).
	enforce bool
	done    func(found T, result U) string
}

func (c namedAction[T, U]) run(ctx context.Context, args []string, p proc) error {
	n, pos, err := newAdminFlags(c.cmd).openArgs(ctx, args, p, c.arg)
	if err != nil {
		return err
	}
	defer n.Close()
	var result U
	found, err := c.find(ctx, n, pos[0])
	if err == nil {
		result, err = c.act(ctx, n, found)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("%s: %s", c.cmd, c.missing(pos[0]))
	}
	if err != nil {
		return fmt.Errorf("%s: %s", c.cmd, message(err))
	}
	if c.enforce {
		if err := enforce(ctx, n); err != nil {
			return err
		}
	}
	fmt.Fprintln(p.stdout, c.done(found, result))
	return nil
}
