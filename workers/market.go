package workers

import (
	"context"
	"errors"
	"fmt"
	"math"

	sol "github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/pump"
	"github.com/nitro-runtime/nitro/solana/token"
)

// Lamport budgets beyond the SOL a wallet spends on tokens. The
// dev reserve is an upper bound of what create + dev buy + the launch's lookup table
// cost in rent and fees on both platforms (measured: see TestPumpLaunch).
const (
	devReserveLamports = 60_000_000
	feeReserveLamports = 50_000 // signatures of a packed buy transaction
	keepAliveLamports  = 890_880
)

// market is one launchpad coin as the workers trade it: quotes run on a local copy
// of the curve/pool that each buy advances, so a pack of buys is quoted in order.
type market interface {
	// create returns create + dev buy instructions and the dev's quoted tokens.
	create(dev sol.PublicKey, name, symbol, uri string, devBuy, slip uint64) ([]sol.Instruction, uint64, error)
	// load reads the coin's current state from the chain.
	load(ctx context.Context) error
	// buy quotes lamports on the local state, advances it, and returns the buy.
	buy(user sol.PublicKey, idx int, lamports, slip uint64) ([]sol.Instruction, uint64, error)
	// sell quotes amount on the local state and returns the sell (closing the
	// token account when all is sold) and the lamports it pays out.
	sell(user sol.PublicKey, idx int, amount, slip uint64, closeATA bool) ([]sol.Instruction, uint64, error)
	ata(user sol.PublicKey) sol.PublicKey
	// stats are market cap, price and real SOL liquidity in SOL of the local state.
	stats() (mcap, price, liquidity float64)
	// buyerRent is the rent a first buy costs a wallet (token account, trackers).
	buyerRent() uint64
	// tableKeys are the coin's non-signer, non-program accounts (lookup table).
	tableKeys() []sol.PublicKey
	programs() []sol.PublicKey
	// hotAccounts are the writable accounts every trade of the coin locks (its curve
	// or pool): recent priority fees paid for them price a trade.
	hotAccounts() []sol.PublicKey
}

func newMarket(ctx context.Context, c *solana.Client, platform progress.Platform, mint, creator sol.PublicKey) (market, error) {
	switch platform {
	case progress.PlatformPump:
		return newPumpMarket(ctx, c, mint, creator)
	case progress.PlatformBonk:
		return newBonkMarket(ctx, c, mint, creator)
	}
	return nil, refuse("unknown platform %q", platform)
}

func lamportsOf(sol float64) uint64 { return uint64(math.Round(sol * 1e9)) }
func solOf(lamports uint64) float64 { return float64(lamports) / 1e9 }
func tokensOf(base uint64) float64  { return float64(base) / 1e6 }

// tokenBalance is a token account's amount, 0 when it does not exist.
func tokenBalance(ctx context.Context, c *solana.Client, ata sol.PublicKey) (uint64, error) {
	amt, _, err := c.GetTokenAccountBalance(ctx, ata)
	if errors.Is(err, solana.ErrAccountNotFound) {
		return 0, nil
	}
	return amt, err
}

// pumpMarket trades a create_v2 (Token-2022) pump coin.
type pumpMarket struct {
	c      *solana.Client
	global pump.Global
	fees   pump.FeeConfig
	coin   pump.Coin
	curve  pump.BondingCurve
}

func newPumpMarket(ctx context.Context, c *solana.Client, mint, creator sol.PublicKey) (*pumpMarket, error) {
	accs, err := c.GetMultipleAccounts(ctx, pump.GlobalAddress, pump.FeeConfigAddress)
	if err != nil {
		return nil, fmt.Errorf("read pump global: %w", err)
	}
	if accs[0] == nil || accs[1] == nil {
		return nil, fmt.Errorf("pump global or fee config missing on this cluster: %w", solana.ErrAccountNotFound)
	}
	m := &pumpMarket{c: c}
	if m.global, err = pump.DecodeGlobal(accs[0].Data); err != nil {
		return nil, err
	}
	if m.fees, err = pump.DecodeFeeConfig(accs[1].Data); err != nil {
		return nil, err
	}
	if m.coin, err = pump.NewCoin(mint, token.Token2022ProgramID, creator); err != nil {
		return nil, err
	}
	m.curve = m.global.NewCurve(creator)
	return m, nil
}

func (m *pumpMarket) create(dev sol.PublicKey, name, symbol, uri string, devBuy, slip uint64) ([]sol.Instruction, uint64, error) {
	ix, err := pump.CreateV2(pump.CreateV2Params{Coin: m.coin, User: dev, Name: name, Symbol: symbol, URI: uri})
	if err != nil {
		return nil, 0, err
	}
	m.curve = m.global.NewCurve(dev)
	buy, tokens, err := m.buy(dev, 0, devBuy, slip)
	if err != nil {
		return nil, 0, err
	}
	return append([]sol.Instruction{ix}, buy...), tokens, nil
}

