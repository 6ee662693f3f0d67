// Package socketio is the Socket.IO server of the external contract: it authenticates sockets with
// the auth package's tokens, lets them subscribe to their user room (or, for admins, to
// admin_launches), sends a snapshot of the current state right after a subscribe, and
// delivers the progress package's records live (it implements wire.Emitter).
//
// It runs zishang520/socket.io v3 with two parts of its own: an in-memory adapter that
// keeps a bounded window for connection-state recovery (recovery.go) and sends progress
// events encoded and framed once (broadcast.go), and the websocket transport
// (wstransport.go). One process serves its own sockets; the relay package carries events
// between processes.
package socketio

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	engine "github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	sio "github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/nitro-runtime/nitro/auth"
	"github.com/nitro-runtime/nitro/progress/wire"
)

// Defaults for Config's zero fields.
const (
	DefaultPingInterval      = 25 * time.Second
	DefaultPingTimeout       = 20 * time.Second
	DefaultMaxHTTPBufferSize = 64 << 10 // incoming arguments are tiny; bigger packets close the connection
	DefaultRecoveryWindow    = 2 * time.Minute
	DefaultSnapshotLimit     = 500
	DefaultSnapshotTimeout   = 5 * time.Second
	DefaultEventRate         = 20
	DefaultEventBurst        = 40
	// DefaultSocketsPerUser is a user's tabs and devices with room to spare; past it
	// one user's sockets (a runaway page, a flood) would only cost everyone else.
	DefaultSocketsPerUser = 32
	// DefaultSubscriptionsPerSocket: a user's socket has one room to join (an admin's
	// may watch several users); repeat subscribes to a room do not count.
	DefaultSubscriptionsPerSocket = 64
)

// DefaultCORSOrigins is the external contract's CORS_ORIGINS default.
var DefaultCORSOrigins = []string{"http://localhost:3000"}

// Config tunes the server. The zero value is valid.
type Config struct {
	// CORSOrigins are the exact origins allowed, with credentials. The library also
	// checks them on websocket upgrades, so the list must name every app origin.
	CORSOrigins []string
	// AuthOff (NITRO_AUTH=off) accepts sockets without a token and trusts the userId a
	// client names; for local demos only.
	AuthOff           bool
	PingInterval      time.Duration
	PingTimeout       time.Duration
	MaxHTTPBufferSize int64
	// RecoveryWindow is how long a dropped client can come back and get what it missed.
	RecoveryWindow time.Duration
	// RecoveryBytes bounds the events kept for those clients; at rates where the window
	// would need more, the oldest go first and a client away longer gets the snapshot.
	RecoveryBytes int64
	// MaxPendingBytes is what one socket may have waiting to be written; a socket
	// further behind is disconnected (its client reconnects and recovers).
	MaxPendingBytes int
	// SnapshotLimit caps each list of the admin room's snapshot.
	SnapshotLimit   int
	SnapshotTimeout time.Duration
	// EventRate and EventBurst limit the events one socket may send (per second).
	EventRate  float64
	EventBurst int
	// SocketsPerUser caps the sockets one user (the token's sub) may have connected to
	// this process at once: one more is refused with connect_error "too many sockets".
	// 0: DefaultSocketsPerUser; negative: no cap.
	SocketsPerUser int
	// SubscriptionsPerSocket caps the rooms one socket may be subscribed to (its own
	// aside): one more subscribe is answered with an error ack and subscription_error.
	// 0: DefaultSubscriptionsPerSocket; negative: no cap.
	SubscriptionsPerSocket int
}

func (c Config) withDefaults() Config {
	if len(c.CORSOrigins) == 0 {
		c.CORSOrigins = DefaultCORSOrigins
	}
	c.PingInterval = cmp.Or(c.PingInterval, DefaultPingInterval)
	c.PingTimeout = cmp.Or(c.PingTimeout, DefaultPingTimeout)
	c.MaxHTTPBufferSize = cmp.Or(c.MaxHTTPBufferSize, DefaultMaxHTTPBufferSize)
	c.RecoveryWindow = cmp.Or(c.RecoveryWindow, DefaultRecoveryWindow)
	c.RecoveryBytes = cmp.Or(c.RecoveryBytes, DefaultRecoveryBytes)
	c.MaxPendingBytes = cmp.Or(c.MaxPendingBytes, DefaultMaxPendingBytes)
	c.SnapshotLimit = cmp.Or(c.SnapshotLimit, DefaultSnapshotLimit)
	c.SnapshotTimeout = cmp.Or(c.SnapshotTimeout, DefaultSnapshotTimeout)
	c.EventRate = cmp.Or(c.EventRate, DefaultEventRate)
	c.EventBurst = cmp.Or(c.EventBurst, DefaultEventBurst)
	c.SocketsPerUser = cmp.Or(c.SocketsPerUser, DefaultSocketsPerUser)
	c.SubscriptionsPerSocket = cmp.Or(c.SubscriptionsPerSocket, DefaultSubscriptionsPerSocket)
	return c
}

