package pump

import (
	"github.com/nitro-runtime/nitro/solana/internal/layout"

	"errors"

	"github.com/gagliardetto/solana-go"
)

// Account discriminators and sizes.
var (
	DiscGlobal                  = disc("a7e8e8b1c86c727f")
	DiscBondingCurve            = disc("17b7f83760d8ac60")
	DiscFeeConfig               = disc("8f3492bbdb7b4c9b")
	DiscGlobalVolumeAccumulator = disc("ca2af62b8ebe1eff")
	DiscUserVolumeAccumulator   = disc("56ff700e66359afa")
)

const (
	// GlobalSize is the mainnet Global size (2026-10-10).
	GlobalSize = 1088
	// BondingCurveSize is the newest curve layout; older curves are shorter.
	BondingCurveSize = 166
	// BondingCurveMinSize is the original 49-byte curve (through complete).
	BondingCurveMinSize = 49
	// FeeConfigSize is the allocated size of the FeeConfig account.
	FeeConfigSize = 4097
	// UserVolumeAccumulatorSize is the on-chain size created on a first buy.
	UserVolumeAccumulatorSize = 137

	globalMinSize  = 162 // through creator_fee_basis_points
	maxAccountSize = layout.MaxAccountSize
	feeTierSize    = 16 + 3*8 // u128 threshold + Fees
)

// ErrInvalidAccount is returned (wrapped) for data that is not the expected account.
var ErrInvalidAccount = errors.New("pump: invalid account data")

func checkAccount(data []byte, d [8]byte, minSize int, what string) error {
	return layout.Check(data, d, minSize, what, ErrInvalidAccount)
}

// Global is the program's global configuration account.
type Global struct {
	Initialized                  bool
	Authority                    solana.PublicKey
	FeeRecipient                 solana.PublicKey
	InitialVirtualTokenReserves  uint64
	InitialVirtualSolReserves    uint64
	InitialRealTokenReserves     uint64
	TokenTotalSupply             uint64
	FeeBasisPoints               uint64 // fallback only; FeeConfig wins
	WithdrawAuthority            solana.PublicKey
	EnableMigrate                bool
	PoolMigrationFee             uint64
	CreatorFeeBasisPoints        uint64 // fallback only
	FeeRecipients                [7]solana.PublicKey
	SetCreatorAuthority          solana.PublicKey
	AdminSetCreatorAuthority     solana.PublicKey
	CreateV2Enabled              bool
	WhitelistPDA                 solana.PublicKey
	ReservedFeeRecipient         solana.PublicKey
	MayhemModeEnabled            bool
	ReservedFeeRecipients        [7]solana.PublicKey
	IsCashbackEnabled            bool
	BuybackFeeRecipients         [8]solana.PublicKey
	BuybackBasisPoints           uint64
	InitialVirtualQuoteReserves  uint64
	WhitelistedQuoteMints        [1]solana.PublicKey
	CreatorFeeConfigurable       bool
	MaxConfigurableCreatorFeeBps uint64
	HolderRewardClaimAuthority   solana.PublicKey
	IsHolderRewardEnabled        bool
	MaxCurveDepth                uint8
}

func (g *Global) fields(v layout.Visitor) {
	v.Bool(&g.Initialized)
	v.Key(&g.Authority)
	v.Key(&g.FeeRecipient)
	for _, p := range []*uint64{&g.InitialVirtualTokenReserves, &g.InitialVirtualSolReserves,
		&g.InitialRealTokenReserves, &g.TokenTotalSupply, &g.FeeBasisPoints} {
		v.U64(p)
	}
	v.Key(&g.WithdrawAuthority)
	v.Bool(&g.EnableMigrate)
	v.U64(&g.PoolMigrationFee)
	v.U64(&g.CreatorFeeBasisPoints)
	for i := range g.FeeRecipients {
		v.Key(&g.FeeRecipients[i])
	}
	v.Key(&g.SetCreatorAuthority)
	v.Key(&g.AdminSetCreatorAuthority)
	v.Bool(&g.CreateV2Enabled)
	v.Key(&g.WhitelistPDA)
	v.Key(&g.ReservedFeeRecipient)
	v.Bool(&g.MayhemModeEnabled)
	for i := range g.ReservedFeeRecipients {
		v.Key(&g.ReservedFeeRecipients[i])
	}
	v.Bool(&g.IsCashbackEnabled)
	for i := range g.BuybackFeeRecipients {
		v.Key(&g.BuybackFeeRecipients[i])
	}
	v.U64(&g.BuybackBasisPoints)
	v.U64(&g.InitialVirtualQuoteReserves)
	v.Key(&g.WhitelistedQuoteMints[0])
	v.Bool(&g.CreatorFeeConfigurable)
	v.U64(&g.MaxConfigurableCreatorFeeBps)
	v.Key(&g.HolderRewardClaimAuthority)
	v.Bool(&g.IsHolderRewardEnabled)
	v.U8(&g.MaxCurveDepth)
}

