package solanatest

import (
	"testing"
	"time"

	sol "github.com/gagliardetto/solana-go"

	nsolana "github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/jito"
)

// tipLamports is above the rent-exempt minimum so the tip also works when the
// cluster has never funded the tip account (a fresh built-in cluster).
const tipLamports = 1_000_000

// ExerciseJito checks a block engine: a two-transaction bundle (the tip inside the
// last one) lands atomically, its id resolves through getInflightBundleStatuses and
// getBundleStatuses, and the transfers and tip are applied once.
func ExerciseJito(t *testing.T, engine *jito.Client, newClient NewClient, fund Fund) {
	c := newClient(t)
	a, b := wallet(), wallet()
	fund(t, a.PublicKey(), sol1)
	fund(t, b.PublicKey(), sol1)
	to := wallet().PublicKey()
	bh, err := c.RefreshBlockhash(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	tip, err := jito.TipInstruction(b.PublicKey(), tipLamports)
	if err != nil {
		t.Fatal(err)
	}
	tx1, err := nsolana.SignTx(a.PublicKey(), []sol.Instruction{transfer(a, to, sol1/10)}, []sol.PrivateKey{a}, bh, nsolana.BuildOpts{CULimit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	tx2, err := nsolana.SignTx(b.PublicKey(), []sol.Instruction{transfer(b, to, sol1/10), tip}, []sol.PrivateKey{b}, bh,
		nsolana.BuildOpts{CULimit: 2000, StaticKeys: jito.TipAccounts})
	if err != nil {
		t.Fatal(err)
	}
	id, err := engine.SendBundle(ctxT(t), [][]byte{tx1.Raw, tx2.Raw})
	if err != nil {
		t.Fatalf("send bundle: %v", err)
	}
	if _, err := engine.WaitBundle(ctxT(t), id, 200*time.Millisecond); err != nil {
		t.Fatalf("wait bundle: %v", err)
	}
	sts, err := engine.BundleStatuses(ctxT(t), []string{id})
	if err != nil || sts[0] == nil || !sts[0].OK() || len(sts[0].Transactions) != 2 {
		t.Fatalf("bundle status %+v %v", sts, err)
	}
	if err := c.Confirm(ctxT(t), tx2.Signature); err != nil {
		t.Fatalf("confirm bundle tx: %v", err)
	}
	if got := balance(t, c, to); got != sol1/5 {
		t.Fatalf("recipient %d, want %d", got, sol1/5)
	}
	if got := balance(t, c, b.PublicKey()); got != sol1-sol1/10-tipLamports-nsolana.TxFee(1, 2000, 0) {
		t.Fatalf("tipper %d", got)
	}
}
