package workers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sol "github.com/gagliardetto/solana-go"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/progress/progresstest"
	"github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/jito"
	"github.com/nitro-runtime/nitro/solana/localnet"
	"github.com/nitro-runtime/nitro/solana/metadata"
	"github.com/nitro-runtime/nitro/store"
	"github.com/nitro-runtime/nitro/store/storetest"
)

// A 1×1 PNG, as a dApp would send it.
const pngDataURI = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

// env is the real stack of a job: the built-in cluster over HTTP, a chain client,
// an isolated PostgreSQL schema, the progress hub with a recording emitter, the
// metadata store over HTTP, and an asynq server on Redis DB 9.
type env struct {
	t           testing.TB
	cluster     *localnet.Cluster
	chain       *solana.Client
	st          *store.Store
	rec         *progresstest.Recorder
	deps        *Deps
	faults      *faults
	client      *asynq.Client
	queueSuffix string
	rpcTime     atomic.Int64 // ns spent inside the cluster's RPC handler
	rpcN        atomic.Int64
}

func newEnv(t testing.TB, tune func(*Deps)) *env {
	t.Helper()
	return newEnvSlot(t, 20*time.Millisecond, tune)
}

// newEnvSlot is newEnv with the cluster producing a slot every slot.
func newEnvSlot(t testing.TB, slot time.Duration, tune func(*Deps)) *env {
	t.Helper()
	e := &env{t: t, rec: &progresstest.Recorder{}, faults: &faults{}}
	cl, err := localnet.New(localnet.Config{SlotInterval: slot})
	if err != nil {
		t.Fatal(err)
	}
	e.cluster = cl
	rpcSrv := httptest.NewServer(e.timed(cl.Handler()))
	wsSrv := httptest.NewServer(cl.WSHandler())
	mdMux := http.NewServeMux()
	mdSrv := httptest.NewServer(mdMux)
	t.Cleanup(func() { mdSrv.Close(); wsSrv.Close(); rpcSrv.Close(); cl.Close() })
	builtin, err := metadata.NewBuiltin(mdSrv.URL, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	mdMux.Handle("/metadata/", builtin.Handler())
	e.chain, err = solana.NewClient(solana.Config{
		RPCURL: rpcSrv.URL, WSURL: "ws" + strings.TrimPrefix(wsSrv.URL, "http"),
		RateLimit: 5000, RetryBackoff: 10 * time.Millisecond, ResendInterval: 100 * time.Millisecond,
		PollInterval: 20 * time.Millisecond, BlockhashMaxAge: 200 * time.Millisecond,
		RateLimitPatience: 200 * time.Millisecond, // a cluster that only answers 429 fails a run quickly
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.chain.Close() })
	e.st = storetest.New(t)
	e.deps = &Deps{Store: e.st, Chain: e.chain, Uploader: builtin, Jito: &jito.Client{URL: rpcSrv.URL},
		Config: Config{BundleWait: 5 * time.Second}, Log: zerolog.Nop(), faults: e.faults}
	e.deps.Enqueue = func(ctx context.Context, r jobs.Request) (jobs.Enqueued, error) {
		return jobs.Enqueue(ctx, testQueues{e}, e.st, r, jobs.Options{MaxRetry: 5, Timeout: 2 * time.Minute})
	}
	if tune != nil {
		tune(e.deps)
	}
	e.startWorkers()
	return e
}

// testQueues puts a follow-up job into the env's own queue of its type.
type testQueues struct{ e *env }

func (q testQueues) EnqueueContext(ctx context.Context, t *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	queue := jobs.QueueOf(progress.WorkerType(t.Type())) + q.e.queueSuffix // the last Queue option wins
	return q.e.client.EnqueueContext(ctx, t, append(opts, asynq.Queue(queue))...)
}

// timed counts requests and time spent in the cluster's RPC handler.
func (e *env) timed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h.ServeHTTP(w, r)
		e.rpcTime.Add(int64(time.Since(start)))
		e.rpcN.Add(1)
	})
}

// envConcurrency is the asynq concurrency of a test env (the concurrency benchmark raises it).
var envConcurrency = 4

