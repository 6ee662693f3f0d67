package jito

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mr-tron/base58"

	sol "github.com/gagliardetto/solana-go"

	nsolana "github.com/nitro-runtime/nitro/solana"
)

type seen struct {
	path, auth, method string
	params             []json.RawMessage
}

func engine(t *testing.T, reply func(method string) (int, string)) (*httptest.Server, chan seen) {
	ch := make(chan seen, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Method string            `json:"method"`
			Params []json.RawMessage `json:"params"`
		}
		_ = json.Unmarshal(body, &req)
		ch <- seen{r.URL.Path, r.Header.Get("x-jito-auth"), req.Method, req.Params}
		code, out := reply(req.Method)
		w.WriteHeader(code)
		_, _ = io.WriteString(w, out)
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

func TestSendBundleWire(t *testing.T) {
	srv, ch := engine(t, func(string) (int, string) { return 200, `{"jsonrpc":"2.0","result":"b1d","id":1}` })
	c := &Client{URL: srv.URL + "/", UUID: "secret-uuid"}
	id, err := c.SendBundle(context.Background(), [][]byte{{1, 2}, {3}})
	if err != nil || id != "b1d" {
		t.Fatalf("%q %v", id, err)
	}
	s := <-ch
	var txs []string
	var opts map[string]string
	_ = json.Unmarshal(s.params[0], &txs)
	_ = json.Unmarshal(s.params[1], &opts)
	if s.path != "/api/v1/bundles" || s.method != "sendBundle" || s.auth != "secret-uuid" ||
		txs[0] != base64.StdEncoding.EncodeToString([]byte{1, 2}) || opts["encoding"] != "base64" {
		t.Fatalf("request %+v %v %v", s, txs, opts)
	}
	c.Base58 = true
	if _, err := c.SendBundle(context.Background(), [][]byte{{1, 2}}); err != nil {
		t.Fatal(err)
	}
	s = <-ch
	_ = json.Unmarshal(s.params[0], &txs)
	if len(s.params) != 1 || txs[0] != base58.Encode([]byte{1, 2}) {
		t.Fatalf("base58 request %v", txs)
	}
	if _, err := c.SendBundle(context.Background(), make([][]byte, 6)); err == nil {
		t.Fatal("6 transactions accepted")
	}
}

func TestRateLimitAndErrorsKeepSecretsOut(t *testing.T) {
	for _, reply := range []func(string) (int, string){
		func(string) (int, string) {
			return 429, `{"jsonrpc":"2.0","error":{"code":-32097,"message":"rate limited"},"id":1}`
		},
		func(string) (int, string) { return 429, `too many` },
		func(string) (int, string) {
			return 200, `{"jsonrpc":"2.0","error":{"code":-32097,"message":"congested"},"id":1}`
		},
	} {
		srv, _ := engine(t, reply)
		_, err := (&Client{URL: srv.URL, UUID: "secret-uuid"}).SendBundle(context.Background(), [][]byte{{1}})
		if !errors.Is(err, nsolana.ErrRateLimited) || !nsolana.IsRetryable(err) || strings.Contains(err.Error(), "secret") {
			t.Fatalf("err %v", err)
		}
	}
	srv, _ := engine(t, func(string) (int, string) {
		return 400, `{"jsonrpc":"2.0","error":{"code":-32602,"message":"bundle contains an expired blockhash"},"id":1}`
	})
	_, err := (&Client{URL: srv.URL}).SendBundle(context.Background(), [][]byte{{1}})
	if err == nil || !strings.Contains(err.Error(), "expired blockhash") {
		t.Fatalf("err %v", err)
	}
}

func TestTipInstruction(t *testing.T) {
	from := sol.NewWallet().PublicKey()
	if _, err := TipInstruction(from, 999); err == nil {
		t.Fatal("tip below minimum accepted")
	}
	used := map[sol.PublicKey]bool{}
	for range 200 {
		ix, err := TipInstruction(from, 5000)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := ix.Data()
		accts := ix.Accounts()
		if !ix.ProgramID().Equals(sol.SystemProgramID) || binary.LittleEndian.Uint32(data) != 2 ||
			binary.LittleEndian.Uint64(data[4:]) != 5000 || !accts[0].PublicKey.Equals(from) || !accts[0].IsSigner {
			t.Fatalf("tip ix %x %v", data, accts)
		}
		used[accts[1].PublicKey] = true
	}
	for k := range used {
		found := false
		for _, a := range TipAccounts {
			found = found || a.Equals(k)
		}
		if !found {
			t.Fatalf("tip to non-tip account %s", k)
		}
	}
	if len(used) < 4 {
		t.Fatalf("tip account not random: %d distinct", len(used))
	}
}

func TestBundleStatusesWire(t *testing.T) {
	srv, ch := engine(t, func(m string) (int, string) {
		if m == "getBundleStatuses" {
			return 200, `{"jsonrpc":"2.0","result":{"context":{"slot":9},"value":[{"bundle_id":"b2","transactions":["s"],"slot":8,"confirmation_status":"confirmed","err":{"Ok":null}}]},"id":1}`
		}
		return 200, `{"jsonrpc":"2.0","result":{"context":{"slot":9},"value":[{"bundle_id":"b1","status":"Pending","landed_slot":null}]},"id":1}`
	})
	c := &Client{URL: srv.URL}
	sts, err := c.BundleStatuses(context.Background(), []string{"b1", "b2"})
	if err != nil || sts[0] != nil || sts[1] == nil || !sts[1].OK() || sts[1].Slot != 8 {
		t.Fatalf("%v %v", sts, err)
	}
	s := <-ch
	var ids []string
	_ = json.Unmarshal(s.params[0], &ids)
	if s.method != "getBundleStatuses" || len(ids) != 2 {
		t.Fatalf("%+v", s)
	}
	in, err := c.InflightBundleStatuses(context.Background(), []string{"b1"})
	if err != nil || in[0].Status != Pending {
		t.Fatalf("%v %v", in, err)
	}
}

func TestWaitBundle(t *testing.T) {
	n := 0
	srv, _ := engine(t, func(string) (int, string) {
		n++
		if n < 3 {
			return 200, `{"jsonrpc":"2.0","result":{"context":{"slot":9},"value":[{"bundle_id":"b1","status":"Pending","landed_slot":null}]},"id":1}`
		}
		return 200, `{"jsonrpc":"2.0","result":{"context":{"slot":9},"value":[{"bundle_id":"b1","status":"Landed","landed_slot":77}]},"id":1}`
	})
	slot, err := (&Client{URL: srv.URL}).WaitBundle(context.Background(), "b1", time.Millisecond)
	if err != nil || slot != 77 {
		t.Fatalf("%d %v", slot, err)
	}
	srv2, _ := engine(t, func(string) (int, string) {
		return 200, `{"jsonrpc":"2.0","result":{"context":{"slot":9},"value":[{"bundle_id":"b1","status":"Failed","landed_slot":null}]},"id":1}`
	})
	if _, err := (&Client{URL: srv2.URL}).WaitBundle(context.Background(), "b1", time.Millisecond); !errors.Is(err, ErrBundleFailed) {
		t.Fatalf("err %v", err)
	}
}
