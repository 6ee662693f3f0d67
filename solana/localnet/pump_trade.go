package localnet

import (
	"github.com/gagliardetto/solana-go"
)

// pump buy / buy_exact_sol_in / sell on the legacy 18/18/16-account form.

// pumpTrade is a validated trade: the accounts and decoded state.
type pumpTrade struct {
	ic                                             *InstructionContext
	g                                              pumpGlobal
	c                                              pumpCurve
	fees                                           pumpFees
	feeRecipient, mint, curve, curveATA, userATA   *AccountRef
	user, creatorVault, tokenProgram, uva, buyback *AccountRef
}

// Indices that differ between buy and sell (creator_vault and token_program
// are swapped).
type pumpTradeLayout struct {
	fixed, creatorVault, tokenProgram, feeConfig, feeProgram int
	isBuy                                                    bool
}

var (
	pumpBuyLayout  = pumpTradeLayout{fixed: 16, creatorVault: 9, tokenProgram: 8, feeConfig: 14, feeProgram: 15, isBuy: true}
	pumpSellLayout = pumpTradeLayout{fixed: 14, creatorVault: 8, tokenProgram: 9, feeConfig: 12, feeProgram: 13}
)

// loadPumpTrade runs the account checks shared by buy and sell.
func loadPumpTrade(ic *InstructionContext, lay pumpTradeLayout) (*pumpTrade, error) {
	l, err := newAccountList(ic, lay.fixed)
	if err != nil {
		return nil, err
	}
	t := &pumpTrade{ic: ic, g: pumpLoadGlobal(l, 0)}
	if err := t.checkCore(l, lay); err != nil {
		return nil, err
	}
	t.c = decodePumpCurve(t.curve.Data)
	feeConfig, err := t.checkPDAs(l, lay)
	if err != nil {
		return nil, err
	}
	if err := t.checkTokenAccounts(); err != nil {
		return nil, err
	}
	t.fees = selectPumpFees(feeConfig.Data, &t.c)
	if t.c.creator.IsZero() {
		t.fees.creator = 0
	}
	return t, t.loadRemaining(lay)
}

// checkCore checks accounts 0-7 and the token program.
func (t *pumpTrade) checkCore(l *accountList, lay pumpTradeLayout) error {
	t.feeRecipient = l.mut(1)
	t.mint = l.at(2)
	t.curve = l.mut(3)
	mint := t.mint.Key
	l.pda(3, PumpProgramID, []byte("bonding-curve"), mint[:])
	l.typed(3, PumpProgramID, pumpCurveDisc)
	t.tokenProgram = l.at(lay.tokenProgram)
	if !isTokenProgram(t.tokenProgram.Key) {
		l.fail(errInvalidProgramID)
	}
	t.curveATA = l.mut(4)
	l.pda(4, solana.SPLAssociatedTokenAccountProgramID, t.curve.Key[:], t.tokenProgram.Key[:], mint[:])
	t.userATA = l.mut(5)
	t.user = l.signer(6)
	l.mut(6)
	l.program(7, solana.SystemProgramID)
	return l.err
}

// checkPDAs checks the creator vault, event authority, volume accumulators
// and fee config; it returns the FeeConfig account.
func (t *pumpTrade) checkPDAs(l *accountList, lay pumpTradeLayout) (*AccountRef, error) {
	t.creatorVault = l.mut(lay.creatorVault)
	l.pda(lay.creatorVault, PumpProgramID, []byte("creator-vault"), t.c.creator[:])
	l.pda(10, PumpProgramID, []byte("__event_authority"))
	l.address(11, PumpProgramID)
	if lay.isBuy {
		l.pda(12, PumpProgramID, []byte("global_volume_accumulator"))
		t.uva = l.mut(13)
		l.pda(13, PumpProgramID, []byte("user_volume_accumulator"), t.user.Key[:])
	}
	l.pda(lay.feeConfig, PumpFeeProgramID, []byte("fee_config"), PumpProgramID[:])
	feeConfig := l.typed(lay.feeConfig, PumpFeeProgramID, pumpFeeConfigDisc)
	l.address(lay.feeProgram, PumpFeeProgramID)
	return feeConfig, l.err
}

