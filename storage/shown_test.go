package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
)

// TestStatusShownIsThePublicTimelineRule: StatusShown, which the streams
// ask, answers for each status what the public timeline's query decides.
func TestStatusShownIsThePublicTimelineRule(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	viewer := mustAccount(t, s, "viewer", "")
	plain := mustAccount(t, s, "plain", "")
	blocked := mustAccount(t, s, "blocked", "")
	blocker := mustAccount(t, s, "blocker", "")
	muted := mustAccount(t, s, "muted", "")
	onceMuted := mustAccount(t, s, "oncemuted", "")
	far := mustAccount(t, s, "far", "far.example")
	suspended := Account{Username: "gone", URI: "https://local.example/users/gone", SuspendedAt: now.Add(-time.Hour)}
	inTx(t, s, func(tx *Tx) error { return tx.InsertAccount(ctx, &suspended) })
	inTx(t, s, func(tx *Tx) error {
		return errors.Join(
			tx.InsertBlock(ctx, viewer.ID, blocked.ID, ""),
			tx.InsertBlock(ctx, blocker.ID, viewer.ID, ""),
			tx.InsertMute(ctx, &Mute{AccountID: viewer.ID, TargetID: muted.ID}),
			tx.InsertMute(ctx, &Mute{AccountID: viewer.ID, TargetID: onceMuted.ID, ExpiresAt: now.Add(-time.Minute)}),
			tx.InsertDomainBlock(ctx, viewer.ID, "far.example"))
	})
	boostOf := func(st Status) func(*Status) { return func(b *Status) { b.ReblogOfID = st.ID } }

	byPlain := storeStatus(t, s, plain, nil)
	byBlocked := storeStatus(t, s, blocked, nil)
	byBlocker := storeStatus(t, s, blocker, nil)
	byMuted := storeStatus(t, s, muted, nil)
	byOnceMuted := storeStatus(t, s, onceMuted, nil)
	byFar := storeStatus(t, s, far, nil)
	bySuspended := storeStatus(t, s, suspended, nil)
	tests := []struct {
		name      string
		st        Status
		want      bool
		anonymous bool // what an anonymous viewer is shown
	}{
		{"a stranger's post", byPlain, true, true},
		{"the viewer's own", storeStatus(t, s, viewer, nil), true, true},
		{"by an account the viewer blocks", byBlocked, false, true},
		{"by an account that blocks the viewer", byBlocker, false, true},
		{"by an account the viewer mutes", byMuted, false, true},
		{"by an account whose mute expired", byOnceMuted, true, true},
		{"from a domain the viewer blocks", byFar, false, true},
		{"by a suspended account", bySuspended, false, false},
		{"a boost of a stranger's post", storeStatus(t, s, plain, boostOf(byPlain)), true, true},
		{"a boost of a blocked account's post", storeStatus(t, s, plain, boostOf(byBlocked)), false, true},
		{"a boost of a blocker's post", storeStatus(t, s, plain, boostOf(byBlocker)), false, true},
		{"a boost of a muted account's post", storeStatus(t, s, plain, boostOf(byMuted)), false, true},
		{"a boost of a post from a blocked domain", storeStatus(t, s, plain, boostOf(byFar)), false, true},
		{"a boost by a muted account", storeStatus(t, s, muted, boostOf(byPlain)), false, true},
	}
	timeline, err := s.PublicTimeline(ctx, TimelineFilter{Viewer: viewer.ID, Now: now}, Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.StatusShown(ctx, viewer.ID, tt.st.ID)
			if err != nil || got != tt.want {
				t.Errorf("StatusShown = %v, %v; want %v", got, err, tt.want)
			}
			if got, err := s.StatusShown(ctx, 0, tt.st.ID); err != nil || got != tt.anonymous {
				t.Errorf("StatusShown to no one in particular = %v, %v; want %v", got, err, tt.anonymous)
			}
			if tt.st.ReblogOfID != 0 {
				return // the public timeline has no boosts
			}
			if in := slices.Contains(statusIDs(timeline), tt.st.ID); in != tt.want {
				t.Errorf("in the public timeline: %v; want %v", in, tt.want)
			}
		})
	}
	if _, err := s.StatusShown(ctx, viewer.ID, 12345); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown status: %v; want ErrNotFound", err)
	}
}

