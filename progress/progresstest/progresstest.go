// Package progresstest holds a progress emitter that keeps what it is given, for the
// tests of the packages that emit (the relay, the workers' runtime). Use it from tests
// only.
package progresstest

import (
	"encoding/json"
	"sync"

	"github.com/nitro-runtime/nitro/progress"
)

// Recorder is an emitter (the socket server, in production) that keeps every record.
type Recorder struct {
	mu   sync.Mutex
	recs []progress.Record
}

// Emit keeps rec.
func (r *Recorder) Emit(rec progress.Record) {
	r.mu.Lock()
	r.recs = append(r.recs, rec)
	r.mu.Unlock()
}

// Records returns a copy of the records kept so far, in the order emitted.
func (r *Recorder) Records() []progress.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]progress.Record(nil), r.recs...)
}

// Payloads returns the payloads of type T (one of the four wire types) that keep
// accepts, in the order emitted, decoded from the records' JSON.
func Payloads[T any](r *Recorder, keep func(T) bool) []T {
	name := nameOf[T]()
	var out []T
	for _, rec := range r.Records() {
		if rec.Name != name {
			continue
		}
		var ev T
		if err := json.Unmarshal(rec.JSON, &ev); err != nil {
			panic("progresstest: " + rec.Name + " record does not decode: " + err.Error())
		}
		if keep(ev) {
			out = append(out, ev)
		}
	}
	return out
}

// nameOf is the event name whose payload is a T.
func nameOf[T any]() string {
	switch any(*new(T)).(type) {
	case progress.WorkerProgressEvent:
		return progress.EventWorkerProgress
	case progress.WorkerStepEvent:
		return progress.EventWorkerStep
	case progress.TokenLaunchEvent:
		return progress.EventTokenLaunch
	case progress.LaunchProgress:
		return progress.EventLaunchProgress
	}
	panic("progresstest: not a wire type")
}

// WorkerProgress returns job's worker_progress events, in the order emitted.
func (r *Recorder) WorkerProgress(job string) []progress.WorkerProgressEvent {
	return Payloads(r, func(ev progress.WorkerProgressEvent) bool { return ev.JobID == job })
}
