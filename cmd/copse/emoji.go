package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/node"
)

// The custom emoji commands: copse admin emoji add, list and remove. An
// emoji is drawn by apps wherever :shortcode: stands in the text of a post
// or profile of a member here (federation.AddCustomEmoji).

// emojiCommands are the words after copse admin emoji.
var emojiCommands = []subcommand{
	{"add", emojiAdd},
	{"list", emojiList},
	{"set", emojiSet},
	{"remove", emojiRemove},
}

func emojiAdd(ctx context.Context, args []string, p proc) error {
	const cmd = "admin emoji add"
	a := newAdminFlags(cmd)
	category := a.fs.String("category", "", "`category` the apps' pickers group it under")
	hidden := a.fs.Bool("hidden", false, "leave it out of the apps' pickers (text still names it)")
	n, pos, err := a.openArgs(ctx, args, p, "shortcode", "image file or address")
	if err != nil {
		return err
	}
	defer n.Close()
	ne := federation.NewEmoji{Shortcode: pos[0], Category: *category, Hidden: *hidden}
	var c storage.CustomEmoji
	if src := pos[1]; strings.HasPrefix(src, "https://") || strings.HasPrefix(src, "http://") {
		c, err = n.Engine.CopyCustomEmoji(ctx, 0, ne, src) // another server's emoji, say
	} else {
		f, ferr := os.Open(src)
		if ferr != nil {
			return fmt.Errorf("%s: %w", cmd, ferr)
		}
		defer f.Close()
		c, err = n.Engine.AddCustomEmoji(ctx, 0, ne, f)
	}
	if err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	fmt.Fprintf(p.stdout, ":%s: added; apps draw it in posts and profiles of members here\n", c.Shortcode)
	return nil
}

func emojiList(ctx context.Context, args []string, p proc) error {
	const cmd = "admin emoji list"
	n, err := newAdminFlags(cmd).open(ctx, args, p)
	if err != nil {
		return err
	}
	defer n.Close()
	all, err := n.Engine.CustomEmojis(ctx)
	if err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	tw := tabwriter.NewWriter(p.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "SHORTCODE\tCATEGORY\tPICKER\tADDED\tIMAGE")
	for _, c := range all {
		picker := "shown"
		if !c.VisibleInPicker {
			picker = "hidden"
		}
		fmt.Fprintf(tw, ":%s:\t%s\t%s\t%s\t%s\n", c.Shortcode, c.Category, picker, c.CreatedAt.UTC().Format(time.RFC3339), n.Engine.Emoji(c).URL)
	}
	return tw.Flush()
}

func emojiSet(ctx context.Context, args []string, p proc) error {
	const cmd = "admin emoji set"
	a := newAdminFlags(cmd)
	var ch federation.EmojiChange
	a.fs.Func("category", "`category` the apps' pickers group it under (\"\" for none)", func(s string) error { ch.Category = &s; return nil })
	a.fs.BoolFunc("hidden", "leave it out of the apps' pickers", func(string) error { t := true; ch.Hidden = &t; return nil })
	a.fs.BoolFunc("shown", "show it in the apps' pickers", func(string) error { f := false; ch.Hidden = &f; return nil })
	n, pos, err := a.openArgs(ctx, args, p, "shortcode")
	if err != nil {
		return err
	}
	defer n.Close()
	if ch.Category == nil && ch.Hidden == nil {
		return fmt.Errorf("%s: say what to change: --category, --hidden or --shown", cmd)
	}
	code := strings.Trim(pos[0], ":")
	c, err := n.Store.CustomEmojiByShortcode(ctx, code)
	if err == nil {
		c, err = n.Engine.ChangeCustomEmoji(ctx, 0, c.ID, ch)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("%s: no emoji :%s:", cmd, code)
	}
	if err != nil {
		return fmt.Errorf("%s: %s", cmd, message(err))
	}
	picker := "shown in pickers"
	if !c.VisibleInPicker {
		picker = "left out of pickers"
	}
	fmt.Fprintf(p.stdout, ":%s: is in category %q and %s\n", c.Shortcode, c.Category, picker)
	return nil
}

func emojiRemove(ctx context.Context, args []string, p proc) error {
	return namedAction[storage.CustomEmoji, storage.CustomEmoji]{
		cmd: "admin emoji remove", arg: "shortcode",
		missing: func(arg string) string { return "no emoji :" + strings.Trim(arg, ":") + ":" },
		find: func(ctx context.Context, n *node.Node, arg string) (storage.CustomEmoji, error) {
			return n.Store.CustomEmojiByShortcode(ctx, strings.Trim(arg, ":"))
		},
		act: func(ctx context.Context, n *node.Node, c storage.CustomEmoji) (storage.CustomEmoji, error) {
			return n.Engine.RemoveCustomEmoji(ctx, 0, c.ID)
		},
		done: func(_, c storage.CustomEmoji) string {
			return ":" + c.Shortcode + ": removed; posts that used it keep its image"
		},
	}.run(ctx, args, p)
}