func (e *env) startWorkers() {
	t := e.t
	rdb := testkit.Redis(t, testkit.DBWorkers)
	opt := testkit.AsynqRedis(testkit.DBWorkers)
	// Queues of their own, so two runs of this package (or two envs) never take
	// each other's tasks.
	e.queueSuffix = fmt.Sprintf("-%d", time.Now().UnixNano())
	queues := map[string]int{}
	for q, w := range jobs.QueuePriorities {
		queues[q+e.queueSuffix] = w
	}
	hub := progress.NewHub(progress.HubConfig{}, e.rec, e.st, e.st, zerolog.Nop())
	rt := &Runtime{Hub: hub, Log: zerolog.Nop()}
	mux := asynq.NewServeMux()
	if err := Register(mux, rt, *e.deps); err != nil {
		t.Fatal(err)
	}
	srv := asynq.NewServer(opt, asynq.Config{
		Concurrency: envConcurrency, Queues: queues, LogLevel: asynq.FatalLevel, DelayedTaskCheckInterval: 50 * time.Millisecond,
		RetryDelayFunc: func(int, error, *asynq.Task) time.Duration { return 50 * time.Millisecond },
		ErrorHandler:   asynq.ErrorHandlerFunc(func(context.Context, *asynq.Task, error) {}),
	})
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	e.client = asynq.NewClient(opt)
	t.Cleanup(func() {
		srv.Shutdown()
		_ = e.client.Close()
		_ = hub.Close(context.Background())
		ins := asynq.NewInspector(opt)
		for q := range queues {
			_ = ins.DeleteQueue(q, true)
			keys, _ := rdb.Keys(context.Background(), "asynq:{"+q+"}*").Result()
			if len(keys) > 0 {
				rdb.Del(context.Background(), keys...)
			}
		}
		_ = ins.Close()
	})
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// wallet registers a new wallet for user funded with sol SOL (0 = none).
func (e *env) wallet(user string, solAmt float64) sol.PrivateKey {
	e.t.Helper()
	k, err := sol.NewRandomPrivateKey()
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.CreateWallet(ctxT(e.t), user, "test", store.WalletUser, k); err != nil {
		e.t.Fatal(err)
	}
	if solAmt > 0 {
		if _, err := e.cluster.Airdrop(k.PublicKey(), lamportsOf(solAmt)); err != nil {
			e.t.Fatal(err)
		}
	}
	return k
}

// waitFunded returns once the cluster has produced a slot after the airdrops.
func (e *env) waitSlot() {
	slot := e.cluster.Bank().Slot()
	e.poll("a new slot", func() bool { return e.cluster.Bank().Slot() > slot+1 })
}

func (e *env) poll(what string, ok func() bool) {
	e.t.Helper()
	testkit.WaitFor(e.t, 60*time.Second, what, ok)
}

// run enqueues a job and waits for it to end; it returns the job row.
func (e *env) run(typ progress.WorkerType, payload any) store.Job {
	e.t.Helper()
	return e.wait(e.enqueue(typ, payload))
}

func (e *env) enqueue(typ progress.WorkerType, payload any) string {
	e.t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := jobs.Decode(typ, raw)
	if err != nil {
		e.t.Fatalf("payload refused by Decode: %v", err)
	}
	enc, err := jobs.Encode(p)
	if err != nil {
		e.t.Fatal(err)
	}
	id := fmt.Sprintf("%s-%d", typ, time.Now().UnixNano())
	if _, err := e.client.Enqueue(asynq.NewTask(string(typ), enc), asynq.TaskID(id), asynq.Queue(p.Queue()+e.queueSuffix),
		asynq.MaxRetry(5), asynq.Timeout(2*time.Minute)); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) wait(id string) store.Job {
	e.t.Helper()
	var j store.Job
	e.poll("job "+id, func() bool {
		var err error
		j, err = e.st.GetJob(context.Background(), id)
		// The progress events may mark the row before the runtime writes the result.
		return err == nil && ((j.State == store.JobCompleted && len(j.Result) > 0) || (j.State == store.JobFailed && j.Error != ""))
	})
	return j
}

func (e *env) mustComplete(j store.Job, into any) {
	e.t.Helper()
	if j.State != store.JobCompleted {
		e.t.Fatalf("job %s %s: %s", j.ID, j.State, j.Error)
	}
	if into != nil {
		if err := json.Unmarshal(j.Result, into); err != nil {
			e.t.Fatalf("result %s: %v", j.Result, err)
		}
	}
}

func (e *env) balance(k sol.PublicKey) uint64 {
	e.t.Helper()
	b, err := e.chain.GetBalance(ctxT(e.t), k)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *env) tokens(m market, owner sol.PublicKey) uint64 {
	e.t.Helper()
	b, err := tokenBalance(ctxT(e.t), e.chain, m.ata(owner))
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *env) exists(k sol.PublicKey) bool {
	e.t.Helper()
	_, err := e.chain.GetAccountInfo(ctxT(e.t), k)
	if err != nil && !errors.Is(err, solana.ErrAccountNotFound) {
		e.t.Fatal(err)
	}
	return err == nil
}

// stages returns the token_launch_event stages of token in emission order.
func (e *env) stages(token string) []progress.TokenLaunchEvent {
	return progresstest.Payloads(e.rec, func(ev progress.TokenLaunchEvent) bool { return ev.TokenAddress == token })
}

func (e *env) steps(jobID string) []progress.WorkerStepEvent {
	return progresstest.Payloads(e.rec, func(ev progress.WorkerStepEvent) bool { return ev.JobID == jobID })
}

// confirmedTxs counts the job's confirmed journal entries of step.
func (e *env) confirmedTxs(jobID, step string) int {
	e.t.Helper()
	txs, err := e.st.TxsForStep(ctxT(e.t), jobID, step)
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, tx := range txs {
		if tx.State == store.TxConfirmed {
			n++
		}
	}
	return n
}
