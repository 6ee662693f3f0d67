package e2e

import (
	"math/rand/v2"
	"os"
	"testing"
)

// TestSoakKillWithChainFaults is the soak's mixed suite: every trial kills nitro
// serve at a random point of its launches while the cluster drops sends or answers
// 429/5xx (or behaves, one trial in four). Each trial waits out asynq's lease
// recovery (about 65 s), so it runs only from `make soak` (NITRO_SOAK=1), with
// NITRO_SOAK_TRIALS trials (default 20); the plain kill and chain-fault suites run in
// every `make test`.
func TestSoakKillWithChainFaults(t *testing.T) {
	if os.Getenv("NITRO_SOAK") == "" {
		t.Skip("soak suite: run `make soak` (NITRO_SOAK=1); each trial takes over a minute")
	}
	trials, perTrial := envInt("NITRO_SOAK_TRIALS", 20), envInt("NITRO_FAULT_LAUNCHES", 2)
	chain := startFaultChain(t)
	s := startServer(t, chain.env()...)
	tl := &tally{suite: "soak_kill+chain_faults"}
	defer tl.report(t)
	span := calibrate(t, s, chain.rpc, tl)
	// blockhash_expired is left out: its switch waits on the job, which a kill stalls.
	var mixable []*chainFault
	for i := range chainFaults {
		if chainFaults[i].name != "blockhash_expired" {
			mixable = append(mixable, &chainFaults[i])
		}
	}
	for trial := range trials {
		var f *chainFault
		if n := rand.IntN(len(mixable) + 1); n < len(mixable) {
			f = mixable[n]
		}
		killTrial(t, s, chain, trial, perTrial, span, tl, f)
		if t.Failed() {
			return
		}
	}
}
