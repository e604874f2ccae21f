package harness

import (
	"context"
	"errors"
	"sync"
)

// Teardown is the one Down of every lab: Up registers each thing it made
// with Add as soon as it exists; Down undoes them newest first, joins
// their errors and forgets them, so it works after a failed Up and when
// called twice. The zero value is ready.
type Teardown struct {
	mu  sync.Mutex
	fns []func(context.Context) error
}

// Add registers how to undo one thing Up made.
func (t *Teardown) Add(undo func(context.Context) error) {
	t.mu.Lock()
	t.fns = append(t.fns, undo)
	t.mu.Unlock()
}

// Down undoes everything added so far, newest first.
func (t *Teardown) Down(ctx context.Context) error {
	t.mu.Lock()
	fns := t.fns
	t.fns = nil
	t.mu.Unlock()
	var errs []error
	for i := len(fns) - 1; i >= 0; i-- {
		errs = append(errs, fns[i](ctx))
	}
	return errors.Join(errs...)
}
