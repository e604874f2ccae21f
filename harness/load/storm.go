package load

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// ReconnectStorm makes U users each log in, hold, leave and come back C
// times, with at most K of them inside a cycle at once. It is the load that
// makes sesman run its reconnect script over and over.
type ReconnectStorm struct {
	Client      Client
	Target      string        // target name; "" for the first
	Users       int           // U; 0 means every user of the target
	Cycles      int           // C, at least 1
	Concurrency int           // K; 0 means U
	Hold        time.Duration // time connected in each cycle
	Think       time.Duration // time away between cycles
	Style       Style         // how each cycle ends; "" is graceful
	// Rounds aligns the users: every user finishes cycle i before any
	// starts cycle i+1 (a barrier per cycle), so reconnects come in waves.
	Rounds bool
}

var _ harness.Executor = (*ReconnectStorm)(nil)

func (s *ReconnectStorm) Name() string {
	return fmt.Sprintf("reconnect-storm(%s, users=%d, cycles=%d, k=%d)", s.clientName(), s.Users, s.Cycles, s.Concurrency)
}

func (s *ReconnectStorm) clientName() string {
	if s.Client == nil {
		return "nil"
	}
	return s.Client.Name()
}

// Validate reports every problem at once.
func (s *ReconnectStorm) Validate() []error {
	var errs []error
	if s.Client == nil {
		errs = append(errs, errors.New("reconnect storm: no client"))
	}
	if s.Users < 0 || s.Cycles < 1 || s.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("reconnect storm: users %d, cycles %d, concurrency %d: want users ≥ 0, cycles ≥ 1, concurrency ≥ 0",
			s.Users, s.Cycles, s.Concurrency))
	}
	if s.Hold < 0 || s.Think < 0 {
		errs = append(errs, errors.New("reconnect storm: hold and think cannot be negative"))
	}
	if s.Style != "" {
		if _, err := ParseStyle(string(s.Style)); err != nil {
			errs = append(errs, fmt.Errorf("reconnect storm: %w", err))
		}
	}
	return errs
}

func (s *ReconnectStorm) Run(ctx context.Context, env harness.Env) error {
	if errs := s.Validate(); len(errs) > 0 {
		return errors.Join(errs...)
	}
	t, err := env.Target(s.Target)
	if err != nil {
		return err
	}
	users, err := pickUsers(t, s.Users)
	if err != nil {
		return err
	}
	k := s.Concurrency
	if k == 0 || k > len(users) {
		k = len(users)
	}
	style := s.Style
	if style == "" {
		style = Graceful
	}
	c := newCrew(env)
	defer c.release()
	sem := make(chan struct{}, k)
	cycle := func(u harness.User) {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		c.run(ctx, visit{client: s.Client, target: t, user: u, hold: s.Hold, style: style})
		<-sem
	}
	if s.Rounds {
		for i := 0; i < s.Cycles && ctx.Err() == nil; i++ {
			if i > 0 && !harness.Sleep(ctx, s.Think) {
				break
			}
			var wg sync.WaitGroup
			for _, u := range users {
				wg.Add(1)
				go func() { defer wg.Done(); cycle(u) }()
			}
			wg.Wait()
		}
		return nil
	}
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < s.Cycles && ctx.Err() == nil; i++ {
				if i > 0 && !harness.Sleep(ctx, s.Think) {
					return
				}
				cycle(u)
			}
		}()
	}
	wg.Wait()
	return nil
}
