package token

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/solanatest"
)

func seedKey(n byte) solana.PublicKey { return solanatest.SeedKey(n).PublicKey() }

func dataHex(t *testing.T, ix solana.Instruction) string {
	t.Helper()
	d, err := ix.Data()
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(d)
}

func flags(m *solana.AccountMeta) string {
	s := ""
	if m.IsWritable {
		s += "w"
	}
	if m.IsSigner {
		s += "s"
	}
	return s
}

// TestAssociatedAddressGolden checks the appendix ATAs: a Token-2022 one (pump user
// n=2, mint n=1) and an SPL WSOL one (bonk user n=12).
func TestAssociatedAddressGolden(t *testing.T) {
	for _, tc := range []struct {
		owner, mint, program solana.PublicKey
		want                 string
	}{
		{seedKey(2), seedKey(1), Token2022ProgramID, "12hNqoDbk3hrLdjjD8ibQRBPtc86MBrj5MasmR9gZrWM"},
		{seedKey(12), WSOLMint, TokenProgramID, "BhqRZaV8eGsKiJ7ASYewxkvRtbWPDD78WXfGQyDGkoAe"},
		{seedKey(12), seedKey(11), TokenProgramID, "2NuwYSJtd9DU8WwzyxUH995pBFVRDsDNPPhFpD2AVdQy"},
	} {
		got, err := AssociatedAddress(tc.owner, tc.mint, tc.program)
		if err != nil || got.String() != tc.want {
			t.Errorf("ATA = %s (%v), want %s", got, err, tc.want)
		}
	}
	// The SPL and Token-2022 ATAs of the same pair differ: the trap solana-go's helper falls into.
	a, _ := AssociatedAddress(seedKey(2), seedKey(1), TokenProgramID)
	b, _ := AssociatedAddress(seedKey(2), seedKey(1), Token2022ProgramID)
	if a == b {
		t.Fatal("token program is not part of the ATA seeds")
	}
}

func TestCreateIdempotentATA(t *testing.T) {
	payer, owner, mint := seedKey(2), seedKey(3), seedKey(1)
	ix := CreateIdempotentATA(payer, owner, mint, Token2022ProgramID)
	if ix.ProgramID() != AssociatedTokenProgramID || dataHex(t, ix) != "01" {
		t.Fatalf("program %s data %s", ix.ProgramID(), dataHex(t, ix))
	}
	ata, _ := AssociatedAddress(owner, mint, Token2022ProgramID)
	want := []struct {
		key   solana.PublicKey
		flags string
	}{{payer, "ws"}, {ata, "w"}, {owner, ""}, {mint, ""}, {SystemProgramID, ""}, {Token2022ProgramID, ""}}
	accs := ix.Accounts()
	if len(accs) != len(want) {
		t.Fatalf("%d accounts", len(accs))
	}
	for i, w := range want {
		if accs[i].PublicKey != w.key || flags(accs[i]) != w.flags {
			t.Errorf("account %d = %s %q, want %s %q", i, accs[i].PublicKey, flags(accs[i]), w.key, w.flags)
		}
	}
}

func TestInstructionData(t *testing.T) {
	a, b, c := seedKey(1), seedKey(2), seedKey(3)
	for name, tc := range map[string]struct {
		ix      solana.Instruction
		program solana.PublicKey
		data    string
		flags   []string
	}{
		"close":          {CloseAccount(Token2022ProgramID, a, b, c), Token2022ProgramID, "09", []string{"w", "w", "s"}},
		"transfer chk":   {TransferChecked(TokenProgramID, a, b, c, a, 1_000_000, 6), TokenProgramID, "0c40420f000000000006", []string{"w", "", "w", "s"}},
		"sync native":    {SyncNative(TokenProgramID, a), TokenProgramID, "11", []string{"w"}},
		"sys transfer":   {Transfer(a, b, 1_500_000_000), SystemProgramID, "02000000002f685900000000", []string{"ws", "w"}},
		"cu limit":       {SetComputeUnitLimit(400_000), ComputeBudgetProgramID, "02801a0600", nil},
		"cu price":       {SetComputeUnitPrice(100_000), ComputeBudgetProgramID, "03a086010000000000", nil},
		"create account": {CreateAccount(a, b, 1, 165, TokenProgramID), SystemProgramID, "000000000100000000000000a500000000000000" + hex.EncodeToString(TokenProgramID[:]), []string{"ws", "ws"}},
	} {
		if tc.ix.ProgramID() != tc.program || dataHex(t, tc.ix) != tc.data {
			t.Errorf("%s: program %s data %s, want %s", name, tc.ix.ProgramID(), dataHex(t, tc.ix), tc.data)
		}
		accs := tc.ix.Accounts()
		if len(accs) != len(tc.flags) {
			t.Fatalf("%s: %d accounts, want %d", name, len(accs), len(tc.flags))
		}
		for i, f := range tc.flags {
			if flags(accs[i]) != f {
				t.Errorf("%s account %d flags %q, want %q", name, i, flags(accs[i]), f)
			}
		}
	}
}

