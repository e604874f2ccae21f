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

// A tick gap while the container was paused hides nothing: its processes
// were frozen. The same gap without the fault stays blind.
func TestCoveragePausedGapIsWatched(t *testing.T) {
	paused := newBuilder().lab(0).ticks(0, 10).ticks(22, 30).end(30).fault("pause-container", 10.5, 21.5).record()
	c := NewCoverage(paused, "t1", 3*time.Second)
	if b := c.Blind(); len(b) != 0 {
		t.Errorf("paused: blind %v", b)
	}
	unhealed := newBuilder().lab(0).ticks(0, 10).ticks(22, 30).end(30).fault("pause-container", 10.5, 0).record()
	if b := NewCoverage(unhealed, "t1", 3*time.Second).Blind(); len(b) != 1 {
		t.Errorf("pause never healed: blind %v", b)
	}
	other := newBuilder().lab(0).ticks(0, 10).ticks(22, 30).end(30).fault("freeze-sesman", 10.5, 21.5).record()
	if b := NewCoverage(other, "t1", 3*time.Second).Blind(); len(b) != 1 {
		t.Errorf("a frozen sesman is not a frozen container: blind %v", b)
	}
	longer := newBuilder().lab(0).ticks(0, 10).ticks(40, 50).end(50).fault("pause-container", 10.5, 21.5).record()
	if b := NewCoverage(longer, "t1", 3*time.Second).Blind(); len(b) != 1 {
		t.Errorf("gap outlasting the pause: blind %v", b)
	}
}
