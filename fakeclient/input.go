package fakeclient

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Fast-path input ([MS-RDPBCGR] 2.2.8.1.2): the client sends
// TS_FP_INPUT_PDU frames instead of slow-path Input Event PDUs when the
// server's Input Capability Set has INPUT_FLAG_FASTPATH_INPUT(2); xrdp sets
// both when use_fast_path has its input bit (libxrdp/xrdp_caps.c,
// xrdp_caps_send_demand_active: `use_fast_path & 2`), as xrdp.ini's
// default use_fastpath=both does, and reads them in libxrdp/xrdp_fastpath.c.
const (
	fpInputActionFastPath = 0x0 // fpInputHeader action (2 bits)

	fpEventScancode = 0x0 // FASTPATH_INPUT_EVENT_SCANCODE (2.2.8.1.2.2.1)
	fpEventMouse    = 0x1 // FASTPATH_INPUT_EVENT_MOUSE (2.2.8.1.2.2.3)

	fpKbdRelease  = 0x01 // FASTPATH_INPUT_KBDFLAGS_RELEASE
	fpKbdExtended = 0x02 // FASTPATH_INPUT_KBDFLAGS_EXTENDED

	// Pointer flags (TS_POINTER_EVENT, 2.2.8.1.1.3.1.1.3).
	PtrMove    = 0x0800
	PtrDown    = 0x8000
	PtrButton1 = 0x1000
	PtrButton2 = 0x2000
	PtrWheel   = 0x0200
)

// KeyEvent is one scancode press or release.
type KeyEvent struct {
	Scancode uint8
	Release  bool
	Extended bool
}

// PointerEvent is one mouse event: Flags from the Ptr* constants.
type PointerEvent struct {
	Flags uint16
	X, Y  uint16
}

// Scancodes of a US keyboard (set 1) the probes use.
const (
	ScanA         = 0x1e
	ScanBackspace = 0x0e
	ScanReturn    = 0x1c
)

// fastPathInput frames events as one TS_FP_INPUT_PDU (no encryption: TLS
// carries it). Each event is its eventHeader byte (eventFlags in the low 5
// bits, eventCode in the high 3) and its body.
func fastPathInput(events [][]byte) ([]byte, error) {
	if len(events) == 0 || len(events) > 255 {
		return nil, fmt.Errorf("fakeclient: fast-path input: %d events, want 1..255", len(events))
	}
	var body []byte
	if len(events) > 15 {
		body = append(body, byte(len(events))) // numEvents byte when the header's 4 bits cannot hold it
	}
	for _, e := range events {
		body = append(body, e...)
	}
	n := 0
	if len(events) <= 15 {
		n = len(events)
	}
	header := byte(fpInputActionFastPath) | byte(n)<<2
	total := 1 + 1 + len(body)
	if total > 0x7f {
		total++ // the length takes two bytes, high bit set
	}
	if total > 0x7fff {
		return nil, errors.New("fakeclient: fast-path input: PDU too long")
	}
	out := []byte{header}
	if total > 0x7f {
		out = append(out, byte(total>>8)|0x80, byte(total))
	} else {
		out = append(out, byte(total))
	}
	return append(out, body...), nil
}

func keyEvent(k KeyEvent) []byte {
	flags := byte(0)
	if k.Release {
		flags |= fpKbdRelease
	}
	if k.Extended {
		flags |= fpKbdExtended
	}
	return []byte{flags | fpEventScancode<<5, k.Scancode}
}

func pointerEvent(p PointerEvent) []byte {
	return []byte{fpEventMouse << 5, byte(p.Flags), byte(p.Flags >> 8), byte(p.X), byte(p.X >> 8), byte(p.Y), byte(p.Y >> 8)}
}

func (c *Conn) sendInput(events [][]byte) error {
	c.mu.Lock()
	up := c.state == stateUp
	c.mu.Unlock()
	if !up {
		return errors.New("fakeclient: send input: connection is not up")
	}
	pdu, err := fastPathInput(events)
	if err != nil {
		return err
	}
	return c.write(pdu, "fast-path input")
}

// SendKeys sends keyboard events in one fast-path input PDU.
func (c *Conn) SendKeys(keys ...KeyEvent) error {
	ev := make([][]byte, len(keys))
	for i, k := range keys {
		ev[i] = keyEvent(k)
	}
	return c.sendInput(ev)
}

// SendPointer sends mouse events in one fast-path input PDU.
func (c *Conn) SendPointer(ps ...PointerEvent) error {
	ev := make([][]byte, len(ps))
	for i, p := range ps {
		ev[i] = pointerEvent(p)
	}
	return c.sendInput(ev)
}

// KeystrokeResponse presses and releases scancode and returns the time from
// sending it to the first screen update after it: the end-to-end response
// a user feels when the focused window echoes the key. An update that the
// session drew for another reason in that time counts too, so under other
// screen activity this is a lower bound; with nothing focused that echoes,
// ctx runs out.
func (c *Conn) KeystrokeResponse(ctx context.Context, scancode uint8) (time.Duration, error) {
	next := c.gfx.next()
	start := time.Now()
	if err := c.SendKeys(KeyEvent{Scancode: scancode}, KeyEvent{Scancode: scancode, Release: true}); err != nil {
		return 0, err
	}
	select {
	case at := <-next:
		return at.Sub(start), nil
	case <-c.done:
		return time.Since(start), errors.New("fakeclient: keystroke: connection ended")
	case <-ctx.Done():
		return time.Since(start), fmt.Errorf("fakeclient: keystroke: no screen update: %w", ctx.Err())
	}
}
