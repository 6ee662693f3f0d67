package api

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/auth"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/store"
	"github.com/nitro-runtime/nitro/workers"
)

// Small fakes for failure paths a real Redis or PostgreSQL cannot be made to take on
// cue; the store-backed tests in api_test cover the happy and refusal paths.

type fakeEnqueuer struct {
	mu    sync.Mutex
	err   error
	tasks []*asynq.Task
}

func (f *fakeEnqueuer) EnqueueContext(_ context.Context, t *asynq.Task, _ ...asynq.Option) (*asynq.TaskInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	f.tasks = append(f.tasks, t)
	return &asynq.TaskInfo{}, nil
}

type fakeStore struct {
	mu      sync.Mutex
	err     error
	jobs    map[string]store.Job
	failed  map[string]string
	wallets []store.Wallet
}

func newFakeStore() *fakeStore {
	return &fakeStore{jobs: map[string]store.Job{}, failed: map[string]string{}}
}

func (f *fakeStore) CreateJob(_ context.Context, j store.Job) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if _, ok := f.jobs[j.ID]; ok {
		return store.ErrConflict
	}
	j.State = store.JobQueued
	f.jobs[j.ID] = j
	return nil
}

func (f *fakeStore) GetJob(_ context.Context, id string) (store.Job, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return store.Job{}, f.err
	}
	j, ok := f.jobs[id]
	if !ok {
		return store.Job{}, store.ErrNotFound
	}
	return j, nil
}

func (f *fakeStore) FailJob(_ context.Context, id, errText string, _ bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed[id] = errText
	if j, ok := f.jobs[id]; ok {
		j.State, j.Error = store.JobFailed, errText
		f.jobs[id] = j
	}
	return nil
}

func (f *fakeStore) ReviveJob(_ context.Context, id, errText string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j, ok := f.jobs[id]
	if f.err != nil || !ok || j.State != store.JobFailed || j.Error != errText {
		return false, f.err
	}
	j.State, j.Error = store.JobQueued, ""
	f.jobs[id] = j
	return true, nil
}

func (f *fakeStore) JobSteps(context.Context, string) ([]progress.WorkerStepEvent, error) {
	return nil, f.err
}
func (f *fakeStore) JobEvents(context.Context, string, int64, int) ([]store.Event, error) {
	return nil, f.err
}
func (f *fakeStore) GetLaunch(context.Context, string) (store.Launch, error) {
	return store.Launch{}, cmpErr(f.err, store.ErrNotFound)
}
func (f *fakeStore) ListUserLaunches(context.Context, string, int) ([]store.Launch, error) {
	return nil, f.err
}
func (f *fakeStore) CreateWallet(_ context.Context, userID, label string, _ store.WalletKind, secret []byte) (store.Wallet, error) {
	if f.err != nil {
		return store.Wallet{}, f.err
	}
	return store.Wallet{PublicKey: "pub", UserID: userID, Label: label}, nil
}
func (f *fakeStore) ListWallets(context.Context, string, store.WalletKind) ([]store.Wallet, error) {
	return f.wallets, f.err
}
func (f *fakeStore) ImportWallets(context.Context, string, []store.WalletImport) ([]store.Wallet, error) {
	return nil, cmpErr(f.err, errors.New("not in the fake"))
}
func (f *fakeStore) GetUserWallet(_ context.Context, userID, pub string) (store.Wallet, error) {
	for _, w := range f.wallets {
		if w.PublicKey == pub && w.UserID == userID {
			return w, f.err
		}
	}
	return store.Wallet{}, cmpErr(f.err, store.ErrNotFound)
}
func (f *fakeStore) RenameWallet(context.Context, string, string, string) (store.Wallet, error) {
	return store.Wallet{}, cmpErr(f.err, store.ErrNotFound)
}
func (f *fakeStore) DeleteWallet(context.Context, string, string) error {
	return cmpErr(f.err, store.ErrNotFound)
}
func (f *fakeStore) RestoreWallet(context.Context, string, string) (store.Wallet, error) {
	return store.Wallet{}, cmpErr(f.err, store.ErrNotFound)
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// The workers' middleware reports to *Metrics through its own interface.
var _ workers.Metrics = (*Metrics)(nil)

const fakeKey = "fake-api-key-123456"

func newFakeServer(t testing.TB, enq *fakeEnqueuer, st *fakeStore, bal Balances, log *bytes.Buffer) http.Handler {
	t.Helper()
	v, _ := auth.NewVerifier([]byte("0123456789abcdef0123456789abcdef"))
	lg := zerolog.Nop()
	if log != nil {
		lg = zerolog.New(log)
	}
	s, err := New(Config{RateLimit: 1e6, RateBurst: 1e6, EnqueuePerUser: Unlimited, WalletsPerUser: Unlimited,
		EnqueuePerKey: Unlimited, WalletsPerKey: Unlimited}, Deps{Enqueuer: enq, Jobs: st, Launches: st, Wallets: st,
		Balances: bal, Verifier: v, APIKeys: auth.NewAPIKeys([]string{fakeKey}), Log: lg})
	if err != nil {
		t.Fatal(err)
	}
	return s.Handler()
}

func fakeCall(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", fakeKey)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

const devSell = `{"userId":"u1","tokenAddress":"4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T","sellPercent":50}`

func TestEnqueueFailureMarksJobFailedAnd503(t *testing.T) {
	enq, st := &fakeEnqueuer{err: errors.New("redis: connection refused")}, newFakeStore()
	var log bytes.Buffer
	h := newFakeServer(t, enq, st, nil, &log)
	rec := fakeCall(h, "POST", "/api/jobs/dev_sell", devSell)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("status %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "connection refused") {
		t.Fatal("dependency error leaked to the client")
	}
	if len(st.failed) != 1 {
		t.Fatalf("the row of a job that was never enqueued must be failed: %v", st.failed)
	}
	if !strings.Contains(log.String(), "connection refused") || strings.Contains(log.String(), fakeKey) {
		t.Fatalf("log: %s", log.String())
	}
}

// A request whose enqueue failed in Redis can be retried with its Idempotency-Key:
// the retry enqueues the job (202) instead of returning the dead one.
func TestEnqueueRetryAfterFailureWithKey(t *testing.T) {
	enq, st := &fakeEnqueuer{err: errors.New("redis: connection refused")}, newFakeStore()
	h := newFakeServer(t, enq, st, nil, nil)
	call := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/api/jobs/dev_sell", strings.NewReader(devSell))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-API-Key", fakeKey)
		req.Header.Set("Idempotency-Key", "msg-9")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := call(); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("Redis down: %d %s", rec.Code, rec.Body)
	}
	enq.mu.Lock()
	enq.err = nil
	enq.mu.Unlock()
	if rec := call(); rec.Code != http.StatusAccepted || len(enq.tasks) != 1 {
		t.Fatalf("retry: %d %s, %d tasks; want 202 and the task enqueued", rec.Code, rec.Body, len(enq.tasks))
	}
	if rec := call(); rec.Code != http.StatusOK || len(enq.tasks) != 1 {
		t.Fatalf("repeat: %d %s, %d tasks; want 200 and no second task", rec.Code, rec.Body, len(enq.tasks))
	}
}

