package jobs

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/store"
)

// Tasks puts tasks into asynq; *asynq.Client implements it.
type Tasks interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Rows keeps the jobs rows; *store.Store implements it.
type Rows interface {
	CreateJob(ctx context.Context, j store.Job) error
	GetJob(ctx context.Context, id string) (store.Job, error)
	FailJob(ctx context.Context, id, errText string, retrying bool) error
	ReviveJob(ctx context.Context, id, errText string) (bool, error)
}

// Options are how Enqueue hands a job to asynq. The zero value is valid.
type Options struct {
	// MaxRetry is how many times asynq retries a failed run; default DefaultMaxRetry.
	MaxRetry int
	// Timeout bounds one run; 0 leaves asynq's own default (30 minutes).
	Timeout time.Duration
	// Retention keeps a finished task in Redis, so a repeated key also finds a job
	// that already ran (its row covers longer); default DefaultRetention.
	Retention time.Duration
}

// Defaults of Options.
const (
	DefaultMaxRetry  = 5
	DefaultRetention = 24 * time.Hour
)

func (o Options) withDefaults() Options {
	o.MaxRetry = cmp.Or(o.MaxRetry, DefaultMaxRetry)
	o.Retention = cmp.Or(o.Retention, DefaultRetention)
	return o
}

// Validate names the first bad option.
func (o Options) Validate() error {
	if o.MaxRetry < 0 || o.Timeout < 0 || o.Retention < 0 {
		return errors.New("jobs: Options.MaxRetry, Timeout and Retention must be >= 0")
	}
	return nil
}

func (o Options) asynq(id, queue string) []asynq.Option {
	opts := []asynq.Option{asynq.TaskID(id), asynq.Queue(queue), asynq.MaxRetry(o.MaxRetry), asynq.Retention(o.Retention)}
	if o.Timeout > 0 {
		opts = append(opts, asynq.Timeout(o.Timeout))
	}
	return opts
}

// MaxIDLen bounds a job id and an idempotency key.
const MaxIDLen = 128

// ErrInvalidKey refuses an idempotency key that ValidID does not accept.
var ErrInvalidKey = errors.New("idempotency key must be 1..128 characters of A-Z a-z 0-9 - _ . :")

