package harness

import (
	"sync"
	"sync/atomic"
)

// OpLog collects client operations from concurrent executors.
type OpLog struct {
	mu     sync.Mutex
	ops    []Op
	nextID atomic.Int64
	notify func(Op)
}

// NewOpLog makes an empty log; notify (optional) is called after each Add,
// outside the lock.
func NewOpLog(notify func(Op)) *OpLog { return &OpLog{notify: notify} }

// Add records a finished operation and returns it with its ID set.
func (l *OpLog) Add(op Op) Op {
	op.ID = int(l.nextID.Add(1))
	l.mu.Lock()
	l.ops = append(l.ops, op)
	l.mu.Unlock()
	if l.notify != nil {
		l.notify(op)
	}
	return op
}

// Ops returns a copy of what was recorded so far.
func (l *OpLog) Ops() []Op {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Op(nil), l.ops...)
}

// Len is the number of recorded operations.
func (l *OpLog) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ops)
}
