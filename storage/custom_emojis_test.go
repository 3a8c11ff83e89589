package storage

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// TestCustomEmojis: a shortcode is taken whatever its case; text names an
// emoji in its exact case; the list is by category, then shortcode; a
// removed emoji is gone from both.
func TestCustomEmojis(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	add := func(code, category string) (CustomEmoji, error) {
		c := CustomEmoji{Shortcode: code, File: "ab/ab" + code + "_emoji.png", MediaType: "image/png", Category: category, VisibleInPicker: true}
		err := s.InTx(ctx, func(tx *Tx) error { return tx.InsertCustomEmoji(ctx, &c) })
		return c, err
	}
	heron, err := add("heron", "birds")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := add("Heron", ""); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("Heron after heron: %v; want ErrDuplicate", err)
	}
	if _, err := add("archive", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := add("wren", "birds"); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		codes []string
		want  []string
	}{
		{"exact case", []string{"heron", "wren"}, []string{"heron", "wren"}},
		{"another case names nothing", []string{"HERON"}, nil},
		{"unknown codes skipped", []string{"owl", "archive"}, []string{"archive"}},
		{"none asked", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.CustomEmojisNamed(ctx, tt.codes)
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, c := range got {
				codes = append(codes, c.Shortcode)
			}
			slices.Sort(codes)
			if !slices.Equal(codes, tt.want) {
				t.Errorf("named %v = %v; want %v", tt.codes, codes, tt.want)
			}
		})
	}

	all, err := s.CustomEmojis(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, c := range all {
		order = append(order, c.Category+"/"+c.Shortcode)
	}
	if want := []string{"/archive", "birds/heron", "birds/wren"}; !slices.Equal(order, want) {
		t.Errorf("list = %v; want %v", order, want)
	}
	if got, err := s.CustomEmojiByShortcode(ctx, "HeRoN"); err != nil || got.ID != heron.ID || got.File != heron.File {
		t.Errorf("by shortcode HeRoN = %+v, %v; want heron", got, err)
	}
	inTx(t, s, func(tx *Tx) error { return tx.DeleteCustomEmoji(ctx, heron.ID) })
	if _, err := s.CustomEmojiByID(ctx, heron.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("removed emoji: %v; want ErrNotFound", err)
	}
	if err := s.InTx(ctx, func(tx *Tx) error { return tx.DeleteCustomEmoji(ctx, heron.ID) }); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing again: %v; want ErrNotFound", err)
	}
	if _, err := add("heron", ""); err != nil {
		t.Errorf("heron again after its removal: %v", err)
	}
}
