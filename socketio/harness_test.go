package socketio

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/auth"
	"github.com/nitro-runtime/nitro/progress/wire"
)

const testSecret = "socketio-test-secret-0123456789"

// fakeSnapshots is the SnapshotSource of the tests: fixed state per user.
type fakeSnapshots struct {
	mu       sync.Mutex
	workers  map[string][]wire.WorkerProgressEvent
	launches map[string][]wire.LaunchProgress
	calls    atomic.Int64
}

func newFakeSnapshots() *fakeSnapshots {
	return &fakeSnapshots{workers: map[string][]wire.WorkerProgressEvent{}, launches: map[string][]wire.LaunchProgress{}}
}

func (f *fakeSnapshots) Snapshot(_ context.Context, userID string, all bool, limit int) ([]wire.WorkerProgressEvent, []wire.LaunchProgress, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !all {
		return append([]wire.WorkerProgressEvent(nil), f.workers[userID]...), append([]wire.LaunchProgress(nil), f.launches[userID]...), nil
	}
	var ws []wire.WorkerProgressEvent
	var ls []wire.LaunchProgress
	for _, w := range f.workers {
		ws = append(ws, w...)
	}
	for _, l := range f.launches {
		ls = append(ls, l...)
	}
	return ws[:min(len(ws), limit)], ls[:min(len(ls), limit)], nil
}

// harness runs a Server on a real listener that can be restarted on the same address.
type harness struct {
	t        testing.TB
	cfg      Config
	verifier *auth.Verifier
	snaps    *fakeSnapshots
	addr     string

	mu   sync.Mutex
	srv  *Server
	http *http.Server
}

func newHarness(t *testing.T, cfg Config) *harness { return newHarnessTB(t, cfg) }

func newBenchHarness(b *testing.B) *harness { return newHarnessTB(b, Config{}) }

func newHarnessTB(t testing.TB, cfg Config) *harness {
	t.Helper()
	v, err := auth.NewVerifier([]byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CORSOrigins == nil {
		cfg.CORSOrigins = []string{"http://localhost:3000"}
	}
	h := &harness{t: t, cfg: cfg, verifier: v, snaps: newFakeSnapshots()}
	h.start("127.0.0.1:0")
	t.Cleanup(h.stop)
	return h
}

func (h *harness) start(addr string) {
	h.t.Helper()
	srv, err := New(h.cfg, Deps{Verifier: h.verifier, Snapshots: h.snaps, Log: testLogger(h.t)})
	if err != nil {
		h.t.Fatal(err)
	}
	var ln net.Listener
	deadline := time.Now().Add(5 * time.Second)
	for ln, err = net.Listen("tcp", addr); err != nil && time.Now().Before(deadline); ln, err = net.Listen("tcp", addr) {
		time.Sleep(20 * time.Millisecond) // the old listener's port is being released
	}
	if err != nil {
		h.t.Fatalf("listen %s: %v", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv.Handler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	h.mu.Lock()
	h.srv, h.http, h.addr = srv, hs, ln.Addr().String()
	h.mu.Unlock()
}

func (h *harness) stop() {
	h.mu.Lock()
	srv, hs := h.srv, h.http
	h.mu.Unlock()
	srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		_ = hs.Close()
	}
}

func (h *harness) restart() {
	h.stop()
	h.start(h.addr)
}

func (h *harness) server() *Server {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.srv
}

func (h *harness) url() string { return "http://" + h.addr }

func (h *harness) token(user string, admin bool) string {
	h.t.Helper()
	tok, err := h.verifier.Issue(user, admin, time.Hour)
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

// badTokens are the refusal cases with the message the client must read.
func (h *harness) badTokens() map[string][2]string {
	h.t.Helper()
	other, _ := auth.NewVerifier([]byte("another-secret-another-secret!!"))
	forged, _ := other.Issue("alice", true, time.Hour)
	expired, _ := h.verifier.Issue("alice", false, -time.Minute)
	enc := base64.RawURLEncoding.EncodeToString
	none := enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc([]byte(`{"sub":"alice","role":"admin","exp":9999999999}`)) + "."
	return map[string][2]string{
		"none":    {"", "unauthorized: " + auth.ErrMissingToken.Error()},
		"forged":  {forged, "unauthorized: " + auth.ErrInvalid.Error()},
		"expired": {expired, "unauthorized: " + auth.ErrExpired.Error()},
		"algnone": {none, "unauthorized: " + auth.ErrBadAlg.Error()},
		"garbage": {"x.y.z", "unauthorized: " + auth.ErrInvalid.Error()},
	}
}

// workerEvent is a minimal valid worker_progress payload.
func workerEvent(user, job string, pct int) wire.WorkerProgressEvent {
	return wire.WorkerProgressEvent{
		JobID: job, WorkerType: wire.LaunchToken, TokenAddress: "Tok" + job, UserID: user, UserChatID: 42,
		Phase: 1, TotalPhases: 3, PhaseTitle: "phase", PhaseDescription: "desc", Progress: pct,
		Status: wire.StatusInProgress, Timestamp: 1_700_000_000_000 + int64(pct),
	}
}

func workerRecord(user, job string, pct int) wire.Record {
	r, err := wire.NewRecord(wire.EventWorkerProgress, workerEvent(user, job, pct))
	if err != nil {
		panic(err)
	}
	r.JobID, r.UserID, r.TokenAddress, r.Seq, r.At = job, user, "Tok"+job, int64(pct), time.Now()
	return r
}

func testLogger(t testing.TB) zerolog.Logger {
	if os.Getenv("SOCKETIO_TEST_LOG") != "" {
		return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.DebugLevel)
	}
	return zerolog.Nop()
}

// ctlHandler answers a node script's control request.
type ctlHandler func(cmd string, args json.RawMessage) (any, error)

// runNode runs testdata/js/<script> with the real socket.io-client of e2e/node_modules.
// The script drives the test: it asks the Go side to emit, restart or report through
// JSON lines on stdout ({id, cmd, args}) answered on its stdin ({id, result|error}),
// and ends with {done, result}, which runNode decodes into out.
func runNode(t *testing.T, script string, params map[string]any, handle ctlHandler, out any) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is required for the socket.io-client tests: %v", err)
	}
	modules, err := filepath.Abs(filepath.Join("..", "e2e", "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(modules, "socket.io-client")); err != nil {
		t.Fatalf("socket.io-client is not installed in %s: %v", modules, err)
	}
	p, _ := json.Marshal(params)
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "js", script))
	cmd.Env = append(os.Environ(), "NITRO_NODE_MODULES="+modules, "NITRO_TEST_PARAMS="+string(p))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	result, perr := serveNode(stdout, stdin, handle)
	werr := cmd.Wait()
	if perr != nil || werr != nil {
		t.Fatalf("node %s: protocol: %v, exit: %v\nstderr:\n%s", script, perr, werr, stderr.String())
	}
	if testing.Verbose() && stderr.Len() > 0 {
		t.Logf("node %s stderr:\n%s", script, stderr.String())
	}
	if out != nil {
		if err := json.Unmarshal(result, out); err != nil {
			t.Fatalf("node %s result %s: %v", script, result, err)
		}
	}
}

