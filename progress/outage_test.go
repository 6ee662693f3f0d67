package progress

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/progress/wire"
)

// downPersister refuses every batch while down, as PostgreSQL does while it restarts.
type downPersister struct {
	mu      sync.Mutex
	down    bool
	refused int
	recs    []Record
}

func (p *downPersister) Persist(_ context.Context, b wire.Batch) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		p.refused++
		return errors.New("connection refused")
	}
	p.recs = append(p.recs, b.Events...)
	return nil
}

func (p *downPersister) set(down bool) { p.mu.Lock(); p.down = down; p.mu.Unlock() }

func (p *downPersister) state() (refused int, recs []Record) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refused, append([]Record(nil), p.recs...)
}

// Events emitted while the database is down are written, in order, once it is back.
func TestHubKeepsEventsThroughADatabaseOutage(t *testing.T) {
	p := &downPersister{down: true}
	h := NewHub(HubConfig{Writers: 1, FlushEvery: time.Millisecond}, &recEmitter{}, p, nil, zerolog.Nop())
	r := h.Start(Job{ID: "j1", UserID: "u1"}, plan3)
	r.Enter(1)
	r.Step("s", "m", 2, nil)
	deadline := time.Now().Add(10 * time.Second)
	for n, _ := p.state(); n < 3; n, _ = p.state() { // the writer has retried the batch
		if time.Now().After(deadline) {
			t.Fatal("the writer did not retry the refused batch")
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.Step("s", "m", 2, nil) // emitted during the outage, behind the retried batch
	p.set(false)
	r.Complete()
	if err := h.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, recs := p.state()
	if len(recs) != 4 || h.Stats().Persisted != 4 || h.Stats().PersistErrors != 0 {
		t.Fatalf("persisted %d records, stats %+v; want all 4 and no error", len(recs), h.Stats())
	}
	for i, rec := range recs {
		if i > 0 && rec.Seq != recs[i-1].Seq+1 {
			t.Fatalf("records persisted out of order or with a hole: %d after %d", rec.Seq, recs[i-1].Seq)
		}
	}
}

// A database that stays down past RetryFor costs the batch, counted.
func TestHubCountsEventsGivenUpAfterRetryFor(t *testing.T) {
	p := &downPersister{down: true}
	h := NewHub(HubConfig{Writers: 1, RetryFor: 100 * time.Millisecond}, &recEmitter{}, p, nil, zerolog.Nop())
	r := h.Start(Job{ID: "j1", UserID: "u1"}, plan3)
	r.Enter(1)
	r.Complete()
	if err := h.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := h.Stats(); st.PersistErrors != 2 || st.Persisted != 0 {
		t.Fatalf("stats %+v: want the 2 records counted as not persisted", st)
	}
}

// Close with a database still down returns when its context ends, and stops the
// writers (goleak checks): a shutdown is not held for RetryFor.
func TestHubCloseDuringAnOutageEndsWithItsContext(t *testing.T) {
	p := &downPersister{down: true}
	h := NewHub(HubConfig{Writers: 1}, &recEmitter{}, p, nil, zerolog.Nop())
	r := h.Start(Job{ID: "j1", UserID: "u1"}, plan3)
	r.Enter(1)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := h.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v, want the context's deadline", err)
	}
	if st := h.Stats(); st.PersistErrors != 1 {
		t.Fatalf("stats %+v: the record not persisted must be counted", st)
	}
}