// checkTokenAccounts verifies the mint's program and the user's token account.
func (t *pumpTrade) checkTokenAccounts() error {
	if t.mint.Account == nil || t.mint.Owner != t.tokenProgram.Key {
		return errAccountOwnedByWrongProgram
	}
	u := t.userATA
	switch {
	case u.Account == nil || u.Lamports == 0:
		return errAccountNotInitialized
	case u.Owner != t.tokenProgram.Key:
		return errAccountOwnedByWrongProgram
	case keyAt(u.Data, 0) != t.mint.Key:
		return errConstraintTokenMint
	case keyAt(u.Data, 32) != t.user.Key:
		return errConstraintTokenOwner
	}
	return nil
}

// loadRemaining checks bonding_curve_v2 and the buyback recipient that
// follow the fixed accounts (cashback coins' sells first take the user's
// volume accumulator).
func (t *pumpTrade) loadRemaining(lay pumpTradeLayout) error {
	rest := t.ic.Accounts[lay.fixed:]
	if !lay.isBuy && t.c.cashback && len(rest) > 0 {
		t.uva = rest[0]
		rest = rest[1:]
	}
	v2, _ := findPDA(PumpProgramID, []byte("bonding-curve-v2"), t.mint.Key[:])
	if len(rest) == 0 || rest[0].Key != v2 {
		return pumpErrInvalidBondingCurveV2
	}
	if len(rest) < 2 {
		return pumpErrBuybackMissing
	}
	if !t.g.isBuybackRecipient(rest[1].Key) {
		return pumpErrBuybackNotAuthorized
	}
	t.buyback = rest[1]
	if !t.g.isFeeRecipient(t.feeRecipient.Key, t.c.mayhem) {
		return pumpErrNotAuthorized
	}
	return nil
}

// pumpBuy handles buy (exact tokens) and buy_exact_sol_in (exact budget).
func pumpBuy(ic *InstructionContext, r *borshReader, exactSolIn bool) error {
	if err := ic.ConsumeCU(pumpCUTrade); err != nil {
		return err
	}
	t, err := loadPumpTrade(ic, pumpBuyLayout)
	if err != nil {
		return err
	}
	first, second := r.u64(), r.u64()
	trackVolume := r.optU8() == 1
	if r.err != nil {
		return errInstructionDidNotDeserialize
	}
	if t.c.complete {
		return pumpErrBondingCurveComplete
	}
	amount, maxCost, cost := first, second, uint64(0)
	if exactSolIn {
		if amount, cost, err = t.quoteBudget(first, second); err != nil {
			return err
		}
		maxCost = first
	} else {
		if amount == 0 {
			return pumpErrBuyZeroAmount
		}
		if amount > t.c.realToken {
			return pumpErrNotEnoughTokensToBuy
		}
		var ok bool
		if cost, ok = pumpBuyCost(&t.c, amount); !ok {
			return pumpErrOverflow
		}
	}
	protocolFee, creatorFee := pumpFeeAmounts(cost, t.fees)
	if cost+protocolFee+creatorFee > maxCost {
		return pumpErrTooMuchSolRequired
	}
	return t.settleBuy(amount, cost, protocolFee, creatorFee, trackVolume)
}

// quoteBudget quotes buy_exact_sol_in: the net lamports after fees go into
// the curve and buy floor((net−1)×vt/(vq+net−1)) tokens. A budget worth more
// than the curve holds buys what is left at buy's price (UNVERIFIED: the
// legacy program may fail with NotEnoughTokensToBuy instead).
func (t *pumpTrade) quoteBudget(budget, minOut uint64) (tokens, cost uint64, err error) {
	net, tokens, ok := pumpTokensForBudget(&t.c, budget, t.fees)
	if !ok {
		return 0, 0, pumpErrOverflow
	}
	cost = net
	if tokens > t.c.realToken {
		tokens = t.c.realToken
		if cost, ok = pumpBuyCost(&t.c, tokens); !ok {
			return 0, 0, pumpErrOverflow
		}
	}
	if tokens == 0 {
		return 0, 0, pumpErrBuyZeroAmount
	}
	if tokens < minOut {
		return 0, 0, pumpErrBelowMinTokensOut
	}
	return tokens, cost, nil
}

