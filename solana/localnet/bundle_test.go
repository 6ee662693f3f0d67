package localnet

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"
)

func TestBundleAllOrNothing(t *testing.T) {
	c, srv := newTestCluster(t)
	url := srv.URL + "/localnet/rpc/api/v1/bundles" // any mount point works
	a, b := keypair(1), keypair(2)
	c.bank.Airdrop(a.PublicKey(), 10*sol)
	c.bank.Airdrop(b.PublicKey(), sol)
	tip := solana.MustPublicKeyFromBase58(JitoTipAccounts[0])
	ok1 := buildTx(t, c.bank, []solana.Instruction{transferIx(a.PublicKey(), keypair(3).PublicKey(), sol)}, a)
	failing := buildTx(t, c.bank, []solana.Instruction{transferIx(b.PublicKey(), keypair(3).PublicKey(), 5*sol)}, b)
	e := callErr(t, url, "sendBundle", []string{b58(ok1), b58(failing)})
	if !strings.Contains(e, "bundle simulation failed") {
		t.Fatalf("failing bundle: %s", e)
	}
	if c.bank.Balance(keypair(3).PublicKey()) != 0 || c.bank.Balance(b.PublicKey()) != sol {
		t.Fatal("part of a failed bundle landed (or its fee was charged)")
	}
	ok2 := buildTx(t, c.bank, []solana.Instruction{transferIx(b.PublicKey(), tip, RentExemptMinimum(0))}, b)
	id := strings.Trim(call(t, url, "sendBundle", []string{b58(ok1), b58(ok2)}), `"`)
	if len(id) != 64 || c.bank.Balance(keypair(3).PublicKey()) != sol || c.bank.Balance(tip) != RentExemptMinimum(0) {
		t.Fatalf("bundle %s did not land", id)
	}
	r1, _ := c.bank.Status(solana.SignatureFromBytes(ok1[1:65]))
	r2, _ := c.bank.Status(solana.SignatureFromBytes(ok2[1:65]))
	if r1.Slot != r2.Slot {
		t.Fatal("bundle spread over slots")
	}
	c.bank.Advance(1)
	got := call(t, url, "getBundleStatuses", []string{id})
	want := ctxJSON(c, fmt.Sprintf(`[{"bundle_id":"%s","confirmation_status":"confirmed","err":{"Ok":null},"slot":%d,"transactions":["%s","%s"]}]`,
		id, r1.Slot, solanaSigOf(ok1), solanaSigOf(ok2)))
	if got != want {
		t.Fatalf("getBundleStatuses\n got %s\nwant %s", got, want)
	}
	var tips []string
	if err := json.Unmarshal([]byte(call(t, url, "getTipAccounts")), &tips); err != nil || len(tips) != 8 {
		t.Fatalf("tip accounts %v %v", tips, err)
	}
	six := []string{b58(ok1), b58(ok1), b58(ok1), b58(ok1), b58(ok1), b58(ok1)}
	if e := callErr(t, url, "sendBundle", six); !strings.Contains(e, "-32602") {
		t.Fatalf("6-tx bundle: %s", e)
	}
}
