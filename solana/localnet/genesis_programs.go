package localnet

import (
	"bytes"
	_ "embed"
	"encoding/binary"

	"github.com/gagliardetto/solana-go"
)

// Genesis for the launchpad models: the programs and the mainnet accounts
// they read. pump's Global and FeeConfig are the mainnet accounts themselves,
// captured at slot 454,622,338 (genesis/pump_global.bin, genesis/pump_fee_config.bin:
// data, owner and lamports as mainnet-beta served them). The others
// (GlobalVolumeAccumulator, the mayhem PDAs, LaunchLab's GlobalConfig and letsbonk's
// PlatformConfig, the fee recipients' system accounts) are built here from their
// documented layouts and values, not captured: see the README's genesis table.

func mustKeys(s ...string) []solana.PublicKey {
	out := make([]solana.PublicKey, len(s))
	for i, v := range s {
		out[i] = solana.MustPublicKeyFromBase58(v)
	}
	return out
}

// Mainnet fee recipient lists. The first normal recipient is
// Global.fee_recipient, the first reserved one Global.reserved_fee_recipient.
var (
	PumpFeeRecipients = mustKeys(
		"62qc2CNXwrYqQScmEdiZFFAnJR262PxWEuNQtxfafNgV", "7VtfL8fvgNfhz17qKRMjzQEXgbdpnHHHQRh54R9jP2RJ",
		"7hTckgnGnLQR6sdH7YkqFTAA7VwTfYFaZ6EhEsU3saCX", "9rPYyANsfQZw3DnDmKE3YCQF5E8oD89UXoHn9JFEhJUz",
		"AVmoTthdrX6tKt4nDjco2D775W2YK3sDhxPcMmzUAmTY", "CebN5WGQ4jvEPvsVU4EoHEpgzq1VV7AbicfhtW4xC9iM",
		"FWsW1xNtWscwNmKv6wVsU1iTzRN6wmmk3MjxRP5tT7hz", "G5UZAVbAf46s7cKWoyKu8kYTip9DGTpbLZ2qa9Aq69dP")
	PumpReservedFeeRecipients = mustKeys(
		"GesfTA3X2arioaHp8bbKdjG9vJtskViWACZoYvxp4twS", "4budycTjhs9fD6xw62VBducVTNgMgJJ5BgtKq7mAZwn6",
		"8SBKzEQU4nLSzcwF4a74F2iaUDQyTfjGndn6qUWBnrpR", "4UQeTP1T39KZ9Sfxzo3WR5skgsaP6NZa87BAkuazLEKH",
		"8sNeir4QsLsJdYpc9RZacohhK1Y5FLU3nC5LXgYB4aa6", "Fh9HmeLNUMVCvejxCtCL2DbYaRyBFVJ5xrWkLnMH6fdk",
		"463MEnMeGyJekNZFQSTUABBEbLnvMTALbT6ZmsxAbAdq", "6AUH3WEHucYZyC61hqpqYUWVto5qA5hjHuNQ32GNnNxA")
	PumpBuybackFeeRecipients = mustKeys(
		"5YxQFdt3Tr9zJLvkFccqXVUwhdTWJQc1fFg2YPbxvxeD", "9M4giFFMxmFGXtc3feFzRai56WbBqehoSeRE5GK7gf7",
		"GXPFM2caqTtQYC2cJ5yJRi9VDkpsYZXzYdwYpGnLmtDL", "3BpXnfJaUTiwXnJNe7Ej1rcbzqTTQUvLShZaWazebsVR",
		"5cjcW9wExnJJiqgLjq7DEG75Pm6JBgE1hNv4B2vHXUW6", "EHAAiTxcdDwQ3U4bU6YcMsQGaekdzLS3B5SmYo46kJtL",
		"5eHhjP8JaYkz83CWwvGU2uMUXefd3AazWGx4gpcuEEYD", "A7hAgCzFw14fejgCp387JUJRMNyz4j89JKnhtKU8piqW")
)

