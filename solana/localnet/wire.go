package localnet

import (
	"errors"
	"fmt"

	"github.com/gagliardetto/solana-go"
)

// MaxTransactionSize is the packet limit a serialized transaction must fit in.
const MaxTransactionSize = 1232

// wireTx is a decoded wire transaction (legacy or v0). It is decoded by hand,
// not with solana-go, so hostile bytes can neither panic nor allocate much.
type wireTx struct {
	raw        []byte
	signatures []solana.Signature
	message    []byte // the signed bytes
	versioned  bool
	header     [3]uint8 // required sigs, readonly signed, readonly unsigned
	keys       []solana.PublicKey
	blockhash  solana.Hash
	ixs        []wireIx
	lookups    []wireLookup
}

type wireIx struct {
	program  uint8
	accounts []uint8
	data     []byte
}

type wireLookup struct {
	table    solana.PublicKey
	writable []uint8
	readonly []uint8
}

var errDecode = errors.New("failed to deserialize transaction")

type wireReader struct {
	b   []byte
	off int
	err error
}

func (r *wireReader) take(n int) []byte {
	if r.err != nil || n < 0 || len(r.b)-r.off < n {
		r.err = errDecode
		return make([]byte, min(max(n, 1), 64)) // callers only copy from it

	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p
}

func (r *wireReader) u8() uint8 { return r.take(1)[0] }

// shortVec reads a compact-u16 length (1-3 bytes, canonical).
func (r *wireReader) shortVec() int {
	v := 0
	for i := range 3 {
		c := int(r.u8())
		v |= (c & 0x7f) << (7 * i)
		if c&0x80 == 0 {
			if i > 0 && c == 0 {
				r.err = errDecode // non-canonical
			}
			return v
		}
	}
	if v > 0xffff {
		r.err = errDecode
	}
	return v
}

func (r *wireReader) key() (k solana.PublicKey) { copy(k[:], r.take(32)); return k }

// decodeTransaction parses raw into a wireTx and checks the structural rules the
// runtime's sanitize step applies.
func decodeTransaction(raw []byte) (*wireTx, error) {
	if len(raw) > MaxTransactionSize {
		return nil, fmt.Errorf("transaction too large: %d bytes (max: %d)", len(raw), MaxTransactionSize)
	}
	r := &wireReader{b: raw}
	tx := &wireTx{raw: raw}
	n := r.shortVec()
	if n > len(raw)/64 {
		return nil, errDecode
	}
	for range n {
		var s solana.Signature
		copy(s[:], r.take(64))
		tx.signatures = append(tx.signatures, s)
	}
	msgStart := r.off
	if err := decodeMessage(r, tx); err != nil {
		return nil, err
	}
	if r.err != nil || r.off != len(raw) {
		return nil, errDecode
	}
	tx.message = raw[msgStart:]
	if err := tx.sanitize(); err != nil {
		return nil, err
	}
	return tx, nil
}

func decodeMessage(r *wireReader, tx *wireTx) error {
	first := r.u8()
	if first&0x80 != 0 {
		if first&0x7f != 0 {
			return fmt.Errorf("unsupported transaction version %d", first&0x7f)
		}
		tx.versioned = true
		first = r.u8()
	}
	tx.header = [3]uint8{first, r.u8(), r.u8()}
	nk := r.shortVec()
	if nk > 256 {
		return errDecode
	}
	for range nk {
		tx.keys = append(tx.keys, r.key())
	}
	copy(tx.blockhash[:], r.take(32))
	ni := r.shortVec()
	for i := 0; i < ni && r.err == nil; i++ {
		ix := wireIx{program: r.u8()}
		ix.accounts = append([]uint8(nil), r.take(r.shortVec())...)
		ix.data = r.take(r.shortVec())
		tx.ixs = append(tx.ixs, ix)
	}
	if tx.versioned {
		nl := r.shortVec()
		for i := 0; i < nl && r.err == nil; i++ {
			l := wireLookup{table: r.key()}
			l.writable = append([]uint8(nil), r.take(r.shortVec())...)
			l.readonly = append([]uint8(nil), r.take(r.shortVec())...)
			tx.lookups = append(tx.lookups, l)
		}
	}
	return r.err
}

var errSanitize = errors.New("invalid transaction: Transaction failed to sanitize accounts offsets correctly")

// sanitize applies Message::sanitize: header consistency, index bounds, no
// program at index 0, no duplicate keys.
func (tx *wireTx) sanitize() error {
	sigs, roSigned, roUnsigned := int(tx.header[0]), int(tx.header[1]), int(tx.header[2])
	if sigs == 0 || sigs != len(tx.signatures) || roSigned >= sigs || sigs+roUnsigned > len(tx.keys) {
		return errSanitize
	}
	total := len(tx.keys)
	for _, l := range tx.lookups {
		if len(l.writable)+len(l.readonly) == 0 {
			return errSanitize
		}
		total += len(l.writable) + len(l.readonly)
	}
	if total > 256 {
		return errSanitize
	}
	for _, ix := range tx.ixs {
		if ix.program == 0 || int(ix.program) >= len(tx.keys) {
			return errSanitize
		}
		for _, a := range ix.accounts {
			if int(a) >= total {
				return errSanitize
			}
		}
	}
	seen := make(map[solana.PublicKey]struct{}, len(tx.keys))
	for _, k := range tx.keys {
		if _, dup := seen[k]; dup {
			return errors.New("invalid transaction: Transaction loads the same account twice")
		}
		seen[k] = struct{}{}
	}
	return nil
}

// verifySignatures checks every required signature over the message bytes.
func (tx *wireTx) verifySignatures() bool {
	for i, s := range tx.signatures {
		if !s.Verify(tx.keys[i], tx.message) {
			return false
		}
	}
	return true
}

// staticWritable applies the header's writable rules to static key i.
func (tx *wireTx) staticWritable(i int) bool {
	sigs, roSigned, roUnsigned := int(tx.header[0]), int(tx.header[1]), int(tx.header[2])
	if i < sigs {
		return i < sigs-roSigned
	}
	return i < len(tx.keys)-roUnsigned
}

// DecodeTransaction parses a wire transaction and reports its first signature;
// it is the entry point fuzzing and the RPC use for untrusted bytes.
func DecodeTransaction(raw []byte) (solana.Signature, error) {
	tx, err := decodeTransaction(raw)
	if err != nil {
		return solana.Signature{}, err
	}
	return tx.signatures[0], nil
}
