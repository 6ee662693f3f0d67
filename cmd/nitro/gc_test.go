package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/rs/zerolog"
)

func TestMemoryLimitFollowsTheContainer(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "memory.max")
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		file string
		want int64
	}{
		{"max\n", defaultMemoryLimit},
		{"536870912\n", 384 << 20}, // 512 MB container: three quarters of it
		{"17179869184", defaultMemoryLimit},
		{"garbage", defaultMemoryLimit},
	} {
		if got := memoryLimit(readCgroupMax(write(tc.file))); got != tc.want {
			t.Errorf("memory.max %q: limit %d, want %d", tc.file, got, tc.want)
		}
	}
	if got := memoryLimit(readCgroupMax(filepath.Join(dir, "absent"))); got != defaultMemoryLimit {
		t.Errorf("no cgroup file: limit %d", got)
	}
}

func TestTuneGCLeavesTheEnvironmentsChoice(t *testing.T) {
	prevGC := debug.SetGCPercent(100)
	prevLimit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(prevGC); debug.SetMemoryLimit(prevLimit) })

	tuneGC(&config{}, zerolog.Nop())
	if got := debug.SetGCPercent(100); got != defaultGOGC {
		t.Errorf("GOGC unset: percent %d, want %d", got, defaultGOGC)
	}
	if got := debug.SetMemoryLimit(-1); got <= 0 || got > defaultMemoryLimit {
		t.Errorf("GOMEMLIMIT unset: limit %d", got)
	}

	debug.SetGCPercent(150)
	debug.SetMemoryLimit(2 << 30)
	tuneGC(&config{GOGC: "150", GOMEMLIMIT: "2GiB"}, zerolog.Nop())
	if got := debug.SetGCPercent(150); got != 150 {
		t.Errorf("GOGC=150 set: percent %d", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 2<<30 {
		t.Errorf("GOMEMLIMIT set: limit %d", got)
	}
}
