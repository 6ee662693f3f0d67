package solana

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	sol "github.com/gagliardetto/solana-go"
)

var classes = []error{ErrBlockhashExpired, ErrInsufficientFunds, ErrSlippage, ErrCurveComplete, ErrTxFailed}

// FuzzClassifyTxErr feeds arbitrary err values (as an RPC node could send them) to
// the classifier: it must not panic and must always yield one of the classes.
func FuzzClassifyTxErr(f *testing.F) {
	f.Add([]byte(`{"InstructionError":[2,{"Custom":6002}]}`))
	f.Add([]byte(`"InsufficientFundsForFee"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.UseNumber()
		if dec.Decode(&v) != nil {
			return
		}
		te := ClassifyTxErr(v, []sol.PublicKey{pumpProgramID}, []string{string(data)})
		_ = te.Error()
		for _, c := range classes {
			if errors.Is(te, c) {
				return
			}
		}
		t.Fatalf("%s: no class", data)
	})
}

// FuzzSignatureOutcome feeds arbitrary signatureNotification values.
func FuzzSignatureOutcome(f *testing.F) {
	f.Add([]byte(`{"err":null}`))
	f.Add([]byte(`"receivedSignature"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		done, err := signatureOutcome(data, nil)
		if !done && err != nil {
			t.Fatalf("undecided with an error: %v", err)
		}
	})
}
