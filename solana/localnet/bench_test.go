package localnet

import (
	"testing"

	"github.com/gagliardetto/solana-go"
)

// BenchmarkTransfers measures executed system transfers per second through the
// bank (decode, ed25519 verify, fee, execute, commit, status record). Each
// transaction uses a distinct amount so its signature is unique.
func BenchmarkTransfers(b *testing.B) {
	bank := NewBank(BankConfig{})
	payer := keypair(1)
	to := keypair(2).PublicKey()
	bank.Airdrop(payer.PublicKey(), 1<<62)
	bank.Airdrop(to, sol)
	raws := make([][]byte, b.N)
	for i := range raws {
		raws[i] = buildTx(b, bank, []solana.Instruction{transferIx(payer.PublicKey(), to, uint64(i+1))}, payer)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		rec, err := bank.ProcessTransaction(raws[i])
		if err != nil || rec.Err != nil {
			b.Fatalf("tx %d: %v %v", i, err, rec.Err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkTransfersParallel sends from several goroutines: signature checks
// run outside the bank lock, so they spread over the cores.
func BenchmarkTransfersParallel(b *testing.B) {
	bank := NewBank(BankConfig{})
	to := keypair(2).PublicKey()
	bank.Airdrop(to, sol)
	payers := make(chan solana.PrivateKey, 64)
	for i := range 64 {
		k := keypair(byte(100 + i))
		bank.Airdrop(k.PublicKey(), 1<<56)
		payers <- k
	}
	raws := make(chan []byte, b.N)
	for i := range b.N {
		k := <-payers
		raws <- buildTx(b, bank, []solana.Instruction{transferIx(k.PublicKey(), to, uint64(i+1))}, k)
		payers <- k
	}
	close(raws)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if rec, err := bank.ProcessTransaction(<-raws); err != nil || rec.Err != nil {
				b.Errorf("tx: %v", err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkTokenTransfers is the same with an SPL Token TransferChecked.
func BenchmarkTokenTransfers(b *testing.B) {
	bank := NewBank(BankConfig{})
	payer, mint := keypair(1), keypair(2)
	bank.Airdrop(payer.PublicKey(), 1<<62)
	prog := TokenProgramID
	init := []solana.Instruction{
		createAccountIx(payer.PublicKey(), mint.PublicKey(), RentExemptMinimum(MintSize), MintSize, prog),
		initMint2Ix(prog, mint.PublicKey(), payer.PublicKey(), 6),
		ataIdempotentIx(payer.PublicKey(), payer.PublicKey(), mint.PublicKey(), prog),
		ataIdempotentIx(payer.PublicKey(), keypair(3).PublicKey(), mint.PublicKey(), prog),
	}
	mustProcess(b, bank, buildTx(b, bank, init, payer, mint))
	src := FindATA(payer.PublicKey(), prog, mint.PublicKey())
	dst := FindATA(keypair(3).PublicKey(), prog, mint.PublicKey())
	mustProcess(b, bank, buildTx(b, bank, []solana.Instruction{mintToIx(prog, mint.PublicKey(), src, payer.PublicKey(), 1<<62)}, payer))
	raws := make([][]byte, b.N)
	for i := range raws {
		raws[i] = buildTx(b, bank, []solana.Instruction{
			transferCheckedIx(prog, src, mint.PublicKey(), dst, payer.PublicKey(), uint64(i+1), 6)}, payer)
	}
	b.ResetTimer()
	for i := range b.N {
		if rec, err := bank.ProcessTransaction(raws[i]); err != nil || rec.Err != nil {
			b.Fatalf("tx %d: %v", i, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}
