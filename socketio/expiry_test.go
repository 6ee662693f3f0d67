package socketio

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/internal/testkit"
)

// TestSocketClosedWhenItsTokenExpires: a socket whose token expires while connected
// is told why (token_expired, then a server disconnect the client can act on by
// reconnecting with a fresh token) and closed; the close is counted as token expiry.
func TestSocketClosedWhenItsTokenExpires(t *testing.T) {
	h := newHarness(t, Config{})
	tok, err := h.verifier.Issue("ann", false, 1500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := dialRawKeep(ctx, t, h.addr, map[string]any{"token": tok}, true)
	if !strings.HasPrefix(c.connectP, "40") {
		t.Fatalf("connect: %q", c.connectP)
	}
	select {
	case <-c.closed:
	case <-ctx.Done():
		t.Fatal("the socket outlived its token")
	}
	c.mu.Lock()
	got := strings.Join(c.got, "\n")
	c.mu.Unlock()
	if !strings.Contains(got, `"token_expired"`) || !strings.Contains(got, "token expired") {
		t.Fatalf("no token_expired event before the close; received %q", got)
	}
	testkit.WaitFor(t, 5*time.Second, "the close counted as token expiry", func() bool {
		return h.server().Stats().Disconnects[ReasonTokenExpiry] == 1
	})
}
