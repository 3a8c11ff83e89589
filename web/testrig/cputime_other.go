//go:build !unix

package testrig

import "time"

// CPUTime is 0 where the benchmarks do not measure CPU time.
func CPUTime() time.Duration { return 0 }
