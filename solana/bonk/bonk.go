// Package bonk builds Raydium LaunchLab instructions for letsbonk.fun launches
// (initialize_v2, buy_exact_in, sell_exact_in, with WSOL wrapping), derives the
// program's PDAs, decodes and encodes PoolState, GlobalConfig and PlatformConfig, and
// quotes trades with the program's constant-product curve and fee math. No
// network I/O.
package bonk

import (
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/token"
)

// ProgramID is Raydium LaunchLab on mainnet.
var ProgramID = solana.MustPublicKeyFromBase58("LanMV9sAd7wArD4vJFi2qDdfnVhFxYSUg6eADduJ3uj")

// Fixed addresses. TestFixedPDAs re-derives each PDA.
var (
	Authority               = solana.MustPublicKeyFromBase58("WLHv2UAZm6z4KyaaELi5pjdbJh6RESMva1Rnn8pJVVh")
	EventAuthority          = solana.MustPublicKeyFromBase58("2DPAtwB8L12vrMRExbLuyGnC7n2J5LNoZQSejeQGpwkr")
	PlatformFeeVaultAuth    = solana.MustPublicKeyFromBase58("56XVRVAsgWv6ADaxzoNnbL38LMoWKM5WiSAhrAWUbd2p")
	CreatorFeeVaultAuth     = solana.MustPublicKeyFromBase58("9sHpTfmVpCfP2zexRNK6j38NBchMv1RWpdXPK5NEcZan")
	WSOLGlobalConfig        = solana.MustPublicKeyFromBase58("6s1xP3hpbAfFoNtUNF8mfHsjr2Bd97JxFJRWLbL6aHuX") // WSOL, constant product, index 0
	LetsBonkPlatformConfig  = solana.MustPublicKeyFromBase58("FfYek5vEz23cMkWsdJwG2oa6EphsvXSHrGpdALN4g6W1")
	LetsBonkPlatformAdmin   = solana.MustPublicKeyFromBase58("2P56vRWDrCBGkqYXxgSWAnuZQZrJPySRQGToTJThpmkN")
	RaydiumPlatformConfig   = solana.MustPublicKeyFromBase58("4Bu96XjU84XjPDSpveTVf6LYGCkfW5FK7SNkREWcEfV4")
	ProtocolFeeOwnerMainnet = solana.MustPublicKeyFromBase58("rayvTLcCMDs7P5tgpuoNA6ZYeLERegeCphdqLSgdKms")
)

// Seeds of the fixed PDAs.
var (
	SeedAuthority            = []byte("vault_auth_seed")
	SeedEventAuthority       = []byte("__event_authority")
	SeedGlobalConfig         = []byte("global_config")
	SeedPlatformConfig       = []byte("platform_config")
	SeedPool                 = []byte("pool")
	SeedPoolVault            = []byte("pool_vault")
	SeedPlatformFeeVaultAuth = []byte("platform_fee_vault_auth_seed")
	SeedCreatorFeeVaultAuth  = []byte("creator_fee_vault_auth_seed")
	SeedPlatformCurveRule    = []byte("platform_curve_rule")
)

func pda(what string, seeds ...[]byte) (solana.PublicKey, error) {
	addr, _, err := solana.FindProgramAddress(seeds, ProgramID)
	if err != nil {
		return solana.PublicKey{}, fmt.Errorf("derive %s: %w", what, err)
	}
	return addr, nil
}

// GlobalConfigAddress is PDA("global_config", quote_mint, u8 curve_type, u16 LE index).
func GlobalConfigAddress(quoteMint solana.PublicKey, curveType uint8, index uint16) (solana.PublicKey, error) {
	return pda("global config", SeedGlobalConfig, quoteMint[:], []byte{curveType}, []byte{byte(index), byte(index >> 8)})
}

// PlatformConfigAddress is PDA("platform_config", platform_admin).
func PlatformConfigAddress(admin solana.PublicKey) (solana.PublicKey, error) {
	return pda("platform config", SeedPlatformConfig, admin[:])
}

