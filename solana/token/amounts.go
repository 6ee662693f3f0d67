package token

import "math/bits"

// Rent constants of mainnet (lamports per byte-year 3480, exemption threshold two
// years, 128 bytes of account metadata), used to size wallet funding.
const (
	rentPerByteYear  = 3480
	rentExemptYears  = 2
	accountOverhead  = 128
	LamportsPerSOL   = 1_000_000_000
	BasisPointsWhole = 10_000
)

// RentExemptMinimum is the lamports an account of dataLen bytes must hold to be
// rent-exempt: (dataLen + 128) × 3480 × 2. A Token-2022 ATA (170 bytes) needs
// 2 074 080 (0.00207408 SOL).
func RentExemptMinimum(dataLen uint64) uint64 {
	return (dataLen + accountOverhead) * rentPerByteYear * rentExemptYears
}

// PortionBps is floor(balance × bps / 10000), the amount to sell for a percentage
// given in basis points; 10000 (100%) and above return the whole balance exactly so
// the account can be closed afterwards.
func PortionBps(balance, bps uint64) uint64 {
	if bps >= BasisPointsWhole {
		return balance
	}
	hi, lo := bits.Mul64(balance, bps)
	q, _ := bits.Div64(hi, lo, BasisPointsWhole) // hi < 10000 because bps < 10000
	return q
}
