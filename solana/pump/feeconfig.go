package pump

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/gagliardetto/solana-go"
)

// Fees is one fee schedule of the pump fees program, in basis points.
type Fees struct {
	LPBps       uint64 // AMM only; not charged on the curve
	ProtocolBps uint64
	CreatorBps  uint64
}

// FeeTier applies Fees from a market cap (lamports) upwards.
type FeeTier struct {
	// MarketCapThreshold is a u128 on chain; values above 2^64-1 (meaningless for
	// lamports) saturate, which keeps the tier order.
	MarketCapThreshold uint64
	Fees               Fees
}

// FeeConfig is the pump fees program's market-cap tiered fee account.
type FeeConfig struct {
	Bump           uint8
	Admin          solana.PublicKey
	FlatFees       Fees
	FeeTiers       []FeeTier // SOL-quoted curves
	StableFeeTiers []FeeTier // stable-coin quotes (USDC)
	ExoticFlatFees Fees      // other quotes
}

// DecodeFeeConfig decodes FeeConfig; vector lengths are bounded by the data, so
// hostile input yields an error, not a huge allocation.
func DecodeFeeConfig(data []byte) (FeeConfig, error) {
	if err := checkAccount(data, DiscFeeConfig, 65+4, "fee config"); err != nil {
		return FeeConfig{}, err
	}
	fc := FeeConfig{Bump: data[8]}
	copy(fc.Admin[:], data[9:41])
	fc.FlatFees = readFees(data[41:65])
	off := 65
	var err error
	if fc.FeeTiers, off, err = readTiers(data, off); err != nil {
		return FeeConfig{}, fmt.Errorf("decode fee config: fee tiers: %w", err)
	}
	if fc.StableFeeTiers, off, err = readTiers(data, off); err != nil {
		return FeeConfig{}, fmt.Errorf("decode fee config: stable tiers: %w", err)
	}
	if off+24 > len(data) {
		return FeeConfig{}, fmt.Errorf("decode fee config: exotic fees truncated: %w", ErrInvalidAccount)
	}
	fc.ExoticFlatFees = readFees(data[off : off+24])
	return fc, nil
}

func readFees(b []byte) Fees {
	return Fees{
		LPBps:       binary.LittleEndian.Uint64(b[0:]),
		ProtocolBps: binary.LittleEndian.Uint64(b[8:]),
		CreatorBps:  binary.LittleEndian.Uint64(b[16:]),
	}
}

func readTiers(data []byte, off int) ([]FeeTier, int, error) {
	if off+4 > len(data) {
		return nil, 0, fmt.Errorf("length prefix truncated: %w", ErrInvalidAccount)
	}
	n := int(binary.LittleEndian.Uint32(data[off:]))
	off += 4
	if n > (len(data)-off)/feeTierSize {
		return nil, 0, fmt.Errorf("%d tiers do not fit: %w", n, ErrInvalidAccount)
	}
	tiers := make([]FeeTier, n)
	for i := range tiers {
		lo := binary.LittleEndian.Uint64(data[off:])
		if binary.LittleEndian.Uint64(data[off+8:]) != 0 {
			lo = math.MaxUint64
		}
		tiers[i] = FeeTier{MarketCapThreshold: lo, Fees: readFees(data[off+16 : off+40])}
		off += feeTierSize
	}
	return tiers, off, nil
}

// EncodeFeeConfig lays out fc in a 4097-byte account (longer if the tiers need it).
func EncodeFeeConfig(fc FeeConfig) []byte {
	size := 65 + 8 + feeTierSize*(len(fc.FeeTiers)+len(fc.StableFeeTiers)) + 24
	buf := make([]byte, max(size, FeeConfigSize))
	copy(buf, DiscFeeConfig[:])
	buf[8] = fc.Bump
	copy(buf[9:41], fc.Admin[:])
	putFees(buf[41:], fc.FlatFees)
	off := 65
	for _, tiers := range [][]FeeTier{fc.FeeTiers, fc.StableFeeTiers} {
		binary.LittleEndian.PutUint32(buf[off:], uint32(len(tiers)))
		off += 4
		for _, t := range tiers {
			binary.LittleEndian.PutUint64(buf[off:], t.MarketCapThreshold)
			putFees(buf[off+16:], t.Fees)
			off += feeTierSize
		}
	}
	putFees(buf[off:], fc.ExoticFlatFees)
	return buf
}

func putFees(b []byte, f Fees) {
	binary.LittleEndian.PutUint64(b[0:], f.LPBps)
	binary.LittleEndian.PutUint64(b[8:], f.ProtocolBps)
	binary.LittleEndian.PutUint64(b[16:], f.CreatorBps)
}

// FeeBps are the two fees the curve charges on a trade, in basis points.
type FeeBps struct {
	Protocol uint64
	Creator  uint64
}

// For selects the fees for a trade on c: the tier list for the curve's quote, the
// highest tier whose threshold ≤ market cap (the first tier below all thresholds),
// and no creator fee when the curve has no creator.
func (fc *FeeConfig) For(c BondingCurve) FeeBps {
	tiers := fc.FeeTiers
	flat := fc.FlatFees
	switch {
	case c.QuoteMint.IsZero() || c.QuoteMint == wsolMint:
	case c.QuoteMint == USDCMint:
		tiers = fc.StableFeeTiers
	default:
		tiers, flat = nil, fc.ExoticFlatFees
	}
	f := flat
	if len(tiers) > 0 {
		f = selectTier(tiers, c.MarketCapLamports())
	}
	return creatorRule(FeeBps{Protocol: f.ProtocolBps, Creator: f.CreatorBps}, c)
}

func selectTier(tiers []FeeTier, mcap uint64) Fees {
	for i := len(tiers) - 1; i >= 0; i-- {
		if mcap >= tiers[i].MarketCapThreshold {
			return tiers[i].Fees
		}
	}
	return tiers[0].Fees
}

// Fees are Global's fallback fees, used only when no FeeConfig is available.
func (g *Global) Fees(c BondingCurve) FeeBps {
	return creatorRule(FeeBps{Protocol: g.FeeBasisPoints, Creator: g.CreatorFeeBasisPoints}, c)
}

func creatorRule(f FeeBps, c BondingCurve) FeeBps {
	if c.Creator.IsZero() {
		f.Creator = 0
	}
	return f
}
