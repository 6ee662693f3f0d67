package pump

import (
	"crypto/sha256"
	"errors"
	"testing"
)

func mainnetFees() FeeBps {
	return FeeBps{Protocol: MainnetProtocolFeeBps, Creator: MainnetCreatorFeeBps}
}

func freshCurve() BondingCurve {
	g := MainnetGlobal()
	return g.NewCurve(gCreator)
}

// TestWorkedExample reproduces the program's worked example: 1 SOL through buy_exact_sol_in on a fresh
// curve at 95/30 bps, then buying exactly those tokens with buy.
func TestWorkedExample(t *testing.T) {
	c := freshCurve()
	q, err := BuyQuote(c, mainnetFees(), 1_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if q.SolCost != 987_654_320 || q.ProtocolFee+q.CreatorFee != 12_345_680 || q.Tokens != 34_199_203_120_618 {
		t.Fatalf("buy_exact_sol_in quote = %+v", q)
	}
	if q.Total != 1_000_000_000 {
		t.Fatalf("total %d, want the whole budget", q.Total)
	}
	b, err := BuyTokensCost(c, mainnetFees(), q.Tokens)
	if err != nil {
		t.Fatal(err)
	}
	if b.SolCost != 987_654_319 || b.ProtocolFee+b.CreatorFee != 12_345_680 || b.Total != 999_999_999 {
		t.Fatalf("buy cost = %+v", b)
	}
}

func TestDiscriminatorsAreAnchorHashes(t *testing.T) {
	for name, d := range map[string][8]byte{
		"global:create_v2": DiscCreateV2, "global:create": DiscCreate, "global:buy": DiscBuy,
		"global:buy_exact_sol_in": DiscBuyExactSolIn, "global:sell": DiscSell,
		"global:extend_account": DiscExtendAccount, "account:Global": DiscGlobal,
		"account:BondingCurve": DiscBondingCurve, "account:FeeConfig": DiscFeeConfig,
		"account:GlobalVolumeAccumulator": DiscGlobalVolumeAccumulator,
		"account:UserVolumeAccumulator":   DiscUserVolumeAccumulator,
		"event:TradeEvent":                DiscTradeEvent, "event:CreateEvent": DiscCreateEvent,
		"event:CompleteEvent": DiscCompleteEvent, "event:ExtendAccountEvent": DiscExtendAccEvent,
	} {
		if h := sha256.Sum256([]byte(name)); [8]byte(h[:8]) != d {
			t.Errorf("%s: %x, want %x", name, d, h[:8])
		}
	}
}

func TestQuoteRefusals(t *testing.T) {
	c := freshCurve()
	done := c
	done.Complete = true
	if _, err := BuyQuote(done, mainnetFees(), 1e9); !errors.Is(err, ErrCurveComplete) {
		t.Errorf("complete curve: %v", err)
	}
	if _, err := SellQuote(c, mainnetFees(), 0); !errors.Is(err, ErrZeroAmount) {
		t.Errorf("zero sell: %v", err)
	}
	if _, err := SellQuote(c, mainnetFees(), 1e12); !errors.Is(err, ErrInsufficientQuote) {
		t.Errorf("sell into empty curve: %v", err)
	}
	if _, err := BuyQuote(BondingCurve{}, mainnetFees(), 1e9); !errors.Is(err, ErrInvalidCurve) {
		t.Errorf("zero curve: %v", err)
	}
}
