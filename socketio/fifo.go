package socketio

import "iter"

// fifoChunk is how many entries one block of a fifo holds.
const fifoChunk = 1024

// fifo is a queue for this package's time-windowed buffers (the recent ring, the
// recovery buffer), kept in fixed-size blocks. Popping frees a whole block once it is
// used up, so no push or pop ever copies the queue: a single slice compacted now and
// then copied up to half of a 100k-entry recovery buffer under the adapter's lock, a
// pause every emit waited for. A popped entry is zeroed so the GC can free what it held.
type fifo[T any] struct {
	blocks [][]T // blocks[0][head:] is the front; every block but the last is full
	head   int
	n      int
	popped uint64 // entries popped so far: the front's position since the start
}

func (q *fifo[T]) push(v T) {
	if len(q.blocks) == 0 || len(q.blocks[len(q.blocks)-1]) == fifoChunk {
		q.blocks = append(q.blocks, make([]T, 0, fifoChunk))
	}
	last := &q.blocks[len(q.blocks)-1]
	*last = append(*last, v)
	q.n++
}

func (q *fifo[T]) len() int { return q.n }

// front is the oldest entry; the queue must not be empty.
func (q *fifo[T]) front() *T { return &q.blocks[0][q.head] }

// pop drops the oldest entry; the queue must not be empty.
func (q *fifo[T]) pop() {
	var zero T
	q.blocks[0][q.head] = zero
	q.head++
	q.n--
	q.popped++
	if q.head == fifoChunk || q.n == 0 {
		if q.n == 0 && len(q.blocks) == 1 {
			q.blocks[0] = q.blocks[0][:0] // reuse the only block
		} else {
			q.blocks[0] = nil
			q.blocks = q.blocks[1:]
		}
		q.head = 0
	}
}

// from yields the queued entries from index i (0 is the front) to the newest, with
// their index; valid until the next push or pop.
func (q *fifo[T]) from(i int) iter.Seq2[int, *T] {
	return func(yield func(int, *T) bool) {
		if i < 0 || i >= q.n {
			return
		}
		at := q.head + i
		b, off := at/fifoChunk, at%fifoChunk
		for idx := i; idx < q.n; b, off = b+1, 0 {
			block := q.blocks[b]
			for ; off < len(block); off++ {
				if !yield(idx, &block[off]) {
					return
				}
				idx++
			}
		}
	}
}
