package socketio

import (
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
// A refusal reaches the client as connect_error "unauthorized: <reason>".
func (s *Server) authenticate(sock *sio.Socket, next func(*sio.ExtendedError)) {
	token := handshakeToken(sock)
	if s.cfg.AuthOff {
		sess := &session{Trusted: true}
		if token != "" && s.deps.Verifier != nil {
			if p, err := s.deps.Verifier.Verify(token); err == nil {
				sess.Principal = p
			}
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
		next(sio.NewExtendedError("unauthorized: "+err.Error(), map[string]any{"code": "UNAUTHORIZED"}))
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
