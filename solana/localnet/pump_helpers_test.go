package localnet

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/solanatest"
)

// Test plumbing for the launchpad models (prefixed lp to stay clear of the
// bank's own test helpers).

// lpKey is Keypair.fromSeed(32 × n), the golden vectors' keys.
var lpKey = solanatest.SeedKey

func lpHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("hex: %v", err)
	}
	return b
}

func lpPK(s string) solana.PublicKey { return solana.MustPublicKeyFromBase58(s) }

// lpBank is a bank with the launchpad genesis installed.
func lpBank(t testing.TB) *Bank {
	t.Helper()
	b := NewBank(BankConfig{})
	if _, ok := b.GetAccount(pumpGlobalKey); !ok {
		// Genesis hooks not wired into NewBank: install directly.
		if err := installLaunchpads(b); err != nil {
			t.Fatalf("genesis: %v", err)
		}
	}
	return b
}

// lpSend signs ixs (first signer pays) and executes them; it returns the
// record (Err set when an instruction failed).
func lpSend(t testing.TB, b *Bank, ixs []solana.Instruction, signers ...solana.PrivateKey) *TxRecord {
	t.Helper()
	bh, _ := b.LatestBlockhash()
	rec, err := b.ProcessTransaction(lpSign(t, bh, ixs, signers...))
	if err != nil {
		t.Fatalf("process: %v", err)
	}
	return rec
}

// lpOK requires success.
func lpOK(t testing.TB, b *Bank, ixs []solana.Instruction, signers ...solana.PrivateKey) *TxRecord {
	t.Helper()
	rec := lpSend(t, b, ixs, signers...)
	if rec.Err != nil {
		t.Fatalf("tx failed: %v\nlogs:\n%s", rec.Err, joinLines(rec.Logs))
	}
	return rec
}

// lpFailCode requires failure of instruction ixIndex with custom code.
func lpFailCode(t testing.TB, b *Bank, code uint32, ixIndex int, ixs []solana.Instruction, signers ...solana.PrivateKey) {
	t.Helper()
	rec := lpSend(t, b, ixs, signers...)
	if rec.Err == nil {
		t.Fatalf("tx succeeded, want custom error %d", code)
	}
	var pe *ProgramError
	if !errors.As(rec.Err, &pe) || pe.Code != code || rec.Err.Index != ixIndex {
		t.Fatalf("error = %v (ix %d), want custom %d at ix %d\nlogs:\n%s", rec.Err, rec.Err.Index, code, ixIndex, joinLines(rec.Logs))
	}
}

func joinLines(l []string) string {
	var b bytes.Buffer
	for _, s := range l {
		b.WriteString(s)
		b.WriteByte('\n')
	}
	return b.String()
}

func lpTokenBalance(t testing.TB, b *Bank, k solana.PublicKey) uint64 {
	t.Helper()
	a, ok := b.GetAccount(k)
	if !ok {
		return 0
	}
	return tokenAmount(&a)
}

// lpMeta builds an AccountMeta from a compact flag notation ("", "w", "ws", "s").
func lpMeta(k solana.PublicKey, flags string) *solana.AccountMeta {
	return &solana.AccountMeta{PublicKey: k, IsWritable: bytes.ContainsRune([]byte(flags), 'w'),
		IsSigner: bytes.ContainsRune([]byte(flags), 's')}
}

// lpIdempotentATA is ATA CreateIdempotent (data [1]) for any token program.
func lpIdempotentATA(payer, owner, mint, tokenProgram solana.PublicKey) solana.Instruction {
	return solana.NewInstruction(solana.SPLAssociatedTokenAccountProgramID, solana.AccountMetaSlice{
		lpMeta(payer, "ws"), lpMeta(ataAddress(owner, tokenProgram, mint), "w"), lpMeta(owner, ""),
		lpMeta(mint, ""), lpMeta(solana.SystemProgramID, ""), lpMeta(tokenProgram, ""),
	}, []byte{1})
}
