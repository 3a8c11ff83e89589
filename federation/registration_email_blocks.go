package federation

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/copse-dev/copse/storage"
)

// Audit actions of email domain blocks.
const (
	AuditBlockEmailDomain   = "block_email_domain"
	AuditUnblockEmailDomain = "unblock_email_domain"
)

// mayManageRegistrations is nil for by 0 (the command line) and for a
// member whose role may manage registrations.
func (e *Engine) mayManageRegistrations(ctx context.Context, by storage.ID) error {
	if by == 0 {
		return nil
	}
	return e.Authorize(ctx, by, ActManageRegistrations)
}

// BlockEmailDomain refuses sign-ups from addresses at domain and below
// it, whatever the registration mode (an invitation too); members who
// joined before keep their accounts.
func (e *Engine) BlockEmailDomain(ctx context.Context, by storage.ID, domain string) (storage.EmailDomainBlock, error) {
	if err := e.mayManageRegistrations(ctx, by); err != nil {
		return storage.EmailDomainBlock{}, err
	}
	b := storage.EmailDomainBlock{Domain: policyDomain(domain), CreatedBy: by}
	if err := validDomain(b.Domain); err != nil {
		return storage.EmailDomainBlock{}, err
	}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := tx.InsertEmailDomainBlock(ctx, &b); err != nil {
			if errors.Is(err, storage.ErrDuplicate) {
				return invalid("email domain %s is blocked already", b.Domain)
			}
			return err
		}
		return audit(ctx, tx, by, AuditBlockEmailDomain, storage.AuditEmailDomain, b.ID, "domain", b.Domain)
	})
	if err != nil {
		return storage.EmailDomainBlock{}, fmt.Errorf("block email domain %s: %w", b.Domain, err)
	}
	return b, nil
}

// UnblockEmailDomain removes block id and returns it.
func (e *Engine) UnblockEmailDomain(ctx context.Context, by, id storage.ID) (storage.EmailDomainBlock, error) {
	if err := e.mayManageRegistrations(ctx, by); err != nil { // before the lookup: no 404 to those who may not
		return storage.EmailDomainBlock{}, err
	}
	var b storage.EmailDomainBlock
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		var err error
		if b, err = tx.EmailDomainBlockByID(ctx, id); err != nil {
			return err
		}
		if err := tx.DeleteEmailDomainBlock(ctx, id); err != nil {
			return err
		}
		return audit(ctx, tx, by, AuditUnblockEmailDomain, storage.AuditEmailDomain, b.ID, "domain", b.Domain)
	})
	if err != nil {
		return storage.EmailDomainBlock{}, fmt.Errorf("unblock email domain %d: %w", id, err)
	}
	return b, nil
}

// EmailDomainBlocks lists a page of the blocks for by, who must manage
// registrations.
func (e *Engine) EmailDomainBlocks(ctx context.Context, by storage.ID, p storage.Page) ([]storage.EmailDomainBlock, error) {
	if err := e.mayManageRegistrations(ctx, by); err != nil {
		return nil, err
	}
	return e.store.EmailDomainBlocks(ctx, p)
}

// EmailDomainBlock is block id for by, who must manage registrations.
func (e *Engine) EmailDomainBlock(ctx context.Context, by, id storage.ID) (storage.EmailDomainBlock, error) {
	if err := e.mayManageRegistrations(ctx, by); err != nil {
		return storage.EmailDomainBlock{}, err
	}
	return e.store.EmailDomainBlockByID(ctx, id)
}

// checkEmailDomain refuses an address whose domain is blocked.
func (e *Engine) checkEmailDomain(ctx context.Context, email string) error {
	at := strings.LastIndex(email, "@")
	if at < 0 {
		return nil // checked as an address elsewhere
	}
	blocked, err := e.store.EmailDomainBlocked(ctx, email[at+1:])
	if err != nil {
		return err
	}
	if blocked {
		return fieldInvalid("email", "ERR_BLOCKED", "this node takes no sign-ups from addresses at %s", email[at+1:])
	}
	return nil
}
