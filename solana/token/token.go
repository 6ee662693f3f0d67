// Package token builds SPL Token, Token-2022, Associated Token Account, System and
// Compute Budget instructions and decodes token and mint accounts.
//
// It exists because solana-go v1.14.0 hard-codes SPL Token in its ATA helpers and
// keeps the token program id in a package global:
// pump create_v2 coins are Token-2022, so every helper here takes the token program
// explicitly and touches no global state.
package token

import (
	"fmt"

	"github.com/gagliardetto/solana-go"
)

// Program ids and fixed addresses.
var (
	// TokenProgramID is the classic SPL Token program.
	TokenProgramID = solana.MustPublicKeyFromBase58("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
	// Token2022ProgramID is the Token-2022 (token extensions) program used by pump create_v2 mints.
	Token2022ProgramID = solana.MustPublicKeyFromBase58("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
	// AssociatedTokenProgramID is the Associated Token Account program.
	AssociatedTokenProgramID = solana.MustPublicKeyFromBase58("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL")
	// SystemProgramID is the System program.
	SystemProgramID = solana.MustPublicKeyFromBase58("11111111111111111111111111111111")
	// WSOLMint is the wrapped SOL (native) mint of SPL Token.
	WSOLMint = solana.MustPublicKeyFromBase58("So11111111111111111111111111111111111111112")
	// RentSysvarID is the rent sysvar.
	RentSysvarID = solana.MustPublicKeyFromBase58("SysvarRent111111111111111111111111111111111")
	// ComputeBudgetProgramID is the Compute Budget program.
	ComputeBudgetProgramID = solana.MustPublicKeyFromBase58("ComputeBudget111111111111111111111111111111")
	// MetadataProgramID is the Metaplex Token Metadata program.
	MetadataProgramID = solana.MustPublicKeyFromBase58("metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s")
)

// IsTokenProgram reports whether p is SPL Token or Token-2022, the only two owners
// a mint or token account may have.
func IsTokenProgram(p solana.PublicKey) bool {
	return p == TokenProgramID || p == Token2022ProgramID
}

// AssociatedAddress derives the associated token account of owner for mint under
// tokenProgram. The token program is part of the seeds, so a Token-2022 mint has a
// different ATA than the SPL one solana.FindAssociatedTokenAddress would return.
func AssociatedAddress(owner, mint, tokenProgram solana.PublicKey) (solana.PublicKey, error) {
	addr, _, err := solana.FindProgramAddress(
		[][]byte{owner[:], tokenProgram[:], mint[:]}, AssociatedTokenProgramID)
	if err != nil {
		return solana.PublicKey{}, fmt.Errorf("associated address of %s for mint %s: %w", owner, mint, err)
	}
	return addr, nil
}

// MetadataAddress derives the Metaplex metadata PDA of mint (used by LaunchLab
// initialize_v2 and the legacy pump create).
func MetadataAddress(mint solana.PublicKey) (solana.PublicKey, error) {
	addr, _, err := solana.FindProgramAddress(
		[][]byte{[]byte("metadata"), MetadataProgramID[:], mint[:]}, MetadataProgramID)
	if err != nil {
		return solana.PublicKey{}, fmt.Errorf("metadata address of %s: %w", mint, err)
	}
	return addr, nil
}

// mustATA derives an ATA for builders whose signature has no error. A derivation
// failure needs all 255 bumps to land on the curve (probability ~2^-255), so it is
// treated as an impossible state rather than an input error.
func mustATA(owner, mint, tokenProgram solana.PublicKey) solana.PublicKey {
	a, err := AssociatedAddress(owner, mint, tokenProgram)
	if err != nil {
		panic(err)
	}
	return a
}

// Meta returns an account meta; a shorthand the builders of pump and bonk share.
func Meta(key solana.PublicKey, writable, signer bool) *solana.AccountMeta {
	return &solana.AccountMeta{PublicKey: key, IsWritable: writable, IsSigner: signer}
}
