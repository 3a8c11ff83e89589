package federation

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/copse-dev/copse/storage"
)

// TestReadImport: the files Mastodon exports (and copse's own) are read
// with or without their header; a bad line is refused naming it, and so
// is an empty file, a wrong kind and one too long.
func TestReadImport(t *testing.T) {
	tests := []struct {
		name, kind, file string
		want             []storage.ImportRow // Kind and AccountID left out
		bad              string              // in the error
	}{
		{"following, Mastodon's header", storage.ExportFollowing,
			"Account address,Show boosts,Notify on new posts,Languages\nann@a.example,false,true,\n@bob@b.example,true,false,en\n",
			[]storage.ImportRow{{Target: "ann@a.example", ShowReblogs: false, Notify: true, Notifications: true},
				{Target: "bob@b.example", ShowReblogs: true, Notifications: true}}, ""},
		{"following, addresses alone (older exports)", storage.ExportFollowing, "ann@a.example\n\nbob@b.example:8443\n",
			[]storage.ImportRow{{Target: "ann@a.example", ShowReblogs: true, Notifications: true},
				{Target: "bob@b.example:8443", ShowReblogs: true, Notifications: true}}, ""},
		{"mutes", storage.ExportMutes, "Account address,Hide notifications\nann@a.example,false\n",
			[]storage.ImportRow{{Target: "ann@a.example", ShowReblogs: true, Notifications: false}}, ""},
		{"lists", storage.ExportLists, "Colleagues,ann@a.example\n\"Planning, north\",bob@b.example\n",
			[]storage.ImportRow{{List: "Colleagues", Target: "ann@a.example", ShowReblogs: true, Notifications: true},
				{List: "Planning, north", Target: "bob@b.example", ShowReblogs: true, Notifications: true}}, ""},
		{"domains", storage.ExportDomainBlocks, "Spam.Example\n",
			[]storage.ImportRow{{Target: "spam.example", ShowReblogs: true, Notifications: true}}, ""},
		{"bookmarks", storage.ExportBookmarks, "https://a.example/users/ann/statuses/1\n",
			[]storage.ImportRow{{Target: "https://a.example/users/ann/statuses/1", ShowReblogs: true, Notifications: true}}, ""},
		{"not an address", storage.ExportBlocks, "ann@a.example\njust ann\n", nil, `line 2: "just ann" is not an account address`},
		{"not a flag", storage.ExportFollowing, "ann@a.example,maybe\n", nil, `line 1: "maybe" is not true or false`},
		{"not a post", storage.ExportBookmarks, "javascript:alert(1)\n", nil, "is not the address of a post"},
		{"empty", storage.ExportBlocks, "\n\n", nil, "the file has no entries"},
		{"a broken quote", storage.ExportLists, "\"Colleagues,ann@a.example\n", nil, "is not a CSV file"},
		{"too long", storage.ExportBlocks, strings.Repeat("ann@a.example\n", MaxImportRows+1), nil, "at most 5000 entries"},
		{"a kind that is none", "passwords", "ann@a.example\n", nil, "is not something to import"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := readImport(7, tt.kind, strings.NewReader(tt.file))
			if tt.bad != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field != "file" || !strings.Contains(err.Error(), tt.bad) {
					t.Fatalf("err = %v; want a file error saying %q", err, tt.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(tt.want) {
				t.Fatalf("%d rows %+v; want %d", len(rows), rows, len(tt.want))
			}
			for i, w := range tt.want {
				w.Kind, w.AccountID = tt.kind, 7
				if rows[i] != w {
					t.Errorf("row %d = %+v; want %+v", i, rows[i], w)
				}
			}
		})
	}
}

// TestImportsDone: queued entries are done as the member would do them,
// an entry nobody answers for fails with its reason, and the list of
// failures is the member's to read.
func TestImportsDone(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	alice, bob := member(t, e, "alice"), member(t, e, "bob")
	host := e.urls.Host()
	file := "Colleagues,bob@" + host + "\nColleagues,nobody@" + host + "\n"
	if n, err := e.ImportList(ctx, alice.ID, storage.ExportFollowing, strings.NewReader("bob@"+host+",false,true\n")); err != nil || n != 1 {
		t.Fatalf("import follows: %d, %v", n, err)
	}
	if n, err := e.ImportList(ctx, alice.ID, storage.ExportLists, strings.NewReader(file)); err != nil || n != 2 {
		t.Fatalf("import lists: %d, %v", n, err)
	}
	big := strings.Repeat("bob@"+host+"\n", MaxImportFile/len("bob@"+host+"\n")+1)
	var fe *FieldError
	if _, err := e.ImportList(ctx, alice.ID, storage.ExportBlocks, strings.NewReader(big)); !errors.As(err, &fe) || !strings.Contains(err.Error(), "2 MB or smaller") {
		t.Errorf("a file over 2 MB: %v; want refused whole", err)
	}
	if err := e.Imports(ctx); err != nil {
		t.Fatal(err)
	}
	f, err := e.store.FollowOf(ctx, alice.ID, bob.ID)
	if err != nil || f.ShowReblogs || !f.Notify {
		t.Errorf("follow %+v, %v; want one without boosts, notifying", f, err)
	}
	lists, err := e.store.Lists(ctx, alice.ID)
	if err != nil || len(lists) != 1 || lists[0].Title != "Colleagues" {
		t.Fatalf("lists %+v, %v; want Colleagues", lists, err)
	}
	if in, err := e.store.ListsWithAccount(ctx, alice.ID, bob.ID); err != nil || len(in) != 1 {
		t.Errorf("bob in %d lists, %v; want Colleagues", len(in), err)
	}
	waiting, failed, err := e.store.ImportsOf(ctx, alice.ID, 10)
	if err != nil || waiting != 0 || len(failed) != 1 || failed[0].Target != "nobody@"+host || failed[0].Reason != "not found" {
		t.Errorf("waiting %d, failed %+v, %v; want none waiting and nobody not found", waiting, failed, err)
	}
}
