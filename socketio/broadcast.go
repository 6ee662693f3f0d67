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
	p := &parser.Packet{Type: parser.EVENT, Nsp: a.Nsp().Name(), Data: a.keep([]any{name, payload}, rooms, nil)}
	body, ok := encodeEventPacket(p)
	if !ok { // not one of ours after all (a name that needs escaping): the library's way
		a.Adapter.Broadcast(p, &sio.BroadcastOptions{Rooms: types.NewSet(rooms...)})
		return 0
	}
	frame := newSharedFrame(body)
	opts := &sio.WriteOptions{PreEncoded: true}
	opts.WsPreEncodedFrame = frame
	encoded := []types.BufferInterface{types.NewStringBuffer(body)}

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
			if notify := sock.NotifyOutgoingListeners(); notify != nil {
				notify(p)
			}
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

// newSharedFrame frames the Engine.IO message "4" + body as one websocket text frame.
func newSharedFrame(body []byte) *sharedFrame {
	frame := appendFrameHeader(make([]byte, 0, len(body)+11), opText, len(body)+1)
	hdr := len(frame)
	frame = append(append(frame, '4'), body...)
	return &sharedFrame{StringBuffer: &types.StringBuffer{Buffer: types.NewBuffer(frame[hdr:])}, frame: frame}
}
