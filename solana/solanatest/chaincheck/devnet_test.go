package chaincheck

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	sol "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/rpc"

	nsolana "github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/solanatest"
)

// mainnetGenesis is mainnet-beta's genesis hash: the suite refuses to spend real SOL.
const mainnetGenesis = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d"

// devnetFloor is what the funding keypair must hold: the largest subtest funds 2 SOL
// and every subtest returns what is left to it when it ends (`make check/devnet`).
const devnetFloor = 3 * sol1

// TestDevnet runs the suite against SOLANA_RPC_URL (e.g. https://api.devnet.solana.com,
// with SOLANA_WS_URL optional): transfers, lookup tables, the mixer with its sweep,
// and pump create_v2 + buy + sell. With NITRO_DEVNET_KEYPAIR (a Solana CLI keypair
// file) test wallets are funded from that keypair and each subtest sends what is left
// back to it when it ends; without it they are funded by airdrop. Skipped when
// SOLANA_RPC_URL is unset: the built-in cluster runs the same suite in solana/localnet.
func TestDevnet(t *testing.T) {
	url := os.Getenv("SOLANA_RPC_URL")
	if url == "" {
		t.Skip("SOLANA_RPC_URL not set")
	}
	runDevnet(t, nsolana.Config{RPCURL: url, WSURL: os.Getenv("SOLANA_WS_URL"), RateLimit: 5}, os.Getenv("NITRO_DEVNET_KEYPAIR"))
}

// runDevnet is TestDevnet for the cluster of cfg: funded from the keypair file at
// keypairPath, or by airdrop when it is "".
func runDevnet(t *testing.T, cfg nsolana.Config, keypairPath string) {
	url := cfg.RPCURL
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if g, err := rpc.New(url).GetGenesisHash(ctx); err != nil {
		t.Fatalf("SOLANA_RPC_URL does not answer getGenesisHash: %v", err)
	} else if g.String() == mainnetGenesis {
		t.Fatal("SOLANA_RPC_URL is mainnet-beta: this suite spends SOL, point it at devnet")
	}
	newClient := func(t *testing.T) *nsolana.Client {
		c, err := nsolana.NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	fund := airdropFund(newClient)
	if keypairPath != "" {
		funder, err := loadKeypair(keypairPath)
		if err != nil {
			t.Fatalf("NITRO_DEVNET_KEYPAIR: %v", err)
		}
		c := newClient(t)
		bal, err := c.GetBalance(ctxT(t), funder.PublicKey())
		if err != nil {
			t.Fatal(err)
		}
		if bal < devnetFloor {
			t.Fatalf("NITRO_DEVNET_KEYPAIR %s holds %.3f SOL; the suite needs %.0f SOL (solana airdrop 2 %s --url devnet, twice, or https://faucet.solana.com)",
				funder.PublicKey(), float64(bal)/sol1, float64(devnetFloor)/sol1, funder.PublicKey())
		}
		fund = keypairFund(newClient, funder)
		t.Cleanup(func() {
			if after, err := c.GetBalance(context.Background(), funder.PublicKey()); err == nil {
				t.Logf("the run cost %d lamports (%.6f SOL) of %s", int64(bal)-int64(after), float64(int64(bal)-int64(after))/sol1, funder.PublicKey())
			}
		})
	}
	Exercise(t, newClient, fund)
}

func airdropFund(newClient solanatest.NewClient) solanatest.Fund {
	return func(t *testing.T, k sol.PublicKey, lamports uint64) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if _, err := newClient(t).Airdrop(ctx, k, lamports); err != nil {
			t.Fatalf("airdrop %d to %s: %v", lamports, k, err)
		}
	}
}

// keypairFund pays from funder and, when the subtest ends, returns to it what every
// wallet the subtest made still holds.
func keypairFund(newClient solanatest.NewClient, funder sol.PrivateKey) solanatest.Fund {
	return func(t *testing.T, k sol.PublicKey, lamports uint64) {
		c := newClient(t)
		stx, err := c.BuildTx(ctxT(t), funder.PublicKey(), []sol.Instruction{system.NewTransferInstruction(lamports, funder.PublicKey(), k).Build()},
			[]sol.PrivateKey{funder}, nsolana.BuildOpts{CULimit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.SendAndConfirm(ctxT(t), stx, nil); err != nil {
			t.Fatalf("fund %s with %d: %v", k, lamports, err)
		}
		t.Cleanup(func() {
			n, err := solanatest.ReturnFunds(context.Background(), c, funder.PublicKey())
			if err != nil {
				t.Errorf("return funds to %s: %v", funder.PublicKey(), err)
			}
			t.Logf("returned %d lamports to %s", n, funder.PublicKey())
		})
	}
}

// loadKeypair reads a Solana CLI keypair file (a JSON array of the 64 bytes).
func loadKeypair(path string) (sol.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var b []byte
	var ints []int
	if err := json.Unmarshal(raw, &ints); err != nil || len(ints) != 64 {
		return nil, fmt.Errorf("%s is not a Solana CLI keypair file (a JSON array of 64 numbers)", path)
	}
	for _, v := range ints {
		b = append(b, byte(v))
	}
	k := sol.PrivateKey(b)
	if _, err := sol.ValidatePrivateKey(k); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}
