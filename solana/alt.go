package solana

import (
	"context"
	"encoding/binary"
	"fmt"

	sol "github.com/gagliardetto/solana-go"
	alt "github.com/gagliardetto/solana-go/programs/address-lookup-table"
)

// AddressLookupTableProgramID is the address lookup table program.
var AddressLookupTableProgramID = sol.MustPublicKeyFromBase58("AddressLookupTab1e1111111111111111111111111")

// MaxLookupTableAddresses is the capacity of one table.
const MaxLookupTableAddresses = 256

// DeriveLookupTableAddress is PDA(authority, recentSlot LE) under the ALT program.
func DeriveLookupTableAddress(authority sol.PublicKey, recentSlot uint64) (sol.PublicKey, uint8, error) {
	slot := binary.LittleEndian.AppendUint64(nil, recentSlot)
	addr, bump, err := sol.FindProgramAddress([][]byte{authority[:], slot}, AddressLookupTableProgramID)
	if err != nil {
		return sol.PublicKey{}, 0, fmt.Errorf("derive lookup table: %w", err)
	}
	return addr, bump, nil
}

// CreateLookupTableInstruction builds CreateLookupTable (variant 0, recent_slot u64,
// bump u8). recentSlot must be a recent slot (e.g. Client.Slot); it returns the
// table's address too.
func CreateLookupTableInstruction(authority, payer sol.PublicKey, recentSlot uint64) (sol.Instruction, sol.PublicKey, error) {
	table, bump, err := DeriveLookupTableAddress(authority, recentSlot)
	if err != nil {
		return nil, sol.PublicKey{}, err
	}
	data := binary.LittleEndian.AppendUint32(nil, 0)
	data = binary.LittleEndian.AppendUint64(data, recentSlot)
	data = append(data, bump)
	accts := sol.AccountMetaSlice{
		sol.Meta(table).WRITE(),
		sol.Meta(authority).SIGNER(),
		sol.Meta(payer).WRITE().SIGNER(),
		sol.Meta(sol.SystemProgramID),
	}
	return sol.NewInstruction(AddressLookupTableProgramID, accts, data), table, nil
}

// ExtendLookupTableInstruction builds ExtendLookupTable (variant 2, Vec<Pubkey> with
// a u64 length). About 20-25 addresses fit in one transaction; new addresses are
// usable one slot after the extend lands.
func ExtendLookupTableInstruction(table, authority, payer sol.PublicKey, addrs []sol.PublicKey) sol.Instruction {
	data := binary.LittleEndian.AppendUint32(nil, 2)
	data = binary.LittleEndian.AppendUint64(data, uint64(len(addrs)))
	for _, a := range addrs {
		data = append(data, a[:]...)
	}
	accts := sol.AccountMetaSlice{
		sol.Meta(table).WRITE(),
		sol.Meta(authority).SIGNER(),
		sol.Meta(payer).WRITE().SIGNER(),
		sol.Meta(sol.SystemProgramID),
	}
	return sol.NewInstruction(AddressLookupTableProgramID, accts, data)
}

// DeactivateLookupTableInstruction builds DeactivateLookupTable (variant 3).
func DeactivateLookupTableInstruction(table, authority sol.PublicKey) sol.Instruction {
	data := binary.LittleEndian.AppendUint32(nil, 3)
	accts := sol.AccountMetaSlice{sol.Meta(table).WRITE(), sol.Meta(authority).SIGNER()}
	return sol.NewInstruction(AddressLookupTableProgramID, accts, data)
}

// CloseLookupTableInstruction builds CloseLookupTable (variant 4); the table must have
// been deactivated and cooled down (~513 slots). Its rent goes to recipient.
func CloseLookupTableInstruction(table, authority, recipient sol.PublicKey) sol.Instruction {
	data := binary.LittleEndian.AppendUint32(nil, 4)
	accts := sol.AccountMetaSlice{sol.Meta(table).WRITE(), sol.Meta(authority).SIGNER(), sol.Meta(recipient).WRITE()}
	return sol.NewInstruction(AddressLookupTableProgramID, accts, data)
}

// LookupTable is the decoded state of an address lookup table.
type LookupTable struct {
	Address          sol.PublicKey
	Authority        *sol.PublicKey // nil when frozen
	DeactivationSlot uint64         // math.MaxUint64 while active
	LastExtendedSlot uint64
	Addresses        sol.PublicKeySlice
}

// GetLookupTable reads and decodes a table (ErrAccountNotFound if missing).
func (c *Client) GetLookupTable(ctx context.Context, table sol.PublicKey) (*LookupTable, error) {
	acc, err := c.GetAccountInfo(ctx, table)
	if err != nil {
		return nil, fmt.Errorf("lookup table: %w", err)
	}
	return DecodeLookupTable(table, acc.Data)
}

// DecodeLookupTable decodes a lookup table account's data.
func DecodeLookupTable(table sol.PublicKey, data []byte) (*LookupTable, error) {
	st, err := alt.DecodeAddressLookupTableState(data)
	if err != nil {
		return nil, fmt.Errorf("decode lookup table %s: %w", table, err)
	}
	return &LookupTable{Address: table, Authority: st.Authority, DeactivationSlot: st.DeactivationSlot,
		LastExtendedSlot: st.LastExtendedSlot, Addresses: st.Addresses}, nil
}
