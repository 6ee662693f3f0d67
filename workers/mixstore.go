package workers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	sol "github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/mixer"
	"github.com/nitro-runtime/nitro/store"
)

// mixKeys is mixer.KeyStore over the store: intermediate wallets are sealed rows of
// kind intermediate, owned by the job's user, persisted before their key is used.
// Their label names the job, so a user who lists their wallets can tell which launch
// left an intermediate behind (to sweep it).
type mixKeys struct {
	st    Store
	user  string
	jobID string
}

func (k *mixKeys) Create(ctx context.Context, runID string) (sol.PublicKey, error) {
	w, err := sol.NewRandomPrivateKey()
	if err != nil {
		return sol.PublicKey{}, fmt.Errorf("intermediate wallet: %w", err)
	}
	if _, err := k.st.CreateWallet(ctx, k.user, "mixer "+runID+" of job "+k.jobID, store.WalletIntermediate, w); err != nil {
		return sol.PublicKey{}, fmt.Errorf("intermediate wallet: %w", err)
	}
	return w.PublicKey(), nil
}

func (k *mixKeys) Load(ctx context.Context, key sol.PublicKey) (sol.PrivateKey, error) {
	secret, err := k.st.WalletSecret(ctx, k.user, key.String())
	if err != nil {
		return nil, fmt.Errorf("intermediate wallet %s: %w", key, err)
	}
	return sol.PrivateKey(secret), nil
}

// mixJournal is mixer.Journal over the job's transaction journal: each hop is a
// tx_journal row of the job whose step key names the route, step and amounts
// ("mix/<run>/<route>/<step>/<from>/<to>/<lamports>"); a checkpoint lists those keys
// in Record order so Hops can find them again after a restart.
type mixJournal struct {
	st     Store
	jobID  string
	faults *faults
	mu     sync.Mutex
}

type mixIndex struct {
	Steps []string `json:"steps"`
}

func hopKey(h mixer.Hop) string {
	return fmt.Sprintf("mix/%s/%d/%d/%s/%s/%d", h.RunID, h.Route, h.Step, h.From, h.To, h.Lamports)
}

func (m *mixJournal) indexKey(runID string) string { return "mix-index/" + runID }

func (m *mixJournal) Record(ctx context.Context, h mixer.Hop) error {
	key := hopKey(h)
	m.mu.Lock()
	defer m.mu.Unlock()
	var idx mixIndex
	if _, err := m.st.GetCheckpoint(ctx, m.jobID, m.indexKey(h.RunID), &idx); err != nil {
		return err
	}
	if !slices.Contains(idx.Steps, key) {
		idx.Steps = append(idx.Steps, key)
		if err := m.st.Checkpoint(ctx, m.jobID, m.indexKey(h.RunID), idx); err != nil {
			return err
		}
	}
	err := m.st.JournalTx(ctx, store.TxRecord{
		JobID: m.jobID, StepKey: key, Attempt: h.Attempt, Signature: h.Signature.String(), SignedTx: h.Raw,
		Blockhash: h.Blockhash.String(), LastValidHeight: h.LastValidBlockHeight,
	})
	if err == nil && m.faults != nil && m.faults.afterHop != nil {
		err = m.faults.afterHop(ctx, h)
	}
	return err
}

func (m *mixJournal) Mark(ctx context.Context, sig sol.Signature, state mixer.State, errMsg string) error {
	st := map[mixer.State]store.TxState{mixer.Pending: store.TxPending, mixer.Confirmed: store.TxConfirmed,
		mixer.Failed: store.TxFailed, mixer.Expired: store.TxExpired}[state]
	if st == "" {
		return fmt.Errorf("mixer journal: unknown state %q", state)
	}
	return m.st.MarkTx(ctx, sig.String(), st, errMsg)
}

func (m *mixJournal) Hops(ctx context.Context, runID string) ([]mixer.Hop, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var idx mixIndex
	if _, err := m.st.GetCheckpoint(ctx, m.jobID, m.indexKey(runID), &idx); err != nil {
		return nil, err
	}
	var recs []store.TxRecord
	for _, key := range idx.Steps {
		txs, err := m.st.TxsForStep(ctx, m.jobID, key)
		if err != nil {
			return nil, err
		}
		recs = append(recs, txs...)
	}
	slices.SortFunc(recs, func(a, b store.TxRecord) int { return int(a.ID - b.ID) })
	hops := make([]mixer.Hop, 0, len(recs))
	for _, r := range recs {
		h, err := hopOf(r)
		if err != nil {
			return nil, err
		}
		hops = append(hops, h)
	}
	return hops, nil
}

func hopOf(r store.TxRecord) (mixer.Hop, error) {
	parts := strings.Split(r.StepKey, "/")
	if len(parts) != 7 || parts[0] != "mix" {
		return mixer.Hop{}, fmt.Errorf("mixer journal: bad step key %q", r.StepKey)
	}
	route, err1 := strconv.Atoi(parts[2])
	step, err2 := strconv.Atoi(parts[3])
	from, err3 := sol.PublicKeyFromBase58(parts[4])
	to, err4 := sol.PublicKeyFromBase58(parts[5])
	lamports, err5 := strconv.ParseUint(parts[6], 10, 64)
	sig, err6 := sol.SignatureFromBase58(r.Signature)
	bh, err7 := sol.HashFromBase58(r.Blockhash)
	if err := errors.Join(err1, err2, err3, err4, err5, err6, err7); err != nil {
		return mixer.Hop{}, fmt.Errorf("mixer journal: step %q: %w", r.StepKey, err)
	}
	st := map[store.TxState]mixer.State{store.TxPending: mixer.Pending, store.TxSent: mixer.Pending,
		store.TxConfirmed: mixer.Confirmed, store.TxFailed: mixer.Failed, store.TxExpired: mixer.Expired}[r.State]
	return mixer.Hop{RunID: parts[1], Route: route, Step: step, Attempt: r.Attempt, From: from, To: to,
		Lamports: lamports, Raw: r.SignedTx, Signature: sig, Blockhash: bh,
		LastValidBlockHeight: r.LastValidHeight, State: st, Err: r.Error}, nil
}
