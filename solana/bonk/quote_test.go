package bonk

import (
	"testing"
)

func freshPool(t *testing.T) PoolState {
	t.Helper()
	s, err := NewPoolState(InitializeV2Params{Payer: gUser, Creator: gUser, BaseMint: gMint, Pool: goldenPool(t)}, MainnetGlobalConfig())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCurveInitDefaults reproduces the documented defaults: the defaults with M = 0 give
// virtual_base 1 073 025 605 596 382 and virtual_quote 30 000 852 951.
func TestCurveInitDefaults(t *testing.T) {
	vb, vq, err := CurveInit(DefaultSupply, DefaultTotalBaseSell, DefaultQuoteFundraise, 0, 0)
	if err != nil || vb != 1_073_025_605_596_382 || vq != 30_000_852_951 {
		t.Fatalf("CurveInit = %d, %d, %v", vb, vq, err)
	}
}

// TestWorkedExample: 1 SOL at R = 1.25% on a fresh default pool pays a 12 500 000
// fee and receives 34 193 904.63 tokens.
func TestWorkedExample(t *testing.T) {
	r := MainnetRates()
	if r.Total() != 12_500 {
		t.Fatalf("mainnet rate %d, want 12500", r.Total())
	}
	q, err := BuyExactInQuote(freshPool(t), r, 1_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if q.Fees.Total != 12_500_000 || q.BaseOut/10_000 != 3_419_390_463 || q.Capped {
		t.Fatalf("quote = %+v", q)
	}
}
