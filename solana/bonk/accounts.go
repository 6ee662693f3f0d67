package bonk

import (
	"github.com/nitro-runtime/nitro/solana/internal/layout"

	"encoding/hex"
	"errors"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/token"
)

// Account discriminators and sizes.
var (
	DiscPoolState      = disc("f7ede3f5d7c3de46")
	DiscGlobalConfig   = disc("95089ccaa0fcb0d9")
	DiscPlatformConfig = disc("a04e8000f853e6a0")
)

const (
	PoolStateSize      = 429
	GlobalConfigSize   = 371
	PlatformConfigSize = 944

	poolStateMin      = 375 // through platform_vesting_share; the rest is padding
	globalConfigMin   = 243 // through migrate_to_cpswap_wallet
	platformConfigMin = 728 // through creator_fee_rate (accounts before the creator-fee upgrade are shorter)
	maxAccountSize    = layout.MaxAccountSize

	// Pool status values.
	StatusTrading   = 0
	StatusMigrating = 1 // fundraising done, awaiting migration
	StatusMigrated  = 2
)

// ErrInvalidAccount is returned (wrapped) for data that is not the expected account.
var ErrInvalidAccount = errors.New("bonk: invalid account data")

func disc(h string) (d [8]byte) {
	if n, err := hex.Decode(d[:], []byte(h)); err != nil || n != 8 {
		panic("bonk: bad discriminator literal " + h)
	}
	return d
}

func checkAccount(data []byte, d [8]byte, minSize int, what string) error {
	return layout.Check(data, d, minSize, what, ErrInvalidAccount)
}

// Vesting is a pool's vesting schedule.
type Vesting struct {
	TotalLockedAmount    uint64
	CliffPeriod          uint64
	UnlockPeriod         uint64
	StartTime            uint64
	AllocatedShareAmount uint64
}

// PoolState is a LaunchLab pool (one per base mint and quote mint).
type PoolState struct {
	Epoch                 uint64
	AuthBump              uint8
	Status                uint8 // StatusTrading, StatusMigrating, StatusMigrated
	BaseDecimals          uint8
	QuoteDecimals         uint8
	MigrateType           uint8 // 0 AMM v4, 1 CPMM
	Supply                uint64
	TotalBaseSell         uint64
	VirtualBase           uint64
	VirtualQuote          uint64
	RealBase              uint64
	RealQuote             uint64
	TotalQuoteFundRaising uint64
	QuoteProtocolFee      uint64
	PlatformFee           uint64
	MigrateFee            uint64
	Vesting               Vesting
	GlobalConfig          solana.PublicKey
	PlatformConfig        solana.PublicKey
	BaseMint              solana.PublicKey
	QuoteMint             solana.PublicKey
	BaseVault             solana.PublicKey
	QuoteVault            solana.PublicKey
	Creator               solana.PublicKey
	MintProgramFlag       uint8 // bit0: base is Token-2022, bit1: quote is Token-2022
	CPMMCreatorFeeOn      uint8
	PlatformVestingShare  uint64
}

func (s *PoolState) fields(v layout.Visitor) {
	v.U64(&s.Epoch)
	for _, p := range []*uint8{&s.AuthBump, &s.Status, &s.BaseDecimals, &s.QuoteDecimals, &s.MigrateType} {
		v.U8(p)
	}
	for _, p := range []*uint64{&s.Supply, &s.TotalBaseSell, &s.VirtualBase, &s.VirtualQuote, &s.RealBase,
		&s.RealQuote, &s.TotalQuoteFundRaising, &s.QuoteProtocolFee, &s.PlatformFee, &s.MigrateFee,
		&s.Vesting.TotalLockedAmount, &s.Vesting.CliffPeriod, &s.Vesting.UnlockPeriod,
		&s.Vesting.StartTime, &s.Vesting.AllocatedShareAmount} {
		v.U64(p)
	}
	for _, p := range []*solana.PublicKey{&s.GlobalConfig, &s.PlatformConfig, &s.BaseMint, &s.QuoteMint,
		&s.BaseVault, &s.QuoteVault, &s.Creator} {
		v.Key(p)
	}
	v.U8(&s.MintProgramFlag)
	v.U8(&s.CPMMCreatorFeeOn)
	v.U64(&s.PlatformVestingShare)
}

// DecodePoolState decodes a PoolState account.
func DecodePoolState(data []byte) (PoolState, error) {
	if err := checkAccount(data, DiscPoolState, poolStateMin, "pool state"); err != nil {
		return PoolState{}, err
	}
	var s PoolState
	s.fields(layout.NewReader(data, 8))
	return s, nil
}

// EncodePoolState lays out s as the 429-byte account.
func EncodePoolState(s PoolState) []byte {
	buf := make([]byte, PoolStateSize)
	copy(buf, DiscPoolState[:])
	s.fields(layout.NewWriter(buf, 8))
	return buf
}

// Keys returns the trade addresses of the pool at address, taking vaults, configs
// and creator from the state (never hard-coded: they differ per pool).
func (s PoolState) Keys(address solana.PublicKey) (Pool, error) {
	p := Pool{
		Address: address, GlobalConfig: s.GlobalConfig, PlatformConfig: s.PlatformConfig,
		BaseMint: s.BaseMint, QuoteMint: s.QuoteMint, BaseVault: s.BaseVault, QuoteVault: s.QuoteVault,
		Creator: s.Creator, BaseTokenProgram: token.TokenProgramID, QuoteTokenProgram: token.TokenProgramID,
	}
	if s.MintProgramFlag&1 != 0 {
		p.BaseTokenProgram = token.Token2022ProgramID
	}
	if s.MintProgramFlag&2 != 0 {
		p.QuoteTokenProgram = token.Token2022ProgramID
	}
	var err error
	if p.PlatformFeeVault, err = PlatformFeeVaultAddress(p.PlatformConfig, p.QuoteMint); err != nil {
		return Pool{}, err
	}
	if p.CreatorFeeVault, err = CreatorFeeVaultAddress(p.Creator, p.QuoteMint); err != nil {
		return Pool{}, err
	}
	return p, nil
}

