package socketio

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	sio "github.com/zishang520/socket.io/servers/socket/v3"
	"golang.org/x/time/rate"
)

// Refusal reasons sent in acks and subscription_error.
var (
	ErrForbiddenUser  = errors.New("forbidden: userId is not the token's user")
	ErrForbiddenAdmin = errors.New("forbidden: admin only")
	ErrNotInRoom      = errors.New("not in room")
	ErrOwnRoom        = errors.New("cannot leave the socket's own room")
	ErrUnknownEvent   = errors.New("unknown event")
	ErrRateLimited    = errors.New("rate limited")
)

// ackReply is the ack payload: {ok:true, room} or {ok:false, error}.
type ackReply struct {
	OK    bool   `json:"ok"`
	Room  string `json:"room,omitempty"`
	Error string `json:"error,omitempty"`
}

// subscriptionError is the subscription_error payload.
type subscriptionError struct {
	Event string `json:"event"`
	Error string `json:"error"`
}

// client is the per-connection state; the session itself is the socket's data.
type client struct {
	sock    *sio.Socket
	sess    *session
	limiter *rate.Limiter
}

// attach installs the event listeners. It runs in the connection middleware, before
// the library sends CONNECT: the library reads packets on another goroutine than the one
// that fires "connection", so a client that emits right on connect would otherwise race
// the registration and lose its first event.
func (s *Server) attach(sock *sio.Socket, sess *session) {
	sess.ready = make(chan struct{})
	gateFirstPackets(sock, sess.ready)
	c := &client{sock: sock, sess: sess, limiter: rate.NewLimiter(rate.Limit(s.cfg.EventRate), s.cfg.EventBurst)}
	// Every outgoing event (live, snapshot, replayed) passes here once per socket.
	sock.OnAnyOutgoing(func(...any) { s.deliveries.Add(1) })
	// OnAny is the library's catch-all: it sees every event, known or not, with the ack
	// appended. Handling everything here means an unknown event still gets its answer.
	sock.OnAny(func(args ...any) { s.onEvent(c, args) })
}

func (s *Server) onConnection(sock *sio.Socket) {
	s.deliveries.Add(uint64(s.adapter.catchUp(sock)))
	sess := sessionOf(sock)
	s.connections.Add(1)
	s.connected.Add(1)
	log := s.log.With().Str("socket_id", string(sock.Id())).Str("user_id", sess.Principal.UserID).Logger()
	log.Debug().Str("transport", sock.Conn().Transport().Name()).Bool("recovered", sock.Recovered()).
		Bool("admin", sess.Principal.Admin).Msg("socket connected")
	expiry := s.closeAtExpiry(sock, sess)
	sock.On("disconnect", func(args ...any) {
		s.connected.Add(-1)
		s.onDisconnect(string(sock.Id()), sess.Principal.UserID, args, expiry.fired())
		expiry.stop()
	})
	if sess.ready != nil {
		close(sess.ready)
	}
}

// connectGateTimeout bounds how long a packet can wait for its socket's registration;
// registration takes microseconds, this only guards against a connection that dies mid-way.
const connectGateTimeout = 5 * time.Second

// gateFirstPackets works around an ordering gap in zishang520/socket.io v3.0.6: the
// library writes CONNECT before it records the socket in the client's namespace map
// (Client.doConnect's callback), and it closes the connection on an event for a
// namespace it cannot find ("invalid state"). A client that emits right on connect, as
// the seed's pages do, then loses its connection now and then. The engine emits "packet"
// synchronously before decoding it, so holding that listener until the "connection"
// handler has run (which is after the map is filled) closes the gap.
func gateFirstPackets(sock *sio.Socket, ready <-chan struct{}) {
	_ = sock.Conn().On("packet", func(...any) {
		select {
		case <-ready:
			return
		default:
		}
		t := time.NewTimer(connectGateTimeout)
		defer t.Stop()
		select {
		case <-ready:
		case <-t.C:
		}
	})
}

// onEvent runs on the socket's ordered task queue (the library enqueues each decoded
// packet there). Over the rate limit an event costs one error ack and nothing else;
// otherwise its handling is queued behind it, so one socket's events stay in order.
func (s *Server) onEvent(c *client, raw []any) {
	args, ack := splitAck(raw)
	if !c.limiter.Allow() {
		s.rateLimit.Add(1)
		if ack != nil {
			ack([]any{ackReply{Error: ErrRateLimited.Error()}}, nil)
		}
		return
	}
	name, ok := eventName(args)
	if !ok {
		s.refuse(c, "", ack, ErrUnknownEvent, false)
		return
	}
	c.sock.Enqueue(func() { s.handle(c, name, args[1:], ack) })
}