// DecodeGlobal decodes a Global account; fields past a short account read as zero.
func DecodeGlobal(data []byte) (Global, error) {
	if err := checkAccount(data, DiscGlobal, globalMinSize, "global"); err != nil {
		return Global{}, err
	}
	var g Global
	g.fields(layout.NewReader(data, 8))
	return g, nil
}

// EncodeGlobal lays out g as the 1088-byte mainnet account.
func EncodeGlobal(g Global) []byte {
	buf := make([]byte, GlobalSize)
	copy(buf, DiscGlobal[:])
	g.fields(layout.NewWriter(buf, 8))
	return buf
}

// BondingCurve is a coin's curve account. Old curves are shorter; the fields they
// lack decode as zero.
type BondingCurve struct {
	VirtualTokenReserves        uint64
	VirtualQuoteReserves        uint64 // virtual SOL for SOL-paired coins
	RealTokenReserves           uint64
	RealQuoteReserves           uint64
	TokenTotalSupply            uint64
	Complete                    bool
	Creator                     solana.PublicKey
	IsMayhemMode                bool
	IsCashbackCoin              bool
	QuoteMint                   solana.PublicKey // zero = SOL
	CreatorFeeBps               uint64
	CanEditCreatorFee           bool
	IsHolderReward              bool
	CreatorFee                  uint64
	ProtocolFees                uint64
	Depth                       uint8
	InitialVirtualQuoteReserves uint64
	PostCompleteBaseOut         uint64
	PostCompleteQuoteIn         uint64
}

func (c *BondingCurve) fields(v layout.Visitor) {
	for _, p := range []*uint64{&c.VirtualTokenReserves, &c.VirtualQuoteReserves,
		&c.RealTokenReserves, &c.RealQuoteReserves, &c.TokenTotalSupply} {
		v.U64(p)
	}
	v.Bool(&c.Complete)
	v.Key(&c.Creator)
	v.Bool(&c.IsMayhemMode)
	v.Bool(&c.IsCashbackCoin)
	v.Key(&c.QuoteMint)
	v.U64(&c.CreatorFeeBps)
	v.Bool(&c.CanEditCreatorFee)
	v.Bool(&c.IsHolderReward)
	v.U64(&c.CreatorFee)
	v.U64(&c.ProtocolFees)
	v.U8(&c.Depth)
	v.U64(&c.InitialVirtualQuoteReserves)
	v.U64(&c.PostCompleteBaseOut)
	v.U64(&c.PostCompleteQuoteIn)
}

// DecodeBondingCurve decodes a curve of any on-chain length ≥ 49.
func DecodeBondingCurve(data []byte) (BondingCurve, error) {
	if err := checkAccount(data, DiscBondingCurve, BondingCurveMinSize, "bonding curve"); err != nil {
		return BondingCurve{}, err
	}
	var c BondingCurve
	c.fields(layout.NewReader(data, 8))
	return c, nil
}

// EncodeBondingCurve lays out c in the newest 166-byte layout; a prefix of it is
// an older curve (e.g. [:151] is what extend_account produced in SDK 2.0.0).
func EncodeBondingCurve(c BondingCurve) []byte {
	buf := make([]byte, BondingCurveSize)
	copy(buf, DiscBondingCurve[:])
	c.fields(layout.NewWriter(buf, 8))
	return buf
}
