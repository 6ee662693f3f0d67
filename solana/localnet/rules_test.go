package localnet

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
)

func TestSignatureVerificationFailure(t *testing.T) {
	b := NewBank(BankConfig{})
	payer := keypair(1)
	b.Airdrop(payer.PublicKey(), sol)
	raw := buildTx(t, b, []solana.Instruction{transferIx(payer.PublicKey(), keypair(2).PublicKey(), 1000)}, payer)
	raw[5] ^= 0xff // corrupt the signature
	_, err := b.ProcessTransaction(raw)
	var te *TxError
	if !errors.As(err, &te) || te.Kind != TxSignatureFailure {
		t.Fatalf("err = %v, want SignatureFailure", err)
	}
	if b.Balance(payer.PublicKey()) != sol {
		t.Fatal("rejected tx charged a fee")
	}
}

func TestMissingSignerRejected(t *testing.T) {
	b := NewBank(BankConfig{})
	payer, victim := keypair(1), keypair(2)
	b.Airdrop(payer.PublicKey(), sol)
	b.Airdrop(victim.PublicKey(), sol)
	// The victim is listed as a non-signer "from": the System program refuses.
	ix := rawIx(solana.SystemProgramID, append(binary.LittleEndian.AppendUint32(nil, 2), le64Bytes(1000)...),
		w(victim.PublicKey()), w(payer.PublicKey()))
	rec, err := b.ProcessTransaction(buildTx(t, b, []solana.Instruction{ix}, payer))
	assertBuiltin(t, rec, err, 0, ErrMissingRequiredSignature)
}

func TestReadonlyAccountCannotChange(t *testing.T) {
	b := NewBank(BankConfig{})
	payer, to := keypair(1), keypair(2).PublicKey()
	b.Airdrop(payer.PublicKey(), sol)
	b.Airdrop(to, sol)
	ix := rawIx(solana.SystemProgramID, append(binary.LittleEndian.AppendUint32(nil, 2), le64Bytes(1000)...),
		ws(payer.PublicKey()), ro(to))
	rec, err := b.ProcessTransaction(buildTx(t, b, []solana.Instruction{ix}, payer))
	assertBuiltin(t, rec, err, 0, ErrReadonlyLamportChange)
}

func TestBlockhashExpiry(t *testing.T) {
	b := NewBank(BankConfig{})
	payer := keypair(1)
	b.Airdrop(payer.PublicKey(), sol)
	bh, last := b.LatestBlockhash()
	if last != b.BlockHeight()+150 {
		t.Fatalf("lastValidBlockHeight %d at height %d", last, b.BlockHeight())
	}
	b.Advance(150)
	if !b.IsBlockhashValid(bh) {
		t.Fatal("blockhash invalid at its last valid height")
	}
	b.Advance(1)
	raw := signTx(t, bh, []solana.Instruction{transferIx(payer.PublicKey(), keypair(2).PublicKey(), 1000)}, nil, payer)
	_, err := b.ProcessTransaction(raw)
	var te *TxError
	if !errors.As(err, &te) || te.Kind != TxBlockhashNotFound {
		t.Fatalf("err = %v, want BlockhashNotFound", err)
	}
	if _, err := b.ProcessTransaction(signTx(t, solana.Hash{9}, []solana.Instruction{
		transferIx(payer.PublicKey(), keypair(2).PublicKey(), 1000)}, nil, payer)); !errors.As(err, &te) || te.Kind != TxBlockhashNotFound {
		t.Fatalf("unknown blockhash: %v", err)
	}
}

