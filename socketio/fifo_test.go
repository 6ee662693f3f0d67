package socketio

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestFifoMatchesASlice: random pushes and pops across block boundaries keep the same
// entries, positions and iteration as a plain slice would.
func TestFifoMatchesASlice(t *testing.T) {
	var q fifo[int]
	var want []int
	next, popped := 0, uint64(0)
	rng := rand.New(rand.NewPCG(1, 2))
	for step := range 20000 {
		switch {
		case rng.IntN(100) < 55 || len(want) == 0:
			for range rng.IntN(fifoChunk/2) + 1 {
				q.push(next)
				want = append(want, next)
				next++
			}
		default:
			for k := rng.IntN(fifoChunk/2) + 1; k > 0 && len(want) > 0; k-- {
				if *q.front() != want[0] {
					t.Fatalf("step %d: front %d, want %d", step, *q.front(), want[0])
				}
				q.pop()
				want = want[1:]
				popped++
			}
		}
		if q.len() != len(want) || q.popped != popped {
			t.Fatalf("step %d: len %d popped %d, want %d and %d", step, q.len(), q.popped, len(want), popped)
		}
		if step%97 == 0 && len(want) > 0 {
			from := rng.IntN(len(want))
			var got []int
			for i, v := range q.from(from) {
				if i != from+len(got) {
					t.Fatalf("step %d: index %d at element %d of from(%d)", step, i, len(got), from)
				}
				got = append(got, *v)
			}
			if !slices.Equal(got, want[from:]) {
				t.Fatalf("step %d: from(%d) = %d entries, want %d", step, from, len(got), len(want)-from)
			}
		}
	}
	for range q.from(q.len()) {
		t.Fatal("from(len) yielded an entry")
	}
	if len(q.blocks) > len(want)/fifoChunk+2 {
		t.Errorf("%d blocks kept for %d entries", len(q.blocks), len(want))
	}
}