// TestListedAgreesWithTheRule: for every case, the SQL that lists
// statuses (qListedTo, through StatusShown and SearchVisible) answers
// what activitypub.Listed answers on the facts Viewing gathers from the
// same rows, and both answer what a member would expect.
func TestListedAgreesWithTheRule(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	viewer := mustAccount(t, s, "viewer", "")
	plain := mustAccount(t, s, "plain", "")
	friend := mustAccount(t, s, "friend", "")                // followed by the viewer
	followed := mustAccount(t, s, "followed", "far.example") // followed, on a domain the viewer blocks
	blocked := mustAccount(t, s, "blocked", "")
	blocker := mustAccount(t, s, "blocker", "")
	muted := mustAccount(t, s, "muted", "")
	onceMuted := mustAccount(t, s, "oncemuted", "")
	far := mustAccount(t, s, "far", "far.example")
	suspended := Account{Username: "gone", URI: "https://local.example/users/gone", SuspendedAt: now.Add(-time.Hour)}
	inTx(t, s, func(tx *Tx) error { return tx.InsertAccount(ctx, &suspended) })
	inTx(t, s, func(tx *Tx) error {
		return errors.Join(
			tx.InsertFollow(ctx, &Follow{AccountID: viewer.ID, TargetID: friend.ID}),
			tx.InsertFollow(ctx, &Follow{AccountID: viewer.ID, TargetID: followed.ID}),
			tx.InsertBlock(ctx, viewer.ID, blocked.ID, ""),
			tx.InsertBlock(ctx, blocker.ID, viewer.ID, ""),
			tx.InsertMute(ctx, &Mute{AccountID: viewer.ID, TargetID: muted.ID}),
			tx.InsertMute(ctx, &Mute{AccountID: viewer.ID, TargetID: onceMuted.ID, ExpiresAt: now.Add(-time.Minute)}),
			tx.InsertDomainBlock(ctx, viewer.ID, "far.example"))
	})
	// Communities: a members-only one the viewer belongs to, one the
	// viewer does not, one the viewer moderates without following, a
	// public one, and a remote members-only Group the viewer follows.
	joined := mustCommunity(t, s, "joined", plain)
	closed := mustCommunity(t, s, "closed", plain)
	moderated := mustCommunity(t, s, "moderated", viewer)
	open := mustCommunity(t, s, "open", plain)
	banning := mustCommunity(t, s, "banning", plain) // the viewer follows it, and is banned
	remoteGroup := mustAccount(t, s, "remotegroup", "groups.example")
	inTx(t, s, func(tx *Tx) error {
		for _, c := range []Community{joined, closed, moderated, banning} {
			c.Visibility = CommunityMembersOnly
			if err := tx.UpdateCommunity(ctx, c); err != nil {
				return err
			}
		}
		return errors.Join(
			tx.InsertFollow(ctx, &Follow{AccountID: viewer.ID, TargetID: joined.AccountID}),
			tx.InsertFollow(ctx, &Follow{AccountID: viewer.ID, TargetID: open.AccountID}),
			tx.InsertFollow(ctx, &Follow{AccountID: viewer.ID, TargetID: remoteGroup.ID}),
			tx.SetRemoteCommunity(ctx, RemoteCommunity{AccountID: remoteGroup.ID, MembersOnly: true}),
			tx.InsertFollow(ctx, &Follow{AccountID: viewer.ID, TargetID: banning.AccountID}),
			tx.PutCommunityBan(ctx, &CommunityBan{CommunityID: banning.AccountID, AccountID: viewer.ID}))
	})
	// in files a status under a community: community_statuses for a
	// Group hosted here (what its Group accepted), community_threads for
	// a remote one.
	in := func(group ID, st Status) Status {
		inTx(t, s, func(tx *Tx) error {
			if group == remoteGroup.ID {
				return tx.AddCommunityPost(ctx, CommunityPost{StatusID: st.ID, GroupID: group})
			}
			_, err := tx.AddCommunityStatus(ctx, group, st.ID)
			return err
		})
		return st
	}
	with := func(v activitypub.Visibility, mentions ...ID) func(*Status) {
		return func(st *Status) { st.Visibility, st.Mentions = v, mentions }
	}
	boostOf := func(st Status) func(*Status) { return func(b *Status) { b.ReblogOfID = st.ID } }
	post := func(a Account, v activitypub.Visibility, mentions ...ID) Status {
		return storeStatus(t, s, a, with(v, mentions...))
	}
	const (
		public    = activitypub.Public
		unlisted  = activitypub.Unlisted
		followers = activitypub.FollowersOnly
		direct    = activitypub.Direct
	)
	byPlain := post(plain, public)
	byPlainPrivate := post(plain, followers)
	byFriendPrivate := post(friend, followers)
	byFollowedPrivate := post(followed, followers)
	byBlocked := post(blocked, public)
	inClosed := in(closed.AccountID, post(plain, public))
	inJoined := in(joined.AccountID, post(plain, public))
	inJoinedByBlocker := in(joined.AccountID, post(blocker, public))
	tests := []struct {
		name            string
		st              Status
		see, listed     bool // to viewer: asked for by itself, in a list
		anonymousListed bool
	}{
		{"a stranger's public post", byPlain, true, true, true},
		{"a stranger's unlisted post", post(plain, unlisted), true, true, true},
		{"a stranger's followers-only post", byPlainPrivate, false, false, false},
		{"a stranger's direct post", post(plain, direct), false, false, false},
		{"a stranger's followers-only post that mentions the viewer", post(plain, followers, viewer.ID), true, true, false},
		{"a stranger's direct post to the viewer", post(plain, direct, viewer.ID), true, true, false},
		{"a followed account's followers-only post", byFriendPrivate, true, true, false},
		{"a followed account's direct post", post(friend, direct), false, false, false},
		{"a followed account's followers-only post from a blocked domain", byFollowedPrivate, true, false, false},
		{"the viewer's own direct post", post(viewer, direct), true, true, false},
		{"the viewer's own followers-only post", post(viewer, followers), true, true, false},
		{"by an account the viewer blocks", byBlocked, false, false, true},
		{"by an account that blocks the viewer, to the viewer", post(blocker, direct, viewer.ID), false, false, false},
		{"by an account that blocks the viewer", post(blocker, public), false, false, true},
		{"by an account the viewer mutes", post(muted, public), true, false, true},
		{"by an account the viewer mutes, to the viewer", post(muted, direct, viewer.ID), true, false, false},
		{"by an account whose mute expired", post(onceMuted, public), true, true, true},
		{"from a domain the viewer blocks", post(far, public), true, false, true},
		{"by a suspended account", post(suspended, public), false, false, false},
		{"by a suspended account, to the viewer", post(suspended, direct, viewer.ID), false, false, false},
		{"a boost of a stranger's post", storeStatus(t, s, plain, boostOf(byPlain)), true, true, true},
		{"the viewer's boost of a stranger's post", storeStatus(t, s, viewer, boostOf(byPlain)), true, true, true},
		{"a boost of a followers-only post", storeStatus(t, s, plain, boostOf(byPlainPrivate)), false, false, false},
		{"a boost of a followed account's followers-only post", storeStatus(t, s, plain, boostOf(byFriendPrivate)), true, true, false},
		{"a boost of a followers-only post from a blocked domain", storeStatus(t, s, plain, boostOf(byFollowedPrivate)), true, false, false},
		{"a boost of a blocked account's post", storeStatus(t, s, plain, boostOf(byBlocked)), false, false, true},
		{"a boost by a blocked account", storeStatus(t, s, blocked, boostOf(byPlain)), false, false, true},
		{"a boost by a muted account", storeStatus(t, s, muted, boostOf(byPlain)), true, false, true},
		{"a boost by a suspended account", storeStatus(t, s, suspended, boostOf(byPlain)), false, false, false},
		{"a public post in a members-only community of which the viewer is a member", inJoined, true, true, false},
		{"a followers-only post in it, by a stranger", in(joined.AccountID, post(plain, followers)), true, true, false},
		{"a public post in a members-only community of which the viewer is no member", inClosed, false, false, false},
		{"a post there by a followed account", in(closed.AccountID, post(friend, followers)), false, false, false},
		{"a post there that mentions the viewer", in(closed.AccountID, post(plain, direct, viewer.ID)), false, false, false},
		{"the viewer's own post there", in(closed.AccountID, post(viewer, public)), true, true, false},
		{"a post in a members-only community the viewer moderates", in(moderated.AccountID, post(plain, public)), true, true, false},
		{"a post in a public community", in(open.AccountID, post(plain, public)), true, true, true},
		{"a post in a remote members-only community the viewer follows", in(remoteGroup.ID, post(far, direct)), true, false, false},
		{"a post in a remote members-only community, by a followed account", in(remoteGroup.ID, post(friend, followers)), true, true, false},
		{"a post in a members-only community by one who blocks the viewer", inJoinedByBlocker, false, false, false},
		{"a post in a members-only community that banned the viewer", in(banning.AccountID, post(plain, public)), false, false, false},
		{"the Group's boost of a members-only post", storeStatus(t, s, Account{ID: joined.AccountID}, boostOf(inJoined)), true, true, false},
		{"a boost of a post in a community of which the viewer is no member", storeStatus(t, s, plain, boostOf(inClosed)), false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				who         string
				viewer      ID
				see, listed bool
				searchable  bool
			}{
				{"viewer", viewer.ID, tt.see, tt.listed, tt.listed},
				{"anonymous", 0, tt.anonymousListed, tt.anonymousListed, tt.anonymousListed && tt.st.Visibility == public},
			} {
				v, err := s.Viewing(ctx, c.viewer, tt.st)
				if err != nil {
					t.Fatal(err)
				}
				if got := activitypub.CanSee(v); got != c.see {
					t.Errorf("%s: CanSee = %v; want %v", c.who, got, c.see)
				}
				if got := activitypub.Listed(v); got != c.listed {
					t.Errorf("%s: Listed = %v; want %v", c.who, got, c.listed)
				}
				if got, err := s.StatusShown(ctx, c.viewer, tt.st.ID); err != nil || got != c.listed {
					t.Errorf("%s: StatusShown (SQL) = %v, %v; want %v", c.who, got, err, c.listed)
				}
				if tt.st.ReblogOfID != 0 {
					continue // search finds no boosts
				}
				if got, err := s.SearchVisible(ctx, c.viewer, tt.st.ID); err != nil || got != c.searchable {
					t.Errorf("%s: SearchVisible (SQL) = %v, %v; want %v", c.who, got, err, c.searchable)
				}
			}
		})
	}
}