// GlobalConfig is a LaunchLab global config (one per quote mint, curve type, index).
// Rates are in millionths.
type GlobalConfig struct {
	Epoch                 uint64
	CurveType             uint8 // 0 constant product
	Index                 uint16
	MigrateFee            uint64
	TradeFeeRate          uint64
	MaxShareFeeRate       uint64
	MinBaseSupply         uint64
	MaxLockRate           uint64
	MinBaseSellRate       uint64
	MinBaseMigrateRate    uint64
	MinQuoteFundRaising   uint64
	QuoteMint             solana.PublicKey
	ProtocolFeeOwner      solana.PublicKey
	MigrateFeeOwner       solana.PublicKey
	MigrateToAMMWallet    solana.PublicKey
	MigrateToCPSwapWallet solana.PublicKey
}

func (g *GlobalConfig) fields(v layout.Visitor) {
	v.U64(&g.Epoch)
	v.U8(&g.CurveType)
	v.U16(&g.Index)
	for _, p := range []*uint64{&g.MigrateFee, &g.TradeFeeRate, &g.MaxShareFeeRate, &g.MinBaseSupply,
		&g.MaxLockRate, &g.MinBaseSellRate, &g.MinBaseMigrateRate, &g.MinQuoteFundRaising} {
		v.U64(p)
	}
	for _, p := range []*solana.PublicKey{&g.QuoteMint, &g.ProtocolFeeOwner, &g.MigrateFeeOwner,
		&g.MigrateToAMMWallet, &g.MigrateToCPSwapWallet} {
		v.Key(p)
	}
}

// DecodeGlobalConfig decodes a GlobalConfig account.
func DecodeGlobalConfig(data []byte) (GlobalConfig, error) {
	if err := checkAccount(data, DiscGlobalConfig, globalConfigMin, "global config"); err != nil {
		return GlobalConfig{}, err
	}
	var g GlobalConfig
	g.fields(layout.NewReader(data, 8))
	return g, nil
}

// EncodeGlobalConfig lays out g as the 371-byte account.
func EncodeGlobalConfig(g GlobalConfig) []byte {
	buf := make([]byte, GlobalConfigSize)
	copy(buf, DiscGlobalConfig[:])
	g.fields(layout.NewWriter(buf, 8))
	return buf
}

// PlatformConfig is a launch platform's config (letsbonk's decides its fees).
// Rates are in millionths; Name, Web and Img are NUL-padded on chain.
type PlatformConfig struct {
	Epoch                    uint64
	PlatformFeeWallet        solana.PublicKey
	PlatformNFTWallet        solana.PublicKey
	PlatformScale            uint64
	CreatorScale             uint64
	BurnScale                uint64
	FeeRate                  uint64
	Name                     string // ≤ 64 bytes
	Web                      string // ≤ 256 bytes
	Img                      string // ≤ 256 bytes
	CPSwapConfig             solana.PublicKey
	CreatorFeeRate           uint64
	TransferFeeExtensionAuth solana.PublicKey
	PlatformVestingWallet    solana.PublicKey
	PlatformVestingScale     uint64
	PlatformCPCreator        solana.PublicKey
	RestrictGlobalConfig     uint8
	RestrictCurveParam       uint8
	CurveRuleManager         solana.PublicKey
}

func (p *PlatformConfig) fields(v layout.Visitor) {
	v.U64(&p.Epoch)
	v.Key(&p.PlatformFeeWallet)
	v.Key(&p.PlatformNFTWallet)
	for _, f := range []*uint64{&p.PlatformScale, &p.CreatorScale, &p.BurnScale, &p.FeeRate} {
		v.U64(f)
	}
	v.Str(&p.Name, 64)
	v.Str(&p.Web, 256)
	v.Str(&p.Img, 256)
	v.Key(&p.CPSwapConfig)
	v.U64(&p.CreatorFeeRate)
	v.Key(&p.TransferFeeExtensionAuth)
	v.Key(&p.PlatformVestingWallet)
	v.U64(&p.PlatformVestingScale)
	v.Key(&p.PlatformCPCreator)
	v.U8(&p.RestrictGlobalConfig)
	v.U8(&p.RestrictCurveParam)
	v.Key(&p.CurveRuleManager)
}

// DecodePlatformConfig decodes a PlatformConfig account.
func DecodePlatformConfig(data []byte) (PlatformConfig, error) {
	if err := checkAccount(data, DiscPlatformConfig, platformConfigMin, "platform config"); err != nil {
		return PlatformConfig{}, err
	}
	var p PlatformConfig
	p.fields(layout.NewReader(data, 8))
	return p, nil
}

// EncodePlatformConfig lays out p as the 944-byte account; over-long strings are
// truncated to their fields.
func EncodePlatformConfig(p PlatformConfig) []byte {
	buf := make([]byte, PlatformConfigSize)
	copy(buf, DiscPlatformConfig[:])
	p.fields(layout.NewWriter(buf, 8))
	return buf
}
