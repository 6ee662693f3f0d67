package localnet

import (
	"encoding/binary"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"

	"github.com/nitro-runtime/nitro/solana/solanatest"
)

// keypair returns a deterministic test key (seed = 32 × n).
var keypair = solanatest.SeedKey

// buildTx signs ixs with signers (the first pays) against the bank's latest blockhash.
func buildTx(t testing.TB, b *Bank, ixs []solana.Instruction, signers ...solana.PrivateKey) []byte {
	t.Helper()
	bh, _ := b.LatestBlockhash()
	return signTx(t, bh, ixs, nil, signers...)
}

func signTx(t testing.TB, bh solana.Hash, ixs []solana.Instruction, tables map[solana.PublicKey]solana.PublicKeySlice, signers ...solana.PrivateKey) []byte {
	t.Helper()
	opts := []solana.TransactionOption{solana.TransactionPayer(signers[0].PublicKey())}
	if tables != nil {
		opts = append(opts, solana.TransactionAddressTables(tables))
	}
	tx, err := solana.NewTransaction(ixs, bh, opts...)
	if err != nil {
		t.Fatalf("new tx: %v", err)
	}
	lpSignTx(t, tx, signers...)
	raw, err := tx.MarshalBinary()
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return raw
}

func transferIx(from, to solana.PublicKey, lamports uint64) solana.Instruction {
	return system.NewTransferInstruction(lamports, from, to).Build()
}

// mustProcess executes raw and fails the test unless it succeeded.
func mustProcess(t testing.TB, b *Bank, raw []byte) *TxRecord {
	t.Helper()
	rec, err := b.ProcessTransaction(raw)
	if err != nil {
		t.Fatalf("process: %v", err)
	}
	if rec.Err != nil {
		t.Fatalf("tx failed: %v\nlogs: %q", rec.Err, rec.Logs)
	}
	return rec
}

func rawIx(program solana.PublicKey, data []byte, metas ...*solana.AccountMeta) solana.Instruction {
	return solana.NewInstruction(program, metas, data)
}

func w(k solana.PublicKey) *solana.AccountMeta {
	return &solana.AccountMeta{PublicKey: k, IsWritable: true}
}
func ws(k solana.PublicKey) *solana.AccountMeta {
	return &solana.AccountMeta{PublicKey: k, IsWritable: true, IsSigner: true}
}
func ro(k solana.PublicKey) *solana.AccountMeta { return &solana.AccountMeta{PublicKey: k} }
func rs(k solana.PublicKey) *solana.AccountMeta {
	return &solana.AccountMeta{PublicKey: k, IsSigner: true}
}

func createAccountIx(payer, acc solana.PublicKey, lamports, space uint64, owner solana.PublicKey) solana.Instruction {
	d := binary.LittleEndian.AppendUint32(nil, 0)
	d = binary.LittleEndian.AppendUint64(d, lamports)
	d = binary.LittleEndian.AppendUint64(d, space)
	return rawIx(solana.SystemProgramID, append(d, owner[:]...), ws(payer), ws(acc))
}

func u64ix(tag byte, v uint64) []byte { return binary.LittleEndian.AppendUint64([]byte{tag}, v) }

// Token instruction builders (hand-encoded, program-agnostic).
func initMint2Ix(prog, mint, auth solana.PublicKey, decimals uint8) solana.Instruction {
	return rawIx(prog, append(append([]byte{20, decimals}, auth[:]...), 0), w(mint))
}

func ataIdempotentIx(payer, owner, mint, prog solana.PublicKey) solana.Instruction {
	return rawIx(AssociatedTokenProgramID, []byte{1}, ws(payer), w(FindATA(owner, prog, mint)), ro(owner), ro(mint),
		ro(solana.SystemProgramID), ro(prog))
}

func mintToIx(prog, mint, dst, auth solana.PublicKey, amount uint64) solana.Instruction {
	return rawIx(prog, u64ix(7, amount), w(mint), w(dst), rs(auth))
}

func transferCheckedIx(prog, src, mint, dst, auth solana.PublicKey, amount uint64, decimals uint8) solana.Instruction {
	return rawIx(prog, append(u64ix(12, amount), decimals), w(src), ro(mint), w(dst), rs(auth))
}

func tokenBalance(t testing.TB, b *Bank, acc solana.PublicKey) uint64 {
	t.Helper()
	a, ok := b.GetAccount(acc)
	if !ok {
		t.Fatalf("token account %s missing", acc)
	}
	st, ok := ParseTokenAccount(a.Data)
	if !ok {
		t.Fatalf("account %s is not a token account", acc)
	}
	return st.Amount
}
