package localnet

import (
	"github.com/gagliardetto/solana-go"
)

// TokenError codes (spl_token::error::TokenError; Token-2022 extends the list).
var (
	errTokNotRentExempt               = customErr(0, "NotRentExempt")
	errTokInsufficientFunds           = customErr(1, "InsufficientFunds")
	errTokInvalidMint                 = customErr(2, "InvalidMint")
	errTokMintMismatch                = customErr(3, "MintMismatch")
	errTokOwnerMismatch               = customErr(4, "OwnerMismatch")
	errTokFixedSupply                 = customErr(5, "FixedSupply")
	errTokAlreadyInUse                = customErr(6, "AlreadyInUse")
	errTokUninitializedState          = customErr(9, "UninitializedState")
	errTokNativeNotSupported          = customErr(10, "NativeNotSupported")
	errTokNonNativeHasBalance         = customErr(11, "NonNativeHasBalance")
	errTokInvalidInstruction          = customErr(12, "InvalidInstruction")
	errTokInvalidState                = customErr(13, "InvalidState")
	errTokOverflow                    = customErr(14, "Overflow")
	errTokAuthorityTypeNotSupported   = customErr(15, "AuthorityTypeNotSupported")
	errTokAccountFrozen               = customErr(17, "AccountFrozen")
	errTokMintDecimalsMismatch        = customErr(18, "MintDecimalsMismatch")
	errTokNonNativeNotSupported       = customErr(19, "NonNativeNotSupported")
	errTokExtensionAlreadyInitialized = customErr(22, "ExtensionAlreadyInitialized")
	errTokImmutableOwner              = customErr(34, "ImmutableOwner")
)

// tokenErrorLogs are the "Error: ..." lines the token programs print.
var tokenErrorLogs = map[uint32]string{
	0: "Error: Lamport balance below rent-exempt threshold", 1: "Error: insufficient funds",
	2: "Error: Invalid Mint", 3: "Error: Account not associated with this Mint",
	4: "Error: owner does not match", 5: "Error: the total supply of this token is fixed",
	6: "Error: account or token already in use", 9: "Error: State is uninitialized",
	11: "Error: Non-native account can only be closed if its balance is zero",
	12: "Error: Invalid instruction", 14: "Error: Operation overflowed",
	17: "Error: Account is frozen", 18: "Error: decimals different from the Mint decimals",
}

// tokenProgram models SPL Token and, with ext set, Token-2022.
type tokenProgram struct {
	id  solana.PublicKey
	ext bool
}

func (p *tokenProgram) ID() solana.PublicKey { return p.id }

// Process dispatches on the first byte (or the 8-byte token-metadata interface
// discriminator on Token-2022) and logs the real "Error: ..." line on failure.
func (p *tokenProgram) Process(ic *InstructionContext) error {
	err := p.dispatch(ic)
	if pe, ok := err.(*ProgramError); ok {
		if msg, ok := tokenErrorLogs[pe.Code]; ok {
			ic.Log(msg)
		}
	}
	return err
}

func (p *tokenProgram) dispatch(ic *InstructionContext) error {
	if p.ext && len(ic.Data) >= 8 {
		if h, ok := tokenMetadataHandlers[[8]byte(ic.Data[:8])]; ok {
			return h(p, ic)
		}
	}
	if len(ic.Data) == 0 {
		return errTokInvalidInstruction
	}
	h, ok := tokenHandlers[ic.Data[0]]
	if !ok || (!p.ext && ic.Data[0] > 24) {
		return errTokInvalidInstruction
	}
	r := &byteReader{b: ic.Data[1:]}
	return h(p, ic, r)
}

type tokenHandler func(p *tokenProgram, ic *InstructionContext, r *byteReader) error

var tokenHandlers map[byte]tokenHandler

func init() {
	tokenHandlers = map[byte]tokenHandler{
		0: (*tokenProgram).initializeMint, 20: (*tokenProgram).initializeMint,
		1: (*tokenProgram).initializeAccount, 16: (*tokenProgram).initializeAccount, 18: (*tokenProgram).initializeAccount,
		3: (*tokenProgram).transfer, 12: (*tokenProgram).transfer,
		4: (*tokenProgram).approve, 5: (*tokenProgram).revoke,
		6: (*tokenProgram).setAuthority,
		7: (*tokenProgram).mintTo, 14: (*tokenProgram).mintTo,
		8: (*tokenProgram).burn, 15: (*tokenProgram).burn,
		9:  (*tokenProgram).closeAccount,
		17: (*tokenProgram).syncNative,
		21: (*tokenProgram).getAccountDataSize,
		22: (*tokenProgram).initializeImmutableOwner,
		39: (*tokenProgram).metadataPointer,
	}
}

