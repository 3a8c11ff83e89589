package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"
)

// Format and Version name the archive format in its manifest. A reader
// refuses another format and a newer version.
const (
	Format  = "copse-community-archive"
	Version = 2 // 2 added glossary.jsonl and events.jsonl
)

// Entry names. Every entry but files/<sha256> is one of these.
const (
	ManifestName   = "manifest.json"
	CommunityName  = "community.json"
	ThreadsName    = "threads.jsonl"
	ArtefactsName  = "artefacts.jsonl"
	MembersName    = "members.jsonl"
	ModerationName = "moderation_log.jsonl"
	GlossaryName   = "glossary.jsonl" // version 2
	EventsName     = "events.jsonl"   // version 2
)

// sinceVersion is the format version that added an entry; a manifest of
// an older version that lists it is refused.
var sinceVersion = map[string]int{GlossaryName: 2, EventsName: 2}

// Limits bound what Read extracts: an archive is foreign input, and its
// gzip stream may expand far beyond its own size.
type Limits struct {
	// TotalBytes bounds the sum of the entries' sizes, decompressed.
	TotalBytes int64
	// Entries bounds how many entries the archive has.
	Entries int
}

// DefaultLimits are Read's: 64 GiB in at most a million entries.
var DefaultLimits = Limits{TotalBytes: 64 << 30, Entries: 1 << 20}

// ErrTooLarge is returned (wrapped, with the limit) by Read for an
// archive beyond its Limits.
var ErrTooLarge = errors.New("archive: archive too large")

// ErrCorrupt is returned by Read for an archive that is not a whole,
// unaltered copse community archive.
var ErrCorrupt = errors.New("archive: corrupt archive")

// maxLine bounds one JSON line of a section (one thread post, one
// artefact with its versions' metadata).
const maxLine = 16 << 20

// maxManifest bounds the manifest, read whole into memory.
const maxManifest = 64 << 20

// Manifest is manifest.json, the archive's last entry: what it holds and
// the digest of every other entry.
type Manifest struct {
	Format    string         `json:"format"`
	Version   int            `json:"version"`
	Node      string         `json:"node"`      // base URL of the exporting node
	Community string         `json:"community"` // the Group's actor id
	Handle    string         `json:"handle"`
	CreatedAt time.Time      `json:"created_at"`
	Counts    map[string]int `json:"counts"`
	Entries   []Entry        `json:"entries"`
}

// Entry is one archive entry as the manifest lists it.
type Entry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // hex
}

var fileName = regexp.MustCompile(`^files/[0-9a-f]{64}$`)

// knownName reports whether name may appear in an archive of this
// version.
func knownName(name string) bool {
	switch name {
	case ManifestName, CommunityName, ThreadsName, ArtefactsName, MembersName, ModerationName, GlossaryName, EventsName:
		return true
	}
	return fileName.MatchString(name)
}

// FileName is the entry name of a file with the given hex SHA-256.
func FileName(sha string) string { return "files/" + sha }

// Writer writes an archive to an io.Writer, one entry at a time.
type Writer struct {
	tmpDir  string
	gz      *gzip.Writer
	tw      *tar.Writer
	entries []Entry
	names   map[string]bool
	counts  map[string]int
	now     time.Time
	// manifest is the manifest as Close wrote it.
	manifest Manifest
}

// NewWriter starts an archive on w. Sections are spooled to temporary
// files under tmpDir ("" for the system's) before they are added.
func NewWriter(w io.Writer, tmpDir string, now time.Time) *Writer {
	// Artefact files (PDF, Office, images) are compressed already: the
	// fastest level halves the export's time and costs little on JSON.
	gz, _ := gzip.NewWriterLevel(w, gzip.BestSpeed) // a valid level never fails
	return &Writer{tmpDir: tmpDir, gz: gz, tw: tar.NewWriter(gz), names: map[string]bool{},
		counts: map[string]int{}, now: now.UTC()}
}

// Has reports whether an entry of that name was added.
func (w *Writer) Has(name string) bool { return w.names[name] }

// Add copies size bytes from r into the archive as entry name.
func (w *Writer) Add(name string, size int64, r io.Reader) error {
	if !knownName(name) || name == ManifestName {
		return fmt.Errorf("archive: add %s: not an entry name of this format", name)
	}
	if w.names[name] {
		return fmt.Errorf("archive: add %s: added twice", name)
	}
	hdr := &tar.Header{Name: name, Mode: 0o644, Size: size, ModTime: w.now, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("archive: add %s: %w", name, err)
	}
	h := sha256.New()
	n, err := io.Copy(w.tw, io.TeeReader(io.LimitReader(r, size), h))
	if err != nil {
		return fmt.Errorf("archive: add %s: %w", name, err)
	}
	if n != size {
		return fmt.Errorf("archive: add %s: %d bytes, expected %d", name, n, size)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if fileName.MatchString(name) && name != FileName(sum) {
		// A reader would refuse the archive: say now which file changed.
		return fmt.Errorf("archive: add %s: its bytes hash to %s", name, sum)
	}
	w.names[name] = true
	w.entries = append(w.entries, Entry{Name: name, Size: size, SHA256: sum})
	return nil
}

// AddJSON adds v, marshalled, as entry name.
func (w *Writer) AddJSON(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("archive: %s: %w", name, err)
	}
	b = append(b, '\n')
	return w.Add(name, int64(len(b)), bytes.NewReader(b))
}

