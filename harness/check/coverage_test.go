package check

import (
	"testing"
	"time"
)

func TestCoverageStartsWithTheLoad(t *testing.T) {
	// The lab took 6 s to boot: no ticks then, and nothing to watch.
	b := newBuilder().lab(6).ticks(6, 30).end(30)
	r := b.record()
	r.Started = at(0)
	r.LoadStarted = at(6.2)
	if got := NewCoverage(r, "t1", 3*time.Second).LongBlind(3 * time.Second); len(got) != 0 {
		t.Fatalf("boot time counted as blind: %v", got)
	}
	// A Record without LoadStarted (older) still counts from Started.
	r.LoadStarted = time.Time{}
	if got := NewCoverage(r, "t1", 3*time.Second).LongBlind(3 * time.Second); len(got) != 1 {
		t.Fatalf("blind spans %v, want the boot", got)
	}
}
