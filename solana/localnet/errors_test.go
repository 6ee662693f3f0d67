package localnet

import (
	"fmt"
	"testing"
)

func TestTxErrorJSONShapes(t *testing.T) {
	cases := []struct {
		err  *TxError
		json string
		msg  string
	}{
		{txErr(TxBlockhashNotFound), `"BlockhashNotFound"`, "Blockhash not found"},
		{txErr(TxAlreadyProcessed), `"AlreadyProcessed"`, "This transaction has already been processed"},
		{&TxError{Kind: TxInstructionError, Index: 2, Inner: ErrMissingRequiredSignature},
			`{"InstructionError":[2,"MissingRequiredSignature"]}`,
			"Error processing Instruction 2: missing required signature for instruction"},
		{&TxError{Kind: TxInstructionError, Index: 0, Inner: fmt.Errorf("wrapped: %w", &ProgramError{Code: 6002})},
			`{"InstructionError":[0,{"Custom":6002}]}`, "Error processing Instruction 0: custom program error: 0x1772"},
		{&TxError{Kind: TxInstructionError, Index: 1, Inner: fmt.Errorf("plain go error")},
			`{"InstructionError":[1,"GenericError"]}`, "Error processing Instruction 1: generic instruction error"},
		{&TxError{Kind: TxInsufficientFundsForRent, Index: 3}, `{"InsufficientFundsForRent":{"account_index":3}}`,
			"Transaction results in an account (3) with insufficient funds for rent"},
		{&TxError{Kind: TxDuplicateInstruction, Index: 1}, `{"DuplicateInstruction":1}`, "DuplicateInstruction"},
	}
	for _, tc := range cases {
		js, err := tc.err.MarshalJSON()
		if err != nil || string(js) != tc.json {
			t.Errorf("json %s, want %s", js, tc.json)
		}
		if tc.err.Error() != tc.msg {
			t.Errorf("message %q, want %q", tc.err.Error(), tc.msg)
		}
	}
}
