package localnet

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/gagliardetto/solana-go"
)

// Address lookup table account layout (LOOKUP_TABLE_META_SIZE = 56): u32 type
// (1 = table), deactivation_slot u64 @4, last_extended_slot u64 @12,
// last_extended_slot_start_index u8 @20, authority Option<Pubkey> @21 (tag + 32),
// u16 padding, then the addresses.
const (
	altMetaSize     = 56
	altMaxAddresses = 256
)

type altState struct {
	deactivation uint64
	lastExtended uint64
	startIndex   uint8
	authority    *solana.PublicKey
	addresses    []solana.PublicKey
}

func parseALT(data []byte) (*altState, bool) {
	if len(data) < altMetaSize || binary.LittleEndian.Uint32(data) != 1 || (len(data)-altMetaSize)%32 != 0 {
		return nil, false
	}
	s := &altState{
		deactivation: binary.LittleEndian.Uint64(data[4:]),
		lastExtended: binary.LittleEndian.Uint64(data[12:]),
		startIndex:   data[20],
	}
	if data[21] == 1 {
		k := solana.PublicKeyFromBytes(data[22:54])
		s.authority = &k
	}
	for off := altMetaSize; off < len(data); off += 32 {
		s.addresses = append(s.addresses, solana.PublicKeyFromBytes(data[off:off+32]))
	}
	return s, true
}

func (s *altState) encode() []byte {
	d := make([]byte, altMetaSize, altMetaSize+32*len(s.addresses))
	binary.LittleEndian.PutUint32(d, 1)
	binary.LittleEndian.PutUint64(d[4:], s.deactivation)
	binary.LittleEndian.PutUint64(d[12:], s.lastExtended)
	d[20] = s.startIndex
	if s.authority != nil {
		d[21] = 1
		copy(d[22:54], s.authority[:])
	}
	for _, a := range s.addresses {
		d = append(d, a[:]...)
	}
	return d
}

// lookupTableAddresses returns the addresses of table usable in the current
// slot (addresses appended in this slot are not yet active).
func (b *Bank) lookupTableAddresses(table solana.PublicKey, ov *overlay) ([]solana.PublicKey, error) {
	a := ov.get(table)
	if a == nil {
		return nil, txErr(TxAddressLookupTableNotFound)
	}
	if a.Owner != solana.AddressLookupTableProgramID {
		return nil, txErr(TxInvalidAddressLookupTableOwner)
	}
	s, ok := parseALT(a.Data)
	if !ok {
		return nil, txErr(TxInvalidAddressLookupTableData)
	}
	if s.deactivation != math.MaxUint64 && b.slot > s.deactivation+slotHashesWindow {
		return nil, txErr(TxAddressLookupTableNotFound)
	}
	if s.lastExtended == b.slot {
		return s.addresses[:s.startIndex], nil
	}
	return s.addresses, nil
}

type altProgram struct{}

func (altProgram) ID() solana.PublicKey { return solana.AddressLookupTableProgramID }

// Process decodes ProgramInstruction (bincode, u32 LE tag).
func (altProgram) Process(ic *InstructionContext) error {
	r := &byteReader{b: ic.Data}
	tag := r.u32()
	switch {
	case r.bad:
		return ErrInvalidInstructionData
	case tag == 0:
		slot, bump := r.u64(), r.u8()
		if r.bad {
			return ErrInvalidInstructionData
		}
		return altCreate(ic, slot, bump)
	case tag == 2:
		n := r.u64()
		if r.bad || n > altMaxAddresses || uint64(len(r.b)) != 32*n {
			return ErrInvalidInstructionData
		}
		keys := make([]solana.PublicKey, n)
		for i := range keys {
			keys[i] = r.pubkey()
		}
		return altExtend(ic, keys)
	case tag == 1, tag == 3, tag == 4:
		return altAuthorityOp(ic, tag)
	}
	return ErrInvalidInstructionData
}

func altCreate(ic *InstructionContext, recentSlot uint64, bump uint8) error {
	acc, err := needAccounts(ic, 3)
	if err != nil {
		return err
	}
	table, authority, payer := acc[0], acc[1], acc[2]
	if table.Owner == solana.AddressLookupTableProgramID && len(table.Data) > 0 {
		ic.Log("Table account must not be allocated")
		return ErrAccountAlreadyInitialized
	}
	if !payer.IsSigner {
		ic.Log("Payer account must be a signer")
		return ErrMissingRequiredSignature
	}
	clk := ic.Clock()
	if recentSlot > clk.Slot || clk.Slot-recentSlot >= slotHashesWindow {
		ic.Log(fmt.Sprintf("%d is not a recent slot", recentSlot))
		return ErrInvalidInstructionData
	}
	seeds := [][]byte{authority.Key[:], binary.LittleEndian.AppendUint64(nil, recentSlot), {bump}}
	derived, err := solana.CreateProgramAddress(seeds, solana.AddressLookupTableProgramID)
	if err != nil || derived != table.Key {
		ic.Log(fmt.Sprintf("Table address must match derived address: %s", derived))
		return ErrInvalidArgument
	}
	need := RentExemptMinimum(altMetaSize)
	if need > table.Lamports {
		if err := altSystemCPI(ic, 2, payer.Key, table.Key, need-table.Lamports, nil); err != nil {
			return err
		}
	}
	if err := altSystemCPI(ic, 8, table.Key, table.Key, altMetaSize, seeds); err != nil {
		return err
	}
	if err := altSystemCPI(ic, 1, table.Key, table.Key, 0, seeds); err != nil {
		return err
	}
	auth := authority.Key
	table.Data = (&altState{deactivation: math.MaxUint64, authority: &auth}).encode()
	return nil
}

