package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
)

// The admin lists read one page of blocks and allows, newest first, and
// one by ID or domain, without loading the rest.
func TestDomainPolicyPages(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var blocks []ID
	err := s.InTx(ctx, func(tx *Tx) error {
		for i := range 7 {
			b := NodeDomainBlock{Domain: fmt.Sprintf("b%d.example", i), Severity: SeveritySuspend}
			if err := tx.InsertNodeDomainBlock(ctx, &b); err != nil {
				return err
			}
			blocks = append(blocks, b.ID)
			a := NodeDomainAllow{Domain: fmt.Sprintf("a%d.example", i)}
			if err := tx.InsertNodeDomainAllow(ctx, &a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(bs []NodeDomainBlock) []ID {
		var out []ID
		for _, b := range bs {
			out = append(out, b.ID)
		}
		return out
	}
	// blocks[6] is the newest.
	for _, tt := range []struct {
		name string
		p    Page
		want []ID
	}{
		{"first page", Page{Limit: 3}, []ID{blocks[6], blocks[5], blocks[4]}},
		{"max_id", Page{Limit: 3, MaxID: blocks[4]}, []ID{blocks[3], blocks[2], blocks[1]}},
		{"since_id: the newest after it", Page{Limit: 2, SinceID: blocks[1]}, []ID{blocks[6], blocks[5]}},
		{"min_id: the oldest after it, newest first", Page{Limit: 2, MinID: blocks[1]}, []ID{blocks[3], blocks[2]}},
		{"default limit", Page{}, []ID{blocks[6], blocks[5], blocks[4], blocks[3], blocks[2], blocks[1], blocks[0]}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.NodeDomainBlockPage(ctx, tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("page = %v; want %v", ids(got), tt.want)
			}
		})
	}
	allows, err := s.NodeDomainAllowPage(ctx, Page{Limit: 2})
	if err != nil || len(allows) != 2 || allows[0].Domain != "a6.example" || allows[1].Domain != "a5.example" {
		t.Fatalf("allows page = %+v, %v", allows, err)
	}
	if b, err := s.NodeDomainBlockNamed(ctx, "b3.example"); err != nil || b.ID != blocks[3] {
		t.Fatalf("block named b3.example = %+v, %v", b, err)
	}
	if _, err := s.NodeDomainBlockNamed(ctx, "x.example"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("block of an unblocked domain: %v", err)
	}
	if a, err := s.NodeDomainAllowNamed(ctx, "a2.example"); err != nil || a.Domain != "a2.example" {
		t.Fatalf("allow named a2.example = %+v, %v", a, err)
	}
}