// PoolAddress is PDA("pool", base_mint, quote_mint).
func PoolAddress(baseMint, quoteMint solana.PublicKey) (solana.PublicKey, error) {
	return pda("pool", SeedPool, baseMint[:], quoteMint[:])
}

// VaultAddress is PDA("pool_vault", pool, mint), the pool's token account for mint.
func VaultAddress(pool, mint solana.PublicKey) (solana.PublicKey, error) {
	return pda("pool vault", SeedPoolVault, pool[:], mint[:])
}

// PlatformFeeVaultAddress is PDA(platform_config, quote_mint) (no prefix).
func PlatformFeeVaultAddress(platformConfig, quoteMint solana.PublicKey) (solana.PublicKey, error) {
	return pda("platform fee vault", platformConfig[:], quoteMint[:])
}

// CreatorFeeVaultAddress is PDA(creator, quote_mint) (no prefix).
func CreatorFeeVaultAddress(creator, quoteMint solana.PublicKey) (solana.PublicKey, error) {
	return pda("creator fee vault", creator[:], quoteMint[:])
}

// PlatformCurveRuleAddress is PDA("platform_curve_rule", platform, global_config),
// needed only by platforms that restrict curve params.
func PlatformCurveRuleAddress(platformConfig, globalConfig solana.PublicKey) (solana.PublicKey, error) {
	return pda("platform curve rule", SeedPlatformCurveRule, platformConfig[:], globalConfig[:])
}

// Pool holds every address a trade on one pool needs. For an existing pool build it
// from the decoded PoolState (PoolState.Keys); for a pool created in the same
// transaction use NewPool.
type Pool struct {
	Address           solana.PublicKey
	GlobalConfig      solana.PublicKey
	PlatformConfig    solana.PublicKey
	BaseMint          solana.PublicKey
	QuoteMint         solana.PublicKey
	BaseVault         solana.PublicKey
	QuoteVault        solana.PublicKey
	Creator           solana.PublicKey
	BaseTokenProgram  solana.PublicKey
	QuoteTokenProgram solana.PublicKey
	PlatformFeeVault  solana.PublicKey
	CreatorFeeVault   solana.PublicKey
}

// NewPool derives the addresses of a WSOL-quoted pool with an SPL Token base mint,
// as initialize_v2 creates it. Zero globalConfig/platformConfig select the WSOL
// constant-product config and letsbonk's platform.
func NewPool(baseMint, creator, globalConfig, platformConfig solana.PublicKey) (Pool, error) {
	p := Pool{
		GlobalConfig: globalConfig, PlatformConfig: platformConfig, BaseMint: baseMint,
		QuoteMint: token.WSOLMint, Creator: creator,
		BaseTokenProgram: token.TokenProgramID, QuoteTokenProgram: token.TokenProgramID,
	}
	if p.GlobalConfig.IsZero() {
		p.GlobalConfig = WSOLGlobalConfig
	}
	if p.PlatformConfig.IsZero() {
		p.PlatformConfig = LetsBonkPlatformConfig
	}
	var err error
	if p.Address, err = PoolAddress(baseMint, p.QuoteMint); err != nil {
		return Pool{}, err
	}
	return p.deriveVaults()
}

func (p Pool) deriveVaults() (Pool, error) {
	var err error
	if p.BaseVault, err = VaultAddress(p.Address, p.BaseMint); err != nil {
		return Pool{}, err
	}
	if p.QuoteVault, err = VaultAddress(p.Address, p.QuoteMint); err != nil {
		return Pool{}, err
	}
	if p.PlatformFeeVault, err = PlatformFeeVaultAddress(p.PlatformConfig, p.QuoteMint); err != nil {
		return Pool{}, err
	}
	if p.CreatorFeeVault, err = CreatorFeeVaultAddress(p.Creator, p.QuoteMint); err != nil {
		return Pool{}, err
	}
	return p, nil
}

// AuthorityBump is the bump of Authority, stored in every PoolState (auth_bump).
const AuthorityBump uint8 = 250

// MetadataAddress is the Metaplex metadata PDA initialize_v2 creates for baseMint.
func MetadataAddress(baseMint solana.PublicKey) (solana.PublicKey, error) {
	return token.MetadataAddress(baseMint)
}
