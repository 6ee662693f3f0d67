package store_test

import (
	"math"
	"testing"

	"github.com/nitro-runtime/nitro/store"
	"github.com/nitro-runtime/nitro/store/storetest"
)

func tx(job, step, sig string) store.TxRecord {
	return store.TxRecord{
		JobID: job, StepKey: step, Attempt: 1, Signature: sig, SignedTx: []byte{1, 2, 3, 0, 255},
		Blockhash: "Hash111", LastValidHeight: math.MaxInt64 - 1,
	}
}

func TestJournalRoundTrip(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	must(t, s.JournalTx(ctx, tx("j", "create", "sig1")))
	must(t, s.JournalTx(ctx, tx("j", "buy/0", "sig2")))
	must(t, s.JournalTx(ctx, tx("j", "buy/0", "sig3")))
	must(t, s.JournalTx(ctx, tx("other", "create", "sig4")))
	// Journaling again (a retried step) is a no-op; another job's signature conflicts.
	must(t, s.JournalTx(ctx, tx("j", "create", "sig1")))
	wantErr(t, s.JournalTx(ctx, tx("j2", "create", "sig1")), store.ErrConflict)

	got, err := s.TxsForStep(ctx, "j", "buy/0")
	must(t, err)
	if len(got) != 2 || got[0].Signature != "sig2" || got[1].Signature != "sig3" {
		t.Fatalf("step txs = %+v", got)
	}
	g := got[0]
	if g.State != store.TxPending || string(g.SignedTx) != "\x01\x02\x03\x00\xff" || g.Blockhash != "Hash111" ||
		g.LastValidHeight != math.MaxInt64-1 || g.Attempt != 1 || g.ID == 0 || g.CreatedAt.IsZero() {
		t.Fatalf("tx = %+v", g)
	}

	must(t, s.MarkTx(ctx, "sig1", store.TxSent, ""))
	must(t, s.MarkTx(ctx, "sig2", store.TxConfirmed, ""))
	must(t, s.MarkTx(ctx, "sig3", store.TxExpired, "block height exceeded"))
	unsettled, err := s.UnsettledTxs(ctx, "j")
	must(t, err)
	if len(unsettled) != 1 || unsettled[0].Signature != "sig1" || unsettled[0].State != store.TxSent {
		t.Fatalf("unsettled = %+v", unsettled)
	}
	// Confirmed is final: a slower path reporting expiry does not undo it.
	must(t, s.MarkTx(ctx, "sig2", store.TxExpired, "late"))
	got, _ = s.TxsForStep(ctx, "j", "buy/0")
	if got[0].State != store.TxConfirmed || got[0].Error != "" || got[1].Error != "block height exceeded" {
		t.Fatalf("after late mark = %+v", got)
	}
	wantErr(t, s.MarkTx(ctx, "nope", store.TxSent, ""), store.ErrNotFound)
	noBytes := tx("j", "sell", "sig9")
	noBytes.SignedTx = nil
	if err := s.JournalTx(ctx, noBytes); err == nil {
		t.Error("transaction without signed bytes journaled")
	}
	if store.TxSent.Settled() || !store.TxExpired.Settled() {
		t.Error("Settled is wrong")
	}
}

func TestCheckpoints(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	type mintStep struct {
		Mint string `json:"mint"`
		Lots int    `json:"lots"`
	}
	var got mintStep
	found, err := s.GetCheckpoint(ctx, "j", "mint", &got)
	if err != nil || found {
		t.Fatalf("missing checkpoint: found=%v err=%v", found, err)
	}
	must(t, s.Checkpoint(ctx, "j", "mint", mintStep{"M1", 1}))
	must(t, s.Checkpoint(ctx, "j", "mint", mintStep{"M2", 2}))
	found, err = s.GetCheckpoint(ctx, "j", "mint", &got)
	if err != nil || !found || got != (mintStep{"M2", 2}) {
		t.Fatalf("checkpoint = %+v found=%v err=%v", got, found, err)
	}
	if found, _ := s.GetCheckpoint(ctx, "j2", "mint", &got); found {
		t.Fatal("checkpoint leaked to another job")
	}
	if err := s.Checkpoint(ctx, "j", "bad", make(chan int)); err == nil {
		t.Fatal("unencodable checkpoint accepted")
	}
	var wrong []int
	if found, err := s.GetCheckpoint(ctx, "j", "mint", &wrong); !found || err == nil {
		t.Fatalf("decode into wrong type: found=%v err=%v", found, err)
	}
}
