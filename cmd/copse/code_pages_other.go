//go:build !linux

package main

// releaseCodePages does nothing where /proc/self/maps and madvise's
// Linux meaning are not to be had.
func releaseCodePages() error { return nil }
