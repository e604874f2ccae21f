package fakeclient

import (
	"bytes"
	"testing"
	"time"
)

// The bytes of [MS-RDPBCGR] 2.2.8.1.2: fpInputHeader (numEvents << 2,
// action 0, no encryption flags), length, then each event's header
// (eventCode << 5 | eventFlags) and body.
func TestFastPathInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events [][]byte
		want   []byte
	}{
		{"press and release A", [][]byte{keyEvent(KeyEvent{Scancode: ScanA}), keyEvent(KeyEvent{Scancode: ScanA, Release: true})},
			[]byte{2 << 2, 6, 0x00, 0x1e, 0x01, 0x1e}},
		{"extended release", [][]byte{keyEvent(KeyEvent{Scancode: 0x48, Release: true, Extended: true})},
			[]byte{1 << 2, 4, 0x03, 0x48}},
		{"mouse move to 300,200", [][]byte{pointerEvent(PointerEvent{Flags: PtrMove, X: 300, Y: 200})},
			[]byte{1 << 2, 9, 0x20, 0x00, 0x08, 0x2c, 0x01, 0xc8, 0x00}},
	} {
		got, err := fastPathInput(tc.events)
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("%s: % x, %v; want % x", tc.name, got, err, tc.want)
		}
	}
	// 20 events: numEvents moves to its own byte, the length to two bytes.
	var many [][]byte
	for range 20 {
		many = append(many, pointerEvent(PointerEvent{Flags: PtrMove}))
	}
	got, err := fastPathInput(many)
	if err != nil || got[0] != 0 || got[1] != 0x80 || int(got[2]) != len(got) || got[3] != 20 {
		t.Fatalf("20 events: % x, %v", got[:4], err)
	}
	if _, err := fastPathInput(nil); err == nil {
		t.Fatal("no events: want an error")
	}
}

func TestGraphicsNextUpdate(t *testing.T) {
	var g graphics
	g.update(time.Unix(10, 0), false) // before the wait: not the one
	next := g.next()
	g.frame(100)
	g.update(time.Unix(11, 0), false)
	g.update(time.Unix(13, 0), true)
	if at := <-next; !at.Equal(time.Unix(11, 0)) {
		t.Fatalf("first update after the wait at %v, want 11s", at)
	}
	s := g.stats()
	if s.Updates != 3 || s.Bytes != 100 || s.Frames != 1 || s.UpdatesPerSecond() != 2.0/3 || s.FrameMarkers != 1 || s.FrameAcks != FrameAcksVNC {
		t.Fatalf("stats %+v, %v/s", s, s.UpdatesPerSecond())
	}
}

// A fast-path frame of surface commands that starts with a TS_FRAME_MARKER
// ([MS-RDPBCGR] 2.2.9.2.3) is counted as a frame marker; other surface
// commands and other updates are not.
func TestFastPathFrameMarker(t *testing.T) {
	fp := func(code byte, body ...byte) frame {
		b := []byte{0x00, 0, code, byte(len(body)), byte(len(body) >> 8)}
		b = append(b, body...)
		b[1] = byte(len(b))
		return frame{kind: frameFastPath, total: len(b), b: b}
	}
	for _, tc := range []struct {
		name string
		f    frame
		want bool
	}{
		{"frame marker begin", fp(fpUpdateSurfCmds, 0x04, 0x00, 0x00, 0x00, 7, 0, 0, 0), true},
		{"stream surface bits", fp(fpUpdateSurfCmds, 0x06, 0x00, 0, 0, 0, 0), false},
		{"bitmap", fp(fpUpdateBitmap, 0x01, 0x00, 0x00, 0x00), false},
	} {
		ups, err := parseFastPath(tc.f, nil)
		if err != nil || len(ups) != 1 || ups[0].frameMarker != tc.want {
			t.Errorf("%s: updates %+v, %v; want frame marker %v", tc.name, ups, err, tc.want)
		}
	}
}
