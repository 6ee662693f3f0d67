package socketio

import (
	"strconv"

	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	"github.com/zishang520/socket.io/v3/pkg/slices"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// encodedJSON is a payload Emit has already encoded (the hub's json.Marshal output), so
// it is valid, compact JSON. The packet encoder below copies it as is; anything else
// that meets it (the library's own encoder, an adapter) goes through MarshalJSON.
type encodedJSON []byte

// MarshalJSON returns the bytes unchanged.
func (e encodedJSON) MarshalJSON() ([]byte, error) { return e, nil }

// eventParser is the library's parser with a cheaper encoder for live broadcasts. The
// library's encoder runs every packet's data through encoding/json, which re-validates
// and compacts an already encoded payload: about a tenth of the server's CPU at 20k
// events/s. Decoding, and every other packet, stay the library's, except that a CONNECT
// packet's auth goes through bind before the library sees it (see bindClaim).
type eventParser struct {
	parser.Parser
	bind func(auth map[string]any)
}

func newEventParser(bind func(auth map[string]any)) parser.Parser {
	return eventParser{Parser: parser.NewParser(), bind: bind}
}

func (p eventParser) NewDecoder() parser.Decoder {
	inner := p.Parser.NewDecoder()
	if p.bind == nil {
		return inner
	}
	d := &connectDecoder{EventEmitter: types.NewEventEmitter(), inner: inner}
	_ = inner.On("decoded", func(args ...any) {
		if pk := slices.TryGetAny[*parser.Packet](args, 0); pk != nil && pk.Type == parser.CONNECT {
			if auth, ok := pk.Data.(map[string]any); ok {
				p.bind(auth)
			}
		}
		d.Emit("decoded", args...)
	})
	return d
}

// connectDecoder is the library's decoder whose decoded packets are re-emitted once
// eventParser.NewDecoder has seen them.
type connectDecoder struct {
	types.EventEmitter
	inner parser.Decoder
}

func (d *connectDecoder) Add(data any) error { return d.inner.Add(data) }
func (d *connectDecoder) Destroy()           { d.inner.Destroy() }

func (p eventParser) NewEncoder() parser.Encoder {
	return eventEncoder{fallback: p.Parser.NewEncoder()}
}

type eventEncoder struct{ fallback parser.Encoder }

// Encode writes an EVENT packet whose data is [name, encodedJSON] (plus the offset string
// connection-state recovery appends) directly, byte for byte what the library's encoder
// would write; other packets go to the library's encoder.
func (e eventEncoder) Encode(p *parser.Packet) []types.BufferInterface {
	if b, ok := encodeEventPacket(p); ok {
		return []types.BufferInterface{types.NewStringBuffer(b)}
	}
	return e.fallback.Encode(p)
}

// encodeEventPacket writes p in the Socket.IO text format
// <type>[<nsp>,][<id>]["name",payload(,"offset")] when p is one of ours, else reports false.
func encodeEventPacket(p *parser.Packet) ([]byte, bool) {
	if p.Type != parser.EVENT || p.Attachments != nil {
		return nil, false
	}
	data, ok := p.Data.([]any)
	if !ok || len(data) < 2 || len(data) > 3 {
		return nil, false
	}
	name, ok := data[0].(string)
	if !ok {
		return nil, false
	}
	payload, ok := data[1].(encodedJSON)
	if !ok || !writesDirectly(name, payload) {
		return nil, false
	}
	offset := ""
	if len(data) == 3 {
		if offset, ok = data[2].(string); !ok || !plainJSONString(offset) {
			return nil, false
		}
	}
	return appendEventBody(nil, p.Nsp, p.Id, name, payload, offset, len(data) == 3), true
}

// eventBodySize is the exact length appendEventBody writes (without an ack id).
func eventBodySize(nsp, name string, payload []byte, offset string, withOffset bool) int {
	n := 1 + 2 + len(name) + 2 + len(payload) + 1 // 2["name",payload]
	if nsp != "" && nsp != "/" {
		n += len(nsp) + 1
	}
	if withOffset {
		n += 3 + len(offset) // ,"offset"
	}
	return n
}

// appendEventBody appends EVENT ["name",payload(,"offset")] in the Socket.IO text format
// <type>[<nsp>,][<id>]<data>; name and offset must be plainJSONStrings, payload JSON.
func appendEventBody(b []byte, nsp string, id *uint64, name string, payload []byte, offset string, withOffset bool) []byte {
	if b == nil {
		b = make([]byte, 0, eventBodySize(nsp, name, payload, offset, withOffset)+20)
	}
	b = append(b, byte(parser.EVENT)+'0')
	if nsp != "" && nsp != "/" {
		b = append(append(b, nsp...), ',')
	}
	if id != nil {
		b = strconv.AppendUint(b, *id, 10)
	}
	b = append(append(append(b, `["`...), name...), `",`...)
	b = append(b, payload...)
	if withOffset {
		b = append(append(append(b, `,"`...), offset...), '"')
	}
	return append(b, ']')
}

// writesDirectly reports whether the event [name, payload] is one appendEventBody writes:
// a name that needs no escaping and an encoded payload within the library's size limit.
func writesDirectly(name string, payload encodedJSON) bool {
	return plainJSONString(name) && len(payload) > 0 && len(payload) <= types.MaxPayloadSize
}

// plainJSONString reports whether s is written the same with or without JSON escaping
// (encoding/json also escapes <, > and & by default).
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
