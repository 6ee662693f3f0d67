package solana

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sol "github.com/gagliardetto/solana-go"
)

// chainSim drives the fake RPC like a cluster: it counts broadcasts, reports the
// signature as unknown until landAfter broadcasts, and advances the block height on
// every getBlockHeight call.
type chainSim struct {
	mu         sync.Mutex
	sent       [][]byte
	landAfter  int // 0 = never lands
	landErr    any
	height     uint64
	historyAsk int
}

func (s *chainSim) install(t *testing.T, f *fakeRPC) {
	f.handle("sendTransaction", func(p []json.RawMessage) (any, *rpcErr) {
		var b64 string
		mustJSON(t, p[0], &b64)
		raw, _ := base64.StdEncoding.DecodeString(b64)
		var opts map[string]any
		mustJSON(t, p[1], &opts)
		if opts["skipPreflight"] != true || opts["maxRetries"] != float64(0) || opts["encoding"] != "base64" {
			t.Errorf("send opts %v", opts)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.sent = append(s.sent, raw)
		tx, _ := sol.TransactionFromBytes(raw)
		return tx.Signatures[0].String(), nil
	})
	f.handle("getSignatureStatuses", func(p []json.RawMessage) (any, *rpcErr) {
		var sigs []string
		mustJSON(t, p[0], &sigs)
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(p) > 1 {
			s.historyAsk++
		}
		if s.landAfter == 0 || len(s.sent) < s.landAfter {
			return ctxValue([]any{nil}), nil
		}
		return ctxValue([]any{map[string]any{"slot": 9, "confirmations": 1, "err": s.landErr, "confirmationStatus": "confirmed"}}), nil
	})
	f.handle("getBlockHeight", func(p []json.RawMessage) (any, *rpcErr) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.height += 10
		return s.height, nil
	})
}

