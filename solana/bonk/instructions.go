package bonk

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/token"
)

// Instruction discriminators.
var (
	DiscInitialize          = disc("afaf6d1f0d989bed")
	DiscInitializeV2        = disc("4399af27da102620")
	DiscInitializeToken2022 = disc("25be7ede2c9aab11")
	DiscBuyExactIn          = disc("faea0d7bd59c13ec")
	DiscBuyExactOut         = disc("18d3742869039938")
	DiscSellExactIn         = disc("9527de9bd37c981a")
	DiscSellExactOut        = disc("5fc8472208090ba6")
	DiscClaimCreatorFee     = disc("1a618acb84ab8dfc")
	DiscClaimPlatformFee    = disc("9c27d0874ced3d48")
)

// Defaults used by Raydium and letsbonk.
const (
	DefaultDecimals              = 6
	DefaultSupply         uint64 = 1_000_000_000_000_000
	DefaultTotalBaseSell  uint64 = 793_100_000_000_000
	DefaultQuoteFundraise uint64 = 85_000_000_000
	MaxNameLen                   = 32  // Metaplex
	MaxSymbolLen                 = 10  // Raydium SDK check
	MaxURILen                    = 200 // Metaplex
)

// ErrInvalidParams is returned (wrapped) when a builder's input would be rejected.
var ErrInvalidParams = errors.New("bonk: invalid params")

// Curve is the constant-product CurveParams of initialize_v2 (enum tag 0). Zero
// amounts take the defaults.
type Curve struct {
	Supply                uint64
	TotalBaseSell         uint64
	TotalQuoteFundRaising uint64
	MigrateType           uint8 // 0 Raydium AMM v4, 1 CPMM
}

func (c Curve) withDefaults() Curve {
	if c.Supply == 0 {
		c.Supply = DefaultSupply
	}
	if c.TotalBaseSell == 0 {
		c.TotalBaseSell = DefaultTotalBaseSell
	}
	if c.TotalQuoteFundRaising == 0 {
		c.TotalQuoteFundRaising = DefaultQuoteFundraise
	}
	return c
}

// VestingParams lock part of the supply for the creator; zero means none.
type VestingParams struct {
	TotalLockedAmount uint64
	CliffPeriod       uint64
	UnlockPeriod      uint64
}

// InitializeV2Params are the inputs of initialize_v2 (SPL Token base mint, WSOL quote).
type InitializeV2Params struct {
	Payer    solana.PublicKey // signs and pays
	Creator  solana.PublicKey // receives creator fees; need not sign
	BaseMint solana.PublicKey // new keypair; signs
	Pool     Pool             // from NewPool(BaseMint, Creator, 0, 0) (or a chosen config)
	Decimals uint8            // 0 takes DefaultDecimals
	Name     string
	Symbol   string
	URI      string
	Curve    Curve
	Vesting  VestingParams
	AMMFeeOn uint8 // 0: creator fee on the quote token only (SDK default)
}

// InitializeV2 builds initialize_v2 with its 18 accounts.
func InitializeV2(p InitializeV2Params) (solana.Instruction, error) {
	if err := checkInit(p); err != nil {
		return nil, fmt.Errorf("initialize_v2: %w", err)
	}
	metadata, err := token.MetadataAddress(p.BaseMint)
	if err != nil {
		return nil, fmt.Errorf("initialize_v2: %w", err)
	}
	c := p.Curve.withDefaults()
	dec := p.Decimals
	if dec == 0 {
		dec = DefaultDecimals
	}
	data := make([]byte, 0, 8+1+12+len(p.Name)+len(p.Symbol)+len(p.URI)+1+24+1+24+1)
	data = append(data, DiscInitializeV2[:]...)
	data = append(data, dec)
	for _, s := range [3]string{p.Name, p.Symbol, p.URI} {
		data = binary.LittleEndian.AppendUint32(data, uint32(len(s)))
		data = append(data, s...)
	}
	data = append(data, 0) // CurveParams::Constant
	for _, v := range []uint64{c.Supply, c.TotalBaseSell, c.TotalQuoteFundRaising} {
		data = binary.LittleEndian.AppendUint64(data, v)
	}
	data = append(data, c.MigrateType)
	for _, v := range []uint64{p.Vesting.TotalLockedAmount, p.Vesting.CliffPeriod, p.Vesting.UnlockPeriod} {
		data = binary.LittleEndian.AppendUint64(data, v)
	}
	data = append(data, p.AMMFeeOn)
	return solana.NewInstruction(ProgramID, initAccounts(p, metadata), data), nil
}

