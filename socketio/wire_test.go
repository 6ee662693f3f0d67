package socketio

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"

	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// libraryEncoding is what the library's own encoder writes for p.
func libraryEncoding(t testing.TB, p *parser.Packet) string {
	t.Helper()
	out := parser.NewEncoder().Encode(p)
	if len(out) != 1 {
		t.Fatalf("library encoder gave %d buffers", len(out))
	}
	return out[0].String()
}

func ourEncoding(t testing.TB, p *parser.Packet) (string, bool) {
	t.Helper()
	b, fast := encodeEventPacket(p)
	out := newEventParser(nil).NewEncoder().Encode(p)
	if len(out) != 1 {
		t.Fatalf("our encoder gave %d buffers", len(out))
	}
	if fast && string(b) != out[0].String() {
		t.Fatalf("Encode and encodeEventPacket disagree: %q vs %q", out[0].String(), b)
	}
	return out[0].String(), fast
}

// TestEventEncoderMatchesLibrary: the fast path writes exactly the library's bytes for
// every shape of broadcast Emit makes, and leaves every other packet to the library.
func TestEventEncoderMatchesLibrary(t *testing.T) {
	payload, err := json.Marshal(map[string]any{
		"jobId": "job-1", "progress": 42.5, "message": `<b>"quoted" & \ slashed</b> ✓ 🚀`,
		"details": map[string]any{"n": []any{1, nil, true, "x"}}, "empty": map[string]any{},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := uint64(7)
	fast := []*parser.Packet{
		{Type: parser.EVENT, Nsp: "/", Data: []any{"worker_progress", encodedJSON(payload)}},
		{Type: parser.EVENT, Nsp: "/", Data: []any{"worker_step", encodedJSON(payload), "MzQxMjM0NQ-_"}},
		{Type: parser.EVENT, Nsp: "", Data: []any{"token_launch_event", encodedJSON(`{}`)}},
		{Type: parser.EVENT, Nsp: "/admin", Data: []any{"launch_progress_update", encodedJSON(`[1,"a"]`)}},
		{Type: parser.EVENT, Nsp: "/", Id: &id, Data: []any{"worker_progress", encodedJSON(`"s"`)}},
	}
	for _, p := range fast {
		got, ok := ourEncoding(t, p)
		if !ok {
			t.Errorf("%v: not taken by the fast path", p.Data)
		}
		// The library sees encodedJSON through MarshalJSON, like a json.RawMessage.
		if want := libraryEncoding(t, p); got != want {
			t.Errorf("fast path wrote\n%s\nlibrary writes\n%s", got, want)
		}
	}
	one := uint64(1)
	other := []*parser.Packet{
		{Type: parser.CONNECT, Nsp: "/", Data: map[string]any{"sid": "abc"}},
		{Type: parser.ACK, Nsp: "/", Id: &id, Data: []any{map[string]any{"ok": true}}},
		{Type: parser.EVENT, Nsp: "/", Data: []any{"subscription_error", map[string]any{"error": "x"}}},
		{Type: parser.EVENT, Nsp: "/", Data: []any{"snapshot", json.RawMessage(`{"a":1}`)}},
		{Type: parser.EVENT, Nsp: "/", Data: []any{`we"ird`, encodedJSON(`{}`)}},
		{Type: parser.EVENT, Nsp: "/", Data: []any{"a<b", encodedJSON(`{}`)}},
		{Type: parser.EVENT, Nsp: "/", Data: []any{"worker_step", encodedJSON(`{}`), "off", "extra"}},
		{Type: parser.EVENT, Nsp: "/", Data: []any{"worker_step", encodedJSON(`{}`), 12}},
		{Type: parser.EVENT, Nsp: "/", Data: []any{"worker_step"}},
		{Type: parser.EVENT, Nsp: "/", Data: []any{"worker_step", encodedJSON(nil)}},
		{Type: parser.DISCONNECT, Nsp: "/"},
		{Type: parser.EVENT, Nsp: "/", Attachments: &one, Data: []any{"worker_step", encodedJSON(`{}`)}},
	}
	for _, p := range other {
		got, ok := ourEncoding(t, p)
		if ok {
			t.Errorf("%+v: taken by the fast path", p)
		}
		if p.Attachments == nil {
			if want := libraryEncoding(t, p); got != want {
				t.Errorf("fallback wrote %q, library writes %q", got, want)
			}
		}
	}
}

// TestEventEncoderBinaryFallback: a packet with binary data still becomes the library's
// header plus attachments.
func TestEventEncoderBinaryFallback(t *testing.T) {
	p := &parser.Packet{Type: parser.EVENT, Nsp: "/", Data: []any{"bin", []byte{1, 2, 3}}}
	out := newEventParser(nil).NewEncoder().Encode(p)
	if len(out) != 2 {
		t.Fatalf("binary packet: %d buffers, want header + attachment", len(out))
	}
	if _, ok := out[1].(*types.BytesBuffer); !ok {
		t.Errorf("attachment is %T", out[1])
	}
}

// FuzzEventEncoder: for any event name, payload value and offset, the fast path either
// declines or writes exactly the library's bytes.
func FuzzEventEncoder(f *testing.F) {
	f.Add("worker_progress", `{"jobId":"j","progress":1}`, "")
	f.Add("worker_step", "\u2028<script>", "MzQ-_")
	f.Add("a\"b", "x", "o\\ff")
	f.Add("", "", "\x00")
	f.Fuzz(func(t *testing.T, name, value, offset string) {
		payload, err := json.Marshal(map[string]any{"v": value, "n": len(value)})
		if err != nil {
			t.Skip()
		}
		data := []any{name, encodedJSON(payload)}
		if offset != "" {
			data = append(data, offset)
		}
		p := &parser.Packet{Type: parser.EVENT, Nsp: "/", Data: data}
		got, _ := ourEncoding(t, p)
		if want := libraryEncoding(t, p); got != want {
			t.Fatalf("wrote %q, library writes %q", got, want)
		}
	})
}

// FuzzEventFrame: the frame broadcastEvent builds in one buffer declares exactly its
// payload's length, and carries "4" + the packet our (library-identical) encoder writes.
func FuzzEventFrame(f *testing.F) {
	f.Add("/", "worker_progress", 10, "ab12-0")
	f.Add("/", "worker_step", 100, "x-zz")                   // frame payload around 125/126
	f.Add("/admin", "launch_progress_update", 65_480, "p-1") // around 65535/65536
	f.Fuzz(func(t *testing.T, nsp, name string, size int, offset string) {
		if size < 0 || size > 200_000 || !plainJSONString(name) || !plainJSONString(offset) || !plainJSONString(nsp) {
			t.Skip()
		}
		payload, _ := json.Marshal(strings.Repeat("x", size))
		frame, body := newEventFrame(nsp, name, payload, offset)
		want, ok := encodeEventPacket(&parser.Packet{Type: parser.EVENT, Nsp: nsp, Data: []any{name, encodedJSON(payload), offset}})
		if !ok || string(body) != string(want) {
			t.Fatalf("body %.80q, want %.80q", body, want)
		}
		b := frame.frame
		n, hdr := int(b[1]), 2
		switch n {
		case 126:
			n, hdr = int(binary.BigEndian.Uint16(b[2:])), 4
		case 127:
			n, hdr = int(binary.BigEndian.Uint64(b[2:])), 10
		}
		if b[0] != 0x81 || n != len(b)-hdr || string(b[hdr:]) != "4"+string(want) || string(frame.Bytes()) != "4"+string(want) {
			t.Fatalf("frame header %x declares %d bytes, carries %d", b[:hdr], n, len(b)-hdr)
		}
	})
}
