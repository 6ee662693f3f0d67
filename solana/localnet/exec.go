package localnet

import (
	"math/bits"

	"github.com/gagliardetto/solana-go"
)

// Compute budget limits, as on mainnet.
const (
	MaxComputeUnitLimit  = 1_400_000
	DefaultInstructionCU = 200_000
	defaultBuiltinCU     = 3_000
	maxAccountLocks      = 64
	maxLogBytes          = 10_000
)

// ExecOptions select simulation behaviour.
type ExecOptions struct {
	Simulate               bool // execute on a copy, never commit or record
	SkipSigVerify          bool // simulateTransaction sigVerify:false
	ReplaceRecentBlockhash bool
}

// overlay is a copy-on-write view over the bank's accounts, used to stage a
// transaction or a whole bundle before commit.
type overlay struct {
	base   map[solana.PublicKey]*Account
	writes map[solana.PublicKey]*Account // nil value = deleted
	order  []solana.PublicKey
}

func newOverlay(base map[solana.PublicKey]*Account) *overlay {
	return &overlay{base: base, writes: map[solana.PublicKey]*Account{}}
}

func (o *overlay) get(k solana.PublicKey) *Account {
	if a, ok := o.writes[k]; ok {
		return a
	}
	return o.base[k]
}

func (o *overlay) put(k solana.PublicKey, a *Account) {
	if _, ok := o.writes[k]; !ok {
		o.order = append(o.order, k)
	}
	if a != nil && a.Lamports == 0 && !a.Executable {
		a = nil // zero-lamport accounts are purged, as the runtime does
	}
	o.writes[k] = a
}

// applyLocked writes the overlay into the bank.
func (b *Bank) applyLocked(o *overlay) {
	for _, k := range o.order {
		if a := o.writes[k]; a == nil {
			delete(b.accounts, k)
		} else {
			b.accounts[k] = a
		}
	}
}

// ProcessTransaction verifies, executes and commits one wire transaction. A
// transaction rejected before execution returns an error (a *TxError when the
// runtime would name one) and is not recorded; one that executed returns its
// record, whose Err is set if an instruction failed (the fee is still charged).
func (b *Bank) ProcessTransaction(raw []byte) (*TxRecord, error) {
	recs, err := b.processBatch([][]byte{raw}, false)
	if err != nil {
		return nil, err
	}
	return recs[0], nil
}

// ProcessIfSuccessful executes raw and commits it only if it succeeds (the
// preflight path of sendTransaction: a failing transaction is neither charged
// nor recorded). The record of a failed execution is returned with the error.
func (b *Bank) ProcessIfSuccessful(raw []byte) (*TxRecord, error) {
	recs, err := b.processBatch([][]byte{raw}, true)
	if len(recs) > 0 {
		return recs[0], err
	}
	return nil, err
}

// ProcessBundle executes up to five transactions in order, in one slot, all or
// nothing: if any is rejected or fails, none is committed and the error names
// the first failure (the records executed so far are returned with it).
func (b *Bank) ProcessBundle(raws [][]byte) ([]*TxRecord, error) {
	return b.processBatch(raws, true)
}

func (b *Bank) processBatch(raws [][]byte, atomic bool) ([]*TxRecord, error) {
	txs := make([]*wireTx, len(raws))
	for i, raw := range raws {
		tx, err := decodeTransaction(raw)
		if err != nil {
			return nil, err
		}
		if !tx.verifySignatures() {
			return nil, txErr(TxSignatureFailure)
		}
		txs[i] = tx
	}
	recs, changed, err := b.commitBatch(txs, atomic)
	if err == nil {
		b.notifyCommit(recs, changed)
	}
	return recs, err
}

// commitBatch executes txs in order under the bank lock and commits them
// (all of them, when atomic, only if every one succeeded).
func (b *Bank) commitBatch(txs []*wireTx, atomic bool) ([]*TxRecord, []solana.PublicKey, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ov := newOverlay(b.accounts)
	recs := make([]*TxRecord, 0, len(txs))
	seen := map[solana.Signature]bool{}
	for _, tx := range txs {
		if seen[tx.signatures[0]] {
			return recs, nil, txErr(TxAlreadyProcessed)
		}
		seen[tx.signatures[0]] = true
		rec, err := b.executeLocked(tx, ov, ExecOptions{})
		if err == nil && atomic && rec.Err != nil {
			return append(recs, rec), nil, rec.Err
		}
		if err != nil {
			return recs, nil, err
		}
		recs = append(recs, rec)
	}
	b.applyLocked(ov)
	for _, rec := range recs {
		b.recordLocked(rec)
	}
	return recs, ov.order, nil
}

