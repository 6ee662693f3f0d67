package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/auth"
)

// BenchmarkEnqueue compares what a refused enqueue (429: its user's bucket is empty)
// costs the server with an accepted one, both on in-memory fakes (so the accepted one
// is a floor: the real one adds Redis and PostgreSQL round trips). The flood test sends
// mallory's 10,000 enqueues through the 429 path.
func BenchmarkEnqueue(b *testing.B) {
	run := func(b *testing.B, cfg Config) {
		v, _ := auth.NewVerifier([]byte("0123456789abcdef0123456789abcdef"))
		st := newFakeStore()
		cfg.RateLimit, cfg.RateBurst = 1e9, 1e9
		s, err := New(cfg, Deps{Enqueuer: &fakeEnqueuer{}, Jobs: st, Launches: st, Wallets: st, Verifier: v,
			APIKeys: auth.NewAPIKeys([]string{fakeKey}), Log: zerolog.Nop()})
		if err != nil {
			b.Fatal(err)
		}
		h := s.Handler()
		want := http.StatusAccepted
		if !cfg.EnqueuePerUser.Off() {
			fakeCall(h, "POST", "/api/jobs/dev_sell", devSell) // spends the bucket of 1
			want = http.StatusTooManyRequests
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			req := httptest.NewRequest("POST", "/api/jobs/dev_sell", strings.NewReader(devSell))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-API-Key", fakeKey)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != want {
				b.Fatalf("status %d, want %d: %s", rec.Code, want, rec.Body)
			}
		}
	}
	b.Run("refused", func(b *testing.B) {
		run(b, Config{EnqueuePerUser: Rate{Limit: 1e-9, Burst: 1}, EnqueuePerKey: Unlimited})
	})
	b.Run("accepted", func(b *testing.B) { run(b, Config{EnqueuePerUser: Unlimited, EnqueuePerKey: Unlimited}) })
}
