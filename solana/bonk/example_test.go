package bonk_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/bonk"
)

// Example_launch assembles a letsbonk launch with a 1 SOL dev buy: initialize_v2
// followed by the WSOL-wrapped buy_exact_in, quoted on the pool initialize_v2 creates.
func Example_launch() {
	mint := solana.PrivateKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{11}, 32))).PublicKey()
	dev := solana.PrivateKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{12}, 32))).PublicKey()

	pool, _ := bonk.NewPool(mint, dev, solana.PublicKey{}, solana.PublicKey{}) // WSOL config, letsbonk platform
	params := bonk.InitializeV2Params{Payer: dev, Creator: dev, BaseMint: mint, Pool: pool,
		Name: "Name", Symbol: "SYM", URI: "https://ipfs.io/ipfs/x"}
	create, _ := bonk.InitializeV2(params)
	state, _ := bonk.NewPoolState(params, bonk.MainnetGlobalConfig()) // on mainnet: decode the accounts
	q, _ := bonk.BuyExactInQuote(state, bonk.MainnetRates(), 1_000_000_000)
	buy, _ := bonk.BuyWithSOL(pool, bonk.Trade{User: dev, AmountIn: 1_000_000_000,
		MinimumAmountOut: q.BaseOut * 99 / 100})

	fmt.Println("instructions:", 1+len(buy), "create accounts:", len(create.Accounts()))
	fmt.Println("dev tokens:", q.BaseOut, "fee:", q.Fees.Total)
	// Output:
	// instructions: 7 create accounts: 18
	// dev tokens: 34193904632554 fee: 12500000
}
