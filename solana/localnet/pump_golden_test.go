package localnet

import (
	"testing"

	"github.com/gagliardetto/solana-go"

	pumpc "github.com/nitro-runtime/nitro/solana/pump"
)

// The pump golden vectors built with the official SDK, byte for byte: data from
// the hex, accounts and flags from the account lists.

var (
	gvMint        = lpPK("AKnL4NNf3DGWZJS6cPknBuEGnVsV4A4m5tgebLHaRSZ9")
	gvUser        = lpPK("9hSR6S7WPtxmTojgo6GG3k4yDPecgJY292j7xrsUGWBu")
	gvCreator     = lpPK("GyGKxMyg1p9SsHfm15MkNUu1u9TN2JtTspcdmrtGUdse")
	gvFeeRcpt     = lpPK("62qc2CNXwrYqQScmEdiZFFAnJR262PxWEuNQtxfafNgV")
	gvBuyback     = lpPK("5YxQFdt3Tr9zJLvkFccqXVUwhdTWJQc1fFg2YPbxvxeD")
	gvCurve       = lpPK("GTSxUuGsx6UyaCAWNjySYx2gLMJr1arNdzcjBnuRoLUV")
	gvCurveATA    = lpPK("4C1gXP2wEfGSFyagUkQuUp2azGxN3emkxSZ2Cb8d2rwB")
	gvUserATA     = lpPK("12hNqoDbk3hrLdjjD8ibQRBPtc86MBrj5MasmR9gZrWM")
	gvCreatorVlt  = lpPK("4itW81FkdMLnXV39ziwqvZc5nFFs5jYw6aibsEf2Zz4v")
	gvUVA         = lpPK("KHx3YPBG5hEKjSsJMmPu9YXsMECBnzAi9qJASmT4eLR")
	gvCurveV2     = lpPK("9fCy7EFPBbPHeGbVoN4K2e6MSwpm9b5ypQRVPt8H2W7V")
	gvMayhemState = lpPK("Ei7sQLrc15hsxaouTAdQk3its6X7ZGUhBdcvKEaTprZq")
	gvMayhemVault = lpPK("99WYK12mnZUDQn1jrmrN7LCE4T8wkCJuU2PwjpdWzwhN")
	gvMintAuth    = lpPK("TSLvdd1pWpHVjahSpsvCXUbgwsL3JAcvokwaKt1eokM")
	gvGlobal      = lpPK("4wTV1YmiEkRvAtNtsSGPtUrqRYQMe5SKy2uB4Jjaxnjf")
	gvEventAuth   = lpPK("Ce6TQqeHC9p8KetsN6JsjHK7UTZk7nasjjnr7XxXp9F1")
	gvGVA         = lpPK("Hq2wp8uJ9jCPsYgNHex8RtqdvMPfVGoYwjvF1ATiwn2Y")
	gvFeeConfig   = lpPK("8Wf5TiAheLUqBrKXeYg2JtAFFMWtKdG2BSFgqUcPVwTt")
	gvGlobalParms = lpPK("13ec7XdrjF3h3YcqBTFDSReRcUFwbCnJaAQspM4j6DDJ")
	gvSolVault    = lpPK("BwWK17cbHxwWBKZkUYvzxLcNQ1YVyaFezduWbtm2de6s")
)

const (
	gvCreateV2Hex = "d6904cec5f8b31b4040000004e616d650300000053594d1600000068747470733a2f2f697066732e696f2f697066732f78ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d10000000000000000000000"
	gvBuyHex      = "66063d1201daebea00ca9a3b0000000080f0fa020000000001"
	gvSellHex     = "33e685a4017f83ad00ca9a3b000000000100000000000000"
	gvExtendHex   = "ea66c2cb96483ee5"
)

func gvCreateV2(t testing.TB) solana.Instruction {
	return solana.NewInstruction(PumpProgramID, solana.AccountMetaSlice{
		lpMeta(gvMint, "ws"), lpMeta(gvMintAuth, ""), lpMeta(gvCurve, "w"), lpMeta(gvCurveATA, "w"),
		lpMeta(gvGlobal, ""), lpMeta(gvUser, "ws"), lpMeta(solana.SystemProgramID, ""),
		lpMeta(solana.Token2022ProgramID, ""), lpMeta(solana.SPLAssociatedTokenAccountProgramID, ""),
		lpMeta(PumpMayhemProgramID, "w"), lpMeta(gvGlobalParms, ""), lpMeta(gvSolVault, "w"),
		lpMeta(gvMayhemState, "w"), lpMeta(gvMayhemVault, "w"), lpMeta(gvEventAuth, ""), lpMeta(PumpProgramID, ""),
	}, lpHex(t, gvCreateV2Hex))
}

