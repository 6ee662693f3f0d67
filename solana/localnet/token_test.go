package localnet

import (
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/gagliardetto/solana-go"
)

// setupMint creates a mint under prog with mint authority auth and returns it.
func setupMint(t *testing.T, b *Bank, prog solana.PublicKey, payer, mint, auth solana.PrivateKey, decimals uint8) {
	t.Helper()
	ixs := []solana.Instruction{
		createAccountIx(payer.PublicKey(), mint.PublicKey(), RentExemptMinimum(MintSize), MintSize, prog),
		initMint2Ix(prog, mint.PublicKey(), auth.PublicKey(), decimals),
	}
	mustProcess(t, b, buildTx(t, b, ixs, payer, mint))
}

func TestTokenMintAndTransferBothPrograms(t *testing.T) {
	for _, prog := range []solana.PublicKey{TokenProgramID, Token2022ProgramID} {
		t.Run(prog.String()[:8], func(t *testing.T) {
			b := NewBank(BankConfig{})
			payer, mint, alice, bob := keypair(1), keypair(2), keypair(3), keypair(4)
			b.Airdrop(payer.PublicKey(), 10*sol)
			setupMint(t, b, prog, payer, mint, payer, 6)
			aliceATA := FindATA(alice.PublicKey(), prog, mint.PublicKey())
			bobATA := FindATA(bob.PublicKey(), prog, mint.PublicKey())
			create := []solana.Instruction{
				ataIdempotentIx(payer.PublicKey(), alice.PublicKey(), mint.PublicKey(), prog),
				ataIdempotentIx(payer.PublicKey(), bob.PublicKey(), mint.PublicKey(), prog),
				ataIdempotentIx(payer.PublicKey(), alice.PublicKey(), mint.PublicKey(), prog), // idempotent no-op
				mintToIx(prog, mint.PublicKey(), aliceATA, payer.PublicKey(), 5_000_000),
			}
			mustProcess(t, b, buildTx(t, b, create, payer))
			wantSize := TokenAccountSize
			if prog == Token2022ProgramID {
				wantSize = Token2022AccountSize
			}
			acc, _ := b.GetAccount(aliceATA)
			if len(acc.Data) != wantSize || acc.Owner != prog || acc.Lamports != RentExemptMinimum(wantSize) {
				t.Fatalf("ATA size %d owner %s lamports %d", len(acc.Data), acc.Owner, acc.Lamports)
			}
			b.Airdrop(alice.PublicKey(), sol)
			rec := mustProcess(t, b, buildTx(t, b, []solana.Instruction{
				transferCheckedIx(prog, aliceATA, mint.PublicKey(), bobATA, alice.PublicKey(), 1_500_000, 6)}, alice))
			if got := tokenBalance(t, b, bobATA); got != 1_500_000 {
				t.Fatalf("bob has %d", got)
			}
			if len(rec.PostTokenBalances) != 2 || rec.PostTokenBalances[1].Amount != 1_500_000 || rec.PostTokenBalances[1].Decimals != 6 {
				t.Fatalf("post token balances %+v", rec.PostTokenBalances)
			}
			// Too much: TokenError::InsufficientFunds (1).
			rec, err := b.ProcessTransaction(buildTx(t, b, []solana.Instruction{
				transferCheckedIx(prog, aliceATA, mint.PublicKey(), bobATA, alice.PublicKey(), 9_000_000, 6)}, alice))
			assertCustom(t, rec, err, 0, 1)
			// Wrong authority: OwnerMismatch (4).
			b.Airdrop(bob.PublicKey(), sol)
			rec, err = b.ProcessTransaction(buildTx(t, b, []solana.Instruction{
				transferCheckedIx(prog, aliceATA, mint.PublicKey(), bobATA, bob.PublicKey(), 1, 6)}, bob))
			assertCustom(t, rec, err, 0, 4)
			// Wrong decimals: MintDecimalsMismatch (18).
			rec, err = b.ProcessTransaction(buildTx(t, b, []solana.Instruction{
				transferCheckedIx(prog, aliceATA, mint.PublicKey(), bobATA, alice.PublicKey(), 1, 9)}, alice))
			assertCustom(t, rec, err, 0, 18)
		})
	}
}

