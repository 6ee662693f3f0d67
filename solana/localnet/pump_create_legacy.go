package localnet

import (
	"github.com/gagliardetto/solana-go"
)

// The deprecated legacy create: an SPL Token mint whose metadata is a
// Metaplex account (CPI CreateMetadataAccountV3), otherwise as create_v2.

// pumpLegacyAccounts checks create's 14 accounts.
func pumpLegacyAccounts(ic *InstructionContext) (*accountList, pumpGlobal, error) {
	l, err := newAccountList(ic, 14)
	if err != nil {
		return nil, pumpGlobal{}, err
	}
	mint, g := pumpCreatePrefix(l, solana.TokenProgramID)
	l.program(5, MetaplexProgramID)
	l.mut(6)
	l.pda(6, MetaplexProgramID, []byte("metadata"), MetaplexProgramID[:], mint[:])
	l.signer(7)
	l.mut(7)
	l.program(8, solana.SystemProgramID)
	l.program(9, solana.TokenProgramID)
	l.program(10, solana.SPLAssociatedTokenAccountProgramID)
	if l.at(11).Key != solana.SysVarRentPubkey {
		l.fail(errAccountSysvarMismatch)
	}
	l.pda(12, PumpProgramID, []byte("__event_authority"))
	l.address(13, PumpProgramID)
	return l, g, l.err
}

func pumpCreateLegacy(ic *InstructionContext, r *borshReader) error {
	if err := ic.ConsumeCU(pumpCUCreate); err != nil {
		return err
	}
	l, g, err := pumpLegacyAccounts(ic)
	if err != nil {
		return err
	}
	args := pumpCreateArgs{name: r.str(), symbol: r.str(), uri: r.str(), creator: r.key()}
	if r.err != nil {
		return errInstructionDidNotDeserialize
	}
	if err := args.validate(&g); err != nil {
		return err
	}
	mint, curve, curveATA, user := l.at(0).Key, l.at(2).Key, l.at(3).Key, l.at(7).Key
	spl, authSeeds := solana.TokenProgramID, []byte("mint-authority")
	if err := cpiCreateAccount(ic, user, mint, llMintSize, spl); err != nil {
		return err
	}
	if err := cpiInitializeMint2(ic, spl, mint, pumpTokenDecimals, pumpMintAuthority); err != nil {
		return err
	}
	if err := pumpCreateMetaplex(ic, user, mint, l.at(6).Key, &args); err != nil {
		return err
	}
	if err := cpiCreateAccount(ic, user, curve, pumpCurveSize, PumpProgramID, []byte("bonding-curve"), mint[:]); err != nil {
		return err
	}
	ref, _ := ic.Lookup(curve)
	ref.Data = pumpNewCurveData(&g, &args)
	if err := cpiCreateATA(ic, user, curveATA, curve, mint, spl); err != nil {
		return err
	}
	if err := cpiMintTo(ic, spl, mint, curveATA, pumpMintAuthority, g.tokenTotalSupply, authSeeds); err != nil {
		return err
	}
	if err := cpiRevokeMintAuthority(ic, spl, mint, pumpMintAuthority, authSeeds); err != nil {
		return err
	}
	ic.EmitEvent(pumpCreateEvent(ic, &g, &args, mint, curve, user))
	return nil
}

// pumpCreateMetaplex writes the Metaplex metadata with the mint-authority
// PDA as mint and update authority.
func pumpCreateMetaplex(ic *InstructionContext, payer, mint, metadata solana.PublicKey, a *pumpCreateArgs) error {
	w := &borshWriter{}
	w.u8(mplCreateMetadataV3).str(a.name).str(a.symbol).str(a.uri).u16(0)
	w.u8(0).u8(0).u8(0) // creators, collection, uses: None
	w.u8(0).u8(0)       // is_mutable false, collection_details None
	ix := solana.NewInstruction(MetaplexProgramID, solana.AccountMetaSlice{
		meta(metadata, true, false), meta(mint, false, false), meta(pumpMintAuthority, false, true),
		meta(payer, true, true), meta(pumpMintAuthority, false, false), meta(solana.SystemProgramID, false, false),
		meta(solana.SysVarRentPubkey, false, false),
	}, w.b)
	return ic.Invoke(ix, [][]byte{[]byte("mint-authority")})
}
