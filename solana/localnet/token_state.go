package localnet

import (
	"encoding/binary"

	"github.com/gagliardetto/solana-go"
)

// SPL Token layouts. Mint (82 bytes): mint_authority COption<Pubkey> @0 (u32 tag +
// 32), supply u64 @36, decimals u8 @44, is_initialized @45, freeze_authority
// COption @46. Account (165 bytes): mint @0, owner @32, amount @64, delegate
// COption @72, state u8 @108, is_native COption<u64> @109, delegated_amount @121,
// close_authority COption @129. Token-2022 accounts with extensions pad the base
// to 165 bytes, put the account type at 165 (1 mint, 2 account) and TLV entries
// (u16 type, u16 length, value) from 166.
const (
	MintSize         = 82
	TokenAccountSize = 165
	// Token2022AccountSize is a Token-2022 account with the immutable-owner
	// extension, as the ATA program creates it.
	Token2022AccountSize = 170
	accountTypeOffset    = 165
	tlvStart             = 166

	extImmutableOwner  = 7
	extMetadataPointer = 18
	extTokenMetadata   = 19

	accountTypeMint    = 1
	accountTypeAccount = 2
)

// MintState is a decoded mint.
type MintState struct {
	MintAuthority   *solana.PublicKey
	Supply          uint64
	Decimals        uint8
	Initialized     bool
	FreezeAuthority *solana.PublicKey
}

// TokenAccountState is a decoded token account.
type TokenAccountState struct {
	Mint           solana.PublicKey
	Owner          solana.PublicKey
	Amount         uint64
	Delegate       *solana.PublicKey
	State          uint8 // 0 uninitialized, 1 initialized, 2 frozen
	IsNative       *uint64
	DelegateAmount uint64
	CloseAuthority *solana.PublicKey
}

func readCOptionKey(d []byte) *solana.PublicKey {
	if binary.LittleEndian.Uint32(d) != 1 {
		return nil
	}
	k := solana.PublicKeyFromBytes(d[4:36])
	return &k
}

func writeCOptionKey(d []byte, k *solana.PublicKey) {
	clear(d[:36])
	if k != nil {
		binary.LittleEndian.PutUint32(d, 1)
		copy(d[4:36], k[:])
	}
}

// isMintData tells a mint from a token account by length and account type.
func isMintData(d []byte) bool {
	return len(d) == MintSize || (len(d) > accountTypeOffset && d[accountTypeOffset] == accountTypeMint)
}

func parseMint(d []byte) (*MintState, bool) {
	if !isMintData(d) {
		return nil, false
	}
	m := &MintState{
		MintAuthority:   readCOptionKey(d[0:]),
		Supply:          binary.LittleEndian.Uint64(d[36:]),
		Decimals:        d[44],
		Initialized:     d[45] == 1,
		FreezeAuthority: readCOptionKey(d[46:]),
	}
	return m, m.Initialized
}

func (m *MintState) encode(d []byte) {
	writeCOptionKey(d[0:], m.MintAuthority)
	binary.LittleEndian.PutUint64(d[36:], m.Supply)
	d[44] = m.Decimals
	d[45] = 0
	if m.Initialized {
		d[45] = 1
	}
	writeCOptionKey(d[46:], m.FreezeAuthority)
}

// parseTokenAccount decodes an initialized token account.
func parseTokenAccount(d []byte) (*TokenAccountState, bool) {
	if len(d) < TokenAccountSize || (len(d) > TokenAccountSize && d[accountTypeOffset] != accountTypeAccount) {
		return nil, false
	}
	a := &TokenAccountState{
		Mint:           solana.PublicKeyFromBytes(d[0:32]),
		Owner:          solana.PublicKeyFromBytes(d[32:64]),
		Amount:         binary.LittleEndian.Uint64(d[64:]),
		Delegate:       readCOptionKey(d[72:]),
		State:          d[108],
		DelegateAmount: binary.LittleEndian.Uint64(d[121:]),
		CloseAuthority: readCOptionKey(d[129:]),
	}
	if binary.LittleEndian.Uint32(d[109:]) == 1 {
		v := binary.LittleEndian.Uint64(d[113:])
		a.IsNative = &v
	}
	return a, a.State != 0
}

func (a *TokenAccountState) encode(d []byte) {
	copy(d[0:32], a.Mint[:])
	copy(d[32:64], a.Owner[:])
	binary.LittleEndian.PutUint64(d[64:], a.Amount)
	writeCOptionKey(d[72:], a.Delegate)
	d[108] = a.State
	clear(d[109:121])
	if a.IsNative != nil {
		binary.LittleEndian.PutUint32(d[109:], 1)
		binary.LittleEndian.PutUint64(d[113:], *a.IsNative)
	}
	binary.LittleEndian.PutUint64(d[121:], a.DelegateAmount)
	writeCOptionKey(d[129:], a.CloseAuthority)
}

