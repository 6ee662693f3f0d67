package pump

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/token"
)

// Instruction discriminators.
var (
	DiscCreateV2       = disc("d6904cec5f8b31b4")
	DiscCreate         = disc("181ec828051c0777")
	DiscBuy            = disc("66063d1201daebea")
	DiscBuyExactSolIn  = disc("38fc74089edfcd5f")
	DiscSell           = disc("33e685a4017f83ad")
	DiscExtendAccount  = disc("ea66c2cb96483ee5")
	DiscEventCPI       = disc("e445a52e51cb9a1d") // prefix of self-CPI event data
	DiscTradeEvent     = disc("bddb7fd34ee661ee")
	DiscCreateEvent    = disc("1b72a94ddeeb6376")
	DiscCompleteEvent  = disc("5f72619cd42e9808")
	DiscExtendAccEvent = disc("6161d7905d92167c")
)

func disc(h string) (d [8]byte) {
	if n, err := hex.Decode(d[:], []byte(h)); err != nil || n != 8 {
		panic("pump: bad discriminator literal " + h)
	}
	return d
}

// Metadata limits the program enforces (errors 6043-6045).
const (
	MaxNameLen   = 32
	MaxSymbolLen = 13
	MaxURILen    = 200
)

// ErrInvalidParams is returned (wrapped) when a builder's input would be rejected
// by the program; catching it here avoids paying for a failing transaction.
var ErrInvalidParams = errors.New("pump: invalid params")

// CreateV2Params are the inputs of create_v2 (Token-2022 mint, metadata in the mint).
type CreateV2Params struct {
	Coin          Coin             // from NewCoin(mint, token.Token2022ProgramID, creator)
	User          solana.PublicKey // payer; signs with the mint keypair
	Name          string
	Symbol        string
	URI           string
	Mayhem        bool
	CreatorFeeBps uint64 // 0 = fee schedule
	HolderReward  bool
}

// CreateV2 builds create_v2 with its 16 accounts. The mint and user sign.
func CreateV2(p CreateV2Params) (solana.Instruction, error) {
	c := p.Coin
	if err := checkMetadata(p.Name, p.Symbol, p.URI); err != nil {
		return nil, fmt.Errorf("create_v2: %w", err)
	}
	if c.TokenProgram != token.Token2022ProgramID || c.Creator.IsZero() {
		return nil, fmt.Errorf("create_v2: coin needs Token-2022 and a non-zero creator: %w", ErrInvalidParams)
	}
	mayhemState, err := MayhemStateAddress(c.Mint)
	if err != nil {
		return nil, fmt.Errorf("create_v2: %w", err)
	}
	mayhemVault, err := MayhemTokenVaultAddress(c.Mint)
	if err != nil {
		return nil, fmt.Errorf("create_v2: %w", err)
	}
	data := make([]byte, 0, 8+12+len(p.Name)+len(p.Symbol)+len(p.URI)+32+1+1+8+1)
	data = append(data, DiscCreateV2[:]...)
	data = appendMetadata(data, p.Name, p.Symbol, p.URI)
	data = append(data, c.Creator[:]...)
	data = append(data, boolByte(p.Mayhem), 0) // is_cashback_enabled: deprecated, must be 0
	data = binary.LittleEndian.AppendUint64(data, p.CreatorFeeBps)
	data = append(data, boolByte(p.HolderReward))
	return solana.NewInstruction(ProgramID, solana.AccountMetaSlice{
		token.Meta(c.Mint, true, true),
		token.Meta(MintAuthority, false, false),
		token.Meta(c.BondingCurve, true, false),
		token.Meta(c.AssociatedBondingCurve, true, false),
		token.Meta(GlobalAddress, false, false),
		token.Meta(p.User, true, true),
		token.Meta(token.SystemProgramID, false, false),
		token.Meta(token.Token2022ProgramID, false, false),
		token.Meta(token.AssociatedTokenProgramID, false, false),
		token.Meta(MayhemProgramID, true, false), // writable even when mayhem is off
		token.Meta(MayhemGlobalParams, false, false),
		token.Meta(MayhemSolVault, true, false),
		token.Meta(mayhemState, true, false),
		token.Meta(mayhemVault, true, false),
		token.Meta(EventAuthority, false, false),
		token.Meta(ProgramID, false, false),
	}, data), nil
}

// Create builds the deprecated legacy create (SPL Token mint + Metaplex metadata),
// kept for coins and tests that still need it; prefer CreateV2.
func Create(c Coin, user solana.PublicKey, name, symbol, uri string) (solana.Instruction, error) {
	if err := checkMetadata(name, symbol, uri); err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	if c.TokenProgram != token.TokenProgramID || c.Creator.IsZero() {
		return nil, fmt.Errorf("create: coin needs SPL Token and a non-zero creator: %w", ErrInvalidParams)
	}
	metadata, err := token.MetadataAddress(c.Mint)
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	data := append(DiscCreate[:0:0], DiscCreate[:]...)
	data = appendMetadata(data, name, symbol, uri)
	data = append(data, c.Creator[:]...)
	return solana.NewInstruction(ProgramID, solana.AccountMetaSlice{
		token.Meta(c.Mint, true, true),
		token.Meta(MintAuthority, false, false),
		token.Meta(c.BondingCurve, true, false),
		token.Meta(c.AssociatedBondingCurve, true, false),
		token.Meta(GlobalAddress, false, false),
		token.Meta(token.MetadataProgramID, false, false),
		token.Meta(metadata, true, false),
		token.Meta(user, true, true),
		token.Meta(token.SystemProgramID, false, false),
		token.Meta(token.TokenProgramID, false, false),
		token.Meta(token.AssociatedTokenProgramID, false, false),
		token.Meta(token.RentSysvarID, false, false),
		token.Meta(EventAuthority, false, false),
		token.Meta(ProgramID, false, false),
	}, data), nil
}

// ExtendAccount grows an old Global or BondingCurve account to the current size.
func ExtendAccount(account, user solana.PublicKey) solana.Instruction {
	return solana.NewInstruction(ProgramID, solana.AccountMetaSlice{
		token.Meta(account, true, false),
		token.Meta(user, true, true),
		token.Meta(token.SystemProgramID, false, false),
		token.Meta(EventAuthority, false, false),
		token.Meta(ProgramID, false, false),
	}, append([]byte(nil), DiscExtendAccount[:]...))
}

func checkMetadata(name, symbol, uri string) error {
	switch {
	case len(name) > MaxNameLen:
		return fmt.Errorf("name is %d bytes, max %d: %w", len(name), MaxNameLen, ErrInvalidParams)
	case len(symbol) > MaxSymbolLen:
		return fmt.Errorf("symbol is %d bytes, max %d: %w", len(symbol), MaxSymbolLen, ErrInvalidParams)
	case len(uri) > MaxURILen:
		return fmt.Errorf("uri is %d bytes, max %d: %w", len(uri), MaxURILen, ErrInvalidParams)
	}
	return nil
}

func appendMetadata(b []byte, name, symbol, uri string) []byte {
	for _, s := range [3]string{name, symbol, uri} {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return b
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}