func (s *Server) handle(c *client, name string, args []any, ack sio.Ack) {
	req, err := parseRequest(name, args)
	if err != nil {
		s.refuse(c, name, ack, err, isSubscribe(name))
		return
	}
	switch req.kind {
	case reqSubscribeUser:
		if !c.sess.mayUser(req.arg) {
			s.refuse(c, name, ack, ErrForbiddenUser, true)
			return
		}
		s.subscribe(c, name, UserRoom(req.arg), req.arg, false, ack)
	case reqSubscribeAll:
		s.subscribe(c, name, AdminRoom, "", true, ack)
	case reqUnsubscribe:
		s.unsubscribe(c, req.arg, ack)
	}
}

func (s *Server) subscribe(c *client, event, room, userID string, all bool, ack sio.Ack) {
	if all && !c.sess.mayAdmin() {
		s.refuse(c, event, ack, ErrForbiddenAdmin, true)
		return
	}
	if c.sock.Rooms().Has(sio.Room(room)) {
		// The seed's hooks subscribe several times per page: no second snapshot.
		reply(ack, ackReply{OK: true, Room: room})
		return
	}
	if s.overSubscribed(c) {
		s.tooManySubs.Add(1)
		s.refuse(c, event, ack, fmt.Errorf("%w: at most %d per socket", ErrTooManySubscriptions, s.cfg.SubscriptionsPerSocket), true)
		return
	}
	s.joinWithSnapshot(c, room, userID, all, ack)
}

func (s *Server) unsubscribe(c *client, room string, ack sio.Ack) {
	var err error
	switch {
	case room == string(c.sock.Id()):
		err = ErrOwnRoom
	case !c.sock.Rooms().Has(sio.Room(room)):
		err = ErrNotInRoom
	}
	if err != nil {
		s.refuse(c, EventUnsubscribe, ack, err, false)
		return
	}
	c.sock.Leave(sio.Room(room))
	reply(ack, ackReply{OK: true, Room: room})
}

// refuse answers an event with {ok:false, error}; a refused subscription also gets
// subscription_error, which the seed's pages listen for even without an ack.
func (s *Server) refuse(c *client, event string, ack sio.Ack, err error, subscription bool) {
	s.refusals.Add(1)
	reply(ack, ackReply{Error: err.Error()})
	if subscription {
		_ = c.sock.Emit(EventSubscriptionError, subscriptionError{Event: event, Error: err.Error()})
	}
	s.log.Debug().Str("socket_id", string(c.sock.Id())).Str("user_id", c.sess.Principal.UserID).
		Str("event", truncate(event, 64)).Err(err).Msg("client event refused")
}

func reply(ack sio.Ack, r ackReply) {
	if ack != nil {
		ack([]any{r}, nil)
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// EventTokenExpired tells a client its socket is being closed because its token
// expired: reconnect with a fresh token (the handshake's auth callback is the place).
const EventTokenExpired = "token_expired"

// expiryTimer closes a socket when its token expires.
type expiryTimer struct {
	t    *time.Timer
	done atomic.Bool
}

func (e *expiryTimer) fired() bool { return e != nil && e.done.Load() }

func (e *expiryTimer) stop() {
	if e != nil && e.t != nil {
		e.t.Stop()
	}
}

// closeAtExpiry closes sock when its token expires, after telling the client why (a
// socket that outlives its token would keep receiving a user's events with no right
// to them). Trusted sockets (NITRO_AUTH=off) and tokens without exp are left alone.
func (s *Server) closeAtExpiry(sock *sio.Socket, sess *session) *expiryTimer {
	exp := sess.Principal.Expires
	if sess.Trusted || exp.IsZero() {
		return nil
	}
	e := &expiryTimer{}
	e.t = time.AfterFunc(time.Until(exp), func() {
		e.done.Store(true)
		_ = sock.Emit(EventTokenExpired, map[string]any{"reason": "unauthorized: token expired", "expiredAt": exp.UnixMilli()})
		sock.Disconnect(true)
	})
	return e
}
