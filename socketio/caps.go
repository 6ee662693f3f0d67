package socketio

import (
	"errors"
	"fmt"
	"sync"
	"time"

	sio "github.com/zishang520/socket.io/servers/socket/v3"
)

// Refusal reasons of nitro_socket_refused_total.
const (
	RefusedUnauthorized  = "unauthorized"             // no, a bad or an expired token
	RefusedSockets       = "sockets per user"         // Config.SocketsPerUser reached: connect_error
	RefusedSubscriptions = "subscriptions per socket" // Config.SubscriptionsPerSocket reached: error ack
)

// Codes in connect_error's data.code.
const (
	CodeUnauthorized   = "UNAUTHORIZED"
	CodeTooManySockets = "TOO_MANY_SOCKETS"
)

// ErrTooManySubscriptions refuses a subscribe past Config.SubscriptionsPerSocket.
var ErrTooManySubscriptions = errors.New("too many subscriptions")

// userSockets counts each user's sockets on this process, for Config.SocketsPerUser.
// A user's entry goes when its count does, so it holds only users who are connected.
type userSockets struct {
	mu sync.Mutex
	n  map[string]*userCount
}

type userCount struct {
	n int
	// warned is when a refusal of this user was last logged: a flood of handshakes is
	// logged once a minute, the rest only counted.
	warned time.Time
}

const refusalLogEvery = time.Minute

func newUserSockets() *userSockets { return &userSockets{n: map[string]*userCount{}} }

// acquire counts one more socket of user unless it has limit already; a refusal says
// whether it is the first of user's in refusalLogEvery.
func (u *userSockets) acquire(user string, limit int, now time.Time) (ok, logIt bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	c := u.n[user]
	if c == nil {
		c = &userCount{}
		u.n[user] = c
	}
	if c.n >= limit {
		logIt = now.Sub(c.warned) >= refusalLogEvery
		if logIt {
			c.warned = now
		}
		return false, logIt
	}
	c.n++
	return true, false
}

func (u *userSockets) release(user string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	c := u.n[user]
	if c == nil || c.n <= 1 {
		delete(u.n, user)
		return
	}
	c.n--
}

// count is user's sockets now.
func (u *userSockets) count(user string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	if c := u.n[user]; c != nil {
		return c.n
	}
	return 0
}

// users is how many users have a socket now.
func (u *userSockets) users() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.n)
}

// admit counts sock against its user's cap, in the connection middleware, so that a
// socket over the cap is refused with connect_error before it is connected. The count
// is released once, whichever comes first: the socket's disconnect, or the close of
// its connection (a socket whose connection died between the middleware and the
// library's connect never gets a disconnect). A user-less socket (NITRO_AUTH=off
// without a token) is not counted.
func (s *Server) admit(sock *sio.Socket, user string) (ok, logIt bool) {
	if s.cfg.SocketsPerUser < 0 || user == "" {
		return true, false
	}
	if ok, logIt := s.users.acquire(user, s.cfg.SocketsPerUser, time.Now()); !ok {
		return false, logIt
	}
	var once sync.Once
	release := func(...any) { once.Do(func() { s.users.release(user) }) }
	sock.On("disconnect", release)
	conn := sock.Conn()
	_ = conn.On("close", release)
	if conn.ReadyState() == "closed" {
		release() // closed before the listener was in place: its "close" is gone
	}
	return true, false
}

// refuseOverCap answers a handshake past the user's socket cap with connect_error.
func (s *Server) refuseOverCap(sock *sio.Socket, user string, logIt bool, next func(*sio.ExtendedError)) {
	s.tooManySockets.Add(1)
	ev := s.log.Debug()
	if logIt {
		ev = s.log.Warn()
	}
	ev.Str("socket_id", string(sock.Id())).Str("user_id", user).Int("limit", s.cfg.SocketsPerUser).
		Str("remote", sock.Handshake().Address).Msg("socket refused: too many sockets")
	next(sio.NewExtendedError(fmt.Sprintf("too many sockets: at most %d per user", s.cfg.SocketsPerUser),
		map[string]any{"code": CodeTooManySockets, "limit": s.cfg.SocketsPerUser}))
}

// overSubscribed reports whether c may join no further room: its own room does not
// count, and a repeat subscribe never gets here (it is acknowledged as it is).
func (s *Server) overSubscribed(c *client) bool {
	return s.cfg.SubscriptionsPerSocket >= 0 && c.sock.Rooms().Len()-1 >= s.cfg.SubscriptionsPerSocket
}

// Refused counts refusals since start by reason (every Refused* label present); it
// feeds nitro_socket_refused_total.
func (s *Server) Refused() map[string]uint64 {
	return map[string]uint64{
		RefusedUnauthorized:  s.refused.Load(),
		RefusedSockets:       s.tooManySockets.Load(),
		RefusedSubscriptions: s.tooManySubs.Load(),
	}
}