func signedTransfer(t *testing.T, lvbh uint64) *SignedTx {
	payer := testKey(1)
	stx, err := SignTx(payer.PublicKey(), []sol.Instruction{transferIx(payer.PublicKey(), pk(2), 1)}, []sol.PrivateKey{payer},
		Blockhash{Hash: sol.Hash(pk(77)), LastValidBlockHeight: lvbh}, BuildOpts{CULimit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return stx
}

func TestSendAndConfirmRebroadcastsSameBytes(t *testing.T) {
	f := newFakeRPC(t)
	sim := &chainSim{landAfter: 4}
	sim.install(t, f)
	c := f.client(t)
	stx := signedTransfer(t, 1<<40)
	journaled := 0
	err := c.SendAndConfirm(context.Background(), stx, func(ctx context.Context, s *SignedTx) error {
		journaled++
		if len(sim.sent) != 0 {
			t.Error("sent before journaling")
		}
		return nil
	})
	if err != nil || journaled != 1 {
		t.Fatalf("err %v journaled %d", err, journaled)
	}
	if len(sim.sent) < 4 {
		t.Fatalf("%d broadcasts", len(sim.sent))
	}
	for i, raw := range sim.sent {
		if string(raw) != string(stx.Raw) {
			t.Fatalf("broadcast %d differs from the signed bytes (re-signed?)", i)
		}
	}
}

func TestSendAndConfirmJournalFailureSendsNothing(t *testing.T) {
	f := newFakeRPC(t)
	sim := &chainSim{landAfter: 1}
	sim.install(t, f)
	c := f.client(t)
	boom := errors.New("db down")
	err := c.SendAndConfirm(context.Background(), signedTransfer(t, 1<<40), func(context.Context, *SignedTx) error { return boom })
	if !errors.Is(err, boom) || len(sim.sent) != 0 {
		t.Fatalf("err %v sent %d", err, len(sim.sent))
	}
}

func TestSendAndConfirmStopsAtExpiry(t *testing.T) {
	f := newFakeRPC(t)
	sim := &chainSim{}
	sim.install(t, f)
	c := f.client(t)
	stx := signedTransfer(t, 50)
	err := c.SendAndConfirm(context.Background(), stx, nil)
	if !errors.Is(err, ErrBlockhashExpired) || !IsRetryable(err) {
		t.Fatalf("err %v", err)
	}
	if sim.historyAsk == 0 {
		t.Fatal("expired without a searchTransactionHistory check")
	}
	for _, raw := range sim.sent {
		if string(raw) != string(stx.Raw) {
			t.Fatal("re-signed")
		}
	}
	searched := false
	for _, c := range f.callsOf("getSignatureStatuses") {
		var opts map[string]bool
		if len(c.Params) > 1 {
			mustJSON(t, c.Params[1], &opts)
		}
		searched = searched || opts["searchTransactionHistory"]
	}
	if !searched {
		t.Fatal("no status call searched the transaction history before the expiry verdict")
	}
}

func TestSendAndConfirmLandedWithError(t *testing.T) {
	f := newFakeRPC(t)
	sim := &chainSim{landAfter: 1, landErr: map[string]any{"InstructionError": []any{1, map[string]any{"Custom": 1}}}}
	sim.install(t, f)
	c := f.client(t)
	err := c.SendAndConfirm(context.Background(), signedTransfer(t, 1<<40), nil)
	// instruction 1 is the system transfer (0 is the CU limit): Custom 1 = short of lamports.
	if !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("err %v", err)
	}
}

func TestSettleDoesNotRebroadcastKnownOrExpired(t *testing.T) {
	f := newFakeRPC(t)
	sim := &chainSim{landAfter: -1} // already landed
	sim.install(t, f)
	c := f.client(t)
	if err := c.Settle(context.Background(), signedTransfer(t, 1<<40)); err != nil || len(sim.sent) != 0 {
		t.Fatalf("err %v sent %d", err, len(sim.sent))
	}
	f2 := newFakeRPC(t)
	sim2 := &chainSim{height: 1000}
	sim2.install(t, f2)
	err := f2.client(t).Settle(context.Background(), signedTransfer(t, 50))
	if !errors.Is(err, ErrBlockhashExpired) || len(sim2.sent) != 0 {
		t.Fatalf("err %v sent %d", err, len(sim2.sent))
	}
}

func TestConfirmRespectsContext(t *testing.T) {
	f := newFakeRPC(t)
	sim := &chainSim{}
	sim.install(t, f)
	c := f.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := c.Confirm(ctx, sol.Signature{1}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
}

func TestSignatureStatusesBatchesAndUnknown(t *testing.T) {
	f := newFakeRPC(t)
	var n atomic.Int32
	f.handle("getSignatureStatuses", func(p []json.RawMessage) (any, *rpcErr) {
		n.Add(1)
		var sigs []string
		mustJSON(t, p[0], &sigs)
		out := make([]any, len(sigs))
		for i := range sigs {
			if i == 0 {
				out[i] = map[string]any{"slot": 3, "confirmations": nil, "err": nil, "confirmationStatus": "finalized"}
			}
		}
		return ctxValue(out), nil
	})
	c := f.client(t)
	sigs := make([]sol.Signature, 300)
	sts, err := c.SignatureStatuses(context.Background(), sigs...)
	if err != nil || len(sts) != 300 || n.Load() != 2 {
		t.Fatalf("%d %v calls %d", len(sts), err, n.Load())
	}
	if !sts[0].Reached("confirmed") || sts[1] != nil || sts[256] == nil {
		t.Fatalf("statuses %+v %+v %+v", sts[0], sts[1], sts[256])
	}
}

func TestAirdropWireAndConfirm(t *testing.T) {
	f := newFakeRPC(t)
	sig := sol.Signature{5, 5}
	f.handle("requestAirdrop", func(p []json.RawMessage) (any, *rpcErr) { return sig.String(), nil })
	f.handle("getSignatureStatuses", func(p []json.RawMessage) (any, *rpcErr) {
		return ctxValue([]any{map[string]any{"slot": 1, "confirmations": 0, "err": nil, "confirmationStatus": "confirmed"}}), nil
	})
	c := f.client(t)
	got, err := c.Airdrop(context.Background(), pk(3), 42)
	if err != nil || got != sig {
		t.Fatalf("%s %v", got, err)
	}
	call := f.callsOf("requestAirdrop")[0]
	var key string
	var lamports uint64
	mustJSON(t, call.Params[0], &key)
	mustJSON(t, call.Params[1], &lamports)
	if key != pk(3).String() || lamports != 42 {
		t.Fatalf("params %s %d", key, lamports)
	}
}

func TestSendRawPreflightFailureClassified(t *testing.T) {
	f := newFakeRPC(t)
	f.handle("sendTransaction", func(p []json.RawMessage) (any, *rpcErr) {
		var opts map[string]any
		mustJSON(t, p[1], &opts)
		if opts["skipPreflight"] != false || opts["preflightCommitment"] != "confirmed" {
			t.Errorf("opts %v", opts)
		}
		return nil, &rpcErr{Code: -32002, Message: "Transaction simulation failed: Error processing Instruction 1: custom program error: 0x1772",
			Data: map[string]any{"err": map[string]any{"InstructionError": []any{1, map[string]any{"Custom": 6002}}},
				"logs": []string{"Program " + pumpProgramID.String() + " failed: custom program error: 0x1772"}}}
	})
	c := f.client(t)
	payer := testKey(1)
	buy := sol.NewInstruction(pumpProgramID, sol.AccountMetaSlice{sol.Meta(payer.PublicKey()).WRITE().SIGNER()}, []byte{1})
	stx, err := SignTx(payer.PublicKey(), []sol.Instruction{buy}, []sol.PrivateKey{payer}, testBH, BuildOpts{CULimit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SendRaw(context.Background(), stx.Raw, SendOpts{})
	var te *TxError
	if !errors.Is(err, ErrSlippage) || !errors.As(err, &te) || len(te.Logs) != 1 {
		t.Fatalf("err %v", err)
	}
}
