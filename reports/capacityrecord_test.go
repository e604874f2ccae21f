package reports

import (
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/load"
)

// TestCapacityFromRecord: logins are cut into levels Step at a time; the
// figure is the last level that held, the limit the first that did not.
func TestCapacityFromRecord(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	login := func(i int, out harness.Outcome) harness.Op {
		s := t0.Add(time.Duration(i) * time.Second)
		return harness.Op{Kind: harness.OpLogin, Start: s, End: s.Add(500 * time.Millisecond), Outcome: out}
	}
	rec := &harness.Record{
		Ops: []harness.Op{login(0, harness.OK), login(1, harness.OK), login(2, harness.OK), login(3, harness.Fail),
			{Kind: harness.OpDisconnect, Start: t0, End: t0, Outcome: harness.Fail}},
		Ticks: []harness.Tick{{Time: t0.Add(3200 * time.Millisecond), Zombies: 3}},
	}
	c := CapacityFromRecord(rec, &load.Capacity{Step: 2, Every: time.Second, Max: 4})
	if len(c.Levels) != 2 || !c.Levels[0].Held || c.Levels[1].Held {
		t.Fatalf("levels %+v", c.Levels)
	}
	if c.Sessions != 2 || c.Limit == "" || c.Levels[1].Zombies != 3 || c.Levels[0].Zombies != 0 {
		t.Errorf("capacity %+v", c)
	}
}
