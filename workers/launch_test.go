package workers

import (
	"strings"
	"testing"

	sol "github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana/mixer"
	"github.com/nitro-runtime/nitro/solana/token"
)

// launchSetup is a user with a funded dev wallet, a funding wallet and buyers.
type launchSetup struct {
	user         string
	dev, funding sol.PrivateKey
	buyers       []sol.PrivateKey
	buys         []float64
	devBuy       float64
	platform     progress.Platform
}

func (e *env) setup(user string, platform progress.Platform, buys []float64, withFunding bool) *launchSetup {
	s := &launchSetup{user: user, dev: e.wallet(user, 5), buys: buys, devBuy: 1, platform: platform}
	if withFunding {
		s.funding = e.wallet(user, 10)
	}
	for range buys {
		amt := 0.0
		if !withFunding {
			amt = 2
		}
		s.buyers = append(s.buyers, e.wallet(user, amt))
	}
	e.waitSlot()
	return s
}

func (s *launchSetup) payload(mixing bool) map[string]any {
	p := map[string]any{"userId": s.user, "platform": string(s.platform), "name": "Nitro Test", "symbol": "NTR",
		"description": "a test coin", "image": pngDataURI, "devWallet": s.dev.PublicKey().String(), "devBuySol": s.devBuy}
	if s.funding != nil {
		p["fundingWallet"] = s.funding.PublicKey().String()
	}
	var bw []map[string]any
	for i, b := range s.buyers {
		bw = append(bw, map[string]any{"publicKey": b.PublicKey().String(), "buySol": s.buys[i]})
	}
	if len(bw) > 0 {
		p["buyerWallets"] = bw
	}
	if mixing {
		p["mixing"] = map[string]any{"enabled": true, "hops": 2}
	}
	return p
}

// expect quotes the launch on a fresh curve (dev buy, then the buyers in order) and
// checks every wallet's tokens on chain against the quotes.
func (e *env) expect(s *launchSetup, mint sol.PublicKey) market {
	e.t.Helper()
	m, err := newMarket(ctxT(e.t), e.chain, s.platform, mint, s.dev.PublicKey())
	if err != nil {
		e.t.Fatal(err)
	}
	_, devTokens, err := m.create(s.dev.PublicKey(), "x", "x", "x", lamportsOf(s.devBuy), 0)
	if err != nil {
		e.t.Fatal(err)
	}
	if got := e.tokens(m, s.dev.PublicKey()); got != devTokens {
		e.t.Errorf("dev holds %d tokens, quoted %d", got, devTokens)
	}
	for i, b := range s.buyers {
		_, want, err := m.buy(b.PublicKey(), i+1, lamportsOf(s.buys[i]), 0)
		if err != nil {
			e.t.Fatal(err)
		}
		if got := e.tokens(m, b.PublicKey()); got != want {
			e.t.Errorf("buyer %d holds %d tokens, quoted %d", i, got, want)
		}
	}
	return m
}

