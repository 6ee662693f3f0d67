package localnet

import (
	"github.com/gagliardetto/solana-go"
)

// LaunchLabProgram models Raydium LaunchLab (LanMV9…): initialize_v2 (SPL
// mint + Metaplex metadata + pool and vaults) and buy_exact_in /
// sell_exact_in on constant-product pools, with the protocol, platform and
// creator fees of the real program. Other instructions fail with Anchor's
// InstructionFallbackNotFound.
type LaunchLabProgram struct{}

// ID returns the LaunchLab program id.
func (LaunchLabProgram) ID() solana.PublicKey { return LaunchLabProgramID }

// LaunchLab custom errors. Numbering follows the declaration order of the
// program's error enum as published by third-party SDKs (UNVERIFIED).
var (
	llErrInvalidInput        = &ProgramError{Code: 6002, Name: "InvalidInput"}
	llErrExceededSlippage    = &ProgramError{Code: 6004, Name: "ExceededSlippage"}
	llErrPoolMigrated        = &ProgramError{Code: 6006, Name: "PoolMigrated"}
	llErrMathOverflow        = &ProgramError{Code: 6008, Name: "MathOverflow"}
	errAccountSysvarMismatch = &ProgramError{Code: 3015, Name: "AccountSysvarMismatch"}
)

const (
	llCUInit  = 60_000
	llCUTrade = 30_000
)

// Process dispatches on the Anchor discriminator.
func (LaunchLabProgram) Process(ic *InstructionContext) error {
	if len(ic.Data) < 8 {
		return &ProgramError{Code: 100, Name: "InstructionMissing"}
	}
	var disc [8]byte
	copy(disc[:], ic.Data[:8])
	r := &borshReader{b: ic.Data[8:]}
	switch disc {
	case llIxInitializeV2:
		ic.Log("Instruction: InitializeV2")
		return llInitializeV2(ic, r)
	case llIxBuyExactIn:
		ic.Log("Instruction: BuyExactIn")
		return llTrade(ic, r, true)
	case llIxSellExactIn:
		ic.Log("Instruction: SellExactIn")
		return llTrade(ic, r, false)
	}
	return errInstructionFallbackNotFound
}

type llInitArgs struct {
	decimals              uint8
	name, symbol, uri     string
	curveTag              uint8
	supply, sell, raise   uint64
	migrateType           uint8
	locked, cliff, unlock uint64
	ammFeeOn              uint8
}

func decodeLLInitArgs(r *borshReader) (llInitArgs, error) {
	a := llInitArgs{decimals: r.u8(), name: r.str(), symbol: r.str(), uri: r.str(), curveTag: r.u8()}
	if a.curveTag != 0 {
		// Fixed and Linear curves are not modelled.
		return a, llErrInvalidInput
	}
	a.supply, a.sell, a.raise, a.migrateType = r.u64(), r.u64(), r.u64(), r.u8()
	a.locked, a.cliff, a.unlock = r.u64(), r.u64(), r.u64()
	a.ammFeeOn = r.optU8()
	if r.err != nil {
		return a, errInstructionDidNotDeserialize
	}
	return a, nil
}

// llInitAccounts checks initialize_v2's 18 accounts.
func llInitAccounts(ic *InstructionContext) (*accountList, llGlobalConfig, error) {
	l, err := newAccountList(ic, 18)
	if err != nil {
		return nil, llGlobalConfig{}, err
	}
	l.signer(0)
	l.mut(0)
	gc := l.typed(2, LaunchLabProgramID, llGlobalConfigDisc)
	l.typed(3, LaunchLabProgramID, llPlatformDisc)
	l.pda(4, LaunchLabProgramID, []byte("vault_auth_seed"))
	if l.err != nil {
		return nil, llGlobalConfig{}, l.err
	}
	g := decodeLLGlobal(gc.Data)
	base, quote := l.at(6).Key, l.at(7).Key
	pool := l.mut(5).Key
	l.pda(5, LaunchLabProgramID, []byte("pool"), base[:], quote[:])
	l.signer(6)
	l.mut(6)
	l.address(7, g.quoteMint)
	l.mut(8)
	l.pda(8, LaunchLabProgramID, []byte("pool_vault"), pool[:], base[:])
	l.mut(9)
	l.pda(9, LaunchLabProgramID, []byte("pool_vault"), pool[:], quote[:])
	l.mut(10)
	l.pda(10, MetaplexProgramID, []byte("metadata"), MetaplexProgramID[:], base[:])
	l.program(11, solana.TokenProgramID)
	if q := l.at(7); q.Account == nil || q.Owner != l.at(12).Key || !isTokenProgram(q.Owner) {
		l.fail(errInvalidProgramID)
	}
	l.program(13, MetaplexProgramID)
	l.program(14, solana.SystemProgramID)
	if l.at(15).Key != solana.SysVarRentPubkey {
		l.fail(errAccountSysvarMismatch)
	}
	l.pda(16, LaunchLabProgramID, []byte("__event_authority"))
	l.address(17, LaunchLabProgramID)
	return l, g, l.err
}

// validate checks the curve parameters against the global config minimums.
func (a *llInitArgs) validate(g *llGlobalConfig) (vBase, vQuote uint64, err error) {
	if a.supply < g.minBaseSupply || a.raise < g.minQuoteFundRaising || a.supply == 0 {
		return 0, 0, llErrInvalidInput
	}
	if sellRate, _ := mulDiv(a.sell, llRateDenominator, a.supply); sellRate < g.minBaseSellRate {
		return 0, 0, llErrInvalidInput
	}
	if lockRate, _ := mulDiv(a.locked, llRateDenominator, a.supply); lockRate > g.maxLockRate {
		return 0, 0, llErrInvalidInput
	}
	vBase, vQuote, ok := llInitReserves(a.supply, a.sell, a.raise, g.migrateFee, a.locked)
	if !ok {
		return 0, 0, llErrInvalidInput
	}
	return vBase, vQuote, nil
}

