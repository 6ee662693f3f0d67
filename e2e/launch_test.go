package e2e

import (
	"encoding/json"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/progress"
)

// launchJobTimeout bounds one launch or sell job on the built-in cluster.
const launchJobTimeout = 3 * time.Minute

// crew is one user's registered wallets: dev, funding and buyers.
type crew struct {
	user    string
	dev     wallet
	funding wallet
	buyers  []wallet
}

// newCrew registers and funds a user's wallets: buyers start empty, so any SOL they
// hold later came through the launch's own mixing.
func newCrew(s *server, chain rpc, user string, buyers int) crew {
	s.t.Helper()
	c := crew{user: user, dev: s.registerWallet(user, "dev"), funding: s.registerWallet(user, "funding")}
	for i := range buyers {
		c.buyers = append(c.buyers, s.registerWallet(user, "buyer"+string(rune('1'+i))))
	}
	chain.airdrop(c.dev.Pub(), 5*lamportsPerSOL)
	chain.airdrop(c.funding.Pub(), 10*lamportsPerSOL)
	return c
}

// launchPayload is a launch_token payload for c; buySol[i] is buyer i's buy.
func (c crew) launchPayload(platform progress.Platform, name string, mixing bool, buySol ...float64) map[string]any {
	p := map[string]any{
		"userId": c.user, "userChatId": 4242, "platform": string(platform), "name": name, "symbol": strings.ToUpper(name[:3]),
		"description": "e2e launch", "image": tinyPNG, "devWallet": c.dev.Pub().String(), "devBuySol": 0.5,
		"fundingWallet": c.funding.Pub().String(), "slippageBps": 1000,
	}
	var buyers []map[string]any
	for i, b := range buySol {
		buyers = append(buyers, map[string]any{"publicKey": c.buyers[i].Pub().String(), "buySol": b})
	}
	if len(buyers) > 0 {
		p["buyerWallets"] = buyers
	}
	if mixing {
		p["mixing"] = map[string]any{"enabled": true, "hops": 2}
	}
	return p
}

// launchOutcome is what a finished launch left: the job, its result and the mint.
type launchOutcome struct {
	job    jobView
	result launchResult
	mint   solana.PublicKey
}

// runLaunch enqueues a launch, waits for it, and checks the job's own event stream.
func runLaunch(t *testing.T, s *server, a *agent, sock string, payload map[string]any) launchOutcome {
	t.Helper()
	id := s.enqueue(progress.LaunchToken, payload)
	job := s.waitJob(id, launchJobTimeout)
	if job.State != "completed" {
		t.Fatalf("launch %s ended %s: %s\nlogs:\n%s", id, job.State, job.Error, tail(s.logs.String(), 60))
	}
	var res launchResult
	mustJSON(t, job.Result, &res)
	mint, err := solana.PublicKeyFromBase58(res.TokenAddress)
	if err != nil {
		t.Fatalf("result tokenAddress %q: %v", res.TokenAddress, err)
	}
	if ans := a.wait(sock, map[string]any{"event": "worker_progress", "field": "jobId", "equals": id}, 1, 10*time.Second); !ans.OK {
		t.Fatalf("socket saw nothing of job %s", id)
	}
	testkit.WaitFor(t, 10*time.Second, "completed on the socket", func() bool {
		for _, p := range progressOf(t, a.events(sock, false)) {
			if p.JobID == id && p.Status == progress.StatusCompleted {
				return true
			}
		}
		return false
	})
	checkRun(t, a.events(sock, false), id, progress.StatusCompleted)
	return launchOutcome{job: job, result: res, mint: mint}
}

// checkLaunchChain checks what the chain holds after a launch of c with buyers n:
// one create by the dev wallet, one buy per buyer, balances that match the result and
// sum to the mint's supply together with the curve's vault.
func checkLaunchChain(t *testing.T, chain rpc, c crew, out launchOutcome, buyers int) {
	t.Helper()
	if !chain.accountExists(out.mint) {
		t.Fatalf("mint %s does not exist on chain", out.mint)
	}
	audit := chain.audit(out.mint)
	if audit.Creates != 1 || audit.CreateSigner != c.dev.Pub().String() || audit.duplicates() != 0 {
		t.Fatalf("chain after launch: %s (want one create by the dev wallet, no duplicates)", audit)
	}
	// The result names the transactions that really landed (the external contract).
	checkResultSigs(t, out.result, audit)
	holders := chain.holders(out.mint)
	if dev := holders[c.dev.Pub().String()]; dev == 0 || !sameUI(dev, out.result.DevTokens) {
		t.Errorf("dev wallet holds %d base units, result says %v tokens", dev, out.result.DevTokens)
	}
	for _, bt := range out.result.BuyerTokens {
		if !sameUI(holders[bt.PublicKey], bt.Tokens) {
			t.Errorf("buyer %s holds %d base units, result says %v tokens", bt.PublicKey, holders[bt.PublicKey], bt.Tokens)
		}
	}
	for i := range buyers {
		b := c.buyers[i].Pub().String()
		if audit.Buys[b] != 1 || holders[b] == 0 {
			t.Errorf("buyer %d: %d buys on chain, %d tokens", i, audit.Buys[b], holders[b])
		}
	}
	var sum uint64
	for _, amt := range holders {
		sum += amt
	}
	if supply := chain.mintSupply(out.mint); sum != supply {
		t.Errorf("token accounts of the mint hold %d, supply is %d: %v", sum, supply, holders)
	}
}

