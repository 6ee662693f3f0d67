package socketio

// fifo is a queue kept in one slice, for this package's time-windowed buffers (the
// recent ring, the recovery buffer). A popped entry is zeroed so the GC can free what
// it held, and the slice is compacted once half of it is dead, so each entry is copied
// O(1) times.
type fifo[T any] struct {
	items  []T // items[head:] are queued
	head   int
	popped uint64 // entries popped so far: the front's position since the start
}

func (q *fifo[T]) push(v T) { q.items = append(q.items, v) }

func (q *fifo[T]) len() int { return len(q.items) - q.head }

// live is the queued entries, oldest first; valid until the next push or pop.
func (q *fifo[T]) live() []T { return q.items[q.head:] }

// front is the oldest entry; the queue must not be empty.
func (q *fifo[T]) front() *T { return &q.items[q.head] }

// pop drops the oldest entry; the queue must not be empty.
func (q *fifo[T]) pop() {
	var zero T
	q.items[q.head] = zero
	q.head++
	q.popped++
	if q.head >= len(q.items)/2 {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items = q.items[:n]
		q.head = 0
	}
}
