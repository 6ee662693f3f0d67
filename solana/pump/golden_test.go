package pump

import (
	"testing"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/token"

	"github.com/nitro-runtime/nitro/solana/solanatest"
)

// seedKey is Keypair.fromSeed(32 × byte n), the keys of the SDK-built golden vectors.
var seedKey = solanatest.SeedKey

var (
	gMint    = seedKey(1).PublicKey()
	gUser    = seedKey(2).PublicKey()
	gCreator = seedKey(3).PublicKey()
	gFee     = solana.MustPublicKeyFromBase58("62qc2CNXwrYqQScmEdiZFFAnJR262PxWEuNQtxfafNgV")
	gBuyback = solana.MustPublicKeyFromBase58("5YxQFdt3Tr9zJLvkFccqXVUwhdTWJQc1fFg2YPbxvxeD")
)

// acct is one expected account: base58 address and flags ("", "w", "ws").
type acct struct{ key, flags string }

func checkIx(t *testing.T, ix solana.Instruction, program solana.PublicKey, dataHex string, want []acct) {
	t.Helper()
	accounts := make([]solanatest.Account, len(want))
	for i, a := range want {
		accounts[i] = solanatest.Account{Key: a.key, Flags: a.flags}
	}
	solanatest.CheckInstruction(t, ix, program, dataHex, accounts)
}

const (
	addrCurve     = "GTSxUuGsx6UyaCAWNjySYx2gLMJr1arNdzcjBnuRoLUV"
	addrCurveATA  = "4C1gXP2wEfGSFyagUkQuUp2azGxN3emkxSZ2Cb8d2rwB"
	addrCurveSPL  = "DXYm6e9Ybdf6sNWaSuo8epQcbsX9JzdxKDkDNT4AcdsK"
	addrUserATA   = "12hNqoDbk3hrLdjjD8ibQRBPtc86MBrj5MasmR9gZrWM"
	addrVault     = "4itW81FkdMLnXV39ziwqvZc5nFFs5jYw6aibsEf2Zz4v"
	addrUVA       = "KHx3YPBG5hEKjSsJMmPu9YXsMECBnzAi9qJASmT4eLR"
	addrCurveV2   = "9fCy7EFPBbPHeGbVoN4K2e6MSwpm9b5ypQRVPt8H2W7V"
	addrMayhemSt  = "Ei7sQLrc15hsxaouTAdQk3its6X7ZGUhBdcvKEaTprZq"
	addrMayhemVlt = "99WYK12mnZUDQn1jrmrN7LCE4T8wkCJuU2PwjpdWzwhN"
	addrMetadata  = "CHsp7S2p7eV58YVpSCsMNb83sGKxnn1ogsCUwqkmtuYQ"
	addrGlobal    = "4wTV1YmiEkRvAtNtsSGPtUrqRYQMe5SKy2uB4Jjaxnjf"
	addrEvent     = "Ce6TQqeHC9p8KetsN6JsjHK7UTZk7nasjjnr7XxXp9F1"
	addrProgram   = "6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P"
	addrSystem    = "11111111111111111111111111111111"
	addrT22       = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"
	addrFeeCfg    = "8Wf5TiAheLUqBrKXeYg2JtAFFMWtKdG2BSFgqUcPVwTt"
	addrPfee      = "pfeeUxB6jkeY1Hxd7CsFCAjcbHA9rWtchMGdZ6VojVZ"
)

func goldenCoin(t *testing.T, program solana.PublicKey) Coin {
	t.Helper()
	c, err := NewCoin(gMint, program, gCreator)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func goldenTrader() Trader {
	return Trader{User: gUser, FeeRecipient: gFee, BuybackRecipient: gBuyback}
}

func TestGoldenKeys(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{gMint.String(), "AKnL4NNf3DGWZJS6cPknBuEGnVsV4A4m5tgebLHaRSZ9"},
		{gUser.String(), "9hSR6S7WPtxmTojgo6GG3k4yDPecgJY292j7xrsUGWBu"},
		{gCreator.String(), "GyGKxMyg1p9SsHfm15MkNUu1u9TN2JtTspcdmrtGUdse"},
	} {
		if tc.got != tc.want {
			t.Errorf("key %s, want %s", tc.got, tc.want)
		}
	}
}