func (c Config) validate() error {
	for _, o := range c.CORSOrigins {
		if o == "" || o == "*" {
			return fmt.Errorf("socketio: CORSOrigins: %q is not an exact origin", o)
		}
	}
	if c.PingInterval < 0 || c.PingTimeout < 0 || c.RecoveryWindow < 0 || c.SnapshotTimeout < 0 {
		return errors.New("socketio: PingInterval, PingTimeout, RecoveryWindow, SnapshotTimeout must not be negative")
	}
	if c.RecoveryBytes < 0 || c.MaxPendingBytes < 0 {
		return errors.New("socketio: RecoveryBytes and MaxPendingBytes must not be negative")
	}
	if c.MaxHTTPBufferSize < 1024 {
		return fmt.Errorf("socketio: MaxHTTPBufferSize %d is below 1024", c.MaxHTTPBufferSize)
	}
	if c.SnapshotLimit < 0 || c.EventRate < 0 || c.EventBurst < 0 {
		return errors.New("socketio: SnapshotLimit, EventRate, EventBurst must not be negative")
	}
	return nil
}

// SnapshotSource gives the state a socket sees right after it subscribes (the store
// implements it): the latest worker_progress of each job of userID that is running or
// ended in the last hour, and the current LaunchProgress of each of userID's launches of
// the last 24 hours. With all, userID is ignored and every user's are returned, at most
// limit of each.
type SnapshotSource interface {
	Snapshot(ctx context.Context, userID string, all bool, limit int) ([]wire.WorkerProgressEvent, []wire.LaunchProgress, error)
}

// Deps are the server's collaborators.
type Deps struct {
	// Verifier checks tokens; required unless Config.AuthOff.
	Verifier *auth.Verifier
	// Snapshots may be nil: subscribes then send no snapshot.
	Snapshots SnapshotSource
	Log       zerolog.Logger
}

// Stats are the server's counters, read by the API's /metrics.
type Stats struct {
	Connected      int64  // sockets connected now
	Connections    uint64 // sockets accepted since start (recovered ones included)
	Refused        uint64 // handshakes refused by authentication
	Emitted        uint64 // records passed to Emit
	EmitErrors     uint64 // records that could not be encoded
	Deliveries     uint64 // events written to sockets (live, snapshot and replayed)
	SnapshotEvents uint64 // events sent as snapshots
	Refusals       uint64 // client events answered with an error
	RateLimited    uint64 // client events dropped by the per-socket rate limit
	// Disconnects counts the sockets that went away, by reason (every Reason* label).
	Disconnects map[string]uint64
	// RecoveryPackets and RecoveryBytes are what connection-state recovery keeps now.
	RecoveryPackets int
	RecoveryBytes   int64
	// TooManySockets and TooManySubscriptions count the refusals of the caps
	// (SocketsPerUser, SubscriptionsPerSocket); SocketUsers is the users connected now.
	TooManySockets, TooManySubscriptions uint64
	SocketUsers                          int
}

// Server is the Socket.IO server. It is safe for concurrent use.
type Server struct {
	cfg     Config
	deps    Deps
	log     zerolog.Logger
	io      *sio.Server
	adapter *recoveryAdapter // the root namespace's: progress events go straight to it
	handler http.Handler

	// mu orders live emits (read side) against a subscribe's join and snapshot (write
	// side), so a snapshot never sends an older state after a live event of that key.
	mu      sync.RWMutex
	pending pendingSet
	recent  *recentRing

	connected                                       atomic.Int64
	connections, refused, emitted, emitErrors       atomic.Uint64
	deliveries, snapshotEvents, refusals, rateLimit atomic.Uint64
	disconnects                                     disconnectCounts
	users                                           *userSockets
	tooManySockets, tooManySubs                     atomic.Uint64

	closeOnce sync.Once

	// admitHook, when set, runs first in the connection middleware: tests hold a
	// handshake there to reach the gap between a session's restore and its admission.
	admitHook atomic.Pointer[func(*sio.Socket)]
}