func TestPumpLaunchWithMixing(t *testing.T) {
	feeWallet := sol.NewWallet().PublicKey()
	e := newEnv(t, func(d *Deps) {
		d.Config.PlatformFeeWallet, d.Config.PlatformFeeLamports = feeWallet.String(), 10_000_000
	})
	s := e.setup("alice", progress.PlatformPump, []float64{0.5, 0.3, 0.2}, true)
	devBefore := e.balance(s.dev.PublicKey())
	j := e.run(progress.LaunchToken, s.payload(true))
	var res launchResult
	e.mustComplete(j, &res)
	mint := sol.MustPublicKeyFromBase58(res.TokenAddress)
	acc, err := e.chain.GetAccountInfo(ctxT(t), mint)
	if err != nil || acc.Owner != token.Token2022ProgramID {
		t.Fatalf("mint %s: %+v %v", mint, acc, err)
	}
	m := e.expect(s, mint)
	// The curve holds exactly the quoted SOL of the four buys.
	pm := m.(*pumpMarket)
	live, _ := newPumpMarket(ctxT(t), e.chain, mint, s.dev.PublicKey())
	if err := live.load(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if live.curve.RealQuoteReserves != pm.curve.RealQuoteReserves || live.curve.RealTokenReserves != pm.curve.RealTokenReserves {
		t.Errorf("curve reserves %d SOL / %d tokens, quoted %d / %d", live.curve.RealQuoteReserves,
			live.curve.RealTokenReserves, pm.curve.RealQuoteReserves, pm.curve.RealTokenReserves)
	}
	if res.Signatures.Create == "" || len(res.Signatures.Buys) == 0 || len(res.BuyerTokens) != 3 || res.DevTokens == 0 {
		t.Errorf("result %+v", res)
	}
	if !strings.HasPrefix(res.MetadataURI, "http://") {
		t.Errorf("metadata uri %q", res.MetadataURI)
	}
	if e.confirmedTxs(j.ID, "create") != 1 {
		t.Errorf("create confirmed %d times", e.confirmedTxs(j.ID, "create"))
	}
	t.Logf("dev paid %.6f SOL for a %.1f SOL dev buy (reserve %.3f)", solOf(devBefore-e.balance(s.dev.PublicKey())),
		s.devBuy, solOf(devReserveLamports))
	if spent := devBefore - e.balance(s.dev.PublicKey()); spent > lamportsOf(s.devBuy)+devReserveLamports {
		t.Errorf("dev spent %d lamports, more than the checked budget", spent)
	}
	e.checkStages(res.TokenAddress, []progress.Stage{progress.StageCreated, progress.StageMixingStarted,
		progress.StageMixingCompleted, progress.StageLaunched, progress.StageFullyReady})
	e.checkIntermediatesKeepRent(s.user)
	e.checkPhases(j.ID, 7) // check, upload, mint, fee, mix, create, buys
	if got := e.balance(feeWallet); got != 10_000_000 {
		t.Errorf("platform fee wallet holds %d lamports, want the fee once", got)
	}
	if n := len(e.steps(j.ID)); n < 3*3+1+3 {
		t.Errorf("%d worker_step events, want one per hop, the create and one per buyer", n)
	}
}

func (e *env) checkStages(token string, want []progress.Stage) {
	e.t.Helper()
	evs := e.stages(token)
	if len(evs) != len(want) {
		e.t.Fatalf("stages %+v, want %v", evs, want)
	}
	for i, ev := range evs {
		if ev.Stage != want[i] || ev.StepNumber != i+1 || ev.TotalSteps != len(want) || ev.Error != nil {
			e.t.Errorf("event %d: %+v, want stage %s step %d/%d", i, ev, want[i], i+1, len(want))
		}
		switch ev.Stage {
		case progress.StageLaunched:
			ld := ev.LaunchData
			if ld == nil || *ld.MarketCap <= 0 || *ld.Price <= 0 || *ld.InitialLiquidity <= 0 || ld.DevWallet == "" || ld.BuyerWallets == nil {
				e.t.Errorf("launched without launch data: %+v", ld)
			}
		case progress.StageMixingStarted, progress.StageMixingCompleted:
			md := ev.MixingData
			if md == nil || *md.TotalFunds <= 0 || *md.WalletsUsed <= 0 || md.MixingProgress == nil {
				e.t.Errorf("%s without mixing data: %+v", ev.Stage, md)
			}
			if ev.Stage == progress.StageMixingCompleted && (md.CompletedAt == nil || *md.MixingProgress != 100) {
				e.t.Errorf("mixing_completed %+v", md)
			}
		}
	}
}

func (e *env) checkIntermediatesKeepRent(user string) {
	e.t.Helper()
	ws, err := e.st.ListWallets(ctxT(e.t), user, "intermediate")
	if err != nil {
		e.t.Fatal(err)
	}
	if len(ws) == 0 {
		e.t.Fatal("no intermediate wallets were used")
	}
	for _, w := range ws {
		// Each keeps a rent-exempt amount within the mixer's bounds (swept back later).
		if b := e.balance(sol.MustPublicKeyFromBase58(w.PublicKey)); b < mixer.RentExemptMinimum || b > mixer.DefaultKeepMax {
			e.t.Errorf("intermediate %s kept %d lamports, want %d..%d", w.PublicKey, b, mixer.RentExemptMinimum, mixer.DefaultKeepMax)
		}
	}
}

func TestBonkLaunch(t *testing.T) {
	e := newEnv(t, nil)
	s := e.setup("bob", progress.PlatformBonk, []float64{0.4, 0.25}, false)
	j := e.run(progress.LaunchToken, s.payload(false))
	var res launchResult
	e.mustComplete(j, &res)
	m := e.expect(s, sol.MustPublicKeyFromBase58(res.TokenAddress))
	e.checkStages(res.TokenAddress, []progress.Stage{progress.StageCreated, progress.StageLaunched, progress.StageFullyReady})
	wsol, _ := token.AssociatedAddress(s.buyers[0].PublicKey(), token.WSOLMint, token.TokenProgramID)
	if e.exists(wsol) {
		t.Errorf("buyer's WSOL account was left open")
	}
	// Sell everything back: proceeds arrive as SOL (WSOL unwrapped), accounts closed.
	before := e.balance(s.buyers[1].PublicKey())
	var sold sellResult
	e.mustComplete(e.run(progress.WalletSell, map[string]any{"userId": "bob", "tokenAddress": res.TokenAddress,
		"sellPercent": 100, "wallets": []string{s.buyers[1].PublicKey().String()}}), &sold)
	if len(sold.Signatures) != 1 || sold.SolReceived <= 0 || e.exists(m.ata(s.buyers[1].PublicKey())) {
		t.Errorf("bonk wallet_sell %+v; token account open: %v", sold, e.exists(m.ata(s.buyers[1].PublicKey())))
	}
	want := before + lamportsOf(sold.SolReceived) + token.RentExemptMinimum(165) - 5000
	if got := e.balance(s.buyers[1].PublicKey()); got != want {
		t.Errorf("seller holds %d lamports, want %d", got, want)
	}
	wsol, _ = token.AssociatedAddress(s.buyers[1].PublicKey(), token.WSOLMint, token.TokenProgramID)
	if e.exists(wsol) {
		t.Errorf("seller's WSOL account was left open")
	}
}

func TestRefusedWallets(t *testing.T) {
	e := newEnv(t, nil)
	s := e.setup("carol", progress.PlatformPump, []float64{0.1}, false)
	mallory := e.wallet("mallory", 1)
	p := s.payload(false)
	p["buyerWallets"] = []map[string]any{{"publicKey": mallory.PublicKey().String(), "buySol": 0.1}}
	j := e.run(progress.LaunchToken, p)
	if j.State != "failed" || !strings.Contains(j.Error, "not a wallet registered to user carol") || j.Attempt != 0 {
		t.Fatalf("launch with another user's wallet: %s attempt %d: %s", j.State, j.Attempt, j.Error)
	}
}

// checkPhases: the job's worker_progress events enter every phase of its plan in
// order, progress never decreases, and the run ends with one completed event.
func (e *env) checkPhases(jobID string, want int) {
	e.t.Helper()
	evs := e.rec.WorkerProgress(jobID)
	seen := map[int]bool{}
	last, phase := 0, 0
	for i, ev := range evs {
		if ev.Progress < last || ev.Phase < phase {
			e.t.Errorf("event %d went back: phase %d progress %d after phase %d progress %d", i, ev.Phase, ev.Progress, phase, last)
		}
		last, phase = ev.Progress, ev.Phase
		seen[ev.Phase] = true
		if ev.Details == nil || ev.Details.TokenName == "" {
			e.t.Errorf("event %d without token details: %+v", i, ev.Details)
		}
	}
	if len(evs) == 0 || evs[len(evs)-1].Status != progress.StatusCompleted || evs[len(evs)-1].Progress != 100 {
		e.t.Fatalf("run did not end completed: %+v", evs)
	}
	total := evs[0].TotalPhases
	for p := 1; p <= total; p++ {
		if !seen[p] {
			e.t.Errorf("phase %d of %d never entered", p, total)
		}
	}
	if total != want {
		e.t.Errorf("%d phases, want %d", total, want)
	}
}