func initAccounts(p InitializeV2Params, metadata solana.PublicKey) solana.AccountMetaSlice {
	pl := p.Pool
	return solana.AccountMetaSlice{
		token.Meta(p.Payer, true, true),
		token.Meta(p.Creator, false, false),
		token.Meta(pl.GlobalConfig, false, false),
		token.Meta(pl.PlatformConfig, false, false),
		token.Meta(Authority, false, false),
		token.Meta(pl.Address, true, false),
		token.Meta(p.BaseMint, true, true),
		token.Meta(pl.QuoteMint, false, false),
		token.Meta(pl.BaseVault, true, false),
		token.Meta(pl.QuoteVault, true, false),
		token.Meta(metadata, true, false),
		token.Meta(token.TokenProgramID, false, false), // initialize_v2 base mints are SPL Token
		token.Meta(pl.QuoteTokenProgram, false, false),
		token.Meta(token.MetadataProgramID, false, false),
		token.Meta(token.SystemProgramID, false, false),
		token.Meta(token.RentSysvarID, false, false),
		token.Meta(EventAuthority, false, false),
		token.Meta(ProgramID, false, false),
	}
}

func checkInit(p InitializeV2Params) error {
	switch {
	case p.Payer.IsZero() || p.Creator.IsZero() || p.BaseMint.IsZero():
		return fmt.Errorf("payer, creator and base mint are required: %w", ErrInvalidParams)
	case p.Pool.BaseMint != p.BaseMint || p.Pool.Address.IsZero():
		return fmt.Errorf("pool was not derived for base mint %s: %w", p.BaseMint, ErrInvalidParams)
	case p.Pool.BaseTokenProgram != token.TokenProgramID:
		return fmt.Errorf("initialize_v2 makes SPL Token mints: %w", ErrInvalidParams)
	case len(p.Name) > MaxNameLen || len(p.Symbol) > MaxSymbolLen || len(p.URI) > MaxURILen:
		return fmt.Errorf("name/symbol/uri longer than %d/%d/%d bytes: %w", MaxNameLen, MaxSymbolLen, MaxURILen, ErrInvalidParams)
	}
	c := p.Curve.withDefaults()
	if c.TotalBaseSell+p.Vesting.TotalLockedAmount >= c.Supply {
		return fmt.Errorf("total base sell plus locked must be below supply: %w", ErrInvalidParams)
	}
	return nil
}

// Trade is one exact-in swap. For a buy AmountIn is quote lamports and the output is
// base tokens; for a sell AmountIn is base tokens and the output is lamports.
type Trade struct {
	User             solana.PublicKey
	AmountIn         uint64
	MinimumAmountOut uint64
	ShareFeeRate     uint64           // referral share in millionths; 0 normally
	ShareFeeReceiver solana.PublicKey // required when ShareFeeRate > 0
}

// BuyExactIn builds buy_exact_in (18 accounts; 19 with a share fee receiver).
// The user's quote account is their WSOL ATA; BuyWithSOL wraps around it.
func BuyExactIn(p Pool, t Trade) (solana.Instruction, error) {
	return swap(p, t, DiscBuyExactIn, "buy_exact_in")
}

// SellExactIn builds sell_exact_in; same accounts as BuyExactIn.
func SellExactIn(p Pool, t Trade) (solana.Instruction, error) {
	return swap(p, t, DiscSellExactIn, "sell_exact_in")
}

