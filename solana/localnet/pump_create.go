package localnet

import (
	"github.com/gagliardetto/solana-go"
)

// pump create_v2: a Token-2022 mint whose metadata lives in its own
// token-metadata extension (metadata pointer -> the mint), a bonding curve
// with Global's initial reserves, the whole supply minted to the curve's ATA
// and the mint authority revoked.

// Token-2022 mint with the metadata-pointer extension: 82-byte base padded to
// 165, the account-type byte, then a TLV entry of 2+2+64 bytes.
const pumpMintWithPointerSize = 165 + 1 + 4 + 64

type pumpCreateArgs struct {
	name, symbol, uri string
	creator           solana.PublicKey
	mayhem, cashback  uint8
	holderReward      uint8
}

func decodePumpCreateArgs(r *borshReader) (pumpCreateArgs, error) {
	a := pumpCreateArgs{name: r.str(), symbol: r.str(), uri: r.str(), creator: r.key(), mayhem: r.u8()}
	a.cashback = r.optU8()
	_ = r.optU64() // creator_fee_bps: ignored for SOL-quoted coins
	a.holderReward = r.optU8()
	if r.err != nil {
		return a, errInstructionDidNotDeserialize
	}
	return a, nil
}

// validate applies the handler's argument checks in the program's order.
func (a *pumpCreateArgs) validate(g *pumpGlobal) error {
	switch {
	case !g.createV2Enabled:
		return pumpErrCreateV2Disabled
	case len(a.name) > 32:
		return pumpErrNameTooLong
	case len(a.symbol) > 13:
		return pumpErrSymbolTooLong
	case len(a.uri) > 200:
		return pumpErrURITooLong
	case a.creator.IsZero():
		return pumpErrCreatorShouldNotBeZero
	case a.mayhem == 1 && !g.mayhemModeEnabled:
		return pumpErrMayhemModeDisabled
	case a.cashback == 1:
		return pumpErrCashbackDeprecated
	}
	return nil
}

// pumpCreatePrefix checks the first five accounts both creates share (mint, mint
// authority, curve, the curve's token account under tokenProgram, Global).
func pumpCreatePrefix(l *accountList, tokenProgram solana.PublicKey) (solana.PublicKey, pumpGlobal) {
	mint := l.signer(0).Key
	l.mut(0)
	l.pda(1, PumpProgramID, []byte("mint-authority"))
	curve := l.mut(2).Key
	l.pda(2, PumpProgramID, []byte("bonding-curve"), mint[:])
	l.mut(3)
	l.pda(3, solana.SPLAssociatedTokenAccountProgramID, curve[:], tokenProgram[:], mint[:])
	return mint, pumpLoadGlobal(l, 4)
}

// pumpCreateAccounts checks the 16 fixed create_v2 accounts.
func pumpCreateAccounts(ic *InstructionContext) (*accountList, pumpGlobal, error) {
	l, err := newAccountList(ic, 16)
	if err != nil {
		return nil, pumpGlobal{}, err
	}
	mint, g := pumpCreatePrefix(l, solana.Token2022ProgramID)
	l.signer(5)
	l.mut(5)
	l.program(6, solana.SystemProgramID)
	l.program(7, solana.Token2022ProgramID)
	l.program(8, solana.SPLAssociatedTokenAccountProgramID)
	l.mut(9)
	l.address(9, PumpMayhemProgramID)
	l.address(10, mayhemGlobalParams)
	l.mut(11)
	l.address(11, mayhemSolVault)
	l.mut(12)
	l.pda(12, PumpMayhemProgramID, []byte("mayhem-state"), mint[:])
	l.mut(13)
	l.pda(13, solana.SPLAssociatedTokenAccountProgramID, mayhemSolVault[:], solana.Token2022ProgramID[:], mint[:])
	l.pda(14, PumpProgramID, []byte("__event_authority"))
	l.address(15, PumpProgramID)
	return l, g, l.err
}