func TestWrapUnwrapSOL(t *testing.T) {
	user := seedKey(12)
	ata, _ := AssociatedAddress(user, WSOLMint, TokenProgramID)
	ixs := WrapSOL(user, user, 100_000_000)
	if len(ixs) != 3 || ixs[0].ProgramID() != AssociatedTokenProgramID ||
		ixs[1].ProgramID() != SystemProgramID || ixs[2].ProgramID() != TokenProgramID {
		t.Fatalf("wrap = %v", ixs)
	}
	if ixs[1].Accounts()[1].PublicKey != ata || ixs[2].Accounts()[0].PublicKey != ata || dataHex(t, ixs[2]) != "11" {
		t.Fatal("wrap does not fund and sync the WSOL ATA")
	}
	un := UnwrapSOL(user)
	if un.Accounts()[0].PublicKey != ata || un.Accounts()[1].PublicKey != user || dataHex(t, un) != "09" {
		t.Fatal("unwrap does not close the WSOL ATA to the owner")
	}
}

func TestPriorityFee(t *testing.T) {
	if got := PriorityFee(400_000, 100_000); got != 40_000 {
		t.Errorf("fee = %d", got)
	}
	if got := PriorityFee(1, 1); got != 1 {
		t.Errorf("fee rounds up: %d", got)
	}
}

func TestTokenAccountRoundTrip(t *testing.T) {
	in := Account{Mint: seedKey(1), Owner: seedKey(2), Amount: 123_456_789, Delegate: seedKey(3),
		State: StateInitialized, IsNative: true, NativeReserve: 2_039_280, DelegatedAmount: 5, CloseAuthority: seedKey(4)}
	for _, program := range []solana.PublicKey{TokenProgramID, Token2022ProgramID} {
		data := EncodeTokenAccount(in, program)
		out, err := DecodeTokenAccount(data)
		if err != nil || out != in {
			t.Fatalf("%s: %+v %v", program, out, err)
		}
		if program == Token2022ProgramID {
			if len(data) != Token2022ATASize {
				t.Fatalf("Token-2022 ATA is %d bytes", len(data))
			}
			if v, ok := Extension(data, 7); !ok || len(v) != 0 {
				t.Fatal("ImmutableOwner extension missing")
			}
		}
	}
}

func TestMintRoundTrip(t *testing.T) {
	in := Mint{MintAuthority: seedKey(5), Supply: 1e15, Decimals: 6, IsInitialized: true}
	out, err := DecodeMint(EncodeMint(in))
	if err != nil || out != in {
		t.Fatalf("%+v %v", out, err)
	}
	// A Token-2022 mint with extensions: padded to 165, type byte 1, then TLV.
	ext := make([]byte, 166+4+3)
	copy(ext, EncodeMint(in))
	ext[165] = 1
	ext[166], ext[168], ext[170] = 19, 3, 'a'
	if out, err := DecodeMint(ext); err != nil || out != in {
		t.Fatalf("extended mint: %+v %v", out, err)
	}
	if v, ok := Extension(ext, 19); !ok || string(v) != "a\x00\x00" {
		t.Fatalf("extension 19 = %q %v", v, ok)
	}
}

func TestDecodeRejectsGarbage(t *testing.T) {
	acct := EncodeTokenAccount(Account{State: StateInitialized}, TokenProgramID)
	mint := EncodeMint(Mint{IsInitialized: true})
	bad := [][]byte{nil, {1, 2, 3}, acct[:164], append(bytes.Clone(acct), 1), mint[:81], make([]byte, 100)}
	for i, d := range bad {
		if _, err := DecodeTokenAccount(d); !errors.Is(err, ErrInvalidAccount) {
			t.Errorf("account case %d: %v", i, err)
		}
		if _, err := DecodeMint(d); !errors.Is(err, ErrInvalidAccount) {
			t.Errorf("mint case %d: %v", i, err)
		}
	}
	if _, err := DecodeTokenAccount(make([]byte, AccountSize)); err == nil {
		t.Error("uninitialized account accepted")
	}
	if _, err := DecodeMint(make([]byte, MintSize)); err == nil {
		t.Error("uninitialized mint accepted")
	}
	if _, err := DecodeTokenAccount(mint); err == nil {
		t.Error("mint decoded as token account")
	}
}

func TestRentAndPortion(t *testing.T) {
	for _, tc := range []struct{ got, want uint64 }{
		{RentExemptMinimum(Token2022ATASize), 2_074_080}, {RentExemptMinimum(137), 1_844_400},
		{RentExemptMinimum(0), 890_880}, {RentExemptMinimum(AccountSize), 2_039_280},
		{PortionBps(1_000_001, 5000), 500_000}, {PortionBps(1_000_001, 10_000), 1_000_001},
		{PortionBps(1<<63, 5000), 1 << 62}, {PortionBps(^uint64(0), 9999), 18_444_899_399_302_180_659}, {PortionBps(7, 20_000), 7}, {PortionBps(7, 0), 0},
	} {
		if tc.got != tc.want {
			t.Errorf("got %d, want %d", tc.got, tc.want)
		}
	}
}
