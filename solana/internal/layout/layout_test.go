package layout

import (
	"errors"
	"testing"

	"github.com/gagliardetto/solana-go"
)

type rec struct {
	A uint8
	B bool
	C uint16
	D uint64
	K solana.PublicKey
	S string
}

func (r *rec) fields(v Visitor) {
	v.U8(&r.A)
	v.Bool(&r.B)
	v.U16(&r.C)
	v.U64(&r.D)
	v.Key(&r.K)
	v.Str(&r.S, 8)
}

func TestRoundTripAndShortRead(t *testing.T) {
	in := rec{A: 7, B: true, C: 513, D: 1 << 40, K: solana.SystemProgramID, S: "bonk"}
	buf := make([]byte, 8+1+1+2+8+32+8)
	in.fields(NewWriter(buf, 8))
	var out rec
	out.fields(NewReader(buf, 8))
	if out != in {
		t.Fatalf("round trip: %+v != %+v", out, in)
	}
	var short rec
	short.fields(NewReader(buf[:8+4], 8)) // fields past the end read as zero
	if short.A != 7 || !short.B || short.C != 513 || short.D != 0 || short.S != "" {
		t.Fatalf("short read = %+v", short)
	}
}

func TestCheck(t *testing.T) {
	bad := errors.New("bad")
	disc := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	data := append(disc[:], make([]byte, 8)...)
	if err := Check(data, disc, 16, "x", bad); err != nil {
		t.Fatal(err)
	}
	for _, d := range [][]byte{nil, data[:8], append([]byte{9}, data[1:]...)} {
		if err := Check(d, disc, 16, "x", bad); !errors.Is(err, bad) {
			t.Errorf("Check(%x) = %v", d, err)
		}
	}
}
