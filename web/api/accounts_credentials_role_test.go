package api_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/testrig"
)

// TestCredentialAccountRole: verify_credentials carries the member's node
// role as Mastodon's Role entity, with the permission bits apps read to
// offer moderation (manage reports, 1<<4) and admin (administrator, 1)
// screens, and never more than the role allows.
func TestCredentialAccountRole(t *testing.T) {
	t.Parallel()
	n := testrig.StartOne(t, nil)
	ctx := context.Background()
	tests := []struct {
		username, role      string
		wantID, wantName    string
		highlighted         bool
		reports, federation bool // manage reports (1<<4), manage federation (1<<5)
		administrator       bool // 1
	}{
		{"mia", storage.PermissionMember, "-99", "", false, false, false, false},
		{"mo", storage.PermissionModerator, "1", "moderator", true, true, false, false},
		{"ada", storage.PermissionAdmin, "2", "admin", true, true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			a := n.Member(tt.username, false)
			if err := n.Engine.SetRole(ctx, tt.username, tt.role); err != nil {
				t.Fatal(err)
			}
			var me struct {
				Role *struct {
					ID, Name, Color, Permissions string
					Highlighted                  bool
				}
			}
			if status, _, raw := call(t, "GET", n.URL+"/api/v1/accounts/verify_credentials", n.Token(a), nil, &me); status != 200 || me.Role == nil {
				t.Fatalf("verify_credentials: %d %s", status, raw)
			}
			r := me.Role
			bits, err := strconv.ParseUint(r.Permissions, 10, 64)
			if err != nil {
				t.Fatalf("permissions %q: %v", r.Permissions, err)
			}
			if r.ID != tt.wantID || r.Name != tt.wantName || r.Highlighted != tt.highlighted {
				t.Errorf("role = %+v; want id %q, name %q, highlighted %v", r, tt.wantID, tt.wantName, tt.highlighted)
			}
			for _, c := range []struct {
				name string
				bit  uint64
				want bool
			}{{"manage reports", 1 << 4, tt.reports}, {"manage federation", 1 << 5, tt.federation}, {"administrator", 1, tt.administrator}} {
				if got := bits&c.bit != 0; got != c.want {
					t.Errorf("%s in permissions %d = %v; want %v", c.name, bits, got, c.want)
				}
			}
		})
	}
}