var tokenIxNames = map[byte]string{0: "InitializeMint", 20: "InitializeMint2", 1: "InitializeAccount",
	16: "InitializeAccount2", 18: "InitializeAccount3", 3: "Transfer", 12: "TransferChecked", 4: "Approve",
	5: "Revoke", 6: "SetAuthority", 7: "MintTo", 14: "MintToChecked", 8: "Burn", 15: "BurnChecked",
	9: "CloseAccount", 17: "SyncNative", 21: "GetAccountDataSize", 22: "InitializeImmutableOwner"}

func (p *tokenProgram) begin(ic *InstructionContext, cu uint64) error {
	if name, ok := tokenIxNames[ic.Data[0]]; ok {
		ic.Log("Instruction: " + name)
	}
	return ic.ConsumeCU(cu)
}

func (p *tokenProgram) nativeMint() solana.PublicKey {
	if p.ext {
		return NativeMint2022
	}
	return NativeMint
}

// loadAccount checks ownership and initialization and decodes a token account.
func (p *tokenProgram) loadAccount(ref *AccountRef) (*TokenAccountState, error) {
	if ref.Owner != p.id {
		return nil, ErrIncorrectProgramID
	}
	st, ok := parseTokenAccount(ref.Data)
	if !ok {
		if st == nil {
			return nil, ErrInvalidAccountData
		}
		return nil, errTokUninitializedState
	}
	return st, nil
}

func (p *tokenProgram) loadMint(ref *AccountRef) (*MintState, error) {
	if ref.Owner != p.id {
		return nil, ErrIncorrectProgramID
	}
	m, ok := parseMint(ref.Data)
	if !ok {
		if m == nil {
			return nil, ErrInvalidAccountData
		}
		return nil, errTokUninitializedState
	}
	return m, nil
}

// checkAuthority validates that ref is expected and signed.
func checkAuthority(expected solana.PublicKey, ref *AccountRef) error {
	if ref.Key != expected {
		return errTokOwnerMismatch
	}
	if !ref.IsSigner {
		return ErrMissingRequiredSignature
	}
	return nil
}

func (p *tokenProgram) initializeMint(ic *InstructionContext, r *byteReader) error {
	if err := p.begin(ic, 2828); err != nil {
		return err
	}
	decimals, auth := r.u8(), r.pubkey()
	freeze := readOptionKeyIx(r)
	if r.bad {
		return errTokInvalidInstruction
	}
	acc, err := needAccounts(ic, 1)
	if err != nil {
		return err
	}
	mint := acc[0]
	if mint.Owner != p.id {
		return ErrIncorrectProgramID
	}
	d := mint.Data
	switch {
	case len(d) == MintSize:
	case p.ext && len(d) > accountTypeOffset && d[accountTypeOffset] == 0:
		d[accountTypeOffset] = accountTypeMint
	default:
		return ErrInvalidAccountData
	}
	if d[45] == 1 {
		return errTokAlreadyInUse
	}
	if mint.Lamports < RentExemptMinimum(len(d)) {
		return errTokNotRentExempt
	}
	(&MintState{MintAuthority: &auth, Decimals: decimals, Initialized: true, FreezeAuthority: freeze}).encode(d)
	return nil
}

// readOptionKeyIx reads the instruction-data COption<Pubkey> (u8 tag, then 32
// bytes only when present).
func readOptionKeyIx(r *byteReader) *solana.PublicKey {
	switch r.u8() {
	case 0:
		return nil
	case 1:
		k := r.pubkey()
		return &k
	}
	r.bad = true
	return nil
}

