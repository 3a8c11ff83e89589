package federation

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/copse-dev/copse/storage"
)

func TestMediaNamesAreRandom(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		stem := newMediaStem()
		name := stem + "_small.jpg"
		if !ValidMediaName(name) {
			t.Fatalf("%q is not a valid media name", name)
		}
		if seen[stem] {
			t.Fatalf("%q made twice", stem)
		}
		seen[stem] = true
	}
	tests := []struct {
		name string
		ok   bool
	}{
		{"3f/3f0123456789abcdef0123456789abcd.png", true},
		{"3f/3f0123456789abcdef0123456789abcd_avatar.jpg", true},
		{"00/3f0123456789abcdef0123456789abcd.png", false}, // folder is not its first two digits
		{"3f/3f0123456789abcdef0123456789abc.png", false},  // 124 bits
		{"3f/3F0123456789ABCDEF0123456789ABCD.png", false},
		{"113745102938475610/113745102938475611.png", false}, // the old, guessable layout
		{"113745102938475610/113745102938475611_avatar.jpg", false},
		{"3f/../3f0123456789abcdef0123456789abcd.png", false},
		{"3f/3f0123456789abcdef0123456789abcd.svg", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidMediaName(tt.name); got != tt.ok {
				t.Errorf("ValidMediaName(%q) = %v; want %v", tt.name, got, tt.ok)
			}
		})
	}
}

// An installation from before random names has files named by account
// and media ID. RenameLegacyMedia renames them once: rows and files move
// together, the old names are gone, and a second run does nothing.
func TestRenameLegacyMedia(t *testing.T) {
	e := mediaEngine(t)
	ctx := context.Background()
	alice := member(t, e, "alice")
	up, err := e.UploadMedia(ctx, alice.ID, bytes.NewReader(encodePNG(t, halves(100, 60))), "", Focus{})
	if err != nil {
		t.Fatal(err)
	}
	lost, err := e.UploadMedia(ctx, alice.ID, bytes.NewReader(encodePNG(t, halves(10, 10))), "", Focus{})
	if err != nil {
		t.Fatal(err)
	}
	prof, err := e.UpdateCredentialsWithImages(ctx, alice.ID, Credentials{}, bytes.NewReader(encodeJPEG(t, halves(80, 80))), nil)
	if err != nil {
		t.Fatal(err)
	}
	fileBytes, avatarFile := readMedia(t, e, up.File), localFileOf(t, e, prof.AvatarURL)
	avatarBytes := readMedia(t, e, avatarFile)

	// Put everything back under the old names, as an older copse left it.
	moveTo := func(from, to string) {
		t.Helper()
		dst := filepath.Join(e.MediaDir(), filepath.FromSlash(to))
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(e.MediaDir(), filepath.FromSlash(from)), dst); err != nil {
			t.Fatal(err)
		}
	}
	legacy := func(a storage.Attachment, keepFile bool) storage.Attachment {
		t.Helper()
		old := a
		old.File = alice.ID.String() + "/" + a.ID.String() + ".png"
		old.PreviewFile = alice.ID.String() + "/" + a.ID.String() + "_small.jpg"
		old.URL, old.PreviewURL = e.mediaURL(old.File), e.mediaURL(old.PreviewFile)
		if keepFile {
			moveTo(a.File, old.File)
			moveTo(a.PreviewFile, old.PreviewFile)
		} else {
			e.removeMedia(ctx, a.File, a.PreviewFile)
		}
		if err := e.Store().InTx(ctx, func(tx *storage.Tx) error { return tx.RenameMediaFiles(ctx, old, a.File) }); err != nil {
			t.Fatal(err)
		}
		return old
	}
	oldUp := legacy(up, true)
	legacy(lost, false) // its files were lost: the row is renamed all the same
	oldAvatar := alice.ID.String() + "/" + up.ID.String() + "_avatar.jpg"
	moveTo(avatarFile, oldAvatar)
	from := storage.ProfileImages{AccountID: alice.ID, Avatar: prof.AvatarURL, Header: prof.HeaderURL}
	to := from
	to.Avatar = e.mediaURL(oldAvatar)
	if err := e.Store().InTx(ctx, func(tx *storage.Tx) error { return tx.RenameProfileImages(ctx, from, to) }); err != nil {
		t.Fatal(err)
	}

	n, err := e.RenameLegacyMedia(ctx)
	if err != nil || n != 3 {
		t.Fatalf("RenameLegacyMedia = %d, %v; want 3 renamed", n, err)
	}
	got, err := e.Store().MediaByID(ctx, up.ID, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !ValidMediaName(got.File) || !ValidMediaName(got.PreviewFile) || got.URL != e.mediaURL(got.File) || got.PreviewURL != e.mediaURL(got.PreviewFile) {
		t.Errorf("renamed row: %q %q %q %q", got.File, got.PreviewFile, got.URL, got.PreviewURL)
	}
	if !bytes.Equal(readMedia(t, e, got.File), fileBytes) {
		t.Error("the renamed file has other bytes")
	}
	acct, err := e.Store().AccountByID(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	newAvatar, ok := e.localMediaFile(acct.AvatarURL)
	if !ok || !ValidMediaName(newAvatar) || !bytes.Equal(readMedia(t, e, newAvatar), avatarBytes) {
		t.Errorf("avatar %q after renaming", acct.AvatarURL)
	}
	if got, err := e.Store().MediaByID(ctx, lost.ID, alice.ID); err != nil || !ValidMediaName(got.File) {
		t.Errorf("row of lost files: %q, %v", got.File, err)
	}
	for _, old := range []string{oldUp.File, oldUp.PreviewFile, oldAvatar} {
		if _, err := os.Stat(filepath.Join(e.MediaDir(), filepath.FromSlash(old))); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("old name %s: %v; want gone", old, err)
		}
	}
	if n, err := e.RenameLegacyMedia(ctx); err != nil || n != 0 {
		t.Errorf("second RenameLegacyMedia = %d, %v; want nothing to do", n, err)
	}
}

func localFileOf(t *testing.T, e *Engine, url string) string {
	t.Helper()
	file, ok := e.localMediaFile(url)
	if !ok {
		t.Fatalf("%q is not a local media URL", url)
	}
	return file
}
