// Package layout reads and writes the fixed little-endian account layouts of the
// launchpad programs. One field list per account type (a func taking a Visitor) drives
// both decoding and encoding, so the two cannot drift apart.
package layout

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gagliardetto/solana-go"
)

// Visitor walks a layout field by field.
type Visitor interface {
	U8(*uint8)
	Bool(*bool)
	U16(*uint16)
	U64(*uint64)
	Key(*solana.PublicKey)
	Str(*string, int) // a fixed-size, NUL-padded byte array
}

// Reader decodes; bytes past the end read as zero, which is how the programs treat
// accounts created before a field existed.
type Reader struct {
	buf []byte
	off int
}

// NewReader reads buf from offset off (8 skips an Anchor discriminator).
func NewReader(buf []byte, off int) *Reader { return &Reader{buf: buf, off: off} }

func (r *Reader) take(n int) []byte {
	out := make([]byte, n)
	if r.off < len(r.buf) {
		copy(out, r.buf[r.off:])
	}
	r.off += n
	return out
}

func (r *Reader) U8(v *uint8)             { *v = r.take(1)[0] }
func (r *Reader) Bool(v *bool)            { *v = r.take(1)[0] != 0 }
func (r *Reader) U16(v *uint16)           { *v = binary.LittleEndian.Uint16(r.take(2)) }
func (r *Reader) U64(v *uint64)           { *v = binary.LittleEndian.Uint64(r.take(8)) }
func (r *Reader) Key(v *solana.PublicKey) { copy(v[:], r.take(32)) }
func (r *Reader) Str(v *string, n int)    { *v = string(bytes.TrimRight(r.take(n), "\x00")) }

// Writer encodes into a buffer the caller sized for the whole layout.
type Writer struct {
	buf []byte
	off int
}

// NewWriter writes into buf from offset off.
func NewWriter(buf []byte, off int) *Writer { return &Writer{buf: buf, off: off} }

func (w *Writer) U8(v *uint8) { w.buf[w.off] = *v; w.off++ }
func (w *Writer) Bool(v *bool) {
	if *v {
		w.buf[w.off] = 1
	}
	w.off++
}
func (w *Writer) U16(v *uint16)           { binary.LittleEndian.PutUint16(w.buf[w.off:], *v); w.off += 2 }
func (w *Writer) U64(v *uint64)           { binary.LittleEndian.PutUint64(w.buf[w.off:], *v); w.off += 8 }
func (w *Writer) Key(v *solana.PublicKey) { copy(w.buf[w.off:], v[:]); w.off += 32 }
func (w *Writer) Str(v *string, n int)    { copy(w.buf[w.off:w.off+n], *v); w.off += n }

// MaxAccountSize is Solana's account size limit; it bounds hostile input.
const MaxAccountSize = 10 << 20

// Check verifies an account's length bounds and Anchor discriminator; failures wrap
// invalid so each program package keeps its own sentinel error.
func Check(data []byte, disc [8]byte, minSize int, what string, invalid error) error {
	if invalid == nil {
		invalid = errors.New("invalid account data")
	}
	if len(data) < max(minSize, 8) || len(data) > MaxAccountSize {
		return fmt.Errorf("decode %s: length %d: %w", what, len(data), invalid)
	}
	if [8]byte(data[:8]) != disc {
		return fmt.Errorf("decode %s: discriminator %x: %w", what, data[:8], invalid)
	}
	return nil
}
