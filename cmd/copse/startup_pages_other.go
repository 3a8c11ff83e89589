//go:build !linux

package main

// releaseStartupPages does nothing where /proc/self/maps and madvise's
// Linux meaning are not to be had.
func releaseStartupPages() error { return nil }
