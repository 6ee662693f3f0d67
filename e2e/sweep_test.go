package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/progress"
)

// sweepWallets is how many wallets one sweep_wallets job of the kill suite empties.
const sweepWallets = 12

// sweepCase is one sweep_wallets job: a user's funded wallets and their destination.
type sweepCase struct {
	user    string
	wallets []wallet
	dest    wallet
	funded  []uint64 // what each wallet held when the job was enqueued
	destAt  uint64   // the destination's balance then
	jobID   string
	start   time.Time
}

// newSweepCase registers and funds the wallets (each a different odd amount, so a
// wallet swept twice or not at all shows in the destination's balance).
func newSweepCase(s *server, chain rpc, user string) *sweepCase {
	s.t.Helper()
	c := &sweepCase{user: user, dest: s.registerWallet(user, "destination")}
	chain.airdrop(c.dest.Pub(), lamportsPerSOL/10)
	for i := range sweepWallets {
		w := s.registerWallet(user, fmt.Sprintf("w%d", i))
		lamports := uint64(lamportsPerSOL/2 + 1_000_003*(i+1))
		chain.airdrop(w.Pub(), lamports)
		c.wallets = append(c.wallets, w)
		c.funded = append(c.funded, lamports)
	}
	c.destAt = chain.balance(c.dest.Pub())
	return c
}

func (c *sweepCase) enqueue(s *server) {
	list := make([]string, len(c.wallets))
	for i, w := range c.wallets {
		list[i] = w.Pub().String()
	}
	c.start = time.Now()
	c.jobID = s.enqueue(progress.SweepWallets, map[string]any{"userId": c.user, "wallets": list, "destination": c.dest.Pub().String()})
}

// verify: the job completed with one terminal event; every wallet is at 0 and signed
// exactly one successful transaction (its sweep); the destination received every
// wallet's lamports less one fee each, to the lamport.
func (c *sweepCase) verify(t *testing.T, s *server, chain rpc) {
	t.Helper()
	job, _ := s.waitJobExplained(t, c.jobID, faultJobTimeout)
	if job.State != "completed" {
		t.Errorf("sweep job %s ended %s: %s", c.jobID, job.State, job.Error)
	}
	checkStoredRun(t, s, c.jobID, job.State)
	var want uint64
	for i, w := range c.wallets {
		want += c.funded[i] - 5000
		if b := chain.balance(w.Pub()); b != 0 {
			t.Errorf("job %s: wallet %d holds %d lamports after the sweep", c.jobID, i, b)
		}
		if n := signedBy(chain, w.Pub()); n != 1 {
			t.Errorf("DUPLICATE sweep for job %s: wallet %d signed %d successful transactions, want 1", c.jobID, i, n)
		}
	}
	if got := chain.balance(c.dest.Pub()) - c.destAt; got != want {
		t.Errorf("job %s: the destination received %d lamports, want %d", c.jobID, got, want)
	}
}

// signedBy counts the successful transactions wallet signed (airdrops are the
// faucet's).
func signedBy(chain rpc, wallet solana.PublicKey) int {
	n := 0
	for _, s := range chain.signaturesFor(wallet) {
		if !s.failed() && chain.transaction(s.Signature).Signer == wallet.String() {
			n++
		}
	}
	return n
}

// TestKillDuringSweep: nitro serve is killed with SIGKILL while a sweep_wallets job
// moves SOL; after the restart the job completes on its own and every wallet was
// swept exactly once. Each trial waits out asynq's lease recovery (about 70 s), so
// `make test` runs NITRO_SWEEP_KILL_TRIALS=2 by default.
func TestKillDuringSweep(t *testing.T) {
	trials := envInt("NITRO_SWEEP_KILL_TRIALS", 2)
	chain := startFaultChain(t)
	s := startServer(t, chain.env()...)
	calm := newSweepCase(s, chain.rpc, "sweep-calm")
	calm.enqueue(s)
	s.waitJob(calm.jobID, launchJobTimeout)
	span := time.Since(calm.start)
	calm.verify(t, s, chain.rpc)
	t.Logf("a sweep of %d wallets without faults takes %v", sweepWallets, span.Round(10*time.Millisecond))
	for trial := range trials {
		c := newSweepCase(s, chain.rpc, fmt.Sprintf("sweep-kill%d", trial))
		c.enqueue(s)
		killAt := randDuration(span/10, span)
		time.Sleep(time.Until(c.start.Add(killAt)))
		s.kill()
		before, atKill := s.jobStates([]string{c.jobID}), s.journalStates(c.jobID)
		s.start()
		c.verify(t, s, chain.rpc)
		t.Logf("trial %d: killed at +%v with the job %s and its journal at %v; after: %v", trial, killAt.Round(time.Millisecond),
			before[c.jobID], atKill, s.journalStates(c.jobID))
		if t.Failed() {
			return
		}
	}
}
