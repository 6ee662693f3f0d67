package bonk

import (
	"bytes"
	"encoding/binary"

	"github.com/gagliardetto/solana-go"
)

// visitor walks a fixed layout; the same field list drives decoding (reader) and
// encoding (writer), so the two cannot drift apart.
type visitor interface {
	u8(*uint8)
	u16(*uint16)
	u64(*uint64)
	key(*solana.PublicKey)
	str(*string, int) // fixed-size, NUL-padded byte array
}

// reader decodes little-endian fields; bytes past the end read as zero, so an
// account created before a field existed decodes with that field zero.
type reader struct {
	buf []byte
	off int
}

func (r *reader) take(n int) []byte {
	out := make([]byte, n)
	if r.off < len(r.buf) {
		copy(out, r.buf[r.off:])
	}
	r.off += n
	return out
}

func (r *reader) u8(v *uint8)             { *v = r.take(1)[0] }
func (r *reader) u16(v *uint16)           { *v = binary.LittleEndian.Uint16(r.take(2)) }
func (r *reader) u64(v *uint64)           { *v = binary.LittleEndian.Uint64(r.take(8)) }
func (r *reader) key(v *solana.PublicKey) { copy(v[:], r.take(32)) }
func (r *reader) str(v *string, n int)    { *v = string(bytes.TrimRight(r.take(n), "\x00")) }

// writer encodes into a buffer the caller sized.
type writer struct {
	buf []byte
	off int
}

func (w *writer) u8(v *uint8)             { w.buf[w.off] = *v; w.off++ }
func (w *writer) u16(v *uint16)           { binary.LittleEndian.PutUint16(w.buf[w.off:], *v); w.off += 2 }
func (w *writer) u64(v *uint64)           { binary.LittleEndian.PutUint64(w.buf[w.off:], *v); w.off += 8 }
func (w *writer) key(v *solana.PublicKey) { copy(w.buf[w.off:], v[:]); w.off += 32 }
func (w *writer) str(v *string, n int)    { copy(w.buf[w.off:w.off+n], *v); w.off += n }