func assertCustom(t *testing.T, rec *TxRecord, err error, ix int, code uint32) {
	t.Helper()
	if err != nil {
		t.Fatalf("rejected before execution: %v", err)
	}
	var pe *ProgramError
	if rec.Err == nil || rec.Err.Kind != TxInstructionError || rec.Err.Index != ix || !errors.As(rec.Err, &pe) || pe.Code != code {
		t.Fatalf("err = %v, want InstructionError(%d, Custom %d); logs %q", rec.Err, ix, code, rec.Logs)
	}
}

func assertBuiltin(t *testing.T, rec *TxRecord, err error, ix int, want BuiltinError) {
	t.Helper()
	if err != nil {
		t.Fatalf("rejected before execution: %v", err)
	}
	var be BuiltinError
	if rec.Err == nil || rec.Err.Index != ix || !errors.As(rec.Err, &be) || be != want {
		t.Fatalf("err = %v, want InstructionError(%d, %s); logs %q", rec.Err, ix, want, rec.Logs)
	}
}

func TestTokenCloseBurnAndWrappedSOL(t *testing.T) {
	b := NewBank(BankConfig{})
	payer, mint := keypair(1), keypair(2)
	b.Airdrop(payer.PublicKey(), 10*sol)
	prog := TokenProgramID
	setupMint(t, b, prog, payer, mint, payer, 9)
	ata := FindATA(payer.PublicKey(), prog, mint.PublicKey())
	mustProcess(t, b, buildTx(t, b, []solana.Instruction{
		ataIdempotentIx(payer.PublicKey(), payer.PublicKey(), mint.PublicKey(), prog),
		mintToIx(prog, mint.PublicKey(), ata, payer.PublicKey(), 100)}, payer))
	closeIx := rawIx(prog, []byte{9}, w(ata), w(payer.PublicKey()), rs(payer.PublicKey()))
	rec, err := b.ProcessTransaction(buildTx(t, b, []solana.Instruction{closeIx}, payer))
	assertCustom(t, rec, err, 0, 11) // NonNativeHasBalance
	burn := rawIx(prog, u64ix(8, 100), w(ata), w(mint.PublicKey()), rs(payer.PublicKey()))
	before := b.Balance(payer.PublicKey())
	mustProcess(t, b, buildTx(t, b, []solana.Instruction{burn, closeIx}, payer))
	if _, ok := b.GetAccount(ata); ok {
		t.Fatal("closed account still exists")
	}
	if got, want := b.Balance(payer.PublicKey()), before+RentExemptMinimum(TokenAccountSize)-5000; got != want {
		t.Fatalf("payer %d, want %d (rent refunded)", got, want)
	}
	m, _ := b.GetAccount(mint.PublicKey())
	if ms, _ := ParseMint(m.Data); ms.Supply != 0 {
		t.Fatalf("supply %d after burn", ms.Supply)
	}
	// Wrapped SOL: ATA, transfer lamports in, SyncNative.
	wsol := FindATA(payer.PublicKey(), prog, NativeMint)
	mustProcess(t, b, buildTx(t, b, []solana.Instruction{
		ataIdempotentIx(payer.PublicKey(), payer.PublicKey(), NativeMint, prog),
		transferIx(payer.PublicKey(), wsol, 250_000),
		rawIx(prog, []byte{17}, w(wsol))}, payer))
	if got := tokenBalance(t, b, wsol); got != 250_000 {
		t.Fatalf("wsol amount %d", got)
	}
}

