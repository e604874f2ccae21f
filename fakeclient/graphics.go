package fakeclient

import (
	"sync"
	"time"
)

// graphics accounts the server's output while the connection is up: the
// reader feeds every frame and every graphics update (bitmap, orders,
// pointer, palette, synchronize) through it, and input probes wait on it
// for the first update after their input.
type graphics struct {
	mu          sync.Mutex
	bytes       int64 // frame bytes on the wire inside TLS (TPKT or fast-path)
	frames      int64
	updates     int64
	first, last time.Time // first and last update
	waiters     []chan time.Time
}

// GraphicsStats is what the client received since the connection started.
type GraphicsStats struct {
	Bytes   int64 // server frames, bytes on the wire inside TLS
	Frames  int64
	Updates int64 // graphics updates (a fast-path frame can carry several)
	First   time.Time
	Last    time.Time
	// FrameAcks is "not negotiated": xrdp offers the Frame Acknowledge
	// capability set with fast-path output (2 frames in flight;
	// libxrdp/xrdp_caps.c, xrdp_caps_send_demand_active), but the client
	// does not confirm it, so xrdp does not wait for acknowledgements and
	// none are sent.
	FrameAcks string
}

// UpdatesPerSecond is the mean update rate between the first and the last
// update (0 with fewer than two).
func (g GraphicsStats) UpdatesPerSecond() float64 {
	d := g.Last.Sub(g.First).Seconds()
	if g.Updates < 2 || d <= 0 {
		return 0
	}
	return float64(g.Updates-1) / d
}

func (g *graphics) frame(n int) {
	g.mu.Lock()
	g.bytes += int64(n)
	g.frames++
	g.mu.Unlock()
}

func (g *graphics) update(now time.Time) {
	g.mu.Lock()
	g.updates++
	if g.first.IsZero() {
		g.first = now
	}
	g.last = now
	ws := g.waiters
	g.waiters = nil
	g.mu.Unlock()
	for _, w := range ws {
		w <- now // buffered, one send each
	}
}

// next returns a channel that receives the time of the first update after
// this call.
func (g *graphics) next() <-chan time.Time {
	ch := make(chan time.Time, 1)
	g.mu.Lock()
	g.waiters = append(g.waiters, ch)
	g.mu.Unlock()
	return ch
}

func (g *graphics) stats() GraphicsStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return GraphicsStats{Bytes: g.bytes, Frames: g.frames, Updates: g.updates, First: g.first, Last: g.last,
		FrameAcks: "not negotiated"}
}

// Graphics returns what the connection received so far. The reader keeps
// reading and counting for as long as the connection is up.
func (c *Conn) Graphics() GraphicsStats { return c.gfx.stats() }
