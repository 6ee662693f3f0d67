package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/mr-tron/base58"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/solana/bonk"
	"github.com/nitro-runtime/nitro/solana/pump"
)

// rpc talks Solana JSON-RPC to a cluster the way any outside client would: the chain
// is checked through the wire, never through nitro's own code.
type rpc struct {
	t   testing.TB
	url string
}

type rpcReply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// call returns the result of method, retrying a faulted HTTP answer (429/5xx from
// the fault knobs) a few times: the checks must see the chain, not the faults.
func (r rpc) call(method string, params ...any) json.RawMessage {
	r.t.Helper()
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	var lastErr error
	for try := 0; try < 50; try++ {
		resp, err := http.Post(r.url, "application/json", bytes.NewReader(body))
		if err != nil {
			lastErr = err
			time.Sleep(100 * time.Millisecond)
			continue
		}
		var rep rpcReply
		err = json.NewDecoder(resp.Body).Decode(&rep)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			lastErr = fmt.Errorf("status %d: %v", resp.StatusCode, err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		if rep.Error != nil {
			r.t.Fatalf("%s: rpc error %d %s", method, rep.Error.Code, rep.Error.Message)
		}
		return rep.Result
	}
	r.t.Fatalf("%s: %v", method, lastErr)
	return nil
}

func (r rpc) balance(key solana.PublicKey) uint64 {
	var v struct {
		Value uint64 `json:"value"`
	}
	mustJSON(r.t, r.call("getBalance", key.String(), map[string]string{"commitment": "confirmed"}), &v)
	return v.Value
}

// airdrop funds key and waits until the balance shows it.
func (r rpc) airdrop(key solana.PublicKey, lamports uint64) {
	r.t.Helper()
	before := r.balance(key)
	r.call("requestAirdrop", key.String(), lamports)
	testkit.WaitFor(r.t, 20*time.Second, "airdrop to "+key.String(), func() bool { return r.balance(key) >= before+lamports })
}

// accountExists reports whether key holds an account (a mint, a curve, an ATA).
func (r rpc) accountExists(key solana.PublicKey) bool {
	var v struct {
		Value *struct {
			Owner string `json:"owner"`
		} `json:"value"`
	}
	mustJSON(r.t, r.call("getAccountInfo", key.String(), map[string]string{"encoding": "base64", "commitment": "confirmed"}), &v)
	return v.Value != nil
}

// tokenAccount is one SPL token account of an owner for a mint.
type tokenAccount struct {
	Address string
	Amount  uint64
}

// tokenAccounts lists owner's token accounts of mint (both token programs).
func (r rpc) tokenAccounts(owner, mint solana.PublicKey) []tokenAccount {
	r.t.Helper()
	var v struct {
		Value []struct {
			Pubkey  string `json:"pubkey"`
			Account struct {
				Data []string `json:"data"`
			} `json:"account"`
		} `json:"value"`
	}
	mustJSON(r.t, r.call("getTokenAccountsByOwner", owner.String(), map[string]string{"mint": mint.String()},
		map[string]string{"encoding": "base64", "commitment": "confirmed"}), &v)
	var out []tokenAccount
	for _, a := range v.Value {
		raw, err := base64.StdEncoding.DecodeString(a.Account.Data[0])
		if err != nil || len(raw) < 72 {
			r.t.Fatalf("token account %s: bad data", a.Pubkey)
		}
		out = append(out, tokenAccount{Address: a.Pubkey, Amount: binary.LittleEndian.Uint64(raw[64:72])})
	}
	return out
}

// tokenBalance sums owner's balance of mint over all its token accounts.
func (r rpc) tokenBalance(owner, mint solana.PublicKey) uint64 {
	var sum uint64
	for _, a := range r.tokenAccounts(owner, mint) {
		sum += a.Amount
	}
	return sum
}

// sigInfo is one entry of getSignaturesForAddress.
type sigInfo struct {
	Signature          string          `json:"signature"`
	Err                json.RawMessage `json:"err"`
	ConfirmationStatus string          `json:"confirmationStatus"`
}

func (s sigInfo) failed() bool { return len(s.Err) > 0 && string(s.Err) != "null" }

func (r rpc) signaturesFor(addr solana.PublicKey) []sigInfo {
	var out []sigInfo
	mustJSON(r.t, r.call("getSignaturesForAddress", addr.String(), map[string]any{"limit": 1000}), &out)
	return out
}

// chainTx is a decoded confirmed transaction: signer, and each top-level
// instruction's program and data.
type chainTx struct {
	Signature string
	Signer    string
	Keys      []string
	Ixs       []chainIx
}

type chainIx struct {
	Program  string
	Data     []byte
	Accounts []string
}

func (r rpc) transaction(sig string) chainTx {
	r.t.Helper()
	var v struct {
		Transaction struct {
			Message struct {
				AccountKeys  []string `json:"accountKeys"`
				Instructions []struct {
					ProgramIDIndex int    `json:"programIdIndex"`
					Accounts       []int  `json:"accounts"`
					Data           string `json:"data"`
				} `json:"instructions"`
			} `json:"message"`
		} `json:"transaction"`
		Meta struct {
			LoadedAddresses struct {
				Writable []string `json:"writable"`
				Readonly []string `json:"readonly"`
			} `json:"loadedAddresses"`
		} `json:"meta"`
	}
	raw := r.call("getTransaction", sig, map[string]any{"encoding": "json", "commitment": "confirmed", "maxSupportedTransactionVersion": 0})
	if string(raw) == "null" {
		r.t.Fatalf("getTransaction %s: not found", sig)
	}
	mustJSON(r.t, raw, &v)
	msg := v.Transaction.Message
	keys := append(append(append([]string{}, msg.AccountKeys...), v.Meta.LoadedAddresses.Writable...), v.Meta.LoadedAddresses.Readonly...)
	tx := chainTx{Signature: sig, Signer: keys[0], Keys: keys}
	for _, ix := range msg.Instructions {
		data, err := base58.Decode(ix.Data)
		if err != nil {
			r.t.Fatalf("tx %s: instruction data: %v", sig, err)
		}
		accts := make([]string, len(ix.Accounts))
		for i, a := range ix.Accounts {
			accts[i] = keys[a]
		}
		tx.Ixs = append(tx.Ixs, chainIx{Program: keys[ix.ProgramIDIndex], Data: data, Accounts: accts})
	}
	return tx
}

// mintAudit is what the chain holds for one mint: successful creates, buys and sells
// per trading wallet, and failed transactions (each one a send the program refused).
type mintAudit struct {
	Creates      int
	CreateSigner string
	CreateSig    string
	Buys         map[string]int      // wallet -> successful buys (the dev buy inside the create excluded)
	Sells        map[string]int      // wallet -> successful sells
	BuySigs      map[string][]string // signature -> wallets that bought in it
	SellSigs     map[string][]string
	Failed       int
	Txs          int
}

// duplicates counts work that landed twice: extra creates and extra buys per wallet.
func (a mintAudit) duplicates() int {
	d := max(a.Creates-1, 0)
	for _, n := range a.Buys {
		d += max(n-1, 0)
	}
	return d
}

func (a mintAudit) String() string {
	return fmt.Sprintf("txs=%d creates=%d buys=%v sells=%v failed=%d", a.Txs, a.Creates, a.Buys, a.Sells, a.Failed)
}

// audit decodes every confirmed transaction that touched mint.
func (r rpc) audit(mint solana.PublicKey) mintAudit {
	r.t.Helper()
	a := mintAudit{Buys: map[string]int{}, Sells: map[string]int{}, BuySigs: map[string][]string{}, SellSigs: map[string][]string{}}
	for _, s := range r.signaturesFor(mint) {
		a.Txs++
		if s.failed() {
			a.Failed++
			continue
		}
		tx := r.transaction(s.Signature)
		trades := launchpadOps(tx)
		creator := ""
		for _, op := range trades {
			if op.kind == "create" {
				a.Creates++
				creator, a.CreateSigner, a.CreateSig = tx.Signer, tx.Signer, tx.Signature
			}
		}
		for _, op := range trades {
			switch {
			case op.kind == "buy" && op.user != creator:
				a.Buys[op.user]++
				a.BuySigs[tx.Signature] = append(a.BuySigs[tx.Signature], op.user)
			case op.kind == "sell":
				a.Sells[op.user]++
				a.SellSigs[tx.Signature] = append(a.SellSigs[tx.Signature], op.user)
			}
		}
	}
	return a
}

// launchpadOp is one launchpad instruction: create, buy or sell, and the trading wallet.
type launchpadOp struct{ kind, user string }

// launchpadOps decodes the pump and LaunchLab instructions of a transaction. The
// trading wallet is account 6 of a pump buy/sell and account 0 of a LaunchLab swap.
func launchpadOps(tx chainTx) []launchpadOp {
	var out []launchpadOp
	for _, ix := range tx.Ixs {
		if len(ix.Data) < 8 {
			continue
		}
		var d [8]byte
		copy(d[:], ix.Data[:8])
		switch ix.Program {
		case pump.ProgramID.String():
			switch d {
			case pump.DiscCreate, pump.DiscCreateV2:
				out = append(out, launchpadOp{"create", tx.Signer})
			case pump.DiscBuy, pump.DiscBuyExactSolIn:
				out = append(out, launchpadOp{"buy", accountAt(ix, 6)})
			case pump.DiscSell:
				out = append(out, launchpadOp{"sell", accountAt(ix, 6)})
			}
		case bonk.ProgramID.String():
			switch d {
			case bonk.DiscInitialize, bonk.DiscInitializeV2, bonk.DiscInitializeToken2022:
				out = append(out, launchpadOp{"create", tx.Signer})
			case bonk.DiscBuyExactIn, bonk.DiscBuyExactOut:
				out = append(out, launchpadOp{"buy", accountAt(ix, 0)})
			case bonk.DiscSellExactIn, bonk.DiscSellExactOut:
				out = append(out, launchpadOp{"sell", accountAt(ix, 0)})
			}
		}
	}
	return out
}

func accountAt(ix chainIx, i int) string {
	if i < len(ix.Accounts) {
		return ix.Accounts[i]
	}
	return ""
}

// fundingTxs counts the successful transactions that touched wallet without trading
// on a launchpad: for a buyer right after its launch, the transfers that funded it.
func (r rpc) fundingTxs(wallet solana.PublicKey) int {
	n := 0
	for _, s := range r.signaturesFor(wallet) {
		if !s.failed() && len(launchpadOps(r.transaction(s.Signature))) == 0 {
			n++
		}
	}
	return n
}

func mustJSON(t testing.TB, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", clipBytes(raw), err)
	}
}

func clipBytes(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}
