package localnet

import (
	"github.com/gagliardetto/solana-go"
)

// MetaplexProgramID is Metaplex Token Metadata.
var MetaplexProgramID = solana.MustPublicKeyFromBase58("metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s")

// MetaplexProgram models Metaplex Token Metadata far enough for launchpads:
// CreateMetadataAccountV3 (instruction 33) writes a Metadata account with
// the real layout (key 4 = MetadataV1, update authority, mint, name padded
// to 32, symbol to 10, uri to 200, then the DataV2 tail). Other instructions
// fail with InvalidInstructionData.
type MetaplexProgram struct{}

// ID returns the Metaplex program id.
func (MetaplexProgram) ID() solana.PublicKey { return MetaplexProgramID }

// Metaplex MetadataError codes (mpl-token-metadata; UNVERIFIED numbering).
var (
	mplErrAlreadyInitialized = &ProgramError{Code: 3, Name: "AlreadyInitialized"}
	mplErrInvalidMetadataKey = &ProgramError{Code: 5, Name: "InvalidMetadataKey"}
	mplErrNotMintAuthority   = &ProgramError{Code: 9, Name: "NotMintAuthority"}
	mplErrNameTooLong        = &ProgramError{Code: 11, Name: "NameTooLong"}
	mplErrSymbolTooLong      = &ProgramError{Code: 12, Name: "SymbolTooLong"}
	mplErrURITooLong         = &ProgramError{Code: 13, Name: "UriTooLong"}
)

const (
	mplCreateMetadataV3 = 33
	mplMetadataSize     = 679 // MAX_METADATA_LEN
	mplMaxName          = 32
	mplMaxSymbol        = 10
	mplMaxURI           = 200
	mplKeyMetadataV1    = 4
	mplCU               = 30_000
)

// Process handles CreateMetadataAccountV3. Accounts: metadata W, mint,
// mint_authority S, payer W S, update_authority, system program, [rent].
func (MetaplexProgram) Process(ic *InstructionContext) error {
	if len(ic.Data) == 0 || ic.Data[0] != mplCreateMetadataV3 {
		return ErrInvalidInstructionData
	}
	if err := ic.ConsumeCU(mplCU); err != nil {
		return err
	}
	if len(ic.Accounts) < 6 {
		return ErrNotEnoughAccountKeys
	}
	md, mint, auth, payer, update := ic.Accounts[0], ic.Accounts[1], ic.Accounts[2], ic.Accounts[3], ic.Accounts[4]
	if k, _ := findPDA(MetaplexProgramID, []byte("metadata"), MetaplexProgramID[:], mint.Key[:]); k != md.Key {
		return mplErrInvalidMetadataKey
	}
	if md.Account != nil && md.Owner == MetaplexProgramID && len(md.Data) > 0 {
		return mplErrAlreadyInitialized
	}
	if !auth.IsSigner || !payer.IsSigner {
		return ErrMissingRequiredSignature
	}
	if mint.Account == nil || !isTokenProgram(mint.Owner) || len(mint.Data) < 82 ||
		le32(mint.Data, 0) != 1 || keyAt(mint.Data, 4) != auth.Key {
		return mplErrNotMintAuthority
	}
	r := &borshReader{b: ic.Data[1:]}
	name, symbol, uri := r.str(), r.str(), r.str()
	if r.err != nil {
		return ErrInvalidInstructionData
	}
	switch {
	case len(name) > mplMaxName:
		return mplErrNameTooLong
	case len(symbol) > mplMaxSymbol:
		return mplErrSymbolTooLong
	case len(uri) > mplMaxURI:
		return mplErrURITooLong
	}
	tail := r.b // seller_fee_basis_points, creators, collection, uses, is_mutable, collection_details
	if err := cpiCreateAccount(ic, payer.Key, md.Key, mplMetadataSize, MetaplexProgramID,
		[]byte("metadata"), MetaplexProgramID[:], mint.Key[:]); err != nil {
		return err
	}
	ref, _ := ic.Lookup(md.Key)
	ref.Data = mplMetadataData(update.Key, mint.Key, name, symbol, uri, tail)
	return nil
}

// mplMetadataData lays out a Metadata account: the fixed-width strings are
// NUL-padded to their maximum, as Metaplex stores them.
func mplMetadataData(update, mint solana.PublicKey, name, symbol, uri string, tail []byte) []byte {
	w := &borshWriter{b: make([]byte, 0, mplMetadataSize)}
	w.u8(mplKeyMetadataV1).key(update).key(mint)
	w.str(padNul(name, mplMaxName)).str(padNul(symbol, mplMaxSymbol)).str(padNul(uri, mplMaxURI))
	if len(tail) >= 2 {
		w.raw(tail[:2]) // seller_fee_basis_points
	} else {
		w.u16(0)
	}
	w.u8(0) // creators are not modelled: readers see None
	w.u8(0) // primary_sale_happened
	w.u8(mplIsMutable(tail))
	w.u8(0).u8(0).u8(0).u8(0).u8(0).u8(0) // edition_nonce, token_standard, collection, uses, collection_details, programmable_config
	if len(w.b) > mplMetadataSize {
		return w.b[:mplMetadataSize]
	}
	return append(w.b, make([]byte, mplMetadataSize-len(w.b))...)
}

// mplIsMutable finds is_mutable after seller fee and three None options
// (creators, collection, uses), the common launchpad shape; default true.
func mplIsMutable(tail []byte) uint8 {
	if len(tail) >= 6 && tail[2] == 0 && tail[3] == 0 && tail[4] == 0 {
		return tail[5]
	}
	return 1
}

func padNul(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return s + string(make([]byte, n-len(s)))
}

func le32(b []byte, off int) uint32 {
	if off+4 > len(b) {
		return 0
	}
	return uint32(b[off]) | uint32(b[off+1])<<8 | uint32(b[off+2])<<16 | uint32(b[off+3])<<24
}
