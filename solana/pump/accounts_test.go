package pump

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"

	"github.com/gagliardetto/solana-go"
)

func TestGlobalRoundTripAndOffsets(t *testing.T) {
	g := MainnetGlobal()
	g.SetCreatorAuthority = gUser
	g.HolderRewardClaimAuthority = gCreator
	data := EncodeGlobal(g)
	if len(data) != GlobalSize {
		t.Fatalf("size %d", len(data))
	}
	u64 := func(off int) uint64 { return binary.LittleEndian.Uint64(data[off:]) }
	key := func(off int) solana.PublicKey { return solana.PublicKeyFromBytes(data[off : off+32]) }
	// Offsets of the documented account layout.
	checks := []struct {
		name      string
		got, want any
	}{
		{"fee_recipient@41", key(41), MainnetFeeRecipients[0]},
		{"initial_virtual_token@73", u64(73), InitialVirtualTokenReserves},
		{"token_total_supply@97", u64(97), TokenTotalSupply},
		{"fee_bps@105", u64(105), uint64(95)},
		{"enable_migrate@145", data[145], byte(1)},
		{"pool_migration_fee@146", u64(146), uint64(15_000_001)},
		{"creator_fee_bps@154", u64(154), uint64(5)},
		{"fee_recipients[0]@162", key(162), MainnetFeeRecipients[1]},
		{"set_creator_authority@386", key(386), gUser},
		{"create_v2_enabled@450", data[450], byte(1)},
		{"reserved_fee_recipient@483", key(483), MainnetReservedFeeRecipients[0]},
		{"mayhem_mode_enabled@515", data[515], byte(1)},
		{"reserved[6]@708", key(516 + 6*32), MainnetReservedFeeRecipients[7]},
		{"is_cashback_enabled@740", data[740], byte(1)},
		{"buyback[0]@741", key(741), MainnetBuybackFeeRecipients[0]},
		{"buyback_bps@997", u64(997), uint64(5000)},
		{"initial_virtual_quote@1005", u64(1005), uint64(4_292_000_000)},
		{"whitelisted_quote@1013", key(1013), USDCMint},
		{"max_creator_fee@1046", u64(1046), uint64(300)},
		{"holder_reward_authority@1054", key(1054), gCreator},
		{"holder_reward_enabled@1086", data[1086], byte(1)},
		{"max_curve_depth@1087", data[1087], byte(1)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	back, err := DecodeGlobal(data)
	if err != nil || back != g {
		t.Fatalf("round trip: %v\n%+v", err, back)
	}
	// The npm 2.0.0 layout is one byte shorter: it decodes with max_curve_depth 0.
	old, err := DecodeGlobal(data[:1087])
	if err != nil || old.MaxCurveDepth != 0 || old.IsHolderRewardEnabled != true {
		t.Fatalf("1087-byte global: %v %+v", err, old)
	}
}

func TestBondingCurveRoundTripAndOldLengths(t *testing.T) {
	c := BondingCurve{VirtualTokenReserves: 1, VirtualQuoteReserves: 2, RealTokenReserves: 3, RealQuoteReserves: 4,
		TokenTotalSupply: 5, Complete: true, Creator: gCreator, IsMayhemMode: true, IsCashbackCoin: true,
		QuoteMint: USDCMint, CreatorFeeBps: 6, CanEditCreatorFee: true, IsHolderReward: true, CreatorFee: 7,
		ProtocolFees: 8, Depth: 9, InitialVirtualQuoteReserves: 10, PostCompleteBaseOut: 11, PostCompleteQuoteIn: 12}
	data := EncodeBondingCurve(c)
	for off, want := range map[int]byte{8: 1, 16: 2, 24: 3, 32: 4, 40: 5, 48: 1, 81: 1, 82: 1, 115: 6, 123: 1,
		124: 1, 125: 7, 133: 8, 141: 9, 142: 10, 150: 11, 158: 12} {
		if data[off] != want {
			t.Errorf("byte @%d = %d, want %d", off, data[off], want)
		}
	}
	if !bytes.Equal(data[49:81], gCreator[:]) || !bytes.Equal(data[83:115], USDCMint[:]) {
		t.Error("creator or quote mint misplaced")
	}
	back, err := DecodeBondingCurve(data)
	if err != nil || back != c {
		t.Fatalf("round trip: %v %+v", err, back)
	}
	// Every length seen on chain decodes; fields beyond it are zero.
	for _, tc := range []struct {
		n    int
		last func(BondingCurve) bool // the last field that fits is set
		next func(BondingCurve) bool // the first field that does not fit is zero
	}{
		{49, func(b BondingCurve) bool { return b.Complete }, func(b BondingCurve) bool { return b.Creator.IsZero() }},
		{81, func(b BondingCurve) bool { return b.Creator == gCreator }, func(b BondingCurve) bool { return !b.IsMayhemMode }},
		{115, func(b BondingCurve) bool { return b.QuoteMint == USDCMint }, func(b BondingCurve) bool { return b.CreatorFeeBps == 0 }},
		{124, func(b BondingCurve) bool { return b.CanEditCreatorFee }, func(b BondingCurve) bool { return !b.IsHolderReward }},
		{125, func(b BondingCurve) bool { return b.IsHolderReward }, func(b BondingCurve) bool { return b.CreatorFee == 0 }},
		{150, func(b BondingCurve) bool { return b.InitialVirtualQuoteReserves == 10 }, func(b BondingCurve) bool { return b.PostCompleteBaseOut == 0 }},
		{166, func(b BondingCurve) bool { return b.PostCompleteQuoteIn == 12 }, func(BondingCurve) bool { return true }},
	} {
		got, err := DecodeBondingCurve(data[:tc.n])
		if err != nil {
			t.Fatalf("length %d: %v", tc.n, err)
		}
		if got.TokenTotalSupply != 5 || !tc.last(got) || !tc.next(got) {
			t.Errorf("length %d decoded %+v", tc.n, got)
		}
	}
}

func TestFeeConfigRoundTrip(t *testing.T) {
	fc := MainnetFeeConfig()
	fc.Admin = gUser
	fc.FeeTiers = append(fc.FeeTiers, FeeTier{MarketCapThreshold: 420 * LamportsPerSOL, Fees: Fees{LPBps: 1, ProtocolBps: 2, CreatorBps: 3}})
	data := EncodeFeeConfig(fc)
	if len(data) != FeeConfigSize || data[8] != FeeConfigBump {
		t.Fatalf("size %d bump %d", len(data), data[8])
	}
	if binary.LittleEndian.Uint64(data[41+8:]) != 95 || binary.LittleEndian.Uint32(data[65:]) != 2 {
		t.Fatal("flat fees or tier count misplaced")
	}
	back, err := DecodeFeeConfig(data)
	if err != nil || !reflect.DeepEqual(back, fc) {
		t.Fatalf("round trip: %v\n%+v\n%+v", err, back, fc)
	}
}

func TestFeeTierSelection(t *testing.T) {
	low, mid, high := Fees{ProtocolBps: 90, CreatorBps: 30}, Fees{ProtocolBps: 50, CreatorBps: 20}, Fees{ProtocolBps: 10, CreatorBps: 5}
	fc := FeeConfig{FeeTiers: []FeeTier{{MarketCapThreshold: 10e9, Fees: low}, {MarketCapThreshold: 100e9, Fees: mid},
		{MarketCapThreshold: 1000e9, Fees: high}}, StableFeeTiers: []FeeTier{{Fees: high}}, ExoticFlatFees: mid}
	c := freshCurve() // market cap ≈ 27.96 SOL
	if got := fc.For(c); got != (FeeBps{90, 30}) {
		t.Errorf("fresh curve fees %+v", got)
	}
	c.VirtualQuoteReserves *= 5 // ≈ 140 SOL
	if got := fc.For(c); got != (FeeBps{50, 20}) {
		t.Errorf("140 SOL fees %+v", got)
	}
	c.VirtualQuoteReserves = 1 // below the first threshold: first tier
	if got := fc.For(c); got != (FeeBps{90, 30}) {
		t.Errorf("below-first-tier fees %+v", got)
	}
	c.QuoteMint = USDCMint
	if got := fc.For(c); got != (FeeBps{10, 5}) {
		t.Errorf("stable fees %+v", got)
	}
	c.QuoteMint = gMint
	if got := fc.For(c); got != (FeeBps{50, 20}) {
		t.Errorf("exotic fees %+v", got)
	}
	c.Creator = solana.PublicKey{}
	if got := fc.For(c); got.Creator != 0 {
		t.Errorf("no creator still pays creator fee: %+v", got)
	}
	g := MainnetGlobal()
	if got := g.Fees(freshCurve()); got != (FeeBps{95, 5}) {
		t.Errorf("global fallback %+v", got)
	}
}

func TestDecodeRejectsGarbage(t *testing.T) {
	curve := EncodeBondingCurve(freshCurve())
	global := EncodeGlobal(MainnetGlobal())
	fc := EncodeFeeConfig(MainnetFeeConfig())
	wrongDisc := bytes.Clone(curve)
	wrongDisc[0] ^= 0xff
	for name, tc := range map[string]struct {
		data   []byte
		decode func([]byte) error
	}{
		"nil curve":         {nil, func(b []byte) error { _, err := DecodeBondingCurve(b); return err }},
		"short curve":       {curve[:48], func(b []byte) error { _, err := DecodeBondingCurve(b); return err }},
		"curve bad disc":    {wrongDisc, func(b []byte) error { _, err := DecodeBondingCurve(b); return err }},
		"global as curve":   {global, func(b []byte) error { _, err := DecodeBondingCurve(b); return err }},
		"short global":      {global[:100], func(b []byte) error { _, err := DecodeGlobal(b); return err }},
		"curve as global":   {curve, func(b []byte) error { _, err := DecodeGlobal(b); return err }},
		"short fee config":  {fc[:60], func(b []byte) error { _, err := DecodeFeeConfig(b); return err }},
		"huge tier count":   {hugeTiers(fc), func(b []byte) error { _, err := DecodeFeeConfig(b); return err }},
		"truncated exotic":  {fc[:65+4+40+4+40+10], func(b []byte) error { _, err := DecodeFeeConfig(b); return err }},
		"oversized account": {append(bytes.Clone(curve), make([]byte, maxAccountSize)...), func(b []byte) error { _, err := DecodeBondingCurve(b); return err }},
	} {
		if err := tc.decode(tc.data); !errors.Is(err, ErrInvalidAccount) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func hugeTiers(fc []byte) []byte {
	b := bytes.Clone(fc)
	binary.LittleEndian.PutUint32(b[65:], 0xffffffff)
	return b
}
