package federation

import (
	"context"
	"errors"
	"testing"

	"github.com/copse-dev/copse/storage"
)

// TestRevokeInvite revokes invitations as each kind of caller: only an
// admin or the command line may, a revoked code no longer signs up, the
// audit log names who did it, and a second revocation is not found.
func TestRevokeInvite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := joiningEngine(t, Registration{}, nil)
	staff := map[string]storage.ID{}
	for name, perm := range map[string]Permission{"mod": PermissionModerator, "boss": PermissionAdmin} {
		staff[name] = member(t, e, name).ID
		if err := e.SetPermission(ctx, name, perm); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		by      storage.ID
		wantErr error
	}{
		{"moderator", staff["mod"], ErrDenied},
		{"admin", staff["boss"], nil},
		{"command line", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := e.CreateInvite(ctx, NewInvite{By: staff["boss"], MaxUses: 2})
			if err != nil {
				t.Fatal(err)
			}
			err = e.RevokeInvite(ctx, tt.by, c.Invite.ID)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("RevokeInvite: %v; want %v", err, tt.wantErr)
			}
			live, err := e.CheckInvite(ctx, c.Code)
			if err != nil || live != (tt.wantErr != nil) {
				t.Errorf("CheckInvite after revoking: %v %v; want live only when refused", live, err)
			}
			if tt.wantErr != nil {
				return
			}
			entries, err := e.AuditLog(ctx, 0, storage.AuditFilter{Action: AuditRevokeInvite, TargetType: storage.AuditInvite,
				TargetID: c.Invite.ID}, storage.Page{})
			if err != nil || len(entries) != 1 || entries[0].AccountID != tt.by {
				t.Errorf("audit log: %+v %v; want one entry by %d", entries, err, tt.by)
			}
			if err := e.RevokeInvite(ctx, tt.by, c.Invite.ID); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("revoke twice: %v; want ErrNotFound", err)
			}
		})
	}
}
