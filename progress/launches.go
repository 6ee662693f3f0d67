package progress

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// launchEntry is a launch's state while runs of this process report its stages. The
// state is read from the database once, when the first such run begins (or learns the
// token), and every change is handed to the hub's writer: a stage costs the worker no
// round trip. A launch's stages are announced by the jobs of that launch, which run one
// after another, so one process at a time changes it; the entry goes when its last run
// ends, and the next run reads it again (from the writer's map while not written yet).
type launchEntry struct {
	mu      sync.Mutex // held while loading and while a run applies a change
	users   int        // runs holding the entry; guarded by Hub.launchMu
	loaded  bool
	state   LaunchState
	version int64 // of state; each change adds one
}

// loadTimeout bounds a launch's read; a stage reported after a failed read reads again.
const loadTimeout = 5 * time.Second

// acquireLaunch returns token's entry, held for one more run.
func (h *Hub) acquireLaunch(token string) *launchEntry {
	h.launchMu.Lock()
	defer h.launchMu.Unlock()
	e := h.launchAt[token]
	if e == nil {
		e = &launchEntry{}
		h.launchAt[token] = e
	}
	e.users++
	return e
}

// releaseLaunch lets go of a run's hold on token's entry.
func (h *Hub) releaseLaunch(token string, e *launchEntry) {
	h.launchMu.Lock()
	defer h.launchMu.Unlock()
	if e.users--; e.users == 0 && h.launchAt[token] == e {
		delete(h.launchAt, token)
	}
}

// loadLocked fills e with token's state unless it has it; the caller holds e.mu.
func (h *Hub) loadLocked(ctx context.Context, token string, e *launchEntry) error {
	if e.loaded {
		return nil
	}
	if row, ok := h.unsavedLaunch(token); ok {
		e.state, e.version, e.loaded = row.State, row.Version, true
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, loadTimeout)
	defer cancel()
	row, err := h.launches.LoadLaunch(ctx, token)
	if err != nil {
		return fmt.Errorf("load launch %s: %w", token, err)
	}
	e.state, e.version, e.loaded = row.State, row.Version, true
	return nil
}

// prefetch reads the launch's state in the background, so that the run's first stage
// finds it; a failure (the launch is registered later in the run) is tried again then.
func (h *Hub) prefetch(token string, e *launchEntry) {
	go func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		_ = h.loadLocked(context.Background(), token, e)
	}()
}
