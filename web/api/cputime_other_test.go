//go:build !unix

package api_test

import "time"

// cpuTime is 0 where the benchmarks do not measure CPU time.
func cpuTime() time.Duration { return 0 }
