package pump

import (
	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/token"
)

// Units and the fresh-curve values, for genesis and quotes.
const (
	LamportsPerSOL = 1_000_000_000
	TokenDecimals  = 6

	InitialVirtualTokenReserves uint64 = 1_073_000_000_000_000
	InitialVirtualSolReserves   uint64 = 30_000_000_000
	InitialRealTokenReserves    uint64 = 793_100_000_000_000
	TokenTotalSupply            uint64 = 1_000_000_000_000_000

	// MainnetProtocolFeeBps and MainnetCreatorFeeBps are FeeConfig's single flat
	// tier on 2026-10-10 (1.25% in all).
	MainnetProtocolFeeBps uint64 = 95
	MainnetCreatorFeeBps  uint64 = 30
)

var (
	// USDCMint is pump's whitelisted non-SOL quote mint (stable fee tiers).
	USDCMint = solana.MustPublicKeyFromBase58("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")
	wsolMint = token.WSOLMint
)

func keys(s ...string) []solana.PublicKey {
	out := make([]solana.PublicKey, len(s))
	for i, k := range s {
		out[i] = solana.MustPublicKeyFromBase58(k)
	}
	return out
}

// Mainnet recipient lists; the first normal and reserved entries are
// Global.fee_recipient and Global.reserved_fee_recipient.
var (
	MainnetFeeRecipients = keys(
		"62qc2CNXwrYqQScmEdiZFFAnJR262PxWEuNQtxfafNgV", "7VtfL8fvgNfhz17qKRMjzQEXgbdpnHHHQRh54R9jP2RJ",
		"7hTckgnGnLQR6sdH7YkqFTAA7VwTfYFaZ6EhEsU3saCX", "9rPYyANsfQZw3DnDmKE3YCQF5E8oD89UXoHn9JFEhJUz",
		"AVmoTthdrX6tKt4nDjco2D775W2YK3sDhxPcMmzUAmTY", "CebN5WGQ4jvEPvsVU4EoHEpgzq1VV7AbicfhtW4xC9iM",
		"FWsW1xNtWscwNmKv6wVsU1iTzRN6wmmk3MjxRP5tT7hz", "G5UZAVbAf46s7cKWoyKu8kYTip9DGTpbLZ2qa9Aq69dP")
	MainnetReservedFeeRecipients = keys(
		"GesfTA3X2arioaHp8bbKdjG9vJtskViWACZoYvxp4twS", "4budycTjhs9fD6xw62VBducVTNgMgJJ5BgtKq7mAZwn6",
		"8SBKzEQU4nLSzcwF4a74F2iaUDQyTfjGndn6qUWBnrpR", "4UQeTP1T39KZ9Sfxzo3WR5skgsaP6NZa87BAkuazLEKH",
		"8sNeir4QsLsJdYpc9RZacohhK1Y5FLU3nC5LXgYB4aa6", "Fh9HmeLNUMVCvejxCtCL2DbYaRyBFVJ5xrWkLnMH6fdk",
		"463MEnMeGyJekNZFQSTUABBEbLnvMTALbT6ZmsxAbAdq", "6AUH3WEHucYZyC61hqpqYUWVto5qA5hjHuNQ32GNnNxA")
	MainnetBuybackFeeRecipients = keys(
		"5YxQFdt3Tr9zJLvkFccqXVUwhdTWJQc1fFg2YPbxvxeD", "9M4giFFMxmFGXtc3feFzRai56WbBqehoSeRE5GK7gf7",
		"GXPFM2caqTtQYC2cJ5yJRi9VDkpsYZXzYdwYpGnLmtDL", "3BpXnfJaUTiwXnJNe7Ej1rcbzqTTQUvLShZaWazebsVR",
		"5cjcW9wExnJJiqgLjq7DEG75Pm6JBgE1hNv4B2vHXUW6", "EHAAiTxcdDwQ3U4bU6YcMsQGaekdzLS3B5SmYo46kJtL",
		"5eHhjP8JaYkz83CWwvGU2uMUXefd3AazWGx4gpcuEEYD", "A7hAgCzFw14fejgCp387JUJRMNyz4j89JKnhtKU8piqW")
)

// MainnetGlobal returns the mainnet Global as dumped on 2026-10-10.
// Authorities that were not recorded (set-creator, whitelist, holder-reward) are
// zero.
func MainnetGlobal() Global {
	g := Global{
		Initialized:                  true,
		Authority:                    solana.MustPublicKeyFromBase58("FFWtrEQ4B4PKQoVuHYzZq8FabGkVatYzDpEVHsK5rrhF"),
		FeeRecipient:                 MainnetFeeRecipients[0],
		InitialVirtualTokenReserves:  InitialVirtualTokenReserves,
		InitialVirtualSolReserves:    InitialVirtualSolReserves,
		InitialRealTokenReserves:     InitialRealTokenReserves,
		TokenTotalSupply:             TokenTotalSupply,
		FeeBasisPoints:               95,
		WithdrawAuthority:            solana.MustPublicKeyFromBase58("39azUYFWPz3VHgKCf3VChUwbpURdCHRxjWVowf5jUJjg"),
		EnableMigrate:                true,
		PoolMigrationFee:             15_000_001,
		CreatorFeeBasisPoints:        5,
		CreateV2Enabled:              true,
		ReservedFeeRecipient:         MainnetReservedFeeRecipients[0],
		MayhemModeEnabled:            true,
		IsCashbackEnabled:            true,
		BuybackBasisPoints:           5000,
		InitialVirtualQuoteReserves:  4_292_000_000,
		WhitelistedQuoteMints:        [1]solana.PublicKey{USDCMint},
		CreatorFeeConfigurable:       true,
		MaxConfigurableCreatorFeeBps: 300,
		IsHolderRewardEnabled:        true,
		MaxCurveDepth:                1,
	}
	copy(g.FeeRecipients[:], MainnetFeeRecipients[1:])
	copy(g.ReservedFeeRecipients[:], MainnetReservedFeeRecipients[1:])
	copy(g.BuybackFeeRecipients[:], MainnetBuybackFeeRecipients)
	return g
}

// MainnetFeeConfig returns the mainnet FeeConfig of 2026-10-10: one tier from 0,
// protocol 95 + creator 30 + LP 0 bps, the same in flat, stable and exotic. Admin is
// not recorded and is zero.
func MainnetFeeConfig() FeeConfig {
	f := Fees{ProtocolBps: MainnetProtocolFeeBps, CreatorBps: MainnetCreatorFeeBps}
	return FeeConfig{
		Bump:           FeeConfigBump,
		FlatFees:       f,
		FeeTiers:       []FeeTier{{Fees: f}},
		StableFeeTiers: []FeeTier{{Fees: f}},
		ExoticFlatFees: f,
	}
}

// NewCurve returns the curve create_v2 initialises from g for creator.
func (g *Global) NewCurve(creator solana.PublicKey) BondingCurve {
	return BondingCurve{
		VirtualTokenReserves:        g.InitialVirtualTokenReserves,
		VirtualQuoteReserves:        g.InitialVirtualSolReserves,
		RealTokenReserves:           g.InitialRealTokenReserves,
		TokenTotalSupply:            g.TokenTotalSupply,
		Creator:                     creator,
		InitialVirtualQuoteReserves: g.InitialVirtualSolReserves,
	}
}
