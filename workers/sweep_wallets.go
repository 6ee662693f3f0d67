package workers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	sol "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/mixer"
	"github.com/nitro-runtime/nitro/solana/token"
)

var phSweep = phase{"sweep", "Sweeping SOL to the destination",
	"Moving what each wallet holds to the destination wallet, leaving the rent-exempt minimum where a wallet still owns token accounts"}

// maxClosesPerSweep bounds the token accounts one sweep transaction closes, so it
// stays far below the 1,232-byte limit; what is left stays open (and the wallet
// keeps its rent-exempt minimum).
const maxClosesPerSweep = 20

// sweepCUPerClose is the compute budget of one CloseAccount (Token-2022's is the
// dearer, about 3,000 CU); a sweep pays no priority fee, so the limit costs nothing.
const sweepCUPerClose = 6000

// sweepResult is the result of sweep_wallets.
type sweepResult struct {
	Destination   string        `json:"destination"`
	Signatures    []string      `json:"signatures"`
	SolSwept      float64       `json:"solSwept"`
	LamportsSwept uint64        `json:"lamportsSwept"`
	Wallets       []walletSweep `json:"wallets"`
}

type walletSweep struct {
	PublicKey           string  `json:"publicKey"`
	Signature           string  `json:"signature,omitempty"`
	SolSwept            float64 `json:"solSwept"`
	LamportsSwept       uint64  `json:"lamportsSwept"`
	LamportsLeft        uint64  `json:"lamportsLeft"`
	TokenAccountsClosed int     `json:"tokenAccountsClosed"`
	Sale                string  `json:"sale,omitempty"`
	Skipped             string  `json:"skipped,omitempty"`
}

// sweepMemo is what the sweep transaction that landed moved.
type sweepMemo struct {
	Lamports uint64 `json:"lamports"`
	Left     uint64 `json:"left"`
	Closed   int    `json:"closed"`
}

// errNothingToSweep marks a wallet that is skipped: empty, holding no more than the
// fee (and what it keeps), or not a plain wallet (a mint keypair the user also owns).
var errNothingToSweep = errors.New("nothing to sweep")

func planSweep(_ *Deps, p *jobs.SweepWalletsPayload) []phase {
	if p.TokenAddress != "" {
		return []phase{phCheck, phSell, phSweep}
	}
	return []phase{phCheck, phSweep}
}

func runSweepWallets(ctx context.Context, j *job, p *jobs.SweepWalletsPayload) (any, error) {
	j.enter(phCheck.key)
	// Every wallet (and the destination) is checked before anything moves.
	if _, err := j.key(ctx, p.Destination, "destination"); err != nil {
		return nil, err
	}
	dest := sol.MustPublicKeyFromBase58(p.Destination)
	keys := make([]sol.PrivateKey, len(p.Wallets))
	for i, w := range p.Wallets {
		k, err := j.key(ctx, w, fmt.Sprintf("wallet %d", i+1))
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	j.rep.Update(func(d *progress.Details) { d.WalletsCount = progress.Ptr(len(keys)) })
	j.rep.Progress(100)
	sales := map[string]string{}
	if p.TokenAddress != "" {
		j.enter(phSell.key)
		var err error
		if sales, err = j.sellBeforeSweep(ctx, p, keys); err != nil {
			return nil, err
		}
	}
	j.enter(phSweep.key)
	return j.sweepAll(ctx, keys, dest, p.CloseTokenAccounts, sales)
}

// sweepAll sweeps every wallet with at most Config.SellConcurrency at once and a
// step per wallet. An empty wallet is skipped; any other failure fails the job (a
// retry skips the sweeps that landed).
func (j *job) sweepAll(ctx context.Context, keys []sol.PrivateKey, dest sol.PublicKey, closeAccounts bool, sales map[string]string) (sweepResult, error) {
	res := sweepResult{Destination: dest.String(), Signatures: []string{}, Wallets: make([]walletSweep, len(keys))}
	errs := make([]error, len(keys))
	sem := make(chan struct{}, j.d.Config.SellConcurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for i, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ws, err := j.sweepOne(ctx, k, dest, closeAccounts)
			ws.Sale = sales[ws.PublicKey]
			res.Wallets[i], errs[i] = ws, err
			mu.Lock()
			defer mu.Unlock()
			done++
			j.reportSweep(ws, err, len(keys), done)
		}()
	}
	wg.Wait()
	var failed []error
	for i, ws := range res.Wallets {
		if errs[i] != nil && !errors.Is(errs[i], errNothingToSweep) {
			failed = append(failed, fmt.Errorf("sweep %s: %w", ws.PublicKey, errs[i]))
			continue
		}
		if ws.Signature != "" {
			res.Signatures = append(res.Signatures, ws.Signature)
		}
		res.LamportsSwept += ws.LamportsSwept
	}
	res.SolSwept = solOf(res.LamportsSwept)
	return res, errors.Join(failed...)
}

