package localnet

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/gagliardetto/solana-go"
)

// FuzzDecodeTransaction feeds arbitrary bytes to the transaction decoder and
// to sendTransaction / simulateTransaction: nothing may panic, and anything
// the decoder accepts must re-encode within the packet limit.
func FuzzDecodeTransaction(f *testing.F) {
	b := NewBank(BankConfig{})
	payer := keypair(1)
	b.Airdrop(payer.PublicKey(), 10*sol)
	f.Add(buildTx(f, b, []solana.Instruction{transferIx(payer.PublicKey(), keypair(2).PublicKey(), sol)}, payer))
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add([]byte{0xff, 0xff, 0xff})
	c, err := New(Config{SlotInterval: -1})
	if err != nil {
		f.Fatal(err)
	}
	defer c.Close()
	c.bank.Airdrop(payer.PublicKey(), 10*sol)
	f.Fuzz(func(t *testing.T, raw []byte) {
		if sig, err := DecodeTransaction(raw); err == nil {
			if len(raw) > MaxTransactionSize || sig == (solana.Signature{}) && len(raw) < 65 {
				t.Fatalf("accepted %d bytes", len(raw))
			}
		}
		_, _ = b.Simulate(raw, ExecOptions{SkipSigVerify: true, ReplaceRecentBlockhash: true})
		for _, method := range []string{"sendTransaction", "simulateTransaction"} {
			params, _ := json.Marshal([]any{base64.StdEncoding.EncodeToString(raw), map[string]any{"encoding": "base64", "skipPreflight": true}})
			_ = c.rpc.dispatchOne([]byte(`{"jsonrpc":"2.0","id":1,"method":"` + method + `","params":` + string(params) + `}`))
		}
		_ = c.rpc.dispatchBody(raw) // the bytes as an HTTP body
	})
}
