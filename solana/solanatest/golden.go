package solanatest

import (
	"encoding/hex"
	"testing"

	sol "github.com/gagliardetto/solana-go"
)

// Account is one account an instruction is expected to list: its base58 address and
// flags ("", "w", "s" or "ws").
type Account struct{ Key, Flags string }

// CheckInstruction compares ix with a golden vector: its program, its data as hex and
// its accounts in order with their flags.
func CheckInstruction(t testing.TB, ix sol.Instruction, program sol.PublicKey, dataHex string, want []Account) {
	t.Helper()
	if ix.ProgramID() != program {
		t.Errorf("program = %s, want %s", ix.ProgramID(), program)
	}
	data, err := ix.Data()
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(data); got != dataHex {
		t.Errorf("data\n got %s\nwant %s", got, dataHex)
	}
	got := ix.Accounts()
	if len(got) != len(want) {
		t.Fatalf("%d accounts, want %d", len(got), len(want))
	}
	for i, w := range want {
		flags := ""
		if got[i].IsWritable {
			flags += "w"
		}
		if got[i].IsSigner {
			flags += "s"
		}
		if got[i].PublicKey.String() != w.Key || flags != w.Flags {
			t.Errorf("account %d = %s %q, want %s %q", i, got[i].PublicKey, flags, w.Key, w.Flags)
		}
	}
}
