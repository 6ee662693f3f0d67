package socketio

import (
	"errors"

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

func (s *Server) onConnection(sock *sio.Socket) {
	c := &client{sock: sock, sess: sessionOf(sock), limiter: rate.NewLimiter(rate.Limit(s.cfg.EventRate), s.cfg.EventBurst)}
	s.connections.Add(1)
	s.connected.Add(1)
	log := s.log.With().Str("socket_id", string(sock.Id())).Str("user_id", c.sess.Principal.UserID).Logger()
	log.Debug().Str("transport", sock.Conn().Transport().Name()).Bool("recovered", sock.Recovered()).
		Bool("admin", c.sess.Principal.Admin).Msg("socket connected")
	// Every outgoing event (live, snapshot, replayed) passes here once per socket.
	sock.OnAnyOutgoing(func(...any) { s.deliveries.Add(1) })
	// OnAny is the library's catch-all: it sees every event, known or not, with the ack
	// appended. Handling everything here means an unknown event still gets its answer.
	sock.OnAny(func(args ...any) { s.onEvent(c, args) })
	sock.On("disconnect", func(reason ...any) {
		s.connected.Add(-1)
		log.Debug().Interface("reason", reason).Msg("socket disconnected")
	})
}

// onEvent runs in the library's read path: the rate limit is applied here so a flood
// never queues work; the handling itself runs on the socket's ordered task queue.
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
