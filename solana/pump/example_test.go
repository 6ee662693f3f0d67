package pump_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/pump"
	"github.com/nitro-runtime/nitro/solana/token"
)

// Example_launch assembles the instructions of a create_v2 + 1 SOL dev buy, the
// way a launch worker would: derive the coin once, quote the dev buy on the curve
// create_v2 will initialise, pick recipients from Global, then build.
func Example_launch() {
	mint := solana.PrivateKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))).PublicKey()
	dev := solana.PrivateKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32))).PublicKey()
	global := pump.MainnetGlobal() // on mainnet: pump.DecodeGlobal(account data of pump.GlobalAddress)
	fees := pump.MainnetFeeConfig()

	coin, _ := pump.NewCoin(mint, token.Token2022ProgramID, dev)
	create, _ := pump.CreateV2(pump.CreateV2Params{Coin: coin, User: dev,
		Name: "Name", Symbol: "SYM", URI: "https://ipfs.io/ipfs/x"})
	curve := global.NewCurve(dev)
	q, _ := pump.BuyQuote(curve, fees.For(curve), 1_000_000_000)
	trader, _ := global.TraderAt(dev, 0, false)
	buy, _ := pump.BuyInstructions(coin, trader, q.Tokens, pump.WithSlippageMax(q.Total, 100))

	ixs := append([]solana.Instruction{token.SetComputeUnitLimit(400_000), create}, buy...)
	fmt.Println("instructions:", len(ixs))
	fmt.Println("dev tokens:", q.Tokens, "max_sol_cost:", pump.WithSlippageMax(q.Total, 100))
	fmt.Println("curve after:", curve.AfterBuy(q).RealTokenReserves)
	// Output:
	// instructions: 4
	// dev tokens: 34199203120618 max_sol_cost: 1010000000
	// curve after: 758900796879382
}
