package socketio

import (
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"time"

	ws "github.com/gorilla/websocket"
	"github.com/rs/zerolog"
	"github.com/zishang520/socket.io/parsers/engine/v3/packet"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	"github.com/zishang520/socket.io/v3/pkg/slices"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// DefaultMaxPendingBytes bounds what one socket may have waiting to be written before it
// is dropped as too slow: about 15 s of an admin socket's stream at 2,000 events/s.
const DefaultMaxPendingBytes = 8 << 20

const (
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
	opPong   = 0xA

	// closeFlushTimeout is how long a closing transport may spend writing what is
	// still queued (the DISCONNECT packet of a server-side disconnect, for one).
	closeFlushTimeout = time.Second
	// keptWriteBuffer is the largest write buffer a writer keeps for its next batch.
	keptWriteBuffer = 64 << 10
)

var errSlowConsumer = errors.New("socket too slow: pending writes over the limit")

// wsTransportBuilder registers wsTransport as the engine's "websocket" transport,
// through the engine's extension point (ServerOptions.SetTransports).
type wsTransportBuilder struct {
	maxPending int
	pongHold   time.Duration // see pongHoldFor
	log        zerolog.Logger
}

// pongHoldFor is how long after a PING its PONG may reach the engine at the earliest
// (see wsTransport.read): a tenth of the ping timeout, 2 s by default. That is ages for
// a goroutine to wait for the CPU, and the next PING comes that much later (the engine
// schedules it from the PONG): 27 s apart where the client waits 45 s.
func pongHoldFor(pingTimeout time.Duration) time.Duration { return pingTimeout / 10 }

func (wsTransportBuilder) Name() string          { return transports.WEBSOCKET }
func (wsTransportBuilder) HandlesUpgrades() bool { return true }
func (wsTransportBuilder) UpgradesTo() []string  { return nil }
func (b *wsTransportBuilder) New(ctx *types.HttpContext) transports.Transport {
	return newWSTransport(ctx, b.maxPending, b.pongHold, b.log)
}

// wsTransport is the Engine.IO websocket transport with a cheaper write path than the
// library's. Profiles at 30k events/s put a third of the server's CPU in the library's
// per-packet writes: a goroutine started per send, the engine packet encoded again per
// socket, three emitter dispatches and one write syscall per packet. Here each connection
// has one writer goroutine that writes every frame queued since its last write in one
// syscall (a busy admin socket gets many events per write), and a broadcast's frame is
// built once for all its sockets (sharedFrame). Reads stay with gorilla; gorilla never
// writes once the transport exists (its ping and close replies are queued here), so
// frames from the two never interleave.
//
// The engine sees a transport that is always writable: every Send is queued at once and
// answered with one "drain" once written, in order.
type wsTransport struct {
	transports.Transport

	conn        *types.WebSocketConn
	raw         net.Conn
	idleTimeout time.Duration
	maxPending  int
	log         zerolog.Logger

	mu      sync.Mutex
	wake    sync.Cond
	pending []byte // frames not yet written
	sends   int    // Send calls whose frames are in pending: one "drain" each
	closing bool   // no more frames accepted; the writer flushes and closes
	closeFn types.Callable
	failure error // set by Send when the socket fell too far behind

	pongHold time.Duration
	pingAt   time.Time // when the engine's last PING was queued
}

func newWSTransport(ctx *types.HttpContext, maxPending int, pongHold time.Duration, log zerolog.Logger) *wsTransport {
	w := &wsTransport{Transport: transports.MakeTransport(), conn: ctx.Websocket,
		raw: ctx.Websocket.NetConn(), idleTimeout: ctx.IdleTimeout, maxPending: maxPending, pongHold: pongHold, log: log}
	w.wake.L = &w.mu
	w.Prototype(w)
	w.Construct(ctx)
	return w
}

func (w *wsTransport) Construct(ctx *types.HttpContext) {
	w.Transport.Construct(ctx)
	_ = w.conn.On("error", func(errs ...any) {
		w.OnError("websocket error", slices.TryGetAny[error](errs, 0))
	})
	_ = w.conn.Once("close", func(...any) { w.OnClose() })
	// gorilla's own replies would write from the reader goroutine and leave their write
	// deadline on the connection; queue them behind the data frames instead.
	w.conn.SetPingHandler(func(data string) error {
		w.queueControl(opPong, []byte(data))
		return nil
	})
	w.conn.SetCloseHandler(func(code int, _ string) error {
		if code != ws.CloseNoStatusReceived {
			w.queueControl(opClose, ws.FormatCloseMessage(code, ""))
		}
		return nil
	})
	w.SetWritable(true)
	go w.writeLoop()
	transports.StartReader(w, ctx.TransportReadPermission(), w.read)
}

func (w *wsTransport) Name() string          { return transports.WEBSOCKET }
func (w *wsTransport) HandlesUpgrades() bool { return true }

// read hands every message to the engine until the connection fails or closes.
//
// A PONG that comes back within pongHold of its PING is handed over only pongHold after
// the PING. The engine (socket.schedulePing in zishang520/socket.io's engine v3.0.6)
// sends its PING first and arms the timer that the PONG clears only afterwards, on the
// timer's goroutine; a PONG handled in between clears nothing, and the timer armed next
// closes a healthy socket with "ping timeout" pingTimeout later (45 s after it connected
// with the defaults). With this transport's writer the PING is on the wire microseconds
// after the engine queued it, so a client that answers at once can beat a ping goroutine
// that lost the CPU under load (TestHeartbeatSurvivesAStalledPingTimer makes it lose it).
func (w *wsTransport) read() {
	defer w.conn.Emit("close")
	for {
		if w.idleTimeout > 0 {
			_ = w.conn.SetReadDeadline(time.Now().Add(w.idleTimeout))
		}
		mt, r, err := w.conn.NextReader()
		if err != nil {
			var closeErr *ws.CloseError
			if !errors.As(err, &closeErr) && !errors.Is(err, net.ErrClosed) {
				w.OnError("websocket read error", err)
			}
			return
		}
		var data types.BufferInterface
		switch mt {
		case ws.TextMessage:
			data = types.NewStringBuffer(nil)
		case ws.BinaryMessage:
			data = types.NewBytesBuffer(nil)
		default:
			continue
		}
		if _, err := data.ReadFrom(r); err != nil {
			w.OnError("websocket read error", err)
			return
		}
		if wait := w.pongWait(mt, data); wait > 0 {
			time.AfterFunc(wait, func() { w.OnData(data) })
			continue
		}
		w.OnData(data)
	}
}

// pongWait is how much longer the message (mt, data) must wait before the engine sees
// it: a PONG ("3") within pongHold of the last PING waits out the rest of pongHold.
func (w *wsTransport) pongWait(mt int, data types.BufferInterface) time.Duration {
	if mt != ws.TextMessage || data.Len() != 1 || data.Bytes()[0] != '3' { // "3": PONG, Engine.IO v4
		return 0
	}
	w.mu.Lock()
	pingAt := w.pingAt
	w.mu.Unlock()
	if pingAt.IsZero() {
		return 0
	}
	return w.pongHold - time.Since(pingAt)
}

// Send queues the packets' frames for the writer; it never blocks on the client.
func (w *wsTransport) Send(packets []*packet.Packet) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closing || w.failure != nil {
		return
	}
	for _, p := range packets {
		if p.Type == packet.PING {
			w.pingAt = time.Now()
		}
		if err := w.appendPacketLocked(p); err != nil {
			// Reported by the writer: Send runs under the engine's and the client's locks.
			w.failure = err
			break
		}
	}
	w.sends++
	if w.failure == nil && len(w.pending) > w.maxPending {
		w.failure = errSlowConsumer
		w.log.Warn().Str("engine_sid", w.Sid()).Str("remote", w.raw.RemoteAddr().String()).
			Int("pending_bytes", len(w.pending)).Msg("socket dropped: it stopped reading; its client reconnects and recovers")
	}
	if w.failure != nil {
		// The writer may be blocked on this very client: unblock it now.
		_ = w.raw.SetWriteDeadline(time.Now())
	}
	w.wake.Signal()
}