func TestRentExemptionEnforced(t *testing.T) {
	b := NewBank(BankConfig{})
	payer := keypair(1)
	b.Airdrop(payer.PublicKey(), sol)
	rec, err := b.ProcessTransaction(buildTx(t, b, []solana.Instruction{
		transferIx(payer.PublicKey(), keypair(2).PublicKey(), 1000)}, payer))
	if err != nil || rec.Err == nil || rec.Err.Kind != TxInsufficientFundsForRent || rec.Err.Index != 1 {
		t.Fatalf("err %v / %+v, want InsufficientFundsForRent{1}", err, rec)
	}
	js, _ := rec.Err.MarshalJSON()
	if string(js) != `{"InsufficientFundsForRent":{"account_index":1}}` {
		t.Fatalf("json %s", js)
	}
	// Exactly the minimum is fine; draining the payer to 0 is fine too.
	mustProcess(t, b, buildTx(t, b, []solana.Instruction{
		transferIx(payer.PublicKey(), keypair(2).PublicKey(), RentExemptMinimum(0))}, payer))
}

func TestDuplicateTransactionAlreadyProcessed(t *testing.T) {
	b := NewBank(BankConfig{})
	payer := keypair(1)
	b.Airdrop(payer.PublicKey(), sol)
	raw := buildTx(t, b, []solana.Instruction{transferIx(payer.PublicKey(), keypair(2).PublicKey(), RentExemptMinimum(0))}, payer)
	mustProcess(t, b, raw)
	_, err := b.ProcessTransaction(raw)
	var te *TxError
	if !errors.As(err, &te) || te.Kind != TxAlreadyProcessed {
		t.Fatalf("err = %v, want AlreadyProcessed", err)
	}
}

func TestFeesWithPriority(t *testing.T) {
	b := NewBank(BankConfig{})
	payer := keypair(1)
	b.Airdrop(payer.PublicKey(), sol)
	limit := rawIx(solana.ComputeBudget, binary.LittleEndian.AppendUint32([]byte{2}, 300_000))
	price := rawIx(solana.ComputeBudget, binary.LittleEndian.AppendUint64([]byte{3}, 1_000_001))
	rec := mustProcess(t, b, buildTx(t, b, []solana.Instruction{limit, price,
		transferIx(payer.PublicKey(), keypair(2).PublicKey(), RentExemptMinimum(0))}, payer))
	// ceil(300000 * 1000001 / 1e6) = 300001
	if rec.Fee != 5000+300_001 {
		t.Fatalf("fee %d", rec.Fee)
	}
	if got := priorityFee(200_000, 0); got != 0 {
		t.Fatalf("zero price fee %d", got)
	}
	fee, ok, err := b.FeeForMessage(mustMessage(t, b, payer, limit, price))
	if err != nil || !ok || fee != 305_001 {
		t.Fatalf("FeeForMessage = %d %v %v", fee, ok, err)
	}
}

