package api_test

// The home-timeline benchmark's database: a node a year into its life,
// generated once through the store's own write methods and cached in
// os.TempDir() (docs/performance.md, "Home timeline").

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// benchDataVersion names the generator's output: change it whenever
// what generateHomeData writes changes, so a stale cache is not reused.
const benchDataVersion = 3

// The shape the performance target names: a million statuses by about
// two thousand accounts, 500 of them followed by the member whose home
// timeline is read.
const (
	benchStatuses = 1_000_000
	benchAccounts = 2_000
	benchFollowed = 500
	benchMember   = "reader"
	benchDomains  = 40
	benchTags     = 300
	// benchSpan is how far back the statuses reach.
	benchSpan = 365 * 24 * time.Hour
	// benchBatch statuses go in one transaction.
	benchBatch = 10_000
	// benchHost is the generated node's host name.
	benchHost = "copse.bench"
)

// benchStatusCount is benchStatuses, or COPSE_BENCH_STATUSES for a quick
// run at a smaller scale (the cache is keyed by it).
func benchStatusCount(tb testing.TB) int {
	s := os.Getenv("COPSE_BENCH_STATUSES")
	if s == "" {
		return benchStatuses
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1000 {
		tb.Fatalf("COPSE_BENCH_STATUSES=%q: want a number, at least 1000", s)
	}
	return n
}

// homeDataDir returns a fresh data directory holding a copy of the
// cached benchmark database. A cache made by an earlier prefix of the
// migrations is taken too: the node migrates its copy forward when it
// opens it, as an upgraded node would. With no cache at all, it generates
// one first.
func homeDataDir(b *testing.B) string {
	b.Helper()
	n := benchStatusCount(b)
	schemas, err := schemaVersions()
	if err != nil {
		b.Fatal(err)
	}
	cacheOf := func(schema string) string {
		return filepath.Join(os.TempDir(), fmt.Sprintf("copse-bench-home-%d-%s-g%d.db", n, schema, benchDataVersion))
	}
	cache := ""
	for i := len(schemas) - 1; i >= 0 && cache == ""; i-- {
		if _, err := os.Stat(cacheOf(schemas[i])); err == nil {
			cache = cacheOf(schemas[i])
		}
	}
	if cache == "" {
		cache = cacheOf(schemas[len(schemas)-1])
		// Without -v a benchmark's log shows only if it fails: say why
		// the first run takes minutes.
		fmt.Fprintf(os.Stderr, "generating %s, once (several minutes for a million statuses)\n", cache)
		start := time.Now()
		tmp := cache + ".tmp" + strconv.Itoa(os.Getpid())
		if err := generateHomeData(tmp, n); err != nil {
			for _, f := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
				os.Remove(f)
			}
			b.Fatalf("generate benchmark database: %v", err)
		}
		// Rename only a finished database: an interrupted run leaves a
		// .tmp file, never a half-made cache.
		if err := os.Rename(tmp, cache); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %s (%d statuses) in %v", cache, n, time.Since(start).Round(time.Second))
	}
	dir := b.TempDir()
	if err := copyFile(cache, filepath.Join(dir, "copse.db")); err != nil {
		b.Fatal(err)
	}
	return dir
}

// schemaVersions names the schema made by each prefix of the migrations,
// shortest first: the number of its last migration and a hash of them
// all, so a cache made by other migrations (another branch's, or an
// edited one) is never taken for these.
func schemaVersions() ([]string, error) {
	names, err := filepath.Glob("../../storage/migrations/*.sql")
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("no migrations in ../../storage/migrations (%v)", err)
	}
	sort.Strings(names)
	h := sha256.New()
	out := make([]string, 0, len(names))
	for _, name := range names {
		body, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(name), len(body))
		h.Write(body)
		last, _, _ := strings.Cut(filepath.Base(name), "_")
		out = append(out, fmt.Sprintf("m%s-%x", last, h.Sum(nil)[:4]))
	}
	return out, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// benchAccount is what the generator remembers of an account.
type benchAccount struct {
	id     storage.ID
	domain string
}

// benchStatus is what the generator remembers of a status.
type benchStatus struct {
	id     storage.ID
	uri    string
	author int32 // index into accounts
	reblog bool
}

