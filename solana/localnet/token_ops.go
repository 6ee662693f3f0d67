package localnet

import (
	"fmt"

	"github.com/gagliardetto/solana-go"
)

// Token instructions that manage balances and account lifecycle: approvals,
// minting, burning, closing, wrapped-SOL sync and account extensions.

func (p *tokenProgram) approve(ic *InstructionContext, r *byteReader) error {
	if err := p.begin(ic, 2904); err != nil {
		return err
	}
	amount := r.u64()
	acc, err := needAccounts(ic, 3)
	if err != nil || r.bad {
		return cmpErr(err, errTokInvalidInstruction)
	}
	src, err := p.loadAccount(acc[0])
	if err != nil {
		return err
	}
	if err := checkAuthority(src.Owner, acc[2]); err != nil {
		return err
	}
	d := acc[1].Key
	src.Delegate, src.DelegateAmount = &d, amount
	src.encode(acc[0].Data)
	return nil
}

func (p *tokenProgram) revoke(ic *InstructionContext, _ *byteReader) error {
	if err := p.begin(ic, 2677); err != nil {
		return err
	}
	acc, err := needAccounts(ic, 2)
	if err != nil {
		return err
	}
	src, err := p.loadAccount(acc[0])
	if err != nil {
		return err
	}
	if err := checkAuthority(src.Owner, acc[1]); err != nil {
		return err
	}
	src.Delegate, src.DelegateAmount = nil, 0
	src.encode(acc[0].Data)
	return nil
}

func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// mintTo is MintTo (7) and MintToChecked (14).
func (p *tokenProgram) mintTo(ic *InstructionContext, r *byteReader) error {
	if err := p.begin(ic, 4538); err != nil {
		return err
	}
	amount := r.u64()
	if ic.Data[0] == 14 {
		_ = r.u8()
	}
	acc, err := needAccounts(ic, 3)
	if err != nil || r.bad {
		return cmpErr(err, errTokInvalidInstruction)
	}
	mintRef, dstRef, auth := acc[0], acc[1], acc[2]
	dst, err := p.loadAccount(dstRef)
	if err != nil {
		return err
	}
	if dst.State == 2 {
		return errTokAccountFrozen
	}
	if dst.IsNative != nil {
		return errTokNativeNotSupported
	}
	if dst.Mint != mintRef.Key {
		return errTokMintMismatch
	}
	mint, err := p.loadMint(mintRef)
	if err != nil {
		return err
	}
	if ic.Data[0] == 14 && ic.Data[9] != mint.Decimals {
		return errTokMintDecimalsMismatch
	}
	if mint.MintAuthority == nil {
		return errTokFixedSupply
	}
	if err := checkAuthority(*mint.MintAuthority, auth); err != nil {
		return err
	}
	if mint.Supply+amount < mint.Supply || dst.Amount+amount < dst.Amount {
		return errTokOverflow
	}
	mint.Supply += amount
	dst.Amount += amount
	mint.encode(mintRef.Data)
	dst.encode(dstRef.Data)
	return nil
}

// burn is Burn (8) and BurnChecked (15).
func (p *tokenProgram) burn(ic *InstructionContext, r *byteReader) error {
	if err := p.begin(ic, 4753); err != nil {
		return err
	}
	amount := r.u64()
	acc, err := needAccounts(ic, 3)
	if err != nil || r.bad {
		return cmpErr(err, errTokInvalidInstruction)
	}
	srcRef, mintRef, auth := acc[0], acc[1], acc[2]
	src, err := p.loadAccount(srcRef)
	if err != nil {
		return err
	}
	if src.IsNative != nil {
		return errTokNativeNotSupported
	}
	if src.Amount < amount {
		return errTokInsufficientFunds
	}
	if src.Mint != mintRef.Key {
		return errTokMintMismatch
	}
	mint, err := p.loadMint(mintRef)
	if err != nil {
		return err
	}
	if ic.Data[0] == 15 && (len(ic.Data) < 10 || ic.Data[9] != mint.Decimals) {
		return errTokMintDecimalsMismatch
	}
	if err := p.spendAuthority(src, auth, amount); err != nil {
		return err
	}
	src.Amount -= amount
	mint.Supply -= amount
	src.encode(srcRef.Data)
	mint.encode(mintRef.Data)
	return nil
}

func (p *tokenProgram) closeAccount(ic *InstructionContext, _ *byteReader) error {
	if err := p.begin(ic, 2916); err != nil {
		return err
	}
	acc, err := needAccounts(ic, 3)
	if err != nil {
		return err
	}
	srcRef, dstRef, auth := acc[0], acc[1], acc[2]
	if srcRef.Key == dstRef.Key {
		return ErrInvalidAccountData
	}
	src, err := p.loadAccount(srcRef)
	if err != nil {
		return err
	}
	if src.IsNative == nil && src.Amount != 0 {
		return errTokNonNativeHasBalance
	}
	authority := src.Owner
	if src.CloseAuthority != nil {
		authority = *src.CloseAuthority
	}
	if err := checkAuthority(authority, auth); err != nil {
		return err
	}
	dstRef.Lamports += srcRef.Lamports
	srcRef.Lamports = 0
	srcRef.Data = nil
	srcRef.Owner = solana.SystemProgramID
	return nil
}

func (p *tokenProgram) syncNative(ic *InstructionContext, _ *byteReader) error {
	if err := p.begin(ic, 3045); err != nil {
		return err
	}
	acc, err := needAccounts(ic, 1)
	if err != nil {
		return err
	}
	st, err := p.loadAccount(acc[0])
	if err != nil {
		return err
	}
	if st.IsNative == nil {
		return errTokNonNativeNotSupported
	}
	amount := acc[0].Lamports - *st.IsNative
	if amount < st.Amount {
		return errTokInvalidState
	}
	st.Amount = amount
	st.encode(acc[0].Data)
	return nil
}

func (p *tokenProgram) getAccountDataSize(ic *InstructionContext, _ *byteReader) error {
	if err := p.begin(ic, 1400); err != nil {
		return err
	}
	acc, err := needAccounts(ic, 1)
	if err != nil {
		return err
	}
	_, err = p.loadMint(acc[0])
	return err
}

func (p *tokenProgram) initializeImmutableOwner(ic *InstructionContext, _ *byteReader) error {
	if err := p.begin(ic, 1405); err != nil {
		return err
	}
	acc, err := needAccounts(ic, 1)
	if err != nil {
		return err
	}
	a := acc[0]
	if a.Owner != p.id {
		return ErrIncorrectProgramID
	}
	if len(a.Data) >= TokenAccountSize && a.Data[108] != 0 {
		return errTokAlreadyInUse
	}
	if !p.ext {
		ic.Log("Please upgrade to SPL Token 2022 for immutable owner support")
		return nil
	}
	if len(a.Data) <= accountTypeOffset {
		return ErrInvalidAccountData
	}
	return tlvInit(a.Data, extImmutableOwner, nil)
}

func (p *tokenProgram) String() string { return fmt.Sprintf("token program %s", p.id) }
