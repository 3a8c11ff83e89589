package federation

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/storage"
)

// A member's archive of their own posts, as Mastodon's "Request your
// archive" makes it: a zip holding actor.json (their actor document),
// outbox.json (an OrderedCollection of the Create of every post they
// wrote, of every visibility, newest first), likes.json and
// bookmarks.json (OrderedCollections of the ids of the posts they liked
// and bookmarked, oldest first) and media_attachments/ (the files they
// attached, under the paths the node keeps them at). It is written as it
// is read, so an archive of any size takes little memory.

// archivePage is how many posts an archive reads at a time.
const archivePage = 80

// archiveVisibilities are the posts an archive holds: all of the
// member's own.
var archiveVisibilities = []activitypub.Visibility{activitypub.Public, activitypub.Unlisted, activitypub.FollowersOnly,
	activitypub.Direct}

// WriteArchive writes the member's archive to w.
func (e *Engine) WriteArchive(ctx context.Context, memberID storage.ID, w io.Writer) error {
	a, err := e.localAccount(ctx, memberID)
	if err != nil {
		return err
	}
	z := zip.NewWriter(w)
	actor, err := activitypub.MarshalActor(ActorOf(a))
	if err != nil {
		return fmt.Errorf("archive of %s: %w", a.Username, err)
	}
	if err := zipFile(z, "actor.json", a.CreatedAt, actor); err != nil {
		return err
	}
	total, err := e.store.CountStatuses(ctx, a.ID, archiveVisibilities)
	if err != nil {
		return err
	}
	out, err := z.CreateHeader(&zip.FileHeader{Name: "outbox.json", Method: zip.Deflate, Modified: e.now()})
	if err != nil {
		return fmt.Errorf("archive of %s: %w", a.Username, err)
	}
	head, err := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": "outbox.json", "type": "OrderedCollection",
		"totalItems": total})
	if err != nil {
		return err
	}
	// The collection's fields, then its items as they are read.
	if _, err := fmt.Fprintf(out, "%s,\"orderedItems\":[", head[:len(head)-1]); err != nil {
		return err
	}
	var files []storage.Attachment
	first := true
	for p := (storage.Page{Limit: archivePage}); ; {
		sts, err := e.store.AccountStatuses(ctx, a.ID, archiveVisibilities, p)
		if err != nil {
			return err
		}
		for _, st := range sts {
			if st.ReblogOfID != 0 {
				continue
			}
			note, err := e.Note(ctx, st)
			if err != nil {
				return fmt.Errorf("archive post %d: %w", st.ID, err)
			}
			act, err := activitypub.MarshalActivity(activitypub.Activity{ID: st.URI + "/activity", Type: activitypub.TypeCreate,
				Actor: a.URI, To: note.To, CC: note.CC, Published: st.CreatedAt,
				Object: activitypub.Object{IRI: st.URI, Type: note.Type, Note: &note}})
			if err != nil {
				return fmt.Errorf("archive post %d: %w", st.ID, err)
			}
			if !first {
				if _, err := io.WriteString(out, ","); err != nil {
					return err
				}
			}
			first = false
			if _, err := out.Write(act); err != nil {
				return err
			}
			files = append(files, st.Attachments...)
		}
		if len(sts) < archivePage || ctx.Err() != nil {
			break
		}
		p.MaxID = sts[len(sts)-1].ID
	}
	if _, err := io.WriteString(out, "]}"); err != nil {
		return err
	}
	for _, c := range []struct{ name, kind string }{{"likes.json", storage.ExportLikes}, {"bookmarks.json", storage.ExportBookmarks}} {
		if err := e.zipIDs(ctx, z, a.ID, c.name, c.kind); err != nil {
			return err
		}
	}
	for _, f := range files {
		if err := e.zipMedia(z, f); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return z.Close()
}

// zipIDs adds to z the collection name of the ids of the posts an
// export of kind lists (storage.Export).
func (e *Engine) zipIDs(ctx context.Context, z *zip.Writer, member storage.ID, name, kind string) error {
	w, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: e.now()})
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, `{"@context":"https://www.w3.org/ns/activitystreams","id":%q,"type":"OrderedCollection","orderedItems":[`, name); err != nil {
		return err
	}
	first := true
	err = e.store.Export(ctx, kind, member, e.now(), func(r storage.ExportRow) error {
		id, err := json.Marshal(r.Text)
		if err != nil {
			return err
		}
		if !first {
			if _, err := io.WriteString(w, ","); err != nil {
				return err
			}
		}
		first = false
		_, err = w.Write(id)
		return err
	})
	if err != nil {
		return fmt.Errorf("archive %s: %w", name, err)
	}
	_, err = io.WriteString(w, "]}")
	return err
}

// zipFile adds a file of body to z.
func zipFile(z *zip.Writer, name string, modified time.Time, body []byte) error {
	w, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified})
	if err != nil {
		return err
	}
	_, err = w.Write(body)
	return err
}

// zipMedia adds an attachment's file, kept on this node, to z under
// media_attachments/; one whose file is gone is left out.
func (e *Engine) zipMedia(z *zip.Writer, a storage.Attachment) error {
	if a.File == "" || e.mediaDir == "" {
		return nil
	}
	f, err := os.Open(filepath.Join(e.mediaDir, filepath.FromSlash(a.File)))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("archive media %d: %w", a.ID, err)
	}
	defer f.Close()
	w, err := z.CreateHeader(&zip.FileHeader{Name: path.Join("media_attachments", path.Clean("/" + a.File)[1:]), Method: zip.Store,
		Modified: a.CreatedAt})
	if err != nil {
		return err
	}
	_, err = io.Copy(w, f)
	return err
}
