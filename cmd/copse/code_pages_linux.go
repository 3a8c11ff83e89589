package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// releaseCodePages hands back the resident pages of copse's own
// executable: what start-up ran and will not run again (package
// initialisers, migrations, template parsing), what a garbage
// collection read to scan goroutine stacks (the function tables of
// every parked goroutine's frames), and what the kernel's fault-around
// mapped beside them (64 KiB around every page touched, so touching a
// few hundred pages of code maps megabytes). Only the read-only
// mappings are released (code, read-only data, the function tables);
// their pages stay in the kernel's page cache, and what the node runs
// next comes back on first touch from there, without reading the disk.
// Writable mappings are never touched: releasing one would lose what
// the program wrote to it.
func releaseCodePages() error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("release code pages: %w", err)
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return fmt.Errorf("release code pages: %w", err)
	}
	defer f.Close()
	var spans [][2]uintptr
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 00400000-01edf000 r-xp 00000000 fd:01 1234 /path/to/copse
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) < 6 || !strings.HasSuffix(line, " "+exe) || strings.ContainsAny(fields[1], "ws") {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		spans = append(spans, [2]uintptr{uintptr(start), uintptr(end)})
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("release code pages: read /proc/self/maps: %w", err)
	}
	for _, s := range spans {
		_, _, errno := unix.Syscall(unix.SYS_MADVISE, s[0], s[1]-s[0], unix.MADV_DONTNEED)
		if errno != 0 {
			return fmt.Errorf("release code pages %#x-%#x: %w", s[0], s[1], errno)
		}
	}
	return nil
}
