//go:build unix

package api_test

import "syscall"

// pageFaults is how many page faults the process has taken: a page of
// the memory-mapped database touched for the first time costs one, which
// a CPU profile shows as time in whatever instruction read it.
func pageFaults() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Minflt + ru.Majflt)
}
