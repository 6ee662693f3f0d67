package pump

import (
	"encoding/binary"

	"github.com/gagliardetto/solana-go"
)

// visitor walks a fixed layout field by field; the same field list drives decoding
// (reader) and encoding (writer), so the two cannot drift apart.
type visitor interface {
	u8(*uint8)
	b(*bool)
	u64(*uint64)
	key(*solana.PublicKey)
}

// reader decodes little-endian fields; bytes past the end read as zero, which is how
// the program treats accounts created before a field existed.
type reader struct {
	buf []byte
	off int
}

func (r *reader) take(n int) []byte {
	var zero [32]byte
	start := r.off
	r.off += n
	if start >= len(r.buf) {
		return zero[:n]
	}
	if r.off > len(r.buf) {
		part := make([]byte, n)
		copy(part, r.buf[start:])
		return part
	}
	return r.buf[start:r.off]
}

func (r *reader) u8(v *uint8)             { *v = r.take(1)[0] }
func (r *reader) b(v *bool)               { *v = r.take(1)[0] != 0 }
func (r *reader) u64(v *uint64)           { *v = binary.LittleEndian.Uint64(r.take(8)) }
func (r *reader) key(v *solana.PublicKey) { copy(v[:], r.take(32)) }

// writer encodes into a buffer sized by the caller.
type writer struct {
	buf []byte
	off int
}

func (w *writer) u8(v *uint8) { w.buf[w.off] = *v; w.off++ }
func (w *writer) b(v *bool) {
	if *v {
		w.buf[w.off] = 1
	}
	w.off++
}
func (w *writer) u64(v *uint64)           { binary.LittleEndian.PutUint64(w.buf[w.off:], *v); w.off += 8 }
func (w *writer) key(v *solana.PublicKey) { copy(w.buf[w.off:], v[:]); w.off += 32 }
