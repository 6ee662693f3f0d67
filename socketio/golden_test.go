package socketio

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/progress/wire"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden from what the client received")

// goldenRecords are, per event, a payload with every optional field and a minimal one
// whose unknown strings are "" (the seed's components crash on null).
func goldenRecords() []wire.Record {
	ts := int64(1_764_000_000_123)
	wp := wire.WorkerProgressEvent{
		JobID: "job-1", WorkerType: wire.LaunchToken, TokenAddress: "So1aNaMint111", UserID: "alice", UserChatID: 123456789,
		Phase: 2, TotalPhases: 4, PhaseTitle: "Mixing", PhaseDescription: "Moving SOL to buyer wallets", Progress: 45,
		Status: wire.StatusInProgress, Timestamp: ts,
		Details: &wire.Details{TokenName: "Nitro", TokenSymbol: "NTR", BuyAmount: wire.Ptr(1.5), DevBuy: wire.Ptr(0.25),
			SellPercent: wire.Ptr(50.0), WalletsCount: wire.Ptr(3), Error: "blockhash expired", Signature: "5sig",
			Retrying: true, Attempt: 2, NextRetryAt: ts + 5000},
	}
	wpMin := wire.WorkerProgressEvent{JobID: "job-2", WorkerType: wire.DevSell, UserID: "alice", Status: wire.StatusStarted, Timestamp: ts}
	step := wire.WorkerStepEvent{JobID: "job-1", WorkerType: "launch_token", TokenAddress: "So1aNaMint111", UserID: "alice",
		Step: "buy_wallet", StepNumber: 2, TotalSteps: 3, Message: "Wallet 2 of 3 bought", Timestamp: ts,
		Data: map[string]any{"wallet": "Buyer2", "sol": 0.5}}
	stepMin := wire.WorkerStepEvent{JobID: "job-2", WorkerType: "dev_sell", UserID: "alice", Timestamp: ts}
	launch := wire.TokenLaunchEvent{TokenAddress: "So1aNaMint111", Platform: wire.PlatformPump, Name: "Nitro", Symbol: "NTR",
		Timestamp: ts, UserID: "alice", Stage: wire.StageLaunched, StepNumber: 2, TotalSteps: 5, Message: "Token launched",
		LaunchData: &wire.LaunchData{InitialLiquidity: wire.Ptr(30.0), MarketCap: wire.Ptr(27.96), Price: wire.Ptr(2.8e-8),
			DevWallet: "DevWa11et", BuyerWallets: wire.Ptr(3)},
		MixingData: &wire.MixingData{TotalFunds: wire.Ptr(1.5), WalletsUsed: wire.Ptr(3), CompletedAt: wire.Ptr(ts), MixingProgress: wire.Ptr(100)},
		Error:      &wire.StageError{Message: "slippage", Code: "SLIPPAGE", Stage: "launched"}}
	launchMin := wire.TokenLaunchEvent{Platform: wire.PlatformBonk, Timestamp: ts, UserID: "alice", Stage: wire.StageCreated, StepNumber: 1, TotalSteps: 3}
	lp := wire.LaunchProgress{TokenAddress: "So1aNaMint111", Platform: wire.PlatformPump, UserID: "alice", CurrentStep: 3, TotalSteps: 5,
		Stages: wire.Stages{Creation: wire.StageState{Completed: true, Timestamp: wire.Ptr(ts)},
			Launch: wire.StageState{Completed: true, Timestamp: wire.Ptr(ts + 1)},
			Mixing: wire.MixingState{Timestamp: wire.Ptr(ts + 2), Progress: wire.Ptr(60)}}}
	lpMin := wire.LaunchProgress{Platform: wire.PlatformBonk, UserID: "alice", TotalSteps: 3}
	rec := func(name, job, token string, p any) wire.Record {
		r, err := wire.NewRecord(name, p)
		if err != nil {
			panic(err)
		}
		r.JobID, r.UserID, r.TokenAddress, r.At = job, "alice", token, time.Now()
		return r
	}
	return []wire.Record{
		rec(wire.EventWorkerProgress, "job-1", "So1aNaMint111", wp), rec(wire.EventWorkerProgress, "job-2", "", &wpMin),
		rec(wire.EventWorkerStep, "job-1", "So1aNaMint111", step), rec(wire.EventWorkerStep, "job-2", "", stepMin),
		rec(wire.EventTokenLaunch, "job-1", "So1aNaMint111", launch), rec(wire.EventTokenLaunch, "job-3", "", launchMin),
		rec(wire.EventLaunchProgress, "job-1", "So1aNaMint111", lp), rec(wire.EventLaunchProgress, "job-3", "", lpMin),
	}
}

// TestGoldenPayloads: each event arrives in JS deep-equal to its golden JSON, no null anywhere.
func TestGoldenPayloads(t *testing.T) {
	h := newHarness(t, Config{})
	recs := goldenRecords()
	var got map[string][]any
	runNode(t, "golden.mjs", map[string]any{"url": h.url(), "token": h.token("alice", false)}, h.baseHandler(
		func(cmd string, _ json.RawMessage) (any, error) {
			for _, r := range recs {
				h.server().Emit(r)
			}
			return len(recs), nil
		}), &got)
	for _, name := range []string{wire.EventWorkerProgress, wire.EventWorkerStep, wire.EventTokenLaunch, wire.EventLaunchProgress} {
		path := filepath.Join("testdata", "golden", name+".json")
		if *updateGolden {
			b, _ := json.MarshalIndent(got[name], "", "  ")
			if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var want any
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !reflect.DeepEqual(any(got[name]), want) {
			gb, _ := json.MarshalIndent(got[name], "", "  ")
			t.Errorf("%s: received\n%s\nwant (%s)\n%s", name, gb, path, b)
		}
		if p := findNull(got[name], name); p != "" {
			t.Errorf("null at %s", p)
		}
	}
}

// findNull returns the path of the first null inside v, or "".
func findNull(v any, path string) string {
	switch x := v.(type) {
	case nil:
		return path
	case map[string]any:
		for k, e := range x {
			if p := findNull(e, path+"."+k); p != "" {
				return p
			}
		}
	case []any:
		for i, e := range x {
			if p := findNull(e, path+"["+string(rune('0'+i%10))+"]"); p != "" {
				return p
			}
		}
	}
	return ""
}
