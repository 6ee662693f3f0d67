package localnet

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strings"
	"sync"

	"github.com/gagliardetto/solana-go"
)

// Helpers shared by the Anchor-style program models (pump, LaunchLab): the
// Anchor framework error codes, account constraint checks in the order Anchor
// runs them, a PDA cache and a small Borsh reader/writer.

// Anchor framework errors (anchor-lang ErrorCode), reported by the real
// programs before their own handler runs.
var (
	errInstructionFallbackNotFound  = &ProgramError{Code: 101, Name: "InstructionFallbackNotFound"}
	errInstructionDidNotDeserialize = &ProgramError{Code: 102, Name: "InstructionDidNotDeserialize"}
	errConstraintMut                = &ProgramError{Code: 2000, Name: "ConstraintMut"}
	errConstraintSeeds              = &ProgramError{Code: 2006, Name: "ConstraintSeeds"}
	errConstraintAddress            = &ProgramError{Code: 2012, Name: "ConstraintAddress"}
	errConstraintTokenMint          = &ProgramError{Code: 2014, Name: "ConstraintTokenMint"}
	errConstraintTokenOwner         = &ProgramError{Code: 2015, Name: "ConstraintTokenOwner"}
	errAccountDiscriminatorNotFound = &ProgramError{Code: 3001, Name: "AccountDiscriminatorNotFound"}
	errAccountDiscriminatorMismatch = &ProgramError{Code: 3002, Name: "AccountDiscriminatorMismatch"}
	errAccountNotEnoughKeys         = &ProgramError{Code: 3005, Name: "AccountNotEnoughKeys"}
	errAccountOwnedByWrongProgram   = &ProgramError{Code: 3007, Name: "AccountOwnedByWrongProgram"}
	errInvalidProgramID             = &ProgramError{Code: 3008, Name: "InvalidProgramId"}
	errAccountNotSigner             = &ProgramError{Code: 3010, Name: "AccountNotSigner"}
	errAccountNotInitialized        = &ProgramError{Code: 3012, Name: "AccountNotInitialized"}
)

// anchorDisc returns sha256(namespace:name)[:8], Anchor's discriminator scheme.
func anchorDisc(namespace, name string) [8]byte {
	sum := sha256.Sum256([]byte(namespace + ":" + name))
	var d [8]byte
	copy(d[:], sum[:8])
	return d
}

// pdaCache memoises FindProgramAddress: the bump search hashes up to 255
// times and trades derive the same handful of PDAs over and over.
var pdaCache sync.Map // string -> pdaEntry

type pdaEntry struct {
	key  solana.PublicKey
	bump uint8
}

// findPDA derives a program address (cached). Seeds are raw bytes.
func findPDA(program solana.PublicKey, seeds ...[]byte) (solana.PublicKey, uint8) {
	var sb strings.Builder
	sb.Write(program[:])
	for _, s := range seeds {
		sb.WriteByte(byte(len(s)))
		sb.Write(s)
	}
	k := sb.String()
	if v, ok := pdaCache.Load(k); ok {
		e := v.(pdaEntry)
		return e.key, e.bump
	}
	key, bump, err := solana.FindProgramAddress(seeds, program)
	if err != nil {
		// Unreachable for the seeds used here (< 16 seeds of <= 32 bytes).
		panic("localnet: find program address: " + err.Error())
	}
	pdaCache.Store(k, pdaEntry{key, bump})
	return key, bump
}

// ataAddress is the associated token account of (owner, tokenProgram, mint).
func ataAddress(owner, tokenProgram, mint solana.PublicKey) solana.PublicKey {
	k, _ := findPDA(solana.SPLAssociatedTokenAccountProgramID, owner[:], tokenProgram[:], mint[:])
	return k
}

// accountList gives indexed access to an instruction's accounts with
// Anchor-ordered checks; the first failing check is kept in err so handlers
// can chain checks and test once.
type accountList struct {
	refs []*AccountRef
	err  error
}

func newAccountList(ic *InstructionContext, need int) (*accountList, error) {
	if len(ic.Accounts) < need {
		return nil, errAccountNotEnoughKeys
	}
	return &accountList{refs: ic.Accounts}, nil
}

func (l *accountList) fail(err error) {
	if l.err == nil {
		l.err = err
	}
}

// at returns account i (no check).
func (l *accountList) at(i int) *AccountRef { return l.refs[i] }

// signer requires account i to sign (Signer<'info>).
func (l *accountList) signer(i int) *AccountRef {
	a := l.refs[i]
	if !a.IsSigner {
		l.fail(errAccountNotSigner)
	}
	return a
}

// mut requires account i to be writable (#[account(mut)]).
func (l *accountList) mut(i int) *AccountRef {
	a := l.refs[i]
	if !a.IsWritable {
		l.fail(errConstraintMut)
	}
	return a
}