var benchWords = strings.Fields(`practice routine library archive catalogue record retention
policy review template checklist workshop training induction onboarding handbook guidance
standard schedule budget procurement contract supplier service user feedback survey report
dashboard metric outcome evidence case study pilot rollout migration backup restore access
request consent privacy data protection subject freedom information disclosure appeal
council committee meeting minutes agenda action owner deadline risk register audit`)

// benchContent makes a paragraph or two of HTML, as a member would type.
func benchContent(r *rand.Rand, prefix string) string {
	var sb strings.Builder
	sb.WriteString("<p>")
	sb.WriteString(prefix)
	n := 12 + r.IntN(50)
	for i := range n {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(benchWords[r.IntN(len(benchWords))])
		if i == n/2 && r.IntN(3) == 0 {
			sb.WriteString(".</p><p>")
		}
	}
	sb.WriteString(".</p>")
	return sb.String()
}

// generateHomeData writes the benchmark database to path: n statuses by
// benchAccounts accounts over benchSpan, with replies, reblogs, mentions,
// tags, media, polls and favourites, and the member's home feed as
// fan-out on write would have left it.
func generateHomeData(path string, n int) error {
	ctx := context.Background()
	store, err := storage.Open(ctx, path)
	if err != nil {
		return err
	}
	defer store.Close()
	r := rand.New(rand.NewPCG(1, 2))
	end := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	start := end.Add(-benchSpan)
	store.Now = func() time.Time { return end }

	// Every account has a key pair (local ones keep their private key):
	// one pair will do, as nothing is signed, but the rows must be as
	// long as real ones.
	key, err := federation.GenerateKey()
	if err != nil {
		return err
	}
	privatePEM, err := federation.EncodePrivateKey(key)
	if err != nil {
		return err
	}
	publicPEM, err := federation.EncodePublicKey(&key.PublicKey)
	if err != nil {
		return err
	}

	// Accounts: the member first, then authors; a quarter of them local,
	// the rest spread over benchDomains peers.
	accounts := make([]benchAccount, benchAccounts+1)
	err = store.InTx(ctx, func(tx *storage.Tx) error {
		for i := range accounts {
			a := storage.Account{Username: fmt.Sprintf("user%04d", i), DisplayName: fmt.Sprintf("User %d", i),
				Note: "<p>Information officer. Records, retention and access requests.</p>", Discoverable: true,
				CreatedAt: start.Add(-time.Duration(i) * time.Hour), PublicKeyPEM: publicPEM,
				Organisation: "Hampshire County Council", Department: "Libraries", JobTitle: "Officer",
				Fields: []activitypub.Field{{Name: "Pronouns", Value: "they/them"}}}
			if i == 0 {
				a.Username, a.DisplayName = benchMember, "Reader"
			}
			if i%4 == 0 {
				a.URI = "https://" + benchHost + "/users/" + a.Username
				a.PrivateKeyPEM = privatePEM
			} else {
				a.Domain = fmt.Sprintf("peer%02d.example", i%benchDomains)
				a.URI = "https://" + a.Domain + "/users/" + a.Username
				a.Inbox, a.SharedInbox = a.URI+"/inbox", "https://"+a.Domain+"/inbox"
			}
			a.URL = strings.Replace(a.URI, "/users/", "/@", 1)
			a.Followers, a.PublicKeyID = a.URI+"/followers", a.URI+"#main-key"
			a.AvatarURL = a.URI + "/avatar.png"
			if err := tx.InsertAccount(ctx, &a); err != nil {
				return err
			}
			accounts[i] = benchAccount{id: a.ID, domain: a.Domain}
			if a.Domain == "" {
				u := storage.User{AccountID: a.ID, Email: a.Username + "@copse.bench", PasswordHash: "x", Permission: "member"}
				if err := tx.InsertUser(ctx, &u); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	// The member follows accounts 1..benchFollowed; every author follows
	// a few dozen others, so profiles have counts worth showing.
	// The member's domain block stands for a peer they cut off: they
	// follow nobody there, and its posts reach them only as reblogs.
	const blockedDomain = "peer39.example"
	followed := make([]bool, len(accounts))
	followed[0] = true // the member's own posts are in their feed too
	err = store.InTx(ctx, func(tx *storage.Tx) error {
		for i, n := 1, 0; n < benchFollowed; i++ {
			if accounts[i].domain == blockedDomain {
				continue
			}
			followed[i] = true
			n++
			if err := tx.InsertFollow(ctx, &storage.Follow{AccountID: accounts[0].id, TargetID: accounts[i].id, ShowReblogs: true}); err != nil {
				return err
			}
		}
		for i := 1; i < len(accounts); i++ {
			seen := map[int]bool{i: true}
			for range 20 + r.IntN(60) {
				j := r.IntN(len(accounts))
				if seen[j] {
					continue
				}
				seen[j] = true
				if err := tx.InsertFollow(ctx, &storage.Follow{AccountID: accounts[i].id, TargetID: accounts[j].id, ShowReblogs: true}); err != nil {
					return err
				}
			}
		}
		// What else the member chose not to see: five followed accounts
		// muted, ten in an exclusive list, five others blocked; and a
		// plain list.
		for i := 1; i <= 5; i++ {
			if err := tx.InsertMute(ctx, &storage.Mute{AccountID: accounts[0].id, TargetID: accounts[i*37].id, Notifications: true}); err != nil {
				return err
			}
		}
		for i := 0; i < 5; i++ {
			if err := tx.InsertBlock(ctx, accounts[0].id, accounts[benchFollowed+1+i*101].id, ""); err != nil {
				return err
			}
		}
		if err := tx.InsertDomainBlock(ctx, accounts[0].id, blockedDomain); err != nil {
			return err
		}
		// A filter that warns of a word in home, as many members keep.
		f := storage.Filter{AccountID: accounts[0].id, Title: "Procurement", Context: []string{"home", "notifications"},
			Action: storage.FilterWarn, Keywords: []storage.FilterKeyword{{Keyword: "procurement", WholeWord: true}}}
		if err := tx.InsertFilter(ctx, &f); err != nil {
			return err
		}
		for k, exclusive := range []bool{true, false} {
			l := storage.List{AccountID: accounts[0].id, Title: fmt.Sprintf("list %d", k), RepliesPolicy: storage.RepliesList, Exclusive: exclusive}
			if err := tx.InsertList(ctx, &l); err != nil {
				return err
			}
			var members []storage.ID
			for i := range 10 + 10*k {
				members = append(members, accounts[3+k*200+i*7].id)
			}
			if err := tx.AddListAccounts(ctx, l.ID, members); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	statuses := make([]benchStatus, 0, n)
	step := benchSpan / time.Duration(n)
	for first := 0; first < n; first += benchBatch {
		err := store.InTx(ctx, func(tx *storage.Tx) error {
			for i := first; i < min(first+benchBatch, n); i++ {
				st, err := benchInsertStatus(ctx, tx, r, accounts, statuses, start.Add(time.Duration(i)*step), i)
				if err != nil {
					return err
				}
				statuses = append(statuses, st)
				if !followed[st.author] {
					continue
				}
				if err := tx.AddToHomeFeeds(ctx, st.id, []storage.ID{accounts[0].id}); err != nil {
					return err
				}
				if err := benchReact(ctx, tx, r, accounts[0].id, st); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// benchInsertStatus stores status number i, made at t: a reblog, a reply,
// or an original post, with what goes with it.
func benchInsertStatus(ctx context.Context, tx *storage.Tx, r *rand.Rand, accounts []benchAccount, earlier []benchStatus,
	t time.Time, i int) (benchStatus, error) {
	// The member posts now and then; the other authors evenly.
	author := 1 + r.IntN(len(accounts)-1)
	if r.IntN(len(accounts)) == 0 {
		author = 0
	}
	a := accounts[author]
	id := storage.IDAt(t) | storage.ID(i&0xffff)
	host := benchHost
	if a.domain != "" {
		host = a.domain
	}
	st := storage.Status{ID: id, AccountID: a.id, CreatedAt: t, Local: a.domain == "", Visibility: activitypub.Public,
		URI: fmt.Sprintf("https://%s/users/user%04d/statuses/%d", host, author, id), Language: "en"}
	st.URL = st.URI
	// recent picks an earlier status that is not a reblog, most often a
	// recent one, as people reply to and boost what is new.
	recent := func() (benchStatus, bool) {
		for range 4 {
			if len(earlier) == 0 {
				return benchStatus{}, false
			}
			k := len(earlier) - 1 - min(len(earlier)-1, int(r.ExpFloat64()*5000))
			if e := earlier[k]; !e.reblog && e.author != int32(author) {
				return e, true
			}
		}
		return benchStatus{}, false
	}
	roll := r.IntN(100)
	switch v := r.IntN(100); {
	case v < 80:
	case v < 92:
		st.Visibility = activitypub.Unlisted
	default:
		st.Visibility = activitypub.FollowersOnly
	}
	if roll < 10 { // a reblog
		if orig, ok := recent(); ok {
			st.ReblogOfID, st.URI = orig.id, st.URI+"/activity"
			st.URL, st.Visibility = "", activitypub.Public
			if err := tx.InsertStatus(ctx, &st); err != nil {
				return benchStatus{}, err
			}
			return benchStatus{id: id, uri: st.URI, author: int32(author), reblog: true}, nil
		}
	}
	prefix := ""
	if roll >= 10 && roll < 25 { // a reply
		if parent, ok := recent(); ok {
			st.InReplyToID, st.InReplyToURI = parent.id, parent.uri
			st.InReplyToAccountID = accounts[parent.author].id
			st.Mentions = append(st.Mentions, st.InReplyToAccountID)
			prefix = fmt.Sprintf(`<span class="h-card"><a href="#" class="u-url mention">@<span>user%04d</span></a></span> `, parent.author)
		}
	}
	if r.IntN(100) < 8 {
		for range 1 + r.IntN(3) {
			m := r.IntN(len(accounts))
			if m != author && !containsID(st.Mentions, accounts[m].id) {
				st.Mentions = append(st.Mentions, accounts[m].id)
			}
		}
	}
	if r.IntN(100) < 12 {
		for range 1 + r.IntN(3) {
			st.Tags = append(st.Tags, fmt.Sprintf("topic%03d", int(r.ExpFloat64()*40)%benchTags))
		}
	}
	if r.IntN(100) < 3 {
		st.Attachments = []storage.Attachment{{MediaType: "image/jpeg", URL: st.URI + "/photo.jpg",
			Description: "A photo of the workshop", Blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj", Width: 1200, Height: 800,
			CreatedAt: t, ID: id}}
	}
	switch s := r.IntN(1000); {
	case s < 10:
		st.ObjectType, st.Title = activitypub.TypeArticle, "Retention schedule template"
	case s < 12:
		st.ObjectType = activitypub.TypeQuestion
	case s < 60:
		st.SpoilerText, st.Sensitive = "procurement", true
	}
	st.Content = benchContent(r, prefix)
	if err := tx.InsertStatus(ctx, &st); err != nil {
		return benchStatus{}, err
	}
	if st.ObjectType == activitypub.TypeQuestion {
		// Long over, and its voters told so: the node has nothing left
		// to do with it.
		p := storage.Poll{StatusID: id, ExpiresAt: t.Add(24 * time.Hour), ClosedAt: t.Add(24 * time.Hour), VotersCount: 7,
			NotifiedAt: t.Add(24 * time.Hour), Options: []storage.PollOption{{Title: "Yes", Votes: 4}, {Title: "No", Votes: 3}}}
		if err := tx.InsertPoll(ctx, &p); err != nil {
			return benchStatus{}, err
		}
	}
	// Most posts get no likes, a few get many.
	likes := int(r.ExpFloat64() * 1.2)
	if r.IntN(50) == 0 {
		likes += 10 + r.IntN(30)
	}
	seen := map[int]bool{}
	for range likes {
		f := r.IntN(len(accounts))
		if seen[f] {
			continue
		}
		seen[f] = true
		if err := tx.InsertFavourite(ctx, &storage.Favourite{AccountID: accounts[f].id, StatusID: id, CreatedAt: t}); err != nil {
			return benchStatus{}, err
		}
	}
	return benchStatus{id: id, uri: st.URI, author: int32(author)}, nil
}

// benchReact has the member like, bookmark or mute the thread of a few
// of the statuses in their feed.
func benchReact(ctx context.Context, tx *storage.Tx, r *rand.Rand, member storage.ID, st benchStatus) error {
	if st.reblog {
		return nil
	}
	if r.IntN(40) == 0 {
		err := tx.InsertFavourite(ctx, &storage.Favourite{AccountID: member, StatusID: st.id})
		if err != nil && !errors.Is(err, storage.ErrDuplicate) { // another like drawn by chance
			return err
		}
	}
	if r.IntN(200) == 0 {
		if err := tx.Bookmark(ctx, member, st.id); err != nil {
			return err
		}
	}
	if r.IntN(100_000) == 0 {
		if err := tx.MuteConversation(ctx, member, st.id); err != nil {
			return err
		}
	}
	return nil
}

func containsID(ids []storage.ID, id storage.ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
