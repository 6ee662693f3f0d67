package solana

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"testing"

	sol "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
)

func transferIx(from, to sol.PublicKey, lamports uint64) sol.Instruction {
	return system.NewTransferInstruction(lamports, from, to).Build()
}

var testBH = Blockhash{Hash: sol.Hash(pk(77)), LastValidBlockHeight: 500}

func TestBuildTxAutoCUFromSimulation(t *testing.T) {
	f := newFakeRPC(t)
	var simulated *sol.Transaction
	f.handle("simulateTransaction", func(p []json.RawMessage) (any, *rpcErr) {
		var b64 string
		_ = json.Unmarshal(p[0], &b64)
		raw, _ := base64.StdEncoding.DecodeString(b64)
		simulated, _ = sol.TransactionFromBytes(raw)
		return ctxValue(map[string]any{"err": nil, "logs": []string{"Program log: ok"}, "unitsConsumed": 100000}), nil
	})
	c := f.client(t)
	payer := testKey(1)
	stx, err := c.BuildTx(context.Background(), payer.PublicKey(), []sol.Instruction{transferIx(payer.PublicKey(), pk(2), 10)},
		[]sol.PrivateKey{payer}, BuildOpts{PriorityFeeMicroLamports: 5000, Blockhash: &testBH})
	if err != nil {
		t.Fatal(err)
	}
	var opts map[string]any
	mustJSON(t, f.callsOf("simulateTransaction")[0].Params[1], &opts)
	if opts["encoding"] != "base64" || opts["replaceRecentBlockhash"] != true || opts["sigVerify"] != nil {
		t.Fatalf("simulate opts %v", opts)
	}
	if got := cuLimitOf(t, simulated); got != DefaultMaxCULimit {
		t.Fatalf("probe limit %d", got)
	}
	if stx.CULimit != 115000 || cuLimitOf(t, stx.Tx) != 115000 {
		t.Fatalf("limit %d", stx.CULimit)
	}
	ixs := stx.Tx.Message.Instructions
	if len(ixs) != 3 || ixs[1].Data[0] != 3 || binary.LittleEndian.Uint64(ixs[1].Data[1:]) != 5000 {
		t.Fatalf("instructions %+v", ixs)
	}
	if err := stx.Tx.VerifySignatures(); err != nil || stx.Signature != stx.Tx.Signatures[0] {
		t.Fatalf("signature: %v", err)
	}
	if stx.LastValidBlockHeight != 500 || stx.Blockhash != testBH.Hash || len(stx.Raw) > MaxTxSize {
		t.Fatalf("stx %+v", stx)
	}
	if fee := TxFee(1, stx.CULimit, 5000); fee != 5000+575 {
		t.Fatalf("fee %d", fee)
	}
}

func cuLimitOf(t *testing.T, tx *sol.Transaction) uint32 {
	t.Helper()
	ix := tx.Message.Instructions[0]
	prog, _ := tx.ResolveProgramIDIndex(ix.ProgramIDIndex)
	if !prog.Equals(ComputeBudgetProgramID) || ix.Data[0] != 2 {
		t.Fatalf("first ix is not SetComputeUnitLimit")
	}
	return binary.LittleEndian.Uint32(ix.Data[1:])
}

func TestBuildTxSimulationFailureIsClassified(t *testing.T) {
	f := newFakeRPC(t)
	f.handle("simulateTransaction", func(p []json.RawMessage) (any, *rpcErr) {
		return ctxValue(map[string]any{"err": map[string]any{"InstructionError": []any{1, map[string]any{"Custom": 6002}}},
			"logs": []string{"Program log: Error"}, "unitsConsumed": 4000}), nil
	})
	c := f.client(t)
	payer := testKey(1)
	buy := sol.NewInstruction(pumpProgramID, sol.AccountMetaSlice{sol.Meta(payer.PublicKey()).WRITE().SIGNER()}, []byte{1})
	_, err := c.BuildTx(context.Background(), payer.PublicKey(), []sol.Instruction{buy}, []sol.PrivateKey{payer}, BuildOpts{Blockhash: &testBH})
	if !errors.Is(err, ErrSlippage) {
		t.Fatalf("err %v", err)
	}
	var te *TxError
	if !errors.As(err, &te) || len(te.Logs) != 1 {
		t.Fatalf("logs lost: %v", err)
	}
}

func TestBuildTxTooLarge(t *testing.T) {
	payer := testKey(1)
	big := sol.NewInstruction(pumpProgramID, sol.AccountMetaSlice{sol.Meta(payer.PublicKey()).WRITE().SIGNER()}, make([]byte, 1100))
	_, err := SignTx(payer.PublicKey(), []sol.Instruction{big}, []sol.PrivateKey{payer}, testBH, BuildOpts{CULimit: 1000})
	if !errors.Is(err, ErrTxTooLarge) || IsRetryable(err) {
		t.Fatalf("err %v", err)
	}
}

func TestBuildTxRejectsComputeBudgetAndMissingSigner(t *testing.T) {
	payer := testKey(1)
	_, err := SignTx(payer.PublicKey(), []sol.Instruction{SetComputeUnitLimit(5)}, []sol.PrivateKey{payer}, testBH, BuildOpts{CULimit: 1000})
	if err == nil {
		t.Fatal("duplicate compute budget accepted")
	}
	_, err = SignTx(payer.PublicKey(), []sol.Instruction{transferIx(pk(3), pk(2), 1)}, []sol.PrivateKey{payer}, testBH, BuildOpts{CULimit: 1000})
	if err == nil {
		t.Fatal("missing signer accepted")
	}
}

func TestV0WithLookupTableKeepsStaticKeys(t *testing.T) {
	payer := testKey(1)
	tip, other := pk(50), pk(51)
	table := pk(60)
	ixs := []sol.Instruction{transferIx(payer.PublicKey(), other, 1), transferIx(payer.PublicKey(), tip, 1)}
	stx, err := SignTx(payer.PublicKey(), ixs, []sol.PrivateKey{payer}, testBH, BuildOpts{CULimit: 1000,
		LookupTables: map[sol.PublicKey]sol.PublicKeySlice{table: {tip, other}}, StaticKeys: []sol.PublicKey{tip}})
	if err != nil {
		t.Fatal(err)
	}
	back, err := sol.TransactionFromBytes(stx.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Message.IsVersioned() || len(back.Message.AddressTableLookups) != 1 {
		t.Fatalf("not a v0 message with one lookup: %+v", back.Message)
	}
	l := back.Message.AddressTableLookups[0]
	if !l.AccountKey.Equals(table) || len(l.WritableIndexes) != 1 || l.WritableIndexes[0] != 1 {
		t.Fatalf("lookup %+v", l)
	}
	static := false
	for _, k := range back.Message.AccountKeys {
		static = static || k.Equals(tip)
	}
	if !static {
		t.Fatal("tip account was loaded through the table")
	}
}

func TestSignedTxFromRaw(t *testing.T) {
	orig := signedTransfer(t, 321)
	back, err := SignedTxFromRaw(orig.Raw, 321)
	if err != nil || back.Signature != orig.Signature || back.Blockhash != orig.Blockhash || back.CULimit != 500 || back.LastValidBlockHeight != 321 {
		t.Fatalf("%+v %v", back, err)
	}
	if _, err := SignedTxFromRaw([]byte{1, 2, 3}, 1); err == nil {
		t.Fatal("garbage accepted")
	}
}