// sellBeforeSweep sells all of each wallet's tokens of the launch (the sell path of
// wallet_sell: a journaled step per wallet, token account closed at 100%), so the
// proceeds are swept too. A wallet without tokens is skipped.
func (j *job) sellBeforeSweep(ctx context.Context, p *jobs.SweepWalletsPayload, keys []sol.PrivateKey) (map[string]string, error) {
	l, err := j.launch(ctx, p.TokenAddress)
	if err != nil {
		return nil, err
	}
	plan, err := j.loadPlan(ctx, l.TokenAddress)
	if err != nil {
		return nil, err
	}
	creator, err := sol.PublicKeyFromBase58(plan.DevWallet)
	if err != nil {
		return nil, err
	}
	j.sellDetails(l, 100, len(keys))
	sales := make([]sale, len(keys))
	for i, k := range keys {
		sales[i] = sale{key: k, idx: i + 1, pct: 100, slip: p.Slippage()}
	}
	res, err := j.sellAll(ctx, l, creator, sales)
	out := map[string]string{}
	for _, ws := range res.Wallets {
		if ws.Signature != "" {
			out[ws.PublicKey] = ws.Signature
		}
	}
	return out, err
}

// sweepOne moves what wallet holds to dest exactly once (step "sweep/<wallet>"): the
// amount is read when the transaction is signed, so a re-sign after an expiry
// sweeps what is there then. With closeAccounts its empty token accounts (and
// wrapped SOL) are closed in the same transaction and their rent swept with it.
func (j *job) sweepOne(ctx context.Context, key sol.PrivateKey, dest sol.PublicKey, closeAccounts bool) (walletSweep, error) {
	wallet := key.PublicKey()
	out := walletSweep{PublicKey: wallet.String()}
	var memo sweepMemo
	sig, err := j.txStep(ctx, "sweep/"+wallet.String(), &memo, func(ctx context.Context) (*solana.SignedTx, any, error) {
		ixs, m, err := j.sweepInstructions(ctx, wallet, dest, closeAccounts)
		if err != nil {
			return nil, nil, err
		}
		cu := uint32(1000 + sweepCUPerClose*m.Closed)
		stx, err := j.d.Chain.BuildTx(ctx, wallet, ixs, []sol.PrivateKey{key}, solana.BuildOpts{CULimit: cu})
		return stx, m, err
	})
	if errors.Is(err, errNothingToSweep) {
		out.Skipped = skipReason(err)
		return out, err
	}
	if err != nil {
		return out, err
	}
	out.Signature, out.LamportsSwept, out.LamportsLeft, out.TokenAccountsClosed = sig, memo.Lamports, memo.Left, memo.Closed
	out.SolSwept = solOf(memo.Lamports)
	return out, nil
}

