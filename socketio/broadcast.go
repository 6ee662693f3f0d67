package socketio

import (
	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	sio "github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// broadcastEvent sends the event [name, payload, offset] to every connected socket in
// rooms, once per socket, keeping it for recovering clients. It is the library's
// in-memory broadcast (BroadcastOperator.Emit → adapter.Broadcast) cut to what progress
// events need: no room and exception sets built per event, the Socket.IO packet encoded
// once, and its websocket frame built once for every websocket (sharedFrame), where the
// library's path had each socket's transport encode and frame it again. It returns the
// number of sockets written to.
func (a *recoveryAdapter) broadcastEvent(name string, payload encodedJSON, rooms []sio.Room) int {
	nsp := a.Nsp().Name()
	if !writesDirectly(name, payload) {
		// Not one of ours after all: the library's way (its listeners count deliveries).
		p := &parser.Packet{Type: parser.EVENT, Nsp: nsp, Data: []any{name, payload}}
		a.Broadcast(p, &sio.BroadcastOptions{Rooms: types.NewSet(rooms...)})
		return 0
	}
	a.sendMu.Lock()
	defer a.sendMu.Unlock()
	encoded, opts := eventWrite(nsp, name, payload, a.keepEvent(name, payload, rooms))

	sent := 0
	sets := make([]*types.Set[sio.SocketId], 0, len(rooms))
	for _, room := range rooms {
		ids, ok := a.Rooms().Load(room)
		if !ok {
			continue
		}
		sets = append(sets, ids)
		for _, id := range ids.Keys() {
			if inAny(sets[:len(sets)-1], id) {
				continue // reached through an earlier room
			}
			sock, ok := a.Nsp().Sockets().Load(id)
			if !ok || !sock.Connected() {
				continue
			}
			if _, ok := a.restoring[id]; ok {
				continue // catchUp sends it, after the packets it missed
			}
			// No outgoing listeners: the caller counts these deliveries from the result.
			sock.Client().WriteToEngine(encoded, opts)
			sent++
		}
	}
	return sent
}

func inAny(sets []*types.Set[sio.SocketId], id sio.SocketId) bool {
	for _, s := range sets {
		if s.Has(id) {
			return true
		}
	}
	return false
}

// eventWrite is the event [name, payload, offset] ready for Client.WriteToEngine: the
// Socket.IO packet, and its websocket frame for the websocket transport.
func eventWrite(nsp, name string, payload encodedJSON, offset string) ([]types.BufferInterface, *sio.WriteOptions) {
	frame, body := newEventFrame(nsp, name, payload, offset)
	opts := &sio.WriteOptions{PreEncoded: true}
	opts.WsPreEncodedFrame = frame
	return []types.BufferInterface{types.NewStringBuffer(body)}, opts
}

// newEventFrame builds the websocket frame of the Engine.IO message "4" + the event's
// Socket.IO packet in one buffer, and returns it with the packet (a slice of it).
func newEventFrame(nsp, name string, payload []byte, offset string) (*sharedFrame, []byte) {
	msgLen := 1 + eventBodySize(nsp, name, payload, offset, true)
	frame := appendFrameHeader(make([]byte, 0, msgLen+10), opText, msgLen)
	hdr := len(frame)
	frame = appendEventBody(append(frame, '4'), nsp, nil, name, payload, offset, true)
	return &sharedFrame{StringBuffer: &types.StringBuffer{Buffer: types.NewBuffer(frame[hdr:])}, frame: frame}, frame[hdr+1:]
}
