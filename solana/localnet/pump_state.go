package localnet

import (
	"encoding/binary"
	"math/big"

	"github.com/gagliardetto/solana-go"
)

// pump.fun program identities, PDA seeds and account layouts
//.

var (
	// PumpProgramID is the pump.fun bonding-curve program.
	PumpProgramID = solana.MustPublicKeyFromBase58("6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P")
	// PumpFeeProgramID is the pump fees program owning FeeConfig.
	PumpFeeProgramID = solana.MustPublicKeyFromBase58("pfeeUxB6jkeY1Hxd7CsFCAjcbHA9rWtchMGdZ6VojVZ")
	// PumpMayhemProgramID is the mayhem program create_v2 passes along.
	PumpMayhemProgramID = solana.MustPublicKeyFromBase58("MAyhSmzXzV1pTf7LsNkrNwkWKTo4ougAJ1PPg47MD4e")
)

var (
	pumpGlobalKey, _       = findPDA(PumpProgramID, []byte("global"))
	pumpMintAuthority, _   = findPDA(PumpProgramID, []byte("mint-authority"))
	pumpEventAuthority, _  = findPDA(PumpProgramID, []byte("__event_authority"))
	pumpGlobalVolumeAcc, _ = findPDA(PumpProgramID, []byte("global_volume_accumulator"))
	pumpFeeConfigKey, _    = findPDA(PumpFeeProgramID, []byte("fee_config"), PumpProgramID[:])
	mayhemGlobalParams, _  = findPDA(PumpMayhemProgramID, []byte("global-params"))
	mayhemSolVault, _      = findPDA(PumpMayhemProgramID, []byte("sol-vault"))
)

// Account and instruction discriminators.
var (
	pumpGlobalDisc       = anchorDisc("account", "Global")
	pumpCurveDisc        = anchorDisc("account", "BondingCurve")
	pumpFeeConfigDisc    = anchorDisc("account", "FeeConfig")
	pumpGlobalVolumeDisc = anchorDisc("account", "GlobalVolumeAccumulator")
	pumpUserVolumeDisc   = anchorDisc("account", "UserVolumeAccumulator")

	pumpIxCreateV2      = anchorDisc("global", "create_v2")
	pumpIxCreate        = anchorDisc("global", "create")
	pumpIxBuy           = anchorDisc("global", "buy")
	pumpIxBuyExactSolIn = anchorDisc("global", "buy_exact_sol_in")
	pumpIxSell          = anchorDisc("global", "sell")
	pumpIxExtendAccount = anchorDisc("global", "extend_account")

	pumpTradeEventDisc    = anchorDisc("event", "TradeEvent")
	pumpCreateEventDisc   = anchorDisc("event", "CreateEvent")
	pumpCompleteEventDisc = anchorDisc("event", "CompleteEvent")
	pumpExtendEventDisc   = anchorDisc("event", "ExtendAccountEvent")
)

// Account sizes the model creates. The curve size is SDK 2.0.0's
// BONDING_CURVE_NEW_SIZE; Global is the 2026-10-10 mainnet size.
const (
	pumpGlobalSize       = 1088
	pumpCurveSize        = 151
	pumpUserVolumeSize   = 137
	pumpGlobalVolumeSize = 544
	pumpFeeConfigSize    = 4097
	pumpTokenDecimals    = 6
)

// pumpGlobal is the subset of Global the handlers read.
type pumpGlobal struct {
	initialized           bool
	feeRecipient          solana.PublicKey
	initVirtualToken      uint64
	initVirtualSol        uint64
	initRealToken         uint64
	tokenTotalSupply      uint64
	feeRecipients         [7]solana.PublicKey
	createV2Enabled       bool
	reservedFeeRecipient  solana.PublicKey
	mayhemModeEnabled     bool
	reservedFeeRecipients [7]solana.PublicKey
	buybackFeeRecipients  [8]solana.PublicKey
	buybackBasisPoints    uint64
}

func decodePumpGlobal(b []byte) pumpGlobal {
	g := pumpGlobal{
		initialized:          len(b) > 8 && b[8] == 1,
		feeRecipient:         keyAt(b, 41),
		initVirtualToken:     le64(b, 73),
		initVirtualSol:       le64(b, 81),
		initRealToken:        le64(b, 89),
		tokenTotalSupply:     le64(b, 97),
		createV2Enabled:      len(b) > 450 && b[450] == 1,
		reservedFeeRecipient: keyAt(b, 483),
		mayhemModeEnabled:    len(b) > 515 && b[515] == 1,
		buybackBasisPoints:   le64(b, 997),
	}
	for i := range g.feeRecipients {
		g.feeRecipients[i] = keyAt(b, 162+32*i)
		g.reservedFeeRecipients[i] = keyAt(b, 516+32*i)
	}
	for i := range g.buybackFeeRecipients {
		g.buybackFeeRecipients[i] = keyAt(b, 741+32*i)
	}
	return g
}

