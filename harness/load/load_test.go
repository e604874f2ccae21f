package load

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// fakeTarget is a target with users and nothing behind it.
type fakeTarget struct{ users int }

func (f fakeTarget) Name() string             { return "fake" }
func (f fakeTarget) Info() harness.TargetInfo { return harness.TargetInfo{Name: "fake"} }
func (f fakeTarget) RDPAddr() string          { return "127.0.0.1:1" }
func (f fakeTarget) SesmanAddr() string       { return "" }
func (f fakeTarget) Users() []harness.User {
	u := make([]harness.User, f.users)
	for i := range u {
		u[i] = harness.User{Name: "u" + string(rune('a'+i)), Password: "p"}
	}
	return u
}
func (f fakeTarget) Exec(context.Context, ...string) (int, string, error) { return 0, "", nil }
func (f fakeTarget) Watch(ctx context.Context, _ harness.Sink) error {
	<-ctx.Done()
	return ctx.Err()
}

// fakeClient takes loginTime per login, fails the users in fail, and
// records how many sessions were in a login or held at once.
type fakeClient struct {
	loginTime time.Duration
	fail      func(user string, n int) bool
	active    atomic.Int64
	maxActive atomic.Int64
	logins    atomic.Int64
	mu        sync.Mutex
	order     []string
}

func (c *fakeClient) Name() string { return "fake" }

func (c *fakeClient) Login(ctx context.Context, t harness.Target, u harness.User, name string) (Session, harness.Op) {
	n := c.logins.Add(1)
	a := c.active.Add(1)
	for {
		m := c.maxActive.Load()
		if a <= m || c.maxActive.CompareAndSwap(m, a) {
			break
		}
	}
	c.mu.Lock()
	c.order = append(c.order, u.Name)
	c.mu.Unlock()
	op := harness.Op{Target: t.Name(), User: u.Name, Client: name, Kind: harness.OpLogin, Start: time.Now(), Display: -1}
	// The fake server's work takes loginTime (fake time in synctest bubbles).
	work := time.NewTimer(c.loginTime)
	<-work.C
	op.End = time.Now()
	if c.fail != nil && c.fail(u.Name, int(n)) {
		c.active.Add(-1)
		op.Outcome, op.Reason = harness.Fail, "test"
		return nil, op
	}
	op.Outcome = harness.OK
	return &fakeSession{c: c, op: op}, op
}

type fakeSession struct {
	c  *fakeClient
	op harness.Op
}

func (s *fakeSession) Close(ctx context.Context, style Style) harness.Op {
	s.c.active.Add(-1)
	return harness.Op{Target: s.op.Target, User: s.op.User, Kind: harness.OpDisconnect, Style: string(style),
		Start: time.Now(), End: time.Now(), Outcome: harness.OK}
}
func (s *fakeSession) Release() {}

func env(users int) harness.Env {
	return harness.Env{Targets: []harness.Target{fakeTarget{users}}, Ops: harness.NewOpLog(nil), Started: time.Now(),
		ClientSeq: new(atomic.Int64)}
}

func count(ops []harness.Op, kind harness.OpKind) int {
	n := 0
	for _, o := range ops {
		if o.Kind == kind {
			n++
		}
	}
	return n
}

func TestReconnectStorm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &fakeClient{loginTime: 300 * time.Millisecond}
		e := env(6)
		s := &ReconnectStorm{Client: c, Users: 6, Cycles: 4, Concurrency: 2, Hold: time.Second, Think: 100 * time.Millisecond}
		start := time.Now()
		if err := s.Run(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		ops := e.Ops.Ops()
		if got := count(ops, harness.OpLogin) + count(ops, harness.OpReconnect); got != 24 {
			t.Fatalf("%d logins, want 6×4", got)
		}
		if got := count(ops, harness.OpReconnect); got != 18 {
			t.Fatalf("%d reconnects, want 6×3 (every login after a user's first)", got)
		}
		if got := count(ops, harness.OpDisconnect); got != 24 {
			t.Fatalf("%d disconnects", got)
		}
		if m := c.maxActive.Load(); m != 2 {
			t.Fatalf("%d users in a cycle at once, want concurrency 2", m)
		}
		// 24 cycles of 1.3 s, two at a time: at least 15.6 s of fake time.
		if d := time.Since(start); d < 15600*time.Millisecond {
			t.Fatalf("storm took %v", d)
		}
		names := map[string]bool{}
		for _, o := range ops {
			if o.Kind != harness.OpDisconnect {
				if names[o.Client] {
					t.Fatalf("client name %s used twice", o.Client)
				}
				names[o.Client] = true
			}
		}
	})
}

func TestRoundsAreWaves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &fakeClient{loginTime: 100 * time.Millisecond}
		e := env(3)
		s := &ReconnectStorm{Client: c, Cycles: 3, Rounds: true, Think: time.Second}
		if err := s.Run(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		// Every user's login of round i comes before any of round i+1.
		c.mu.Lock()
		defer c.mu.Unlock()
		for r := 0; r < 3; r++ {
			seen := map[string]bool{}
			for _, u := range c.order[r*3 : r*3+3] {
				seen[u] = true
			}
			if len(seen) != 3 {
				t.Fatalf("round %d mixes users: %v", r, c.order)
			}
		}
	})
}

