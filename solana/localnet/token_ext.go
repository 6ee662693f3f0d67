package localnet

import (
	"crypto/sha256"

	"github.com/gagliardetto/solana-go"
)

// Authority types of SetAuthority (Token-2022 adds to the first four).
const (
	authMintTokens      = 0
	authFreezeAccount   = 1
	authAccountOwner    = 2
	authCloseAccount    = 3
	authMetadataPointer = 12
)

// setAuthority is SetAuthority {authority_type u8, new_authority COption}.
func (p *tokenProgram) setAuthority(ic *InstructionContext, r *byteReader) error {
	if err := p.begin(ic, 2800); err != nil {
		return err
	}
	typ := r.u8()
	newAuth := readOptionKeyIx(r)
	acc, err := needAccounts(ic, 2)
	if err != nil || r.bad {
		return cmpErr(err, errTokInvalidInstruction)
	}
	target, auth := acc[0], acc[1]
	if target.Owner != p.id {
		return ErrIncorrectProgramID
	}
	if isMintData(target.Data) {
		return p.setMintAuthority(target, auth, typ, newAuth)
	}
	return p.setAccountAuthority(target, auth, typ, newAuth)
}

func (p *tokenProgram) setMintAuthority(target, auth *AccountRef, typ uint8, newAuth *solana.PublicKey) error {
	mint, ok := parseMint(target.Data)
	if !ok {
		return errTokUninitializedState
	}
	switch typ {
	case authMintTokens:
		if mint.MintAuthority == nil {
			return errTokFixedSupply
		}
		if err := checkAuthority(*mint.MintAuthority, auth); err != nil {
			return err
		}
		mint.MintAuthority = newAuth
	case authFreezeAccount:
		if mint.FreezeAuthority == nil {
			return customErr(16, "MintCannotFreeze")
		}
		if err := checkAuthority(*mint.FreezeAuthority, auth); err != nil {
			return err
		}
		mint.FreezeAuthority = newAuth
	case authMetadataPointer:
		if !p.ext {
			return errTokAuthorityTypeNotSupported
		}
		return setPointerAuthority(target.Data, auth, newAuth)
	default:
		return errTokAuthorityTypeNotSupported
	}
	mint.encode(target.Data)
	return nil
}

func setPointerAuthority(d []byte, auth *AccountRef, newAuth *solana.PublicKey) error {
	start, _, ok := tlvFind(d, extMetadataPointer)
	if !ok {
		return customErr(20, "ExtensionTypeMismatch")
	}
	cur := solana.PublicKeyFromBytes(d[start : start+32])
	if cur.IsZero() {
		return customErr(29, "NoAuthorityExists")
	}
	if err := checkAuthority(cur, auth); err != nil {
		return err
	}
	var next solana.PublicKey
	if newAuth != nil {
		next = *newAuth
	}
	copy(d[start:start+32], next[:])
	return nil
}

func (p *tokenProgram) setAccountAuthority(target, auth *AccountRef, typ uint8, newAuth *solana.PublicKey) error {
	st, err := p.loadAccount(target)
	if err != nil {
		return err
	}
	switch typ {
	case authAccountOwner:
		if err := checkAuthority(st.Owner, auth); err != nil {
			return err
		}
		if _, _, immutable := tlvFind(target.Data, extImmutableOwner); immutable {
			return errTokImmutableOwner
		}
		if newAuth == nil {
			return errTokInvalidInstruction
		}
		st.Owner, st.Delegate, st.DelegateAmount = *newAuth, nil, 0
		if st.IsNative != nil {
			st.CloseAuthority = nil
		}
	case authCloseAccount:
		cur := st.Owner
		if st.CloseAuthority != nil {
			cur = *st.CloseAuthority
		}
		if err := checkAuthority(cur, auth); err != nil {
			return err
		}
		st.CloseAuthority = newAuth
	default:
		return errTokAuthorityTypeNotSupported
	}
	st.encode(target.Data)
	return nil
}

// metadataPointer is Token-2022 MetadataPointerExtension (39): sub 0
// Initialize {authority, metadata_address} on an uninitialized mint, sub 1
// Update {metadata_address}.
func (p *tokenProgram) metadataPointer(ic *InstructionContext, r *byteReader) error {
	sub := r.u8()
	acc, err := needAccounts(ic, 1)
	if err != nil || r.bad {
		return cmpErr(err, errTokInvalidInstruction)
	}
	mint := acc[0]
	if mint.Owner != p.id {
		return ErrIncorrectProgramID
	}
	switch sub {
	case 0:
		ic.Log("MetadataPointerInstruction::Initialize")
		if err := ic.ConsumeCU(1200); err != nil {
			return err
		}
		value := r.take(64)
		if r.bad {
			return errTokInvalidInstruction
		}
		if len(mint.Data) <= accountTypeOffset || mint.Data[45] == 1 {
			return ErrInvalidAccountData
		}
		return tlvInit(mint.Data, extMetadataPointer, value)
	case 1:
		ic.Log("MetadataPointerInstruction::Update")
		addr := r.take(32)
		if r.bad || len(acc) < 2 {
			return errTokInvalidInstruction
		}
		start, _, ok := tlvFind(mint.Data, extMetadataPointer)
		if !ok {
			return customErr(20, "ExtensionTypeMismatch")
		}
		if err := checkAuthority(solana.PublicKeyFromBytes(mint.Data[start:start+32]), acc[1]); err != nil {
			return err
		}
		copy(mint.Data[start+32:start+64], addr)
		return nil
	}
	return errTokInvalidInstruction
}

// Token metadata interface errors (hash_error_code_start = 901_952_584).
var (
	errMetaIncorrectMintAuthority   = customErr(901_952_586, "IncorrectMintAuthority")
	errMetaIncorrectUpdateAuthority = customErr(901_952_587, "IncorrectUpdateAuthority")
	errMetaImmutable                = customErr(901_952_588, "ImmutableMetadata")
)

