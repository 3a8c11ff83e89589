package activitypub

import "testing"

func TestCanSeeAndListed(t *testing.T) {
	visible := Viewing{Visibility: Public}
	tests := []struct {
		name        string
		v           Viewing
		see, listed bool
	}{
		{"public, a stranger", Viewing{Visibility: Public}, true, true},
		{"unlisted, a stranger", Viewing{Visibility: Unlisted}, true, true},
		{"public, anonymous", Viewing{Visibility: Public, Anonymous: true}, true, true},
		{"unlisted, anonymous", Viewing{Visibility: Unlisted, Anonymous: true}, true, true},
		{"followers-only, a follower", Viewing{Visibility: FollowersOnly, Follows: true}, true, true},
		{"followers-only, mentioned", Viewing{Visibility: FollowersOnly, Mentioned: true}, true, true},
		{"followers-only, a stranger", Viewing{Visibility: FollowersOnly}, false, false},
		{"followers-only, anonymous", Viewing{Visibility: FollowersOnly, Anonymous: true}, false, false},
		{"direct, mentioned", Viewing{Visibility: Direct, Mentioned: true}, true, true},
		{"direct, a follower", Viewing{Visibility: Direct, Follows: true}, false, false},
		{"direct, anonymous", Viewing{Visibility: Direct, Anonymous: true}, false, false},
		{"direct, one's own", Viewing{Visibility: Direct, Own: true}, true, true},
		{"followers-only, one's own", Viewing{Visibility: FollowersOnly, Own: true}, true, true},
		{"an unknown visibility", Viewing{Visibility: "limited", Follows: true, Mentioned: true}, false, false},
		{"public, the author blocks the viewer", Viewing{Visibility: Public, BlockedByAuthor: true}, false, false},
		{"public, the viewer blocks the author", Viewing{Visibility: Public, BlocksAuthor: true}, false, false},
		{"direct, mentioned, the author blocks the viewer", Viewing{Visibility: Direct, Mentioned: true, BlockedByAuthor: true}, false, false},
		{"followers-only, a follower the author blocks", Viewing{Visibility: FollowersOnly, Follows: true, BlockedByAuthor: true}, false, false},
		// Mutes and domain blocks hide from lists, not from a fetch.
		{"public, muted", Viewing{Visibility: Public, MutesAuthor: true}, true, false},
		{"public, domain blocked", Viewing{Visibility: Public, BlocksAuthorDomain: true}, true, false},
		{"direct, mentioned, muted", Viewing{Visibility: Direct, Mentioned: true, MutesAuthor: true}, true, false},
		{"one's own, own domain blocked", Viewing{Visibility: Public, Own: true, BlocksAuthorDomain: true}, true, true},
		// A limited author is left out of lists for non-followers only.
		{"public, limited author, a stranger", Viewing{Visibility: Public, AuthorLimited: true}, true, false},
		{"public, limited author, anonymous", Viewing{Visibility: Public, AuthorLimited: true, Anonymous: true}, true, false},
		{"public, limited author, a follower", Viewing{Visibility: Public, AuthorLimited: true, Follows: true}, true, true},
		{"public, limited, one's own", Viewing{Visibility: Public, AuthorLimited: true, Own: true}, true, true},
		{"a boost of a limited author's status, a stranger", Viewing{Visibility: Public, Boost: true,
			Boosted: &Viewing{Visibility: Public, AuthorLimited: true}}, true, false},
		{"public, suspended author", Viewing{Visibility: Public, AuthorSuspended: true}, false, false},
		{"one's own, suspended", Viewing{Visibility: Public, Own: true, AuthorSuspended: true}, false, false},
		{"public, suspended author, anonymous", Viewing{Visibility: Public, AuthorSuspended: true, Anonymous: true}, false, false},
		// An anonymous viewer has no relations: facts that say otherwise
		// change nothing.
		{"followers-only, anonymous said to follow", Viewing{Visibility: FollowersOnly, Anonymous: true, Follows: true, Own: true}, false, false},
		{"public, anonymous said to be blocked", Viewing{Visibility: Public, Anonymous: true, BlockedByAuthor: true}, true, true},
		{"a boost of a visible status", Viewing{Visibility: Public, Boost: true, Boosted: &visible}, true, true},
		{"a boost of a gone status", Viewing{Visibility: Public, Boost: true}, false, false},
		{"a boost of a followers-only status, no follower", Viewing{Visibility: Public, Boost: true,
			Boosted: &Viewing{Visibility: FollowersOnly}}, false, false},
		{"a boost of a status whose author blocks the viewer", Viewing{Visibility: Public, Boost: true,
			Boosted: &Viewing{Visibility: Public, BlockedByAuthor: true}}, false, false},
		{"a boost of a suspended author's status", Viewing{Visibility: Public, Boost: true,
			Boosted: &Viewing{Visibility: Public, AuthorSuspended: true}}, false, false},
		{"a boost of a muted author's status", Viewing{Visibility: Public, Boost: true,
			Boosted: &Viewing{Visibility: Public, MutesAuthor: true}}, true, false},
		{"a boost by a muted booster", Viewing{Visibility: Public, Boost: true, MutesAuthor: true, Boosted: &visible}, true, false},
		{"one's own boost of a hidden status", Viewing{Visibility: Public, Own: true, Boost: true,
			Boosted: &Viewing{Visibility: Public, BlockedByAuthor: true}}, false, false},
		// A members-only community's status: members only, whatever its
		// visibility; blocks and suspension still apply.
		{"members-only, a member", Viewing{Visibility: Public, MembersOnly: true, Member: true}, true, true},
		{"members-only, followers-only, a member who does not follow", Viewing{Visibility: FollowersOnly, MembersOnly: true, Member: true}, true, true},
		{"members-only, public, a stranger", Viewing{Visibility: Public, MembersOnly: true}, false, false},
		{"members-only, public, anonymous", Viewing{Visibility: Public, MembersOnly: true, Anonymous: true}, false, false},
		{"members-only, anonymous said to be a member", Viewing{Visibility: Public, MembersOnly: true, Member: true, Anonymous: true}, false, false},
		{"members-only, a follower of the author who is no member", Viewing{Visibility: FollowersOnly, MembersOnly: true, Follows: true}, false, false},
		{"members-only, mentioned but no member", Viewing{Visibility: Direct, MembersOnly: true, Mentioned: true}, false, false},
		{"members-only, one's own, no longer a member", Viewing{Visibility: Public, MembersOnly: true, Own: true}, true, true},
		{"members-only, a member the author blocks", Viewing{Visibility: Public, MembersOnly: true, Member: true, BlockedByAuthor: true}, false, false},
		{"members-only, a member, suspended author", Viewing{Visibility: Public, MembersOnly: true, Member: true, AuthorSuspended: true}, false, false},
		{"members-only, a member, muted author", Viewing{Visibility: Public, MembersOnly: true, Member: true, MutesAuthor: true}, true, false},
		{"a public boost of a members-only status, a stranger", Viewing{Visibility: Public, Boost: true,
			Boosted: &Viewing{Visibility: Public, MembersOnly: true}}, false, false},
		{"the Group's boost of a members-only status, a member", Viewing{Visibility: FollowersOnly, Follows: true, Boost: true,
			Boosted: &Viewing{Visibility: Public, MembersOnly: true, Member: true}}, true, true},
		{"a boost by a blocked booster", Viewing{Visibility: Public, Boost: true, BlocksAuthor: true, Boosted: &visible}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CanSee(tt.v); got != tt.see {
				t.Errorf("CanSee = %v; want %v", got, tt.see)
			}
			if got := Listed(tt.v); got != tt.listed {
				t.Errorf("Listed = %v; want %v", got, tt.listed)
			}
		})
	}
}

func TestCanSeeCommunity(t *testing.T) {
	tests := []struct {
		name string
		v    Viewing
		want bool
	}{
		{"public community, anonymous", Viewing{Anonymous: true}, true},
		{"public community, anyone", Viewing{}, true},
		{"members-only, a member", Viewing{MembersOnly: true, Member: true}, true},
		{"members-only, no member", Viewing{MembersOnly: true}, false},
		{"members-only, anonymous", Viewing{MembersOnly: true, Anonymous: true}, false},
		{"members-only, anonymous said to be a member", Viewing{MembersOnly: true, Member: true, Anonymous: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CanSeeCommunity(tt.v); got != tt.want {
				t.Errorf("CanSeeCommunity = %v; want %v", got, tt.want)
			}
		})
	}
}