// checkResultSigs: the result names the transactions that really landed (the
// external contract); buys of several wallets may share a transaction.
func checkResultSigs(t *testing.T, res launchResult, audit mintAudit) {
	t.Helper()
	if res.Signatures.Create != audit.CreateSig || len(res.Signatures.Buys) != len(audit.BuySigs) {
		t.Errorf("result signatures = %+v, want create %s and buys %v", res.Signatures, audit.CreateSig, audit.BuySigs)
	}
	for _, sig := range res.Signatures.Buys {
		if _, ok := audit.BuySigs[sig]; !ok {
			t.Errorf("result buy signature %q is not a buy of this mint on chain", sig)
		}
	}
}

// checkMixed asserts SOL reached the buyers only through intermediate wallets, once:
// each buyer was funded by one transfer, and no transaction touching a buyer also
// names the funding wallet.
func checkMixed(t *testing.T, chain rpc, c crew, buyers int) {
	t.Helper()
	for i := range buyers {
		if n := chain.fundingTxs(c.buyers[i].Pub()); n != 1 {
			t.Errorf("buyer %d was funded by %d transfers, want 1", i, n)
		}
		for _, s := range chain.signaturesFor(c.buyers[i].Pub()) {
			if s.failed() {
				continue
			}
			for _, k := range chain.transaction(s.Signature).Keys {
				if k == c.funding.Pub().String() {
					t.Errorf("buyer %d and the funding wallet share transaction %s: not mixed", i, s.Signature)
				}
			}
		}
	}
}

func TestLaunchLifecycle(t *testing.T) {
	s := startServer(t)
	chain := rpc{t: t, url: s.URL + "/localnet/rpc"}
	a := newAgent(t, s.URL)
	lena := newCrew(s, chain, "lena", 3)
	otto := newCrew(s, chain, "otto", 0)
	for _, u := range []string{"lena", "otto"} {
		if ans := a.connect(u, map[string]any{"auth": map[string]string{"token": s.token(u, false)}}); !ans.OK {
			t.Fatalf("connect %s: %+v", u, ans)
		}
		subscribe(t, a, u, u)
	}

	fundingBefore := chain.balance(lena.funding.Pub())
	pumpLaunch := runLaunch(t, s, a, "lena", lena.launchPayload(progress.PlatformPump, "Pumpkin", true, 0.3, 0.2, 0.1))
	checkLaunchChain(t, chain, lena, pumpLaunch, 3)
	checkMixed(t, chain, lena, 3)
	if spent := fundingBefore - chain.balance(lena.funding.Pub()); spent < 6*lamportsPerSOL/10 {
		t.Errorf("funding wallet spent %d lamports, want at least the buyers' 0.6 SOL", spent)
	}
	checkStages(t, launchEventsOf(t, a.events("lena", false), pumpLaunch.mint.String()), true)
	checkRPCAccounting(t, s, pumpLaunch.job.JobID)

	bonkLaunch := runLaunch(t, s, a, "lena", lena.launchPayload(progress.PlatformBonk, "Bonkers", false, 0.1))
	checkLaunchChain(t, chain, lena, bonkLaunch, 1)
	checkStages(t, launchEventsOf(t, a.events("lena", false), bonkLaunch.mint.String()), false)

	live := a.events("lena", false) // the subtests below clear lena's event log
	t.Run("dev_sell 50%", func(t *testing.T) { devSellHalf(t, s, chain, a, lena, pumpLaunch.mint) })
	t.Run("wallet_sell 100%", func(t *testing.T) { walletSellAll(t, s, chain, a, lena, pumpLaunch.mint) })
	t.Run("sell of another user's launch", func(t *testing.T) { foreignSell(t, s, chain, a, lena, otto, pumpLaunch.mint) })
	t.Run("snapshot after reload", func(t *testing.T) { reloadSnapshot(t, s, a, "lena", live, pumpLaunch.mint, bonkLaunch.mint) })
}

