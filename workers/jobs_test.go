package workers

import (
	"strings"
	"testing"
	"time"

	sol "github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana/jito"
	"github.com/nitro-runtime/nitro/store"
)

// TestStepByStepLaunch runs the three launch jobs one after another:
// create_token_metadata (with a vanity suffix), prepare_launch (direct funding, no
// mixing) and execute_launch.
func TestStepByStepLaunch(t *testing.T) {
	e := newEnv(t, nil)
	s := e.setup("judy", progress.PlatformPump, []float64{0.25, 0.15}, true)
	var ct createdToken
	e.mustComplete(e.run(progress.CreateTokenMetadata, map[string]any{"userId": "judy", "platform": "pump",
		"name": "Step Coin", "symbol": "STEP", "image": pngDataURI, "vanitySuffix": "x"}), &ct)
	if !strings.HasSuffix(ct.TokenAddress, "x") || ct.MetadataURI == "" {
		t.Fatalf("created %+v", ct)
	}
	l, err := e.st.GetLaunch(ctxT(t), ct.TokenAddress)
	if err != nil || l.UserID != "judy" || l.MetadataURI != ct.MetadataURI {
		t.Fatalf("launch %+v %v", l, err)
	}
	if _, err := e.st.MintSecret(ctxT(t), ct.TokenAddress); err != nil {
		t.Fatalf("mint keypair not sealed: %v", err)
	}
	if e.exists(sol.MustPublicKeyFromBase58(ct.TokenAddress)) {
		t.Fatal("mint exists on chain before execute_launch")
	}
	p := s.payload(false)
	prep := map[string]any{"userId": "judy", "tokenAddress": ct.TokenAddress, "devWallet": p["devWallet"],
		"fundingWallet": p["fundingWallet"], "buyerWallets": p["buyerWallets"]}
	var prepared preparedLaunch
	e.mustComplete(e.run(progress.PrepareLaunch, prep), &prepared)
	for i, b := range s.buyers {
		if got, want := e.balance(b.PublicKey()), lamportsOf(prepared.Funded[i].Funded); got != want || got < lamportsOf(s.buys[i]) {
			t.Errorf("buyer %d holds %d lamports, funded %d", i, got, want)
		}
	}
	var res launchResult
	j := e.run(progress.ExecuteLaunch, map[string]any{"userId": "judy", "tokenAddress": ct.TokenAddress, "devBuySol": s.devBuy})
	e.mustComplete(j, &res)
	e.expect(s, sol.MustPublicKeyFromBase58(ct.TokenAddress))
	e.checkStages(ct.TokenAddress, []progress.Stage{progress.StageCreated, progress.StageLaunched, progress.StageFullyReady})
	if l, _ := e.st.GetLaunch(ctxT(t), ct.TokenAddress); len(l.Result) == 0 {
		t.Error("launch result not stored")
	}
}

// TestVanityNotFound: an impossible suffix within the bound fails for good with a
// message that says what to do.
func TestVanityNotFound(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.Config.VanityTimeout = 50 * time.Millisecond })
	j := e.run(progress.CreateTokenMetadata, map[string]any{"userId": "kim", "platform": "bonk",
		"name": "Vain", "symbol": "VAIN", "image": pngDataURI, "vanitySuffix": "zzzz"})
	if j.State != store.JobFailed || j.Attempt != 0 || !strings.Contains(j.Error, "shorter vanity suffix") {
		t.Fatalf("job %s attempt %d: %q", j.State, j.Attempt, j.Error)
	}
}

// TestDappLaunchBundle: launch_token_from_dapp with an already hosted metadata URI
// and bundle: true, sent as one Jito bundle to the built-in block engine.
func TestDappLaunchBundle(t *testing.T) {
	e := newEnv(t, nil)
	for _, k := range jito.TipAccounts { // funded on mainnet; a tip to an empty account would fail for rent
		if _, err := e.cluster.Airdrop(k, lamportsOf(1)); err != nil {
			t.Fatal(err)
		}
	}
	s := e.setup("leo", progress.PlatformPump, []float64{0.2, 0.2, 0.1}, false)
	p := s.payload(false)
	delete(p, "image")
	p["metadataUri"] = "https://example.com/meta/leo.json"
	p["bundle"] = true
	j := e.run(progress.LaunchTokenFromDapp, p)
	var res launchResult
	e.mustComplete(j, &res)
	if res.MetadataURI != "https://example.com/meta/leo.json" {
		t.Errorf("metadata uri %q", res.MetadataURI)
	}
	checkOnce(e, j.ID, s, res, "create", "buys/0")
	for _, st := range []string{"create", "buys/0"} {
		if txs, _ := e.st.TxsForStep(ctxT(t), j.ID, st); len(txs) != 1 {
			t.Errorf("step %s signed %d times; the bundle should have landed as sent", st, len(txs))
		}
	}
	tips := uint64(0)
	for _, k := range jito.TipAccounts {
		tips += e.balance(k)
	}
	if tips != uint64(len(jito.TipAccounts))*lamportsOf(1)+e.deps.Config.withDefaults().JitoTipLamports {
		t.Errorf("tip accounts got %d lamports, want one tip", tips)
	}
}

// TestLookupTableWhenTooLarge: with the longest name, symbol and URI and a priority
// fee, create + dev buy exceeds 1232 bytes; the launch makes a lookup table of the
// coin's accounts first and still sends create + dev buy as one transaction.
func TestLookupTableWhenTooLarge(t *testing.T) {
	e := newEnv(t, nil)
	s := e.setup("nina", progress.PlatformPump, []float64{0.1, 0.1, 0.1, 0.1}, false)
	p := s.payload(false)
	delete(p, "image")
	p["metadataUri"] = "https://example.com/" + strings.Repeat("m", 175) + ".json"
	p["name"], p["symbol"] = strings.Repeat("N", 32), strings.Repeat("S", 10)
	p["priorityFeeMicroLamports"] = 1000
	j := e.run(progress.LaunchTokenFromDapp, p)
	var res launchResult
	e.mustComplete(j, &res)
	var alt struct{ Table string }
	if ok, _ := e.st.GetCheckpoint(ctxT(t), j.ID, "alt", &alt); !ok {
		t.Fatal("no lookup table was made")
	}
	checkOnce(e, j.ID, s, res, "create", "alt/create")
	var packs [][]int
	_, _ = e.st.GetCheckpoint(ctxT(t), j.ID, "packs", &packs)
	t.Logf("table %s; packs %v", alt.Table, packs)
}

// TestSecondExecuteRefused: executing a launch that another job already created is
// refused before anything is sent (no second dev buy).
func TestSecondExecuteRefused(t *testing.T) {
	e := newEnv(t, nil)
	s := e.setup("quinn", progress.PlatformBonk, nil, false)
	var res launchResult
	e.mustComplete(e.run(progress.LaunchToken, s.payload(false)), &res)
	dev := e.balance(s.dev.PublicKey())
	j := e.run(progress.ExecuteLaunch, map[string]any{"userId": "quinn", "tokenAddress": res.TokenAddress, "devBuySol": 1})
	if j.State != store.JobFailed || j.Attempt != 0 || !strings.Contains(j.Error, "already created by another job") {
		t.Fatalf("second execute: %s attempt %d %q", j.State, j.Attempt, j.Error)
	}
	if e.balance(s.dev.PublicKey()) != dev {
		t.Error("the refused execute spent SOL")
	}
}
