package tiers

// DelayQueue holds values until they are due: a binary min-heap of (due, value) with a fixed
// capacity, owned by one goroutine (a route's worker schedules its retries in it, so retries
// never sleep in a worker and never stall other routes). No method allocates after NewDelayQueue.
type DelayQueue[T any] struct {
	items []delayed[T]
	seq   uint64 // insertion counter: equal due times come out in insertion order
}

type delayed[T any] struct {
	due int64
	seq uint64
	v   T
}

// NewDelayQueue returns an empty queue that holds up to capacity values.
func NewDelayQueue[T any](capacity int) *DelayQueue[T] {
	return &DelayQueue[T]{items: make([]delayed[T], 0, capacity)}
}

// Len returns the number of values held.
func (q *DelayQueue[T]) Len() int { return len(q.items) }

// Cap returns the capacity.
func (q *DelayQueue[T]) Cap() int { return cap(q.items) }

// Push adds v, due at time due; it returns false (and keeps nothing) when the queue is full, so
// the caller can spill v elsewhere.
func (q *DelayQueue[T]) Push(due int64, v T) bool {
	if len(q.items) == cap(q.items) {
		return false
	}
	q.seq++
	q.items = append(q.items, delayed[T]{due: due, seq: q.seq, v: v})
	q.up(len(q.items) - 1)
	return true
}

// Next returns the earliest due time, if any value is held.
func (q *DelayQueue[T]) Next() (due int64, ok bool) {
	if len(q.items) == 0 {
		return 0, false
	}
	return q.items[0].due, true
}

// PopDue removes and returns the earliest value if it is due at now.
func (q *DelayQueue[T]) PopDue(now int64) (v T, ok bool) {
	if len(q.items) == 0 || q.items[0].due > now {
		return v, false
	}
	v = q.items[0].v
	last := len(q.items) - 1
	q.items[0] = q.items[last]
	q.items[last] = delayed[T]{}
	q.items = q.items[:last]
	if last > 0 {
		q.down(0)
	}
	return v, true
}

// Range calls f for every value held, in no particular order, until f returns false. f may
// modify the value but not the queue.
func (q *DelayQueue[T]) Range(f func(due int64, v *T) bool) {
	for i := range q.items {
		if !f(q.items[i].due, &q.items[i].v) {
			return
		}
	}
}

func (q *DelayQueue[T]) less(i, j int) bool {
	a, b := &q.items[i], &q.items[j]
	return a.due < b.due || a.due == b.due && a.seq < b.seq
}

func (q *DelayQueue[T]) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			return
		}
		q.items[i], q.items[p] = q.items[p], q.items[i]
		i = p
	}
}

func (q *DelayQueue[T]) down(i int) {
	n := len(q.items)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && q.less(r, l) {
			m = r
		}
		if !q.less(m, i) {
			return
		}
		q.items[i], q.items[m] = q.items[m], q.items[i]
		i = m
	}
}
