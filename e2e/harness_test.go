package e2e

import (
	"bufio"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/nitro-runtime/nitro/auth"
	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/progress"
)

const (
	jwtSecret = "e2e-secret-e2e-secret-e2e-secret-0123"
	apiKey    = "e2e-api-key"
	adminPass = "e2e-admin-pass"
	appOrigin = "http://localhost:3000"
)

var nitroBin string

// redisDB is this package's Redis database: testkit.DBE2E, or NITRO_E2E_REDIS_DB so
// that two runs on one machine (a developer's and CI's) do not flush each other's queues.
var redisDB = testkit.E2EDB()

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "nitro-e2e")
	if err != nil {
		panic(err)
	}
	nitroBin = filepath.Join(dir, "nitro")
	build := exec.Command("go", "build", "-o", nitroBin, "../cmd/nitro")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build nitro:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is one running `nitro serve`.
type server struct {
	t       *testing.T
	URL     string
	Port    int
	env     []string
	cmd     *exec.Cmd
	logs    *testkit.Buffer
	verify  *auth.Verifier
	redis   asynq.RedisClientOpt
	dataDir string
	command string   // the nitro subcommand; "" is serve
	args    []string // the subcommand's flags
}

var dbSeq atomic.Int64

func databaseURL(name string) string { return testkit.DatabaseURLNamed(name) }

// startServer starts nitro serve on a fresh database and a flushed Redis DB.
func startServer(t *testing.T, extraEnv ...string) *server {
	t.Helper()
	db := fmt.Sprintf("nitro_e2e_%d_%d", os.Getpid(), dbSeq.Add(1))
	testkit.FlushRedis(t, redisDB)
	s := newServer(t, testkit.RedisURL(redisDB), databaseURL(db), extraEnv...)
	s.start()
	t.Cleanup(func() {
		s.stop()
		testkit.DropDatabase(t, db)
	})
	return s
}

// newServer prepares (does not start) nitro serve on the given Redis and database.
func newServer(t *testing.T, redisURL, dbURL string, extraEnv ...string) *server {
	t.Helper()
	s := &server{t: t, Port: testkit.FreePort(t), dataDir: t.TempDir()}
	opt, err := asynq.ParseRedisURI(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	s.redis = opt.(asynq.RedisClientOpt)
	s.URL = fmt.Sprintf("http://127.0.0.1:%d", s.Port)
	s.env = append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		fmt.Sprintf("PORT=%d", s.Port), "HOST=127.0.0.1",
		"REDIS_URL=" + redisURL,
		"DATABASE_URL=" + dbURL,
		"NITRO_JWT_SECRET=" + jwtSecret, "NITRO_API_KEYS=" + apiKey, "NITRO_ADMIN_PASSWORD=" + adminPass,
		"NITRO_MASTER_KEY=" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")),
		"NITRO_DATA_DIR=" + s.dataDir, "NITRO_TEST_TASKS=1", "CORS_ORIGINS=" + appOrigin,
		"LOG_FORMAT=json", "LOG_LEVEL=info",
	}, extraEnv...)
	v, err := auth.NewVerifier([]byte(jwtSecret))
	if err != nil {
		t.Fatal(err)
	}
	s.verify = v
	return s
}

func (s *server) start() {
	s.t.Helper()
	s.logs = &testkit.Buffer{}
	s.cmd = exec.Command(nitroBin, append([]string{cmp.Or(s.command, "serve")}, s.args...)...)
	s.cmd.Env = s.env
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.URL + "/socket.io/?EIO=4&transport=polling")
		if err == nil {
			resp.Body.Close()
			return
		}
		if s.cmd.ProcessState != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("nitro serve did not come up; logs:\n%s", s.logs.String())
}

// stop sends SIGTERM and waits: a graceful shutdown is part of what is tested.
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(40 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
		s.t.Errorf("nitro serve did not stop within 40s of SIGTERM")
	}
	s.cmd = nil
}

func (s *server) token(user string, admin bool) string {
	tok, err := s.verify.Issue(user, admin, time.Hour)
	if err != nil {
		s.t.Fatal(err)
	}
	return tok
}