// TestCommunityViewing: who is a member of a community, as the rule for
// its lists asks, agrees with what the status rule counts as one.
func TestCommunityViewing(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	mod := mustAccount(t, s, "mod", "")
	closed := mustCommunity(t, s, "closed", mod)
	open := mustCommunity(t, s, "open", mod)
	member := mustAccount(t, s, "member", "b.example")
	neighbour := mustAccount(t, s, "neighbour", "b.example") // no member, but on a member's node
	stranger := mustAccount(t, s, "stranger", "c.example")
	nodeB := Account{Username: "b.example", Domain: "b.example", URI: "https://b.example/actor", ActorType: "Application"}
	nodeC := Account{Username: "c.example", Domain: "c.example", URI: "https://c.example/actor", ActorType: "Application"}
	pending := mustAccount(t, s, "pending", "c.example")
	banned := mustAccount(t, s, "banned", "d.example") // follows, banned until later
	onceBanned := mustAccount(t, s, "oncebanned", "")  // follows, a ban that has ended
	nodeD := Account{Username: "d.example", Domain: "d.example", URI: "https://d.example/actor", ActorType: "Application"}
	remoteGroup := mustAccount(t, s, "remote", "groups.example")
	inTx(t, s, func(tx *Tx) error {
		closed.Visibility = CommunityMembersOnly
		return errors.Join(tx.UpdateCommunity(ctx, closed),
			tx.InsertAccount(ctx, &nodeB), tx.InsertAccount(ctx, &nodeC), tx.InsertAccount(ctx, &nodeD),
			tx.InsertFollow(ctx, &Follow{AccountID: banned.ID, TargetID: closed.AccountID}),
			tx.InsertFollow(ctx, &Follow{AccountID: onceBanned.ID, TargetID: closed.AccountID}),
			tx.PutCommunityBan(ctx, &CommunityBan{CommunityID: closed.AccountID, AccountID: banned.ID, ExpiresAt: s.Now().Add(time.Hour)}),
			tx.PutCommunityBan(ctx, &CommunityBan{CommunityID: closed.AccountID, AccountID: onceBanned.ID, ExpiresAt: s.Now().Add(-time.Hour)}),
			tx.InsertFollow(ctx, &Follow{AccountID: member.ID, TargetID: closed.AccountID}),
			tx.InsertFollowRequest(ctx, &Follow{AccountID: pending.ID, TargetID: closed.AccountID}),
			tx.InsertFollow(ctx, &Follow{AccountID: member.ID, TargetID: remoteGroup.ID}),
			tx.SetRemoteCommunity(ctx, RemoteCommunity{AccountID: remoteGroup.ID, MembersOnly: true}))
	})
	tests := []struct {
		name                string
		viewer              ID
		group               ID
		membersOnly, member bool
	}{
		{"a member", member.ID, closed.AccountID, true, true},
		{"the moderator", mod.ID, closed.AccountID, true, true},
		{"the Group itself", closed.AccountID, closed.AccountID, true, true},
		{"a member's node", nodeB.ID, closed.AccountID, true, true},
		{"another account on a member's node", neighbour.ID, closed.AccountID, true, false},
		{"a node with no member", nodeC.ID, closed.AccountID, true, false},
		{"a pending request", pending.ID, closed.AccountID, true, false},
		{"a follower who is banned", banned.ID, closed.AccountID, true, false},
		{"the node of a follower who is banned", nodeD.ID, closed.AccountID, true, false},
		{"a follower whose ban has ended", onceBanned.ID, closed.AccountID, true, true},
		{"a stranger", stranger.ID, closed.AccountID, true, false},
		{"anonymous", 0, closed.AccountID, true, false},
		{"a public community, a stranger", stranger.ID, open.AccountID, false, false},
		{"a remote members-only Group, a follower", member.ID, remoteGroup.ID, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := s.CommunityViewing(ctx, tt.viewer, tt.group)
			if err != nil || v.MembersOnly != tt.membersOnly || v.Member != tt.member || v.Anonymous != (tt.viewer == 0) {
				t.Errorf("CommunityViewing = %+v, %v; want members-only %v, member %v", v, err, tt.membersOnly, tt.member)
			}
			// The batch (a page of follows) reads the same, for each Group.
			all, err := s.CommunityViewings(ctx, tt.viewer, []ID{open.AccountID, tt.group, remoteGroup.ID})
			if err != nil || all[tt.group] != v {
				t.Errorf("CommunityViewings = %+v, %v; want %+v for the Group", all, err, v)
			}
			for _, g := range []ID{open.AccountID, remoteGroup.ID} {
				if one, err := s.CommunityViewing(ctx, tt.viewer, g); err != nil || all[g] != one {
					t.Errorf("CommunityViewings of %d = %+v; want %+v", g, all[g], one)
				}
			}
		})
	}
}

