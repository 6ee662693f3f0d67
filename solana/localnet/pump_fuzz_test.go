package localnet

import (
	"testing"

	"github.com/gagliardetto/solana-go"
)

// FuzzPumpInstruction sends arbitrary instruction data to the pump and
// LaunchLab models over the golden account lists: nothing may panic, and
// whatever succeeds keeps the curve's lamports equal to its rent plus its
// real SOL reserves.
func FuzzPumpInstruction(f *testing.F) {
	f.Add(uint8(0), lpHex(f, gvBuyHex))
	f.Add(uint8(1), lpHex(f, gvSellHex))
	f.Add(uint8(2), lpHex(f, gvCreateV2Hex))
	f.Add(uint8(3), lpHex(f, gvExtendHex))
	f.Add(uint8(4), lpHex(f, llgBuyHex))
	b := lpBank(f)
	b.Airdrop(gvUser, 1_000_000_000_000)
	b.Airdrop(llgUser, 1_000_000_000_000)
	lpOK(f, b, []solana.Instruction{gvCreateV2(f)}, lpKey(2), lpKey(1))
	lpOK(f, b, []solana.Instruction{lpIdempotentATA(gvUser, gvUser, gvMint, solana.Token2022ProgramID)}, lpKey(2))
	lpOK(f, b, []solana.Instruction{llgInit(f)}, lpKey(12), lpKey(11))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		var ix solana.Instruction
		signers := []solana.PrivateKey{lpKey(2)}
		switch which % 5 {
		case 0:
			ix = gvBuy(t, data)
		case 1:
			ix = gvSell(t, data)
		case 2:
			ix = solana.NewInstruction(PumpProgramID, gvCreateV2(t).Accounts(), data)
			signers = append(signers, lpKey(1))
		case 3:
			ix = solana.NewInstruction(PumpProgramID, gvExtend(t).Accounts(), data)
		default:
			ix = solana.NewInstruction(LaunchLabProgramID, llgTrade(t, llgBuyHex).Accounts(), data)
			signers = []solana.PrivateKey{lpKey(12)}
		}
		bh, _ := b.LatestBlockhash()
		if _, err := b.ProcessTransaction(lpSign(t, bh, []solana.Instruction{ix}, signers...)); err != nil {
			return // rejected before execution (e.g. already processed)
		}
		curve, _ := b.GetAccount(gvCurve)
		c := decodePumpCurve(curve.Data)
		if curve.Lamports != RentExemptMinimum(len(curve.Data))+c.realSol {
			t.Fatalf("curve lamports %d, rent %d + real %d", curve.Lamports, RentExemptMinimum(len(curve.Data)), c.realSol)
		}
	})
}