// enqueueWalk puts a test-walk task straight into asynq, as the Telegram bot does.
func (s *server) enqueueWalk(p map[string]any) string {
	s.t.Helper()
	return s.enqueueTask("nitro_test_walk", p)
}

// enqueueTask puts a task straight into asynq, as the Telegram bot does (no API
// checks: the worker's own are what is tested).
func (s *server) enqueueTask(typ progress.WorkerType, p map[string]any) string {
	s.t.Helper()
	cl := asynq.NewClient(s.redis)
	defer cl.Close()
	body, _ := json.Marshal(p)
	info, err := cl.Enqueue(asynq.NewTask(string(typ), body), asynq.Queue("default"), asynq.MaxRetry(3), asynq.Retention(time.Hour))
	if err != nil {
		s.t.Fatal(err)
	}
	return info.ID
}

// agent drives agent.mjs: every call is one JSON line out and its answer back.
type agent struct {
	t   *testing.T
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
	seq int
	mu  sync.Mutex
	url string
}

type answer struct {
	OK        bool            `json:"ok"`
	Error     string          `json:"error"`
	Data      json.RawMessage `json:"data"`
	Ack       []any           `json:"ack"`
	Events    []event         `json:"events"`
	SocketID  string          `json:"socketId"`
	Transport string          `json:"transport"`
	Connected bool            `json:"connected"`
	Recovered bool            `json:"recovered"`
}

type event struct {
	Event   string          `json:"event"`
	Payload json.RawMessage `json:"payload"`
}

func newAgent(t *testing.T, url string) *agent {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is required for the socket.io-client tests")
	}
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Dir(file)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "socket.io-client")); err != nil {
		t.Fatal("run `make e2e/deps` (npm ci in e2e/) first: socket.io-client is not installed")
	}
	cmd := exec.Command("node", filepath.Join(dir, "agent.mjs"))
	cmd.Dir = dir
	in, _ := cmd.StdinPipe()
	outPipe, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(outPipe)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	a := &agent{t: t, cmd: cmd, in: in, out: sc, url: url}
	t.Cleanup(func() { in.Close(); _ = cmd.Wait() })
	return a
}

func (a *agent) call(req map[string]any) answer {
	a.t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seq++
	req["id"] = a.seq
	b, _ := json.Marshal(req)
	start := time.Now()
	defer func() {
		if d := time.Since(start); d > 2*time.Second {
			a.t.Logf("agent %v took %v", req["op"], d)
		}
	}()
	if _, err := a.in.Write(append(b, '\n')); err != nil {
		a.t.Fatalf("agent write: %v", err)
	}
	for a.out.Scan() {
		var resp struct {
			ID int `json:"id"`
			answer
		}
		if err := json.Unmarshal(a.out.Bytes(), &resp); err != nil {
			a.t.Fatalf("agent answer %q: %v", a.out.Text(), err)
		}
		if resp.ID == a.seq {
			return resp.answer
		}
	}
	a.t.Fatalf("agent exited: %v", a.out.Err())
	return answer{}
}

// connect opens a named client with the seed guide's options plus opts.
func (a *agent) connect(name string, opts map[string]any) answer {
	base := map[string]any{
		"transports": []string{"websocket", "polling"}, "timeout": 20000,
		"forceNew": true, "upgrade": true, "extraHeaders": map[string]string{"Origin": appOrigin},
	}
	for k, v := range opts {
		base[k] = v
	}
	return a.call(map[string]any{"op": "connect", "name": name, "url": a.url, "opts": base})
}

func (a *agent) emit(name, ev string, args ...any) answer {
	if args == nil {
		args = []any{}
	}
	return a.call(map[string]any{"op": "emit", "name": name, "event": ev, "args": args, "ack": true})
}

func (a *agent) wait(name string, match map[string]any, count int, timeout time.Duration) answer {
	return a.call(map[string]any{"op": "wait", "name": name, "match": match, "count": count, "timeoutMs": timeout.Milliseconds()})
}

func (a *agent) events(name string, clear bool) []event {
	return a.call(map[string]any{"op": "events", "name": name, "clear": clear}).Events
}
