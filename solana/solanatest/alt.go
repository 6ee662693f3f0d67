package solanatest

import (
	"testing"
	"time"

	sol "github.com/gagliardetto/solana-go"

	nsolana "github.com/nitro-runtime/nitro/solana"
)

// testLookupTableV0 creates and extends a table in one transaction, waits until the
// addresses are usable (one slot after the extend), then pays three recipients
// through a v0 transaction that loads them from the table.
func testLookupTableV0(t *testing.T, c *nsolana.Client, fund Fund) {
	payer := wallet()
	fund(t, payer.PublicKey(), 2*sol1)
	recipients := []sol.PublicKey{wallet().PublicKey(), wallet().PublicKey(), wallet().PublicKey()}
	slot, err := c.Slot(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	create, table, err := nsolana.CreateLookupTableInstruction(payer.PublicKey(), payer.PublicKey(), slot)
	if err != nil {
		t.Fatal(err)
	}
	extend := nsolana.ExtendLookupTableInstruction(table, payer.PublicKey(), payer.PublicKey(), recipients)
	stx, err := c.BuildTx(ctxT(t), payer.PublicKey(), []sol.Instruction{create, extend}, []sol.PrivateKey{payer}, nsolana.BuildOpts{})
	if err != nil {
		t.Fatalf("build create+extend: %v", err)
	}
	if err := c.SendAndConfirm(ctxT(t), stx, nil); err != nil {
		t.Fatalf("create+extend: %v", err)
	}
	sts, err := c.SignatureStatuses(ctxT(t), stx.Signature)
	if err != nil || sts[0] == nil {
		t.Fatalf("status %v %v", sts, err)
	}
	waitSlot(t, c, sts[0].Slot+1)
	lt, err := c.GetLookupTable(ctxT(t), table)
	if err != nil || len(lt.Addresses) != 3 || lt.Authority == nil || !lt.Authority.Equals(payer.PublicKey()) {
		t.Fatalf("table %+v %v", lt, err)
	}
	ixs := make([]sol.Instruction, len(recipients))
	for i, r := range recipients {
		ixs[i] = transfer(payer, r, sol1/10)
	}
	v0, err := c.BuildTx(ctxT(t), payer.PublicKey(), ixs, []sol.PrivateKey{payer},
		nsolana.BuildOpts{LookupTables: map[sol.PublicKey]sol.PublicKeySlice{table: lt.Addresses}})
	if err != nil {
		t.Fatalf("build v0: %v", err)
	}
	if !v0.Tx.Message.IsVersioned() || len(v0.Tx.Message.AddressTableLookups) != 1 {
		t.Fatal("not a v0 transaction using the table")
	}
	if err := c.SendAndConfirm(ctxT(t), v0, nil); err != nil {
		t.Fatalf("v0 send: %v", err)
	}
	for _, r := range recipients {
		if got := balance(t, c, r); got != sol1/10 {
			t.Fatalf("recipient %s got %d", r, got)
		}
	}
	deactivate := nsolana.DeactivateLookupTableInstruction(table, payer.PublicKey())
	d, err := c.BuildTx(ctxT(t), payer.PublicKey(), []sol.Instruction{deactivate}, []sol.PrivateKey{payer}, nsolana.BuildOpts{})
	if err != nil {
		t.Fatalf("build deactivate: %v", err)
	}
	if err := c.SendAndConfirm(ctxT(t), d, nil); err != nil {
		t.Fatalf("deactivate: %v", err)
	}
	if lt, err := c.GetLookupTable(ctxT(t), table); err != nil || lt.DeactivationSlot == ^uint64(0) {
		t.Fatalf("not deactivated: %+v %v", lt, err)
	}
}

func waitSlot(t *testing.T, c *nsolana.Client, slot uint64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s, err := c.Slot(ctxT(t))
		if err == nil && s >= slot {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot %d not reached (at %d, %v)", slot, s, err)
		}
		time.Sleep(100 * time.Millisecond) // polling a condition with a deadline
	}
}
