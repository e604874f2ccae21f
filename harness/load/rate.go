package load

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Ramp starts visits at a rate that moves linearly from From to To logins
// per second over Duration; From == To is a constant rate. Users are taken
// round-robin, so with Hold longer than users/rate a user logs in while its
// previous visit still holds (Policy=Default then hands it the same
// session). The number of visits is bounded: rate × Duration.
type Ramp struct {
	Client   Client
	Target   string
	Users    int     // 0: every user of the target
	From, To float64 // logins per second
	Duration time.Duration
	Hold     time.Duration
	Style    Style
}

// Constant is a Ramp whose rate does not change.
func Constant(c Client, rate float64, d, hold time.Duration, style Style) *Ramp {
	return &Ramp{Client: c, From: rate, To: rate, Duration: d, Hold: hold, Style: style}
}

var _ harness.Executor = (*Ramp)(nil)

func (r *Ramp) Name() string {
	if r.From == r.To {
		return fmt.Sprintf("constant(%.2f/s for %v)", r.From, r.Duration)
	}
	return fmt.Sprintf("ramp(%.2f→%.2f/s over %v)", r.From, r.To, r.Duration)
}

// Validate reports every problem at once.
func (r *Ramp) Validate() []error {
	var errs []error
	if r.Client == nil {
		errs = append(errs, errors.New("ramp: no client"))
	}
	// Written so that NaN fails every test (a NaN rate once reached make()
	// with a negative length).
	if !(r.From >= 0) || !(r.To >= 0) || (r.From == 0 && r.To == 0) {
		errs = append(errs, fmt.Errorf("ramp: rates %.3f→%.3f: want non-negative rates, not both zero", r.From, r.To))
	}
	if r.From > 1000 || r.To > 1000 {
		errs = append(errs, fmt.Errorf("ramp: rates above 1000 logins/s are not a load test of one xrdp"))
	}
	if r.Duration <= 0 {
		errs = append(errs, fmt.Errorf("ramp: duration %v: want > 0", r.Duration))
	}
	if n := (r.From + r.To) / 2 * r.Duration.Seconds(); n > maxVisits {
		errs = append(errs, fmt.Errorf("ramp: %.3g logins: at most %d in one executor", n, maxVisits))
	}
	if r.Hold < 0 {
		errs = append(errs, errors.New("ramp: hold cannot be negative"))
	}
	return errs
}

// maxVisits bounds the logins of one executor, so that a schedule is never
// an unbounded allocation.
const maxVisits = 100000

// starts returns the offsets of every login of the ramp: the i-th login
// (from 0) happens when the integral of the rate, a·t² + b·t with
// a = (To−From)/2T and b = From, reaches i. There are ⌊(From+To)/2 · T⌋.
func (r *Ramp) starts() []time.Duration {
	T := r.Duration.Seconds()
	a, b := (r.To-r.From)/(2*T), r.From
	n := int(math.Floor((r.From+r.To)/2*T + 1e-9))
	out := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		var t float64
		if a == 0 {
			t = float64(i) / b
		} else {
			t = (-b + math.Sqrt(b*b+4*a*float64(i))) / (2 * a)
		}
		out = append(out, time.Duration(t*float64(time.Second)))
	}
	return out
}

func (r *Ramp) Run(ctx context.Context, env harness.Env) error {
	if errs := r.Validate(); len(errs) > 0 {
		return errors.Join(errs...)
	}
	t, err := env.Target(r.Target)
	if err != nil {
		return err
	}
	users, err := pickUsers(t, r.Users)
	if err != nil {
		return err
	}
	style := r.Style
	if style == "" {
		style = Graceful
	}
	c := newCrew(env)
	defer c.release()
	begin := time.Now()
	var wg sync.WaitGroup
	for i, at := range r.starts() {
		if !harness.Sleep(ctx, time.Until(begin.Add(at))) {
			break
		}
		u := users[i%len(users)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run(ctx, visit{client: r.Client, target: t, user: u, hold: r.Hold, style: style})
		}()
	}
	wg.Wait()
	return nil
}

// Burst starts N visits at once, users taken round-robin.
type Burst struct {
	Client Client
	Target string
	Users  int // 0: every user of the target
	N      int
	Hold   time.Duration
	Style  Style
}

var _ harness.Executor = (*Burst)(nil)

func (b *Burst) Name() string { return fmt.Sprintf("burst(%d)", b.N) }

func (b *Burst) Run(ctx context.Context, env harness.Env) error {
	if b.Client == nil || b.N < 1 {
		return fmt.Errorf("burst: want a client and N ≥ 1 (N=%d)", b.N)
	}
	t, err := env.Target(b.Target)
	if err != nil {
		return err
	}
	users, err := pickUsers(t, b.Users)
	if err != nil {
		return err
	}
	style := b.Style
	if style == "" {
		style = Graceful
	}
	c := newCrew(env)
	defer c.release()
	var wg sync.WaitGroup
	for i := 0; i < b.N; i++ {
		u := users[i%len(users)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run(ctx, visit{client: b.Client, target: t, user: u, hold: b.Hold, style: style})
		}()
	}
	wg.Wait()
	return nil
}