// initializeAccount covers InitializeAccount (owner from accounts[2]) and
// InitializeAccount2/3 (owner in the data).
func (p *tokenProgram) initializeAccount(ic *InstructionContext, r *byteReader) error {
	if err := p.begin(ic, 4214); err != nil {
		return err
	}
	acc, err := needAccounts(ic, 2)
	if err != nil {
		return err
	}
	var owner solana.PublicKey
	if ic.Data[0] == 1 {
		if len(acc) < 3 {
			return ErrNotEnoughAccountKeys
		}
		owner = acc[2].Key
	} else if owner = r.pubkey(); r.bad {
		return errTokInvalidInstruction
	}
	account, mintRef := acc[0], acc[1]
	if account.Owner != p.id {
		return ErrIncorrectProgramID
	}
	d := account.Data
	switch {
	case len(d) == TokenAccountSize:
	case p.ext && len(d) > accountTypeOffset && d[accountTypeOffset] == 0:
	default:
		return ErrInvalidAccountData
	}
	if d[108] != 0 {
		return errTokAlreadyInUse
	}
	reserve := RentExemptMinimum(len(d))
	if account.Lamports < reserve {
		return errTokNotRentExempt
	}
	st := &TokenAccountState{Mint: mintRef.Key, Owner: owner, State: 1}
	if mintRef.Key == p.nativeMint() {
		st.IsNative, st.Amount = &reserve, account.Lamports-reserve
	} else if _, err := p.loadMint(mintRef); err != nil {
		return errTokInvalidMint
	}
	if len(d) > accountTypeOffset {
		d[accountTypeOffset] = accountTypeAccount
	}
	st.encode(d)
	return nil
}

// transfer is Transfer (3) and TransferChecked (12).
func (p *tokenProgram) transfer(ic *InstructionContext, r *byteReader) error {
	if err := p.begin(ic, 4645); err != nil {
		return err
	}
	checked := ic.Data[0] == 12
	amount := r.u64()
	decimals := uint8(0)
	if checked {
		decimals = r.u8()
	}
	if r.bad {
		return errTokInvalidInstruction
	}
	n := 3
	if checked {
		n = 4 // source, mint, destination, authority
	}
	acc, err := needAccounts(ic, n)
	if err != nil {
		return err
	}
	srcRef, dstRef, authRef := acc[0], acc[1], acc[2]
	if checked {
		dstRef, authRef = acc[2], acc[3]
	}
	src, dst, err := p.loadTransferPair(srcRef, dstRef, amount)
	if err != nil {
		return err
	}
	if checked {
		if err := p.checkMintDecimals(acc[1], src.Mint, decimals); err != nil {
			return err
		}
	}
	if err := p.spendAuthority(src, authRef, amount); err != nil {
		return err
	}
	if srcRef.Key == dstRef.Key {
		src.encode(srcRef.Data)
		return nil
	}
	src.Amount -= amount
	dst.Amount += amount
	if src.IsNative != nil {
		srcRef.Lamports -= amount
		dstRef.Lamports += amount
	}
	src.encode(srcRef.Data)
	dst.encode(dstRef.Data)
	return nil
}

// loadTransferPair decodes and checks source and destination of a transfer.
func (p *tokenProgram) loadTransferPair(srcRef, dstRef *AccountRef, amount uint64) (src, dst *TokenAccountState, err error) {
	if src, err = p.loadAccount(srcRef); err != nil {
		return nil, nil, err
	}
	if dst, err = p.loadAccount(dstRef); err != nil {
		return nil, nil, err
	}
	switch {
	case src.State == 2 || dst.State == 2:
		return nil, nil, errTokAccountFrozen
	case src.Amount < amount:
		return nil, nil, errTokInsufficientFunds
	case src.Mint != dst.Mint:
		return nil, nil, errTokMintMismatch
	}
	return src, dst, nil
}

// checkMintDecimals is the *Checked variants' mint and decimals check.
func (p *tokenProgram) checkMintDecimals(mintRef *AccountRef, want solana.PublicKey, decimals uint8) error {
	if mintRef.Key != want {
		return errTokMintMismatch
	}
	mint, err := p.loadMint(mintRef)
	if err != nil {
		return err
	}
	if mint.Decimals != decimals {
		return errTokMintDecimalsMismatch
	}
	return nil
}

// spendAuthority checks owner-or-delegate authority over amount tokens of src
// and consumes the delegation when the delegate spends.
func (p *tokenProgram) spendAuthority(src *TokenAccountState, auth *AccountRef, amount uint64) error {
	if src.Delegate != nil && auth.Key == *src.Delegate && auth.Key != src.Owner {
		if !auth.IsSigner {
			return ErrMissingRequiredSignature
		}
		if src.DelegateAmount < amount {
			return errTokInsufficientFunds
		}
		src.DelegateAmount -= amount
		if src.DelegateAmount == 0 {
			src.Delegate = nil
		}
		return nil
	}
	return checkAuthority(src.Owner, auth)
}