// installLaunchpads registers the pump, LaunchLab and Metaplex models (and
// inert stand-ins for the pump fees and mayhem programs, which the modelled
// instructions only pass along) and writes their genesis accounts.
func installLaunchpads(b *Bank) error {
	for _, p := range []Program{PumpProgram{}, LaunchLabProgram{}, MetaplexProgram{},
		inertProgram{PumpFeeProgramID}, inertProgram{PumpMayhemProgramID}} {
		b.RegisterProgram(p)
	}
	set := func(k solana.PublicKey, owner solana.PublicKey, data []byte) {
		b.SetAccount(k, Account{Lamports: RentExemptMinimum(len(data)), Owner: owner, Data: data})
	}
	b.SetAccount(pumpGlobalKey, Account{Lamports: pumpGlobalLamports, Owner: PumpProgramID, Data: PumpGlobalData()})
	b.SetAccount(pumpFeeConfigKey, Account{Lamports: pumpFeeConfigLamports, Owner: PumpFeeProgramID, Data: pumpFeeConfigData()})
	set(pumpGlobalVolumeAcc, PumpProgramID, pumpGlobalVolumeData())
	set(mayhemGlobalParams, PumpMayhemProgramID, nil)
	// Recipients receive small credits; keep them rent-exempt from genesis.
	for _, list := range [][]solana.PublicKey{PumpFeeRecipients, PumpReservedFeeRecipients, PumpBuybackFeeRecipients, {mayhemSolVault}} {
		for _, k := range list {
			set(k, solana.SystemProgramID, nil)
		}
	}
	set(LaunchLabGlobalConfigKey, LaunchLabProgramID, LaunchLabGlobalConfigData())
	set(LetsBonkPlatformConfigKey, LaunchLabProgramID, LaunchLabPlatformConfigData(LetsBonkPlatformAdmin, 10_000, 0))
	if _, ok := b.GetAccount(solana.SolMint); !ok {
		set(solana.SolMint, solana.TokenProgramID, nativeMintData())
	}
	return nil
}

// inertProgram is an executable account whose instructions are not modelled.
type inertProgram struct{ id solana.PublicKey }

func (p inertProgram) ID() solana.PublicKey              { return p.id }
func (p inertProgram) Process(*InstructionContext) error { return ErrInvalidInstructionData }

// The captured mainnet accounts and their balances at the capture.
var (
	//go:embed genesis/pump_global.bin
	pumpGlobalCaptured []byte
	//go:embed genesis/pump_fee_config.bin
	pumpFeeConfigCaptured []byte
)

const (
	pumpGlobalLamports    = 4_089_842_911
	pumpFeeConfigLamports = 37_292_293
)

// PumpGlobalData is the mainnet Global account (1088 bytes, slot 454,622,338).
func PumpGlobalData() []byte { return bytes.Clone(pumpGlobalCaptured) }

// pumpFeeConfigData is the mainnet FeeConfig account (4097 bytes, slot 454,622,338).
func pumpFeeConfigData() []byte { return bytes.Clone(pumpFeeConfigCaptured) }

// pumpGlobalVolumeData is a GlobalVolumeAccumulator with no incentive
// schedule (layout UNVERIFIED: times, seconds_in_a_day, mint, 2×[u64;30]).
func pumpGlobalVolumeData() []byte {
	w := &borshWriter{b: make([]byte, 0, pumpGlobalVolumeSize)}
	w.raw(pumpGlobalVolumeDisc[:]).i64(0).i64(0).i64(86_400)
	return append(w.b, make([]byte, pumpGlobalVolumeSize-len(w.b))...)
}

// LaunchLab genesis keys.
var (
	LaunchLabGlobalConfigKey  = mustPDA(LaunchLabProgramID, []byte("global_config"), solana.SolMint[:], []byte{0}, []byte{0, 0})
	LetsBonkPlatformConfigKey = mustPDA(LaunchLabProgramID, []byte("platform_config"), LetsBonkPlatformAdmin[:])
)

// LaunchLabGlobalConfigData is the WSOL constant-product GlobalConfig:
// trade fee 0.25%, migrate fee 0, max share 1%, min raise 30 SOL as
// recorded; the other minimums were not recorded and are set permissively
// (UNVERIFIED): min supply 10 000 000, max lock 30%, min sell/migrate 20%.
func LaunchLabGlobalConfigData() []byte {
	w := &borshWriter{b: make([]byte, 0, llGlobalSize)}
	w.raw(llGlobalConfigDisc[:]).u64(0).u8(0).u16(0)
	w.u64(0).u64(2500).u64(10_000).u64(10_000_000).u64(300_000).u64(200_000).u64(200_000).u64(30_000_000_000)
	w.key(solana.SolMint).key(RaydiumProtocolFeeOwner)
	return append(w.b, make([]byte, llGlobalSize-len(w.b))...)
}

// LaunchLabPlatformConfigData is a PlatformConfig owned by admin with the
// given fee rates (millionths). letsbonk's real rates were not observed;
// genesis uses 1% platform, 0% creator (UNVERIFIED), matching the
// worked fee example of the tests (R = 1.25%).
func LaunchLabPlatformConfigData(admin solana.PublicKey, feeRate, creatorFeeRate uint64) []byte {
	b := make([]byte, llPlatformSize)
	copy(b, llPlatformDisc[:])
	copy(b[16:], admin[:]) // platform_fee_wallet
	copy(b[48:], admin[:]) // platform_nft_wallet
	put64(b, 104, feeRate)
	copy(b[112:], "bonk")
	put64(b, 720, creatorFeeRate)
	return b
}

// nativeMintData is the SPL Token native mint (no authority, 9 decimals).
func nativeMintData() []byte {
	b := make([]byte, llMintSize)
	binary.LittleEndian.PutUint32(b, 0)
	b[44], b[45] = 9, 1
	return b
}
