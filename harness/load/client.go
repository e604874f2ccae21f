package load

import (
	"cmp"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/xrdp-harness/xrdp-harness/fakeclient"
	"github.com/xrdp-harness/xrdp-harness/fakeclient/scp"
	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Style is how a simulated user leaves: fakeclient's disconnect styles,
// which the SCP client follows as far as SCP can (see SCP).
type Style = fakeclient.DisconnectStyle

const (
	Graceful = fakeclient.Graceful // as a real client closes
	Abrupt   = fakeclient.Abrupt   // TCP reset, no goodbye
	Vanish   = fakeclient.Vanish   // stop reading, hold the socket until the run ends
)

// ParseStyle reads a style name ("" is Graceful).
func ParseStyle(s string) (Style, error) { return fakeclient.ParseDisconnectStyle(s) }

// opOutcome and opPhases map fakeclient's result into the harness's
// operation history.
func opOutcome(o fakeclient.Outcome) harness.Outcome {
	switch o {
	case fakeclient.OK:
		return harness.OK
	case fakeclient.Info:
		return harness.Info
	}
	return harness.Fail
}

func opPhases(ps []fakeclient.Phase) []harness.Phase {
	out := make([]harness.Phase, len(ps))
	for i, p := range ps {
		out[i] = harness.Phase{Name: p.Name, Dur: p.Dur}
	}
	return out
}

// Client logs a user into a target. Login returns the recorded operation
// (Kind, Start, End, Outcome, Phases filled; the executor sets ID and
// Kind reconnect) and, when it succeeded, a Session to end later.
type Client interface {
	Name() string
	Login(ctx context.Context, t harness.Target, u harness.User, clientName string) (Session, harness.Op)
}

// Session is a logged-in user. Close ends it in a style and returns the
// disconnect operation. Release frees what a vanished session still holds.
type Session interface {
	Close(ctx context.Context, style Style) harness.Op
	Release()
}

// RDP is the fakeclient: a real RDP connection per login.
type RDP struct {
	// Timeout bounds one login (default 30s). A login that runs out of
	// time mid-way is an "info" op: xrdp may or may not have acted.
	Timeout time.Duration
	// BPP is the color depth; sesman's Policy=Default keys sessions on it.
	BPP int
	// Settle is fakeclient's settle window (0: its default).
	Settle time.Duration
}

var _ Client = RDP{}

func (RDP) Name() string { return "rdp" }

func (c RDP) Login(ctx context.Context, t harness.Target, u harness.User, clientName string) (Session, harness.Op) {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// fakeclient's defaults: 1024x768 at 32 bpp (fakeclient/client.go).
	op := harness.Op{Target: t.Name(), User: u.Name, Client: clientName, Kind: harness.OpLogin, Display: -1, Start: time.Now(),
		BPP: cmp.Or(c.BPP, 32), Width: 1024, Height: 768}
	conn, res := fakeclient.Dial(ctx, fakeclient.Config{
		Addr: t.RDPAddr(), User: u.Name, Password: u.Password, ClientName: clientName,
		BPP: c.BPP, SettleTimeout: c.Settle,
	})
	op.End = time.Now()
	op.Outcome, op.Reason, op.Phases = opOutcome(res.Outcome), string(res.Reason), opPhases(res.Phases)
	if res.Err != nil {
		op.Err = res.Err.Error()
	}
	if conn == nil {
		return nil, op
	}
	return &rdpSession{conn: conn, op: op, up: time.Now()}, op
}

type rdpSession struct {
	conn *fakeclient.Conn
	op   harness.Op
	up   time.Time
	once sync.Once
}

var _ Typist = (*rdpSession)(nil)

// Keystroke types "a" and times it to the next screen update, then erases
// it with a backspace (not timed), so a focused terminal or editor is left
// as it was.
func (s *rdpSession) Keystroke(ctx context.Context) (time.Duration, error) {
	d, err := s.conn.KeystrokeResponse(ctx, fakeclient.ScanA)
	_ = s.conn.SendKeys(fakeclient.KeyEvent{Scancode: fakeclient.ScanBackspace},
		fakeclient.KeyEvent{Scancode: fakeclient.ScanBackspace, Release: true})
	return d, err
}

func (s *rdpSession) Close(ctx context.Context, style Style) harness.Op {
	op := harness.Op{Target: s.op.Target, User: s.op.User, Client: s.op.Client, Kind: harness.OpDisconnect,
		Style: string(style), Display: -1, Start: time.Now()}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	g := s.conn.Graphics()
	op.Screen = &harness.ScreenStats{Bytes: g.Bytes, Updates: g.Updates, Connected: time.Since(s.up),
		UpdatesPerSec: g.UpdatesPerSecond(), FrameAcks: g.FrameAcks, FrameMarkers: g.FrameMarkers}
	err := s.conn.Close(ctx, style)
	op.End = time.Now()
	op.Outcome = harness.OK
	if err != nil {
		op.Outcome, op.Reason, op.Err = harness.Fail, "close", err.Error()
	}
	return op
}

func (s *rdpSession) Release() { s.once.Do(func() { _ = s.conn.Release() }) }

// SCP asks sesman for sessions directly (SCP v0, xrdp 0.9.x): no RDP, no
// xrdp process in between, so it reaches high reconnect rates cheaply and
// learns the display from sesman's reply.
type SCP struct {
	Timeout time.Duration // default 30s
	BPP     int           // 0: 24
	Width   int           // 0: 1024
	Height  int           // 0: 768
}

var _ Client = SCP{}

func (SCP) Name() string { return "scp" }

func (c SCP) Login(ctx context.Context, t harness.Target, u harness.User, clientName string) (Session, harness.Op) {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	// scp.SessionRequest's defaults: 1024x768 at 24 bpp (fakeclient/scp).
	op := harness.Op{Target: t.Name(), User: u.Name, Client: clientName, Kind: harness.OpSCP, Display: -1, Start: time.Now(),
		BPP: cmp.Or(c.BPP, 24), Width: cmp.Or(c.Width, 1024), Height: cmp.Or(c.Height, 768), ClientIP: clientName}
	addr := t.SesmanAddr()
	if addr == "" {
		op.End, op.Outcome, op.Reason = op.Start, harness.Fail, "unsupported"
		op.Err = "target " + t.Name() + " has no SCP v0 endpoint (xrdp 0.10 and later)"
		return nil, op
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	reply, err := scp.RequestSession(ctx, addr, scp.SessionRequest{
		Type: scp.Xvnc, Username: u.Name, Password: u.Password,
		Width: uint16(c.Width), Height: uint16(c.Height), BPP: uint16(c.BPP),
		ClientIP: clientName})
	op.End = time.Now()
	if err != nil {
		op.Outcome, op.Reason, op.Err = harness.Fail, scp.Reason(err), err.Error()
		var te *scp.TimeoutError
		if errors.As(err, &te) || ctx.Err() != nil {
			op.Outcome = harness.Info
		}
		return nil, op
	}
	op.Outcome, op.Display = harness.OK, reply.Display
	return scpSession{op: op}, op
}

// scpSession: an SCP request leaves nothing open; the session lives on in
// sesman like one whose RDP client went away.
type scpSession struct{ op harness.Op }

func (s scpSession) Close(context.Context, Style) harness.Op {
	now := time.Now()
	return harness.Op{Target: s.op.Target, User: s.op.User, Client: s.op.Client, Kind: harness.OpDisconnect,
		Style: "none", Display: s.op.Display, Start: now, End: now, Outcome: harness.OK}
}

func (scpSession) Release() {}
