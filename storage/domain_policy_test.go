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

// Each policy list (domain blocks, domain allows, email domain blocks)
// refuses a domain listed twice, pages newest first, and deletes a row
// once: a second delete is not found.
func TestPolicyListRows(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		insert func(tx *Tx, domain string) error
		page   func(s *Store, p Page) ([]ID, error)
		delete func(tx *Tx, id ID) error
	}{
		{"domain blocks", func(tx *Tx, domain string) error {
			b := NodeDomainBlock{Domain: domain, Severity: SeverityLimit}
			return tx.InsertNodeDomainBlock(ctx, &b)
		}, func(s *Store, p Page) ([]ID, error) {
			bs, err := s.NodeDomainBlockPage(ctx, p)
			return idsOf(bs, func(b NodeDomainBlock) ID { return b.ID }), err
		}, func(tx *Tx, id ID) error { return tx.DeleteNodeDomainBlock(ctx, id) }},
		{"domain allows", func(tx *Tx, domain string) error {
			a := NodeDomainAllow{Domain: domain}
			return tx.InsertNodeDomainAllow(ctx, &a)
		}, func(s *Store, p Page) ([]ID, error) {
			as, err := s.NodeDomainAllowPage(ctx, p)
			return idsOf(as, func(a NodeDomainAllow) ID { return a.ID }), err
		}, func(tx *Tx, id ID) error { return tx.DeleteNodeDomainAllow(ctx, id) }},
		{"email domain blocks", func(tx *Tx, domain string) error {
			b := EmailDomainBlock{Domain: domain}
			return tx.InsertEmailDomainBlock(ctx, &b)
		}, func(s *Store, p Page) ([]ID, error) {
			bs, err := s.EmailDomainBlocks(ctx, p)
			return idsOf(bs, func(b EmailDomainBlock) ID { return b.ID }), err
		}, func(tx *Tx, id ID) error { return tx.DeleteEmailDomainBlock(ctx, id) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			for _, d := range []string{"one.example", "two.example", "three.example"} {
				if err := s.InTx(ctx, func(tx *Tx) error { return tt.insert(tx, d) }); err != nil {
					t.Fatal(err)
				}
			}
			err := s.InTx(ctx, func(tx *Tx) error { return tt.insert(tx, "two.example") })
			if !errors.Is(err, ErrDuplicate) {
				t.Fatalf("two.example listed twice: %v; want ErrDuplicate", err)
			}
			ids, err := tt.page(s, Page{Limit: 10})
			if err != nil || len(ids) != 3 || !(ids[0] > ids[1] && ids[1] > ids[2]) {
				t.Fatalf("page = %v, %v; want three, newest first", ids, err)
			}
			if got, err := tt.page(s, Page{Limit: 1, MinID: ids[2]}); err != nil || !slices.Equal(got, ids[1:2]) {
				t.Fatalf("min_id page = %v, %v; want %v", got, err, ids[1:2])
			}
			if err := s.InTx(ctx, func(tx *Tx) error { return tt.delete(tx, ids[1]) }); err != nil {
				t.Fatal(err)
			}
			if err := s.InTx(ctx, func(tx *Tx) error { return tt.delete(tx, ids[1]) }); !errors.Is(err, ErrNotFound) {
				t.Fatalf("second delete: %v; want ErrNotFound", err)
			}
			if got, err := tt.page(s, Page{Limit: 10}); err != nil || !slices.Equal(got, []ID{ids[0], ids[2]}) {
				t.Fatalf("after the delete = %v, %v", got, err)
			}
		})
	}
}

func idsOf[T any](rows []T, id func(T) ID) []ID {
	out := make([]ID, 0, len(rows))
	for _, r := range rows {
		out = append(out, id(r))
	}
	return out
}
