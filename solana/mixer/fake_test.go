package mixer_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	sol "github.com/gagliardetto/solana-go"

	nsolana "github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/mixer"
)

var errCrash = errors.New("simulated crash")

// fakeChain is an in-memory cluster for system transfers: fees (5000 per signature
// plus the priority fee), rent rules for 0-byte accounts, signature de-duplication.
type fakeChain struct {
	mu      sync.Mutex
	bal     map[sol.PublicKey]uint64
	landed  map[sol.Signature]error
	ledger  []transferRec // landed successful transfers
	feesTot uint64
	height  uint64
	hashN   byte

	// crashAt is the index of the SendAndConfirm call to crash in (-1 = never);
	// landBeforeCrash applies the transaction before crashing.
	crashAt, calls  int
	landBeforeCrash bool
	// settleLands makes Settle broadcast an unknown transaction (still valid);
	// otherwise an unknown one is reported expired.
	settleLands bool
	// expireFirst drops the first broadcast of the n-th SendAndConfirm calls listed.
	expire map[int]bool
}

type transferRec struct {
	From, To sol.PublicKey
	Lamports uint64
}

func newFakeChain() *fakeChain {
	return &fakeChain{bal: map[sol.PublicKey]uint64{}, landed: map[sol.Signature]error{}, crashAt: -1, height: 100}
}

func (f *fakeChain) GetBalance(_ context.Context, k sol.PublicKey) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bal[k], nil
}

func (f *fakeChain) LatestBlockhash(context.Context) (nsolana.Blockhash, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hashN++
	return nsolana.Blockhash{Hash: sol.Hash{f.hashN, 9}, LastValidBlockHeight: f.height + 150}, nil
}

func (f *fakeChain) SendAndConfirm(ctx context.Context, stx *nsolana.SignedTx, hook nsolana.JournalHook) error {
	if err := hook(ctx, stx); err != nil {
		return err
	}
	f.mu.Lock()
	call := f.calls
	f.calls++
	crash, land := call == f.crashAt, f.landBeforeCrash
	expire := f.expire[call]
	f.mu.Unlock()
	if crash && !land {
		return errCrash
	}
	if expire {
		return fmt.Errorf("send: %w", nsolana.ErrBlockhashExpired)
	}
	err := f.apply(stx.Raw)
	if crash {
		return errCrash
	}
	return err
}

func (f *fakeChain) Settle(_ context.Context, stx *nsolana.SignedTx) error {
	f.mu.Lock()
	res, ok := f.landed[stx.Signature]
	f.mu.Unlock()
	if ok {
		return res
	}
	if f.settleLands {
		return f.apply(stx.Raw)
	}
	return fmt.Errorf("settle: %w", nsolana.ErrBlockhashExpired)
}

// apply executes a signed transfer once per signature.
func (f *fakeChain) apply(raw []byte) error {
	tx, err := sol.TransactionFromBytes(raw)
	if err != nil {
		return err
	}
	if err := tx.VerifySignatures(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	sig := tx.Signatures[0]
	if res, ok := f.landed[sig]; ok {
		return res
	}
	payer := tx.Message.AccountKeys[0]
	fee, from, to, lamports := decodeTransfer(tx)
	if f.bal[payer] < fee {
		return nsolana.ClassifyTxErr("InsufficientFundsForFee", nil, nil) // not landed: no record
	}
	f.bal[payer] -= fee
	f.feesTot += fee
	var res error
	switch {
	case f.bal[from] < lamports:
		res = nsolana.ClassifyTxErr(map[string]any{"InstructionError": []any{1.0, map[string]any{"Custom": 1.0}}}, []sol.PublicKey{{}, sol.SystemProgramID}, nil)
	case dust(f.bal[from]-lamports) || dust(f.bal[to]+lamports):
		res = nsolana.ClassifyTxErr(map[string]any{"InsufficientFundsForRent": map[string]any{"account_index": 1.0}}, nil, nil)
	default:
		f.bal[from] -= lamports
		f.bal[to] += lamports
		f.ledger = append(f.ledger, transferRec{from, to, lamports})
	}
	f.landed[sig] = res
	return res
}

func dust(b uint64) bool { return b != 0 && b < mixer.RentExemptMinimum }

// decodeTransfer reads fee, from, to, lamports of [CU limit, (CU price), transfer].
func decodeTransfer(tx *sol.Transaction) (fee uint64, from, to sol.PublicKey, lamports uint64) {
	var limit uint32
	var price uint64
	keys := tx.Message.AccountKeys
	for _, ix := range tx.Message.Instructions {
		switch {
		case keys[ix.ProgramIDIndex].Equals(nsolana.ComputeBudgetProgramID) && ix.Data[0] == 2:
			limit = binary.LittleEndian.Uint32(ix.Data[1:])
		case keys[ix.ProgramIDIndex].Equals(nsolana.ComputeBudgetProgramID) && ix.Data[0] == 3:
			price = binary.LittleEndian.Uint64(ix.Data[1:])
		default:
			from, to = keys[ix.Accounts[0]], keys[ix.Accounts[1]]
			lamports = binary.LittleEndian.Uint64(ix.Data[4:])
		}
	}
	return nsolana.TxFee(len(tx.Signatures), limit, price), from, to, lamports
}

func (f *fakeChain) total() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var t uint64
	for _, b := range f.bal {
		t += b
	}
	return t + f.feesTot
}