func TestStoreDownIs503(t *testing.T) {
	st := newFakeStore()
	st.err = errors.New("pg down")
	h := newFakeServer(t, &fakeEnqueuer{}, st, nil, nil)
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/jobs/dev_sell", devSell},
		{"GET", "/api/jobs/abc", ""},
		{"GET", "/api/launches/4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T", ""},
		{"GET", "/api/users/u1/launches", ""},
		{"GET", "/api/users/u1/wallets", ""},
		{"POST", "/api/wallets", `{"userId":"u1","generate":true}`},
	} {
		if rec := fakeCall(h, c.method, c.path, c.body); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("%s %s: %d %s", c.method, c.path, rec.Code, rec.Body)
		}
	}
}

func TestWalletBalancesUnavailable(t *testing.T) {
	st := newFakeStore()
	st.wallets = []store.Wallet{{PublicKey: "p1", UserID: "u1", Label: "dev", Kind: store.WalletUser}}
	h := newFakeServer(t, &fakeEnqueuer{}, st, BalancesFunc(func(context.Context, []string, []TokenMint) (map[string]Holding, error) {
		return nil, errors.New("rpc down")
	}), nil)
	rec := fakeCall(h, "GET", "/api/users/u1/wallets", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"balanceSol":null`) ||
		!strings.Contains(rec.Body.String(), `"balancesError"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Config{}, Deps{}); err == nil || !strings.Contains(err.Error(), "Deps.") {
		t.Fatalf("missing deps: %v", err)
	}
	st := newFakeStore()
	v, _ := auth.NewVerifier([]byte("0123456789abcdef0123456789abcdef"))
	deps := Deps{Enqueuer: &fakeEnqueuer{}, Jobs: st, Launches: st, Wallets: st, Verifier: v, APIKeys: auth.NewAPIKeys(nil)}
	if _, err := New(Config{RateLimit: -1}, deps); err == nil || !strings.Contains(err.Error(), "RateLimit") {
		t.Fatalf("bad config: %v", err)
	}
}

// FuzzEnqueueBody: any body for any type gets a JSON answer of 202, 400, 404 or 413,
// never a panic or a 5xx, and an accepted payload is what was enqueued.
func FuzzEnqueueBody(f *testing.F) {
	f.Add("dev_sell", devSell)
	f.Add("dev_sell", `{"userId":"u1","sellPercent":"x"}`)
	f.Add("wallet_sell", `{"userId":"u1","tokenAddress":"4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T","sellPercent":5,"wallets":[]}`)
	f.Add("launch_token", `{"userId":"u1","platform":"pump","name":"A","symbol":"B","image":"https://x.io/a.png","devWallet":"4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T","devBuySol":1}`)
	f.Add("nope", `{}`)
	f.Add("create_token_metadata", `[`)
	enq, st := &fakeEnqueuer{}, newFakeStore()
	h := newFakeServer(f, enq, st, nil, nil)
	f.Fuzz(func(t *testing.T, typ, body string) {
		if typ == "" || typ == "." || typ == ".." {
			return // not a path segment: the mux redirects
		}
		rec := fakeCall(h, "POST", "/api/jobs/"+url.PathEscape(typ), body)
		switch rec.Code {
		case http.StatusAccepted, http.StatusBadRequest, http.StatusNotFound, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d for %q %q: %s", rec.Code, typ, body, rec.Body)
		}
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("non-JSON answer %d", rec.Code)
		}
	})
}
