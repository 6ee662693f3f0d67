package workers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	sol "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/token"
	"github.com/nitro-runtime/nitro/store"
)

// sellResult is the result of dev_sell and wallet_sell (the external contract), with the
// per-wallet breakdown.
type sellResult struct {
	Signatures  []string     `json:"signatures"`
	SolReceived float64      `json:"solReceived"`
	TokensSold  float64      `json:"tokensSold"`
	Wallets     []walletSale `json:"wallets"`
}

type walletSale struct {
	PublicKey   string  `json:"publicKey"`
	Signature   string  `json:"signature,omitempty"`
	TokensSold  float64 `json:"tokensSold"`
	SolReceived float64 `json:"solReceived"`
	Skipped     string  `json:"skipped,omitempty"`
}

// sellMemo is the quote of the sale that landed: tokens sold and lamports paid out.
type sellMemo struct {
	Tokens uint64 `json:"tokens"`
	Out    uint64 `json:"out"`
}

// errNothingToSell marks a wallet without tokens of the coin.
var errNothingToSell = errors.New("holds no tokens of this coin")

// sale is one wallet's sell order.
type sale struct {
	key  sol.PrivateKey
	idx  int
	pct  float64
	slip int
}

// sellOne sells pct of the wallet's tokens exactly once (step "sell/<wallet>"):
// the amount is read and quoted when the transaction is signed; at 100% the token
// account is closed in the same transaction to recover its rent.
func (j *job) sellOne(ctx context.Context, l store.Launch, creator sol.PublicKey, s sale) (walletSale, error) {
	user := s.key.PublicKey()
	out := walletSale{PublicKey: user.String()}
	m, err := newMarket(ctx, j.d.Chain, l.Platform, sol.MustPublicKeyFromBase58(l.TokenAddress), creator)
	if err != nil {
		return out, err
	}
	var memo sellMemo
	sig, err := j.txStep(ctx, "sell/"+user.String(), &memo, func(ctx context.Context) (*solana.SignedTx, any, error) {
		if err := m.load(ctx); err != nil {
			return nil, nil, err
		}
		bal, err := tokenBalance(ctx, j.d.Chain, m.ata(user))
		if err != nil {
			return nil, nil, err
		}
		amount := token.PortionBps(bal, uint64(math.Round(s.pct*100)))
		if amount == 0 {
			return nil, nil, fmt.Errorf("wallet %s %w", user, errNothingToSell)
		}
		ixs, lamports, err := m.sell(user, s.idx, amount, uint64(s.slip), amount == bal)
		if err != nil {
			return nil, nil, err
		}
		opts := solana.BuildOpts{PriorityFeeMicroLamports: j.priorityFee(ctx, 0, m.hotAccounts())}
		stx, err := j.d.Chain.BuildTx(ctx, user, ixs, []sol.PrivateKey{s.key}, opts)
		return stx, sellMemo{Tokens: amount, Out: lamports}, err
	})
	if errors.Is(err, errNothingToSell) {
		out.Skipped = "no tokens to sell"
		return out, err
	}
	if err != nil {
		return out, err
	}
	received, err := j.proceeds(ctx, sig, user, m.ata(user))
	if err != nil {
		return out, fmt.Errorf("read proceeds of %s: %w", sig, err)
	}
	out.Signature, out.TokensSold, out.SolReceived = sig, tokensOf(memo.Tokens), solOf(received)
	return out, nil
}

// proceeds is what a confirmed sale really paid the seller (the quote is only a
// lower bound once other trades move the curve): the seller's balance change plus
// the fee, minus the rent a closed token account gave back.
func (j *job) proceeds(ctx context.Context, sig string, user, ata sol.PublicKey) (uint64, error) {
	s, err := sol.SignatureFromBase58(sig)
	if err != nil {
		return 0, err
	}
	v := uint64(0)
	res, err := j.d.Chain.RPC().GetTransaction(ctx, s, &rpc.GetTransactionOpts{Encoding: sol.EncodingBase64,
		Commitment: rpc.CommitmentConfirmed, MaxSupportedTransactionVersion: &v})
	if err != nil {
		return 0, err
	}
	if res == nil || res.Meta == nil || res.Transaction == nil {
		return 0, errors.New("transaction or its meta not available")
	}
	tx, err := res.Transaction.GetTransaction()
	if err != nil {
		return 0, err
	}
	delta := map[sol.PublicKey]int64{}
	for i, k := range tx.Message.AccountKeys {
		if i < len(res.Meta.PreBalances) && i < len(res.Meta.PostBalances) {
			delta[k] = int64(res.Meta.PostBalances[i]) - int64(res.Meta.PreBalances[i])
		}
	}
	got := delta[user] + int64(res.Meta.Fee) + delta[ata] // a closed account's lamports moved to the user
	if got < 0 {
		return 0, fmt.Errorf("seller's balance fell by %d lamports", -got)
	}
	return uint64(got), nil
}

// sellAll sells from every wallet with at most Config.SellConcurrency at once and a
// step per wallet. A wallet without tokens is skipped; any other failure fails the
// job (a retry skips the sales that landed).
func (j *job) sellAll(ctx context.Context, l store.Launch, creator sol.PublicKey, sales []sale) (sellResult, error) {
	res := sellResult{Signatures: []string{}, Wallets: make([]walletSale, len(sales))}
	errs := make([]error, len(sales))
	sem := make(chan struct{}, j.d.Config.SellConcurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for i, s := range sales {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ws, err := j.sellOne(ctx, l, creator, s)
			res.Wallets[i], errs[i] = ws, err
			mu.Lock()
			defer mu.Unlock()
			done++
			j.reportSale(ws, err, len(sales), done)
		}()
	}
	wg.Wait()
	var failed []error
	for i, ws := range res.Wallets {
		if errs[i] != nil && !errors.Is(errs[i], errNothingToSell) {
			failed = append(failed, fmt.Errorf("sell from %s: %w", ws.PublicKey, errs[i]))
			continue
		}
		if ws.Signature != "" {
			res.Signatures = append(res.Signatures, ws.Signature)
		}
		res.SolReceived += ws.SolReceived
		res.TokensSold += ws.TokensSold
	}
	return res, errors.Join(failed...)
}

func (j *job) reportSale(ws walletSale, err error, total, done int) {
	msg := fmt.Sprintf("Sold %.2f tokens from %s for %.6f SOL", ws.TokensSold, ws.PublicKey, ws.SolReceived)
	switch {
	case errors.Is(err, errNothingToSell):
		msg = fmt.Sprintf("Skipped %s: it holds no tokens of this coin", ws.PublicKey)
	case err != nil:
		msg = fmt.Sprintf("Selling from %s failed: %v", ws.PublicKey, err)
	}
	j.rep.Step("sell", msg, total, ws)
	j.rep.Progress(done * 100 / total)
}

// sellDetails fills the events' details of a sell job.
func (j *job) sellDetails(l store.Launch, pct float64, wallets int) {
	j.rep.Update(func(d *progress.Details) {
		d.TokenName, d.TokenSymbol = l.Name, l.Symbol
		d.SellPercent, d.WalletsCount = progress.Ptr(pct), progress.Ptr(wallets)
	})
}