// sweepInstructions reads the wallet and its token accounts and returns the closes
// and the transfer of everything but the fee and, while token accounts stay open,
// the rent-exempt minimum (a plain system account may go to 0: it is then deleted,
// but never left between 0 and that minimum, which the cluster refuses).
func (j *job) sweepInstructions(ctx context.Context, wallet, dest sol.PublicKey, closeAccounts bool) ([]sol.Instruction, sweepMemo, error) {
	var m sweepMemo
	accs, err := j.d.Chain.GetMultipleAccounts(ctx, wallet)
	if err != nil {
		return nil, m, err
	}
	acc := accs[0]
	if acc == nil || acc.Lamports == 0 {
		return nil, m, fmt.Errorf("the wallet is empty: %w", errNothingToSweep)
	}
	if acc.Owner != token.SystemProgramID || len(acc.Data) > 0 {
		// A mint or program account: its lamports are not the user's spending money.
		return nil, m, fmt.Errorf("not a plain wallet (owner %s, %d bytes of data): %w", acc.Owner, len(acc.Data), errNothingToSweep)
	}
	held, err := j.tokenAccounts(ctx, wallet)
	if err != nil {
		return nil, m, err
	}
	var ixs []sol.Instruction
	available, open := acc.Lamports, len(held)
	for _, ta := range held {
		if !closeAccounts || m.Closed == maxClosesPerSweep || !ta.closable(wallet) {
			continue
		}
		ixs = append(ixs, token.CloseAccount(ta.program, ta.address, wallet, wallet))
		available += ta.lamports
		m.Closed++
		open--
	}
	if open > 0 {
		m.Left = mixer.RentExemptMinimum
	}
	fee := solana.TxFee(1, 0, 0)
	if available <= fee+m.Left {
		return nil, m, fmt.Errorf("%d lamports are no more than the fee and what the wallet keeps: %w", available, errNothingToSweep)
	}
	// The wallet pays its own fee, before anything runs: the cluster drops a transaction
	// whose fee payer it would leave below the rent-exempt minimum (0 is allowed), so a
	// sweep of such a wallet would only expire, retry after retry.
	if acc.Lamports < fee || mixer.RentPaying(acc.Lamports-fee) {
		return nil, m, fmt.Errorf("the wallet holds %d lamports: paying the %d-lamport fee would leave it below the rent-exempt "+
			"minimum (%d), which the cluster refuses of a fee payer; top it up to at least %d lamports, then sweep it: %w",
			acc.Lamports, fee, mixer.RentExemptMinimum, mixer.RentExemptMinimum+fee, errNothingToSweep)
	}
	m.Lamports = available - fee - m.Left
	return append(ixs, token.Transfer(wallet, dest, m.Lamports)), m, nil
}

// heldAccount is a token account a wallet owns.
type heldAccount struct {
	address, program sol.PublicKey
	lamports         uint64
	acc              token.Account
}

// closable: empty (or wrapped SOL, whose lamports come back on close), not frozen,
// and the wallet may close it.
func (h heldAccount) closable(wallet sol.PublicKey) bool {
	return (h.acc.Amount == 0 || h.acc.IsNative) && h.acc.State == token.StateInitialized &&
		(h.acc.CloseAuthority.IsZero() || h.acc.CloseAuthority == wallet)
}

// tokenAccounts lists the wallet's token accounts of both token programs.
func (j *job) tokenAccounts(ctx context.Context, wallet sol.PublicKey) ([]heldAccount, error) {
	var out []heldAccount
	for _, prog := range []sol.PublicKey{token.TokenProgramID, token.Token2022ProgramID} {
		res, err := j.d.Chain.RPC().GetTokenAccountsByOwner(ctx, wallet, &rpc.GetTokenAccountsConfig{ProgramId: prog.ToPointer()},
			&rpc.GetTokenAccountsOpts{Encoding: sol.EncodingBase64, Commitment: j.d.Chain.Commitment()})
		if err != nil {
			return nil, fmt.Errorf("token accounts of %s: %w", wallet, err)
		}
		for _, ka := range res.Value {
			if ka == nil || ka.Account.Data == nil {
				continue
			}
			a, err := token.DecodeTokenAccount(ka.Account.Data.GetBinary())
			if err != nil {
				return nil, fmt.Errorf("token account %s of %s: %w", ka.Pubkey, wallet, err)
			}
			out = append(out, heldAccount{address: ka.Pubkey, program: prog, lamports: ka.Account.Lamports, acc: a})
		}
	}
	return out, nil
}

// skipReason is why a wallet was skipped, without the step key and the wallet's
// name that the error carries around it.
func skipReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": build: "); i >= 0 {
		msg = msg[i+len(": build: "):]
	}
	return strings.TrimSuffix(msg, ": "+errNothingToSweep.Error())
}

func (j *job) reportSweep(ws walletSweep, err error, total, done int) {
	msg := fmt.Sprintf("Swept %.9f SOL from %s", ws.SolSwept, ws.PublicKey)
	switch {
	case errors.Is(err, errNothingToSweep):
		msg = fmt.Sprintf("Skipped %s: %s", ws.PublicKey, ws.Skipped)
	case err != nil:
		msg = fmt.Sprintf("Sweeping %s failed: %v", ws.PublicKey, err)
	}
	j.rep.Step("sweep", msg, total, ws)
	j.rep.Progress(done * 100 / total)
}
