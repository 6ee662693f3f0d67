package localnet

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
)

func TestFaultDropNext(t *testing.T) {
	c, srv := newTestCluster(t)
	payer := keypair(1)
	c.bank.Airdrop(payer.PublicKey(), 10*sol)
	c.Faults().DropNext(1)
	raw := buildTx(t, c.bank, []solana.Instruction{transferIx(payer.PublicKey(), keypair(2).PublicKey(), sol)}, payer)
	sig := strings.Trim(call(t, srv.URL, "sendTransaction", base64.StdEncoding.EncodeToString(raw), map[string]string{"encoding": "base64"}), `"`)
	if sig != solanaSigOf(raw) {
		t.Fatalf("dropped tx returned %s", sig)
	}
	if got := call(t, srv.URL, "getSignatureStatuses", []string{sig}); got != ctxJSON(c, "[null]") {
		t.Fatalf("dropped tx has a status: %s", got)
	}
	if c.Faults().Dropped() != 1 || c.bank.Balance(keypair(2).PublicKey()) != 0 {
		t.Fatal("drop not applied")
	}
	// Re-sending the same bytes lands them (the knob was for one tx).
	call(t, srv.URL, "sendTransaction", base64.StdEncoding.EncodeToString(raw), map[string]string{"encoding": "base64"})
	if c.bank.Balance(keypair(2).PublicKey()) != sol {
		t.Fatal("resend did not land")
	}
}

func TestFaultConfirmDelay(t *testing.T) {
	c, srv := newTestCluster(t)
	payer := keypair(1)
	c.bank.Airdrop(payer.PublicKey(), 10*sol)
	c.Faults().SetConfirmDelay(50 * time.Millisecond)
	raw := buildTx(t, c.bank, []solana.Instruction{transferIx(payer.PublicKey(), keypair(2).PublicKey(), sol)}, payer)
	call(t, srv.URL, "sendTransaction", base64.StdEncoding.EncodeToString(raw), map[string]string{"encoding": "base64"})
	if _, ok := c.bank.Status(solana.SignatureFromBytes(raw[1:65])); ok {
		t.Fatal("delayed tx executed at once")
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.bank.Balance(keypair(2).PublicKey()) != sol {
		if time.Now().After(deadline) {
			t.Fatal("delayed tx never landed")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFaultShortBlockhashValidity(t *testing.T) {
	c, srv := newTestCluster(t)
	c.Faults().SetBlockhashValidity(2)
	bh, last := c.bank.LatestBlockhash()
	if last != c.bank.BlockHeight()+2 {
		t.Fatalf("lastValidBlockHeight %d", last)
	}
	c.bank.Advance(3)
	if got := call(t, srv.URL, "isBlockhashValid", bh.String()); got != ctxJSON(c, "false") {
		t.Fatalf("isBlockhashValid %s", got)
	}
	c.Faults().Reset()
	if !c.bank.IsBlockhashValid(bh) {
		t.Fatal("reset did not restore validity")
	}
}

func TestFaultHTTPErrors(t *testing.T) {
	c, srv := newTestCluster(t)
	c.Faults().FailHTTPNext(2, http.StatusTooManyRequests)
	for range 2 {
		if status, _ := post(t, srv.URL, `{"jsonrpc":"2.0","id":1,"method":"getSlot"}`); status != http.StatusTooManyRequests {
			t.Fatalf("status %d, want 429", status)
		}
	}
	if status, _ := post(t, srv.URL, `{"jsonrpc":"2.0","id":1,"method":"getSlot"}`); status != http.StatusOK {
		t.Fatalf("status %d after the injected failures", status)
	}
	c.Faults().SetHTTPFailFraction(1, http.StatusServiceUnavailable)
	if status, _ := post(t, srv.URL, `{"jsonrpc":"2.0","id":1,"method":"getSlot"}`); status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", status)
	}
}

func TestFaultDropFraction(t *testing.T) {
	c, srv := newTestCluster(t)
	payer := keypair(1)
	c.bank.Airdrop(payer.PublicKey(), 10*sol)
	c.Faults().SetDropFraction(1)
	for i := range 3 {
		raw := buildTx(t, c.bank, []solana.Instruction{transferIx(payer.PublicKey(), keypair(2).PublicKey(), sol+uint64(i))}, payer)
		call(t, srv.URL, "sendTransaction", base64.StdEncoding.EncodeToString(raw), map[string]string{"encoding": "base64"})
	}
	if c.Faults().Dropped() != 3 || c.bank.Balance(keypair(2).PublicKey()) != 0 {
		t.Fatalf("dropped %d, balance %d", c.Faults().Dropped(), c.bank.Balance(keypair(2).PublicKey()))
	}
	// A transaction that would fail is still refused by preflight, dropped or not.
	raw := buildTx(t, c.bank, []solana.Instruction{transferIx(payer.PublicKey(), keypair(2).PublicKey(), 100*sol)}, payer)
	if e := callErr(t, srv.URL, "sendTransaction", base64.StdEncoding.EncodeToString(raw), map[string]string{"encoding": "base64"}); !strings.Contains(e, "-32002") {
		t.Fatalf("preflight under drops: %s", e)
	}
}