func (b *Bank) notifyCommit(recs []*TxRecord, changed []solana.PublicKey) {
	obs := b.observersSnapshot()
	for i, rec := range recs {
		for _, o := range obs {
			if i == len(recs)-1 {
				o.TxCommitted(rec, changed)
			} else {
				o.TxCommitted(rec, nil)
			}
		}
	}
}

// Simulate executes raw against the current state without committing.
func (b *Bank) Simulate(raw []byte, opts ExecOptions) (*TxRecord, error) {
	tx, err := decodeTransaction(raw)
	if err != nil {
		return nil, err
	}
	if !opts.SkipSigVerify && !tx.verifySignatures() {
		return nil, txErr(TxSignatureFailure)
	}
	opts.Simulate = true
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.executeLocked(tx, newOverlay(b.accounts), opts)
}

// executeLocked runs the checks and instructions of tx against ov. The caller
// holds the bank lock (read lock for simulation: nothing in the bank changes).
func (b *Bank) executeLocked(tx *wireTx, ov *overlay, opts ExecOptions) (*TxRecord, error) {
	if !opts.Simulate {
		if _, dup := b.statuses[tx.signatures[0]]; dup {
			return nil, txErr(TxAlreadyProcessed)
		}
	}
	if !opts.ReplaceRecentBlockhash && !b.blockhashValidLocked(tx.blockhash) {
		return nil, txErr(TxBlockhashNotFound)
	}
	st, err := b.prepareLocked(tx, ov)
	if err != nil {
		return nil, err
	}
	rec := st.record
	rec.Slot, rec.BlockTime = b.slot, b.clockLocked().UnixTimestamp
	execErr := st.run()
	if execErr == nil {
		execErr = st.checkRent()
	}
	if execErr != nil {
		st.resetToFeeOnly()
		rec.Err = execErr
	}
	rec.Logs, rec.UnitsConsumed = st.logs, st.cuUsed
	rec.PostBalances = make([]uint64, len(st.keys))
	for i, k := range st.keys {
		rec.PostBalances[i] = st.work[k].Lamports
	}
	rec.PostTokenBalances = tokenBalancesOf(st.keys, func(k solana.PublicKey) *Account { return st.work[k] })
	if opts.Simulate {
		rec.simState = st.work
		return rec, nil
	}
	for i, k := range st.keys {
		if st.writable[i] {
			ov.put(k, st.work[k])
		}
	}
	return rec, nil
}

// prepareLocked resolves keys, budgets the transaction, charges nothing yet but
// validates the fee payer, and loads working copies.
func (b *Bank) prepareLocked(tx *wireTx, ov *overlay) (*txState, error) {
	keys, writable, nw, nr, err := b.resolveKeys(tx, ov)
	if err != nil {
		return nil, err
	}
	limit, price, err := parseComputeBudget(tx, keys)
	if err != nil {
		return nil, err
	}
	fee := uint64(len(tx.signatures))*b.cfg.LamportsPerSignature + priorityFee(limit, price)
	st := &txState{bank: b, tx: tx, keys: keys, writable: writable, cuLimit: limit,
		work: make(map[solana.PublicKey]*Account, len(keys)), orig: map[solana.PublicKey]*Account{},
		clk: b.clockLocked(), fee: fee}
	for _, k := range keys {
		if a := ov.get(k); a != nil {
			st.orig[k] = a
			st.work[k] = cloneAccount(a)
		} else {
			st.work[k] = &Account{Owner: solana.SystemProgramID}
		}
	}
	if err := st.chargeFee(); err != nil {
		return nil, err
	}
	if err := st.checkPrograms(); err != nil {
		return nil, err
	}
	rec := &TxRecord{Signature: tx.signatures[0], Raw: tx.raw, Versioned: tx.versioned,
		AccountKeys: keys, LoadedWritable: nw, LoadedReadonly: nr, Fee: fee, CUPrice: price, Writable: writable}
	rec.PreBalances = make([]uint64, len(keys))
	for i, k := range keys {
		if a := st.orig[k]; a != nil {
			rec.PreBalances[i] = a.Lamports
		}
	}
	rec.PreTokenBalances = tokenBalancesOf(keys, ov.get)
	st.record = rec
	return st, nil
}