// altSystemCPI invokes System Transfer (2), Allocate (8) or Assign (1).
func altSystemCPI(ic *InstructionContext, tag uint32, from, to solana.PublicKey, arg uint64, seeds [][]byte) error {
	data := binary.LittleEndian.AppendUint32(nil, tag)
	metas := solana.AccountMetaSlice{{PublicKey: from, IsWritable: true, IsSigner: true}}
	switch tag {
	case 2:
		data = binary.LittleEndian.AppendUint64(data, arg)
		metas = append(metas, &solana.AccountMeta{PublicKey: to, IsWritable: true})
	case 8:
		data = binary.LittleEndian.AppendUint64(data, arg)
	case 1:
		data = append(data, solana.AddressLookupTableProgramID[:]...)
	}
	var sets [][][]byte
	if seeds != nil {
		sets = [][][]byte{seeds}
	}
	return ic.Invoke(solana.NewInstruction(solana.SystemProgramID, metas, data), sets...)
}

// altLoadForAuthority checks the table and its authority signer.
func altLoadForAuthority(ic *InstructionContext) (*AccountRef, *altState, error) {
	acc, err := needAccounts(ic, 2)
	if err != nil {
		return nil, nil, err
	}
	table, authority := acc[0], acc[1]
	if table.Owner != solana.AddressLookupTableProgramID {
		return nil, nil, ErrInvalidAccountOwner
	}
	s, ok := parseALT(table.Data)
	if !ok {
		return nil, nil, ErrInvalidAccountData
	}
	if s.authority == nil {
		ic.Log("Lookup table is frozen")
		return nil, nil, ErrImmutable
	}
	if *s.authority != authority.Key {
		return nil, nil, ErrIncorrectAuthority
	}
	if !authority.IsSigner {
		ic.Log("Authority account must be a signer")
		return nil, nil, ErrMissingRequiredSignature
	}
	return table, s, nil
}

func altExtend(ic *InstructionContext, keys []solana.PublicKey) error {
	table, s, err := altLoadForAuthority(ic)
	if err != nil {
		return err
	}
	if s.deactivation != math.MaxUint64 {
		ic.Log("Deactivated tables cannot be extended")
		return ErrInvalidArgument
	}
	if len(keys) == 0 || len(s.addresses)+len(keys) > altMaxAddresses {
		ic.Log("Extended lookup table length would exceed max capacity")
		return ErrInvalidInstructionData
	}
	slot := ic.Clock().Slot
	if s.lastExtended != slot {
		s.lastExtended, s.startIndex = slot, uint8(len(s.addresses))
	}
	s.addresses = append(s.addresses, keys...)
	table.Data = s.encode()
	need := RentExemptMinimum(len(table.Data))
	if need > table.Lamports {
		if len(ic.Accounts) < 3 {
			return ErrNotEnoughAccountKeys
		}
		return altSystemCPI(ic, 2, ic.Accounts[2].Key, table.Key, need-table.Lamports, nil)
	}
	return nil
}

// altAuthorityOp is Freeze (1), Deactivate (3) or Close (4).
func altAuthorityOp(ic *InstructionContext, tag uint32) error {
	table, s, err := altLoadForAuthority(ic)
	if err != nil {
		return err
	}
	slot := ic.Clock().Slot
	switch tag {
	case 1:
		if len(s.addresses) == 0 {
			ic.Log("Empty lookup tables cannot be frozen")
			return ErrInvalidInstructionData
		}
		s.authority = nil
	case 3:
		if s.deactivation != math.MaxUint64 {
			ic.Log("Lookup table is already deactivated")
			return ErrInvalidArgument
		}
		s.deactivation = slot
	case 4:
		return altClose(ic, table, s, slot)
	}
	table.Data = s.encode()
	return nil
}

func altClose(ic *InstructionContext, table *AccountRef, s *altState, slot uint64) error {
	if len(ic.Accounts) < 3 {
		return ErrNotEnoughAccountKeys
	}
	recipient := ic.Accounts[2]
	if s.deactivation == math.MaxUint64 {
		ic.Log("Lookup table is not deactivated")
		return ErrInvalidArgument
	}
	if slot <= s.deactivation+slotHashesWindow {
		ic.Log(fmt.Sprintf("Table cannot be closed until it's fully deactivated in %d blocks",
			s.deactivation+slotHashesWindow+1-slot))
		return ErrInvalidArgument
	}
	if recipient.Key == table.Key {
		return ErrInvalidArgument
	}
	recipient.Lamports += table.Lamports
	table.Lamports = 0
	table.Data = nil
	return nil
}
