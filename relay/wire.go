package relay

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nitro-runtime/nitro/progress/wire"
)

// The wire format of one message: magic, the publishing process's origin, a record
// count, then each record as length-prefixed fields. Payloads travel as the JSON the hub
// already encoded; nothing is re-marshalled on either side.
const (
	magic      = "NR1"
	originSize = 16
	maxRecords = 100_000
	maxField   = 1 << 10 // ids, names, token addresses
	maxPayload = 1 << 20
)

var knownEvents = map[string]bool{
	wire.EventWorkerProgress: true, wire.EventWorkerStep: true,
	wire.EventTokenLaunch: true, wire.EventLaunchProgress: true,
}

// encode appends one message holding recs (whose JSON is set) to b.
func encode(b []byte, origin [originSize]byte, recs []wire.Record) []byte {
	b = append(b, magic...)
	b = append(b, origin[:]...)
	b = binary.AppendUvarint(b, uint64(len(recs)))
	for _, r := range recs {
		for _, s := range []string{r.Name, r.JobID, r.UserID, r.TokenAddress} {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
		b = binary.AppendVarint(b, r.Seq)
		b = binary.AppendVarint(b, r.At.UnixNano())
		b = binary.AppendUvarint(b, uint64(len(r.JSON)))
		b = append(b, r.JSON...)
	}
	return b
}

// Control messages are a kind, the sender's origin and the origin addressed (zero for
// everyone): a process announcing itself (hello) and the others answering it.
const (
	helloKind  = "NH1"
	answerKind = "NA1"
)

func control(kind string, from, to [originSize]byte) []byte {
	b := append([]byte(kind), from[:]...)
	return append(b, to[:]...)
}

// parseControl reads a control message; ok is false for anything else.
func parseControl(msg string) (kind string, from, to [originSize]byte, ok bool) {
	if len(msg) != len(helloKind)+2*originSize {
		return "", from, to, false
	}
	kind = msg[:len(helloKind)]
	if kind != helloKind && kind != answerKind {
		return "", from, to, false
	}
	copy(from[:], msg[len(kind):])
	copy(to[:], msg[len(kind)+originSize:])
	return kind, from, to, true
}

// isFrom reports whether msg was published by origin, without decoding it.
func isFrom(msg string, origin [originSize]byte) bool {
	return len(msg) >= len(magic)+originSize && (msg[:len(magic)] == magic || msg[:len(magic)] == helloKind ||
		msg[:len(magic)] == answerKind) && msg[len(magic):len(magic)+originSize] == string(origin[:])
}

// errBadMessage is wrapped by every decoding error.
var errBadMessage = errors.New("relay: bad message")

// decode reads a message. Every length is checked against what is left and against
// its limit, event names must be ours and payloads valid JSON: a corrupt or foreign
// message is refused whole, never half delivered.
func decode(msg []byte) (origin [originSize]byte, recs []wire.Record, err error) {
	d := decoder{b: msg}
	if string(d.take(len(magic))) != magic {
		return origin, nil, fmt.Errorf("%w: no %s header", errBadMessage, magic)
	}
	copy(origin[:], d.take(originSize))
	n := d.uvarint()
	if d.err == nil && n > maxRecords {
		return origin, nil, fmt.Errorf("%w: %d records", errBadMessage, n)
	}
	recs = make([]wire.Record, 0, min(n, 1024))
	for i := uint64(0); i < n && d.err == nil; i++ {
		var r wire.Record
		r.Name, r.JobID, r.UserID, r.TokenAddress = d.str(), d.str(), d.str(), d.str()
		r.Seq = d.varint()
		r.At = time.Unix(0, d.varint())
		r.JSON = d.bytes(maxPayload)
		switch {
		case d.err != nil:
		case !knownEvents[r.Name]:
			d.err = fmt.Errorf("%w: event %q", errBadMessage, r.Name)
		case r.JobID == "" || !json.Valid(r.JSON):
			d.err = fmt.Errorf("%w: record %d of job %q", errBadMessage, i, r.JobID)
		}
		recs = append(recs, r)
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%w: %d trailing bytes", errBadMessage, len(d.b))
	}
	if d.err != nil {
		return origin, nil, d.err
	}
	return origin, recs, nil
}

// decoder reads fields off b; the first error sticks and later reads return zeros.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: truncated %s", errBadMessage, what)
	}
	d.b = nil
}

func (d *decoder) take(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.b) {
		d.fail("field")
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if d.err != nil || n <= 0 {
		d.fail("length")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if d.err != nil || n <= 0 {
		d.fail("number")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes(limit uint64) []byte {
	n := d.uvarint()
	if d.err == nil && n > limit {
		d.err = fmt.Errorf("%w: field of %d bytes", errBadMessage, n)
	}
	if d.err != nil {
		return nil
	}
	return d.take(int(n))
}

func (d *decoder) str() string { return string(d.bytes(maxField)) }
