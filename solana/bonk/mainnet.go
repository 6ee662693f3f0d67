package bonk

import (
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/token"
)

// Mainnet fee rates (millionths). The trade fee is Raydium's API snapshot of
// 6s1x…; letsbonk's platform rates were not observed: 1% is what
// indexers show for several platforms, and a zero creator rate makes the total 1.25%,
// the rate of the tests' worked example.
const (
	MainnetTradeFeeRate       uint64 = 2_500
	LetsBonkPlatformFeeRate   uint64 = 10_000 // ASSUMED
	LetsBonkCreatorFeeRate    uint64 = 0      // ASSUMED
	MainnetMinQuoteFundRaise  uint64 = 30_000_000_000
	MainnetMaxShareFeeRate    uint64 = 10_000
	mainnetMinBaseSupply      uint64 = 10_000_000
	mainnetMaxLockRate        uint64 = 300_000
	mainnetMinBaseSellRate    uint64 = 200_000
	mainnetMinBaseMigrateRate uint64 = 200_000
)

// MainnetGlobalConfig returns the WSOL constant-product GlobalConfig (6s1x…) as
// Raydium's config API reports it.
func MainnetGlobalConfig() GlobalConfig {
	return GlobalConfig{
		Epoch:                 772,
		CurveType:             0,
		Index:                 0,
		MigrateFee:            0,
		TradeFeeRate:          MainnetTradeFeeRate,
		MaxShareFeeRate:       MainnetMaxShareFeeRate,
		MinBaseSupply:         mainnetMinBaseSupply,
		MaxLockRate:           mainnetMaxLockRate,
		MinBaseSellRate:       mainnetMinBaseSellRate,
		MinBaseMigrateRate:    mainnetMinBaseMigrateRate,
		MinQuoteFundRaising:   MainnetMinQuoteFundRaise,
		QuoteMint:             token.WSOLMint,
		ProtocolFeeOwner:      ProtocolFeeOwnerMainnet,
		MigrateFeeOwner:       solana.MustPublicKeyFromBase58("rayHQtJKrtvqUs3HnhDW9RKubHRbu87eESKEYD5xosa"),
		MigrateToAMMWallet:    solana.MustPublicKeyFromBase58("RAYzrepoBdjSFg7MZj2vy4XBSv2azKRXC72ztUMZMJB"),
		MigrateToCPSwapWallet: solana.MustPublicKeyFromBase58("RAYpQbFNq9i3mu6cKpTKKRwwHFDeK5AuZz8xvxUrCgw"),
	}
}

// LetsBonkPlatform returns letsbonk's PlatformConfig (FfYek5…) for genesis. The fee
// rates are ASSUMED (see the constants) and the fee wallet is set to the platform
// admin, since neither was observed; read the real account when on mainnet.
func LetsBonkPlatform() PlatformConfig {
	return PlatformConfig{
		PlatformFeeWallet: LetsBonkPlatformAdmin,
		FeeRate:           LetsBonkPlatformFeeRate,
		CreatorFeeRate:    LetsBonkCreatorFeeRate,
		Name:              "letsbonk",
		Web:               "https://letsbonk.fun",
	}
}

// MainnetRates are the fee rates of a letsbonk trade without a share fee.
func MainnetRates() FeeRates {
	return Rates(MainnetGlobalConfig(), LetsBonkPlatform(), 0)
}

// NewPoolState returns the PoolState initialize_v2 creates for p (for genesis and
// the built-in cluster): virtual reserves from CurveInit, nothing sold yet.
func NewPoolState(p InitializeV2Params, g GlobalConfig) (PoolState, error) {
	c := p.Curve.withDefaults()
	vb, vq, err := CurveInit(c.Supply, c.TotalBaseSell, c.TotalQuoteFundRaising, g.MigrateFee, p.Vesting.TotalLockedAmount)
	if err != nil {
		return PoolState{}, fmt.Errorf("new pool state: %w", err)
	}
	dec := p.Decimals
	if dec == 0 {
		dec = DefaultDecimals
	}
	return PoolState{
		AuthBump: AuthorityBump, BaseDecimals: dec, QuoteDecimals: 9, MigrateType: c.MigrateType,
		Supply: c.Supply, TotalBaseSell: c.TotalBaseSell, VirtualBase: vb, VirtualQuote: vq,
		TotalQuoteFundRaising: c.TotalQuoteFundRaising, MigrateFee: g.MigrateFee,
		Vesting: Vesting{TotalLockedAmount: p.Vesting.TotalLockedAmount,
			CliffPeriod: p.Vesting.CliffPeriod, UnlockPeriod: p.Vesting.UnlockPeriod},
		GlobalConfig: p.Pool.GlobalConfig, PlatformConfig: p.Pool.PlatformConfig,
		BaseMint: p.BaseMint, QuoteMint: p.Pool.QuoteMint, BaseVault: p.Pool.BaseVault,
		QuoteVault: p.Pool.QuoteVault, Creator: p.Creator,
	}, nil
}