func (w *wsTransport) appendPacketLocked(p *packet.Packet) error {
	if p.Options != nil {
		switch f := p.Options.WsPreEncodedFrame.(type) {
		case *sharedFrame:
			w.pending = append(w.pending, f.frame...)
			return nil
		case *types.StringBuffer: // a broadcast through the library's adapter: "4" + packet
			w.pending = appendFrame(w.pending, opText, f.Bytes())
			return nil
		}
	}
	data, err := w.Parser().EncodePacket(p, w.SupportsBinary())
	if err != nil {
		return err
	}
	op := byte(opBinary)
	if _, ok := data.(*types.StringBuffer); ok {
		op = opText
	}
	w.pending = appendFrame(w.pending, op, data.Bytes())
	return nil
}

func (w *wsTransport) queueControl(op byte, payload []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closing || w.failure != nil {
		return
	}
	w.pending = appendFrame(w.pending, op, payload)
	w.wake.Signal()
}

// writeLoop writes what Send queued, one batch per syscall, until the transport closes.
func (w *wsTransport) writeLoop() {
	var spare []byte
	for {
		w.mu.Lock()
		for len(w.pending) == 0 && w.sends == 0 && !w.closing && w.failure == nil {
			w.wake.Wait()
		}
		batch, sends, closing, failure := w.pending, w.sends, w.closing, w.failure
		w.pending, w.sends = spare[:0], 0
		w.mu.Unlock()

		if failure != nil {
			w.stop("websocket send error", failure)
			return
		}
		if len(batch) > 0 {
			if _, err := w.raw.Write(batch); err != nil {
				w.stop("websocket write error", err)
				return
			}
		}
		for range sends {
			w.Emit("drain")
		}
		if closing && len(batch) == 0 && sends == 0 {
			w.finish()
			return
		}
		spare = nil
		if cap(batch) <= keptWriteBuffer {
			spare = batch
		}
	}
}

