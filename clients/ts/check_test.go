// Package ts holds the TypeScript types of the runtime's wire (nitro.ts); its test
// type-checks the Go side's golden JSON against them with tsc.
package ts

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/nitro-runtime/nitro/progress"
)

// fixtures maps the Go side's golden JSON to the TypeScript type each must satisfy;
// a file holding an array is checked as an array of that type.
var fixtures = map[string]string{
	"../../progress/wire/testdata/launch_progress.json":           "LaunchProgress",
	"../../progress/wire/testdata/token_launch_event.json":        "TokenLaunchEvent",
	"../../progress/wire/testdata/token_launch_event_failed.json": "TokenLaunchEvent",
	"../../progress/wire/testdata/worker_progress.json":           "WorkerProgressEvent",
	"../../progress/wire/testdata/worker_progress_retrying.json":  "WorkerProgressEvent",
	"../../progress/wire/testdata/worker_step.json":               "WorkerStepEvent",
	"../../socketio/testdata/golden/launch_progress_update.json":  "LaunchProgress",
	"../../socketio/testdata/golden/token_launch_event.json":      "TokenLaunchEvent",
	"../../socketio/testdata/golden/worker_progress.json":         "WorkerProgressEvent",
	"../../socketio/testdata/golden/worker_step.json":             "WorkerStepEvent",
}

// TestGoldenJSONMatchesTheTypes: every golden payload is a value of its TypeScript
// type under tsc --strict (object literals: a field the types lack, a missing field or
// a wrong type is an error), and a payload with a field the types lack is refused.
func TestGoldenJSONMatchesTheTypes(t *testing.T) {
	tsc := filepath.Join("node_modules", ".bin", "tsc")
	if _, err := os.Stat(tsc); err != nil {
		t.Fatal("TypeScript is not installed: run `make clients/deps` (npm ci in clients/ts)")
	}
	var src bytes.Buffer
	src.WriteString("import type * as N from \"./nitro\";\n")
	names := make([]string, 0, len(fixtures))
	for f := range fixtures {
		names = append(names, f)
	}
	sort.Strings(names)
	for i, f := range names {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		typ := "N." + fixtures[f]
		if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
			typ += "[]"
		}
		fmt.Fprintf(&src, "// %s\nexport const f%d: %s = %s;\n", f, i, typ, raw)
	}
	// The unions name exactly the Go side's values, both ways.
	for _, u := range []struct {
		name   string
		values []string
	}{
		{"WorkerType", strs(progress.WorkerTypes)},
		{"WorkerStatus", strs([]progress.Status{progress.StatusStarted, progress.StatusInProgress, progress.StatusCompleted, progress.StatusFailed})},
		{"LaunchStage", strs([]progress.Stage{progress.StageCreated, progress.StageLaunched, progress.StageMixingStarted,
			progress.StageMixingCompleted, progress.StageFullyReady})},
		{"Platform", strs([]progress.Platform{progress.PlatformPump, progress.PlatformBonk})},
	} {
		fmt.Fprintf(&src, "const go%[1]s = [%[2]s] as const;\nexport const in%[1]s: readonly N.%[1]s[] = go%[1]s;\n"+
			"export const all%[1]s: [Exclude<N.%[1]s, (typeof go%[1]s)[number]>] extends [never] ? true : false = true;\n",
			u.name, `"`+strings.Join(u.values, `", "`)+`"`)
	}
	if out, err := typecheck(t, tsc, src.String()); err != nil {
		t.Fatalf("the golden JSON does not match clients/ts/nitro.ts:\n%s", out)
	}
	// The check can fail: a field the types do not have.
	bad := "import type * as N from \"./nitro\";\nexport const x: N.WorkerStepEvent = " +
		`{"jobId":"j","workerType":"dev_sell","tokenAddress":"","userId":"u","step":"s","stepNumber":1,"totalSteps":1,"message":"","timestamp":1,"bogus":1};`
	if out, err := typecheck(t, tsc, bad); err == nil || !strings.Contains(out, "bogus") {
		t.Fatalf("tsc accepted a field the types lack: %v\n%s", err, out)
	}
}

func strs[S ~string](v []S) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = string(s)
	}
	return out
}

// typecheck writes src beside a copy of nitro.ts and runs tsc --noEmit --strict on it.
func typecheck(t *testing.T, tsc, src string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	types, err := os.ReadFile("nitro.ts")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nitro.ts"), types, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fixtures.ts"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(tsc)
	cmd := exec.Command(abs, "--noEmit", "--strict", "--target", "es2020", "--module", "es2020",
		"--moduleResolution", "bundler", filepath.Join(dir, "fixtures.ts"))
	out, err := cmd.CombinedOutput()
	return string(out), err
}