func mustMessage(t *testing.T, b *Bank, payer solana.PrivateKey, ixs ...solana.Instruction) []byte {
	bh, _ := b.LatestBlockhash()
	tx, err := solana.NewTransaction(ixs, bh, solana.TransactionPayer(payer.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := tx.Message.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestInsufficientFundsForFee(t *testing.T) {
	b := NewBank(BankConfig{})
	payer := keypair(1)
	b.Airdrop(payer.PublicKey(), 4000)
	_, err := b.ProcessTransaction(buildTx(t, b, []solana.Instruction{transferIx(payer.PublicKey(), keypair(2).PublicKey(), 1)}, payer))
	var te *TxError
	if !errors.As(err, &te) || te.Kind != TxInsufficientFundsForFee {
		t.Fatalf("err = %v", err)
	}
	_, err = b.ProcessTransaction(buildTx(t, b, []solana.Instruction{transferIx(keypair(7).PublicKey(), payer.PublicKey(), 1)}, keypair(7)))
	if !errors.As(err, &te) || te.Kind != TxAccountNotFound {
		t.Fatalf("unfunded payer: %v", err)
	}
}

func TestOversizeTransactionRejected(t *testing.T) {
	b := NewBank(BankConfig{})
	payer := keypair(1)
	var ixs []solana.Instruction
	for i := range 40 {
		ixs = append(ixs, system.NewTransferInstruction(1, payer.PublicKey(), keypair(byte(10+i)).PublicKey()).Build())
	}
	raw := buildTx(t, b, ixs, payer)
	if len(raw) <= MaxTransactionSize {
		t.Fatalf("test tx only %d bytes", len(raw))
	}
	if _, err := b.ProcessTransaction(raw); err == nil {
		t.Fatal("oversize transaction accepted")
	}
}

// cpiProbe is a test program that forwards its data as one CPI described by
// the first byte: 0 = system transfer of 1 lamport from accounts[0] to [1]
// claiming signer/writable as given; 1 = recurse into itself (depth test);
// 2 = modify the data of accounts[0] it does not own.
type cpiProbe struct{ id solana.PublicKey }

func (p cpiProbe) ID() solana.PublicKey { return p.id }

func (p cpiProbe) Process(ic *InstructionContext) error {
	switch ic.Data[0] {
	case 0:
		ix := transferInstruction(ic.Accounts[0].Key, ic.Accounts[1].Key, 1)
		var seeds [][][]byte
		if len(ic.Data) > 1 {
			seeds = [][][]byte{{[]byte("vault")}}
		}
		return ic.Invoke(ix, seeds...)
	case 1:
		return ic.Invoke(solana.NewInstruction(p.id, nil, []byte{1}))
	case 2:
		ic.Accounts[0].Lamports--
		ic.Accounts[1].Lamports++
		return nil
	case 3:
		var m map[string]int
		m["boom"] = 1 // a model bug: panics
	}
	return ErrInvalidInstructionData
}

func TestCPIRules(t *testing.T) {
	b := NewBank(BankConfig{})
	probe := cpiProbe{id: keypair(50).PublicKey()}
	b.RegisterProgram(probe)
	payer, other := keypair(1), keypair(2)
	b.Airdrop(payer.PublicKey(), sol)
	b.Airdrop(other.PublicKey(), sol)
	vault, _, _ := solana.FindProgramAddress([][]byte{[]byte("vault")}, probe.id)
	b.Airdrop(vault, sol)

	// Signer privilege escalation: other did not sign the transaction.
	rec, err := b.ProcessTransaction(buildTx(t, b, []solana.Instruction{
		rawIx(probe.id, []byte{0}, w(other.PublicKey()), w(payer.PublicKey()))}, payer))
	assertBuiltin(t, rec, err, 0, ErrPrivilegeEscalation)
	// A PDA of the caller signs through its seeds.
	mustProcess(t, b, buildTx(t, b, []solana.Instruction{
		rawIx(probe.id, []byte{0, 1}, w(vault), w(payer.PublicKey()), ro(solana.SystemProgramID))}, payer))
	// Writable escalation.
	rec, err = b.ProcessTransaction(buildTx(t, b, []solana.Instruction{
		rawIx(probe.id, []byte{0}, ws(payer.PublicKey()), ro(other.PublicKey()))}, payer))
	assertBuiltin(t, rec, err, 0, ErrPrivilegeEscalation)
	// Recursion past depth 5.
	rec, err = b.ProcessTransaction(buildTx(t, b, []solana.Instruction{rawIx(probe.id, []byte{1})}, payer))
	assertBuiltin(t, rec, err, 0, ErrCallDepth)
	// Spending lamports of an account the program does not own.
	rec, err = b.ProcessTransaction(buildTx(t, b, []solana.Instruction{
		rawIx(probe.id, []byte{2}, w(other.PublicKey()), w(payer.PublicKey()))}, payer))
	assertBuiltin(t, rec, err, 0, ErrExternalAccountLamportSpend)
	// A panicking model fails its instruction; the bank keeps working.
	rec, err = b.ProcessTransaction(buildTx(t, b, []solana.Instruction{rawIx(probe.id, []byte{3})}, payer))
	assertBuiltin(t, rec, err, 0, ErrProgramFailedToComplete)
	mustProcess(t, b, buildTx(t, b, []solana.Instruction{transferIx(payer.PublicKey(), other.PublicKey(), 1)}, payer))
}

func TestComputeBudgetExceeded(t *testing.T) {
	b := NewBank(BankConfig{})
	payer, mint := keypair(1), keypair(2)
	b.Airdrop(payer.PublicKey(), 10*sol)
	setupMint(t, b, TokenProgramID, payer, mint, payer, 6)
	limit := rawIx(solana.ComputeBudget, binary.LittleEndian.AppendUint32([]byte{2}, 2000))
	rec, err := b.ProcessTransaction(buildTx(t, b, []solana.Instruction{limit,
		ataIdempotentIx(payer.PublicKey(), payer.PublicKey(), mint.PublicKey(), TokenProgramID)}, payer))
	assertBuiltin(t, rec, err, 1, ErrComputationalBudgetExceeded)
	if rec.UnitsConsumed != 2000 {
		t.Fatalf("units %d, want the whole limit", rec.UnitsConsumed)
	}
}

func TestCreateAccountWithSeedAndAssign(t *testing.T) {
	b := NewBank(BankConfig{})
	payer := keypair(1)
	b.Airdrop(payer.PublicKey(), sol)
	owner := TokenProgramID
	derived, err := solana.CreateWithSeed(payer.PublicKey(), "vault-1", owner)
	if err != nil {
		t.Fatal(err)
	}
	d := binary.LittleEndian.AppendUint32(nil, 3)
	d = append(d, payer.PublicKey().Bytes()...)
	d = binary.LittleEndian.AppendUint64(d, uint64(len("vault-1")))
	d = append(d, "vault-1"...)
	d = binary.LittleEndian.AppendUint64(d, RentExemptMinimum(MintSize))
	d = binary.LittleEndian.AppendUint64(d, MintSize)
	d = append(d, owner[:]...)
	mustProcess(t, b, buildTx(t, b, []solana.Instruction{
		rawIx(solana.SystemProgramID, d, ws(payer.PublicKey()), w(derived), rs(payer.PublicKey()))}, payer))
	acc, ok := b.GetAccount(derived)
	if !ok || acc.Owner != owner || len(acc.Data) != MintSize {
		t.Fatalf("derived account %+v", acc)
	}
	// Creating over an existing account: SystemError::AccountAlreadyInUse (0).
	b.Advance(1) // a new blockhash, so the bytes differ
	rec, err := b.ProcessTransaction(buildTx(t, b, []solana.Instruction{
		rawIx(solana.SystemProgramID, d, ws(payer.PublicKey()), w(derived), rs(payer.PublicKey()))}, payer))
	assertCustom(t, rec, err, 0, 0)
}

func TestATACreateOnExistingIsIllegalOwner(t *testing.T) {
	b := NewBank(BankConfig{})
	payer, mint := keypair(1), keypair(2)
	b.Airdrop(payer.PublicKey(), 10*sol)
	setupMint(t, b, TokenProgramID, payer, mint, payer, 6)
	create := ataIdempotentIx(payer.PublicKey(), payer.PublicKey(), mint.PublicKey(), TokenProgramID)
	mustProcess(t, b, buildTx(t, b, []solana.Instruction{create}, payer))
	nonIdem := rawIx(AssociatedTokenProgramID, nil, create.Accounts()...)
	rec, err := b.ProcessTransaction(buildTx(t, b, []solana.Instruction{nonIdem}, payer))
	assertBuiltin(t, rec, err, 0, ErrIllegalOwner)
	// A wrong address for the seeds.
	bad := rawIx(AssociatedTokenProgramID, []byte{1}, ws(payer.PublicKey()), w(keypair(9).PublicKey()), ro(payer.PublicKey()),
		ro(mint.PublicKey()), ro(solana.SystemProgramID), ro(TokenProgramID))
	rec, err = b.ProcessTransaction(buildTx(t, b, []solana.Instruction{bad}, payer))
	assertBuiltin(t, rec, err, 0, ErrInvalidSeeds)
}