func TestRampStarts(t *testing.T) {
	for _, tc := range []struct {
		from, to float64
		d        time.Duration
		want     int
	}{
		{2, 2, 10 * time.Second, 20},
		{0, 4, 10 * time.Second, 20},
		{1, 3, 5 * time.Second, 10},
		{4, 0, 10 * time.Second, 20},
	} {
		r := &Ramp{From: tc.from, To: tc.to, Duration: tc.d}
		st := r.starts()
		if len(st) < tc.want-1 || len(st) > tc.want+1 {
			t.Errorf("%v→%v over %v: %d logins, want about %d", tc.from, tc.to, tc.d, len(st), tc.want)
		}
		for i := 1; i < len(st); i++ {
			if st[i] < st[i-1] || st[i] >= tc.d {
				t.Fatalf("starts not increasing within the duration: %v", st)
			}
		}
	}
	// A ramp up puts more logins in its second half.
	st := (&Ramp{From: 0, To: 4, Duration: 10 * time.Second}).starts()
	late := 0
	for _, s := range st {
		if s >= 5*time.Second {
			late++
		}
	}
	if late <= len(st)/2 {
		t.Fatalf("ramp up: %d of %d logins in the second half", late, len(st))
	}
}

func TestRampRunsBoundedAndValidates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &fakeClient{loginTime: 50 * time.Millisecond}
		e := env(4)
		r := Constant(c, 4, 5*time.Second, 500*time.Millisecond, Abrupt)
		if err := r.Run(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		if got := count(e.Ops.Ops(), harness.OpLogin) + count(e.Ops.Ops(), harness.OpReconnect); got != 20 {
			t.Fatalf("%d logins, want 4/s × 5 s", got)
		}
	})
	bad := &Ramp{From: -1, Duration: 0}
	if errs := bad.Validate(); len(errs) != 3 {
		t.Fatalf("want 3 problems (no client, rates, duration), got %v", errs)
	}
}

func TestCapacityStopsAtTheLevelThatDegrades(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Logins fail from the 13th on: level 3 (logins 11-15) breaks.
		c := &fakeClient{loginTime: 200 * time.Millisecond, fail: func(_ string, n int) bool { return n > 12 }}
		e := env(30)
		cp := &Capacity{Client: c, Step: 5, Every: time.Second, Max: 30}
		if err := cp.Run(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		ops := e.Ops.Ops()
		if got := count(ops, harness.OpLogin); got != 15 {
			t.Fatalf("%d logins, want 3 levels of 5 and a stop", got)
		}
		if got := count(ops, harness.OpDisconnect); got != 12 {
			t.Fatalf("%d sessions closed at the end, want the 12 that held", got)
		}
	})
	l := MeasureLevel([]harness.Op{{Outcome: harness.OK, End: time.Unix(2, 0), Start: time.Unix(0, 0)}, {Outcome: harness.Fail}}, 10)
	if l.Sessions != 11 || l.ErrorRate != 0.5 || l.P99 != 2*time.Second {
		t.Fatalf("level %+v", l)
	}
	if bad, why := (&Capacity{}).Degraded(l); !bad || why == "" {
		t.Fatal("a level with failures held")
	}
}

type recFault struct{ injected, healed atomic.Bool }

func (f *recFault) Name() string { return "rec" }
func (f *recFault) Inject(context.Context, harness.Target) (string, error) {
	f.injected.Store(true)
	return "hit", nil
}
func (f *recFault) Heal(context.Context, harness.Target) error {
	if !f.injected.Load() {
		return errors.New("heal before inject")
	}
	f.healed.Store(true)
	return nil
}

func TestSequenceWithNemesis(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &fakeClient{loginTime: 100 * time.Millisecond}
		e := env(2)
		var windows []harness.FaultWindow
		e.RecordFault = func(w harness.FaultWindow) { windows = append(windows, w) }
		f := &recFault{}
		seq := &Sequence{Steps: []harness.Executor{
			&Burst{Client: c, N: 2},
			&Nemesis{Fault: f, Hold: 3 * time.Second},
			&Burst{Client: c, N: 2},
		}}
		if err := seq.Run(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		if !f.healed.Load() || len(windows) != 1 || windows[0].Detail != "hit" {
			t.Fatalf("fault window %+v", windows)
		}
		w := windows[0]
		if w.Heal.Sub(w.Inject) != 3*time.Second {
			t.Fatalf("held %v", w.Heal.Sub(w.Inject))
		}
		for _, o := range e.Ops.Ops() {
			if o.Kind == harness.OpReconnect && o.Start.Before(w.Heal) {
				t.Fatalf("the step after the nemesis started before the heal: %+v", o)
			}
		}
	})
}

func TestRampRefusesUnboundedRates(t *testing.T) {
	c := RDP{}
	for _, r := range []*Ramp{
		{Client: c, From: math.NaN(), To: math.NaN(), Duration: time.Second},
		{Client: c, From: 1000, To: 1000, Duration: 2000 * time.Hour},
		{Client: c, From: math.Inf(1), To: 1, Duration: time.Second},
	} {
		if errs := r.Validate(); len(errs) == 0 {
			t.Errorf("%s: accepted", r.Name())
		}
	}
}
