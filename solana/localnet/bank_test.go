package localnet

import (
	"errors"
	"testing"

	"github.com/gagliardetto/solana-go"
)

const sol uint64 = 1_000_000_000

func TestSystemTransfer(t *testing.T) {
	b := NewBank(BankConfig{})
	payer, to := keypair(1), keypair(2).PublicKey()
	b.Airdrop(payer.PublicKey(), 10*sol)
	rec := mustProcess(t, b, buildTx(t, b, []solana.Instruction{transferIx(payer.PublicKey(), to, sol)}, payer))
	if got := b.Balance(to); got != sol {
		t.Fatalf("recipient balance %d, want %d", got, sol)
	}
	if got, want := b.Balance(payer.PublicKey()), 9*sol-5000; got != want {
		t.Fatalf("payer balance %d, want %d", got, want)
	}
	if rec.Fee != 5000 || rec.PreBalances[0] != 10*sol || rec.PostBalances[1] != sol {
		t.Fatalf("record fee %d pre %v post %v", rec.Fee, rec.PreBalances, rec.PostBalances)
	}
	want := []string{"Program 11111111111111111111111111111111 invoke [1]", "Program 11111111111111111111111111111111 success"}
	if len(rec.Logs) != 2 || rec.Logs[0] != want[0] || rec.Logs[1] != want[1] {
		t.Fatalf("logs %q", rec.Logs)
	}
	if rec.UnitsConsumed != 150 {
		t.Fatalf("units %d, want 150", rec.UnitsConsumed)
	}
}

func TestAtomicityFeeStillCharged(t *testing.T) {
	b := NewBank(BankConfig{})
	payer, to := keypair(1), keypair(2).PublicKey()
	b.Airdrop(payer.PublicKey(), 2*sol)
	ixs := []solana.Instruction{transferIx(payer.PublicKey(), to, sol), transferIx(payer.PublicKey(), to, 5*sol)}
	rec, err := b.ProcessTransaction(buildTx(t, b, ixs, payer))
	if err != nil {
		t.Fatal(err)
	}
	var pe *ProgramError
	if rec.Err == nil || rec.Err.Kind != TxInstructionError || rec.Err.Index != 1 || !errors.As(rec.Err, &pe) || pe.Code != 1 {
		t.Fatalf("err = %v, want InstructionError(1, Custom 1)", rec.Err)
	}
	if b.Balance(to) != 0 {
		t.Fatalf("first transfer not rolled back: %d", b.Balance(to))
	}
	if got := b.Balance(payer.PublicKey()); got != 2*sol-5000 {
		t.Fatalf("payer %d, want fee charged", got)
	}
	js, _ := rec.Err.MarshalJSON()
	if string(js) != `{"InstructionError":[1,{"Custom":1}]}` {
		t.Fatalf("json %s", js)
	}
	if _, ok := b.Status(rec.Signature); !ok {
		t.Fatal("failed tx not in status cache")
	}
}
