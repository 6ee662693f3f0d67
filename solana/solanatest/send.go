package solanatest

import (
	"context"
	"errors"
	"testing"
	"time"

	sol "github.com/gagliardetto/solana-go"

	nsolana "github.com/nitro-runtime/nitro/solana"
)

func testTransferAndConfirm(t *testing.T, c *nsolana.Client, fund Fund) {
	payer, to := wallet(), wallet()
	fund(t, payer.PublicKey(), sol1)
	const amount, price = sol1 / 10, 1000
	stx, err := c.BuildTx(ctxT(t), payer.PublicKey(), []sol.Instruction{transfer(payer, to.PublicKey(), amount)},
		[]sol.PrivateKey{payer}, nsolana.BuildOpts{PriorityFeeMicroLamports: price})
	if err != nil {
		t.Fatal(err)
	}
	journaled := false
	err = c.SendAndConfirm(ctxT(t), stx, func(_ context.Context, s *nsolana.SignedTx) error {
		journaled = s.Signature == stx.Signature
		return nil
	})
	if err != nil || !journaled {
		t.Fatalf("send: %v (journaled %v)", err, journaled)
	}
	sts, err := c.SignatureStatuses(ctxT(t), stx.Signature)
	if err != nil || sts[0] == nil || sts[0].Err != nil || !sts[0].Reached(c.Commitment()) {
		t.Fatalf("status %+v %v", sts, err)
	}
	if got := balance(t, c, to.PublicKey()); got != amount {
		t.Fatalf("recipient %d, want %d", got, amount)
	}
	fee := nsolana.TxFee(1, stx.CULimit, price)
	if got := balance(t, c, payer.PublicKey()); got != sol1-amount-fee {
		t.Fatalf("payer %d, want %d (fee %d, CU limit %d)", got, sol1-amount-fee, fee, stx.CULimit)
	}
	// Sending the same bytes again must not execute twice.
	if err := c.SendAndConfirm(ctxT(t), stx, nil); err != nil {
		t.Fatalf("resend: %v", err)
	}
	if got := balance(t, c, to.PublicKey()); got != amount {
		t.Fatalf("executed twice: recipient %d", got)
	}
}

func testSimulateCU(t *testing.T, c *nsolana.Client, fund Fund) {
	payer := wallet()
	fund(t, payer.PublicKey(), sol1)
	bh, _ := c.LatestBlockhash(ctxT(t))
	stx, err := nsolana.SignTx(payer.PublicKey(), []sol.Instruction{transfer(payer, wallet().PublicKey(), sol1/100)},
		[]sol.PrivateKey{payer}, bh, nsolana.BuildOpts{CULimit: 200_000})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Simulate(ctxT(t), stx.Tx)
	if err != nil {
		t.Fatal(err)
	}
	if res.UnitsConsumed == 0 || res.UnitsConsumed > 10_000 || len(res.Logs) == 0 {
		t.Fatalf("simulation %+v", res)
	}
}

func testSimulateFailure(t *testing.T, c *nsolana.Client, fund Fund) {
	payer := wallet()
	fund(t, payer.PublicKey(), sol1)
	_, err := c.BuildTx(ctxT(t), payer.PublicKey(), []sol.Instruction{transfer(payer, wallet().PublicKey(), 5*sol1)},
		[]sol.PrivateKey{payer}, nsolana.BuildOpts{})
	if !errors.Is(err, nsolana.ErrInsufficientFunds) {
		t.Fatalf("overdraft simulation: %v", err)
	}
	var te *nsolana.TxError
	if !errors.As(err, &te) || te.Instruction != 1 {
		t.Fatalf("want a TxError at instruction 1 (after the CU limit): %v", err)
	}
}

func testLandedFailure(t *testing.T, c *nsolana.Client, fund Fund) {
	payer := wallet()
	fund(t, payer.PublicKey(), sol1)
	bh, _ := c.LatestBlockhash(ctxT(t))
	stx, err := nsolana.SignTx(payer.PublicKey(), []sol.Instruction{transfer(payer, wallet().PublicKey(), 5*sol1)},
		[]sol.PrivateKey{payer}, bh, nsolana.BuildOpts{CULimit: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	err = c.SendAndConfirm(ctxT(t), stx, nil)
	if !errors.Is(err, nsolana.ErrInsufficientFunds) {
		t.Fatalf("landed overdraft: %v", err)
	}
	// The failed transaction still paid its fee.
	if got := balance(t, c, payer.PublicKey()); got != sol1-nsolana.TxFee(1, 10_000, 0) {
		t.Fatalf("payer %d after failed tx", got)
	}
}

func testTooLarge(t *testing.T, c *nsolana.Client, fund Fund) {
	payer := wallet()
	memo := sol.NewInstruction(sol.MemoProgramID, sol.AccountMetaSlice{sol.Meta(payer.PublicKey()).SIGNER().WRITE()}, make([]byte, 1200))
	_, err := c.BuildTx(ctxT(t), payer.PublicKey(), []sol.Instruction{memo}, []sol.PrivateKey{payer}, nsolana.BuildOpts{})
	if !errors.Is(err, nsolana.ErrTxTooLarge) {
		t.Fatalf("oversized tx: %v", err)
	}
}

func testUnknownSignature(t *testing.T, c *nsolana.Client, _ Fund) {
	var sig sol.Signature
	copy(sig[:], wallet()[:64])
	sts, err := c.SignatureStatuses(ctxT(t), sig)
	if err != nil || len(sts) != 1 || sts[0] != nil {
		t.Fatalf("unknown signature: %+v %v", sts, err)
	}
}

func testExpiredBlockhash(t *testing.T, c *nsolana.Client, fund Fund) {
	payer := wallet()
	fund(t, payer.PublicKey(), sol1)
	h, err := c.BlockHeight(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	// A blockhash the cluster never produced, already past its last valid height.
	var fake sol.Hash
	copy(fake[:], wallet()[:32])
	stx, err := nsolana.SignTx(payer.PublicKey(), []sol.Instruction{transfer(payer, wallet().PublicKey(), 1000)},
		[]sol.PrivateKey{payer}, nsolana.Blockhash{Hash: fake, LastValidBlockHeight: h - 1}, nsolana.BuildOpts{CULimit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = c.SendAndConfirm(ctxT(t), stx, nil)
	if !errors.Is(err, nsolana.ErrBlockhashExpired) {
		t.Fatalf("expired: %v", err)
	}
	if got := balance(t, c, payer.PublicKey()); got != sol1 {
		t.Fatalf("expired tx charged the payer: %d", got)
	}
	t.Logf("expiry detected in %v", time.Since(start))
}
