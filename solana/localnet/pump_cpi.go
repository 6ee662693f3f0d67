package localnet

import (
	"encoding/binary"
	"fmt"

	"github.com/gagliardetto/solana-go"
)

// CPI builders shared by the modelled programs. They hand-encode the System,
// SPL Token / Token-2022 and ATA instructions the real programs invoke, so the
// bank's own models of those programs do the work (and enforce their rules).

func meta(k solana.PublicKey, writable, signer bool) *solana.AccountMeta {
	return &solana.AccountMeta{PublicKey: k, IsWritable: writable, IsSigner: signer}
}

// seedsOf wraps one PDA seed set for Invoke (nil when no PDA signs).
func seedsOf(seeds ...[]byte) [][][]byte {
	if len(seeds) == 0 {
		return nil
	}
	return [][][]byte{seeds}
}

// cpiTransfer moves lamports with System Transfer (from must be system-owned).
func cpiTransfer(ic *InstructionContext, from, to solana.PublicKey, lamports uint64, fromSeeds ...[]byte) error {
	if lamports == 0 {
		return nil
	}
	data := binary.LittleEndian.AppendUint32(nil, 2)
	data = binary.LittleEndian.AppendUint64(data, lamports)
	ix := solana.NewInstruction(solana.SystemProgramID,
		solana.AccountMetaSlice{meta(from, true, true), meta(to, true, false)}, data)
	if err := ic.Invoke(ix, seedsOf(fromSeeds...)...); err != nil {
		return fmt.Errorf("system transfer: %w", err)
	}
	return nil
}

// cpiCreateAccount creates newAcc (space bytes, owned by owner) funded by
// payer. newSeeds signs for a PDA; a keypair account must sign the tx itself.
// As Anchor's init does, an address that already holds lamports is topped
// up, allocated and assigned instead (CreateAccount would fail on it).
func cpiCreateAccount(ic *InstructionContext, payer, newAcc solana.PublicKey, space uint64, owner solana.PublicKey, newSeeds ...[]byte) error {
	return cpiCreateAccountFunded(ic, payer, newAcc, RentExemptMinimum(int(space)), space, owner, newSeeds...)
}

// cpiCreateAccountFunded is cpiCreateAccount with an explicit balance (a
// Token-2022 mint is funded for the size its metadata will grow to).
func cpiCreateAccountFunded(ic *InstructionContext, payer, newAcc solana.PublicKey, need, space uint64, owner solana.PublicKey, newSeeds ...[]byte) error {
	cur := uint64(0)
	if ref, ok := ic.Lookup(newAcc); ok && ref.Account != nil {
		cur = ref.Lamports
	}
	if cur == 0 {
		data := binary.LittleEndian.AppendUint32(nil, 0)
		data = binary.LittleEndian.AppendUint64(data, need)
		data = binary.LittleEndian.AppendUint64(data, space)
		data = append(data, owner[:]...)
		return invokeSystem(ic, data, []*solana.AccountMeta{meta(payer, true, true), meta(newAcc, true, true)}, newSeeds)
	}
	if cur < need {
		if err := cpiTransfer(ic, payer, newAcc, need-cur); err != nil {
			return err
		}
	}
	alloc := binary.LittleEndian.AppendUint32(nil, 8)
	alloc = binary.LittleEndian.AppendUint64(alloc, space)
	if err := invokeSystem(ic, alloc, []*solana.AccountMeta{meta(newAcc, true, true)}, newSeeds); err != nil {
		return err
	}
	assign := append(binary.LittleEndian.AppendUint32(nil, 1), owner[:]...)
	return invokeSystem(ic, assign, []*solana.AccountMeta{meta(newAcc, true, true)}, newSeeds)
}

func invokeSystem(ic *InstructionContext, data []byte, metas []*solana.AccountMeta, seeds [][]byte) error {
	ix := solana.NewInstruction(solana.SystemProgramID, metas, data)
	var err error
	if len(seeds) > 0 {
		err = ic.Invoke(ix, seeds)
	} else {
		err = ic.Invoke(ix)
	}
	if err != nil {
		return fmt.Errorf("system program: %w", err)
	}
	return nil
}

// cpiToken invokes a token program instruction.
func cpiToken(ic *InstructionContext, program solana.PublicKey, data []byte, metas []*solana.AccountMeta, seeds ...[]byte) error {
	ix := solana.NewInstruction(program, metas, data)
	if err := ic.Invoke(ix, seedsOf(seeds...)...); err != nil {
		return fmt.Errorf("token ix %d: %w", data[0], err)
	}
	return nil
}

