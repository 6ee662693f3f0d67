package localnet

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
)

// TestLedgerSurvivesRestart: what was on chain before Close is there after New on
// the same directory: balances, the transaction's status, the slot, and a
// blockhash handed out before the restart still lands a transaction after it.
func TestLedgerSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	c1, err := New(Config{SlotInterval: -1, LedgerDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if c1.Restored() {
		t.Fatal("an empty directory restored a ledger")
	}
	payer, to := keypair(7), keypair(8).PublicKey()
	sig, err := c1.Airdrop(payer.PublicKey(), 3*sol)
	if err != nil {
		t.Fatal(err)
	}
	c1.Bank().Advance(5)
	bh, _ := c1.Bank().LatestBlockhash()
	signedEarly := signTx(t, bh, []solana.Instruction{transferIx(payer.PublicKey(), to, sol)}, nil, payer)
	slot := c1.Bank().Slot()
	if err := c1.Close(); err != nil {
		t.Fatal(err)
	}

	c2, err := New(Config{SlotInterval: -1, LedgerDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if !c2.Restored() {
		t.Fatal("the ledger was not restored")
	}
	b := c2.Bank()
	if got := b.Balance(payer.PublicKey()); got != 3*sol {
		t.Fatalf("payer holds %d after the restart, want %d", got, 3*sol)
	}
	if b.Slot() != slot {
		t.Fatalf("slot %d after the restart, want %d", b.Slot(), slot)
	}
	if rec, ok := b.Status(sig); !ok || rec.Err != nil {
		t.Fatalf("the airdrop's status after the restart: %+v %v", rec, ok)
	}
	mustProcess(t, b, signedEarly)
	if got := b.Balance(to); got != sol {
		t.Fatalf("a transaction signed before the restart moved %d, want %d", got, sol)
	}
	// The built-in programs are code, not ledger: they still run (the transfer did),
	// and the new faucet is funded.
	if _, err := c2.Airdrop(keypair(9).PublicKey(), sol); err != nil {
		t.Fatal(err)
	}
}

// TestLedgerSavedWhileRunning: a cluster that is never closed (a kill) has still
// saved what it committed, one SnapshotInterval later.
func TestLedgerSavedWhileRunning(t *testing.T) {
	dir := t.TempDir()
	c, err := New(Config{SlotInterval: -1, LedgerDir: dir, SnapshotInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	key := keypair(11).PublicKey()
	if _, err := c.Airdrop(key, 2*sol); err != nil {
		t.Fatal(err)
	}
	crashed := t.TempDir() // what a kill -9 would leave: a copy of the file as it is now
	deadline := time.Now().Add(10 * time.Second)
	for {
		raw, err := os.ReadFile(filepath.Join(dir, LedgerFileName))
		if err == nil {
			if err := os.WriteFile(filepath.Join(crashed, LedgerFileName), raw, 0o600); err != nil {
				t.Fatal(err)
			}
			probe, perr := New(Config{SlotInterval: -1, LedgerDir: crashed})
			if perr != nil {
				t.Fatal(perr)
			}
			got := probe.Bank().Balance(key)
			probe.Close()
			if got == 2*sol {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no snapshot with the airdrop was saved while the cluster ran")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestLedgerOfAnotherVersionIsRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, LedgerFileName), []byte("not a ledger"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{SlotInterval: -1, LedgerDir: dir}); err == nil {
		t.Fatal("a broken ledger was accepted")
	}
}
