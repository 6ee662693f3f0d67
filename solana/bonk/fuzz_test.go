package bonk

import (
	"testing"
)

// FuzzDecodePoolState feeds arbitrary account data to the decoder and the quotes:
// nothing may panic, a decoded state survives an encode/decode round trip, a buy
// never takes more than offered and a sell never pays more than its gross.
func FuzzDecodePoolState(f *testing.F) {
	f.Add(EncodePoolState(fresh), uint64(1_000_000_000), uint64(12_500))
	f.Fuzz(func(t *testing.T, data []byte, amount, rate uint64) {
		s, err := DecodePoolState(data)
		if err != nil {
			return
		}
		if back, err := DecodePoolState(EncodePoolState(s)); err != nil || back != s {
			t.Fatalf("round trip: %v %+v", err, back)
		}
		if _, err := s.Keys(s.BaseMint); err != nil {
			t.Fatal(err)
		}
		r := FeeRates{Trade: rate, Platform: rate / 2, Creator: rate / 4}
		if q, err := BuyExactInQuote(s, r, amount); err == nil && (q.Net+q.Fees.Total != q.QuoteIn ||
			q.QuoteIn > amount) {
			t.Fatalf("buy %d: %+v", amount, q)
		}
		if q, err := SellExactInQuote(s, r, amount); err == nil && q.QuoteOut > q.Gross {
			t.Fatalf("sell %d: %+v", amount, q)
		}
	})
}

// FuzzDecodePlatformConfig: arbitrary data never panics the config decoders.
func FuzzDecodePlatformConfig(f *testing.F) {
	f.Add(EncodePlatformConfig(LetsBonkPlatform()))
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := DecodePlatformConfig(data); err == nil {
			if back, err := DecodePlatformConfig(EncodePlatformConfig(p)); err != nil || back.FeeRate != p.FeeRate {
				t.Fatalf("round trip: %v", err)
			}
		}
		if g, err := DecodeGlobalConfig(data); err == nil {
			_ = Rates(g, PlatformConfig{}, 0).Total()
		}
	})
}
