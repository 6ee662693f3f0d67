package localnet

import (
	"github.com/gagliardetto/solana-go"
)

// LaunchLab buy_exact_in / sell_exact_in. Protocol and platform fees stay in
// the quote vault and accumulate in PoolState (quote_protocol_fee,
// platform_fee) for later claims; the creator fee is paid to the creator
// fee vault (PDA [creator, quote_mint], created on first use). Which fees
// the newest program pays out at trade time is UNVERIFIED.

// llTradeCtx is a validated trade.
type llTradeCtx struct {
	ic                                         *InstructionContext
	pool                                       llPool
	rates                                      llFeeRates
	user, poolRef, userBase, userQuote         *AccountRef
	baseVault, quoteVault, baseMint, quoteMint *AccountRef
	baseProgram, quoteProgram                  solana.PublicKey
	creatorVault                               *AccountRef
}

// llLoadTrade checks the 15 fixed accounts and the 3 trailing ones.
func llLoadTrade(ic *InstructionContext, shareFeeRate uint64) (*llTradeCtx, error) {
	l, err := newAccountList(ic, 15)
	if err != nil {
		return nil, err
	}
	t := &llTradeCtx{ic: ic, user: l.signer(0)}
	l.mut(0)
	l.pda(1, LaunchLabProgramID, []byte("vault_auth_seed"))
	gc := l.typed(2, LaunchLabProgramID, llGlobalConfigDisc)
	pc := l.typed(3, LaunchLabProgramID, llPlatformDisc)
	t.poolRef = l.mut(4)
	l.typed(4, LaunchLabProgramID, llPoolStateDisc)
	if l.err != nil {
		return nil, l.err
	}
	t.pool = decodeLLPool(t.poolRef.Data)
	l.address(2, t.pool.globalConfig)
	l.address(3, t.pool.platformConfig)
	t.userBase, t.userQuote = l.mut(5), l.mut(6)
	t.baseVault = l.mut(7)
	l.address(7, t.pool.baseVault)
	t.quoteVault = l.mut(8)
	l.address(8, t.pool.quoteVault)
	t.baseMint = l.address(9, t.pool.baseMint)
	t.quoteMint = l.address(10, t.pool.quoteMint)
	t.baseProgram, t.quoteProgram = l.at(11).Key, l.at(12).Key
	if t.baseMint.Owner != t.baseProgram || t.quoteMint.Owner != t.quoteProgram {
		l.fail(errInvalidProgramID)
	}
	l.pda(13, LaunchLabProgramID, []byte("__event_authority"))
	l.address(14, LaunchLabProgramID)
	if l.err != nil {
		return nil, l.err
	}
	g := decodeLLGlobal(gc.Data)
	if shareFeeRate > 0 {
		// A referral share needs the share receiver account; not modelled.
		return nil, llErrInvalidInput
	}
	t.rates = llFeeRates{trade: g.tradeFeeRate, platform: le64(pc.Data, 104), creator: le64(pc.Data, 720)}
	if t.rates.total() >= llRateDenominator {
		return nil, llErrInvalidInput
	}
	return t, t.loadFeeVaults()
}

// loadFeeVaults checks system program, platform and creator fee vaults.
func (t *llTradeCtx) loadFeeVaults() error {
	rest := t.ic.Accounts[15:]
	if len(rest) < 3 {
		if t.rates.creator > 0 {
			return errAccountNotEnoughKeys
		}
		return nil
	}
	q := t.pool.quoteMint
	switch {
	case rest[0].Key != solana.SystemProgramID:
		return errInvalidProgramID
	case rest[1].Key != mustPDA(LaunchLabProgramID, t.pool.platformConfig[:], q[:]):
		return errConstraintSeeds
	case rest[2].Key != mustPDA(LaunchLabProgramID, t.pool.creator[:], q[:]):
		return errConstraintSeeds
	}
	t.creatorVault = rest[2]
	return nil
}

func mustPDA(program solana.PublicKey, seeds ...[]byte) solana.PublicKey {
	k, _ := findPDA(program, seeds...)
	return k
}

func llTrade(ic *InstructionContext, r *borshReader, isBuy bool) error {
	if err := ic.ConsumeCU(llCUTrade); err != nil {
		return err
	}
	amountIn, minOut, share := r.u64(), r.u64(), r.u64()
	if r.err != nil {
		return errInstructionDidNotDeserialize
	}
	t, err := llLoadTrade(ic, share)
	if err != nil {
		return err
	}
	if t.pool.status != 0 {
		return llErrPoolMigrated
	}
	if amountIn == 0 {
		return llErrInvalidInput
	}
	if isBuy {
		return t.buy(amountIn, minOut)
	}
	return t.sell(amountIn, minOut)
}