// stop ends the writer after err: nothing more is queued or written, the engine hears
// why (unless the connection was simply closed) and the transport closes.
func (w *wsTransport) stop(desc string, err error) {
	w.mu.Lock()
	w.pending, w.closing = nil, true
	if w.failure != nil {
		err = w.failure // Send's reason, also when its deadline is what stopped a write
	}
	w.mu.Unlock()
	if !errors.Is(err, net.ErrClosed) {
		w.OnError(desc, err)
	}
	w.finish()
}

// finish runs once the writer is done: the engine's close callback, then the connection
// closes (which reports "close" to the engine if nothing did yet).
func (w *wsTransport) finish() {
	w.mu.Lock()
	fn := w.closeFn
	w.closeFn = nil
	w.mu.Unlock()
	if fn != nil {
		fn()
	}
	_ = w.conn.Close()
}

// shutdown stops taking frames and lets the writer flush what is queued, for at most
// closeFlushTimeout, then close the connection.
func (w *wsTransport) shutdown(fn types.Callable) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closing {
		if fn != nil {
			if w.closeFn == nil {
				w.closeFn = fn
			} else {
				prev := w.closeFn
				w.closeFn = func() { prev(); fn() }
			}
		}
		return
	}
	w.closing, w.closeFn = true, fn
	_ = w.raw.SetWriteDeadline(time.Now().Add(closeFlushTimeout))
	w.wake.Signal()
}

// DoClose is the engine closing the transport.
func (w *wsTransport) DoClose(fn types.Callable) { w.shutdown(fn) }

// OnClose is the connection gone (read error, peer close, or our own close).
func (w *wsTransport) OnClose() {
	w.shutdown(nil)
	w.Transport.OnClose()
}

// appendFrame appends one final, unmasked websocket frame (RFC 6455 §5.2): servers never
// mask, and nothing is compressed (no extension is negotiated).
func appendFrame(b []byte, op byte, payload []byte) []byte {
	return append(appendFrameHeader(b, op, len(payload)), payload...)
}

func appendFrameHeader(b []byte, op byte, n int) []byte {
	switch {
	case n < 126:
		return append(b, 0x80|op, byte(n))
	case n <= 0xFFFF:
		return append(b, 0x80|op, 126, byte(n>>8), byte(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, 0x80|op, 127), uint64(n))
	}
}

// sharedFrame is a broadcast's engine packet ("4" + the Socket.IO packet) with its
// websocket frame built once; every wsTransport of the broadcast appends frame as is.
// The embedded buffer is what any other transport would read.
type sharedFrame struct {
	*types.StringBuffer
	frame []byte
}
