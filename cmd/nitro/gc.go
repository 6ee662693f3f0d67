package main

import (
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/rs/zerolog"
)

// The garbage collector's settings for serve and worker, unless GOGC or GOMEMLIMIT say
// otherwise. GC is most of the live path's latency tail: at 2,000 events/s to 1,000
// sockets, p99 was 8–15 ms with Go's default (GOGC=100), 5–6 ms with 400 and 3–4 ms with
// the collector off. 400 roughly doubles the heap (about 160 → 320 MB RSS there), so a
// soft memory limit keeps it bounded: past it the collector runs as often as it needs.
const (
	defaultGOGC        = 400
	defaultMemoryLimit = 1 << 30
)

// cgroupMemoryMax is where a container's memory limit is read (cgroup v2).
var cgroupMemoryMax = "/sys/fs/cgroup/memory.max"

// tuneGC applies the defaults the environment did not override and logs what holds.
func tuneGC(c *config, log zerolog.Logger) {
	ev := log.Info()
	if c.GOGC == "" {
		debug.SetGCPercent(defaultGOGC)
		ev = ev.Int("gogc", defaultGOGC)
	} else {
		ev = ev.Str("gogc", c.GOGC+" (GOGC)")
	}
	if c.GOMEMLIMIT == "" {
		limit := memoryLimit(readCgroupMax(cgroupMemoryMax))
		debug.SetMemoryLimit(limit)
		ev = ev.Int64("memory_limit_mb", limit>>20)
	} else {
		ev = ev.Str("memory_limit", c.GOMEMLIMIT+" (GOMEMLIMIT)")
	}
	ev.Msg("garbage collector tuned for latency (GOGC, GOMEMLIMIT override)")
}

// memoryLimit is defaultMemoryLimit, or three quarters of the container's limit when
// that is lower (0: none known).
func memoryLimit(containerMax int64) int64 {
	if containerMax > 0 && containerMax/4*3 < defaultMemoryLimit {
		return containerMax / 4 * 3
	}
	return defaultMemoryLimit
}

// readCgroupMax returns the memory limit in path, or 0 when there is none ("max") or
// it cannot be read.
func readCgroupMax(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}