func TestGoldenDerivedAddresses(t *testing.T) {
	c := goldenCoin(t, token.Token2022ProgramID)
	legacy := goldenCoin(t, token.TokenProgramID)
	userATA, _ := c.UserATA(gUser)
	uva, _ := UserVolumeAccumulatorAddress(gUser)
	mst, _ := MayhemStateAddress(gMint)
	mv, _ := MayhemTokenVaultAddress(gMint)
	md, _ := token.MetadataAddress(gMint)
	for name, tc := range map[string]struct {
		got  solana.PublicKey
		want string
	}{
		"bonding_curve": {c.BondingCurve, addrCurve}, "curve ATA 2022": {c.AssociatedBondingCurve, addrCurveATA},
		"curve ATA SPL": {legacy.AssociatedBondingCurve, addrCurveSPL}, "user ATA": {userATA, addrUserATA},
		"creator_vault": {c.CreatorVault, addrVault}, "user volume acc": {uva, addrUVA},
		"bonding_curve_v2": {c.BondingCurveV2, addrCurveV2}, "mayhem_state": {mst, addrMayhemSt},
		"mayhem vault": {mv, addrMayhemVlt}, "metadata": {md, addrMetadata},
	} {
		if tc.got.String() != tc.want {
			t.Errorf("%s = %s, want %s", name, tc.got, tc.want)
		}
	}
}

func TestFixedPDAs(t *testing.T) {
	for _, tc := range []struct {
		addr    solana.PublicKey
		program solana.PublicKey
		seeds   [][]byte
	}{
		{GlobalAddress, ProgramID, [][]byte{SeedGlobal}},
		{MintAuthority, ProgramID, [][]byte{SeedMintAuthority}},
		{EventAuthority, ProgramID, [][]byte{SeedEventAuthority}},
		{GlobalVolumeAccumulatorAddress, ProgramID, [][]byte{SeedGlobalVolumeAccumulator}},
		{QuoteControlAddress, ProgramID, [][]byte{SeedQuoteControl}},
		{FeeConfigAddress, FeeProgramID, [][]byte{SeedFeeConfig, ProgramID[:]}},
		{MayhemGlobalParams, MayhemProgramID, [][]byte{SeedMayhemGlobalParams}},
		{MayhemSolVault, MayhemProgramID, [][]byte{SeedMayhemSolVault}},
	} {
		got, bump, err := solana.FindProgramAddress(tc.seeds, tc.program)
		if err != nil || got != tc.addr {
			t.Errorf("seeds %q: got %s (%v), want %s", tc.seeds, got, err, tc.addr)
		}
		if tc.addr == FeeConfigAddress && bump != FeeConfigBump {
			t.Errorf("fee config bump %d, want %d", bump, FeeConfigBump)
		}
	}
}

func TestGoldenCreateV2(t *testing.T) {
	ix, err := CreateV2(CreateV2Params{Coin: goldenCoin(t, token.Token2022ProgramID), User: gUser,
		Name: "Name", Symbol: "SYM", URI: "https://ipfs.io/ipfs/x"})
	if err != nil {
		t.Fatal(err)
	}
	checkIx(t, ix, ProgramID, "d6904cec5f8b31b4040000004e616d650300000053594d1600000068747470733a2f2f697066732e696f2f697066732f78ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d10000000000000000000000", []acct{
		{gMint.String(), "ws"}, {"TSLvdd1pWpHVjahSpsvCXUbgwsL3JAcvokwaKt1eokM", ""}, {addrCurve, "w"},
		{addrCurveATA, "w"}, {addrGlobal, ""}, {gUser.String(), "ws"}, {addrSystem, ""}, {addrT22, ""},
		{"ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL", ""}, {"MAyhSmzXzV1pTf7LsNkrNwkWKTo4ougAJ1PPg47MD4e", "w"},
		{"13ec7XdrjF3h3YcqBTFDSReRcUFwbCnJaAQspM4j6DDJ", ""}, {"BwWK17cbHxwWBKZkUYvzxLcNQ1YVyaFezduWbtm2de6s", "w"},
		{addrMayhemSt, "w"}, {addrMayhemVlt, "w"}, {addrEvent, ""}, {addrProgram, ""},
	})
}