func splDisc(name string) [8]byte {
	sum := sha256.Sum256([]byte("spl_token_metadata_interface:" + name))
	return [8]byte(sum[:8])
}

type tokenMetaHandler func(p *tokenProgram, ic *InstructionContext) error

var tokenMetadataHandlers = map[[8]byte]tokenMetaHandler{
	splDisc("initialize_account"):   (*tokenProgram).metadataInitialize,
	splDisc("updating_field"):       (*tokenProgram).metadataUpdateField,
	splDisc("update_the_authority"): (*tokenProgram).metadataUpdateAuthority,
}

func readBorshString(r *byteReader) string {
	n := r.u32()
	if r.bad || int(n) > len(r.b) {
		r.bad = true
		return ""
	}
	return string(r.take(int(n)))
}

// metadataInitialize is TokenMetadataInstruction::Initialize {name, symbol, uri}:
// accounts metadata (= mint) W, update_authority, mint, mint_authority S. The
// mint grows to hold the metadata; it must already hold the lamports for that.
func (p *tokenProgram) metadataInitialize(ic *InstructionContext) error {
	ic.Log("TokenMetadataInstruction: Initialize")
	if err := ic.ConsumeCU(9000); err != nil {
		return err
	}
	r := &byteReader{b: ic.Data[8:]}
	name, symbol, uri := readBorshString(r), readBorshString(r), readBorshString(r)
	acc, err := needAccounts(ic, 4)
	if err != nil || r.bad {
		return cmpErr(err, ErrInvalidInstructionData)
	}
	metaRef, updateAuth, mintRef, mintAuth := acc[0], acc[1], acc[2], acc[3]
	if metaRef.Key != mintRef.Key {
		ic.Log("Metadata for a mint must be initialized in the mint itself.")
		return errTokMintMismatch
	}
	mint, err := p.loadMint(mintRef)
	if err != nil {
		return err
	}
	if mint.MintAuthority == nil || *mint.MintAuthority != mintAuth.Key {
		return errMetaIncorrectMintAuthority
	}
	if !mintAuth.IsSigner {
		return ErrMissingRequiredSignature
	}
	start, _, ok := tlvFind(mintRef.Data, extMetadataPointer)
	if !ok || solana.PublicKeyFromBytes(mintRef.Data[start+32:start+64]) != mintRef.Key {
		ic.Log("A mint with metadata must have the metadata-pointer extension initialized")
		return customErr(39, "InvalidExtensionCombination")
	}
	if _, _, exists := tlvFind(mintRef.Data, extTokenMetadata); exists {
		return errTokExtensionAlreadyInitialized
	}
	ua := updateAuth.Key
	md := &TokenMetadata{UpdateAuthority: &ua, Mint: mintRef.Key, Name: name, Symbol: symbol, URI: uri}
	mintRef.Data = tlvAppend(mintRef.Data, extTokenMetadata, md.encode())
	return nil
}

func (p *tokenProgram) loadMetadataForUpdate(ic *InstructionContext) (*AccountRef, *TokenMetadata, error) {
	acc, err := needAccounts(ic, 2)
	if err != nil {
		return nil, nil, err
	}
	if acc[0].Owner != p.id {
		return nil, nil, ErrIncorrectProgramID
	}
	md, ok := ParseTokenMetadata(acc[0].Data)
	if !ok {
		return nil, nil, ErrInvalidAccountData
	}
	if md.UpdateAuthority == nil {
		return nil, nil, errMetaImmutable
	}
	if *md.UpdateAuthority != acc[1].Key {
		return nil, nil, errMetaIncorrectUpdateAuthority
	}
	if !acc[1].IsSigner {
		return nil, nil, ErrMissingRequiredSignature
	}
	return acc[0], md, nil
}

// metadataUpdateField is UpdateField {field: Name|Symbol|Uri|Key(String), value}.
func (p *tokenProgram) metadataUpdateField(ic *InstructionContext) error {
	ic.Log("TokenMetadataInstruction: UpdateField")
	ref, md, err := p.loadMetadataForUpdate(ic)
	if err != nil {
		return err
	}
	r := &byteReader{b: ic.Data[8:]}
	field := r.u8()
	var key string
	if field == 3 {
		key = readBorshString(r)
	}
	value := readBorshString(r)
	if r.bad || field > 3 {
		return ErrInvalidInstructionData
	}
	switch field {
	case 0:
		md.Name = value
	case 1:
		md.Symbol = value
	case 2:
		md.URI = value
	default:
		md.setAdditional(key, value)
	}
	ref.Data = tlvReplace(ref.Data, extTokenMetadata, md.encode())
	return nil
}

func (m *TokenMetadata) setAdditional(key, value string) {
	for i := range m.Additional {
		if m.Additional[i][0] == key {
			m.Additional[i][1] = value
			return
		}
	}
	m.Additional = append(m.Additional, [2]string{key, value})
}

// metadataUpdateAuthority is UpdateAuthority {new_authority (32, zero = none)}.
func (p *tokenProgram) metadataUpdateAuthority(ic *InstructionContext) error {
	ic.Log("TokenMetadataInstruction: UpdateAuthority")
	ref, md, err := p.loadMetadataForUpdate(ic)
	if err != nil {
		return err
	}
	r := &byteReader{b: ic.Data[8:]}
	next := r.pubkey()
	if r.bad {
		return ErrInvalidInstructionData
	}
	md.UpdateAuthority = nil
	if !next.IsZero() {
		md.UpdateAuthority = &next
	}
	ref.Data = tlvReplace(ref.Data, extTokenMetadata, md.encode())
	return nil
}
