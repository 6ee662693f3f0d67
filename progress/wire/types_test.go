package wire

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The golden files are the seed's TypeScript interfaces written out as JSON by hand:
// every key camelCase, strings never null, optional blocks absent when empty.
func TestGoldenJSON(t *testing.T) {
	cases := map[string]any{
		"worker_progress.json": WorkerProgressEvent{
			JobID: "job-1", WorkerType: LaunchToken, TokenAddress: "", UserID: "u1", UserChatID: 42,
			Phase: 2, TotalPhases: 5, PhaseTitle: "Creating token", PhaseDescription: "Create and dev buy",
			Progress: 30, Status: StatusInProgress, Timestamp: 1764115200000,
			Details: &Details{TokenName: "Nitro", TokenSymbol: "NIT", DevBuy: Ptr(0.5), WalletsCount: Ptr(3)},
		},
		"worker_progress_retrying.json": WorkerProgressEvent{
			JobID: "job-1", WorkerType: DevSell, UserID: "u1", Phase: 1, TotalPhases: 3,
			Status: StatusInProgress, Timestamp: 1764115200000,
			Details: &Details{Error: "rpc: rate limited", Retrying: true, Attempt: 1, NextRetryAt: 1764115260000},
		},
		"worker_step.json": WorkerStepEvent{
			JobID: "job-1", WorkerType: "wallet_sell", TokenAddress: "Mint111", UserID: "u1", Step: "sell",
			StepNumber: 2, TotalSteps: 3, Message: "Sold from wallet 2 of 3", Timestamp: 1764115200000,
			Data: map[string]any{"wallet": "W2"},
		},
		"token_launch_event.json": TokenLaunchEvent{
			TokenAddress: "Mint111", Platform: PlatformPump, Name: "Nitro", Symbol: "NIT", Timestamp: 1764115200000,
			UserID: "u1", Stage: StageLaunched, StepNumber: 4, TotalSteps: 5, Message: "Token is live",
			LaunchData: &LaunchData{MarketCap: Ptr(31.5), Price: Ptr(0.0000000315), DevWallet: "Dev111", BuyerWallets: Ptr(3), InitialLiquidity: Ptr(30.0)},
		},
		"token_launch_event_failed.json": TokenLaunchEvent{
			TokenAddress: "Mint111", Platform: PlatformBonk, Name: "Nitro", Symbol: "NIT", Timestamp: 1764115200000,
			UserID: "u1", Stage: StageLaunched, StepNumber: 2, TotalSteps: 3, Message: "slippage",
			Error: &StageError{Message: "slippage", Code: "SLIPPAGE", Stage: "launched"},
		},
		"launch_progress.json": func() LaunchProgress {
			s := NewLaunchState("Mint111", PlatformPump, "u1", "Nitro", "NIT", true)
			_, _, _ = s.Apply(StageCreated, 1764115200000)
			_, _, _ = s.Apply(StageMixingStarted, 1764115201000)
			s.SetMixingProgress(40)
			return s.Progress
		}(),
	}
	for name, v := range cases {
		got, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(bytes.TrimSpace(want), got) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
		if bytes.Contains(got, []byte("null")) {
			t.Errorf("%s contains null", name)
		}
	}
}

// Every field the seed's interfaces declare is present in the JSON of the Go type.
func TestRequiredKeysPresent(t *testing.T) {
	required := map[string][]string{
		EventWorkerProgress: {"jobId", "workerType", "tokenAddress", "userId", "userChatId", "phase", "totalPhases", "phaseTitle", "phaseDescription", "progress", "status", "timestamp"},
		EventWorkerStep:     {"jobId", "workerType", "tokenAddress", "userId", "step", "stepNumber", "totalSteps", "message", "timestamp"},
		EventTokenLaunch:    {"tokenAddress", "platform", "name", "symbol", "timestamp", "userId", "stage", "stepNumber", "totalSteps", "message"},
		EventLaunchProgress: {"tokenAddress", "platform", "userId", "currentStep", "totalSteps", "stages"},
	}
	zero := map[string]any{
		EventWorkerProgress: WorkerProgressEvent{}, EventWorkerStep: WorkerStepEvent{},
		EventTokenLaunch: TokenLaunchEvent{}, EventLaunchProgress: LaunchProgress{},
	}
	for ev, keys := range required {
		b, _ := json.Marshal(zero[ev])
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			v, ok := m[k]
			if !ok || v == nil {
				t.Errorf("%s: key %q missing or null in %s", ev, k, b)
			}
		}
	}
}
