package pages

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

// Images of posts made and edited on the pages, as an app attaches them:
// up to federation.MaxAttachments, each a file field (image_N) with its
// description (alt_N), which it needs: people who cannot see the image
// read it instead. The first pair is shown; the others sit in a
// disclosure ("Add more images"), which works without JavaScript. The
// edit form shows the images the post has, each with its description to
// change (kept_alt_{id}) and a box to remove it (remove_{id}), and as
// many new pairs as the post may still take. A post with a poll takes no
// images (Mastodon's rule). Files are uploaded through
// Engine.UploadMedia, its checks and limits; a file it refuses is refused
// beside its field.

// imageSlot is the fields of one new image on a post form.
type imageSlot struct {
	N               int // from 1: the fields image_N and alt_N
	Number          int // as the form counts it, after the images kept
	Alt             string
	Error, AltError string
}

// keptImage is an image the post edited has.
type keptImage struct {
	N                  int    // from 1, in the post's order
	ID                 string // the attachment's, which names its fields
	URL, Preview       string
	Width, Height      int
	Image              bool // an image (else a file an app attached: linked)
	Was, Alt, AltError string
	Remove             bool
}

// ImageSlots are the form's fields for new images: as many as the post
// may still take.
func (v postFormPage) ImageSlots() []imageSlot {
	if v.NoImages {
		return nil
	}
	out := make([]imageSlot, 0, federation.MaxAttachments)
	for i := range federation.MaxAttachments - len(v.Kept) {
		n := strconv.Itoa(i + 1)
		out = append(out, imageSlot{N: i + 1, Number: len(v.Kept) + i + 1, Alt: v.Fields.Alts[i], Error: v.Form.FieldError["image_"+n],
			AltError: v.Form.FieldError["alt_"+n]})
	}
	return out
}

// MoreImagesOpen reports whether the disclosure of the images after the
// first is shown open: one of them has a description or an error.
func (v postFormPage) MoreImagesOpen() bool {
	slots := v.ImageSlots()
	for _, s := range slots[min(1, len(slots)):] {
		if s.Alt != "" || s.Error != "" || s.AltError != "" {
			return true
		}
	}
	return false
}

// keptImages are the attachments of st as the edit form shows them.
func keptImages(st storage.Status) []keptImage {
	out := make([]keptImage, 0, len(st.Attachments))
	for i, a := range st.Attachments {
		k := keptImage{N: i + 1, ID: a.ID.String(), URL: a.URL, Preview: a.PreviewURL, Width: a.PreviewWidth, Height: a.PreviewHeight,
			Image: strings.HasPrefix(a.MediaType, "image/"), Was: a.Description, Alt: a.Description}
		if k.Preview == "" {
			k.Preview, k.Width, k.Height = a.URL, a.Width, a.Height
		}
		out = append(out, k)
	}
	return out
}

// chosenFile is the file the form's field carries, nil when it was left
// empty.
func chosenFile(r *http.Request, field string) *multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	files := r.MultipartForm.File[field]
	if len(files) == 0 || files[0].Filename == "" {
		return nil
	}
	return files[0]
}

// anyImageChosen reports whether a post form carries a file.
func anyImageChosen(r *http.Request) bool {
	for i := range federation.MaxAttachments {
		if chosenFile(r, "image_"+strconv.Itoa(i+1)) != nil {
			return true
		}
	}
	return false
}

// readImages reads the new images a post form carries and their
// descriptions, and the kept images' descriptions and removals, and says
// on the form what to fix.
func readImages(r *http.Request, v *postFormPage) {
	if v.NoImages {
		return
	}
	for i := range federation.MaxAttachments - len(v.Kept) {
		n := strconv.Itoa(i + 1)
		v.Fields.Alts[i] = r.FormValue("alt_" + n)
		if v.images[i] = chosenFile(r, "image_"+n); v.images[i] != nil {
			checkDescription(&v.Form, "alt_"+n, v.Fields.Alts[i], "image "+strconv.Itoa(len(v.Kept)+i+1))
		}
	}
	for i := range v.Kept {
		k := &v.Kept[i]
		k.Alt, k.Remove = r.FormValue("kept_alt_"+k.ID), r.FormValue("remove_"+k.ID) == "yes"
		if !k.Remove {
			checkDescription(&v.Form, "kept_alt_"+k.ID, k.Alt, "image "+strconv.Itoa(k.N))
			k.AltError = v.Form.FieldError["kept_alt_"+k.ID]
		}
	}
}

// checkDescription says on the form what to fix in an image's
// description.
func checkDescription(f *formView, field, alt, what string) {
	switch alt = strings.TrimSpace(alt); {
	case alt == "":
		f.add(field, "Describe "+what+" for people who cannot see it")
	case utf8.RuneCountInString(alt) > federation.MaxDescription:
		f.add(field, fmt.Sprintf("The description of %s must be %d characters or fewer", what, federation.MaxDescription))
	}
}

// firstImage is the field of the first new image chosen, "" for none.
func (v postFormPage) firstImage() string {
	for i, f := range v.images {
		if f != nil {
			return "image_" + strconv.Itoa(i+1)
		}
	}
	return ""
}

// askImagesAgain asks on a form shown again for the files it carried:
// a browser does not fill a file field in again.
func askImagesAgain(v *postFormPage) {
	for i, f := range v.images {
		if field := "image_" + strconv.Itoa(i+1); f != nil && v.Form.FieldError[field] == "" {
			v.Form.add(field, fmt.Sprintf("Choose image %d again: a form shown again cannot keep it", len(v.Kept)+i+1))
		}
	}
}

// uploadImages uploads the form's new images, in order, as me's
// attachments for the post; the engine's refusal of a file is its
// field's. (An upload made before a later one is refused waits,
// unattached, for the engine to prune it.)
func (h *Handler) uploadImages(r *http.Request, me storage.Account, v postFormPage) ([]storage.ID, error) {
	var ids []storage.ID
	for i, fh := range v.images {
		if fh == nil {
			continue
		}
		id, err := h.uploadImage(r, me, fh, strings.TrimSpace(v.Fields.Alts[i]))
		var inv *federation.InvalidError
		if errors.As(err, &inv) {
			return nil, &federation.FieldError{Field: "image_" + strconv.Itoa(i+1), Invalid: *inv}
		}
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (h *Handler) uploadImage(r *http.Request, me storage.Account, fh *multipart.FileHeader, alt string) (storage.ID, error) {
	f, err := fh.Open()
	if err != nil {
		return 0, fmt.Errorf("open image %s: %w", fh.Filename, err)
	}
	defer f.Close()
	a, err := h.engine.UploadMedia(r.Context(), me.ID, f, alt, federation.Focus{})
	return a.ID, err
}

// editedMedia is what an edit does to the post's attachments: those kept
// (in their order) and then the new uploads, and the kept ones'
// descriptions changed.
func editedMedia(kept []keptImage, uploaded []storage.ID) ([]storage.ID, map[storage.ID]federation.MediaEdit) {
	ids := make([]storage.ID, 0, len(kept)+len(uploaded))
	edits := map[storage.ID]federation.MediaEdit{}
	for _, k := range kept {
		id, err := storage.ParseID(k.ID)
		if err != nil || k.Remove {
			continue
		}
		ids = append(ids, id)
		if alt := strings.TrimSpace(k.Alt); alt != k.Was {
			edits[id] = federation.MediaEdit{Description: &alt}
		}
	}
	return append(ids, uploaded...), edits
}