// splitProtocolFee gives Global.buyback_basis_points of the protocol fee to
// the buyback recipient (UNVERIFIED split).
func (t *pumpTrade) splitProtocolFee(fee uint64) (recipient, buyback uint64) {
	buyback, _ = mulDiv(fee, min(t.g.buybackBasisPoints, 10_000), 10_000)
	return fee - buyback, buyback
}

// buyPayments checks the buyer can pay and returns the creator-vault
// payment: the first creator-fee credit tops the vault up to rent exemption.
func (t *pumpTrade) buyPayments(cost, protocolFee, creatorFee uint64) (creatorPay uint64, err error) {
	uvaRent := uint64(0)
	if t.uva.Account == nil || t.uva.Owner != PumpProgramID {
		uvaRent = RentExemptMinimum(pumpUserVolumeSize)
	}
	creatorPay = creatorFee
	if floor := RentExemptMinimum(0); creatorFee > 0 && t.creatorVault.Lamports+creatorFee < floor {
		creatorPay = floor - t.creatorVault.Lamports
	}
	total := cost + protocolFee + creatorPay
	if t.user.Lamports < total {
		return 0, pumpErrNotEnoughSolForFees
	}
	if t.user.Lamports < total+uvaRent {
		return 0, pumpErrNotEnoughSolForRent
	}
	return creatorPay, nil
}

// settleBuy moves lamports and tokens and updates the curve.
func (t *pumpTrade) settleBuy(amount, cost, protocolFee, creatorFee uint64, track bool) error {
	ic, user := t.ic, t.user.Key
	creatorPay, err := t.buyPayments(cost, protocolFee, creatorFee)
	if err != nil {
		return err
	}
	toRecipient, toBuyback := t.splitProtocolFee(protocolFee)
	for _, x := range []struct {
		to  solana.PublicKey
		amt uint64
	}{{t.curve.Key, cost}, {t.feeRecipient.Key, toRecipient}, {t.buyback.Key, toBuyback}, {t.creatorVault.Key, creatorPay}} {
		if err := cpiTransfer(ic, user, x.to, x.amt); err != nil {
			return err
		}
	}
	mint := t.mint.Key
	if err := cpiTransferChecked(ic, t.tokenProgram.Key, t.curveATA.Key, mint, t.userATA.Key, t.curve.Key,
		amount, mintDecimals(t.mint), []byte("bonding-curve"), mint[:]); err != nil {
		return err
	}
	t.c.virtualToken -= amount
	t.c.virtualSol += cost
	t.c.realToken -= amount
	t.c.realSol += cost
	if err := t.updateUserVolume(cost, track); err != nil {
		return err
	}
	return t.finish(cost, amount, true, protocolFee, creatorFee)
}

// updateUserVolume creates the user's volume accumulator on first use and
// adds the trade's SOL volume when tracking is on. Layout past the user key
// is UNVERIFIED: current_sol_volume @57, last_update_timestamp @65.
func (t *pumpTrade) updateUserVolume(cost uint64, track bool) error {
	ic, user := t.ic, t.user.Key
	if t.uva.Account == nil || t.uva.Owner != PumpProgramID {
		if err := cpiCreateAccount(ic, user, t.uva.Key, pumpUserVolumeSize, PumpProgramID, []byte("user_volume_accumulator"), user[:]); err != nil {
			return err
		}
		ref, _ := ic.Lookup(t.uva.Key)
		ref.Data = append(append(append([]byte{}, pumpUserVolumeDisc[:]...), user[:]...), make([]byte, pumpUserVolumeSize-40)...)
	}
	ref, _ := ic.Lookup(t.uva.Key)
	if track && len(ref.Data) >= 73 {
		put64(ref.Data, 57, le64(ref.Data, 57)+cost)
		put64(ref.Data, 65, uint64(ic.Clock().UnixTimestamp))
	}
	return nil
}

