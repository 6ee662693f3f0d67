// Package pump builds pump.fun bonding-curve instructions (create_v2, buy,
// buy_exact_sol_in, sell, extend_account), derives its PDAs, decodes and encodes its
// accounts (Global, BondingCurve, FeeConfig) and quotes trades with the program's
// integer math. Golden vectors built with the official SDK pin the encodings in
// the tests. No network I/O.
package pump

import (
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/token"
)

// Program ids.
var (
	// ProgramID is the pump bonding-curve program.
	ProgramID = solana.MustPublicKeyFromBase58("6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P")
	// FeeProgramID is the pump fees program that owns FeeConfig.
	FeeProgramID = solana.MustPublicKeyFromBase58("pfeeUxB6jkeY1Hxd7CsFCAjcbHA9rWtchMGdZ6VojVZ")
	// AMMProgramID is PumpSwap, where graduated coins trade.
	AMMProgramID = solana.MustPublicKeyFromBase58("pAMMBay6oceH9fJKBRHGP5D4bD4sWpmSwMn52FMfXEA")
	// MayhemProgramID is the mayhem program create_v2 passes (writable) in any mode.
	MayhemProgramID = solana.MustPublicKeyFromBase58("MAyhSmzXzV1pTf7LsNkrNwkWKTo4ougAJ1PPg47MD4e")
)

// Fixed PDAs. They are constants of the program ids, so they are
// written out instead of derived at start-up; TestFixedPDAs re-derives each one.
var (
	GlobalAddress                  = solana.MustPublicKeyFromBase58("4wTV1YmiEkRvAtNtsSGPtUrqRYQMe5SKy2uB4Jjaxnjf")
	MintAuthority                  = solana.MustPublicKeyFromBase58("TSLvdd1pWpHVjahSpsvCXUbgwsL3JAcvokwaKt1eokM")
	EventAuthority                 = solana.MustPublicKeyFromBase58("Ce6TQqeHC9p8KetsN6JsjHK7UTZk7nasjjnr7XxXp9F1")
	GlobalVolumeAccumulatorAddress = solana.MustPublicKeyFromBase58("Hq2wp8uJ9jCPsYgNHex8RtqdvMPfVGoYwjvF1ATiwn2Y")
	QuoteControlAddress            = solana.MustPublicKeyFromBase58("6z6GDdfb2AjR9ZhJmAUQ5cipJCVxQvLJhB2H8mCwTFBP")
	FeeConfigAddress               = solana.MustPublicKeyFromBase58("8Wf5TiAheLUqBrKXeYg2JtAFFMWtKdG2BSFgqUcPVwTt")
	MayhemGlobalParams             = solana.MustPublicKeyFromBase58("13ec7XdrjF3h3YcqBTFDSReRcUFwbCnJaAQspM4j6DDJ")
	MayhemSolVault                 = solana.MustPublicKeyFromBase58("BwWK17cbHxwWBKZkUYvzxLcNQ1YVyaFezduWbtm2de6s")
)

// Seeds of the fixed PDAs, exported so the built-in cluster can check them.
var (
	SeedGlobal                  = []byte("global")
	SeedMintAuthority           = []byte("mint-authority")
	SeedEventAuthority          = []byte("__event_authority")
	SeedGlobalVolumeAccumulator = []byte("global_volume_accumulator")
	SeedQuoteControl            = []byte("quote-control")
	SeedFeeConfig               = []byte("fee_config")
	SeedMayhemGlobalParams      = []byte("global-params")
	SeedMayhemSolVault          = []byte("sol-vault")
)

func pda(program solana.PublicKey, what string, seeds ...[]byte) (solana.PublicKey, error) {
	addr, _, err := solana.FindProgramAddress(seeds, program)
	if err != nil {
		return solana.PublicKey{}, fmt.Errorf("derive %s: %w", what, err)
	}
	return addr, nil
}

// BondingCurveAddress is PDA("bonding-curve", mint).
func BondingCurveAddress(mint solana.PublicKey) (solana.PublicKey, error) {
	return pda(ProgramID, "bonding curve", []byte("bonding-curve"), mint[:])
}

// BondingCurveV2Address is PDA("bonding-curve-v2", mint); legacy buy/sell must pass
// it even though the account need not exist.
func BondingCurveV2Address(mint solana.PublicKey) (solana.PublicKey, error) {
	return pda(ProgramID, "bonding curve v2", []byte("bonding-curve-v2"), mint[:])
}

// CreatorVaultAddress is PDA("creator-vault", creator) that collects creator fees.
func CreatorVaultAddress(creator solana.PublicKey) (solana.PublicKey, error) {
	return pda(ProgramID, "creator vault", []byte("creator-vault"), creator[:])
}

// UserVolumeAccumulatorAddress is PDA("user_volume_accumulator", user).
func UserVolumeAccumulatorAddress(user solana.PublicKey) (solana.PublicKey, error) {
	return pda(ProgramID, "user volume accumulator", []byte("user_volume_accumulator"), user[:])
}

// MayhemStateAddress is the mayhem program's PDA("mayhem-state", mint).
func MayhemStateAddress(mint solana.PublicKey) (solana.PublicKey, error) {
	return pda(MayhemProgramID, "mayhem state", []byte("mayhem-state"), mint[:])
}

// MayhemTokenVaultAddress is the Token-2022 ATA of the mayhem sol vault for mint.
func MayhemTokenVaultAddress(mint solana.PublicKey) (solana.PublicKey, error) {
	return token.AssociatedAddress(MayhemSolVault, mint, token.Token2022ProgramID)
}

// Coin holds the per-mint addresses every trade needs. Derive it once per coin with
// NewCoin and reuse it: each derivation costs a few SHA-256 and curve checks.
type Coin struct {
	Mint         solana.PublicKey
	TokenProgram solana.PublicKey // Token-2022 for create_v2 coins; read the mint's owner
	Creator      solana.PublicKey // BondingCurve.Creator (or the create_v2 creator arg)
	// Cashback marks old cashback coins whose sell takes user_volume_accumulator.
	Cashback bool

	BondingCurve           solana.PublicKey
	BondingCurveV2         solana.PublicKey
	AssociatedBondingCurve solana.PublicKey
	CreatorVault           solana.PublicKey
}

// NewCoin derives a coin's addresses.
func NewCoin(mint, tokenProgram, creator solana.PublicKey) (Coin, error) {
	if !token.IsTokenProgram(tokenProgram) {
		return Coin{}, fmt.Errorf("new coin %s: %s is not a token program", mint, tokenProgram)
	}
	c := Coin{Mint: mint, TokenProgram: tokenProgram, Creator: creator}
	var err error
	if c.BondingCurve, err = BondingCurveAddress(mint); err != nil {
		return Coin{}, err
	}
	if c.BondingCurveV2, err = BondingCurveV2Address(mint); err != nil {
		return Coin{}, err
	}
	if c.AssociatedBondingCurve, err = token.AssociatedAddress(c.BondingCurve, mint, tokenProgram); err != nil {
		return Coin{}, err
	}
	if c.CreatorVault, err = CreatorVaultAddress(creator); err != nil {
		return Coin{}, err
	}
	return c, nil
}
