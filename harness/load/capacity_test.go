package load

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/knee"
)

// workloadClient logs in like fakeClient and starts each session's
// simulated workload: a "type" operation and a cycle end every cycle (the
// first a warm-up), except for the silent users, whose workload never
// starts.
type workloadClient struct {
	*fakeClient
	ctx    context.Context
	cycle  time.Duration
	silent []string
	wg     sync.WaitGroup
	mu     sync.Mutex
	rs     []harness.Response
}

func (c *workloadClient) Login(ctx context.Context, t harness.Target, u harness.User, name string) (Session, harness.Op) {
	s, op := c.fakeClient.Login(ctx, t, u, name)
	if s == nil || slices.Contains(c.silent, u.Name) {
		return s, op
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for i := 0; harness.Sleep(c.ctx, c.cycle); i++ {
			r := harness.Response{Time: time.Now(), Target: t.Name(), User: u.Name, Source: harness.ServerSide, Op: "type", Dur: time.Second}
			c.mu.Lock()
			c.rs = append(c.rs, r)
			r.Op = map[bool]string{true: "warmup-cycle", false: "cycle"}[i == 0]
			c.rs = append(c.rs, r)
			c.mu.Unlock()
		}
	}()
	return s, op
}

func (c *workloadClient) responses() []harness.Response {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.rs)
}

func TestCapacityLevelsLastUntilEverySessionRanACycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		wctx, stop := context.WithCancel(context.Background())
		// Cycles of 15 s: a level of new sessions needs a warm-up and one
		// cycle (30 s), more than its least length of 10 s. User ud's
		// workload never starts: the second level ends at its cap.
		c := &workloadClient{fakeClient: &fakeClient{loginTime: 100 * time.Millisecond}, ctx: wctx, cycle: 15 * time.Second,
			silent: []string{"ud"}}
		e := env(4)
		e.Responses = c.responses
		var marks []harness.LevelMark
		e.RecordLevel = func(m harness.LevelMark) { marks = append(marks, m) }
		cp := &Capacity{Client: c, Step: 2, Every: 10 * time.Second, MaxEvery: time.Minute, Max: 4,
			Knee: &knee.Rule{NeedResponses: true}, WaitFor: harness.ServerSide}
		if err := cp.Run(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		stop()
		c.wg.Wait()
		if len(marks) != 2 {
			t.Fatalf("%d levels recorded, want 2: %+v", len(marks), marks)
		}
		l1, l2 := marks[0], marks[1]
		if d := l1.End.Sub(l1.Start); d < 30*time.Second || d > 32*time.Second || l1.Capped {
			t.Fatalf("level 1 lasted %v (capped %v), want the 30 s of a warm-up and a cycle", d, l1.Capped)
		}
		if d := l2.End.Sub(l2.Start); d != time.Minute || !l2.Capped || !slices.Equal(l2.Short, []string{"ud"}) {
			t.Fatalf("level 2 lasted %v, capped %v, short %v; want its 1m cap, short of ud", d, l2.Capped, l2.Short)
		}
	})
}

func TestCapacityLevelWithNothingToWaitForLastsEvery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &fakeClient{loginTime: 100 * time.Millisecond}
		e := env(4)
		var marks []harness.LevelMark
		e.RecordLevel = func(m harness.LevelMark) { marks = append(marks, m) }
		cp := &Capacity{Client: c, Step: 2, Every: 10 * time.Second, Max: 4, Knee: &knee.Rule{}}
		if err := cp.Run(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		if len(marks) != 2 {
			t.Fatalf("%d levels, want 2", len(marks))
		}
		for _, m := range marks {
			if d := m.End.Sub(m.Start); d != 10*time.Second || m.Capped {
				t.Fatalf("level %+v lasted %v, want every (10s)", m, d)
			}
		}
	})
}

func TestCapacityRefusesACapBelowEvery(t *testing.T) {
	cp := &Capacity{Client: &fakeClient{}, Step: 1, Every: time.Minute, MaxEvery: time.Second, Max: 1,
		Knee: &knee.Rule{}, WaitFor: harness.ClientSide}
	if err := cp.Run(context.Background(), env(1)); err == nil {
		t.Fatal("a cap below every was accepted")
	}
}
