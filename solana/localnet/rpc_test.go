package localnet

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/mr-tron/base58"
)

// newTestCluster returns a cluster with manual slots and its RPC test server.
func newTestCluster(t *testing.T) (*Cluster, *httptest.Server) {
	t.Helper()
	c, err := New(Config{SlotInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c.Handler())
	t.Cleanup(func() { srv.Close(); c.Close() })
	return c, srv
}

// post sends body and returns the raw response body.
func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// call posts one request and returns its raw "result" (or fails on an error).
func call(t *testing.T, url, method string, params ...any) string {
	t.Helper()
	if params == nil {
		params = []any{}
	}
	p, _ := json.Marshal(params)
	_, body := post(t, url, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":%q,"params":%s}`, method, p))
	var resp struct {
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil || resp.Error != nil {
		t.Fatalf("%s: %s", method, body)
	}
	return string(resp.Result)
}

// callErr posts one request and returns its raw "error".
func callErr(t *testing.T, url, method string, params ...any) string {
	t.Helper()
	p, _ := json.Marshal(params)
	_, body := post(t, url, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":%q,"params":%s}`, method, p))
	var resp struct {
		Error json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil || resp.Error == nil {
		t.Fatalf("%s: expected an error, got %s", method, body)
	}
	return string(resp.Error)
}

func ctxJSON(c *Cluster, value string) string {
	return fmt.Sprintf(`{"context":{"apiVersion":"%s","slot":%d},"value":%s}`, APIVersion, c.bank.Slot(), value)
}

func TestRPCChainMethodsWire(t *testing.T) {
	c, srv := newTestCluster(t)
	c.bank.Advance(3)
	bh, last := c.bank.LatestBlockhash()
	checks := []struct {
		method, want string
		params       []any
	}{
		{"getLatestBlockhash", ctxJSON(c, fmt.Sprintf(`{"blockhash":"%s","lastValidBlockHeight":%d}`, bh, last)), nil},
		{"getBlockHeight", "3", nil},
		{"getSlot", "3", []any{map[string]string{"commitment": "confirmed"}}},
		{"isBlockhashValid", ctxJSON(c, "true"), []any{bh.String()}},
		{"isBlockhashValid", ctxJSON(c, "false"), []any{solana.Hash{1}.String()}},
		{"getMinimumBalanceForRentExemption", "2039280", []any{165}},
		{"getHealth", `"ok"`, nil},
		{"getVersion", fmt.Sprintf(`{"feature-set":3294202862,"solana-core":"%s"}`, APIVersion), nil},
		{"getRecentPrioritizationFees", "[]", nil},
		{"getEpochInfo", `{"absoluteSlot":3,"blockHeight":3,"epoch":0,"slotIndex":3,"slotsInEpoch":432000,"transactionCount":0}`, nil},
		{"getGenesisHash", fmt.Sprintf("%q", c.bank.genesisHash.String()), nil},
		{"getFirstAvailableBlock", "0", nil},
		{"getSlotLeader", fmt.Sprintf("%q", nodeIdentity.String()), nil},
		{"getBalance", ctxJSON(c, "0"), []any{keypair(9).PublicKey().String()}},
		{"getAccountInfo", ctxJSON(c, "null"), []any{keypair(9).PublicKey().String(), map[string]string{"encoding": "base64"}}},
	}
	for _, ch := range checks {
		if got := call(t, srv.URL, ch.method, ch.params...); got != ch.want {
			t.Errorf("%s:\n got %s\nwant %s", ch.method, got, ch.want)
		}
	}
}

func TestRPCAccountsWire(t *testing.T) {
	c, srv := newTestCluster(t)
	key := keypair(3).PublicKey()
	c.bank.SetAccount(key, Account{Lamports: 1_000_000, Owner: solana.SystemProgramID, Data: []byte{1, 2, 3}})
	want := ctxJSON(c, fmt.Sprintf(`{"data":["AQID","base64"],"executable":false,"lamports":1000000,"owner":"11111111111111111111111111111111","rentEpoch":18446744073709551615,"space":3}`))
	if got := call(t, srv.URL, "getAccountInfo", key.String(), map[string]string{"encoding": "base64"}); got != want {
		t.Fatalf("getAccountInfo\n got %s\nwant %s", got, want)
	}
	got := call(t, srv.URL, "getAccountInfo", key.String(), map[string]any{"encoding": "base64", "dataSlice": map[string]int{"offset": 1, "length": 1}})
	if !strings.Contains(got, `"data":["Ag==","base64"]`) {
		t.Fatalf("dataSlice: %s", got)
	}
	got = call(t, srv.URL, "getMultipleAccounts", []string{key.String(), keypair(4).PublicKey().String()}, map[string]string{"encoding": "base64"})
	if !strings.HasSuffix(got, `"space":3},null]}`) {
		t.Fatalf("getMultipleAccounts: %s", got)
	}
	if got := call(t, srv.URL, "getBalance", key.String()); got != ctxJSON(c, "1000000") {
		t.Fatalf("getBalance %s", got)
	}
	if e := callErr(t, srv.URL, "getAccountInfo", key.String(), map[string]string{"encoding": "jsonParsed"}); !strings.Contains(e, `"code":-32602`) {
		t.Fatalf("jsonParsed: %s", e)
	}
	if e := callErr(t, srv.URL, "getBalance", "not-a-key"); e != `{"code":-32602,"message":"Invalid param: Invalid"}` {
		t.Fatalf("bad key: %s", e)
	}
}

func TestRPCTokenMethodsWire(t *testing.T) {
	c, srv := newTestCluster(t)
	b := c.bank
	payer, mint, owner := keypair(1), keypair(2), keypair(3)
	b.Airdrop(payer.PublicKey(), 10*sol)
	setupMint(t, b, Token2022ProgramID, payer, mint, payer, 6)
	ata := FindATA(owner.PublicKey(), Token2022ProgramID, mint.PublicKey())
	mustProcess(t, b, buildTx(t, b, []solana.Instruction{
		ataIdempotentIx(payer.PublicKey(), owner.PublicKey(), mint.PublicKey(), Token2022ProgramID),
		mintToIx(Token2022ProgramID, mint.PublicKey(), ata, payer.PublicKey(), 1_500_000)}, payer))
	want := ctxJSON(c, `{"amount":"1500000","decimals":6,"uiAmount":1.5,"uiAmountString":"1.5"}`)
	if got := call(t, srv.URL, "getTokenAccountBalance", ata.String()); got != want {
		t.Fatalf("getTokenAccountBalance\n got %s\nwant %s", got, want)
	}
	for _, filter := range []map[string]string{{"mint": mint.PublicKey().String()}, {"programId": Token2022ProgramID.String()}} {
		got := call(t, srv.URL, "getTokenAccountsByOwner", owner.PublicKey().String(), filter, map[string]string{"encoding": "base64"})
		if !strings.Contains(got, `"pubkey":"`+ata.String()+`"`) || !strings.Contains(got, `"space":170`) {
			t.Fatalf("getTokenAccountsByOwner %v: %s", filter, got)
		}
	}
	// The ATA creation's CPIs show as inner instructions.
	b.Advance(1)
	sigs := b.SignaturesFor(ata, 1)
	meta := call(t, srv.URL, "getTransaction", sigs[0].Signature.String())
	if !strings.Contains(meta, `"innerInstructions":[{"index":0,"instructions":[{"accounts":[0,1],"data":`) ||
		!strings.Contains(meta, `"stackHeight":2}`) {
		t.Fatalf("inner instructions: %s", meta)
	}
	got := call(t, srv.URL, "getTokenAccountsByOwner", owner.PublicKey().String(), map[string]string{"programId": TokenProgramID.String()}, map[string]string{"encoding": "base64"})
	if got != ctxJSON(c, "[]") {
		t.Fatalf("other program: %s", got)
	}
	pa := call(t, srv.URL, "getProgramAccounts", Token2022ProgramID.String(), map[string]any{"encoding": "base64",
		"filters": []any{map[string]int{"dataSize": 170}, map[string]any{"memcmp": map[string]any{"offset": 32, "bytes": owner.PublicKey().String()}}}})
	if !strings.HasPrefix(pa, `[{"pubkey":`) || strings.Count(pa, `"pubkey"`) != 1 || !strings.Contains(pa, ata.String()) {
		t.Fatalf("getProgramAccounts: %s", pa)
	}
	if e := callErr(t, srv.URL, "getTokenAccountBalance", payer.PublicKey().String()); !strings.Contains(e, "-32602") {
		t.Fatalf("non-token account: %s", e)
	}
}

func TestRPCSendSimulateStatusAndTransaction(t *testing.T) {
	c, srv := newTestCluster(t)
	b := c.bank
	payer, to := keypair(1), keypair(2).PublicKey()
	b.Airdrop(payer.PublicKey(), 10*sol)
	raw := buildTx(t, b, []solana.Instruction{transferIx(payer.PublicKey(), to, sol)}, payer)
	b64 := base64.StdEncoding.EncodeToString(raw)
	sim := call(t, srv.URL, "simulateTransaction", b64, map[string]any{"encoding": "base64", "sigVerify": true})
	wantSim := ctxJSON(c, `{"err":null,"logs":["Program 11111111111111111111111111111111 invoke [1]","Program 11111111111111111111111111111111 success"],"accounts":null,"unitsConsumed":150,"returnData":null,"innerInstructions":null,"loadedAccountsDataSize":0}`)
	if sim != wantSim {
		t.Fatalf("simulate\n got %s\nwant %s", sim, wantSim)
	}
	if b.Balance(to) != 0 {
		t.Fatal("simulation committed")
	}
	withAccounts := call(t, srv.URL, "simulateTransaction", b64, map[string]any{"encoding": "base64",
		"accounts": map[string]any{"addresses": []string{to.String(), keypair(8).PublicKey().String()}, "encoding": "base64"}})
	if !strings.Contains(withAccounts, `"accounts":[{"data":["","base64"],"executable":false,"lamports":1000000000,`) ||
		!strings.Contains(withAccounts, `"space":0},null]`) {
		t.Fatalf("simulated accounts: %s", withAccounts)
	}
	sigJSON := call(t, srv.URL, "sendTransaction", base58Encode(raw))
	wantSig := `"` + solanaSigOf(raw) + `"`
	if sigJSON != wantSig {
		t.Fatalf("sendTransaction %s, want %s", sigJSON, wantSig)
	}
	status := call(t, srv.URL, "getSignatureStatuses", []string{solanaSigOf(raw)}, map[string]bool{"searchTransactionHistory": true})
	want := ctxJSON(c, fmt.Sprintf(`[{"slot":%d,"confirmations":0,"err":null,"status":{"Ok":null},"confirmationStatus":"processed"}]`, b.Slot()))
	if status != want {
		t.Fatalf("statuses\n got %s\nwant %s", status, want)
	}
	if got := call(t, srv.URL, "getTransaction", solanaSigOf(raw)); got != "null" {
		t.Fatalf("processed tx visible to getTransaction: %s", got)
	}
	slot := b.Slot()
	b.Advance(1)
	status = call(t, srv.URL, "getSignatureStatuses", []string{solanaSigOf(raw), keypair(5).PublicKey().String() + "1111111111111111111111111111111111111111111"})
	want = ctxJSON(c, fmt.Sprintf(`[{"slot":%d,"confirmations":1,"err":null,"status":{"Ok":null},"confirmationStatus":"confirmed"},null]`, slot))
	if status != want {
		t.Fatalf("statuses\n got %s\nwant %s", status, want)
	}
	tx := call(t, srv.URL, "getTransaction", solanaSigOf(raw), map[string]any{"encoding": "base64", "commitment": "confirmed"})
	bt, _ := b.BlockTime(slot)
	wantTx := fmt.Sprintf(`{"blockTime":%d,"meta":{"computeUnitsConsumed":150,"err":null,"fee":5000,"innerInstructions":[],`+
		`"loadedAddresses":{"readonly":[],"writable":[]},"logMessages":["Program 11111111111111111111111111111111 invoke [1]",`+
		`"Program 11111111111111111111111111111111 success"],"postBalances":[%d,%d,1],"postTokenBalances":[],`+
		`"preBalances":[%d,0,1],"preTokenBalances":[],"rewards":[],"status":{"Ok":null}},"slot":%d,`+
		`"transaction":["%s","base64"],"version":"legacy"}`, bt, 9*sol-5000, sol, 10*sol, slot, b64)
	if tx != wantTx {
		t.Fatalf("getTransaction\n got %s\nwant %s", tx, wantTx)
	}
	jsonTx := call(t, srv.URL, "getTransaction", solanaSigOf(raw))
	if !strings.Contains(jsonTx, `"header":{"numReadonlySignedAccounts":0,"numReadonlyUnsignedAccounts":1,"numRequiredSignatures":1}`) ||
		!strings.Contains(jsonTx, `"instructions":[{"accounts":[0,1],"data":"3Bxs3zzLZLuLQEYX","programIdIndex":2,"stackHeight":null}]`) {
		t.Fatalf("json encoding: %s", jsonTx)
	}
	// The same bytes again: preflight reports AlreadyProcessed.
	e := callErr(t, srv.URL, "sendTransaction", b64, map[string]string{"encoding": "base64"})
	if !strings.HasPrefix(e, `{"code":-32002,"message":"Transaction simulation failed: This transaction has already been processed","data":{"err":"AlreadyProcessed","logs":[]`) {
		t.Fatalf("duplicate send: %s", e)
	}
}

func TestRPCSendErrors(t *testing.T) {
	c, srv := newTestCluster(t)
	b := c.bank
	payer := keypair(1)
	b.Airdrop(payer.PublicKey(), 2*sol)
	failing := buildTx(t, b, []solana.Instruction{transferIx(payer.PublicKey(), keypair(2).PublicKey(), 5*sol)}, payer)
	e := callErr(t, srv.URL, "sendTransaction", base64.StdEncoding.EncodeToString(failing), map[string]string{"encoding": "base64"})
	want := `{"code":-32002,"message":"Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1",` +
		`"data":{"err":{"InstructionError":[0,{"Custom":1}]},"logs":["Program 11111111111111111111111111111111 invoke [1]",` +
		`"Transfer: insufficient lamports 1999995000, need 5000000000","Program 11111111111111111111111111111111 failed: custom program error: 0x1"],` +
		`"accounts":null,"unitsConsumed":150,"returnData":null,"innerInstructions":null,"loadedAccountsDataSize":0}}`
	want = strings.Replace(want, `"Transfer:`, `"Program log: Transfer:`, 1)
	if e != want {
		t.Fatalf("preflight failure\n got %s\nwant %s", e, want)
	}
	if b.Balance(payer.PublicKey()) != 2*sol {
		t.Fatal("preflight failure charged a fee")
	}
	// skipPreflight: accepted, executed, fails on chain with the fee charged.
	call(t, srv.URL, "sendTransaction", base64.StdEncoding.EncodeToString(failing), map[string]any{"encoding": "base64", "skipPreflight": true})
	if rec, ok := b.Status(solana.SignatureFromBytes(failing[1:65])); !ok || rec.Err == nil || b.Balance(payer.PublicKey()) != 2*sol-5000 {
		t.Fatalf("skipPreflight: status %v %+v", ok, rec)
	}
	bad := append([]byte(nil), failing...)
	bad[10] ^= 1
	if e := callErr(t, srv.URL, "sendTransaction", base64.StdEncoding.EncodeToString(bad), map[string]string{"encoding": "base64"}); e != `{"code":-32003,"message":"Transaction signature verification failure"}` {
		t.Fatalf("bad signature: %s", e)
	}
	if e := callErr(t, srv.URL, "sendTransaction", "AQID", map[string]string{"encoding": "base64"}); !strings.HasPrefix(e, `{"code":-32602,"message":"failed to deserialize`) {
		t.Fatalf("garbage: %s", e)
	}
	if e := callErr(t, srv.URL, "simulateTransaction", "AQID", map[string]any{"encoding": "base64", "sigVerify": true, "replaceRecentBlockhash": true}); !strings.Contains(e, "sigVerify may not be used with replaceRecentBlockhash") {
		t.Fatalf("sim options: %s", e)
	}
}

func TestRPCProtocolErrorsAndBatch(t *testing.T) {
	_, srv := newTestCluster(t)
	cases := []struct{ body, want string }{
		{`{`, `{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}`},
		{`{"jsonrpc":"2.0","id":7,"method":"nope"}`, `{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":7}`},
		{`{"jsonrpc":"1.0","id":7,"method":"getSlot"}`, `{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid request"},"id":7}`},
		{`[]`, `{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid request"},"id":null}`},
		{`[{"jsonrpc":"2.0","id":1,"method":"getSlot"},{"jsonrpc":"2.0","id":"b","method":"getHealth"}]`,
			`[{"jsonrpc":"2.0","result":0,"id":1},{"jsonrpc":"2.0","result":"ok","id":"b"}]`},
		{`{"jsonrpc":"2.0","id":1,"method":"getBalance","params":"x"}`,
			`{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params: invalid type: expected a sequence"},"id":1}`},
		{`{"jsonrpc":"2.0","id":1,"method":"getBalance","params":[]}`,
			`{"jsonrpc":"2.0","error":{"code":-32602,"message":"` + "`params`" + ` should have at least 1 argument(s)"},"id":1}`},
	}
	for _, tc := range cases {
		if _, got := post(t, srv.URL, tc.body); got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.body, got, tc.want)
		}
	}
	status, _ := post(t, srv.URL, `{"jsonrpc":"2.0","id":1,"method":"getSlot","params":["`+strings.Repeat("a", MaxRequestBytes)+`"]}`)
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversize body: %d", status)
	}
}

func TestRPCAirdropFeeAndSignatures(t *testing.T) {
	c, srv := newTestCluster(t)
	key := keypair(4).PublicKey()
	sig := strings.Trim(call(t, srv.URL, "requestAirdrop", key.String(), 2*sol), `"`)
	if c.bank.Balance(key) != 2*sol {
		t.Fatalf("airdrop balance %d", c.bank.Balance(key))
	}
	got := call(t, srv.URL, "getSignaturesForAddress", key.String(), map[string]int{"limit": 5})
	if !strings.HasPrefix(got, `[{"blockTime":`) || !strings.Contains(got, `"signature":"`+sig+`"`) || !strings.Contains(got, `"err":null,"memo":null`) {
		t.Fatalf("getSignaturesForAddress: %s", got)
	}
	msg := base64.StdEncoding.EncodeToString(mustMessage(t, c.bank, keypair(4), transferIx(key, keypair(5).PublicKey(), 1)))
	if got := call(t, srv.URL, "getFeeForMessage", msg); got != ctxJSON(c, "5000") {
		t.Fatalf("getFeeForMessage %s", got)
	}
	c.bank.Advance(151)
	if got := call(t, srv.URL, "getFeeForMessage", msg); got != ctxJSON(c, "null") {
		t.Fatalf("getFeeForMessage expired %s", got)
	}
}

// TestSolanaGoClient drives the cluster with solana-go's own RPC client, so
// the response shapes are checked by the decoder the bot uses.
func TestSolanaGoClient(t *testing.T) {
	c, srv := newTestCluster(t)
	ctx := context.Background()
	cl := rpc.New(srv.URL)
	payer := keypair(1)
	if _, err := cl.RequestAirdrop(ctx, payer.PublicKey(), 5*sol, rpc.CommitmentConfirmed); err != nil {
		t.Fatal(err)
	}
	lb, err := cl.GetLatestBlockhash(ctx, rpc.CommitmentConfirmed)
	if err != nil {
		t.Fatal(err)
	}
	raw := signTx(t, lb.Value.Blockhash, []solana.Instruction{transferIx(payer.PublicKey(), keypair(2).PublicKey(), sol)}, nil, payer)
	tx, err := solana.TransactionFromBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := cl.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{PreflightCommitment: rpc.CommitmentConfirmed})
	if err != nil {
		t.Fatal(err)
	}
	c.bank.Advance(1)
	st, err := cl.GetSignatureStatuses(ctx, true, sig)
	if err != nil || st.Value[0] == nil || st.Value[0].ConfirmationStatus != rpc.ConfirmationStatusConfirmed || st.Value[0].Err != nil {
		t.Fatalf("statuses %+v %v", st, err)
	}
	v := uint64(0)
	got, err := cl.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Commitment: rpc.CommitmentConfirmed, MaxSupportedTransactionVersion: &v})
	if err != nil || got.Meta.Fee != 5000 || got.Meta.PostBalances[1] != sol {
		t.Fatalf("getTransaction %+v %v", got, err)
	}
	parsed, err := got.Transaction.GetTransaction()
	if err != nil || parsed.Signatures[0] != sig {
		t.Fatalf("decoded tx %v", err)
	}
	bal, err := cl.GetBalance(ctx, keypair(2).PublicKey(), rpc.CommitmentConfirmed)
	if err != nil || bal.Value != sol {
		t.Fatalf("balance %+v %v", bal, err)
	}
	acc, err := cl.GetAccountInfo(ctx, TokenProgramID)
	if err != nil || !acc.Value.Executable {
		t.Fatalf("program account %+v %v", acc, err)
	}
	// Simulation ignores the status cache (as on Solana) and commits nothing.
	sim, err := cl.SimulateTransaction(ctx, tx)
	if err != nil || sim.Value.Err != nil || *sim.Value.UnitsConsumed != 150 {
		t.Fatalf("simulate of a processed tx: %+v %v", sim, err)
	}
	if bal, _ := cl.GetBalance(ctx, keypair(2).PublicKey(), rpc.CommitmentConfirmed); bal.Value != sol {
		t.Fatalf("simulation committed: %d", bal.Value)
	}
	_, err = cl.SendTransaction(ctx, tx)
	if err == nil || !strings.Contains(err.Error(), "already been processed") {
		t.Fatalf("resend: %v", err)
	}
}

func base58Encode(b []byte) string { return b58(b) }

func solanaSigOf(raw []byte) string { return solana.SignatureFromBytes(raw[1:65]).String() }

var _ = bytes.Equal

func b58(b []byte) string { return base58.Encode(b) }
