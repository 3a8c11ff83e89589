package federation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/copse-dev/copse/storage"
)

// settingPolicyVersion changes with every change of the federation
// policy, so a node picks up changes made by another process (the CLI)
// within a poll interval.
const settingPolicyVersion = "domain_policy_version"

// purgeBatch is how many accounts of a suspended domain one transaction
// deletes: small enough that the single writer is never held long.
const purgeBatch = 100

// mayManageFederation checks that by may change federation policy. By 0
// is the operator at the command line, who may.
func (e *Engine) mayManageFederation(ctx context.Context, by storage.ID) error {
	if by == 0 {
		return nil
	}
	return e.Authorize(ctx, by, ActManageFederation)
}

// changePolicy runs fn in a transaction that also bumps the policy
// version, then puts the new policy in force and wakes the policy worker
// (which purges newly suspended domains).
func (e *Engine) changePolicy(ctx context.Context, by storage.ID, fn func(tx *storage.Tx) error) error {
	if err := e.mayManageFederation(ctx, by); err != nil {
		return err
	}
	err := e.store.InTx(ctx, func(tx *storage.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return tx.SetNodeSetting(ctx, settingPolicyVersion, strconv.FormatInt(int64(tx.NewID()), 10))
	})
	if err != nil {
		return err
	}
	if err := e.LoadPolicy(ctx); err != nil {
		return err
	}
	wake(e.policyWake)
	return nil
}

// checkBlock normalises and validates a block from an admin.
func checkBlock(b *storage.NodeDomainBlock) error {
	b.Domain = policyDomain(b.Domain)
	if err := validDomain(b.Domain); err != nil {
		return err
	}
	switch b.Severity {
	case "":
		b.Severity = storage.SeveritySuspend // Mastodon's default
	case storage.SeveritySuspend, storage.SeverityLimit, storage.SeverityNoop:
	case "silence": // Mastodon's older name for limit
		b.Severity = storage.SeverityLimit
	default:
		return invalid("severity %q is not suspend, limit or noop", b.Severity)
	}
	if len(b.PublicComment) > 1000 || len(b.PrivateComment) > 1000 {
		return invalid("comments are limited to 1000 characters")
	}
	return nil
}

// AddDomainBlock blocks b.Domain (and its subdomains) as b says; a suspend
// takes effect at once and the domain's data is purged in the
// background. Errors: *InvalidError for a bad domain or severity,
// storage.ErrDuplicate when the domain is already blocked, ErrDenied.
func (e *Engine) AddDomainBlock(ctx context.Context, by storage.ID, b storage.NodeDomainBlock) (storage.NodeDomainBlock, error) {
	if err := checkBlock(&b); err != nil {
		return storage.NodeDomainBlock{}, err
	}
	if b.Domain == e.policy.self {
		return storage.NodeDomainBlock{}, invalid("the node cannot block its own domain")
	}
	b.CreatedBy = by
	err := e.changePolicy(ctx, by, func(tx *storage.Tx) error {
		if err := tx.InsertNodeDomainBlock(ctx, &b); err != nil {
			return err
		}
		return audit(ctx, tx, by, AuditBlockDomain, storage.AuditDomainBlock, b.ID, "domain", b.Domain, "severity", b.Severity)
	})
	if err != nil {
		return storage.NodeDomainBlock{}, fmt.Errorf("block %s: %w", b.Domain, err)
	}
	e.log.InfoContext(ctx, "domain blocked", "domain", b.Domain, "severity", b.Severity, "by", by)
	return b, nil
}

// ChangeDomainBlock changes block b.ID's severity, flags and comments
// (not its domain). A block a list brought becomes the admins' own.
func (e *Engine) ChangeDomainBlock(ctx context.Context, by storage.ID, b storage.NodeDomainBlock) (storage.NodeDomainBlock, error) {
	if err := e.mayManageFederation(ctx, by); err != nil { // before the lookup: no 404 to those who may not
		return storage.NodeDomainBlock{}, err
	}
	old, err := e.store.NodeDomainBlockByID(ctx, b.ID)
	if err != nil {
		return storage.NodeDomainBlock{}, err
	}
	b.Domain, b.CreatedAt, b.CreatedBy = old.Domain, old.CreatedAt, old.CreatedBy
	b.SubscriptionID = 0 // an admin who changes a list's block makes it their own: the list no longer removes it
	if err := checkBlock(&b); err != nil {
		return storage.NodeDomainBlock{}, err
	}
	err = e.changePolicy(ctx, by, func(tx *storage.Tx) error {
		if err := tx.UpdateNodeDomainBlock(ctx, b); err != nil {
			return err
		}
		return audit(ctx, tx, by, AuditChangeBlock, storage.AuditDomainBlock, b.ID, "domain", b.Domain, "severity", b.Severity)
	})
	if err != nil {
		return storage.NodeDomainBlock{}, fmt.Errorf("update block of %s: %w", b.Domain, err)
	}
	return b, nil
}