// New builds the server; mount Handler at /socket.io/.
func New(cfg Config, deps Deps) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if deps.Verifier == nil && !cfg.AuthOff {
		return nil, errors.New("socketio: Deps.Verifier is required unless AuthOff")
	}
	s := &Server{cfg: cfg, deps: deps, log: deps.Log.With().Str("component", "socketio").Logger(),
		recent: newRecentRing(recentWindow, recentMax), disconnects: newDisconnectCounts(), users: newUserSockets()}
	s.io = sio.NewServer(nil, s.options())
	s.adapter = s.io.Sockets().Adapter().(*recoveryAdapter)
	s.io.Use(s.authenticate)
	s.io.On("connection", func(args ...any) {
		if sock, ok := args[0].(*sio.Socket); ok {
			s.onConnection(sock)
		}
	})
	s.handler = allowSameOrigin(s.io.ServeHandler(nil))
	return s, nil
}

func (s *Server) options() *sio.ServerOptions {
	opts := sio.DefaultServerOptions()
	opts.SetPingInterval(s.cfg.PingInterval)
	opts.SetPingTimeout(s.cfg.PingTimeout)
	opts.SetMaxHttpBufferSize(s.cfg.MaxHTTPBufferSize)
	opts.SetServeClient(false)
	opts.SetParser(newEventParser(s.bindClaim))
	// Our websocket transport (wstransport.go) in place of the library's; polling stays
	// the library's. No PerMessageDeflate: frames are plain both ways, as Node's
	// socket.io does by default (and a compressed client frame would be limited by
	// MaxHTTPBufferSize before inflation only).
	opts.SetTransports(types.NewSet[transports.TransportCtor](engine.Polling,
		&wsTransportBuilder{maxPending: s.cfg.MaxPendingBytes, pongHold: pongHoldFor(s.cfg.PingTimeout), log: s.log}))
	opts.SetCors(&types.Cors{
		Origin:      append([]string(nil), s.cfg.CORSOrigins...),
		Credentials: true,
		Methods:     []string{"GET", "POST"},
		// AllowedHeaders nil: preflights reflect the requested headers, as Node's cors does.
	})
	csr := sio.DefaultConnectionStateRecovery()
	csr.SetMaxDisconnectionDuration(s.cfg.RecoveryWindow.Milliseconds())
	// Re-check the token on recovery too: a token may expire while the client is away.
	csr.SetSkipMiddlewares(false)
	opts.SetConnectionStateRecovery(csr)
	opts.SetAdapter(&recoveryAdapterBuilder{window: s.cfg.RecoveryWindow, maxBytes: s.cfg.RecoveryBytes})
	return opts
}

// Handler serves the Socket.IO endpoint; mount it at /socket.io/ on the API's mux.
func (s *Server) Handler() http.Handler { return s.handler }

// Sockets is the number of connected sockets.
func (s *Server) Sockets() int { return s.io.Sockets().Sockets().Len() }

// Stats returns the counters.
func (s *Server) Stats() Stats {
	st := Stats{
		Connected: s.connected.Load(), Connections: s.connections.Load(), Refused: s.refused.Load(),
		Emitted: s.emitted.Load(), EmitErrors: s.emitErrors.Load(), Deliveries: s.deliveries.Load(),
		SnapshotEvents: s.snapshotEvents.Load(), Refusals: s.refusals.Load(), RateLimited: s.rateLimit.Load(),
		Disconnects: s.disconnects.snapshot(), TooManySockets: s.tooManySockets.Load(), TooManySubscriptions: s.tooManySubs.Load(),
		SocketUsers: s.users.users(),
	}
	st.RecoveryPackets, st.RecoveryBytes = s.adapter.recoveryStats()
	return st
}

// Disconnects counts the sockets that went away since start, by reason (the Reason*
// labels, every one present); it feeds nitro_socket_disconnects_total.
func (s *Server) Disconnects() map[string]uint64 { return s.disconnects.snapshot() }

// Close disconnects every socket (clients see "transport close" and reconnect to the
// next instance). The http.Server that mounts Handler still needs its own Shutdown.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		done := make(chan struct{})
		s.io.Close(func(error) { close(done) })
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			s.log.Warn().Msg("socket.io close did not finish within 5s")
		}
	})
}