// checkRPCAccounting: the chain client's requests are on /metrics by method and
// outcome, and the job's final log line says how many it made.
func checkRPCAccounting(t *testing.T, s *server, jobID string) {
	t.Helper()
	if n := sumMetric(t, s.URL, `nitro_rpc_requests_total{method="sendTransaction",outcome="ok"}`); n == 0 {
		t.Errorf("nitro_rpc_requests_total counts no successful sendTransaction after a launch")
	}
	for _, line := range strings.Split(s.logs.String(), "\n") {
		if strings.Contains(line, jobID) && strings.Contains(line, `"job completed"`) {
			var v struct {
				RPCCalls *int `json:"rpc_calls"`
			}
			if json.Unmarshal([]byte(line), &v) != nil || v.RPCCalls == nil || *v.RPCCalls == 0 {
				t.Errorf("the job's final log line has no rpc_calls: %s", line)
			}
			return
		}
	}
	t.Errorf("no \"job completed\" log line for %s", jobID)
}

// runSell enqueues a sell, waits for it to complete, and returns its result.
func runSell(t *testing.T, s *server, chain rpc, a *agent, typ progress.WorkerType, payload map[string]any) sellResult {
	t.Helper()
	id := s.enqueue(typ, payload)
	job := s.waitJob(id, launchJobTimeout)
	if job.State != "completed" {
		t.Fatalf("%s %s ended %s: %s\nlogs:\n%s", typ, id, job.State, job.Error, tail(s.logs.String(), 40))
	}
	testkit.WaitFor(t, 10*time.Second, "completed on the socket", func() bool {
		for _, p := range progressOf(t, a.events(payload["userId"].(string), false)) {
			if p.JobID == id && p.Status.Terminal() {
				return true
			}
		}
		return false
	})
	checkRun(t, a.events(payload["userId"].(string), false), id, progress.StatusCompleted)
	var res sellResult
	mustJSON(t, job.Result, &res)
	if len(res.Signatures) == 0 || res.TokensSold <= 0 || res.SolReceived <= 0 {
		t.Errorf("%s result = %s", typ, job.Result)
	}
	mint := solana.MustPublicKeyFromBase58(payload["tokenAddress"].(string))
	sells := chain.audit(mint).SellSigs
	for _, sig := range res.Signatures {
		if _, ok := sells[sig]; !ok {
			t.Errorf("%s result signature %q is not a sell of this mint on chain", typ, sig)
		}
	}
	return res
}

func devSellHalf(t *testing.T, s *server, chain rpc, a *agent, c crew, mint solana.PublicKey) {
	tokensBefore, solBefore := chain.tokenBalance(c.dev.Pub(), mint), chain.balance(c.dev.Pub())
	sellsBefore := chain.audit(mint).Sells[c.dev.Pub().String()]
	runSell(t, s, chain, a, progress.DevSell, map[string]any{"userId": c.user, "tokenAddress": mint.String(), "sellPercent": 50})
	tokensAfter := chain.tokenBalance(c.dev.Pub(), mint)
	if sold := tokensBefore - tokensAfter; sold < tokensBefore/2-1 || sold > tokensBefore/2+1 {
		t.Errorf("dev sold %d of %d tokens, want half", sold, tokensBefore)
	}
	if solAfter := chain.balance(c.dev.Pub()); solAfter <= solBefore {
		t.Errorf("dev SOL %d -> %d: a sell must bring SOL in", solBefore, solAfter)
	}
	if audit := chain.audit(mint); audit.Sells[c.dev.Pub().String()] != sellsBefore+1 {
		t.Errorf("want exactly one more dev sell on chain: %s", audit)
	}
}

func walletSellAll(t *testing.T, s *server, chain rpc, a *agent, c crew, mint solana.PublicKey) {
	solBefore := make([]uint64, len(c.buyers))
	for i, b := range c.buyers {
		solBefore[i] = chain.balance(b.Pub())
	}
	runSell(t, s, chain, a, progress.WalletSell, map[string]any{"userId": c.user, "tokenAddress": mint.String(), "sellPercent": 100})
	audit := chain.audit(mint)
	for i, b := range c.buyers {
		if accts := chain.tokenAccounts(b.Pub(), mint); len(accts) != 0 {
			t.Errorf("buyer %d still has token accounts after a 100%% sell: %+v", i, accts)
		}
		if after := chain.balance(b.Pub()); after <= solBefore[i] {
			t.Errorf("buyer %d SOL %d -> %d after selling everything", i, solBefore[i], after)
		}
		if audit.Sells[b.Pub().String()] != 1 {
			t.Errorf("buyer %d: %d sells on chain, want 1", i, audit.Sells[b.Pub().String()])
		}
	}
}