func gvBuy(t testing.TB, data []byte) solana.Instruction {
	return solana.NewInstruction(PumpProgramID, solana.AccountMetaSlice{
		lpMeta(gvGlobal, ""), lpMeta(gvFeeRcpt, "w"), lpMeta(gvMint, ""), lpMeta(gvCurve, "w"),
		lpMeta(gvCurveATA, "w"), lpMeta(gvUserATA, "w"), lpMeta(gvUser, "ws"), lpMeta(solana.SystemProgramID, ""),
		lpMeta(solana.Token2022ProgramID, ""), lpMeta(gvCreatorVlt, "w"), lpMeta(gvEventAuth, ""),
		lpMeta(PumpProgramID, ""), lpMeta(gvGVA, ""), lpMeta(gvUVA, "w"), lpMeta(gvFeeConfig, ""),
		lpMeta(PumpFeeProgramID, ""), lpMeta(gvCurveV2, ""), lpMeta(gvBuyback, "w"),
	}, data)
}

func gvSell(t testing.TB, data []byte) solana.Instruction {
	return solana.NewInstruction(PumpProgramID, solana.AccountMetaSlice{
		lpMeta(gvGlobal, ""), lpMeta(gvFeeRcpt, "w"), lpMeta(gvMint, ""), lpMeta(gvCurve, "w"),
		lpMeta(gvCurveATA, "w"), lpMeta(gvUserATA, "w"), lpMeta(gvUser, "ws"), lpMeta(solana.SystemProgramID, ""),
		lpMeta(gvCreatorVlt, "w"), lpMeta(solana.Token2022ProgramID, ""), lpMeta(gvEventAuth, ""),
		lpMeta(PumpProgramID, ""), lpMeta(gvFeeConfig, ""), lpMeta(PumpFeeProgramID, ""),
		lpMeta(gvCurveV2, ""), lpMeta(gvBuyback, "w"),
	}, data)
}

func gvExtend(t testing.TB) solana.Instruction {
	return solana.NewInstruction(PumpProgramID, solana.AccountMetaSlice{
		lpMeta(gvCurve, "w"), lpMeta(gvUser, "ws"), lpMeta(solana.SystemProgramID, ""),
		lpMeta(gvEventAuth, ""), lpMeta(PumpProgramID, ""),
	}, lpHex(t, gvExtendHex))
}

// TestPumpGoldenDerivations checks the model derives the appendix addresses.
func TestPumpGoldenDerivations(t *testing.T) {
	mint, user := lpKey(1).PublicKey(), lpKey(2).PublicKey()
	if mint != gvMint || user != gvUser || lpKey(3).PublicKey() != gvCreator {
		t.Fatalf("golden keys differ")
	}
	curve := mustPDA(PumpProgramID, []byte("bonding-curve"), mint[:])
	checks := map[string][2]solana.PublicKey{
		"global":        {pumpGlobalKey, gvGlobal},
		"mint auth":     {pumpMintAuthority, gvMintAuth},
		"event auth":    {pumpEventAuthority, gvEventAuth},
		"gva":           {pumpGlobalVolumeAcc, gvGVA},
		"fee config":    {pumpFeeConfigKey, gvFeeConfig},
		"global params": {mayhemGlobalParams, gvGlobalParms},
		"sol vault":     {mayhemSolVault, gvSolVault},
		"curve":         {curve, gvCurve},
		"curve ata":     {ataAddress(curve, solana.Token2022ProgramID, mint), gvCurveATA},
		"user ata":      {ataAddress(user, solana.Token2022ProgramID, mint), gvUserATA},
		"creator vault": {mustPDA(PumpProgramID, []byte("creator-vault"), gvCreator[:]), gvCreatorVlt},
		"uva":           {mustPDA(PumpProgramID, []byte("user_volume_accumulator"), user[:]), gvUVA},
		"curve v2":      {mustPDA(PumpProgramID, []byte("bonding-curve-v2"), mint[:]), gvCurveV2},
		"mayhem state":  {mustPDA(PumpMayhemProgramID, []byte("mayhem-state"), mint[:]), gvMayhemState},
		"mayhem vault":  {ataAddress(gvSolVault, solana.Token2022ProgramID, mint), gvMayhemVault},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s: derived %s, appendix %s", name, c[0], c[1])
		}
	}
}

