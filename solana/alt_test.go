package solana

import (
	"encoding/binary"
	"encoding/hex"
	"testing"

	sol "github.com/gagliardetto/solana-go"
)

func TestLookupTableInstructions(t *testing.T) {
	auth, payer := pk(1), pk(2)
	ix, table, err := CreateLookupTableInstruction(auth, payer, 12345)
	if err != nil {
		t.Fatal(err)
	}
	want, bump, _ := sol.FindProgramAddress([][]byte{auth[:], binary.LittleEndian.AppendUint64(nil, 12345)}, AddressLookupTableProgramID)
	if !table.Equals(want) {
		t.Fatal("table address")
	}
	data, _ := ix.Data()
	if hex.EncodeToString(data) != "00000000"+"3930000000000000"+hex.EncodeToString([]byte{bump}) {
		t.Fatalf("create data %x", data)
	}
	accts := ix.Accounts()
	if !accts[0].IsWritable || !accts[1].IsSigner || !accts[2].IsSigner || !accts[2].IsWritable || !accts[3].PublicKey.Equals(sol.SystemProgramID) {
		t.Fatalf("create accounts %v", accts)
	}
	ext := ExtendLookupTableInstruction(table, auth, payer, []sol.PublicKey{pk(3), pk(4)})
	data, _ = ext.Data()
	if len(data) != 4+8+64 || data[0] != 2 || binary.LittleEndian.Uint64(data[4:]) != 2 || sol.PublicKeyFromBytes(data[12:44]) != pk(3) {
		t.Fatalf("extend data %x", data)
	}
	de, _ := DeactivateLookupTableInstruction(table, auth).Data()
	cl := CloseLookupTableInstruction(table, auth, payer)
	cd, _ := cl.Data()
	if hex.EncodeToString(de) != "03000000" || hex.EncodeToString(cd) != "04000000" || !cl.Accounts()[2].IsWritable {
		t.Fatalf("deactivate %x close %x", de, cd)
	}
}

func TestDecodeLookupTable(t *testing.T) {
	data := make([]byte, 56)
	binary.LittleEndian.PutUint32(data, 1)
	binary.LittleEndian.PutUint64(data[4:], ^uint64(0))
	binary.LittleEndian.PutUint64(data[12:], 77)
	data[21] = 1
	a := pk(1)
	copy(data[22:], a[:])
	for _, k := range []sol.PublicKey{pk(5), pk(6)} {
		data = append(data, k[:]...)
	}
	lt, err := DecodeLookupTable(pk(9), data)
	if err != nil || len(lt.Addresses) != 2 || lt.Addresses[1] != pk(6) || *lt.Authority != a || lt.LastExtendedSlot != 77 {
		t.Fatalf("%+v %v", lt, err)
	}
}