func swap(p Pool, t Trade, d [8]byte, op string) (solana.Instruction, error) {
	if t.User.IsZero() || t.AmountIn == 0 || (t.ShareFeeRate > 0) != !t.ShareFeeReceiver.IsZero() {
		return nil, fmt.Errorf("%s: need a user, a non-zero amount, and a share receiver iff a share rate: %w", op, ErrInvalidParams)
	}
	userBase, err := token.AssociatedAddress(t.User, p.BaseMint, p.BaseTokenProgram)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	userQuote, err := token.AssociatedAddress(t.User, p.QuoteMint, p.QuoteTokenProgram)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	data := make([]byte, 32)
	copy(data, d[:])
	binary.LittleEndian.PutUint64(data[8:], t.AmountIn)
	binary.LittleEndian.PutUint64(data[16:], t.MinimumAmountOut)
	binary.LittleEndian.PutUint64(data[24:], t.ShareFeeRate)
	return solana.NewInstruction(ProgramID, swapAccounts(p, t, userBase, userQuote), data), nil
}

func swapAccounts(p Pool, t Trade, userBase, userQuote solana.PublicKey) solana.AccountMetaSlice {
	accs := make(solana.AccountMetaSlice, 0, 19)
	accs = append(accs,
		token.Meta(t.User, true, true),
		token.Meta(Authority, false, false),
		token.Meta(p.GlobalConfig, false, false),
		token.Meta(p.PlatformConfig, false, false),
		token.Meta(p.Address, true, false),
		token.Meta(userBase, true, false),
		token.Meta(userQuote, true, false),
		token.Meta(p.BaseVault, true, false),
		token.Meta(p.QuoteVault, true, false),
		token.Meta(p.BaseMint, false, false),
		token.Meta(p.QuoteMint, false, false),
		token.Meta(p.BaseTokenProgram, false, false),
		token.Meta(p.QuoteTokenProgram, false, false),
		token.Meta(EventAuthority, false, false),
		token.Meta(ProgramID, false, false),
	)
	if t.ShareFeeRate > 0 {
		accs = append(accs, token.Meta(t.ShareFeeReceiver, true, false)) // before the newer trailing three
	}
	accs = append(accs,
		token.Meta(token.SystemProgramID, false, false),
		token.Meta(p.PlatformFeeVault, true, false),
		token.Meta(p.CreatorFeeVault, true, false),
	)
	return accs
}

// BuyWithSOL returns a complete WSOL buy: idempotent base ATA, wrap
// AmountIn lamports into the user's WSOL ATA, buy_exact_in, close the WSOL ATA.
func BuyWithSOL(p Pool, t Trade) ([]solana.Instruction, error) {
	if p.QuoteMint != token.WSOLMint {
		return nil, fmt.Errorf("buy with SOL: quote mint %s is not WSOL: %w", p.QuoteMint, ErrInvalidParams)
	}
	buy, err := BuyExactIn(p, t)
	if err != nil {
		return nil, err
	}
	ixs := make([]solana.Instruction, 0, 6)
	ixs = append(ixs, token.CreateIdempotentATAAt(t.User, buy.Accounts()[5].PublicKey, t.User, p.BaseMint, p.BaseTokenProgram))
	ixs = append(ixs, token.WrapSOL(t.User, t.User, t.AmountIn)...)
	wsolATA := buy.Accounts()[6].PublicKey
	return append(ixs, buy, token.CloseAccount(token.TokenProgramID, wsolATA, t.User, t.User)), nil
}

// SellForSOL returns a complete WSOL sell: idempotent WSOL ATA, sell_exact_in, close
// the WSOL ATA so the proceeds arrive as SOL.
func SellForSOL(p Pool, t Trade) ([]solana.Instruction, error) {
	if p.QuoteMint != token.WSOLMint {
		return nil, fmt.Errorf("sell for SOL: quote mint %s is not WSOL: %w", p.QuoteMint, ErrInvalidParams)
	}
	sell, err := SellExactIn(p, t)
	if err != nil {
		return nil, err
	}
	wsolATA := sell.Accounts()[6].PublicKey
	return []solana.Instruction{
		token.CreateIdempotentATAAt(t.User, wsolATA, t.User, token.WSOLMint, token.TokenProgramID),
		sell,
		token.CloseAccount(token.TokenProgramID, wsolATA, t.User, t.User),
	}, nil
}