// tlvFind returns the value range of extension typ, or ok=false.
func tlvFind(d []byte, typ uint16) (start, end int, ok bool) {
	for off := tlvStart; off+4 <= len(d); {
		t := binary.LittleEndian.Uint16(d[off:])
		l := int(binary.LittleEndian.Uint16(d[off+2:]))
		if t == 0 {
			return 0, 0, false
		}
		if off+4+l > len(d) {
			return 0, 0, false
		}
		if t == typ {
			return off + 4, off + 4 + l, true
		}
		off += 4 + l
	}
	return 0, 0, false
}

// tlvFree returns the offset of the first unused TLV slot, or -1.
func tlvFree(d []byte) int {
	off := tlvStart
	for off+4 <= len(d) {
		t := binary.LittleEndian.Uint16(d[off:])
		if t == 0 {
			return off
		}
		off += 4 + int(binary.LittleEndian.Uint16(d[off+2:]))
	}
	if off == len(d) {
		return -2 // full
	}
	return -1
}

// tlvInit writes a fixed-size extension into the first free slot.
func tlvInit(d []byte, typ uint16, value []byte) error {
	if _, _, ok := tlvFind(d, typ); ok {
		return errTokExtensionAlreadyInitialized
	}
	off := tlvFree(d)
	if off < 0 || off+4+len(value) > len(d) {
		return ErrInvalidAccountData
	}
	binary.LittleEndian.PutUint16(d[off:], typ)
	binary.LittleEndian.PutUint16(d[off+2:], uint16(len(value)))
	copy(d[off+4:], value)
	return nil
}

// tlvAppend grows d by one extension entry (variable-length extensions).
func tlvAppend(d []byte, typ uint16, value []byte) []byte {
	end := len(d)
	if off := tlvFree(d); off >= 0 {
		end = off
	}
	out := append([]byte(nil), d[:end]...)
	out = binary.LittleEndian.AppendUint16(out, typ)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(value)))
	return append(out, value...)
}

// tlvReplace rewrites the value of an existing variable-length extension,
// resizing the account data.
func tlvReplace(d []byte, typ uint16, value []byte) []byte {
	start, end, ok := tlvFind(d, typ)
	if !ok {
		return tlvAppend(d, typ, value)
	}
	out := append([]byte(nil), d[:start-2]...)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(value)))
	out = append(out, value...)
	return append(out, d[end:]...)
}

// TokenMetadata is Token-2022's in-mint metadata (spl-token-metadata-interface).
type TokenMetadata struct {
	UpdateAuthority *solana.PublicKey
	Mint            solana.PublicKey
	Name            string
	Symbol          string
	URI             string
	Additional      [][2]string
}

func (m *TokenMetadata) encode() []byte {
	var d []byte
	var ua solana.PublicKey
	if m.UpdateAuthority != nil {
		ua = *m.UpdateAuthority
	}
	d = append(d, ua[:]...)
	d = append(d, m.Mint[:]...)
	for _, s := range []string{m.Name, m.Symbol, m.URI} {
		d = appendBorshString(d, s)
	}
	d = binary.LittleEndian.AppendUint32(d, uint32(len(m.Additional)))
	for _, kv := range m.Additional {
		d = appendBorshString(appendBorshString(d, kv[0]), kv[1])
	}
	return d
}

func appendBorshString(d []byte, s string) []byte {
	d = binary.LittleEndian.AppendUint32(d, uint32(len(s)))
	return append(d, s...)
}

// ParseTokenMetadata reads the TokenMetadata extension of a Token-2022 mint.
func ParseTokenMetadata(mintData []byte) (*TokenMetadata, bool) {
	start, end, ok := tlvFind(mintData, extTokenMetadata)
	if !ok || end-start < 64 {
		return nil, false
	}
	v := mintData[start:end]
	m := &TokenMetadata{Mint: solana.PublicKeyFromBytes(v[32:64])}
	if ua := solana.PublicKeyFromBytes(v[:32]); !ua.IsZero() {
		m.UpdateAuthority = &ua
	}
	r := &byteReader{b: v[64:]}
	str := func() string {
		n := r.u32()
		if r.bad || int(n) > len(r.b) {
			r.bad = true
			return ""
		}
		return string(r.take(int(n)))
	}
	m.Name, m.Symbol, m.URI = str(), str(), str()
	n := r.u32()
	for i := uint32(0); i < n && !r.bad; i++ {
		m.Additional = append(m.Additional, [2]string{str(), str()})
	}
	return m, !r.bad
}

// ParseMint decodes mint account data (either token program).
func ParseMint(data []byte) (*MintState, bool) { return parseMint(data) }

// ParseTokenAccount decodes token account data (either token program).
func ParseTokenAccount(data []byte) (*TokenAccountState, bool) { return parseTokenAccount(data) }