func (t *llTradeCtx) buy(amountIn, minOut uint64) error {
	taken, fee, out, ok := llBuyQuote(&t.pool, amountIn, t.rates)
	if !ok {
		return llErrMathOverflow
	}
	if out < minOut || out == 0 {
		return llErrExceededSlippage
	}
	protocol, platform, _, creator := t.rates.split(fee)
	ic, user := t.ic, t.user.Key
	if err := cpiTransferChecked(ic, t.quoteProgram, t.userQuote.Key, t.quoteMint.Key, t.quoteVault.Key, user,
		taken-creator, mintDecimals(t.quoteMint)); err != nil {
		return err
	}
	if err := t.payCreator(t.userQuote.Key, user, creator, nil); err != nil {
		return err
	}
	if err := cpiTransferChecked(ic, t.baseProgram, t.baseVault.Key, t.baseMint.Key, t.userBase.Key, llAuthority,
		out, mintDecimals(t.baseMint), []byte("vault_auth_seed")); err != nil {
		return err
	}
	t.pool.realBase += out
	t.pool.realQuote += taken - fee
	t.pool.protocolFee += protocol
	t.pool.platformFee += platform
	if t.pool.realBase >= t.pool.totalBaseSell {
		t.pool.status = 1
	}
	return t.finish(taken, out, fee, true)
}

func (t *llTradeCtx) sell(amount, minOut uint64) error {
	if amount > t.pool.realBase || tokenAmount(t.userBase.Account) < amount {
		return llErrInvalidInput
	}
	gross, fee, out, ok := llSellQuote(&t.pool, amount, t.rates)
	if !ok || gross > t.pool.realQuote {
		return llErrMathOverflow
	}
	if out < minOut {
		return llErrExceededSlippage
	}
	protocol, platform, _, creator := t.rates.split(fee)
	ic, auth := t.ic, []byte("vault_auth_seed")
	if err := cpiTransferChecked(ic, t.baseProgram, t.userBase.Key, t.baseMint.Key, t.baseVault.Key, t.user.Key,
		amount, mintDecimals(t.baseMint)); err != nil {
		return err
	}
	if err := cpiTransferChecked(ic, t.quoteProgram, t.quoteVault.Key, t.quoteMint.Key, t.userQuote.Key, llAuthority,
		out, mintDecimals(t.quoteMint), auth); err != nil {
		return err
	}
	if err := t.payCreator(t.quoteVault.Key, llAuthority, creator, auth); err != nil {
		return err
	}
	t.pool.realBase -= amount
	t.pool.realQuote -= gross
	t.pool.protocolFee += protocol
	t.pool.platformFee += platform
	return t.finish(out, amount, fee, false)
}

// payCreator moves the creator fee into the creator fee vault, creating
// that token account (owner: the creator fee vault authority) on first use.
func (t *llTradeCtx) payCreator(from, auth solana.PublicKey, amount uint64, seeds []byte) error {
	if amount == 0 || t.creatorVault == nil {
		return nil
	}
	v := t.creatorVault
	if v.Account == nil || v.Owner != t.quoteProgram {
		q := t.pool.quoteMint
		if err := cpiCreateAccount(t.ic, t.user.Key, v.Key, llTokenAcctSize, t.quoteProgram, t.pool.creator[:], q[:]); err != nil {
			return err
		}
		if err := cpiInitializeAccount3(t.ic, t.quoteProgram, v.Key, q, llCreatorVaultAuth); err != nil {
			return err
		}
	}
	var s [][]byte
	if seeds != nil {
		s = [][]byte{seeds}
	}
	return cpiTransferChecked(t.ic, t.quoteProgram, from, t.quoteMint.Key, v.Key, auth, amount, mintDecimals(t.quoteMint), s...)
}

// finish writes the pool and emits TradeEvent.
func (t *llTradeCtx) finish(amountIn, amountOut, fee uint64, isBuy bool) error {
	ref, _ := t.ic.Lookup(t.poolRef.Key)
	t.pool.putTrading(ref.Data)
	w := &borshWriter{}
	w.raw(llTradeEventDisc[:]).key(t.poolRef.Key).u64(t.pool.totalBaseSell).u64(t.pool.virtualBase).u64(t.pool.virtualQuote)
	w.u64(t.pool.realBase).u64(t.pool.realQuote).u64(amountIn).u64(amountOut).u64(fee).boolean(isBuy).u8(t.pool.status)
	t.ic.EmitEvent(w.b)
	return nil
}