// RemoveDomainBlock lifts block id and returns it. Data purged under a
// suspend does not come back; the domain's actors are fetched anew.
func (e *Engine) RemoveDomainBlock(ctx context.Context, by storage.ID, id storage.ID) (storage.NodeDomainBlock, error) {
	if err := e.mayManageFederation(ctx, by); err != nil { // before the lookup: no 404 to those who may not
		return storage.NodeDomainBlock{}, err
	}
	b, err := e.store.NodeDomainBlockByID(ctx, id)
	if err != nil {
		return storage.NodeDomainBlock{}, err
	}
	err = e.changePolicy(ctx, by, func(tx *storage.Tx) error {
		if err := tx.DeleteNodeDomainBlock(ctx, id); err != nil {
			return err
		}
		return audit(ctx, tx, by, AuditUnblockDomain, storage.AuditDomainBlock, id, "domain", b.Domain)
	})
	if err != nil {
		return storage.NodeDomainBlock{}, fmt.Errorf("unblock %s: %w", b.Domain, err)
	}
	return b, nil
}

// DomainBlockNamed is the block of exactly domain (normalised), or
// storage.ErrNotFound.
func (e *Engine) DomainBlockNamed(ctx context.Context, domain string) (storage.NodeDomainBlock, error) {
	domain = policyDomain(domain)
	b, err := e.store.NodeDomainBlockNamed(ctx, domain)
	if err != nil {
		return storage.NodeDomainBlock{}, fmt.Errorf("block of %s: %w", domain, err)
	}
	return b, nil
}

// AddDomainAllow adds domain (and its subdomains) to the allow list, which
// counts in allow-list mode.
func (e *Engine) AddDomainAllow(ctx context.Context, by storage.ID, domain string) (storage.NodeDomainAllow, error) {
	a := storage.NodeDomainAllow{Domain: policyDomain(domain)}
	if err := validDomain(a.Domain); err != nil {
		return storage.NodeDomainAllow{}, err
	}
	err := e.changePolicy(ctx, by, func(tx *storage.Tx) error {
		return insertAllow(ctx, tx, by, &a, AuditAllowDomain)
	})
	if err != nil {
		return storage.NodeDomainAllow{}, fmt.Errorf("allow %s: %w", a.Domain, err)
	}
	return a, nil
}

// insertAllow stores allow a (its domain checked) and audits it as
// action, with kv: the one way an allow is made, by hand, by approving a
// shared list's draft, or by a trusted list. The caller's transaction is
// a policy change (changePolicy), so the allow is in force at once.
func insertAllow(ctx context.Context, tx *storage.Tx, by storage.ID, a *storage.NodeDomainAllow, action string, kv ...string) error {
	if err := tx.InsertNodeDomainAllow(ctx, a); err != nil {
		return err
	}
	return audit(ctx, tx, by, action, storage.AuditDomainAllow, a.ID, append([]string{"domain", a.Domain}, kv...)...)
}

// RemoveDomainAllow removes allow id and returns it.
func (e *Engine) RemoveDomainAllow(ctx context.Context, by storage.ID, id storage.ID) (storage.NodeDomainAllow, error) {
	if err := e.mayManageFederation(ctx, by); err != nil { // before the lookup: no 404 to those who may not
		return storage.NodeDomainAllow{}, err
	}
	a, err := e.store.NodeDomainAllowByID(ctx, id)
	if err != nil {
		return storage.NodeDomainAllow{}, err
	}
	err = e.changePolicy(ctx, by, func(tx *storage.Tx) error {
		if err := tx.DeleteNodeDomainAllow(ctx, id); err != nil {
			return err
		}
		return audit(ctx, tx, by, AuditDisallow, storage.AuditDomainAllow, id, "domain", a.Domain)
	})
	if err != nil {
		return storage.NodeDomainAllow{}, fmt.Errorf("disallow %s: %w", a.Domain, err)
	}
	return a, nil
}

// DomainAllowNamed is the allow of exactly domain, or storage.ErrNotFound.
func (e *Engine) DomainAllowNamed(ctx context.Context, domain string) (storage.NodeDomainAllow, error) {
	domain = policyDomain(domain)
	a, err := e.store.NodeDomainAllowNamed(ctx, domain)
	if err != nil {
		return storage.NodeDomainAllow{}, fmt.Errorf("allow of %s: %w", domain, err)
	}
	return a, nil
}

// SetFederationMode sets the mode: storage.FederationOpen or
// storage.FederationAllowlist.
func (e *Engine) SetFederationMode(ctx context.Context, by storage.ID, mode string) error {
	if mode != storage.FederationOpen && mode != storage.FederationAllowlist {
		return invalid("federation mode %q is not open or allowlist", mode)
	}
	return e.changePolicy(ctx, by, func(tx *storage.Tx) error {
		if err := tx.SetNodeSetting(ctx, storage.SettingFederationMode, mode); err != nil {
			return err
		}
		return audit(ctx, tx, by, AuditFederation, "", 0, "mode", mode)
	})
}