func llInitializeV2(ic *InstructionContext, r *borshReader) error {
	if err := ic.ConsumeCU(llCUInit); err != nil {
		return err
	}
	l, g, err := llInitAccounts(ic)
	if err != nil {
		return err
	}
	a, err := decodeLLInitArgs(r)
	if err != nil {
		return err
	}
	vBase, vQuote, err := a.validate(&g)
	if err != nil {
		return err
	}
	payer, pool, base, quote := l.at(0).Key, l.at(5).Key, l.at(6).Key, l.at(7).Key
	if err := llCreateMintAndVaults(ic, l, &a); err != nil {
		return err
	}
	if err := llCreateMetadata(ic, payer, base, l.at(10).Key, &a); err != nil {
		return err
	}
	auth := []byte("vault_auth_seed")
	if err := cpiMintTo(ic, solana.TokenProgramID, base, l.at(8).Key, llAuthority, a.supply, auth); err != nil {
		return err
	}
	if err := cpiRevokeMintAuthority(ic, solana.TokenProgramID, base, llAuthority, auth); err != nil {
		return err
	}
	if err := cpiCreateAccount(ic, payer, pool, llPoolSize, LaunchLabProgramID, []byte("pool"), base[:], quote[:]); err != nil {
		return err
	}
	ref, _ := ic.Lookup(pool)
	ref.Data = llNewPoolData(l, &a, vBase, vQuote, mintDecimals(l.at(7)))
	w := &borshWriter{}
	w.raw(llPoolCreateDisc[:]).key(pool).key(l.at(1).Key).key(l.at(2).Key)
	w.u8(a.decimals).str(a.name).str(a.symbol).str(a.uri).u8(0).u64(a.supply).u64(a.sell).u64(a.raise).u8(a.migrateType)
	w.u64(a.locked).u64(a.cliff).u64(a.unlock)
	ic.EmitEvent(w.b)
	return nil
}

// llCreateMintAndVaults creates the base mint (authority: the vault
// authority PDA) and the two pool vaults.
func llCreateMintAndVaults(ic *InstructionContext, l *accountList, a *llInitArgs) error {
	payer, pool, base, quote := l.at(0).Key, l.at(5).Key, l.at(6).Key, l.at(7).Key
	if err := cpiCreateAccount(ic, payer, base, llMintSize, solana.TokenProgramID); err != nil {
		return err
	}
	if err := cpiInitializeMint2(ic, solana.TokenProgramID, base, a.decimals, llAuthority); err != nil {
		return err
	}
	for _, v := range []struct {
		vault, mint, program solana.PublicKey
	}{{l.at(8).Key, base, solana.TokenProgramID}, {l.at(9).Key, quote, l.at(12).Key}} {
		if err := cpiCreateAccount(ic, payer, v.vault, llTokenAcctSize, v.program, []byte("pool_vault"), pool[:], v.mint[:]); err != nil {
			return err
		}
		if err := cpiInitializeAccount3(ic, v.program, v.vault, v.mint, llAuthority); err != nil {
			return err
		}
	}
	return nil
}

// llCreateMetadata CPIs Metaplex CreateMetadataAccountV3 with the vault
// authority as mint and update authority (update authority UNVERIFIED).
func llCreateMetadata(ic *InstructionContext, payer, mint, metadata solana.PublicKey, a *llInitArgs) error {
	w := &borshWriter{}
	w.u8(mplCreateMetadataV3).str(a.name).str(a.symbol).str(a.uri).u16(0)
	w.u8(0).u8(0).u8(0) // creators, collection, uses: None
	w.u8(0).u8(0)       // is_mutable false, collection_details None
	ix := solana.NewInstruction(MetaplexProgramID, solana.AccountMetaSlice{
		meta(metadata, true, false), meta(mint, false, false), meta(llAuthority, false, true),
		meta(payer, true, true), meta(llAuthority, false, false), meta(solana.SystemProgramID, false, false),
		meta(solana.SysVarRentPubkey, false, false),
	}, w.b)
	if err := ic.Invoke(ix, [][]byte{[]byte("vault_auth_seed")}); err != nil {
		return err
	}
	return nil
}

// llNewPoolData lays out a fresh PoolState (429 bytes).
func llNewPoolData(l *accountList, a *llInitArgs, vBase, vQuote uint64, quoteDecimals uint8) []byte {
	w := &borshWriter{b: make([]byte, 0, llPoolSize)}
	w.raw(llPoolStateDisc[:]).u64(0).u8(llAuthBump).u8(0).u8(a.decimals).u8(quoteDecimals).u8(a.migrateType)
	w.u64(a.supply).u64(a.sell).u64(vBase).u64(vQuote).u64(0).u64(0).u64(a.raise)
	w.u64(0).u64(0).u64(0)                                   // quote_protocol_fee, platform_fee, migrate_fee
	w.u64(a.locked).u64(a.cliff).u64(a.unlock).u64(0).u64(0) // vesting: start_time, allocated_share
	w.key(l.at(2).Key).key(l.at(3).Key).key(l.at(6).Key).key(l.at(7).Key)
	w.key(l.at(8).Key).key(l.at(9).Key).key(l.at(1).Key)
	w.u8(0).u8(a.ammFeeOn).u64(0) // mint_program_flag, cpmm_creator_fee_on, platform_vesting_share
	return append(w.b, make([]byte, llPoolSize-len(w.b))...)
}
