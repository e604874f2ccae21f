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
	markers     int64     // TS_FRAME_MARKER surface commands
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
	// FrameAcks says how frame acknowledgements went: FrameAcksVNC, see
	// there. FrameMarkers counts the TS_FRAME_MARKER surface commands
	// ([MS-RDPBCGR] 2.2.9.2.3) received all the same: a backend that sent
	// any would show here.
	FrameAcks    string
	FrameMarkers int64
}

// FrameAcksVNC is what a Record says about frame acknowledgements on
// xrdp's Xvnc backend: there are none to send, so the client does not
// confirm the capability. Read at xrdp v0.9.21.1:
//   - xrdp offers CAPSTYPE_FRAME_ACKNOWLEDGE with fast-path output (2
//     frames in flight; libxrdp/xrdp_caps.c xrdp_caps_send_demand_active)
//     and uses it only if the client confirms it (xrdp_caps_process_frame_ack
//     sets client_info.use_frame_acks).
//   - TS_FRAME_MARKER goes out only through libxrdp_fastpath_send_frame_marker
//     (libxrdp/libxrdp.c), whose one caller is xrdp_mm_process_enc_done
//     (xrdp/xrdp_mm.c): the encoder path, fed by server_paint_rects, which
//     xorgxrdp's module calls (xup/xup.c); the encoder exists only when a
//     JPEG, RemoteFX or H.264 codec was negotiated on a LAN connection at ≥
//     24 bpp (xrdp/xrdp_encoder.c xrdp_encoder_create).
//   - the vnc module paints through server_paint_rect (the painter: bitmaps
//     and orders, no frame) and its lib_mod_frame_ack does nothing
//     (vnc/vnc.c).
//
// The v0.10 line keeps vnc/vnc.c's painting and no-op frame ack; its GFX
// frames (RDPGFX StartFrame/EndFrame, xrdp/xrdp_egfx.c) travel on the
// [MS-RDPEGFX] dynamic channel, which this client does not open. (The v0.10
// files were read from the search index's v0.10-line versions, not pinned
// to the v0.10.1 tag.) Also at v0.9.21.1, xrdp_mm_frame_ack (xrdp/xrdp_mm.c)
// reads self->encoder without a NULL check once use_frame_acks is set: a
// client that confirmed the capability and acknowledged a frame on an Xvnc
// session would crash its own xrdp child. One more reason not to confirm it.
const FrameAcksVNC = "not negotiated by xrdp's vnc backend"

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

func (g *graphics) update(now time.Time, marker bool) {
	g.mu.Lock()
	g.updates++
	if marker {
		g.markers++
	}
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
		FrameAcks: FrameAcksVNC, FrameMarkers: g.markers}
}

// Graphics returns what the connection received so far. The reader keeps
// reading and counting for as long as the connection is up.
func (c *Conn) Graphics() GraphicsStats { return c.gfx.stats() }
