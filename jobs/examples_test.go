package jobs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nitro-runtime/nitro/progress"
)

// TestExamplesDecode keeps the README's examples/ payloads valid: one file per job
// type, each accepted by the same strict Decode as the API, the CLI and asynq.
func TestExamplesDecode(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "examples", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[progress.WorkerType]bool{}
	for _, f := range files {
		typ := progress.WorkerType(strings.TrimSuffix(filepath.Base(f), ".json"))
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !typ.Valid() {
			t.Errorf("%s: not named after a job type", f)
			continue
		}
		p, err := Decode(typ, body)
		if err != nil {
			t.Errorf("%s: refused: %v", f, err)
			continue
		}
		if p.UserID() == "" {
			t.Errorf("%s: no userId", f)
		}
		seen[typ] = true
	}
	for _, typ := range progress.WorkerTypes {
		if !seen[typ] {
			t.Errorf("examples/%s.json is missing", typ)
		}
	}
}
