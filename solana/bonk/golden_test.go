package bonk

import (
	"testing"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/token"

	"github.com/nitro-runtime/nitro/solana/solanatest"
)

var seedKey = solanatest.SeedKey

var (
	gMint = seedKey(11).PublicKey()
	gUser = seedKey(12).PublicKey()
)

const (
	addrPool      = "4LYxUcXZsfgexNzwd9C5nLX4eLm5Je6Hj2rgP5HBG5nS"
	addrBaseVault = "B6kbXww53SXq3J169AxriK3d2rqVqmqEftgzB15dCGiW"
	addrQuoteVlt  = "E98GqituFiVmc2seJA91FMvYtm5zwdks4LEGyZRn8i4o"
	addrMetadata  = "GahnvdQ5mNbt48DADapARTheBUTbfiWX5WUoMe84jugn"
	addrUserBase  = "2NuwYSJtd9DU8WwzyxUH995pBFVRDsDNPPhFpD2AVdQy"
	addrUserWSOL  = "BhqRZaV8eGsKiJ7ASYewxkvRtbWPDD78WXfGQyDGkoAe"
	addrPlatVault = "AMWjewk8jvQkqyrUv5cowmbQdoS2ChbJopXXPtVqKtch"
	addrCreatVlt  = "63knbVQLm8rX5vBJGEz4AnkBWPVwaDt9DUruJBCALC1Y"
	addrGlobalCfg = "6s1xP3hpbAfFoNtUNF8mfHsjr2Bd97JxFJRWLbL6aHuX"
	addrPlatform  = "FfYek5vEz23cMkWsdJwG2oa6EphsvXSHrGpdALN4g6W1"
	addrAuthority = "WLHv2UAZm6z4KyaaELi5pjdbJh6RESMva1Rnn8pJVVh"
	addrEvent     = "2DPAtwB8L12vrMRExbLuyGnC7n2J5LNoZQSejeQGpwkr"
	addrProgram   = "LanMV9sAd7wArD4vJFi2qDdfnVhFxYSUg6eADduJ3uj"
	addrWSOL      = "So11111111111111111111111111111111111111112"
	addrTokenkeg  = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
	addrSystem    = "11111111111111111111111111111111"
)

type acct struct{ key, flags string }

func checkIx(t *testing.T, ix solana.Instruction, dataHex string, want []acct) {
	t.Helper()
	accounts := make([]solanatest.Account, len(want))
	for i, a := range want {
		accounts[i] = solanatest.Account{Key: a.key, Flags: a.flags}
	}
	solanatest.CheckInstruction(t, ix, ProgramID, dataHex, accounts)
}

