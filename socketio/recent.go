package socketio

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/nitro-runtime/nitro/progress/wire"
)

// The progress hub persists in batches after emitting, so the store lags the live stream
// by milliseconds (seconds when the database is slow). The ring keeps the latest live
// states long enough for a snapshot to cover that lag.
const (
	recentWindow = 30 * time.Second
	recentMax    = 20000
)

type recentEntry struct {
	at      time.Time
	userID  string
	name    string
	key     string
	payload json.RawMessage
}

// recentRing holds the snapshot-relevant records emitted in the last window, oldest first.
type recentRing struct {
	window time.Duration
	max    int
	now    func() time.Time

	mu      sync.Mutex
	entries fifo[recentEntry]
}

func newRecentRing(window time.Duration, max int) *recentRing {
	return &recentRing{window: window, max: max, now: time.Now}
}

func (r *recentRing) add(rec wire.Record, payload json.RawMessage) {
	key := recordKey(rec)
	if key == "" {
		return
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prune(now)
	if r.entries.len() >= r.max {
		r.entries.pop()
	}
	r.entries.push(recentEntry{at: now, userID: rec.UserID, name: rec.Name, key: key, payload: payload})
}

// prune drops entries older than the window; the caller holds mu.
func (r *recentRing) prune(now time.Time) {
	for r.entries.len() > 0 && now.Sub(r.entries.front().at) > r.window {
		r.entries.pop()
	}
}

// latest returns, per key, the newest entry of userID (or of everyone with all), in the
// order of those newest entries.
func (r *recentRing) latest(userID string, all bool) []snapshotItem {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prune(r.now())
	last := map[string]int{}
	for i, e := range r.entries.from(0) {
		if all || e.userID == userID {
			last[e.key] = i
		}
	}
	out := make([]snapshotItem, 0, len(last))
	for i, e := range r.entries.from(0) {
		if j, ok := last[e.key]; ok && j == i {
			out = append(out, snapshotItem{name: e.name, key: e.key, payload: e.payload})
		}
	}
	return out
}
