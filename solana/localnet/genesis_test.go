package localnet

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/gagliardetto/solana-go"
)

// TestGenesisPumpAccountsAreMainnets: getAccountInfo on the built-in cluster answers
// pump's Global and FeeConfig with the bytes, owner and lamports mainnet-beta served
// at slot 454,622,338 (the embedded captures, pinned by their sha256).
func TestGenesisPumpAccountsAreMainnets(t *testing.T) {
	_, srv := newTestCluster(t)
	for _, acc := range []struct {
		key, owner solana.PublicKey
		lamports   uint64
		size       int
		sha256     string
	}{
		{pumpGlobalKey, PumpProgramID, 4_089_842_911, 1088, "32729edb5b0dca0257e24f7bb9655008092456b7e22e512a9e6039decc450032"},
		{pumpFeeConfigKey, PumpFeeProgramID, 37_292_293, 4097, "3504fae20640e15bd441257ab118aa96fb4e99190defc06a01aae26b307bf204"},
	} {
		var v struct {
			Value struct {
				Data     []string `json:"data"`
				Owner    string   `json:"owner"`
				Lamports uint64   `json:"lamports"`
			} `json:"value"`
		}
		raw := call(t, srv.URL, "getAccountInfo", acc.key.String(), map[string]string{"encoding": "base64"})
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			t.Fatal(err)
		}
		data, err := base64.StdEncoding.DecodeString(v.Value.Data[0])
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if len(data) != acc.size || hex.EncodeToString(sum[:]) != acc.sha256 {
			t.Errorf("%s: %d bytes, sha256 %x; want the %d-byte mainnet capture", acc.key, len(data), sum, acc.size)
		}
		if v.Value.Owner != acc.owner.String() || v.Value.Lamports != acc.lamports {
			t.Errorf("%s: owner %s, %d lamports; want %s, %d", acc.key, v.Value.Owner, v.Value.Lamports, acc.owner, acc.lamports)
		}
	}
	// A caller cannot change genesis through the exported copy.
	g := PumpGlobalData()
	g[0] ^= 0xff
	if bytes.Equal(g, PumpGlobalData()) {
		t.Fatal("PumpGlobalData hands out the genesis bytes themselves")
	}
}
