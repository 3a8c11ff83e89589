package auth_test

import (
	"testing"

	"github.com/copse-dev/copse/web/auth"
)

func TestScopeCovers(t *testing.T) {
	for _, tt := range []struct {
		granted, required string
		want              bool
	}{
		{"read", "read:statuses", true},
		{"read:statuses", "read", false},
		{"follow", "read:follows", true},
		{"read", "profile", true},
		{"admin:read", "admin:read:accounts", true},
		{"admin:write", "admin:write:domain_blocks", true},
		{"admin:read", "admin:write:accounts", false},
		{"admin:read:accounts", "admin:read", false},
		{"admin:read:accounts", "admin:read:reports", false},
		{"admin:read:accounts", "admin:read:accounts", true},
		{"read", "admin:read:accounts", false},
	} {
		if got := auth.ScopeCovers(tt.granted, tt.required); got != tt.want {
			t.Errorf("ScopeCovers(%q, %q) = %v; want %v", tt.granted, tt.required, got, tt.want)
		}
	}
}

func TestGrantableAdminScopes(t *testing.T) {
	if _, err := auth.Grantable([]string{"admin:read:reports", "admin:write:reports"}, []string{"read", "admin:read", "admin:write"}); err != nil {
		t.Errorf("granular admin scopes of an app registered for admin:read and admin:write: %v", err)
	}
	if _, err := auth.Grantable([]string{"admin:write:accounts"}, []string{"admin:read"}); err == nil {
		t.Error("admin:write:accounts granted to an app registered for admin:read")
	}
	if _, err := auth.ValidScopes([]string{"admin:read:domain_blocks", "admin:write:email_domain_blocks"}, nil); err != nil {
		t.Errorf("granular admin scopes are not valid: %v", err)
	}
}