// Section starts a JSON Lines section. Lines go to a temporary file; the
// section enters the archive when it is closed.
func (w *Writer) Section(name string) (*Section, error) {
	f, err := os.CreateTemp(w.tmpDir, "copse-archive-*.jsonl")
	if err != nil {
		return nil, fmt.Errorf("archive: section %s: %w", name, err)
	}
	bw := bufio.NewWriter(f)
	return &Section{w: w, name: name, f: f, bw: bw, enc: json.NewEncoder(bw)}, nil
}

// Close writes the manifest, with m's node, community, handle and any
// counts it names, and ends the archive. It does not close the
// underlying writer.
func (w *Writer) Close(m Manifest) error {
	m.Format, m.Version, m.CreatedAt = Format, Version, w.now
	if m.Counts == nil {
		m.Counts = map[string]int{}
	}
	for k, v := range w.counts {
		m.Counts[k] = v
	}
	m.Entries = w.entries
	w.manifest = m
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("archive: manifest: %w", err)
	}
	hdr := &tar.Header{Name: ManifestName, Mode: 0o644, Size: int64(len(b)), ModTime: w.now, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("archive: manifest: %w", err)
	}
	if _, err := w.tw.Write(b); err != nil {
		return fmt.Errorf("archive: manifest: %w", err)
	}
	if err := w.tw.Close(); err != nil {
		return fmt.Errorf("archive: close: %w", err)
	}
	if err := w.gz.Close(); err != nil {
		return fmt.Errorf("archive: close: %w", err)
	}
	return nil
}

// Section is a JSON Lines section being written.
type Section struct {
	w     *Writer
	name  string
	f     *os.File
	bw    *bufio.Writer
	enc   *json.Encoder
	lines int
}

// Write adds v as one line.
func (s *Section) Write(v any) error {
	if err := s.enc.Encode(v); err != nil {
		return fmt.Errorf("archive: %s line %d: %w", s.name, s.lines+1, err)
	}
	s.lines++
	return nil
}

// Close adds the section to the archive and removes its temporary file.
func (s *Section) Close() error {
	defer os.Remove(s.f.Name())
	defer s.f.Close()
	if err := s.bw.Flush(); err != nil {
		return fmt.Errorf("archive: %s: %w", s.name, err)
	}
	size, err := s.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return fmt.Errorf("archive: %s: %w", s.name, err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("archive: %s: %w", s.name, err)
	}
	if err := s.w.Add(s.name, size, bufio.NewReader(s.f)); err != nil {
		return err
	}
	s.w.counts[s.name] = s.lines
	return nil
}

// Discard drops a section that will not be added (after an error).
func (s *Section) Discard() {
	s.f.Close()
	os.Remove(s.f.Name())
}

// Archive is an archive read and verified into a directory.
type Archive struct {
	Dir      string
	Manifest Manifest
}

// Read extracts the archive from r into dir (which must exist and be
// empty), verifies every entry against the manifest and returns it. An
// archive that is not gzip and tar, misses its manifest, names an
// unknown entry, or whose entries do not match the manifest's sizes and
// digests is refused with an error that wraps ErrCorrupt. It reads
// within DefaultLimits (see ReadLimited).
func Read(r io.Reader, dir string) (*Archive, error) {
	return ReadLimited(r, dir, DefaultLimits)
}

