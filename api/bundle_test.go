package api_test

import (
	"net/http"
	"testing"

	"github.com/nitro-runtime/nitro/api"
	"github.com/nitro-runtime/nitro/progress"
)

// TestBundleNeedsABlockEngine: `bundle: true` without a block engine is refused at
// enqueue with a 400 that names the field (it would otherwise be sent one by one,
// which is not what was asked); with one configured it is accepted.
func TestBundleNeedsABlockEngine(t *testing.T) {
	for _, typ := range []progress.WorkerType{progress.LaunchToken, progress.ExecuteLaunch, progress.LaunchTokenFromDapp} {
		body := validJob(typ, "u1")
		body["bundle"] = true
		h := newHarness(t, harnessOpts{})
		m := h.expect(h.call("POST", "/api/jobs/"+string(typ), "key", body), http.StatusBadRequest)
		fields, _ := m["fields"].(map[string]any)
		if msg, _ := fields["bundle"].(string); msg == "" {
			t.Fatalf("%s: the refusal does not name bundle: %v", typ, m)
		}
		with := newHarness(t, harnessOpts{cfg: api.Config{Bundles: true}})
		with.expect(with.call("POST", "/api/jobs/"+string(typ), "key", body), http.StatusAccepted)
	}
}