// runPolicy keeps the policy in force (and, beside it, reads subscribed
// lists when due): it reloads it when another process
// changed it, and after every change drops queued deliveries to hosts the
// node no longer federates with and purges suspended domains' data.
func (e *Engine) runPolicy(ctx context.Context) {
	var lists sync.WaitGroup
	lists.Go(func() { e.runPolicyLists(ctx) })
	defer lists.Wait()
	log := e.log.With("component", "policy")
	t := time.NewTicker(e.poll)
	defer t.Stop()
	enforce := true // at start: a suspend made while the node was down
	for {
		if ctx.Err() != nil {
			return
		}
		version, err := e.store.NodeSetting(ctx, settingPolicyVersion)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			log.ErrorContext(ctx, "read policy version", "err", err)
		} else if v := e.policyVersion.Load(); v == nil || *v != version {
			if err := e.LoadPolicy(ctx); err != nil {
				log.ErrorContext(ctx, "reload policy", "err", err)
			} else {
				enforce = true
			}
		}
		if enforce {
			if err := e.EnforcePolicy(ctx, log); err != nil {
				if ctx.Err() != nil {
					return
				}
				log.ErrorContext(ctx, "enforce policy", "err", err)
			} else {
				enforce = false
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.policyWake:
			enforce = true
		}
	}
}

// EnforcePolicy applies the policy in force to what is stored: queued
// deliveries to hosts the node does not federate with are dropped, and
// the accounts of suspended domains (with, by cascade, their statuses,
// follows, media and activities) are deleted in batches. Deliveries to
// other hosts are not touched.
func (e *Engine) EnforcePolicy(ctx context.Context, log *slog.Logger) error {
	domains, err := e.store.RemoteDomains(ctx)
	if err != nil {
		return err
	}
	for _, d := range domains {
		dec := e.policy.Allows(d)
		if dec.Federate {
			continue
		}
		var dropped int64
		err := e.store.InTx(ctx, func(tx *storage.Tx) error {
			var err error
			dropped, err = tx.DeleteDeliveriesToHost(ctx, d)
			return err
		})
		if err != nil {
			return err
		}
		if dropped > 0 {
			e.onDelivery(d, "dropped", 0)
			log.InfoContext(ctx, "deliveries dropped by federation policy", "host", d, "count", dropped)
		}
		if dec.Block.Severity != storage.SeveritySuspend {
			continue
		}
		purged := 0
		for {
			var n int
			err := e.store.InTx(ctx, func(tx *storage.Tx) error {
				var err error
				n, err = tx.DeleteRemoteAccounts(ctx, d, purgeBatch)
				return err
			})
			if err != nil {
				return fmt.Errorf("purge %s: %w", d, err)
			}
			purged += n
			if n < purgeBatch || ctx.Err() != nil {
				break
			}
		}
		if purged > 0 {
			log.InfoContext(ctx, "suspended domain purged", "domain", d, "accounts", purged)
		}
	}
	return nil
}

// DomainPolicy is the federation mode, blocks and allows as stored, for
// those who may manage them (by 0: the operator at the command line).
func (e *Engine) DomainPolicy(ctx context.Context, by storage.ID) (string, []storage.NodeDomainBlock, []storage.NodeDomainAllow, error) {
	if err := e.mayManageFederation(ctx, by); err != nil {
		return "", nil, nil, err
	}
	mode, err := e.store.FederationMode(ctx)
	if err != nil {
		return "", nil, nil, err
	}
	blocks, err := e.store.NodeDomainBlocks(ctx)
	if err != nil {
		return "", nil, nil, err
	}
	allows, err := e.store.NodeDomainAllows(ctx)
	if err != nil {
		return "", nil, nil, err
	}
	return mode, blocks, allows, nil
}

// DomainBlock is block id, for those who may manage federation policy.
func (e *Engine) DomainBlock(ctx context.Context, by, id storage.ID) (storage.NodeDomainBlock, error) {
	if err := e.mayManageFederation(ctx, by); err != nil {
		return storage.NodeDomainBlock{}, err
	}
	return e.store.NodeDomainBlockByID(ctx, id)
}

// DomainAllow is allow id, for those who may manage federation policy.
func (e *Engine) DomainAllow(ctx context.Context, by, id storage.ID) (storage.NodeDomainAllow, error) {
	if err := e.mayManageFederation(ctx, by); err != nil {
		return storage.NodeDomainAllow{}, err
	}
	return e.store.NodeDomainAllowByID(ctx, id)
}

// DomainBlockPage is one page of blocks, newest first, for those who may
// manage federation policy.
func (e *Engine) DomainBlockPage(ctx context.Context, by storage.ID, p storage.Page) ([]storage.NodeDomainBlock, error) {
	if err := e.mayManageFederation(ctx, by); err != nil {
		return nil, err
	}
	return e.store.NodeDomainBlockPage(ctx, p)
}

// DomainAllowPage is one page of allows, newest first, for those who may
// manage federation policy.
func (e *Engine) DomainAllowPage(ctx context.Context, by storage.ID, p storage.Page) ([]storage.NodeDomainAllow, error) {
	if err := e.mayManageFederation(ctx, by); err != nil {
		return nil, err
	}
	return e.store.NodeDomainAllowPage(ctx, p)
}
