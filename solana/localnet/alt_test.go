package localnet

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/gagliardetto/solana-go"
)

func createALTIx(authority, payer solana.PublicKey, slot uint64) (solana.Instruction, solana.PublicKey) {
	slotLE := binary.LittleEndian.AppendUint64(nil, slot)
	table, bump, _ := solana.FindProgramAddress([][]byte{authority[:], slotLE}, solana.AddressLookupTableProgramID)
	data := append(binary.LittleEndian.AppendUint32(nil, 0), slotLE...)
	return rawIx(solana.AddressLookupTableProgramID, append(data, bump),
		w(table), ro(authority), ws(payer), ro(solana.SystemProgramID)), table
}

func extendALTIx(table, authority, payer solana.PublicKey, keys ...solana.PublicKey) solana.Instruction {
	data := binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint32(nil, 2), uint64(len(keys)))
	for _, k := range keys {
		data = append(data, k[:]...)
	}
	return rawIx(solana.AddressLookupTableProgramID, data, w(table), rs(authority), ws(payer), ro(solana.SystemProgramID))
}

func TestAddressLookupTableAndV0(t *testing.T) {
	b := NewBank(BankConfig{})
	payer := keypair(1)
	b.Airdrop(payer.PublicKey(), 10*sol)
	b.Advance(1)
	create, table := createALTIx(payer.PublicKey(), payer.PublicKey(), b.Slot())
	var dests []solana.PublicKey
	for i := range 20 {
		dests = append(dests, keypair(byte(100+i)).PublicKey())
	}
	mustProcess(t, b, buildTx(t, b, []solana.Instruction{create,
		extendALTIx(table, payer.PublicKey(), payer.PublicKey(), dests...)}, payer))
	acc, _ := b.GetAccount(table)
	if len(acc.Data) != altMetaSize+32*20 || acc.Owner != solana.AddressLookupTableProgramID ||
		acc.Lamports != RentExemptMinimum(len(acc.Data)) {
		t.Fatalf("table size %d owner %s lamports %d", len(acc.Data), acc.Owner, acc.Lamports)
	}
	var ixs []solana.Instruction
	for _, d := range dests {
		ixs = append(ixs, transferIx(payer.PublicKey(), d, RentExemptMinimum(0)))
	}
	tables := map[solana.PublicKey]solana.PublicKeySlice{table: dests}
	bh, _ := b.LatestBlockhash()
	raw := signTx(t, bh, ixs, tables, payer)
	// Addresses extended in this slot are not usable yet.
	if _, err := b.ProcessTransaction(raw); !isTxErr(err, TxInvalidAddressLookupTableIdx) {
		t.Fatalf("same-slot use: %v", err)
	}
	b.Advance(1)
	bh, _ = b.LatestBlockhash()
	raw = signTx(t, bh, ixs, tables, payer)
	if len(raw) > MaxTransactionSize {
		t.Fatalf("v0 tx %d bytes", len(raw))
	}
	rec := mustProcess(t, b, raw)
	if !rec.Versioned || rec.LoadedWritable != 20 || b.Balance(dests[19]) != RentExemptMinimum(0) {
		t.Fatalf("versioned %v loaded %d balance %d", rec.Versioned, rec.LoadedWritable, b.Balance(dests[19]))
	}
	// Deactivate, then close only after the slot-hash window.
	deact := rawIx(solana.AddressLookupTableProgramID, binary.LittleEndian.AppendUint32(nil, 3), w(table), rs(payer.PublicKey()))
	mustProcess(t, b, buildTx(t, b, []solana.Instruction{deact}, payer))
	closeIx := rawIx(solana.AddressLookupTableProgramID, binary.LittleEndian.AppendUint32(nil, 4),
		w(table), rs(payer.PublicKey()), w(payer.PublicKey()))
	recClose, err := b.ProcessTransaction(buildTx(t, b, []solana.Instruction{closeIx}, payer))
	assertBuiltin(t, recClose, err, 0, ErrInvalidArgument)
	b.Advance(slotHashesWindow + 1)
	mustProcess(t, b, buildTx(t, b, []solana.Instruction{closeIx}, payer))
	if _, ok := b.GetAccount(table); ok {
		t.Fatal("closed table still exists")
	}
}

func TestLookupTableErrors(t *testing.T) {
	b := NewBank(BankConfig{})
	payer, intruder := keypair(1), keypair(2)
	b.Airdrop(payer.PublicKey(), 10*sol)
	b.Airdrop(intruder.PublicKey(), 10*sol)
	b.Advance(1)
	create, table := createALTIx(payer.PublicKey(), payer.PublicKey(), b.Slot())
	mustProcess(t, b, buildTx(t, b, []solana.Instruction{create}, payer))
	// Wrong authority.
	rec, err := b.ProcessTransaction(buildTx(t, b, []solana.Instruction{
		extendALTIx(table, intruder.PublicKey(), intruder.PublicKey(), keypair(9).PublicKey())}, intruder))
	assertBuiltin(t, rec, err, 0, ErrIncorrectAuthority)
	// A slot in the future is not recent.
	bad, _ := createALTIx(payer.PublicKey(), payer.PublicKey(), b.Slot()+10)
	rec, err = b.ProcessTransaction(buildTx(t, b, []solana.Instruction{bad}, payer))
	assertBuiltin(t, rec, err, 0, ErrInvalidInstructionData)
	// A lookup through a table that does not exist.
	bh, _ := b.LatestBlockhash()
	raw := signTx(t, bh, []solana.Instruction{transferIx(payer.PublicKey(), keypair(3).PublicKey(), sol)},
		map[solana.PublicKey]solana.PublicKeySlice{keypair(77).PublicKey(): {keypair(3).PublicKey()}}, payer)
	if _, err := b.ProcessTransaction(raw); !isTxErr(err, TxAddressLookupTableNotFound) {
		t.Fatalf("missing table: %v", err)
	}
}

func isTxErr(err error, kind string) bool {
	var te *TxError
	return errors.As(err, &te) && te.Kind == kind
}