// ValidID reports whether s is 1..MaxIDLen characters of A-Z a-z 0-9 - _ . : (job
// ids, idempotency keys): nothing that needs escaping in a URL, a log or a Redis key.
func ValidID(s string) bool {
	if s == "" || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// Request is one job to enqueue: a payload that Decode accepted, and who asks.
type Request struct {
	Type    progress.WorkerType
	Payload Payload
	// Caller names the client (Caller of its API key); it scopes Key, so two
	// clients never share a job by choosing the same key.
	Caller string
	// Key is the client's idempotency key: the same (Caller, user, Type, Key) names
	// one job, whichever way it is enqueued. "" is a new job every time.
	Key string
}

// Enqueued is the job a Request named.
type Enqueued struct {
	ID    string
	Type  progress.WorkerType
	Queue string
	// Replayed says Key named an earlier job, which is this one; State is its state.
	Replayed bool
	State    store.JobState
}

// KeyReusedError refuses a key whose earlier job had another payload: a retry must
// repeat its request exactly. Fields names each top-level field that differs.
type KeyReusedError struct{ Fields map[string]string }

// Error names the fields that differ, sorted.
func (e *KeyReusedError) Error() string {
	return "idempotency key already used with a different payload: " + strings.Join(slices.Sorted(maps.Keys(e.Fields)), ", ")
}

// notEnqueued is the error of a row whose task never reached Redis: such a job can
// be revived by a retry of its request.
const notEnqueued = "enqueue failed"

// Caller is the Request.Caller of a client that holds apiKey: a short hash, so
// the key itself is never stored or logged.
func Caller(apiKey string) string {
	sum := sha256.Sum256([]byte(apiKey))
	return hex.EncodeToString(sum[:8])
}

// KeyID is the job id of an idempotency key. The bot sends one key per Telegram
// message and message ids repeat across chats: one key names one job per (caller,
// user, type).
func KeyID(caller, userID string, typ progress.WorkerType, key string) string {
	sum := sha256.Sum256([]byte(caller + "\x00" + userID + "\x00" + string(typ) + "\x00" + key))
	return "idem-" + hex.EncodeToString(sum[:16])
}

// Enqueue records the job's row, then puts its task into asynq under the same id
// (so the payload is kept even if a worker picks the task up at once). With a Key,
// the id is KeyID's: a repeat returns the first job (Replayed) when the payload is
// the same and a *KeyReusedError when it is not; a first job whose task never
// reached Redis is enqueued again instead of being returned dead. Errors other than
// *KeyReusedError are the store's or Redis's: worth retrying later.
func Enqueue(ctx context.Context, tasks Tasks, rows Rows, r Request, o Options) (Enqueued, error) {
	o = o.withDefaults()
	id := newID()
	if r.Key != "" {
		if !ValidID(r.Key) {
			return Enqueued{}, ErrInvalidKey
		}
		id = KeyID(r.Caller, r.Payload.UserID(), r.Type, r.Key)
		if job, err := rows.GetJob(ctx, id); err == nil {
			return replay(ctx, tasks, rows, job, r, o)
		}
	}
	payload, err := Encode(r.Payload)
	if err != nil {
		return Enqueued{}, err
	}
	job := store.Job{ID: id, Type: r.Type, UserID: r.Payload.UserID(), UserChatID: r.Payload.ChatID(),
		Queue: r.Payload.Queue(), TokenAddress: TokenOf(r.Payload), Payload: payload, MaxRetry: o.MaxRetry}
	if err := rows.CreateJob(ctx, job); errors.Is(err, store.ErrConflict) {
		return replayID(ctx, tasks, rows, id, r, o) // a concurrent request with the same key won
	} else if err != nil {
		return Enqueued{}, fmt.Errorf("create job row: %w", err)
	}
	return send(ctx, tasks, rows, id, payload, r, o)
}

// send puts the task of row id into asynq; when Redis refuses, the row is failed
// (it must not claim a job that will never run) in a way ReviveJob can undo.
func send(ctx context.Context, tasks Tasks, rows Rows, id string, payload []byte, r Request, o Options) (Enqueued, error) {
	_, err := tasks.EnqueueContext(ctx, asynq.NewTask(string(r.Type), payload), o.asynq(id, r.Payload.Queue())...)
	switch {
	case errors.Is(err, asynq.ErrTaskIDConflict):
		return replayID(ctx, tasks, rows, id, r, o)
	case err != nil:
		err = fmt.Errorf("enqueue: %w", err)
		if ferr := rows.FailJob(context.WithoutCancel(ctx), id, notEnqueued, false); ferr != nil {
			err = errors.Join(err, fmt.Errorf("mark unenqueued job failed: %w", ferr))
		}
		return Enqueued{}, err
	}
	return Enqueued{ID: id, Type: r.Type, Queue: r.Payload.Queue()}, nil
}

func replayID(ctx context.Context, tasks Tasks, rows Rows, id string, r Request, o Options) (Enqueued, error) {
	job, err := rows.GetJob(ctx, id)
	if err != nil {
		return Enqueued{}, fmt.Errorf("look up job of idempotency key: %w", err)
	}
	return replay(ctx, tasks, rows, job, r, o)
}

// replay answers a repeated key with its first job, after enqueueing it again if
// its task never reached Redis (this request is then the one that enqueues it).
func replay(ctx context.Context, tasks Tasks, rows Rows, job store.Job, r Request, o Options) (Enqueued, error) {
	if diff := payloadDiff(job, r.Payload); len(diff) > 0 {
		return Enqueued{}, &KeyReusedError{Fields: diff}
	}
	if job.State == store.JobFailed && job.Error == notEnqueued {
		revived, err := rows.ReviveJob(ctx, job.ID, notEnqueued)
		if err != nil {
			return Enqueued{}, err
		}
		if revived {
			payload, err := Encode(r.Payload)
			if err != nil {
				return Enqueued{}, err
			}
			return send(ctx, tasks, rows, job.ID, payload, r, o)
		}
		if job, err = rows.GetJob(ctx, job.ID); err != nil { // another request revived it
			return Enqueued{}, fmt.Errorf("look up job of idempotency key: %w", err)
		}
	}
	return Enqueued{ID: job.ID, Type: job.Type, Queue: job.Queue, Replayed: true, State: job.State}, nil
}

// payloadDiff names the top-level payload fields in which p differs from the first
// job's. Both sides are decoded and re-encoded, so the database's own JSON layout
// (jsonb reorders keys, rewrites numbers) and defaults do not count as a difference.
func payloadDiff(job store.Job, p Payload) map[string]string {
	const differs = "differs from the first request with this Idempotency-Key"
	first, err := Decode(job.Type, job.Payload)
	if err != nil {
		return map[string]string{"payload": differs}
	}
	a, errA := topLevel(first)
	b, errB := topLevel(p)
	if errA != nil || errB != nil {
		return map[string]string{"payload": differs}
	}
	diff := map[string]string{}
	for k := range a {
		if !bytes.Equal(a[k], b[k]) {
			diff[k] = differs
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			diff[k] = differs
		}
	}
	return diff
}

// topLevel is p's encoding split into its top-level fields.
func topLevel(p Payload) (map[string]json.RawMessage, error) {
	b, err := Encode(p)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	return m, json.Unmarshal(b, &m)
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// TokenOf is the token a job works on when its payload names one.
func TokenOf(p Payload) string {
	switch v := p.(type) {
	case *PrepareLaunchPayload:
		return v.TokenAddress
	case *ExecuteLaunchPayload:
		return v.TokenAddress
	case *DevSellPayload:
		return v.TokenAddress
	case *WalletSellPayload:
		return v.TokenAddress
	case *SweepWalletsPayload:
		return v.TokenAddress
	}
	return ""
}
