package relay

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/progress/wire"
)

func TestWireRoundTrip(t *testing.T) {
	origin := [originSize]byte{1, 2, 3}
	in := []wire.Record{
		{JobID: "j1", UserID: "alice", TokenAddress: "Mint111", Seq: -5, Name: wire.EventLaunchProgress,
			JSON: []byte(`{"a":[1,2,"✓"]}`), At: time.Unix(0, 1_700_000_000_123_456_789)},
		{JobID: "j2", Seq: 1 << 60, Name: wire.EventTokenLaunch, JSON: []byte(`"x"`), At: time.Unix(0, 0)},
	}
	msg := encode(nil, origin, in)
	gotOrigin, out, err := decode(msg)
	if err != nil || gotOrigin != origin || len(out) != len(in) {
		t.Fatalf("decode: %v, %x, %d records", err, gotOrigin, len(out))
	}
	for i := range in {
		a, b := in[i], out[i]
		if a.JobID != b.JobID || a.UserID != b.UserID || a.TokenAddress != b.TokenAddress || a.Seq != b.Seq ||
			a.Name != b.Name || !bytes.Equal(a.JSON, b.JSON) || !a.At.Equal(b.At) {
			t.Errorf("record %d: %+v, want %+v", i, b, a)
		}
	}
	// Every truncation is refused whole.
	for n := range len(msg) {
		if _, recs, err := decode(msg[:n]); err == nil || recs != nil || !errors.Is(err, errBadMessage) {
			t.Fatalf("truncated to %d bytes: %d records, %v", n, len(recs), err)
		}
	}
	if _, _, err := decode(append(msg, 0)); err == nil {
		t.Error("trailing byte accepted")
	}
}

func TestControlRoundTrip(t *testing.T) {
	from, to := [originSize]byte{7}, [originSize]byte{9}
	for _, kind := range []string{helloKind, answerKind} {
		msg := string(control(kind, from, to))
		if k, f, tt, ok := parseControl(msg); !ok || k != kind || f != from || tt != to {
			t.Errorf("%s: %q %x %x %v", kind, k, f, tt, ok)
		}
		if !isFrom(msg, from) || isFrom(msg, to) {
			t.Errorf("%s: isFrom wrong", kind)
		}
		if _, _, _, ok := parseControl(msg[:len(msg)-1]); ok {
			t.Errorf("%s: truncated control message accepted", kind)
		}
		if _, _, err := decode([]byte(msg)); err == nil {
			t.Errorf("%s: decoded as records", kind)
		}
	}
	if _, _, _, ok := parseControl(string(encode(nil, from, nil))); ok {
		t.Error("a record message parsed as control")
	}
}

// FuzzDecode: whatever arrives on the channel, decode returns an error or records that
// are ours to emit (known event, a job, valid JSON), and never panics.
func FuzzDecode(f *testing.F) {
	f.Add(encode(nil, [originSize]byte{}, []wire.Record{{JobID: "j", Name: wire.EventWorkerStep, JSON: []byte(`{}`)}}))
	f.Add([]byte("NR1"))
	f.Add(append([]byte("NR1"), make([]byte, originSize+10)...))
	f.Add(append(append([]byte("NR1"), make([]byte, originSize)...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01))
	f.Fuzz(func(t *testing.T, msg []byte) {
		_, recs, err := decode(msg)
		if err != nil {
			return
		}
		for _, r := range recs {
			if !knownEvents[r.Name] || r.JobID == "" || len(r.JSON) == 0 {
				t.Fatalf("accepted %+v", r)
			}
		}
	})
}