// address requires account i to be key (address = ...).
func (l *accountList) address(i int, key solana.PublicKey) *AccountRef {
	a := l.refs[i]
	if a.Key != key {
		l.fail(errConstraintAddress)
	}
	return a
}

// program requires account i to be the program key (Program<'info, T>).
func (l *accountList) program(i int, key solana.PublicKey) *AccountRef {
	a := l.refs[i]
	if a.Key != key {
		l.fail(errInvalidProgramID)
	}
	return a
}

// pda requires account i to be the PDA of seeds under program (seeds = ...).
func (l *accountList) pda(i int, program solana.PublicKey, seeds ...[]byte) *AccountRef {
	a := l.refs[i]
	if k, _ := findPDA(program, seeds...); a.Key != k {
		l.fail(errConstraintSeeds)
	}
	return a
}

// typed requires account i to be an initialised account of owner whose data
// starts with disc (Account<'info, T>).
func (l *accountList) typed(i int, owner solana.PublicKey, disc [8]byte) *AccountRef {
	a := l.refs[i]
	if err := checkTyped(a, owner, disc); err != nil {
		l.fail(err)
	}
	return a
}

func checkTyped(a *AccountRef, owner solana.PublicKey, disc [8]byte) error {
	switch {
	case a.Account == nil || (a.Owner == solana.SystemProgramID && a.Lamports == 0):
		return errAccountNotInitialized
	case a.Owner != owner:
		return errAccountOwnedByWrongProgram
	case len(a.Data) < 8:
		return errAccountDiscriminatorNotFound
	case !bytes.Equal(a.Data[:8], disc[:]):
		return errAccountDiscriminatorMismatch
	}
	return nil
}

// borshReader decodes Borsh arguments; any short read sets err.
type borshReader struct {
	b   []byte
	err error
}

var errShortData = errors.New("short instruction data")

func (r *borshReader) take(n int) []byte {
	if r.err != nil || len(r.b) < n {
		r.err = errShortData
		return make([]byte, n)
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *borshReader) u8() uint8   { return r.take(1)[0] }
func (r *borshReader) u64() uint64 { return binary.LittleEndian.Uint64(r.take(8)) }
func (r *borshReader) key() (k solana.PublicKey) {
	copy(k[:], r.take(32))
	return k
}

func (r *borshReader) str() string {
	n := binary.LittleEndian.Uint32(r.take(4))
	if r.err == nil && uint64(n) > uint64(len(r.b)) {
		r.err = errShortData
		return ""
	}
	return string(r.take(int(n)))
}

// optU8 reads a trailing optional one-byte field, 0 when absent (pump's
// EOF-tolerant OptionBool).
func (r *borshReader) optU8() uint8 {
	if r.err != nil || len(r.b) == 0 {
		return 0
	}
	return r.u8()
}

func (r *borshReader) optU64() uint64 {
	if r.err != nil || len(r.b) < 8 {
		return 0
	}
	return r.u64()
}

// borshWriter encodes event and account payloads.
type borshWriter struct{ b []byte }

func (w *borshWriter) raw(p []byte) *borshWriter { w.b = append(w.b, p...); return w }
func (w *borshWriter) u8(v uint8) *borshWriter   { w.b = append(w.b, v); return w }
func (w *borshWriter) u16(v uint16) *borshWriter {
	w.b = binary.LittleEndian.AppendUint16(w.b, v)
	return w
}
func (w *borshWriter) u32(v uint32) *borshWriter {
	w.b = binary.LittleEndian.AppendUint32(w.b, v)
	return w
}
func (w *borshWriter) u64(v uint64) *borshWriter {
	w.b = binary.LittleEndian.AppendUint64(w.b, v)
	return w
}
func (w *borshWriter) i64(v int64) *borshWriter            { return w.u64(uint64(v)) }
func (w *borshWriter) key(k solana.PublicKey) *borshWriter { return w.raw(k[:]) }
func (w *borshWriter) boolean(v bool) *borshWriter {
	if v {
		return w.u8(1)
	}
	return w.u8(0)
}
func (w *borshWriter) str(s string) *borshWriter { return w.u32(uint32(len(s))).raw([]byte(s)) }

// le64 / put64 access little-endian u64 fields of account data.
func le64(b []byte, off int) uint64 {
	if off+8 > len(b) {
		return 0
	}
	return binary.LittleEndian.Uint64(b[off:])
}

func put64(b []byte, off int, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }

func keyAt(b []byte, off int) (k solana.PublicKey) {
	if off+32 <= len(b) {
		copy(k[:], b[off:off+32])
	}
	return k
}

// tokenAmount reads the amount of an SPL / Token-2022 token account (u64 @64).
func tokenAmount(a *Account) uint64 {
	if a == nil {
		return 0
	}
	return le64(a.Data, 64)
}

// isTokenProgram reports whether k is SPL Token or Token-2022.
func isTokenProgram(k solana.PublicKey) bool {
	return k == solana.TokenProgramID || k == solana.Token2022ProgramID
}
