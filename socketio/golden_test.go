package socketio

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/progress"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden from what the client received")

// goldenRecords are, per event, a payload with every optional field and a minimal one
// whose unknown strings are "" (the seed's components crash on null).
func goldenRecords() []progress.Record {
	ts := int64(1_764_000_000_123)
	wp := progress.WorkerProgressEvent{
		JobID: "job-1", WorkerType: progress.LaunchToken, TokenAddress: "So1aNaMint111", UserID: "alice", UserChatID: 123456789,
		Phase: 2, TotalPhases: 4, PhaseTitle: "Mixing", PhaseDescription: "Moving SOL to buyer wallets", Progress: 45,
		Status: progress.StatusInProgress, Timestamp: ts,
		Details: &progress.Details{TokenName: "Nitro", TokenSymbol: "NTR", BuyAmount: progress.Ptr(1.5), DevBuy: progress.Ptr(0.25),
			SellPercent: progress.Ptr(50.0), WalletsCount: progress.Ptr(3), Error: "blockhash expired", Signature: "5sig",
			Retrying: true, Attempt: 2, NextRetryAt: ts + 5000},
	}
	wpMin := progress.WorkerProgressEvent{JobID: "job-2", WorkerType: progress.DevSell, UserID: "alice", Status: progress.StatusStarted, Timestamp: ts}
	step := progress.WorkerStepEvent{JobID: "job-1", WorkerType: "launch_token", TokenAddress: "So1aNaMint111", UserID: "alice",
		Step: "buy_wallet", StepNumber: 2, TotalSteps: 3, Message: "Wallet 2 of 3 bought", Timestamp: ts,
		Data: map[string]any{"wallet": "Buyer2", "sol": 0.5}}
	stepMin := progress.WorkerStepEvent{JobID: "job-2", WorkerType: "dev_sell", UserID: "alice", Timestamp: ts}
	launch := progress.TokenLaunchEvent{TokenAddress: "So1aNaMint111", Platform: progress.PlatformPump, Name: "Nitro", Symbol: "NTR",
		Timestamp: ts, UserID: "alice", Stage: progress.StageLaunched, StepNumber: 2, TotalSteps: 5, Message: "Token launched",
		LaunchData: &progress.LaunchData{InitialLiquidity: progress.Ptr(30.0), MarketCap: progress.Ptr(27.96), Price: progress.Ptr(2.8e-8),
			DevWallet: "DevWa11et", BuyerWallets: progress.Ptr(3)},
		MixingData: &progress.MixingData{TotalFunds: progress.Ptr(1.5), WalletsUsed: progress.Ptr(3), CompletedAt: progress.Ptr(ts), MixingProgress: progress.Ptr(100)},
		Error:      &progress.StageError{Message: "slippage", Code: "SLIPPAGE", Stage: "launched"}}
	launchMin := progress.TokenLaunchEvent{Platform: progress.PlatformBonk, Timestamp: ts, UserID: "alice", Stage: progress.StageCreated, StepNumber: 1, TotalSteps: 3}
	lp := progress.LaunchProgress{TokenAddress: "So1aNaMint111", Platform: progress.PlatformPump, UserID: "alice", CurrentStep: 3, TotalSteps: 5,
		Stages: progress.Stages{Creation: progress.StageState{Completed: true, Timestamp: progress.Ptr(ts)},
			Launch: progress.StageState{Completed: true, Timestamp: progress.Ptr(ts + 1)},
			Mixing: progress.MixingState{Timestamp: progress.Ptr(ts + 2), Progress: progress.Ptr(60)}}}
	lpMin := progress.LaunchProgress{Platform: progress.PlatformBonk, UserID: "alice", TotalSteps: 3}
	rec := func(name, job, token string, p any) progress.Record {
		return progress.Record{JobID: job, UserID: "alice", TokenAddress: token, Name: name, Payload: p, At: time.Now()}
	}
	return []progress.Record{
		rec(progress.EventWorkerProgress, "job-1", "So1aNaMint111", wp), rec(progress.EventWorkerProgress, "job-2", "", &wpMin),
		rec(progress.EventWorkerStep, "job-1", "So1aNaMint111", step), rec(progress.EventWorkerStep, "job-2", "", stepMin),
		rec(progress.EventTokenLaunch, "job-1", "So1aNaMint111", launch), rec(progress.EventTokenLaunch, "job-3", "", launchMin),
		rec(progress.EventLaunchProgress, "job-1", "So1aNaMint111", lp), rec(progress.EventLaunchProgress, "job-3", "", lpMin),
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
	for _, name := range []string{progress.EventWorkerProgress, progress.EventWorkerStep, progress.EventTokenLaunch, progress.EventLaunchProgress} {
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