// BenchmarkCommunityViewingNodeActor: whether a node's instance actor
// may read a members-only community with 5,000 followers on 200 nodes,
// the check made for each members-only post a signed fetch lists. A
// node with members, and one without (which must rule out every
// follower):
//
//	go test ./storage -run '^$' -bench BenchmarkCommunityViewingNodeActor
func BenchmarkCommunityViewingNodeActor(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	g := Account{Username: "closed", ActorType: "Group", URI: "https://local.example/users/closed"}
	nodes := map[string]Account{
		"a member's node":  {Username: "n7.example", Domain: "n7.example", URI: "https://n7.example/actor", ActorType: "Application"},
		"a node with none": {Username: "none.example", Domain: "none.example", URI: "https://none.example/actor", ActorType: "Application"},
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := tx.InsertAccount(ctx, &g); err != nil {
			return err
		}
		if err := tx.InsertCommunity(ctx, &Community{AccountID: g.ID, JoinPolicy: JoinOpen, PostingPolicy: PostingMembers,
			Visibility: CommunityMembersOnly}); err != nil {
			return err
		}
		for name, n := range nodes {
			if err := tx.InsertAccount(ctx, &n); err != nil {
				return err
			}
			nodes[name] = n
		}
		for i := range 5000 {
			host := fmt.Sprintf("n%d.example", i%200)
			a := Account{Username: fmt.Sprintf("f%d", i), Domain: host, URI: fmt.Sprintf("https://%s/users/f%d", host, i)}
			if err := tx.InsertAccount(ctx, &a); err != nil {
				return err
			}
			if err := tx.InsertFollow(ctx, &Follow{AccountID: a.ID, TargetID: g.ID}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for name, n := range nodes {
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			for b.Loop() {
				v, err := s.CommunityViewing(ctx, n.ID, g.ID)
				if err != nil || v.Member != (n.Domain == "n7.example") {
					b.Fatalf("CommunityViewing = %+v, %v", v, err)
				}
			}
		})
	}
}
