package pump

import (
	"fmt"
	"math/rand/v2"

	"github.com/gagliardetto/solana-go"
)

// FeeConfigBump is the bump of FeeConfigAddress (stored in the account).
const FeeConfigBump uint8 = 253

// FeeRecipientList lists the protocol fee recipients for a coin: fee_recipient plus
// fee_recipients for normal coins, the reserved set for mayhem coins. Zero slots are
// skipped.
func (g *Global) FeeRecipientList(mayhem bool) []solana.PublicKey {
	if mayhem {
		return nonZero(append([]solana.PublicKey{g.ReservedFeeRecipient}, g.ReservedFeeRecipients[:]...))
	}
	return nonZero(append([]solana.PublicKey{g.FeeRecipient}, g.FeeRecipients[:]...))
}

// BuybackRecipientList lists the non-zero buyback fee recipients.
func (g *Global) BuybackRecipientList() []solana.PublicKey {
	return nonZero(g.BuybackFeeRecipients[:])
}

func nonZero(in []solana.PublicKey) []solana.PublicKey {
	out := in[:0:0]
	for _, k := range in {
		if !k.IsZero() {
			out = append(out, k)
		}
	}
	return out
}

// TraderAt returns a Trader for user whose recipients are picked deterministically
// by index i (i mod list length). Giving each wallet of a bundle its own index
// spreads write locks over different recipients.
func (g *Global) TraderAt(user solana.PublicKey, i int, mayhem bool) (Trader, error) {
	fees, buybacks := g.FeeRecipientList(mayhem), g.BuybackRecipientList()
	if len(fees) == 0 || len(buybacks) == 0 {
		return Trader{}, fmt.Errorf("trader: global has no fee or buyback recipients: %w", ErrInvalidAccount)
	}
	if i < 0 {
		i = -i
	}
	return Trader{User: user, FeeRecipient: fees[i%len(fees)], BuybackRecipient: buybacks[i%len(buybacks)]}, nil
}

// RandomTrader is TraderAt with random recipients, the SDK's default per transaction.
func (g *Global) RandomTrader(user solana.PublicKey, mayhem bool) (Trader, error) {
	t, err := g.TraderAt(user, 0, mayhem)
	if err != nil {
		return Trader{}, err
	}
	fees, buybacks := g.FeeRecipientList(mayhem), g.BuybackRecipientList()
	t.FeeRecipient = fees[rand.IntN(len(fees))]
	t.BuybackRecipient = buybacks[rand.IntN(len(buybacks))]
	return t, nil
}