// cpiTransferChecked moves tokens (TransferChecked, ix 12).
func cpiTransferChecked(ic *InstructionContext, program, src, mint, dst, auth solana.PublicKey, amount uint64, decimals uint8, seeds ...[]byte) error {
	data := binary.LittleEndian.AppendUint64([]byte{12}, amount)
	data = append(data, decimals)
	return cpiToken(ic, program, data, []*solana.AccountMeta{
		meta(src, true, false), meta(mint, false, false), meta(dst, true, false), meta(auth, false, true),
	}, seeds...)
}

// cpiMintTo mints amount to dst (MintTo, ix 7).
func cpiMintTo(ic *InstructionContext, program, mint, dst, auth solana.PublicKey, amount uint64, seeds ...[]byte) error {
	data := binary.LittleEndian.AppendUint64([]byte{7}, amount)
	return cpiToken(ic, program, data, []*solana.AccountMeta{
		meta(mint, true, false), meta(dst, true, false), meta(auth, false, true),
	}, seeds...)
}

// cpiRevokeMintAuthority sets the mint authority to None (SetAuthority, ix 6).
func cpiRevokeMintAuthority(ic *InstructionContext, program, mint, auth solana.PublicKey, seeds ...[]byte) error {
	return cpiToken(ic, program, []byte{6, 0, 0}, []*solana.AccountMeta{
		meta(mint, true, false), meta(auth, false, true),
	}, seeds...)
}

// cpiInitializeMint2 initialises a mint with no freeze authority (ix 20).
func cpiInitializeMint2(ic *InstructionContext, program, mint solana.PublicKey, decimals uint8, authority solana.PublicKey) error {
	data := append([]byte{20, decimals}, authority[:]...)
	data = append(data, 0)
	return cpiToken(ic, program, data, []*solana.AccountMeta{meta(mint, true, false)})
}

// cpiInitializeAccount3 initialises a token account for owner (ix 18).
func cpiInitializeAccount3(ic *InstructionContext, program, account, mint, owner solana.PublicKey) error {
	data := append([]byte{18}, owner[:]...)
	return cpiToken(ic, program, data, []*solana.AccountMeta{meta(account, true, false), meta(mint, false, false)})
}

// cpiCreateATA creates the associated token account (ATA Create, data [0]).
func cpiCreateATA(ic *InstructionContext, payer, ata, owner, mint, tokenProgram solana.PublicKey) error {
	ix := solana.NewInstruction(solana.SPLAssociatedTokenAccountProgramID, solana.AccountMetaSlice{
		meta(payer, true, true), meta(ata, true, false), meta(owner, false, false), meta(mint, false, false),
		meta(solana.SystemProgramID, false, false), meta(tokenProgram, false, false),
	}, []byte{0})
	if err := ic.Invoke(ix); err != nil {
		return fmt.Errorf("create associated token account: %w", err)
	}
	return nil
}

// tokenMetadataInitializeDisc is spl-token-metadata-interface's Initialize:
// sha256("spl_token_metadata_interface:initialize_account")[:8].
var tokenMetadataInitializeDisc = anchorDisc("spl_token_metadata_interface", "initialize_account")

// cpiMetadataPointerInit points a Token-2022 mint's metadata at metadata
// (MetadataPointerExtension 39, Initialize 0); must precede InitializeMint2.
func cpiMetadataPointerInit(ic *InstructionContext, mint, authority, metadata solana.PublicKey) error {
	data := append([]byte{39, 0}, authority[:]...)
	data = append(data, metadata[:]...)
	return cpiToken(ic, solana.Token2022ProgramID, data, []*solana.AccountMeta{meta(mint, true, false)})
}

// cpiTokenMetadataInit writes the Token-2022 token-metadata extension into the
// mint itself; the mint authority signs.
func cpiTokenMetadataInit(ic *InstructionContext, mint, updateAuth, mintAuth solana.PublicKey, name, symbol, uri string, seeds ...[]byte) error {
	w := &borshWriter{}
	w.raw(tokenMetadataInitializeDisc[:]).str(name).str(symbol).str(uri)
	return cpiToken(ic, solana.Token2022ProgramID, w.b, []*solana.AccountMeta{
		meta(mint, true, false), meta(updateAuth, false, false), meta(mint, false, false), meta(mintAuth, false, true),
	}, seeds...)
}

// tokenMetadataLen is the size of the token-metadata TLV entry (type u16 +
// length u16 + value) for the given strings and no additional metadata.
func tokenMetadataLen(name, symbol, uri string) int {
	value := 32 + 32 + 4 + len(name) + 4 + len(symbol) + 4 + len(uri) + 4
	return 4 + value
}
