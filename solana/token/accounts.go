package token

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gagliardetto/solana-go"
)

// Sizes of the base layouts shared by SPL Token and Token-2022.
const (
	AccountSize = 165 // token account base layout
	MintSize    = 82  // mint base layout
	// Token2022ATASize is a Token-2022 ATA: base + account type + ImmutableOwner TLV.
	Token2022ATASize = 170

	accountTypeOffset = 165 // Token-2022: byte after the base layout (mints are padded to it)
	tlvOffset         = 166
	accountTypeMint   = 1
	accountTypeAcct   = 2
	extImmutableOwner = 7
	maxAccountData    = 10 << 20 // Solana's maximum account size bounds hostile input
)

// ErrInvalidAccount is returned (wrapped) for data that is not the expected layout.
var ErrInvalidAccount = errors.New("invalid token account data")

// AccountState is a token account's state byte.
type AccountState uint8

// Token account states.
const (
	StateUninitialized AccountState = 0
	StateInitialized   AccountState = 1
	StateFrozen        AccountState = 2
)

// Account is a decoded token account (either program). Optional keys are the zero
// key when unset.
type Account struct {
	Mint            solana.PublicKey
	Owner           solana.PublicKey
	Amount          uint64 // offset 64 in both programs
	Delegate        solana.PublicKey
	State           AccountState
	IsNative        bool
	NativeReserve   uint64 // rent-exempt reserve of a native (WSOL) account
	DelegatedAmount uint64
	CloseAuthority  solana.PublicKey
}

// Mint is a decoded mint (either program). Optional authorities are zero when unset.
type Mint struct {
	MintAuthority   solana.PublicKey
	Supply          uint64
	Decimals        uint8
	IsInitialized   bool
	FreezeAuthority solana.PublicKey
}

// DecodeTokenAccount decodes an SPL Token or Token-2022 token account.
func DecodeTokenAccount(data []byte) (Account, error) {
	if err := checkKind(data, AccountSize, accountTypeAcct); err != nil {
		return Account{}, fmt.Errorf("decode token account: %w", err)
	}
	var a Account
	copy(a.Mint[:], data[0:32])
	copy(a.Owner[:], data[32:64])
	a.Amount = binary.LittleEndian.Uint64(data[64:72])
	a.Delegate = coptionKey(data[72:108])
	a.State = AccountState(data[108])
	if a.State != StateInitialized && a.State != StateFrozen {
		return Account{}, fmt.Errorf("decode token account: state %d: %w", a.State, ErrInvalidAccount)
	}
	if binary.LittleEndian.Uint32(data[109:113]) == 1 {
		a.IsNative = true
		a.NativeReserve = binary.LittleEndian.Uint64(data[113:121])
	}
	a.DelegatedAmount = binary.LittleEndian.Uint64(data[121:129])
	a.CloseAuthority = coptionKey(data[129:165])
	return a, nil
}

// DecodeMint decodes an SPL Token or Token-2022 mint (extensions are ignored; use
// Extension to read one).
func DecodeMint(data []byte) (Mint, error) {
	if err := checkKind(data, MintSize, accountTypeMint); err != nil {
		return Mint{}, fmt.Errorf("decode mint: %w", err)
	}
	m := Mint{
		MintAuthority:   coptionKey(data[0:36]),
		Supply:          binary.LittleEndian.Uint64(data[36:44]),
		Decimals:        data[44],
		IsInitialized:   data[45] == 1,
		FreezeAuthority: coptionKey(data[46:82]),
	}
	if !m.IsInitialized {
		return Mint{}, fmt.Errorf("decode mint: not initialized: %w", ErrInvalidAccount)
	}
	return m, nil
}

// checkKind accepts the exact base size, or a Token-2022 extended layout whose
// account-type byte matches kind.
func checkKind(data []byte, base int, kind byte) error {
	switch {
	case len(data) == base:
		return nil
	case len(data) > accountTypeOffset && len(data) <= maxAccountData && data[accountTypeOffset] == kind:
		return nil
	default:
		return fmt.Errorf("length %d: %w", len(data), ErrInvalidAccount)
	}
}

// coptionKey reads a COption<Pubkey> (u32 tag + 32 bytes); unset gives the zero key.
func coptionKey(b []byte) solana.PublicKey {
	var k solana.PublicKey
	if binary.LittleEndian.Uint32(b[:4]) == 1 {
		copy(k[:], b[4:36])
	}
	return k
}

func putCOptionKey(b []byte, k solana.PublicKey) {
	if k.IsZero() {
		return
	}
	binary.LittleEndian.PutUint32(b[:4], 1)
	copy(b[4:36], k[:])
}

// EncodeTokenAccount lays out a as tokenProgram stores it: 165 bytes for SPL Token,
// 170 bytes (account type + ImmutableOwner, as an ATA has) for Token-2022.
func EncodeTokenAccount(a Account, tokenProgram solana.PublicKey) []byte {
	size := AccountSize
	if tokenProgram == Token2022ProgramID {
		size = Token2022ATASize
	}
	b := make([]byte, size)
	copy(b[0:32], a.Mint[:])
	copy(b[32:64], a.Owner[:])
	binary.LittleEndian.PutUint64(b[64:72], a.Amount)
	putCOptionKey(b[72:108], a.Delegate)
	b[108] = byte(a.State)
	if a.IsNative {
		binary.LittleEndian.PutUint32(b[109:113], 1)
		binary.LittleEndian.PutUint64(b[113:121], a.NativeReserve)
	}
	binary.LittleEndian.PutUint64(b[121:129], a.DelegatedAmount)
	putCOptionKey(b[129:165], a.CloseAuthority)
	if size == Token2022ATASize {
		b[accountTypeOffset] = accountTypeAcct
		binary.LittleEndian.PutUint16(b[tlvOffset:], extImmutableOwner) // length 0 follows
	}
	return b
}

// EncodeMint lays out the 82-byte base mint (valid for both programs when the mint
// has no extensions).
func EncodeMint(m Mint) []byte {
	b := make([]byte, MintSize)
	putCOptionKey(b[0:36], m.MintAuthority)
	binary.LittleEndian.PutUint64(b[36:44], m.Supply)
	b[44] = m.Decimals
	if m.IsInitialized {
		b[45] = 1
	}
	putCOptionKey(b[46:82], m.FreezeAuthority)
	return b
}

// Extension returns the value of Token-2022 extension ext (e.g. 18 metadata pointer,
// 19 token metadata) in a mint or account, walking the TLV area after byte 166.
func Extension(data []byte, ext uint16) ([]byte, bool) {
	if len(data) <= tlvOffset || len(data) > maxAccountData {
		return nil, false
	}
	for off := tlvOffset; off+4 <= len(data); {
		typ := binary.LittleEndian.Uint16(data[off:])
		n := int(binary.LittleEndian.Uint16(data[off+2:]))
		if typ == 0 || off+4+n > len(data) {
			return nil, false // uninitialized padding or truncated entry ends the walk
		}
		if typ == ext {
			return data[off+4 : off+4+n], true
		}
		off += 4 + n
	}
	return nil, false
}