// finish writes the curve, marks it complete when the last token is sold
// and emits TradeEvent (and CompleteEvent).
func (t *pumpTrade) finish(sol, tokens uint64, isBuy bool, protocolFee, creatorFee uint64) error {
	if t.c.realToken == 0 {
		t.c.complete = true
	}
	ref, _ := t.ic.Lookup(t.curve.Key)
	t.c.putReserves(ref.Data)
	now := t.ic.Clock().UnixTimestamp
	w := &borshWriter{}
	w.raw(pumpTradeEventDisc[:]).key(t.mint.Key).u64(sol).u64(tokens).boolean(isBuy).key(t.user.Key).i64(now)
	w.u64(t.c.virtualSol).u64(t.c.virtualToken).u64(t.c.realSol).u64(t.c.realToken)
	w.key(t.feeRecipient.Key).u64(t.fees.protocol).u64(protocolFee).key(t.c.creator).u64(t.fees.creator).u64(creatorFee)
	t.ic.EmitEvent(w.b)
	if t.c.complete {
		c := &borshWriter{}
		c.raw(pumpCompleteEventDisc[:]).key(t.user.Key).key(t.mint.Key).key(t.curve.Key).i64(now)
		t.ic.EmitEvent(c.b)
	}
	return nil
}

// mintDecimals reads a mint's decimals (u8 @44).
func mintDecimals(m *AccountRef) uint8 {
	if m.Account == nil || len(m.Data) < 45 {
		return 0
	}
	return m.Data[44]
}

// pumpSell sells tokens back to the curve; lamports leave the curve account
// directly (the program owns it).
func pumpSell(ic *InstructionContext, r *borshReader) error {
	if err := ic.ConsumeCU(pumpCUTrade); err != nil {
		return err
	}
	t, err := loadPumpTrade(ic, pumpSellLayout)
	if err != nil {
		return err
	}
	amount, minOut := r.u64(), r.u64()
	if r.err != nil {
		return errInstructionDidNotDeserialize
	}
	switch {
	case t.c.complete:
		return pumpErrBondingCurveComplete
	case amount == 0:
		return pumpErrSellZeroAmount
	case tokenAmount(t.userATA.Account) < amount:
		return pumpErrNotEnoughTokensToSell
	}
	gross, ok := pumpSellProceeds(&t.c, amount)
	if !ok {
		return pumpErrOverflow
	}
	protocolFee, creatorFee := pumpFeeAmounts(gross, t.fees)
	if gross > t.c.realSol || protocolFee+creatorFee > gross {
		return pumpErrNotEnoughTokensToSell
	}
	out := gross - protocolFee - creatorFee
	if out < minOut {
		return pumpErrTooLittleSolReceived
	}
	if t.curve.Lamports < gross+RentExemptMinimum(len(t.curve.Data)) {
		return pumpErrOverflow
	}
	mint := t.mint.Key
	if err := cpiTransferChecked(ic, t.tokenProgram.Key, t.userATA.Key, mint, t.curveATA.Key, t.user.Key,
		amount, mintDecimals(t.mint)); err != nil {
		return err
	}
	// Look the accounts up again: the CPI may have refreshed the working copies.
	toRecipient, toBuyback := t.splitProtocolFee(protocolFee)
	t.live(t.curve).Lamports -= gross
	for _, x := range []struct {
		to  *AccountRef
		amt uint64
	}{{t.user, out}, {t.feeRecipient, toRecipient}, {t.buyback, toBuyback}, {t.creatorVault, creatorFee}} {
		t.live(x.to).Lamports += x.amt
	}
	t.c.virtualToken += amount
	t.c.virtualSol -= gross
	t.c.realToken += amount
	t.c.realSol -= gross
	return t.finish(gross, amount, false, protocolFee, creatorFee)
}

// live returns the transaction's current working copy of a.
func (t *pumpTrade) live(a *AccountRef) *AccountRef {
	if ref, ok := t.ic.Lookup(a.Key); ok && ref.Account != nil {
		return ref
	}
	return a
}
