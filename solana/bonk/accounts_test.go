package bonk

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/token"
)

func TestPoolStateRoundTripAndOffsets(t *testing.T) {
	s := freshPool(t)
	s.Epoch, s.Status, s.RealBase, s.RealQuote = 7, StatusMigrating, 11, 12
	s.QuoteProtocolFee, s.PlatformFee, s.MintProgramFlag, s.CPMMCreatorFeeOn, s.PlatformVestingShare = 13, 14, 3, 1, 15
	s.Vesting = Vesting{1, 2, 3, 4, 5}
	data := EncodePoolState(s)
	if len(data) != PoolStateSize {
		t.Fatalf("size %d", len(data))
	}
	u64 := func(off int) uint64 { return binary.LittleEndian.Uint64(data[off:]) }
	key := func(off int) solana.PublicKey { return solana.PublicKeyFromBytes(data[off : off+32]) }
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"auth_bump@16", data[16], AuthorityBump}, {"status@17", data[17], byte(StatusMigrating)},
		{"base_decimals@18", data[18], byte(6)}, {"supply@21", u64(21), DefaultSupply},
		{"total_base_sell@29", u64(29), DefaultTotalBaseSell}, {"virtual_base@37", u64(37), uint64(1_073_025_605_596_382)},
		{"virtual_quote@45", u64(45), uint64(30_000_852_951)}, {"real_base@53", u64(53), uint64(11)},
		{"real_quote@61", u64(61), uint64(12)}, {"raise@69", u64(69), DefaultQuoteFundraise},
		{"protocol_fee@77", u64(77), uint64(13)}, {"platform_fee@85", u64(85), uint64(14)},
		{"vesting.locked@101", u64(101), uint64(1)}, {"vesting.allocated@133", u64(133), uint64(5)},
		{"global_config@141", key(141), WSOLGlobalConfig}, {"platform_config@173", key(173), LetsBonkPlatformConfig},
		{"base_mint@205", key(205), gMint}, {"quote_mint@237", key(237), token.WSOLMint},
		{"creator@333", key(333), gUser}, {"mint_program_flag@365", data[365], byte(3)},
		{"cpmm_creator_fee_on@366", data[366], byte(1)}, {"platform_vesting_share@367", u64(367), uint64(15)},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	back, err := DecodePoolState(data)
	if err != nil || back != s {
		t.Fatalf("round trip: %v %+v", err, back)
	}
	keys, err := back.Keys(goldenPool(t).Address)
	if err != nil || keys.BaseTokenProgram != token.Token2022ProgramID || keys.QuoteTokenProgram != token.Token2022ProgramID ||
		keys.BaseVault.String() != addrBaseVault || keys.CreatorFeeVault.String() != addrCreatVlt {
		t.Fatalf("keys from state: %+v %v", keys, err)
	}
}

func TestKeysFromStateMatchNewPool(t *testing.T) {
	p := goldenPool(t)
	k, err := freshPool(t).Keys(p.Address)
	if err != nil || k != p {
		t.Fatalf("keys %+v\nwant %+v (%v)", k, p, err)
	}
}

func TestGlobalConfigRoundTripAndOffsets(t *testing.T) {
	g := MainnetGlobalConfig()
	g.Index = 0x0102
	data := EncodeGlobalConfig(g)
	if len(data) != GlobalConfigSize || binary.LittleEndian.Uint16(data[17:]) != 0x0102 ||
		binary.LittleEndian.Uint64(data[27:]) != MainnetTradeFeeRate || binary.LittleEndian.Uint64(data[75:]) != MainnetMinQuoteFundRaise ||
		!bytes.Equal(data[83:115], token.WSOLMint[:]) || !bytes.Equal(data[115:147], ProtocolFeeOwnerMainnet[:]) {
		t.Fatal("global config fields misplaced")
	}
	back, err := DecodeGlobalConfig(data)
	if err != nil || back != g {
		t.Fatalf("round trip: %v %+v", err, back)
	}
}

func TestPlatformConfigRoundTripAndOffsets(t *testing.T) {
	p := LetsBonkPlatform()
	p.CreatorFeeRate, p.RestrictCurveParam, p.CurveRuleManager, p.Img = 500, 1, gUser, "https://img"
	data := EncodePlatformConfig(p)
	if len(data) != PlatformConfigSize || binary.LittleEndian.Uint64(data[104:]) != LetsBonkPlatformFeeRate ||
		string(data[112:120]) != "letsbonk" || string(data[176:196]) != "https://letsbonk.fun" ||
		string(data[432:443]) != "https://img" || binary.LittleEndian.Uint64(data[720:]) != 500 ||
		data[833] != 1 || !bytes.Equal(data[834:866], gUser[:]) {
		t.Fatal("platform config fields misplaced")
	}
	back, err := DecodePlatformConfig(data)
	if err != nil || back != p {
		t.Fatalf("round trip: %v %+v", err, back)
	}
	// Pre-upgrade platform configs end after creator_fee_rate; the rest decodes as zero.
	old, err := DecodePlatformConfig(data[:728])
	if err != nil || old.CreatorFeeRate != 500 || old.RestrictCurveParam != 0 {
		t.Fatalf("short platform config: %v %+v", err, old)
	}
}

func TestDecodeRejectsGarbage(t *testing.T) {
	pool := EncodePoolState(PoolState{})
	gc := EncodeGlobalConfig(GlobalConfig{})
	pc := EncodePlatformConfig(PlatformConfig{})
	flip := bytes.Clone(pool)
	flip[3] ^= 1
	dec := map[string]func([]byte) error{
		"pool":     func(b []byte) error { _, err := DecodePoolState(b); return err },
		"global":   func(b []byte) error { _, err := DecodeGlobalConfig(b); return err },
		"platform": func(b []byte) error { _, err := DecodePlatformConfig(b); return err },
	}
	for name, tc := range map[string]struct {
		kind string
		data []byte
	}{
		"nil pool": {"pool", nil}, "short pool": {"pool", pool[:374]}, "pool bad disc": {"pool", flip},
		"global as pool": {"pool", gc}, "short global": {"global", gc[:242]}, "pool as global": {"global", pool},
		"short platform": {"platform", pc[:727]}, "pool as platform": {"platform", pool},
		"oversized": {"pool", append(bytes.Clone(pool), make([]byte, maxAccountSize)...)},
	} {
		if err := dec[tc.kind](tc.data); !errors.Is(err, ErrInvalidAccount) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}