func priorityFee(limit, microLamports uint64) uint64 {
	hi, lo := bits.Mul64(limit, microLamports)
	lo, carry := bits.Add64(lo, 999_999, 0)
	hi += carry
	if hi >= 1_000_000 {
		return ^uint64(0)
	}
	q, _ := bits.Div64(hi, lo, 1_000_000)
	return q
}

// chargeFee validates the fee payer and debits the fee from its working copy.
func (st *txState) chargeFee() error {
	payer := st.keys[0]
	a, ok := st.orig[payer]
	if !ok {
		return txErr(TxAccountNotFound)
	}
	if a.Owner != solana.SystemProgramID {
		return txErr(TxInvalidAccountForFee)
	}
	if a.Lamports < st.fee {
		return txErr(TxInsufficientFundsForFee)
	}
	left := a.Lamports - st.fee
	if left != 0 && left < RentExemptMinimum(len(a.Data)) {
		return &TxError{Kind: TxInsufficientFundsForRent, Index: 0}
	}
	st.work[payer].Lamports = left
	return nil
}

// checkPrograms rejects transactions that invoke something that is not a program.
func (st *txState) checkPrograms() error {
	for _, ix := range st.tx.ixs {
		pid := st.keys[ix.program]
		if _, ok := st.bank.programs[pid]; ok {
			continue
		}
		if _, exists := st.orig[pid]; exists {
			return txErr(TxInvalidProgramForExecution)
		}
		return txErr(TxProgramAccountNotFound)
	}
	return nil
}

// resetToFeeOnly undoes every change but the fee debit (failed transaction).
func (st *txState) resetToFeeOnly() {
	for _, k := range st.keys {
		if a, ok := st.orig[k]; ok {
			st.work[k] = cloneAccount(a)
		} else {
			st.work[k] = &Account{Owner: solana.SystemProgramID}
		}
	}
	st.work[st.keys[0]].Lamports -= st.fee
}

// checkRent enforces that no writable account ends the transaction rent-paying
// unless it already was (same size, no more lamports).
func (st *txState) checkRent() *TxError {
	for i, k := range st.keys {
		if !st.writable[i] {
			continue
		}
		post := st.work[k]
		if post.Lamports == 0 || post.Lamports >= RentExemptMinimum(len(post.Data)) {
			continue
		}
		pre := st.orig[k]
		wasPaying := pre != nil && pre.Lamports > 0 && pre.Lamports < RentExemptMinimum(len(pre.Data))
		if wasPaying && len(pre.Data) == len(post.Data) && post.Lamports <= pre.Lamports {
			continue
		}
		return &TxError{Kind: TxInsufficientFundsForRent, Index: i}
	}
	return nil
}

// resolveKeys returns static + loaded keys and each key's writable flag after
// demotion (programs invoked at top level and reserved keys are read-only).
func (b *Bank) resolveKeys(tx *wireTx, ov *overlay) ([]solana.PublicKey, []bool, int, int, error) {
	keys := append([]solana.PublicKey(nil), tx.keys...)
	writable := make([]bool, len(keys))
	for i := range tx.keys {
		writable[i] = tx.staticWritable(i)
	}
	loadedW, loadedR, err := b.loadLookups(tx, ov)
	if err != nil {
		return nil, nil, 0, 0, err
	}
	keys = append(append(keys, loadedW...), loadedR...)
	for range loadedW {
		writable = append(writable, true)
	}
	for range loadedR {
		writable = append(writable, false)
	}
	if len(keys) > maxAccountLocks {
		return nil, nil, 0, 0, txErr(TxTooManyAccountLocks)
	}
	seen := make(map[solana.PublicKey]struct{}, len(keys))
	for _, k := range keys {
		if _, dup := seen[k]; dup {
			return nil, nil, 0, 0, txErr(TxAccountLoadedTwice)
		}
		seen[k] = struct{}{}
	}
	called := map[uint8]bool{}
	for _, ix := range tx.ixs {
		called[ix.program] = true
	}
	for i, k := range keys {
		if writable[i] && (called[uint8(i)] && i < len(tx.keys) || isReservedKey(k)) {
			writable[i] = false
		}
	}
	return keys, writable, len(loadedW), len(loadedR), nil
}

