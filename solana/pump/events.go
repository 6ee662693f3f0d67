package pump

import (
	"github.com/nitro-runtime/nitro/solana/internal/layout"

	"encoding/base64"
	"fmt"
	"strings"

	"github.com/gagliardetto/solana-go"
)

// TradeEvent is the documented prefix of pump's TradeEvent; newer
// programs append more fields, which are ignored.
type TradeEvent struct {
	Mint                  solana.PublicKey
	SolAmount             uint64
	TokenAmount           uint64
	IsBuy                 bool
	User                  solana.PublicKey
	Timestamp             uint64 // i64 on chain; never negative in practice
	VirtualSolReserves    uint64
	VirtualTokenReserves  uint64
	RealSolReserves       uint64
	RealTokenReserves     uint64
	FeeRecipient          solana.PublicKey
	FeeBasisPoints        uint64
	Fee                   uint64
	Creator               solana.PublicKey
	CreatorFeeBasisPoints uint64
	CreatorFee            uint64
}

// tradeEventSize is the discriminator plus the prefix decoded here.
const tradeEventSize = 8 + 217

func (e *TradeEvent) fields(v layout.Visitor) {
	v.Key(&e.Mint)
	v.U64(&e.SolAmount)
	v.U64(&e.TokenAmount)
	v.Bool(&e.IsBuy)
	v.Key(&e.User)
	for _, p := range []*uint64{&e.Timestamp, &e.VirtualSolReserves, &e.VirtualTokenReserves,
		&e.RealSolReserves, &e.RealTokenReserves} {
		v.U64(p)
	}
	v.Key(&e.FeeRecipient)
	v.U64(&e.FeeBasisPoints)
	v.U64(&e.Fee)
	v.Key(&e.Creator)
	v.U64(&e.CreatorFeeBasisPoints)
	v.U64(&e.CreatorFee)
}

// DecodeTradeEvent decodes a TradeEvent from "Program data:" bytes or from the data
// of the self-CPI to the event authority (which starts with DiscEventCPI).
func DecodeTradeEvent(data []byte) (TradeEvent, error) {
	if len(data) >= 16 && [8]byte(data[:8]) == DiscEventCPI {
		data = data[8:]
	}
	if err := checkAccount(data, DiscTradeEvent, tradeEventSize, "trade event"); err != nil {
		return TradeEvent{}, err
	}
	var e TradeEvent
	e.fields(layout.NewReader(data, 8))
	return e, nil
}

// EncodeTradeEvent lays out e as a "Program data:" payload (discriminator + prefix),
// for the built-in cluster to emit.
func EncodeTradeEvent(e TradeEvent) []byte {
	buf := make([]byte, tradeEventSize)
	copy(buf, DiscTradeEvent[:])
	e.fields(layout.NewWriter(buf, 8))
	return buf
}

// TradeEventsFromLogs returns the TradeEvents found in a transaction's log messages
// ("Program data: <base64>" lines); lines of other programs or events are skipped.
func TradeEventsFromLogs(logs []string) ([]TradeEvent, error) {
	var out []TradeEvent
	for _, line := range logs {
		b64, ok := strings.CutPrefix(line, "Program data: ")
		if !ok {
			continue
		}
		data, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("trade events: %w", err)
		}
		if len(data) < 8 || [8]byte(data[:8]) != DiscTradeEvent {
			continue
		}
		e, err := DecodeTradeEvent(data)
		if err != nil {
			return nil, fmt.Errorf("trade events: %w", err)
		}
		out = append(out, e)
	}
	return out, nil
}

// CoinFromCurve derives a traded coin's addresses from its decoded curve: the
// creator vault follows curve.Creator and cashback coins get their extra sell
// account. tokenProgram is the mint account's owner.
func CoinFromCurve(mint, tokenProgram solana.PublicKey, curve BondingCurve) (Coin, error) {
	c, err := NewCoin(mint, tokenProgram, curve.Creator)
	if err != nil {
		return Coin{}, err
	}
	c.Cashback = curve.IsCashbackCoin
	return c, nil
}