func pumpCreateV2(ic *InstructionContext, r *borshReader) error {
	if err := ic.ConsumeCU(pumpCUCreate); err != nil {
		return err
	}
	l, g, err := pumpCreateAccounts(ic)
	if err != nil {
		return err
	}
	args, err := decodePumpCreateArgs(r)
	if err != nil {
		return err
	}
	if err := args.validate(&g); err != nil {
		return err
	}
	mint, curve, curveATA, user := l.at(0).Key, l.at(2).Key, l.at(3).Key, l.at(5).Key
	if err := pumpCreateMint(ic, user, mint, &args); err != nil {
		return err
	}
	if err := cpiCreateAccount(ic, user, curve, pumpCurveSize, PumpProgramID, []byte("bonding-curve"), mint[:]); err != nil {
		return err
	}
	ref, _ := ic.Lookup(curve)
	ref.Data = pumpNewCurveData(&g, &args)
	if err := cpiCreateATA(ic, user, curveATA, curve, mint, solana.Token2022ProgramID); err != nil {
		return err
	}
	authSeeds := []byte("mint-authority")
	if err := cpiMintTo(ic, solana.Token2022ProgramID, mint, curveATA, pumpMintAuthority, g.tokenTotalSupply, authSeeds); err != nil {
		return err
	}
	if err := cpiRevokeMintAuthority(ic, solana.Token2022ProgramID, mint, pumpMintAuthority, authSeeds); err != nil {
		return err
	}
	ic.EmitEvent(pumpCreateEvent(ic, &g, &args, mint, curve, user))
	return nil
}

// pumpCreateMint creates and initialises the Token-2022 mint with its
// metadata pointer and token metadata (update authority: the mint-authority
// PDA, as the mint's only authority before it is revoked).
func pumpCreateMint(ic *InstructionContext, user, mint solana.PublicKey, a *pumpCreateArgs) error {
	full := pumpMintWithPointerSize + tokenMetadataLen(a.name, a.symbol, a.uri)
	if err := cpiCreateAccountFunded(ic, user, mint, RentExemptMinimum(full), pumpMintWithPointerSize, solana.Token2022ProgramID); err != nil {
		return err
	}
	if err := cpiMetadataPointerInit(ic, mint, pumpMintAuthority, mint); err != nil {
		return err
	}
	if err := cpiInitializeMint2(ic, solana.Token2022ProgramID, mint, pumpTokenDecimals, pumpMintAuthority); err != nil {
		return err
	}
	return cpiTokenMetadataInit(ic, mint, pumpMintAuthority, pumpMintAuthority, a.name, a.symbol, a.uri, []byte("mint-authority"))
}

// pumpNewCurveData lays out a fresh BondingCurve (151 bytes).
func pumpNewCurveData(g *pumpGlobal, a *pumpCreateArgs) []byte {
	w := &borshWriter{b: make([]byte, 0, pumpCurveSize)}
	w.raw(pumpCurveDisc[:]).u64(g.initVirtualToken).u64(g.initVirtualSol).u64(g.initRealToken).u64(0).u64(g.tokenTotalSupply)
	w.boolean(false).key(a.creator).u8(a.mayhem).u8(0)        // complete, creator, is_mayhem_mode, is_cashback_coin
	w.key(solana.PublicKey{}).u64(0).u8(0).u8(a.holderReward) // quote_mint (SOL), creator_fee_bps, can_edit, is_holder_reward
	return append(w.b, make([]byte, pumpCurveSize-len(w.b))...)
}

// pumpCreateEvent encodes CreateEvent's leading fields.
func pumpCreateEvent(ic *InstructionContext, g *pumpGlobal, a *pumpCreateArgs, mint, curve, user solana.PublicKey) []byte {
	w := &borshWriter{}
	w.raw(pumpCreateEventDisc[:]).str(a.name).str(a.symbol).str(a.uri)
	w.key(mint).key(curve).key(user).key(a.creator).i64(ic.Clock().UnixTimestamp)
	w.u64(g.initVirtualToken).u64(g.initVirtualSol).u64(g.initRealToken).u64(g.tokenTotalSupply)
	w.key(solana.Token2022ProgramID).u8(a.mayhem)
	return w.b
}