func TestToken2022MetadataPointerAndMetadata(t *testing.T) {
	b := NewBank(BankConfig{})
	payer, mint := keypair(1), keypair(2)
	b.Airdrop(payer.PublicKey(), 10*sol)
	prog := Token2022ProgramID
	const baseSize = 234 // mint + account type + MetadataPointer TLV
	md := &TokenMetadata{Mint: mint.PublicKey(), Name: "Name", Symbol: "SYM", URI: "https://ipfs.io/ipfs/x"}
	full := baseSize + 4 + len(md.encode())
	pointer := append([]byte{39, 0}, append(payer.PublicKey().Bytes(), mint.PublicKey().Bytes()...)...)
	disc := sha256.Sum256([]byte("spl_token_metadata_interface:initialize_account"))
	initMeta := append([]byte(nil), disc[:8]...)
	for _, s := range []string{md.Name, md.Symbol, md.URI} {
		initMeta = appendBorshString(initMeta, s)
	}
	ixs := []solana.Instruction{
		createAccountIx(payer.PublicKey(), mint.PublicKey(), RentExemptMinimum(baseSize), baseSize, prog),
		rawIx(prog, pointer, w(mint.PublicKey())),
		initMint2Ix(prog, mint.PublicKey(), payer.PublicKey(), 6),
		transferIx(payer.PublicKey(), mint.PublicKey(), RentExemptMinimum(full)-RentExemptMinimum(baseSize)),
		rawIx(prog, initMeta, w(mint.PublicKey()), ro(payer.PublicKey()), ro(mint.PublicKey()), rs(payer.PublicKey())),
	}
	mustProcess(t, b, buildTx(t, b, ixs, payer, mint))
	acc, _ := b.GetAccount(mint.PublicKey())
	if len(acc.Data) != full {
		t.Fatalf("mint size %d, want %d", len(acc.Data), full)
	}
	got, ok := ParseTokenMetadata(acc.Data)
	if !ok || got.Name != "Name" || got.Symbol != "SYM" || got.URI != md.URI || *got.UpdateAuthority != payer.PublicKey() {
		t.Fatalf("metadata %+v", got)
	}
	if ms, ok := ParseMint(acc.Data); !ok || ms.Decimals != 6 {
		t.Fatalf("mint %+v", ms)
	}
	// Without the rent top-up the grown mint is rent-paying: the tx fails.
	b2 := NewBank(BankConfig{})
	b2.Airdrop(payer.PublicKey(), 10*sol)
	short := append(append([]solana.Instruction{}, ixs[:3]...), ixs[4])
	rec, err := b2.ProcessTransaction(buildTx(t, b2, short, payer, mint))
	if err != nil || rec.Err == nil || rec.Err.Kind != TxInsufficientFundsForRent || rec.Err.Index != 1 {
		t.Fatalf("err %v / %v, want InsufficientFundsForRent{1}", err, rec.Err)
	}
}

func TestTokenImmutableOwnerAndSetAuthority(t *testing.T) {
	b := NewBank(BankConfig{})
	payer, mint, other := keypair(1), keypair(2), keypair(3)
	b.Airdrop(payer.PublicKey(), 10*sol)
	prog := Token2022ProgramID
	setupMint(t, b, prog, payer, mint, payer, 6)
	ata := FindATA(payer.PublicKey(), prog, mint.PublicKey())
	mustProcess(t, b, buildTx(t, b, []solana.Instruction{
		ataIdempotentIx(payer.PublicKey(), payer.PublicKey(), mint.PublicKey(), prog)}, payer))
	setOwner := rawIx(prog, append([]byte{6, 2, 1}, other.PublicKey().Bytes()...), w(ata), rs(payer.PublicKey()))
	rec, err := b.ProcessTransaction(buildTx(t, b, []solana.Instruction{setOwner}, payer))
	assertCustom(t, rec, err, 0, 34) // ImmutableOwner
	revoke := rawIx(prog, []byte{6, 0, 0}, w(mint.PublicKey()), rs(payer.PublicKey()))
	mustProcess(t, b, buildTx(t, b, []solana.Instruction{revoke}, payer))
	rec, err = b.ProcessTransaction(buildTx(t, b, []solana.Instruction{
		mintToIx(prog, mint.PublicKey(), ata, payer.PublicKey(), 1)}, payer))
	assertCustom(t, rec, err, 0, 5) // FixedSupply
}
