package e2e

import (
	"encoding/base64"
	"encoding/binary"
	"testing"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/progress"
)

// tinyPNG is a 1x1 PNG, sent as a data: URI image.
const tinyPNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

// launchEventsOf returns the token_launch_event payloads of token, in arrival order.
func launchEventsOf(t testing.TB, evs []event, token string) []progress.TokenLaunchEvent {
	t.Helper()
	var out []progress.TokenLaunchEvent
	for _, p := range payloadsOf[progress.TokenLaunchEvent](t, evs, progress.EventTokenLaunch) {
		if p.TokenAddress == token {
			out = append(out, p)
		}
	}
	return out
}

// checkStages asserts the external contract for a launch's lifecycle events: each stage once,
// created first and fully_ready last, mixing_started before mixing_completed,
// stepNumber 1..totalSteps in order, totalSteps 5 with mixing and 3 without.
func checkStages(t testing.TB, evs []progress.TokenLaunchEvent, mixing bool) {
	t.Helper()
	want := 3
	if mixing {
		want = 5
	}
	if len(evs) != want {
		t.Fatalf("got %d token_launch_event, want %d: %+v", len(evs), want, stageNames(evs))
	}
	seen := map[progress.Stage]int{}
	for i, e := range evs {
		if e.StepNumber != i+1 || e.TotalSteps != want {
			t.Errorf("event %d (%s): stepNumber %d/%d, want %d/%d", i, e.Stage, e.StepNumber, e.TotalSteps, i+1, want)
		}
		if _, dup := seen[e.Stage]; dup {
			t.Errorf("stage %s announced twice", e.Stage)
		}
		seen[e.Stage] = i
	}
	if evs[0].Stage != progress.StageCreated || evs[len(evs)-1].Stage != progress.StageFullyReady {
		t.Errorf("stages %v: want created first and fully_ready last", stageNames(evs))
	}
	if _, ok := seen[progress.StageLaunched]; !ok {
		t.Errorf("no launched stage in %v", stageNames(evs))
	}
	if mixing && !(seen[progress.StageMixingStarted] < seen[progress.StageMixingCompleted]) {
		t.Errorf("mixing stages out of order: %v", stageNames(evs))
	}
	if l := evs[seen[progress.StageLaunched]].LaunchData; l == nil || l.MarketCap == nil || *l.MarketCap <= 0 || l.Price == nil || *l.Price <= 0 {
		t.Errorf("launched carries no real launchData: %+v", l)
	}
}

func stageNames(evs []progress.TokenLaunchEvent) []progress.Stage {
	out := make([]progress.Stage, len(evs))
	for i, e := range evs {
		out[i] = e.Stage
	}
	return out
}

// lastLaunchProgress is the latest launch_progress_update of token among evs.
func lastLaunchProgress(t testing.TB, evs []event, token string) (progress.LaunchProgress, bool) {
	t.Helper()
	var last progress.LaunchProgress
	found := false
	for _, p := range payloadsOf[progress.LaunchProgress](t, evs, progress.EventLaunchProgress) {
		if p.TokenAddress == token {
			last, found = p, true
		}
	}
	return last, found
}

// holders finds every token account that ever held mint (from the token balances of
// each transaction that touched it) and reads its balance now: owner -> amount.
func (r rpc) holders(mint solana.PublicKey) map[string]uint64 {
	r.t.Helper()
	accounts := map[string]string{} // token account -> owner
	for _, s := range r.signaturesFor(mint) {
		var v struct {
			Transaction struct {
				Message struct {
					AccountKeys []string `json:"accountKeys"`
				} `json:"message"`
			} `json:"transaction"`
			Meta struct {
				PostTokenBalances []struct {
					AccountIndex int    `json:"accountIndex"`
					Mint         string `json:"mint"`
					Owner        string `json:"owner"`
				} `json:"postTokenBalances"`
				LoadedAddresses struct {
					Writable []string `json:"writable"`
					Readonly []string `json:"readonly"`
				} `json:"loadedAddresses"`
			} `json:"meta"`
		}
		mustJSON(r.t, r.call("getTransaction", s.Signature, map[string]any{"encoding": "json", "commitment": "confirmed", "maxSupportedTransactionVersion": 0}), &v)
		keys := append(append(v.Transaction.Message.AccountKeys, v.Meta.LoadedAddresses.Writable...), v.Meta.LoadedAddresses.Readonly...)
		for _, tb := range v.Meta.PostTokenBalances {
			if tb.Mint == mint.String() && tb.AccountIndex < len(keys) {
				accounts[keys[tb.AccountIndex]] = tb.Owner
			}
		}
	}
	out := map[string]uint64{}
	for acct, owner := range accounts {
		if amt, ok := r.tokenAccountAmount(solana.MustPublicKeyFromBase58(acct)); ok {
			out[owner] += amt
		}
	}
	return out
}

// tokenAccountAmount reads a token account's amount; ok is false once it is closed.
func (r rpc) tokenAccountAmount(key solana.PublicKey) (uint64, bool) {
	raw, ok := r.accountData(key)
	if !ok || len(raw) < 72 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(raw[64:72]), true
}

// mintSupply reads a mint's supply (SPL layout: u64 at offset 36, both programs).
func (r rpc) mintSupply(mint solana.PublicKey) uint64 {
	r.t.Helper()
	raw, ok := r.accountData(mint)
	if !ok || len(raw) < 44 {
		r.t.Fatalf("mint %s does not exist on chain", mint)
	}
	return binary.LittleEndian.Uint64(raw[36:44])
}

func (r rpc) accountData(key solana.PublicKey) ([]byte, bool) {
	var v struct {
		Value *struct {
			Data []string `json:"data"`
		} `json:"value"`
	}
	mustJSON(r.t, r.call("getAccountInfo", key.String(), map[string]string{"encoding": "base64", "commitment": "confirmed"}), &v)
	if v.Value == nil {
		return nil, false
	}
	raw, err := base64.StdEncoding.DecodeString(v.Value.Data[0])
	if err != nil {
		r.t.Fatalf("account %s: %v", key, err)
	}
	return raw, true
}
