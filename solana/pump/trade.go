package pump

import (
	"encoding/binary"
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/token"
)

// Trader is the per-transaction side of a trade: the wallet and the two fee
// recipients chosen from Global for this transaction (see Global.FeeRecipient and
// Global.BuybackRecipient).
type Trader struct {
	User             solana.PublicKey
	FeeRecipient     solana.PublicKey // Global.fee_recipient(s); reserved set for mayhem coins
	BuybackRecipient solana.PublicKey // one of Global.buyback_fee_recipients
}

func (t Trader) check(op string) error {
	if t.User.IsZero() || t.FeeRecipient.IsZero() || t.BuybackRecipient.IsZero() {
		return fmt.Errorf("%s: user, fee recipient and buyback recipient are required: %w", op, ErrInvalidParams)
	}
	return nil
}

// UserATA is the user's token account for the coin, under the coin's token program.
func (c Coin) UserATA(user solana.PublicKey) (solana.PublicKey, error) {
	return token.AssociatedAddress(user, c.Mint, c.TokenProgram)
}

// Buy builds buy: receive exactly amount tokens, paying at most maxSolCost lamports
// including fees (18 accounts). The user's ATA must exist; BuyInstructions
// prepends its idempotent creation.
func Buy(c Coin, t Trader, amount, maxSolCost uint64) (solana.Instruction, error) {
	return buyLike(c, t, DiscBuy, amount, maxSolCost, "buy")
}

// BuyExactSolIn builds buy_exact_sol_in: spend spendableSolIn lamports (fees come out
// of it) and receive at least minTokensOut. Same accounts as Buy.
func BuyExactSolIn(c Coin, t Trader, spendableSolIn, minTokensOut uint64) (solana.Instruction, error) {
	return buyLike(c, t, DiscBuyExactSolIn, spendableSolIn, minTokensOut, "buy_exact_sol_in")
}

// BuyInstructions returns the idempotent creation of the user's ATA followed by Buy,
// the pair every buyer sends.
func BuyInstructions(c Coin, t Trader, amount, maxSolCost uint64) ([]solana.Instruction, error) {
	ix, err := Buy(c, t, amount, maxSolCost)
	if err != nil {
		return nil, err
	}
	ata := ix.Accounts()[5].PublicKey
	return []solana.Instruction{token.CreateIdempotentATAAt(t.User, ata, t.User, c.Mint, c.TokenProgram), ix}, nil
}

func buyLike(c Coin, t Trader, d [8]byte, a, b uint64, op string) (solana.Instruction, error) {
	if err := t.check(op); err != nil {
		return nil, err
	}
	if a == 0 {
		return nil, fmt.Errorf("%s: zero amount: %w", op, ErrInvalidParams)
	}
	userATA, err := c.UserATA(t.User)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	uva, err := UserVolumeAccumulatorAddress(t.User)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	data := make([]byte, 25)
	copy(data, d[:])
	binary.LittleEndian.PutUint64(data[8:], a)
	binary.LittleEndian.PutUint64(data[16:], b)
	data[24] = 1 // track_volume: OptionBool is one byte, no Option tag
	return solana.NewInstruction(ProgramID, solana.AccountMetaSlice{
		token.Meta(GlobalAddress, false, false),
		token.Meta(t.FeeRecipient, true, false),
		token.Meta(c.Mint, false, false),
		token.Meta(c.BondingCurve, true, false),
		token.Meta(c.AssociatedBondingCurve, true, false),
		token.Meta(userATA, true, false),
		token.Meta(t.User, true, true),
		token.Meta(token.SystemProgramID, false, false),
		token.Meta(c.TokenProgram, false, false),
		token.Meta(c.CreatorVault, true, false),
		token.Meta(EventAuthority, false, false),
		token.Meta(ProgramID, false, false),
		token.Meta(GlobalVolumeAccumulatorAddress, false, false),
		token.Meta(uva, true, false),
		token.Meta(FeeConfigAddress, false, false),
		token.Meta(FeeProgramID, false, false),
		token.Meta(c.BondingCurveV2, false, false),
		token.Meta(t.BuybackRecipient, true, false),
	}, data), nil
}

// Sell builds sell: sell amount tokens for at least minSolOutput lamports after fees
// (16 accounts; 17 for cashback coins). creator_vault and token_program sit in the
// opposite order to Buy.
func Sell(c Coin, t Trader, amount, minSolOutput uint64) (solana.Instruction, error) {
	if err := t.check("sell"); err != nil {
		return nil, err
	}
	if amount == 0 {
		return nil, fmt.Errorf("sell: zero amount: %w", ErrInvalidParams)
	}
	userATA, err := c.UserATA(t.User)
	if err != nil {
		return nil, fmt.Errorf("sell: %w", err)
	}
	data := make([]byte, 24)
	copy(data, DiscSell[:])
	binary.LittleEndian.PutUint64(data[8:], amount)
	binary.LittleEndian.PutUint64(data[16:], minSolOutput)
	var uva solana.PublicKey
	if c.Cashback {
		if uva, err = UserVolumeAccumulatorAddress(t.User); err != nil {
			return nil, fmt.Errorf("sell: %w", err)
		}
	}
	return solana.NewInstruction(ProgramID, sellAccounts(c, t, userATA, uva), data), nil
}

// sellAccounts lists sell's accounts; uva is used only for cashback coins.
func sellAccounts(c Coin, t Trader, userATA, uva solana.PublicKey) solana.AccountMetaSlice {
	accs := make(solana.AccountMetaSlice, 0, 17)
	accs = append(accs,
		token.Meta(GlobalAddress, false, false),
		token.Meta(t.FeeRecipient, true, false),
		token.Meta(c.Mint, false, false),
		token.Meta(c.BondingCurve, true, false),
		token.Meta(c.AssociatedBondingCurve, true, false),
		token.Meta(userATA, true, false),
		token.Meta(t.User, true, true),
		token.Meta(token.SystemProgramID, false, false),
		token.Meta(c.CreatorVault, true, false),
		token.Meta(c.TokenProgram, false, false),
		token.Meta(EventAuthority, false, false),
		token.Meta(ProgramID, false, false),
		token.Meta(FeeConfigAddress, false, false),
		token.Meta(FeeProgramID, false, false),
	)
	if c.Cashback {
		accs = append(accs, token.Meta(uva, true, false))
	}
	accs = append(accs,
		token.Meta(c.BondingCurveV2, false, false),
		token.Meta(t.BuybackRecipient, true, false),
	)
	return accs
}
