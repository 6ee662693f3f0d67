package localnet

import (
	"encoding/binary"
	"testing"

	"github.com/gagliardetto/solana-go"
)

// TestRecentPrioritizationFees: per slot, the fee to write-lock all the given
// accounts is the highest over them of the lowest price that locked each; slots
// where none was locked, read-only locks and failed transactions do not count.
func TestRecentPrioritizationFees(t *testing.T) {
	b := NewBank(BankConfig{})
	payer, hot, cold := keypair(1), keypair(2).PublicKey(), keypair(3).PublicKey()
	b.Airdrop(payer.PublicKey(), 10*sol)
	b.Airdrop(hot, sol)
	b.Airdrop(cold, sol)
	send := func(price uint64, to solana.PublicKey) {
		t.Helper()
		p := rawIx(solana.ComputeBudget, binary.LittleEndian.AppendUint64([]byte{3}, price))
		mustProcess(t, b, buildTx(t, b, []solana.Instruction{p, transferIx(payer.PublicKey(), to, 1_000+price)}, payer))
	}
	b.Advance(1)
	s1 := b.Slot()
	send(300, hot)
	send(100, hot) // the slot's lowest for hot
	send(900, cold)
	b.Advance(1)
	b.Advance(1)
	s3 := b.Slot()
	send(50, cold)
	got := b.RecentPrioritizationFees([]solana.PublicKey{hot}, 150)
	if len(got) != 1 || got[0] != (PrioritizationFee{Slot: s1, PrioritizationFee: 100}) {
		t.Fatalf("hot: %+v, want slot %d at 100", got, s1)
	}
	got = b.RecentPrioritizationFees([]solana.PublicKey{hot, cold}, 150)
	want := []PrioritizationFee{{Slot: s1, PrioritizationFee: 900}, {Slot: s3, PrioritizationFee: 50}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("hot+cold: %+v, want %+v", got, want)
	}
	if got := b.RecentPrioritizationFees([]solana.PublicKey{hot}, 1); len(got) != 0 {
		t.Fatalf("a window of 1 slot still reports %+v", got)
	}
	// The payer is write-locked too; a read-only key (the system program) never is.
	if got := b.RecentPrioritizationFees([]solana.PublicKey{solana.SystemProgramID}, 150); len(got) != 0 {
		t.Fatalf("read-only program: %+v", got)
	}
}
