package workers

import (
	"context"
	"fmt"

	sol "github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/bonk"
	"github.com/nitro-runtime/nitro/solana/pump"
	"github.com/nitro-runtime/nitro/solana/token"
)

// bonkMarket trades a LaunchLab (letsbonk) coin quoted in WSOL.
type bonkMarket struct {
	c      *solana.Client
	global bonk.GlobalConfig
	rates  bonk.FeeRates
	pool   bonk.Pool
	state  bonk.PoolState
}

func newBonkMarket(ctx context.Context, c *solana.Client, mint, creator sol.PublicKey) (*bonkMarket, error) {
	pool, err := bonk.NewPool(mint, creator, sol.PublicKey{}, sol.PublicKey{})
	if err != nil {
		return nil, err
	}
	accs, err := c.GetMultipleAccounts(ctx, pool.GlobalConfig, pool.PlatformConfig)
	if err != nil {
		return nil, fmt.Errorf("read LaunchLab configs: %w", err)
	}
	if accs[0] == nil || accs[1] == nil {
		return nil, fmt.Errorf("LaunchLab global or platform config missing on this cluster: %w", solana.ErrAccountNotFound)
	}
	m := &bonkMarket{c: c, pool: pool}
	if m.global, err = bonk.DecodeGlobalConfig(accs[0].Data); err != nil {
		return nil, err
	}
	platform, err := bonk.DecodePlatformConfig(accs[1].Data)
	if err != nil {
		return nil, err
	}
	m.rates = bonk.Rates(m.global, platform, 0)
	return m, nil
}

func (m *bonkMarket) create(dev sol.PublicKey, name, symbol, uri string, devBuy, slip uint64) ([]sol.Instruction, uint64, error) {
	params := bonk.InitializeV2Params{Payer: dev, Creator: dev, BaseMint: m.pool.BaseMint, Pool: m.pool,
		Name: name, Symbol: symbol, URI: uri}
	ix, err := bonk.InitializeV2(params)
	if err != nil {
		return nil, 0, err
	}
	if m.state, err = bonk.NewPoolState(params, m.global); err != nil {
		return nil, 0, err
	}
	buy, tokens, err := m.buy(dev, 0, devBuy, slip)
	if err != nil {
		return nil, 0, err
	}
	return append([]sol.Instruction{ix}, buy...), tokens, nil
}

func (m *bonkMarket) hotAccounts() []sol.PublicKey { return []sol.PublicKey{m.pool.Address} }

func (m *bonkMarket) load(ctx context.Context) error {
	acc, err := m.c.GetAccountInfo(ctx, m.pool.Address)
	if err != nil {
		return fmt.Errorf("read pool of %s: %w", m.pool.BaseMint, err)
	}
	if m.state, err = bonk.DecodePoolState(acc.Data); err != nil {
		return err
	}
	if m.state.Status != 0 {
		return fmt.Errorf("pool of %s is no longer trading (status %d): %w", m.pool.BaseMint, m.state.Status, solana.ErrCurveComplete)
	}
	m.pool, err = m.state.Keys(m.pool.Address)
	return err
}

func (m *bonkMarket) buy(user sol.PublicKey, _ int, lamports, slip uint64) ([]sol.Instruction, uint64, error) {
	q, err := bonk.BuyExactInQuote(m.state, m.rates, lamports)
	if err != nil {
		return nil, 0, fmt.Errorf("quote buy of %d lamports: %w", lamports, err)
	}
	ixs, err := bonk.BuyWithSOL(m.pool, bonk.Trade{User: user, AmountIn: lamports, MinimumAmountOut: pump.WithSlippageMin(q.BaseOut, slip)})
	if err != nil {
		return nil, 0, err
	}
	m.state = m.state.AfterBuy(q)
	return ixs, q.BaseOut, nil
}

func (m *bonkMarket) sell(user sol.PublicKey, _ int, amount, slip uint64, closeATA bool) ([]sol.Instruction, uint64, error) {
	q, err := bonk.SellExactInQuote(m.state, m.rates, amount)
	if err != nil {
		return nil, 0, fmt.Errorf("quote sell of %d tokens: %w", amount, err)
	}
	ixs, err := bonk.SellForSOL(m.pool, bonk.Trade{User: user, AmountIn: amount, MinimumAmountOut: pump.WithSlippageMin(q.QuoteOut, slip)})
	if err != nil {
		return nil, 0, err
	}
	m.state = m.state.AfterSell(q)
	if closeATA {
		ixs = append(ixs, token.CloseAccount(m.pool.BaseTokenProgram, m.ata(user), user, user))
	}
	return ixs, q.QuoteOut, nil
}

func (m *bonkMarket) ata(user sol.PublicKey) sol.PublicKey {
	a, _ := token.AssociatedAddress(user, m.pool.BaseMint, m.pool.BaseTokenProgram)
	return a
}

func (m *bonkMarket) stats() (float64, float64, float64) {
	return m.state.MarketCapSOL(), m.state.PriceSOL(), solOf(m.state.RealQuote)
}

func (m *bonkMarket) buyerRent() uint64 {
	return 2 * token.RentExemptMinimum(165) // base ATA + the WSOL ATA held during the buy
}

func (m *bonkMarket) tableKeys() []sol.PublicKey {
	keys := []sol.PublicKey{bonk.Authority, bonk.EventAuthority, m.pool.GlobalConfig, m.pool.PlatformConfig,
		m.pool.Address, m.pool.BaseVault, m.pool.QuoteVault, m.pool.QuoteMint, m.pool.PlatformFeeVault,
		m.pool.CreatorFeeVault, token.RentSysvarID}
	if md, err := bonk.MetadataAddress(m.pool.BaseMint); err == nil {
		keys = append(keys, md)
	}
	return keys
}

func (m *bonkMarket) programs() []sol.PublicKey {
	return []sol.PublicKey{bonk.ProgramID, token.AssociatedTokenProgramID, token.TokenProgramID,
		token.SystemProgramID, solana.ComputeBudgetProgramID, token.MetadataProgramID}
}