// foreignSell: otto asks to sell lena's launch. The job fails for good with a reason
// that says so, nothing moves on chain, and lena's socket sees nothing of it.
func foreignSell(t *testing.T, s *server, chain rpc, a *agent, lena, otto crew, mint solana.PublicKey) {
	a.events("lena", true)
	before := chain.audit(mint)
	payload := map[string]any{"userId": otto.user, "tokenAddress": mint.String(), "sellPercent": 100}
	// Over HTTP it is refused at enqueue, naming the field.
	if status, body := s.apiCall("POST", "/api/jobs/dev_sell", payload); status != http.StatusForbidden || !strings.Contains(string(body), "tokenAddress") {
		t.Errorf("enqueue of a sell of another user's launch: %d %s, want 403 naming tokenAddress", status, body)
	}
	// Straight into asynq (as the bot enqueues), the worker refuses it.
	id := s.enqueueTask(progress.DevSell, payload)
	job := s.waitJob(id, launchJobTimeout)
	if job.State != "failed" || job.Attempt != 0 {
		t.Fatalf("a sell of another user's launch: state %s after %d retries, want failed at once", job.State, job.Attempt)
	}
	t.Logf("refused: %s", job.Error)
	reason := strings.ToLower(job.Error)
	if !strings.Contains(reason, "not") || !(strings.Contains(reason, "own") || strings.Contains(reason, "user")) {
		t.Errorf("failure reason %q does not say the launch belongs to someone else", job.Error)
	}
	if ans := a.wait("otto", map[string]any{"event": "worker_progress", "field": "status", "equals": "failed"}, 1, 10*time.Second); !ans.OK {
		t.Errorf("otto's socket got no failed event")
	}
	checkRun(t, a.events("otto", false), id, progress.StatusFailed)
	for _, e := range a.events("lena", false) {
		if strings.Contains(string(e.Payload), id) {
			t.Fatalf("lena's socket received %s of otto's job", e.Event)
		}
	}
	if after := chain.audit(mint); after.String() != before.String() {
		t.Errorf("the chain changed: %s -> %s", before, after)
	}
}

// reloadSnapshot: a page that reloads subscribes again and is shown, for each launch,
// the same LaunchProgress the live stream last showed and the HTTP API serves.
func reloadSnapshot(t *testing.T, s *server, a *agent, user string, live []event, mints ...solana.PublicKey) {
	a.call(map[string]any{"op": "disconnect", "name": user})
	if ans := a.connect("reload", map[string]any{"auth": map[string]string{"token": s.token(user, false)}}); !ans.OK {
		t.Fatal(ans)
	}
	subscribe(t, a, "reload", user)
	ans := a.wait("reload", map[string]any{"event": progress.EventLaunchProgress}, len(mints), 10*time.Second)
	if !ans.OK {
		t.Fatalf("snapshot holds %d launch_progress_update, want %d", len(ans.Events), len(mints))
	}
	snap := a.events("reload", false)
	for _, m := range mints {
		want, ok := lastLaunchProgress(t, live, m.String())
		got, ok2 := lastLaunchProgress(t, snap, m.String())
		if !ok || !ok2 || !reflect.DeepEqual(got, want) {
			t.Errorf("launch %s: snapshot %+v, live %+v", m, got, want)
		}
		if got.CurrentStep != got.TotalSteps || !got.Stages.Ready.Completed {
			t.Errorf("launch %s: snapshot shows an unfinished launch: %+v", m, got)
		}
		status, body := s.apiCall("GET", "/api/launches/"+m.String(), nil)
		var rep struct {
			Progress progress.LaunchProgress `json:"progress"`
		}
		if status != 200 || json.Unmarshal(body, &rep) != nil || !reflect.DeepEqual(rep.Progress, want) {
			t.Errorf("GET /api/launches/%s: %d %s, want progress %+v", m, status, body, want)
		}
	}
}

// sameUI compares base units with a result's UI amount (both launchpads use 6
// decimals), allowing for float rounding.
func sameUI(base uint64, ui float64) bool {
	want := ui * 1e6
	return math.Abs(float64(base)-want) <= math.Max(1, want*1e-9)
}

// tail returns the last n lines of s (server logs in failure messages).
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
