package localnet

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	pumpc "github.com/nitro-runtime/nitro/solana/pump"
	"github.com/nitro-runtime/nitro/solana/token"
)

// TestPumpOverRPC launches and trades a coin through the cluster's JSON-RPC
// with solana-go's client, as the bot does: genesis accounts are readable,
// create_v2 + dev buy lands, and a sell with too high a minimum simulates to
// the real InstructionError.
func TestPumpOverRPC(t *testing.T) {
	c, err := New(Config{SlotInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv := httptest.NewServer(c.Handler())
	defer srv.Close()
	cl := rpc.New(srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	ga, err := cl.GetAccountInfo(ctx, pumpGlobalKey)
	if err != nil || ga.Value.Owner != PumpProgramID {
		t.Fatalf("Global over RPC: %v", err)
	}
	g, err := pumpc.DecodeGlobal(ga.Value.Data.GetBinary())
	if err != nil || g.FeeRecipient != PumpFeeRecipients[0] || g.InitialVirtualSolReserves != 30_000_000_000 {
		t.Fatalf("decoded Global %+v, %v", g, err)
	}
	dev, mint := lpKey(140), lpKey(141)
	if _, err := c.Airdrop(dev.PublicKey(), 10_000_000_000); err != nil {
		t.Fatal(err)
	}
	coin, _ := pumpc.NewCoin(mint.PublicKey(), token.Token2022ProgramID, dev.PublicKey())
	create, err := pumpc.CreateV2(pumpc.CreateV2Params{Coin: coin, User: dev.PublicKey(), Name: "Rpc", Symbol: "RPC", URI: "https://ipfs.io/ipfs/r"})
	if err != nil {
		t.Fatal(err)
	}
	curve := g.NewCurve(dev.PublicKey())
	fa, _ := cl.GetAccountInfo(ctx, pumpFeeConfigKey)
	fc, err := pumpc.DecodeFeeConfig(fa.Value.Data.GetBinary())
	if err != nil {
		t.Fatal(err)
	}
	q, _ := pumpc.BuyTokensCost(curve, fc.For(curve), 20_000_000_000_000)
	tr, _ := g.TraderAt(dev.PublicKey(), 0, false)
	buy, err := pumpc.BuyInstructions(coin, tr, q.Tokens, pumpc.WithSlippageMax(q.Total, 100))
	if err != nil {
		t.Fatal(err)
	}
	sig := lpSendRPC(ctx, t, cl, func() { c.Bank().Advance(1) }, append([]solana.Instruction{create}, buy...), dev, mint)
	tx, err := cl.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Commitment: rpc.CommitmentConfirmed})
	if err != nil || tx.Meta == nil || tx.Meta.Err != nil {
		t.Fatalf("getTransaction: %v", err)
	}
	if !slices.Contains(tx.Meta.LogMessages, "Program log: Instruction: Buy") {
		t.Errorf("logs lack the Anchor instruction line: %q", tx.Meta.LogMessages)
	}
	ata, _ := coin.UserATA(dev.PublicKey())
	bal, err := cl.GetTokenAccountBalance(ctx, ata, rpc.CommitmentConfirmed)
	if err != nil || bal.Value.Amount != "20000000000000" {
		t.Fatalf("dev token balance %+v, %v", bal, err)
	}

	sell, _ := pumpc.Sell(coin, tr, 1_000_000_000, 1<<62)
	bh, _ := cl.GetLatestBlockhash(ctx, rpc.CommitmentConfirmed)
	stx, _ := solana.NewTransaction([]solana.Instruction{sell}, bh.Value.Blockhash, solana.TransactionPayer(dev.PublicKey()))
	lpSignTx(t, stx, dev)
	sim, err := cl.SimulateTransaction(ctx, stx)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(sim.Value.Err)
	if string(got) != `{"InstructionError":[0,{"Custom":6003}]}` {
		t.Errorf("simulated sell error %s, want TooLittleSolReceived", got)
	}
}

func lpSignTx(t testing.TB, tx *solana.Transaction, signers ...solana.PrivateKey) {
	t.Helper()
	if _, err := tx.Sign(func(k solana.PublicKey) *solana.PrivateKey {
		for i := range signers {
			if signers[i].PublicKey() == k {
				return &signers[i]
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// lpSendRPC sends through sendTransaction (with preflight) and polls the
// signature status, advancing the slot-less cluster, until it is confirmed.
func lpSendRPC(ctx context.Context, t testing.TB, cl *rpc.Client, advance func(), ixs []solana.Instruction, signers ...solana.PrivateKey) solana.Signature {
	t.Helper()
	bh, err := cl.GetLatestBlockhash(ctx, rpc.CommitmentConfirmed)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := solana.NewTransaction(ixs, bh.Value.Blockhash, solana.TransactionPayer(signers[0].PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	lpSignTx(t, tx, signers...)
	sig, err := cl.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{PreflightCommitment: rpc.CommitmentConfirmed})
	if err != nil {
		t.Fatalf("sendTransaction: %v", err)
	}
	for ctx.Err() == nil {
		st, err := cl.GetSignatureStatuses(ctx, false, sig)
		if err == nil && len(st.Value) == 1 && st.Value[0] != nil {
			if st.Value[0].Err != nil {
				t.Fatalf("transaction failed: %v", st.Value[0].Err)
			}
			if st.Value[0].ConfirmationStatus != rpc.ConfirmationStatusProcessed {
				return sig
			}
		}
		advance()
	}
	t.Fatalf("signature %s not confirmed: %v", sig, ctx.Err())
	return sig
}
