// Package archive writes and reads a community archive: one tar.gz that
// holds everything a community of practice has made (its Group and
// settings, threads, artefacts with every version and their files,
// members, moderation log, glossary and events), so that no community is
// locked into one node. The format is documented in docs/archive-format.md.
//
// Writing and reading stream: sections go to temporary files on disk, one
// entry at a time, never the whole community in memory. Reading verifies
// every entry's SHA-256 against the manifest before anything is restored,
// within Limits on the decompressed size (an archive is foreign input).
package archive