// isFeeRecipient reports whether k may receive the protocol fee of a coin.
func (g *pumpGlobal) isFeeRecipient(k solana.PublicKey, mayhem bool) bool {
	main, list := g.feeRecipient, g.feeRecipients
	if mayhem {
		main, list = g.reservedFeeRecipient, g.reservedFeeRecipients
	}
	if k == main {
		return true
	}
	for _, r := range list {
		if r == k && !r.IsZero() {
			return true
		}
	}
	return false
}

func (g *pumpGlobal) isBuybackRecipient(k solana.PublicKey) bool {
	for _, r := range g.buybackFeeRecipients {
		if r == k && !r.IsZero() {
			return true
		}
	}
	return false
}

// pumpCurve is a BondingCurve account; short (old) accounts decode with the
// missing fields as zero.
type pumpCurve struct {
	virtualToken, virtualSol, realToken, realSol, totalSupply uint64
	complete                                                  bool
	creator                                                   solana.PublicKey
	mayhem                                                    bool
	cashback                                                  bool
}

func decodePumpCurve(b []byte) pumpCurve {
	return pumpCurve{
		virtualToken: le64(b, 8), virtualSol: le64(b, 16), realToken: le64(b, 24), realSol: le64(b, 32),
		totalSupply: le64(b, 40),
		complete:    len(b) > 48 && b[48] == 1,
		creator:     keyAt(b, 49),
		mayhem:      len(b) > 81 && b[81] == 1,
		cashback:    len(b) > 82 && b[82] == 1,
	}
}

// putReserves writes the moving fields back (the account is >= 49 bytes).
func (c *pumpCurve) putReserves(b []byte) {
	put64(b, 8, c.virtualToken)
	put64(b, 16, c.virtualSol)
	put64(b, 24, c.realToken)
	put64(b, 32, c.realSol)
	if c.complete {
		b[48] = 1
	}
}

// pumpFees is one fee schedule (basis points).
type pumpFees struct{ lp, protocol, creator uint64 }

// pumpFeeTier is a FeeConfig tier; the threshold is a u128 market cap.
type pumpFeeTier struct {
	threshold *big.Int
	fees      pumpFees
}

// decodeFeeTiers reads FeeConfig.flat_fees and fee_tiers.
func decodeFeeTiers(b []byte) (pumpFees, []pumpFeeTier) {
	flat := pumpFees{le64(b, 41), le64(b, 49), le64(b, 57)}
	if len(b) < 69 {
		return flat, nil
	}
	n := int(binary.LittleEndian.Uint32(b[65:]))
	var tiers []pumpFeeTier
	for i, off := 0, 69; i < n && off+40 <= len(b); i, off = i+1, off+40 {
		lo, hi := le64(b, off), le64(b, off+8)
		th := new(big.Int).Lsh(new(big.Int).SetUint64(hi), 64)
		th.Or(th, new(big.Int).SetUint64(lo))
		tiers = append(tiers, pumpFeeTier{th, pumpFees{le64(b, off+16), le64(b, off+24), le64(b, off+32)}})
	}
	return flat, tiers
}

// selectPumpFees picks the tier for the curve's market cap
// (virtual_quote × supply / virtual_token): the last tier whose threshold is
// <= the market cap, the first tier below every threshold, flat without tiers.
func selectPumpFees(feeConfig []byte, c *pumpCurve) pumpFees {
	flat, tiers := decodeFeeTiers(feeConfig)
	if len(tiers) == 0 || c.virtualToken == 0 {
		return flat
	}
	mcap := new(big.Int).SetUint64(c.virtualSol)
	mcap.Mul(mcap, new(big.Int).SetUint64(c.totalSupply))
	mcap.Quo(mcap, new(big.Int).SetUint64(c.virtualToken))
	chosen := tiers[0].fees
	for _, t := range tiers {
		if t.threshold.Cmp(mcap) <= 0 {
			chosen = t.fees
		}
	}
	return chosen
}
