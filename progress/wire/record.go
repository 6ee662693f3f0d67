package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Emitter delivers a record to the sockets that may see it (the socket server, or the
// relay in front of it). It must not block for long: the hub calls it in the worker's
// goroutine, in order.
type Emitter interface {
	Emit(r Record)
}

// ErrUnknownLaunch is returned for a launch that was never registered.
var ErrUnknownLaunch = errors.New("unknown launch")

// Record is one event as it is emitted, relayed and stored. Its payload is encoded once,
// by NewRecord, into JSON: every consumer uses those bytes as they are.
type Record struct {
	JobID        string
	UserID       string
	TokenAddress string
	// Seq orders the events of a job across its runs (see progress.Hub).
	Seq  int64
	Name string // one of the Event* names
	JSON []byte // the payload, one of the four wire types, encoded
	At   time.Time
}

// RunSeqBits splits Record.Seq: the bits above are the run's base (its start, in
// milliseconds), the bits below number the run's records (2^20 of them at most), so
// a receiver tells one run of a job from the next by Seq alone.
const RunSeqBits = 20

// NewRecord encodes payload once into a record named name. The encoding fails only for
// a payload that JSON cannot hold (a NaN amount, a step's unencodable data).
func NewRecord(name string, payload any) (Record, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return Record{}, fmt.Errorf("encode %s: %w", name, err)
	}
	return Record{Name: name, JSON: b}, nil
}

// JobState is jobs.state.
type JobState string

// The states of a job.
const (
	JobQueued    JobState = "queued"
	JobRunning   JobState = "running"
	JobRetrying  JobState = "retrying"
	JobCompleted JobState = "completed"
	JobFailed    JobState = "failed"
)

// Terminal reports whether the job is over for good.
func (s JobState) Terminal() bool { return s == JobCompleted || s == JobFailed }

// JobRow is what a job's row says once a run has begun: the run's reporter owns it and
// hands the whole row to the store after each change, with the typed columns set, so
// that nothing downstream derives them again from the JSON. Seq is the sequence number
// of the latest event the row reflects: a row never replaces a later one.
type JobRow struct {
	ID           string
	Seq          int64
	Type         WorkerType
	UserID       string
	UserChatID   int64
	TokenAddress string // "" while unknown; a known one is never blanked
	Queue        string
	Attempt      int
	MaxRetry     int
	State        JobState
	// Latest is the latest worker_progress of the run, encoded; nil until the run sends
	// one (the row keeps the earlier run's meanwhile).
	Latest []byte
	// Result is the job's result once completed; nil otherwise.
	Result []byte
	// Error is the run's error text once it failed or will be retried, "" once it
	// completed. A running row keeps the error of the run before it.
	Error     string
	StartedAt time.Time
	EndedAt   time.Time // zero until completed or failed
}

// LaunchRow is a launch's state after a change, for launches.state. Version numbers
// the launch's changes: a row never replaces one of a higher version.
type LaunchRow struct {
	TokenAddress string
	Version      int64
	State        LaunchState
}

// Batch is what the hub hands the store in one write: events in order, and the latest
// row of each job and launch they changed.
type Batch struct {
	Events   []Record
	Jobs     []JobRow
	Launches []LaunchRow
}

// Len is the number of events, job rows and launch rows in b.
func (b Batch) Len() int { return len(b.Events) + len(b.Jobs) + len(b.Launches) }