func goldenPool(t *testing.T) Pool {
	t.Helper()
	p, err := NewPool(gMint, gUser, solana.PublicKey{}, solana.PublicKey{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGoldenKeysAndPDAs(t *testing.T) {
	p := goldenPool(t)
	md, _ := token.MetadataAddress(gMint)
	for name, tc := range map[string]struct {
		got  solana.PublicKey
		want string
	}{
		"mint": {gMint, "7v54NWdBtkjuAFJrLGsS2SXnuk8nKam81mZJeeYxVFi9"}, "user": {gUser, "mBKqcnGotbsSb5vNrdyhzZ5EhqZdids9QYiTRckvi7v"},
		"pool": {p.Address, addrPool}, "base vault": {p.BaseVault, addrBaseVault}, "quote vault": {p.QuoteVault, addrQuoteVlt},
		"metadata": {md, addrMetadata}, "platform fee vault": {p.PlatformFeeVault, addrPlatVault},
		"creator fee vault": {p.CreatorFeeVault, addrCreatVlt},
	} {
		if tc.got.String() != tc.want {
			t.Errorf("%s = %s, want %s", name, tc.got, tc.want)
		}
	}
}

func TestFixedPDAs(t *testing.T) {
	gc, _ := GlobalConfigAddress(token.WSOLMint, 0, 0)
	pc, _ := PlatformConfigAddress(LetsBonkPlatformAdmin)
	for _, tc := range []struct {
		got, want solana.PublicKey
	}{{gc, WSOLGlobalConfig}, {pc, LetsBonkPlatformConfig}} {
		if tc.got != tc.want {
			t.Errorf("derived %s, want %s", tc.got, tc.want)
		}
	}
	for _, tc := range []struct {
		addr solana.PublicKey
		seed []byte
	}{{Authority, SeedAuthority}, {EventAuthority, SeedEventAuthority},
		{PlatformFeeVaultAuth, SeedPlatformFeeVaultAuth}, {CreatorFeeVaultAuth, SeedCreatorFeeVaultAuth}} {
		got, bump, err := solana.FindProgramAddress([][]byte{tc.seed}, ProgramID)
		if err != nil || got != tc.addr {
			t.Errorf("seed %q: %s, want %s", tc.seed, got, tc.addr)
		}
		if tc.addr == Authority && bump != AuthorityBump {
			t.Errorf("authority bump %d, want %d", bump, AuthorityBump)
		}
	}
}

func TestGoldenInitializeV2(t *testing.T) {
	ix, err := InitializeV2(InitializeV2Params{Payer: gUser, Creator: gUser, BaseMint: gMint, Pool: goldenPool(t),
		Decimals: 6, Name: "Name", Symbol: "SYM", URI: "https://ipfs.io/ipfs/x",
		Curve: Curve{Supply: 1e15, TotalBaseSell: 7.931e14, TotalQuoteFundRaising: 85e9}})
	if err != nil {
		t.Fatal(err)
	}
	checkIx(t, ix, "4399af27da10262006040000004e616d650300000053594d1600000068747470733a2f2f697066732e696f2f697066732f78000080c6a47e8d03000078c5fb51d10200001265ca130000000000000000000000000000000000000000000000000000000000", []acct{
		{gUser.String(), "ws"}, {gUser.String(), ""}, {addrGlobalCfg, ""}, {addrPlatform, ""}, {addrAuthority, ""},
		{addrPool, "w"}, {gMint.String(), "ws"}, {addrWSOL, ""}, {addrBaseVault, "w"}, {addrQuoteVlt, "w"},
		{addrMetadata, "w"}, {addrTokenkeg, ""}, {addrTokenkeg, ""}, {"metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s", ""},
		{addrSystem, ""}, {"SysvarRent111111111111111111111111111111111", ""}, {addrEvent, ""}, {addrProgram, ""},
	})
}

func tradeAccounts() []acct {
	return []acct{
		{gUser.String(), "ws"}, {addrAuthority, ""}, {addrGlobalCfg, ""}, {addrPlatform, ""}, {addrPool, "w"},
		{addrUserBase, "w"}, {addrUserWSOL, "w"}, {addrBaseVault, "w"}, {addrQuoteVlt, "w"}, {gMint.String(), ""},
		{addrWSOL, ""}, {addrTokenkeg, ""}, {addrTokenkeg, ""}, {addrEvent, ""}, {addrProgram, ""}, {addrSystem, ""},
		{addrPlatVault, "w"}, {addrCreatVlt, "w"},
	}
}

func TestGoldenBuyExactIn(t *testing.T) {
	ix, err := BuyExactIn(goldenPool(t), Trade{User: gUser, AmountIn: 100_000_000, MinimumAmountOut: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkIx(t, ix, "faea0d7bd59c13ec00e1f5050000000001000000000000000000000000000000", tradeAccounts())
}

func TestGoldenSellExactIn(t *testing.T) {
	ix, err := SellExactIn(goldenPool(t), Trade{User: gUser, AmountIn: 1_000_000, MinimumAmountOut: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkIx(t, ix, "9527de9bd37c981a40420f000000000001000000000000000000000000000000", tradeAccounts())
}

func TestShareFeeReceiverGoesBeforeSystem(t *testing.T) {
	recv := seedKey(13).PublicKey()
	ix, err := BuyExactIn(goldenPool(t), Trade{User: gUser, AmountIn: 1, ShareFeeRate: 100, ShareFeeReceiver: recv})
	if err != nil {
		t.Fatal(err)
	}
	accs := ix.Accounts()
	if len(accs) != 19 || accs[15].PublicKey != recv || !accs[15].IsWritable || accs[16].PublicKey.String() != addrSystem {
		t.Fatalf("accounts with share receiver: %v", accs)
	}
	if _, err := BuyExactIn(goldenPool(t), Trade{User: gUser, AmountIn: 1, ShareFeeRate: 100}); err == nil {
		t.Fatal("share rate without receiver accepted")
	}
}
