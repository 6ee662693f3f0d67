package pump

import (
	"encoding/binary"
	"testing"
)

// FuzzDecodeBondingCurve feeds arbitrary account data (as a hostile RPC or a buggy
// cluster could) to the decoder and the quotes: nothing may panic, a decoded curve
// must survive an encode/decode round trip, and a buy never spends over its budget.
func FuzzDecodeBondingCurve(f *testing.F) {
	f.Add(EncodeBondingCurve(freshCurve()), uint64(1_000_000_000))
	f.Add(EncodeBondingCurve(freshCurve())[:49], uint64(1))
	f.Fuzz(func(t *testing.T, data []byte, amount uint64) {
		c, err := DecodeBondingCurve(data)
		if err != nil {
			return
		}
		if back, err := DecodeBondingCurve(EncodeBondingCurve(c)); err != nil || back != c {
			t.Fatalf("round trip: %v %+v", err, back)
		}
		fees := FeeBps{Protocol: uint64(data[len(data)-1]), Creator: 30}
		if q, err := BuyQuote(c, fees, amount); err == nil && q.Total > amount {
			t.Fatalf("buy of budget %d spends %d: %+v on %+v", amount, q.Total, q, c)
		}
		if q, err := BuyTokensCost(c, fees, amount); err == nil && q.Tokens > c.RealTokenReserves {
			t.Fatalf("buy beyond reserves: %+v", q)
		}
		if q, err := SellQuote(c, fees, amount); err == nil && q.Out > q.Gross {
			t.Fatalf("sell pays more than gross: %+v", q)
		}
		_ = c.MarketCapLamports()
		_ = c.PriceSOL()
	})
}

// FuzzDecodeFeeConfig checks the vector-length bounds of the FeeConfig decoder.
func FuzzDecodeFeeConfig(f *testing.F) {
	f.Add(EncodeFeeConfig(MainnetFeeConfig()))
	b := EncodeFeeConfig(MainnetFeeConfig())[:200]
	binary.LittleEndian.PutUint32(b[65:], 1<<30)
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		fc, err := DecodeFeeConfig(data)
		if err != nil {
			return
		}
		if len(fc.FeeTiers)*feeTierSize > len(data) {
			t.Fatalf("%d tiers from %d bytes", len(fc.FeeTiers), len(data))
		}
		_ = fc.For(freshCurve())
	})
}

// FuzzDecodeGlobal: a decoded Global never panics the recipient pickers.
func FuzzDecodeGlobal(f *testing.F) {
	f.Add(EncodeGlobal(MainnetGlobal()))
	f.Add(EncodeGlobal(Global{})[:globalMinSize])
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := DecodeGlobal(data)
		if err != nil {
			return
		}
		if tr, err := g.TraderAt(gUser, len(data), len(data)%2 == 0); err == nil && (tr.FeeRecipient.IsZero() || tr.BuybackRecipient.IsZero()) {
			t.Fatalf("zero recipient picked: %+v", tr)
		}
		_, _ = g.SplitProtocolFee(uint64(len(data)))
	})
}
