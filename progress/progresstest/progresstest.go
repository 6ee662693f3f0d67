// Package progresstest holds a progress emitter that keeps what it is given, for the
// tests of the packages that emit (the relay, the workers' runtime). Use it from tests
// only.
package progresstest

import (
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

// Payloads returns the payloads of type T that keep accepts, in the order emitted.
func Payloads[T any](r *Recorder, keep func(T) bool) []T {
	var out []T
	for _, rec := range r.Records() {
		if ev, ok := rec.Payload.(T); ok && keep(ev) {
			out = append(out, ev)
		}
	}
	return out
}

// WorkerProgress returns job's worker_progress events, in the order emitted.
func (r *Recorder) WorkerProgress(job string) []progress.WorkerProgressEvent {
	return Payloads(r, func(ev progress.WorkerProgressEvent) bool { return ev.JobID == job })
}
