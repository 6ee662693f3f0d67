package socketio

import (
	"encoding/base64"
	"strings"

	sio "github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/nitro-runtime/nitro/auth"
)

// session is the socket's data: who it acts as. The library keeps it across a
// connection-state recovery.
type session struct {
	Principal auth.Principal
	// Trusted is set under AuthOff: the socket may subscribe to any user and to the admin room.
	Trusted bool
	// ready is closed once the "connection" handler ran (see gateFirstPackets).
	ready chan struct{}
}

func sessionOf(sock *sio.Socket) *session {
	if sess, ok := sock.Data().(*session); ok {
		return sess
	}
	return &session{}
}

// may reports whether the socket may join room user_<userID>.
func (s *session) mayUser(userID string) bool {
	return s.Trusted || s.Principal.CanAccessUser(userID)
}

func (s *session) mayAdmin() bool { return s.Trusted || s.Principal.Admin }

// authenticate is the connection middleware: the token comes from the handshake's
// auth.token, an Authorization: Bearer header, or a token query parameter, in that order.
// A refusal reaches the client as connect_error "unauthorized: <reason>", or "too many
// sockets: ..." past Config.SocketsPerUser.
func (s *Server) authenticate(sock *sio.Socket, next func(*sio.ExtendedError)) {
	if hook := s.admitHook.Load(); hook != nil {
		(*hook)(sock)
	}
	token := handshakeToken(sock)
	if s.cfg.AuthOff {
		sess := &session{Trusted: true}
		if token != "" && s.deps.Verifier != nil {
			if p, err := s.deps.Verifier.Verify(token); err == nil {
				sess.Principal = p
			}
		}
		if ok, logIt := s.admit(sock, sess.Principal.UserID); !ok {
			s.refuseOverCap(sock, sess.Principal.UserID, logIt, next)
			return
		}
		sock.SetData(sess)
		s.attach(sock, sess)
		next(nil)
		return
	}
	p, err := s.deps.Verifier.Verify(token)
	if err != nil {
		s.refused.Add(1)
		s.log.Info().Str("socket_id", string(sock.Id())).Str("reason", err.Error()).
			Str("remote", sock.Handshake().Address).Msg("socket refused")
		next(sio.NewExtendedError("unauthorized: "+err.Error(), map[string]any{"code": CodeUnauthorized}))
		return
	}
	if ok, logIt := s.admit(sock, p.UserID); !ok {
		s.refuseOverCap(sock, p.UserID, logIt, next)
		return
	}
	sess := &session{Principal: p}
	sock.SetData(sess)
	s.attach(sock, sess)
	next(nil)
}

func handshakeToken(sock *sio.Socket) string {
	hs := sock.Handshake()
	if t, ok := hs.Auth["token"].(string); ok && strings.TrimSpace(t) != "" {
		return t
	}
	if h := hs.Headers.Header().Get("Authorization"); h != "" {
		if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			return strings.TrimSpace(h[7:])
		}
	}
	return hs.Query.Query().Get("token")
}

// Connection-state recovery restores a session before the connection middleware runs
// (the library looks the session up as it creates the socket), so the handshake's
// principal has to reach RestoreSession some other way: the decoder hands every CONNECT
// packet's auth to bindClaim, which prefixes the pid the client sent with the principal of
// the token beside it (claim "." pid). RestoreSession restores a session only for the
// principal that persisted it, and only the rooms that principal may still join. The
// prefix has no "." (base64url), so a client's own dots stay in its pid.

// bindClaim rewrites auth's pid, if there is one, to claim "." pid. The token is read
// from auth.token only: a client that sends it in a header or the query string (none of
// the frontend's) gets a fresh session instead of a recovered one.
func (s *Server) bindClaim(auth map[string]any) {
	raw, ok := auth["pid"]
	if !ok {
		return
	}
	pid, _ := raw.(string)
	auth["pid"] = s.handshakeClaim(auth) + "." + pid
}

// handshakeClaim encodes who the handshake's auth.token acts as: "-" for nobody.
func (s *Server) handshakeClaim(auth map[string]any) string {
	sess := session{Trusted: s.cfg.AuthOff}
	token, _ := auth["token"].(string)
	if s.deps.Verifier != nil && strings.TrimSpace(token) != "" {
		if p, err := s.deps.Verifier.Verify(token); err == nil {
			sess.Principal = p
		}
	}
	return sess.claim()
}

// claim encodes the session's owner: a kind ("t" trusted, "a" admin, "u" user, "-"
// nobody) and the user id in base64url.
func (s *session) claim() string {
	kind := "-"
	switch {
	case s.Trusted:
		kind = "t"
	case s.Principal.UserID == "":
		return kind
	case s.Principal.Admin:
		kind = "a"
	default:
		kind = "u"
	}
	return kind + base64.RawURLEncoding.EncodeToString([]byte(s.Principal.UserID))
}

// unbindClaim splits a pid bindClaim wrote into the session it claims and the client's
// pid; ok is false for a pid no handshake of a known principal bound.
func unbindClaim(bound string) (claimant session, pid string, ok bool) {
	claim, pid, found := strings.Cut(bound, ".")
	if !found || claim == "" || claim == "-" {
		return session{}, "", false
	}
	user, err := base64.RawURLEncoding.DecodeString(claim[1:])
	if err != nil {
		return session{}, "", false
	}
	switch claim[0] {
	case 't':
		claimant.Trusted = true
	case 'a':
		claimant.Principal.Admin = true
	case 'u':
	default:
		return session{}, "", false
	}
	claimant.Principal.UserID = string(user)
	return claimant, pid, true
}

// owns reports whether a session persisted by owner may be restored for s: the same
// user (or, with AuthOff, both trusted).
func (s *session) owns(owner *session) bool {
	if s.Trusted || owner.Trusted {
		return s.Trusted && owner.Trusted
	}
	return s.Principal.UserID != "" && s.Principal.UserID == owner.Principal.UserID
}

// mayRejoin reports whether a restored socket (id sid) may get room back: its own room,
// and the rooms a subscribe would let s join now.
func (s *session) mayRejoin(room sio.Room, sid sio.SocketId) bool {
	switch {
	case string(room) == string(sid):
		return true
	case room == AdminRoom:
		return s.mayAdmin()
	}
	user, ok := strings.CutPrefix(string(room), UserRoomPrefix)
	return ok && s.mayUser(user)
}
