package sshhost

import (
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

type recSink struct {
	procs []harness.ProcEvent
	ticks []harness.Tick
	logs  []harness.LogLine
	resps []harness.Response
}

func (r *recSink) Proc(e harness.ProcEvent)    { r.procs = append(r.procs, e) }
func (r *recSink) Tick(t harness.Tick)         { r.ticks = append(r.ticks, t) }
func (r *recSink) Log(l harness.LogLine)       { r.logs = append(r.logs, l) }
func (r *recSink) Response(x harness.Response) { r.resps = append(r.resps, x) }

// TestClockSinkMovesHostStampsToOurClock: a host 90 s ahead stamps an
// event at 12:01:30 that happened at our 12:00:00; unset stamps stay
// unset.
func TestClockSinkMovesHostStampsToOurClock(t *testing.T) {
	ours := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	host := ours.Add(90 * time.Second)
	r := &recSink{}
	c := clockSink{sink: r, offset: 90 * time.Second}
	c.Proc(harness.ProcEvent{Time: host, Born: host.Add(-time.Second)})
	c.Proc(harness.ProcEvent{Time: host}) // Born unset (an exit)
	c.Tick(harness.Tick{Time: host})
	c.Log(harness.LogLine{Time: host})
	c.Response(harness.Response{Time: host})
	if !r.procs[0].Time.Equal(ours) || !r.procs[0].Born.Equal(ours.Add(-time.Second)) || !r.procs[1].Born.IsZero() {
		t.Errorf("procs %+v", r.procs)
	}
	if !r.ticks[0].Time.Equal(ours) || !r.logs[0].Time.Equal(ours) || !r.resps[0].Time.Equal(ours) {
		t.Errorf("tick %v log %v response %v, want %v", r.ticks[0].Time, r.logs[0].Time, r.resps[0].Time, ours)
	}
}
