package socketio

import (
	"errors"
	"sync/atomic"

	"github.com/zishang520/socket.io/v3/pkg/slices"
)

// Disconnect reasons, as nitro_socket_disconnects_total labels them. The library's
// reason strings are mapped onto these; the first six are the server's own decision
// and each is logged at info level with the socket's user and sid.
const (
	ReasonPingTimeout      = "ping timeout"      // the client did not answer a heartbeat in time
	ReasonSlowConsumer     = "slow consumer"     // MaxPendingBytes waited for the client
	ReasonServerShutdown   = "server shutdown"   // Close
	ReasonServerDisconnect = "server disconnect" // a server-side Disconnect
	ReasonForcedClose      = "forced close"      // the engine closed the connection (an upgrade gone wrong, a discard)
	ReasonParseError       = "parse error"       // the client sent what the server could not decode
	ReasonTransportClose   = "transport close"   // the client's connection closed (or the network dropped it)
	ReasonTransportError   = "transport error"   // a read or write failed
	ReasonClientDisconnect = "client disconnect" // the client called disconnect()
	ReasonTokenExpiry      = "token expiry"      // the socket's token expired while it was connected
	ReasonOther            = "other"
)

// disconnectReasons are every label, in the order Stats lists them.
var disconnectReasons = []string{ReasonPingTimeout, ReasonSlowConsumer, ReasonServerShutdown, ReasonServerDisconnect,
	ReasonForcedClose, ReasonParseError, ReasonTransportClose, ReasonTransportError, ReasonClientDisconnect, ReasonTokenExpiry, ReasonOther}

// serverInitiated reports whether the server, not the client or the network, ended the
// socket for reason.
func serverInitiated(reason string) bool {
	switch reason {
	case ReasonPingTimeout, ReasonSlowConsumer, ReasonServerShutdown, ReasonServerDisconnect, ReasonForcedClose, ReasonParseError,
		ReasonTokenExpiry:
		return true
	}
	return false
}

// disconnectReason maps the library's "disconnect" arguments (reason, description) to
// a label.
func disconnectReason(args []any) string {
	reason := slices.TryGetAny[string](args, 0)
	switch reason {
	case "ping timeout":
		return ReasonPingTimeout
	case "transport close":
		return ReasonTransportClose
	case "transport error":
		if errors.Is(slices.TryGetAny[error](args, 1), errSlowConsumer) {
			return ReasonSlowConsumer
		}
		return ReasonTransportError
	case "client namespace disconnect":
		return ReasonClientDisconnect
	case "server namespace disconnect", "forced server close":
		return ReasonServerDisconnect
	case "server shutting down":
		return ReasonServerShutdown
	case "forced close":
		return ReasonForcedClose
	case "parse error":
		return ReasonParseError
	}
	return ReasonOther
}

// disconnectCounts counts disconnects by reason; the map is fixed once built.
type disconnectCounts map[string]*atomic.Uint64

func newDisconnectCounts() disconnectCounts {
	c := make(disconnectCounts, len(disconnectReasons))
	for _, r := range disconnectReasons {
		c[r] = new(atomic.Uint64)
	}
	return c
}

func (c disconnectCounts) snapshot() map[string]uint64 {
	out := make(map[string]uint64, len(c))
	for r, n := range c {
		out[r] = n.Load()
	}
	return out
}

// onDisconnect counts a socket's disconnect and logs it: at info level when the server
// closed a socket, at debug level otherwise.
func (s *Server) onDisconnect(sid, userID string, args []any, expired bool) {
	reason := disconnectReason(args)
	if expired {
		reason = ReasonTokenExpiry
	}
	s.disconnects[reason].Add(1)
	ev := s.log.Debug()
	msg := "socket disconnected"
	if serverInitiated(reason) {
		ev, msg = s.log.Info(), "socket closed by the server"
	}
	ev = ev.Str("sid", sid).Str("user_id", userID).Str("reason", reason)
	if err := slices.TryGetAny[error](args, 1); err != nil {
		ev = ev.AnErr("detail", err)
	}
	ev.Msg(msg)
}