func serveNode(stdout io.Reader, stdin io.WriteCloser, handle ctlHandler) (json.RawMessage, error) {
	defer stdin.Close()
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	for sc.Scan() {
		var msg struct {
			ID     int             `json:"id"`
			Cmd    string          `json:"cmd"`
			Args   json.RawMessage `json:"args"`
			Done   bool            `json:"done"`
			Fail   string          `json:"fail"`
			Result json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil {
			return nil, fmt.Errorf("bad line %q: %w", sc.Text(), err)
		}
		switch {
		case msg.Fail != "":
			return nil, errors.New("script failed: " + msg.Fail)
		case msg.Done:
			return msg.Result, nil
		}
		res, err := handle(msg.Cmd, msg.Args)
		reply := map[string]any{"id": msg.ID, "result": res}
		if err != nil {
			reply = map[string]any{"id": msg.ID, "error": err.Error()}
		}
		b, _ := json.Marshal(reply)
		if _, err := stdin.Write(append(b, '\n')); err != nil {
			return nil, fmt.Errorf("write to node: %w", err)
		}
	}
	return nil, fmt.Errorf("node ended without a result: %v", sc.Err())
}

// emitArgs is the "emit" control command: count worker_progress events for one job.
type emitArgs struct {
	UserID string `json:"userId"`
	JobID  string `json:"jobId"`
	From   int    `json:"from"`
	Count  int    `json:"count"`
}

// baseHandler answers the commands every script may use.
func (h *harness) baseHandler(extra ctlHandler) ctlHandler {
	return func(cmd string, args json.RawMessage) (any, error) {
		switch cmd {
		case "emit":
			var a emitArgs
			if err := json.Unmarshal(args, &a); err != nil {
				return nil, err
			}
			for i := a.From; i < a.From+max(a.Count, 1); i++ {
				h.server().Emit(workerRecord(a.UserID, a.JobID, i))
			}
			return true, nil
		case "restart":
			h.restart()
			return true, nil
		case "stats":
			return h.server().Stats(), nil
		case "sockets":
			return h.server().Sockets(), nil
		}
		if extra != nil {
			return extra(cmd, args)
		}
		return nil, fmt.Errorf("unknown command %q", cmd)
	}
}
