package localnet

import (
	"bytes"

	"github.com/gagliardetto/solana-go"
)

// PumpProgram models the pump.fun bonding-curve program (6EF8…): create_v2,
// the legacy create (SPL Token + Metaplex), buy, buy_exact_sol_in, sell and extend_account, with the account lists,
// PDA checks, integer math, fees and error codes of the real program as
// pinned by the golden vectors of the tests. Other instructions fail with
// Anchor's InstructionFallbackNotFound.
type PumpProgram struct{}

// ID returns the pump program id.
func (PumpProgram) ID() solana.PublicKey { return PumpProgramID }

// pump custom errors (PumpError, codes from the IDL).
var (
	pumpErrNotAuthorized           = &ProgramError{Code: 6000, Name: "NotAuthorized"}
	pumpErrTooMuchSolRequired      = &ProgramError{Code: 6002, Name: "TooMuchSolRequired"}
	pumpErrTooLittleSolReceived    = &ProgramError{Code: 6003, Name: "TooLittleSolReceived"}
	pumpErrBondingCurveComplete    = &ProgramError{Code: 6005, Name: "BondingCurveComplete"}
	pumpErrAccountTypeNotSupported = &ProgramError{Code: 6010, Name: "AccountTypeNotSupported"}
	pumpErrBuyZeroAmount           = &ProgramError{Code: 6020, Name: "BuyZeroAmount"}
	pumpErrNotEnoughTokensToBuy    = &ProgramError{Code: 6021, Name: "NotEnoughTokensToBuy"}
	pumpErrSellZeroAmount          = &ProgramError{Code: 6022, Name: "SellZeroAmount"}
	pumpErrNotEnoughTokensToSell   = &ProgramError{Code: 6023, Name: "NotEnoughTokensToSell"}
	pumpErrOverflow                = &ProgramError{Code: 6024, Name: "Overflow"}
	pumpErrCreatorShouldNotBeZero  = &ProgramError{Code: 6030, Name: "CreatorShouldNotBeZero"}
	pumpErrNotEnoughSolForRent     = &ProgramError{Code: 6040, Name: "BuyNotEnoughSolToCoverRent"}
	pumpErrNotEnoughSolForFees     = &ProgramError{Code: 6041, Name: "BuyNotEnoughSolToCoverFees"}
	pumpErrBelowMinTokensOut       = &ProgramError{Code: 6042, Name: "BuySlippageBelowMinTokensOut"}
	pumpErrNameTooLong             = &ProgramError{Code: 6043, Name: "NameTooLong"}
	pumpErrSymbolTooLong           = &ProgramError{Code: 6044, Name: "SymbolTooLong"}
	pumpErrURITooLong              = &ProgramError{Code: 6045, Name: "UriTooLong"}
	pumpErrCreateV2Disabled        = &ProgramError{Code: 6046, Name: "CreateV2Disabled"}
	pumpErrMayhemModeDisabled      = &ProgramError{Code: 6048, Name: "MayhemModeDisabled"}
	pumpErrBuybackNotAuthorized    = &ProgramError{Code: 6057, Name: "BuybackFeeRecipientNotAuthorized"}
	pumpErrBuybackMissing          = &ProgramError{Code: 6062, Name: "BuybackFeeRecipientMissing"}
	pumpErrInvalidBondingCurveV2   = &ProgramError{Code: 6074, Name: "InvalidBondingCurveV2"}
	pumpErrCashbackDeprecated      = &ProgramError{Code: 6082, Name: "CashbackDeprecated"}
)

// Compute units charged per instruction, on top of what the CPIs charge.
// Real figures were not measured; these keep totals in the
// range public guidance gives (create+buy well under 400k).
const (
	pumpCUCreate = 60_000
	pumpCUTrade  = 30_000
	pumpCUExtend = 5_000
)

// Process dispatches on the Anchor discriminator.
func (p PumpProgram) Process(ic *InstructionContext) error {
	if len(ic.Data) < 8 {
		return &ProgramError{Code: 100, Name: "InstructionMissing"}
	}
	var disc [8]byte
	copy(disc[:], ic.Data[:8])
	args := &borshReader{b: ic.Data[8:]}
	switch disc {
	case pumpIxCreateV2:
		ic.Log("Instruction: CreateV2")
		return pumpCreateV2(ic, args)
	case pumpIxCreate:
		ic.Log("Instruction: Create")
		return pumpCreateLegacy(ic, args)
	case pumpIxBuy:
		ic.Log("Instruction: Buy")
		return pumpBuy(ic, args, false)
	case pumpIxBuyExactSolIn:
		ic.Log("Instruction: BuyExactSolIn")
		return pumpBuy(ic, args, true)
	case pumpIxSell:
		ic.Log("Instruction: Sell")
		return pumpSell(ic, args)
	case pumpIxExtendAccount:
		ic.Log("Instruction: ExtendAccount")
		return pumpExtendAccount(ic)
	}
	return errInstructionFallbackNotFound
}

// pumpLoadGlobal checks account i is the Global PDA and decodes it.
func pumpLoadGlobal(l *accountList, i int) pumpGlobal {
	l.pda(i, PumpProgramID, []byte("global"))
	a := l.typed(i, PumpProgramID, pumpGlobalDisc)
	if l.err != nil {
		return pumpGlobal{}
	}
	return decodePumpGlobal(a.Data)
}

// pumpExtendAccount grows an old Global or BondingCurve to the current size,
// the user paying the extra rent. An account already at size is left as is.
func pumpExtendAccount(ic *InstructionContext) error {
	if err := ic.ConsumeCU(pumpCUExtend); err != nil {
		return err
	}
	l, err := newAccountList(ic, 5)
	if err != nil {
		return err
	}
	acc := l.mut(0)
	user := l.signer(1)
	l.mut(1)
	l.program(2, solana.SystemProgramID)
	l.pda(3, PumpProgramID, []byte("__event_authority"))
	l.address(4, PumpProgramID)
	if l.err != nil {
		return l.err
	}
	if acc.Account == nil || acc.Owner != PumpProgramID {
		return errAccountOwnedByWrongProgram
	}
	target := 0
	switch {
	case bytes.HasPrefix(acc.Data, pumpGlobalDisc[:]):
		target = pumpGlobalSize
	case bytes.HasPrefix(acc.Data, pumpCurveDisc[:]):
		target = pumpCurveSize
	default:
		return pumpErrAccountTypeNotSupported
	}
	cur := len(acc.Data)
	if cur < target {
		if need := RentExemptMinimum(target); acc.Lamports < need {
			if err := cpiTransfer(ic, user.Key, acc.Key, need-acc.Lamports); err != nil {
				return err
			}
		}
		acc.Data = append(acc.Data, make([]byte, target-cur)...)
	}
	w := &borshWriter{}
	w.raw(pumpExtendEventDisc[:]).key(acc.Key).key(user.Key).u64(uint64(cur)).u64(uint64(len(acc.Data))).i64(ic.Clock().UnixTimestamp)
	ic.EmitEvent(w.b)
	return nil
}