// TestPumpGoldenVectors runs create_v2, buy, sell and extend_account exactly
// as the appendix encodes them.
func TestPumpGoldenVectors(t *testing.T) {
	b := lpBank(t)
	mint, user := lpKey(1), lpKey(2)
	b.Airdrop(gvUser, 10_000_000_000)
	rec := lpOK(t, b, []solana.Instruction{gvCreateV2(t)}, user, mint)
	curve, _ := b.GetAccount(gvCurve)
	c := decodePumpCurve(curve.Data)
	if c.virtualToken != 1_073_000_000_000_000 || c.virtualSol != 30_000_000_000 || c.realToken != 793_100_000_000_000 ||
		c.realSol != 0 || c.totalSupply != 1_000_000_000_000_000 || c.creator != gvCreator || c.complete {
		t.Fatalf("fresh curve = %+v", c)
	}
	if got := lpTokenBalance(t, b, gvCurveATA); got != 1_000_000_000_000_000 {
		t.Fatalf("curve ATA holds %d", got)
	}
	m, _ := b.GetAccount(gvMint)
	if m.Owner != solana.Token2022ProgramID || le32(m.Data, 0) != 0 || m.Data[44] != 6 {
		t.Fatalf("mint owner %s, authority tag %d, decimals %d", m.Owner, le32(m.Data, 0), m.Data[44])
	}
	md, ok := ParseTokenMetadata(m.Data)
	if !ok || md.Name != "Name" || md.Symbol != "SYM" || md.URI != "https://ipfs.io/ipfs/x" {
		t.Fatalf("token metadata = %+v", md)
	}
	t.Logf("create_v2: %d CU, %d logs", rec.UnitsConsumed, len(rec.Logs))

	ata := lpIdempotentATA(gvUser, gvUser, gvMint, solana.Token2022ProgramID)
	lpOK(t, b, []solana.Instruction{ata, gvBuy(t, lpHex(t, gvBuyHex))}, user)
	if got := lpTokenBalance(t, b, gvUserATA); got != 1_000_000_000 {
		t.Fatalf("user holds %d after golden buy", got)
	}
	lpOK(t, b, []solana.Instruction{gvSell(t, lpHex(t, gvSellHex))}, user)
	if got := lpTokenBalance(t, b, gvUserATA); got != 0 {
		t.Fatalf("user holds %d after golden sell", got)
	}
	lpOK(t, b, []solana.Instruction{gvExtend(t)}, user)
}

// TestPumpGoldenLegacyCreate runs the appendix's legacy create (SPL Token
// mint + Metaplex metadata), then a buy through the client builders.
func TestPumpGoldenLegacyCreate(t *testing.T) {
	b := lpBank(t)
	b.Airdrop(gvUser, 10_000_000_000)
	curveATA := lpPK("DXYm6e9Ybdf6sNWaSuo8epQcbsX9JzdxKDkDNT4AcdsK")
	metadata := lpPK("CHsp7S2p7eV58YVpSCsMNb83sGKxnn1ogsCUwqkmtuYQ")
	ix := solana.NewInstruction(PumpProgramID, solana.AccountMetaSlice{
		lpMeta(gvMint, "ws"), lpMeta(gvMintAuth, ""), lpMeta(gvCurve, "w"), lpMeta(curveATA, "w"),
		lpMeta(gvGlobal, ""), lpMeta(MetaplexProgramID, ""), lpMeta(metadata, "w"), lpMeta(gvUser, "ws"),
		lpMeta(solana.SystemProgramID, ""), lpMeta(solana.TokenProgramID, ""),
		lpMeta(solana.SPLAssociatedTokenAccountProgramID, ""), lpMeta(solana.SysVarRentPubkey, ""),
		lpMeta(gvEventAuth, ""), lpMeta(PumpProgramID, ""),
	}, lpHex(t, "181ec828051c0777040000004e616d650300000053594d1600000068747470733a2f2f697066732e696f2f697066732f78ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d1"))
	lpOK(t, b, []solana.Instruction{ix}, lpKey(2), lpKey(1))
	if got := lpTokenBalance(t, b, curveATA); got != 1_000_000_000_000_000 {
		t.Fatalf("curve ATA holds %d", got)
	}
	md, _ := b.GetAccount(metadata)
	if md.Owner != MetaplexProgramID || keyAt(md.Data, 1) != gvMintAuth || string(md.Data[69:73]) != "Name" {
		t.Fatalf("metadata: owner %s, update authority %s", md.Owner, keyAt(md.Data, 1))
	}
	ga, _ := b.GetAccount(pumpGlobalKey)
	g, _ := pumpc.DecodeGlobal(ga.Data)
	coin, _ := pumpc.NewCoin(gvMint, solana.TokenProgramID, gvCreator)
	tr, _ := g.TraderAt(gvUser, 5, false)
	ixs, err := pumpc.BuyInstructions(coin, tr, 1_000_000_000, 50_000_000)
	if err != nil {
		t.Fatal(err)
	}
	lpOK(t, b, ixs, lpKey(2))
	if got := lpTokenBalance(t, b, ataAddress(gvUser, solana.TokenProgramID, gvMint)); got != 1_000_000_000 {
		t.Fatalf("legacy coin buy: %d tokens", got)
	}
}
