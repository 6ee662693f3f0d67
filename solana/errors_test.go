package solana

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	sol "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
)

func decodeErr(t *testing.T, s string) any {
	t.Helper()
	var v any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestClassifyTxErr(t *testing.T) {
	pump, ll := pumpProgramID, launchLabProgramID
	cu := ComputeBudgetProgramID
	cases := []struct {
		name     string
		raw      string
		programs []sol.PublicKey
		logs     []string
		want     error
		retry    bool
	}{
		{"pump buy slippage", `{"InstructionError":[2,{"Custom":6002}]}`, []sol.PublicKey{cu, cu, pump}, nil, ErrSlippage, true},
		{"pump sell slippage", `{"InstructionError":[1,{"Custom":6003}]}`, []sol.PublicKey{cu, pump}, nil, ErrSlippage, true},
		{"pump min tokens out", `{"InstructionError":[0,{"Custom":6042}]}`, []sol.PublicKey{pump}, nil, ErrSlippage, true},
		{"pump complete", `{"InstructionError":[0,{"Custom":6005}]}`, []sol.PublicKey{pump}, nil, ErrCurveComplete, false},
		{"pump rent", `{"InstructionError":[0,{"Custom":6040}]}`, []sol.PublicKey{pump}, nil, ErrInsufficientFunds, false},
		{"pump fees", `{"InstructionError":[0,{"Custom":6041}]}`, []sol.PublicKey{pump}, nil, ErrInsufficientFunds, false},
		{"launchlab slippage", `{"InstructionError":[0,{"Custom":6004}]}`, []sol.PublicKey{ll}, nil, ErrSlippage, true},
		{"launchlab migrated", `{"InstructionError":[0,{"Custom":6006}]}`, []sol.PublicKey{ll}, nil, ErrCurveComplete, false},
		{"launchlab 6002 is not slippage", `{"InstructionError":[0,{"Custom":6002}]}`, []sol.PublicKey{ll}, nil, ErrTxFailed, false},
		{"program from logs", `{"InstructionError":[3,{"Custom":6002}]}`, nil,
			[]string{"Program " + pump.String() + " failed: custom program error: 0x1772"}, ErrSlippage, true},
		{"unknown program", `{"InstructionError":[0,{"Custom":6002}]}`, nil, nil, ErrTxFailed, false},
		{"system transfer short", `{"InstructionError":[0,{"Custom":1}]}`, []sol.PublicKey{sol.SystemProgramID}, nil, ErrInsufficientFunds, false},
		{"token short", `{"InstructionError":[0,{"Custom":1}]}`, []sol.PublicKey{sol.TokenProgramID}, nil, ErrInsufficientFunds, false},
		{"fee", `"InsufficientFundsForFee"`, nil, nil, ErrInsufficientFunds, false},
		{"rent", `{"InsufficientFundsForRent":{"account_index":2}}`, nil, nil, ErrInsufficientFunds, false},
		{"ix insufficient", `{"InstructionError":[0,"InsufficientFunds"]}`, nil, nil, ErrInsufficientFunds, false},
		{"blockhash", `"BlockhashNotFound"`, nil, nil, ErrBlockhashExpired, true},
		{"system program is not unknown", `{"InstructionError":[0,{"Custom":6002}]}`, []sol.PublicKey{sol.SystemProgramID},
			[]string{"Program " + pump.String() + " failed: custom program error: 0x1772"}, ErrTxFailed, false},
		{"anchor seeds", `{"InstructionError":[0,{"Custom":2006}]}`, []sol.PublicKey{pump}, nil, ErrTxFailed, false},
	}
	for _, c := range cases {
		te := ClassifyTxErr(decodeErr(t, c.raw), c.programs, c.logs)
		if !errors.Is(te, c.want) {
			t.Errorf("%s: %v, want %v", c.name, te, c.want)
		}
		if IsRetryable(te) != c.retry {
			t.Errorf("%s: retryable %v", c.name, !c.retry)
		}
		wrapped := fmt.Errorf("buy: %w", te)
		var got *TxError
		if !errors.As(wrapped, &got) || got.Raw == nil {
			t.Errorf("%s: not a *TxError through wrapping", c.name)
		}
	}
	te := ClassifyTxErr(decodeErr(t, `{"InstructionError":[2,{"Custom":6002}]}`), []sol.PublicKey{cu, cu, pump}, nil)
	if te.Instruction != 2 || te.Custom != 6002 || !te.HasCustom || !te.Program.Equals(pump) ||
		!strings.Contains(te.Error(), "custom program error 6002") {
		t.Fatalf("fields %+v %s", te, te)
	}
}

func TestClassifyRPC(t *testing.T) {
	pre := &jsonrpc.RPCError{Code: -32002, Message: "Transaction simulation failed",
		Data: map[string]any{"err": map[string]any{"InstructionError": []any{json.Number("0"), map[string]any{"Custom": json.Number("6003")}}},
			"logs": []any{"Program log: x"}}}
	cases := []struct {
		err  error
		want error
	}{
		{jsonrpc.NewHTTPError(429, errors.New("x")), ErrRateLimited},
		{&jsonrpc.RPCError{Code: 429, Message: "x"}, ErrRateLimited},
		{&jsonrpc.RPCError{Code: -32005, Message: "Node is behind"}, nil},
		{&jsonrpc.RPCError{Code: -32002, Message: "Transaction simulation failed: Blockhash not found"}, ErrBlockhashExpired},
		{&jsonrpc.RPCError{Code: -32002, Message: "Transaction simulation failed: Attempt to debit an account but found no record of a prior credit.",
			Data: map[string]any{"err": "AccountNotFound"}}, ErrTxFailed},
		{pre, ErrSlippage},
	}
	for i, c := range cases {
		got := classifyRPC(c.err, []sol.PublicKey{pumpProgramID})
		if c.want == nil {
			if !IsRetryable(got) {
				t.Errorf("%d: %v should be retryable", i, got)
			}
			continue
		}
		if !errors.Is(got, c.want) {
			t.Errorf("%d: %v, want %v", i, got, c.want)
		}
	}
}

func TestIsRetryable(t *testing.T) {
	cases := map[error]bool{
		nil:                            false,
		context.Canceled:               false,
		context.DeadlineExceeded:       true,
		ErrRateLimited:                 true,
		ErrBlockhashExpired:            true,
		ErrSlippage:                    true,
		ErrInsufficientFunds:           false,
		ErrCurveComplete:               false,
		ErrTxTooLarge:                  false,
		ErrTxFailed:                    false,
		&net.OpError{Op: "dial"}:       true,
		jsonrpc.NewHTTPError(502, nil): true,
		jsonrpc.NewHTTPError(400, nil): false,
		errors.New("other"):            false,
	}
	for err, want := range cases {
		if got := IsRetryable(fmt.Errorf("ctx: %w", err)); err != nil && got != want {
			t.Errorf("%v: %v want %v", err, got, want)
		}
	}
}