func (m *pumpMarket) load(ctx context.Context) error {
	acc, err := m.c.GetAccountInfo(ctx, m.coin.BondingCurve)
	if err != nil {
		return fmt.Errorf("read bonding curve of %s: %w", m.coin.Mint, err)
	}
	if m.curve, err = pump.DecodeBondingCurve(acc.Data); err != nil {
		return err
	}
	if m.curve.Creator != m.coin.Creator { // the creator vault follows the curve's creator
		m.coin, err = pump.NewCoin(m.coin.Mint, m.coin.TokenProgram, m.curve.Creator)
	}
	return err
}

func (m *pumpMarket) buy(user sol.PublicKey, idx int, lamports, slip uint64) ([]sol.Instruction, uint64, error) {
	q, err := pump.BuyQuote(m.curve, m.fees.For(m.curve), lamports)
	if err != nil {
		return nil, 0, fmt.Errorf("quote buy of %d lamports: %w", lamports, err)
	}
	tr, err := m.global.TraderAt(user, idx, m.curve.IsMayhemMode)
	if err != nil {
		return nil, 0, err
	}
	ix, err := pump.BuyExactSolIn(m.coin, tr, lamports, pump.WithSlippageMin(q.Tokens, slip))
	if err != nil {
		return nil, 0, err
	}
	m.curve = m.curve.AfterBuy(q)
	ata := m.ata(user)
	return []sol.Instruction{token.CreateIdempotentATAAt(user, ata, user, m.coin.Mint, m.coin.TokenProgram), ix}, q.Tokens, nil
}

func (m *pumpMarket) sell(user sol.PublicKey, idx int, amount, slip uint64, closeATA bool) ([]sol.Instruction, uint64, error) {
	q, err := pump.SellQuote(m.curve, m.fees.For(m.curve), amount)
	if err != nil {
		return nil, 0, fmt.Errorf("quote sell of %d tokens: %w", amount, err)
	}
	tr, err := m.global.TraderAt(user, idx, m.curve.IsMayhemMode)
	if err != nil {
		return nil, 0, err
	}
	ix, err := pump.Sell(m.coin, tr, amount, pump.WithSlippageMin(q.Out, slip))
	if err != nil {
		return nil, 0, err
	}
	m.curve = m.curve.AfterSell(q)
	ixs := []sol.Instruction{ix}
	if closeATA {
		ixs = append(ixs, token.CloseAccount(m.coin.TokenProgram, m.ata(user), user, user))
	}
	return ixs, q.Out, nil
}

func (m *pumpMarket) ata(user sol.PublicKey) sol.PublicKey {
	a, _ := m.coin.UserATA(user)
	return a
}

func (m *pumpMarket) stats() (float64, float64, float64) {
	return m.curve.MarketCapSOL(), m.curve.PriceSOL(), solOf(m.curve.RealQuoteReserves)
}

func (m *pumpMarket) buyerRent() uint64 {
	return token.RentExemptMinimum(170) + token.RentExemptMinimum(137) // Token-2022 ATA + volume accumulator
}

func (m *pumpMarket) tableKeys() []sol.PublicKey {
	keys := []sol.PublicKey{pump.GlobalAddress, pump.MintAuthority, pump.EventAuthority,
		pump.GlobalVolumeAccumulatorAddress, pump.FeeConfigAddress, pump.MayhemGlobalParams, pump.MayhemSolVault,
		m.coin.BondingCurve, m.coin.BondingCurveV2, m.coin.AssociatedBondingCurve, m.coin.CreatorVault}
	if a, err := pump.MayhemStateAddress(m.coin.Mint); err == nil {
		keys = append(keys, a)
	}
	if a, err := pump.MayhemTokenVaultAddress(m.coin.Mint); err == nil {
		keys = append(keys, a)
	}
	keys = append(keys, m.global.FeeRecipientList(false)...)
	return append(keys, m.global.BuybackRecipientList()...)
}

func (m *pumpMarket) hotAccounts() []sol.PublicKey { return []sol.PublicKey{m.coin.BondingCurve} }

func (m *pumpMarket) programs() []sol.PublicKey {
	return []sol.PublicKey{pump.ProgramID, token.AssociatedTokenProgramID, token.Token2022ProgramID,
		token.SystemProgramID, solana.ComputeBudgetProgramID, pump.FeeProgramID, pump.MayhemProgramID}
}