// loadLookups resolves the v0 address-table lookups into writable and
// read-only keys.
func (b *Bank) loadLookups(tx *wireTx, ov *overlay) (loadedW, loadedR []solana.PublicKey, err error) {
	pick := func(addrs []solana.PublicKey, idxs []uint8, out *[]solana.PublicKey) error {
		for _, idx := range idxs {
			if int(idx) >= len(addrs) {
				return txErr(TxInvalidAddressLookupTableIdx)
			}
			*out = append(*out, addrs[idx])
		}
		return nil
	}
	for _, l := range tx.lookups {
		addrs, err := b.lookupTableAddresses(l.table, ov)
		if err != nil {
			return nil, nil, err
		}
		if err := pick(addrs, l.writable, &loadedW); err != nil {
			return nil, nil, err
		}
		if err := pick(addrs, l.readonly, &loadedR); err != nil {
			return nil, nil, err
		}
	}
	return loadedW, loadedR, nil
}

// txState is the bank's per-transaction execution state behind InstructionContext.
type txState struct {
	bank     *Bank
	tx       *wireTx
	keys     []solana.PublicKey
	writable []bool
	work     map[solana.PublicKey]*Account // working copies
	orig     map[solana.PublicKey]*Account // committed state (read only)
	clk      Clock
	fee      uint64
	record   *TxRecord

	topIndex        int // the top-level instruction running
	cuLimit, cuUsed uint64
	logs            []string
	logBytes        int
	stack           []*frame
}

func (st *txState) clock() Clock { return st.clk }

func (st *txState) log(msg string) { st.appendLog("Program log: " + msg) }

func (st *txState) emitData(data []byte) {
	st.appendLog("Program data: " + encodeB64(data))
}

func (st *txState) appendLog(line string) {
	if st.logBytes > maxLogBytes {
		return
	}
	st.logBytes += len(line)
	if st.logBytes > maxLogBytes {
		st.logs = append(st.logs, "Log truncated")
		return
	}
	st.logs = append(st.logs, line)
}

func (st *txState) consume(n uint64) error {
	if st.cuUsed+n > st.cuLimit || st.cuUsed+n < st.cuUsed {
		st.cuUsed = st.cuLimit
		return ErrComputationalBudgetExceeded
	}
	st.cuUsed += n
	return nil
}

func (st *txState) lookup(k solana.PublicKey) (*AccountRef, bool) {
	a, ok := st.work[k]
	if !ok {
		return nil, false
	}
	ref := &AccountRef{Key: k, Account: a}
	for i, key := range st.keys {
		if key == k {
			ref.IsWritable = st.writable[i]
			ref.IsSigner = i < len(st.tx.signatures)
		}
	}
	return ref, true
}

// run executes the top-level instructions in order.
func (st *txState) run() *TxError {
	for i, ix := range st.tx.ixs {
		st.topIndex = i
		ic := &InstructionContext{ProgramID: st.keys[ix.program], Data: ix.data, Depth: 1, tx: st}
		for _, idx := range ix.accounts {
			k := st.keys[idx]
			ic.Accounts = append(ic.Accounts, &AccountRef{Key: k, IsSigner: int(idx) < len(st.tx.signatures),
				IsWritable: st.writable[idx], Account: st.work[k]})
		}
		if err := st.execute(ic); err != nil {
			return &TxError{Kind: TxInstructionError, Index: i, Inner: err}
		}
	}
	return nil
}

// FeeForMessage returns the fee a serialized message would pay, and false when
// its blockhash is no longer valid.
func (b *Bank) FeeForMessage(msg []byte) (uint64, bool, error) {
	r := &wireReader{b: msg}
	tx := &wireTx{}
	if err := decodeMessage(r, tx); err != nil || r.off != len(msg) {
		return 0, false, errDecode
	}
	for _, ix := range tx.ixs {
		if int(ix.program) >= len(tx.keys) {
			return 0, false, errSanitize
		}
	}
	limit, price, err := parseComputeBudget(tx, tx.keys)
	if err != nil {
		return 0, false, err
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if !b.blockhashValidLocked(tx.blockhash) {
		return 0, false, nil
	}
	return uint64(tx.header[0])*b.cfg.LamportsPerSignature + priorityFee(limit, price), true, nil
}
