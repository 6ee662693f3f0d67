package api_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/mr-tron/base58"
	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/api"
	"github.com/nitro-runtime/nitro/auth"
	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/store"
	"github.com/nitro-runtime/nitro/store/storetest"
)

const (
	testAPIKey   = "test-api-key-0123456789"
	testAPIKey2  = "test-api-key-of-the-dapp-backend"
	testPassword = "admin-password-for-tests"
)

// redisOpt is this package's Redis database (flushed by every harness).
var redisOpt = testkit.AsynqRedis(testkit.DBAPI)

// harness is a real API over a real store (its own schema), a real asynq client on
// this package's Redis database, and a recorder of every response body so tests can assert that no
// secret ever left the server.
type harness struct {
	t        *testing.T
	srv      *httptest.Server
	api      *api.Server
	store    *store.Store
	verifier *auth.Verifier
	insp     *asynq.Inspector
	client   *asynq.Client
	logs     *testkit.Buffer
	sockets  fakeSockets

	mu     sync.Mutex
	bodies [][]byte
	// held is what the fake chain reports per wallet; nil: the i-th key asked about
	// holds (i+1) x 1.5 SOL. mintsAsked records the mints of each balance read.
	held       map[string]api.Holding
	mintsAsked [][]api.TokenMint
}

// holdings is the harness's Balances: the chain side is cmd's (tested there).
func (h *harness) holdings(_ context.Context, keys []string, mints []api.TokenMint) (map[string]api.Holding, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.mintsAsked = append(h.mintsAsked, mints)
	out := map[string]api.Holding{}
	for i, k := range keys {
		if h.held == nil {
			out[k] = api.Holding{Lamports: uint64(i+1) * 1_500_000_000}
		} else if v, ok := h.held[k]; ok {
			out[k] = v
		}
	}
	return out, nil
}

type fakeSockets int

func (f fakeSockets) Sockets() int { return int(f) }

func (f fakeSockets) Refused() map[string]uint64 {
	return map[string]uint64{"unauthorized": 1, "sockets per user": uint64(f)}
}

func (f fakeSockets) Disconnects() map[string]uint64 {
	return map[string]uint64{"ping timeout": 0, "transport close": uint64(f)}
}

type harnessOpts struct {
	cfg    api.Config
	checks map[string]api.HealthCheck
	mount  map[string]http.Handler
	owners bool // refuse payloads naming wallets or launches not the user's
}

func newHarness(t *testing.T, o harnessOpts) *harness {
	t.Helper()
	testkit.FlushRedis(t, testkit.DBAPI)
	v, err := auth.NewVerifier([]byte("a-test-secret-of-32-bytes-length"))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, store: storetest.New(t), verifier: v, logs: &testkit.Buffer{}, sockets: 3}
	h.client = asynq.NewClient(redisOpt)
	h.insp = asynq.NewInspector(redisOpt)
	t.Cleanup(func() { h.client.Close(); h.insp.Close() })
	cfg := o.cfg
	cfg.AdminPassword = testPassword
	cfg.Version = "test"
	if cfg.RateLimit == 0 {
		cfg.RateLimit, cfg.RateBurst = 1000, 1000
	}
	if cfg.AdminFailuresPerAddr == 0 { // TestAdminLoginThrottle sets its own
		cfg.AdminFailuresPerAddr, cfg.AdminFailuresOverall = 1000, 1000
	}
	checks := o.checks
	if checks == nil {
		redisCheck, closer, err := api.RedisCheck(redisOpt)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closer.Close() })
		checks = map[string]api.HealthCheck{"redis": redisCheck, "postgres": h.store.Ping,
			"solana": func(context.Context) error { return nil }}
	}
	deps := api.Deps{
		Enqueuer: h.client, Jobs: h.store, Launches: h.store, Wallets: h.store,
		Balances: api.BalancesFunc(h.holdings),
		Checks:   checks, Verifier: v, APIKeys: auth.NewAPIKeys([]string{testAPIKey, testAPIKey2}), Redis: redisOpt,
		Sockets: h.sockets, ProgressStats: func() progress.Stats { return progress.Stats{Emitted: 7, Persisted: 5} },
		Mount: o.mount, Log: zerolog.New(h.logs),
	}
	if o.owners {
		deps.Owners = h.store
	}
	h.api, err = api.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.api.Close() })
	h.srv = httptest.NewServer(h.api.Handler())
	t.Cleanup(h.srv.Close)
	return h
}

// token issues a JWT for user (admin when admin).
func (h *harness) token(user string, admin bool) string {
	tok, err := h.verifier.Issue(user, admin, time.Hour)
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object (%d): %s", r.status, r.body)
	}
	return m
}

// call sends a request; auth is "key" (API key), "none", "basic", "basic:<pw>", or a JWT.
func (h *harness) call(method, path, authz string, body any, hdr ...string) reply {
	h.t.Helper()
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ctype)
	}
	switch {
	case authz == "none":
	case authz == "key":
		req.Header.Set("Authorization", "Bearer "+testAPIKey)
	case authz == "basic":
		req.SetBasicAuth("admin", testPassword)
	case strings.HasPrefix(authz, "basic:"):
		req.SetBasicAuth("admin", strings.TrimPrefix(authz, "basic:"))
	default:
		req.Header.Set("Authorization", "Bearer "+authz)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	h.mu.Lock()
	h.bodies = append(h.bodies, b)
	h.mu.Unlock()
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// expect asserts the status and, for errors, the JSON {error} shape.
func (h *harness) expect(r reply, status int) map[string]any {
	h.t.Helper()
	if r.status != status {
		h.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if status >= 400 {
		m := r.json(h.t)
		if s, _ := m["error"].(string); s == "" {
			h.t.Fatalf("error body without error: %s", r.body)
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			h.t.Fatalf("error Content-Type %q", ct)
		}
		return m
	}
	if len(r.body) > 0 && strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		return r.json(h.t)
	}
	return nil
}

// assertNeverSent fails if any response body or log line held one of secrets.
func (h *harness) assertNeverSent(secrets ...string) {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range secrets {
		for _, b := range h.bodies {
			if bytes.Contains(b, []byte(s)) {
				h.t.Fatalf("a response contained a secret: %s", b)
			}
		}
		if strings.Contains(h.logs.String(), s) {
			h.t.Fatalf("the log contained a secret")
		}
	}
}

// keypair returns a fresh Solana keypair: base58 secret (64 bytes) and public key.
func keypair(t *testing.T) (secret, pub string) {
	t.Helper()
	p, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return base58.Encode(priv), base58.Encode(p)
}

// pubkey returns a deterministic valid public key.
func pubkey(n byte) string {
	b := make([]byte, 32)
	for i := range b {
		b[i] = n + byte(i)
	}
	return base58.Encode(b)
}

// closedAddr is a local address nothing listens on.