// ReadLimited is Read within lim: an archive whose entries would
// decompress to more than lim.TotalBytes, or that has more than
// lim.Entries entries, is refused with an error wrapping ErrTooLarge as
// soon as the tar header that crosses the limit is read, before its
// bytes are written. The caller removes dir.
func ReadLimited(r io.Reader, dir string, lim Limits) (*Archive, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: not gzip: %v", ErrCorrupt, err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	got := map[string]Entry{}
	var manifest []byte
	var total int64
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if hdr.Typeflag != tar.TypeReg || !knownName(hdr.Name) {
			return nil, fmt.Errorf("%w: unexpected entry %q", ErrCorrupt, hdr.Name)
		}
		if _, dup := got[hdr.Name]; dup || manifest != nil {
			return nil, fmt.Errorf("%w: entry %q repeated or after the manifest", ErrCorrupt, hdr.Name)
		}
		// tar reads no more than a header's size from the entry, so the
		// sizes bound what is written whatever the gzip stream holds.
		if hdr.Size < 0 || hdr.Size > lim.TotalBytes-total {
			return nil, fmt.Errorf("%w: its entries exceed %d bytes (at %s)", ErrTooLarge, lim.TotalBytes, hdr.Name)
		}
		total += hdr.Size
		if len(got)+1 > lim.Entries {
			return nil, fmt.Errorf("%w: more than %d entries", ErrTooLarge, lim.Entries)
		}
		if hdr.Name == ManifestName {
			if hdr.Size > maxManifest {
				return nil, fmt.Errorf("%w: manifest of %d bytes", ErrCorrupt, hdr.Size)
			}
			if manifest, err = io.ReadAll(io.LimitReader(tr, maxManifest)); err != nil {
				return nil, fmt.Errorf("%w: manifest: %v", ErrCorrupt, err)
			}
			continue
		}
		e, err := extract(tr, dir, hdr.Name)
		if err != nil {
			return nil, err
		}
		got[hdr.Name] = e
	}
	if manifest == nil {
		return nil, fmt.Errorf("%w: no %s", ErrCorrupt, ManifestName)
	}
	var m Manifest
	if err := json.Unmarshal(manifest, &m); err != nil {
		return nil, fmt.Errorf("%w: manifest: %v", ErrCorrupt, err)
	}
	if m.Format != Format || m.Version < 1 || m.Version > Version {
		return nil, fmt.Errorf("%w: format %q version %d; this copse reads %s version %d", ErrCorrupt, m.Format, m.Version, Format, Version)
	}
	listed := map[string]bool{}
	for _, e := range m.Entries {
		g, ok := got[e.Name]
		switch {
		case !ok:
			return nil, fmt.Errorf("%w: %s is listed but missing", ErrCorrupt, e.Name)
		case g.Size != e.Size || g.SHA256 != e.SHA256:
			return nil, fmt.Errorf("%w: %s does not match its digest", ErrCorrupt, e.Name)
		}
		if v := sinceVersion[e.Name]; v > m.Version {
			return nil, fmt.Errorf("%w: %s in a version %d archive", ErrCorrupt, e.Name, m.Version)
		}
		listed[e.Name] = true
	}
	for name := range got {
		if !listed[name] {
			return nil, fmt.Errorf("%w: %s is not in the manifest", ErrCorrupt, name)
		}
	}
	for _, need := range []string{CommunityName} {
		if !listed[need] {
			return nil, fmt.Errorf("%w: no %s", ErrCorrupt, need)
		}
	}
	return &Archive{Dir: dir, Manifest: m}, nil
}

// extract writes one entry under dir, hashing it as it goes.
func extract(r io.Reader, dir, name string) (Entry, error) {
	path := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Entry{}, fmt.Errorf("archive: extract %s: %w", name, err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return Entry{}, fmt.Errorf("archive: extract %s: %w", name, err)
	}
	h := sha256.New()
	n, err := io.Copy(f, io.TeeReader(r, h))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Entry{}, fmt.Errorf("%w: %s: %v", ErrCorrupt, name, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if fileName.MatchString(name) && name != FileName(sum) {
		return Entry{}, fmt.Errorf("%w: %s does not match its digest", ErrCorrupt, name)
	}
	return Entry{Name: name, Size: n, SHA256: sum}, nil
}

// Has reports whether the archive holds an entry.
func (a *Archive) Has(name string) bool {
	for _, e := range a.Manifest.Entries {
		if e.Name == name {
			return true
		}
	}
	return false
}

// Files lists the hex digests of the files the archive holds, sorted.
func (a *Archive) Files() []string {
	var out []string
	for _, e := range a.Manifest.Entries {
		if fileName.MatchString(e.Name) {
			out = append(out, e.Name[len("files/"):])
		}
	}
	sort.Strings(out)
	return out
}

// Path is where an extracted entry lies.
func (a *Archive) Path(name string) string { return filepath.Join(a.Dir, filepath.FromSlash(name)) }

// ReadJSON decodes a JSON entry into v.
func (a *Archive) ReadJSON(name string, v any) error {
	f, err := os.Open(a.Path(name))
	if err != nil {
		return fmt.Errorf("archive: %s: %w", name, err)
	}
	defer f.Close()
	if err := json.NewDecoder(io.LimitReader(f, maxManifest)).Decode(v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, name, err)
	}
	return nil
}

// Lines calls fn with each line of a JSON Lines section, in order; a
// section the archive lacks has no lines.
func (a *Archive) Lines(name string, fn func(line []byte) error) error {
	if !a.Has(name) {
		return nil
	}
	f, err := os.Open(a.Path(name))
	if err != nil {
		return fmt.Errorf("archive: %s: %w", name, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	n := 0
	for sc.Scan() {
		n++
		if len(sc.Bytes()) == 0 {
			continue
		}
		if err := fn(sc.Bytes()); err != nil {
			return fmt.Errorf("%s line %d: %w", name, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, name, err)
	}
	return nil
}