func TestGoldenCreateLegacy(t *testing.T) {
	ix, err := Create(goldenCoin(t, token.TokenProgramID), gUser, "Name", "SYM", "https://ipfs.io/ipfs/x")
	if err != nil {
		t.Fatal(err)
	}
	checkIx(t, ix, ProgramID, "181ec828051c0777040000004e616d650300000053594d1600000068747470733a2f2f697066732e696f2f697066732f78ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d1", []acct{
		{gMint.String(), "ws"}, {"TSLvdd1pWpHVjahSpsvCXUbgwsL3JAcvokwaKt1eokM", ""}, {addrCurve, "w"},
		{addrCurveSPL, "w"}, {addrGlobal, ""}, {"metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s", ""},
		{addrMetadata, "w"}, {gUser.String(), "ws"}, {addrSystem, ""},
		{"TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", ""}, {"ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL", ""},
		{"SysvarRent111111111111111111111111111111111", ""}, {addrEvent, ""}, {addrProgram, ""},
	})
}

func buyAccounts() []acct {
	return []acct{
		{addrGlobal, ""}, {gFee.String(), "w"}, {gMint.String(), ""}, {addrCurve, "w"}, {addrCurveATA, "w"},
		{addrUserATA, "w"}, {gUser.String(), "ws"}, {addrSystem, ""}, {addrT22, ""}, {addrVault, "w"},
		{addrEvent, ""}, {addrProgram, ""}, {"Hq2wp8uJ9jCPsYgNHex8RtqdvMPfVGoYwjvF1ATiwn2Y", ""},
		{addrUVA, "w"}, {addrFeeCfg, ""}, {addrPfee, ""}, {addrCurveV2, ""}, {gBuyback.String(), "w"},
	}
}

func TestGoldenBuy(t *testing.T) {
	ix, err := Buy(goldenCoin(t, token.Token2022ProgramID), goldenTrader(), 1_000_000_000, 50_000_000)
	if err != nil {
		t.Fatal(err)
	}
	checkIx(t, ix, ProgramID, "66063d1201daebea00ca9a3b0000000080f0fa020000000001", buyAccounts())
}

func TestBuyExactSolInSharesBuyAccounts(t *testing.T) {
	ix, err := BuyExactSolIn(goldenCoin(t, token.Token2022ProgramID), goldenTrader(), 1_000_000_000, 50_000_000)
	if err != nil {
		t.Fatal(err)
	}
	checkIx(t, ix, ProgramID, "38fc74089edfcd5f00ca9a3b0000000080f0fa020000000001", buyAccounts())
}

func TestGoldenSell(t *testing.T) {
	ix, err := Sell(goldenCoin(t, token.Token2022ProgramID), goldenTrader(), 1_000_000_000, 1)
	if err != nil {
		t.Fatal(err)
	}
	checkIx(t, ix, ProgramID, "33e685a4017f83ad00ca9a3b000000000100000000000000", []acct{
		{addrGlobal, ""}, {gFee.String(), "w"}, {gMint.String(), ""}, {addrCurve, "w"}, {addrCurveATA, "w"},
		{addrUserATA, "w"}, {gUser.String(), "ws"}, {addrSystem, ""}, {addrVault, "w"}, {addrT22, ""},
		{addrEvent, ""}, {addrProgram, ""}, {addrFeeCfg, ""}, {addrPfee, ""}, {addrCurveV2, ""},
		{gBuyback.String(), "w"},
	})
}

func TestSellCashbackAddsUserVolumeAccumulator(t *testing.T) {
	c := goldenCoin(t, token.Token2022ProgramID)
	c.Cashback = true
	ix, err := Sell(c, goldenTrader(), 1_000_000_000, 1)
	if err != nil {
		t.Fatal(err)
	}
	accs := ix.Accounts()
	if len(accs) != 17 || accs[14].PublicKey.String() != addrUVA || !accs[14].IsWritable ||
		accs[15].PublicKey.String() != addrCurveV2 {
		t.Fatalf("cashback sell accounts: %v", accs)
	}
}

func TestGoldenExtendAccount(t *testing.T) {
	c := goldenCoin(t, token.Token2022ProgramID)
	checkIx(t, ExtendAccount(c.BondingCurve, gUser), ProgramID, "ea66c2cb96483ee5", []acct{
		{addrCurve, "w"}, {gUser.String(), "ws"}, {addrSystem, ""}, {addrEvent, ""}, {addrProgram, ""},
	})
}

func token2022() solana.PublicKey { return token.Token2022ProgramID }
func splToken() solana.PublicKey  { return token.TokenProgramID }
