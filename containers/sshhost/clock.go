package sshhost

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// measureClock reads the host's clock once over SSH and returns how far
// it is ahead of this machine's (negative: behind), to within half the
// round trip. The sampler on the host stamps every event with the host's
// clock, while the clients' ops carry this machine's: checkers compare
// the two within a slack of a second or two, so a host whose clock is off
// by more would be judged on shifted windows. A container shares this
// machine's clock; a staging host without NTP need not.
func (h *Host) measureClock(ctx context.Context) (offset, rtt time.Duration, err error) {
	before := time.Now()
	code, out, err := h.run(ctx, "date +%s%N")
	after := time.Now()
	if err != nil {
		return 0, 0, fmt.Errorf("sshhost: %s: read the host's clock: %w", h.Name(), err)
	}
	ns, perr := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
	if code != 0 || perr != nil {
		return 0, 0, fmt.Errorf("sshhost: %s: read the host's clock: date +%%s%%N: exit %d: %.100q", h.Name(), code, out)
	}
	rtt = after.Sub(before)
	mid := before.Add(rtt / 2)
	return time.Unix(0, ns).Sub(mid), rtt, nil
}

// clockSink moves the host's stamps onto this machine's clock (it
// subtracts the host's offset) before they reach the Record.
type clockSink struct {
	sink   harness.Sink
	offset time.Duration
}

var (
	_ harness.Sink         = clockSink{}
	_ harness.ResponseSink = clockSink{}
)

func (c clockSink) local(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Add(-c.offset)
}

func (c clockSink) Proc(e harness.ProcEvent) {
	e.Time, e.Born = c.local(e.Time), c.local(e.Born)
	c.sink.Proc(e)
}

func (c clockSink) Tick(t harness.Tick) {
	t.Time = c.local(t.Time)
	c.sink.Tick(t)
}

func (c clockSink) Log(l harness.LogLine) {
	l.Time = c.local(l.Time)
	c.sink.Log(l)
}

func (c clockSink) Response(r harness.Response) {
	if rs, ok := c.sink.(harness.ResponseSink); ok {
		r.Time = c.local(r.Time)
		rs.Response(r)
	}
}
