package fakeclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// transport lets tests feed recorded server bytes without TCP or TLS.
type transport interface {
	dial(ctx context.Context, addr string) (net.Conn, error)
	upgrade(ctx context.Context, c net.Conn) (net.Conn, error)
}

// Conn is a logged-in client. After Dial it keeps draining the server's
// output (one goroutine, a 128-byte header buffer) until Close.
type Conn struct {
	cfg    Config
	raw    net.Conn // TCP
	rw     net.Conn // TLS on top of raw (or a test transport)
	buf    []byte
	caps   capsConfig
	user   uint16
	io     uint16
	share  uint32
	source uint16

	wmu sync.Mutex // serialises writes: the reader answers reactivations

	mu          sync.Mutex
	state       connState
	failure     *Error    // first failure signal seen by the reader
	sessionAt   time.Time // the session's cursor arrived
	wmAt        time.Time // xrdp's window manager drew a window
	orders      int       // drawing orders before the session's cursor
	updates     int
	denied      chan struct{} // closed on Shutdown Denied
	notify      chan struct{} // poked when state changes during Dial
	done        chan struct{} // closed when the reader stops
	stopReading bool
	reading     bool // readLoop started

	gfx graphics // server output accounting, fed by the reader
}

type connState uint8

const (
	stateDialing connState = iota
	stateUp
	stateClosing
	stateVanished
	stateClosed
)

// Dial connects and logs in, and returns the live connection when the
// outcome is ok (nil otherwise, the connection closed). ctx bounds the whole
// login: every read and write gets its deadline, and cancelling ctx aborts
// the login at once. ctx does not bound the Conn after Dial returns.
func Dial(ctx context.Context, cfg Config) (*Conn, Result) {
	if errs := cfg.Validate(); len(errs) > 0 {
		err := &Error{Reason: ReasonConfig, Offset: -1, Err: errors.Join(errs...)}
		return nil, Result{Outcome: Fail, Reason: ReasonConfig, Err: err}
	}
	cfg = cfg.withDefaults()
	d := &dialRun{ctx: ctx, res: Result{Phases: make([]Phase, 0, 8)}}
	c, err := d.run(cfg)
	d.res.Err = nil
	if err != nil {
		if c != nil {
			c.closeNow()
		}
		e := d.classify(err)
		d.res.Err = e
		d.res.Reason = e.Reason
		d.res.Outcome = Fail
		if (e.Reason == ReasonTimeout || e.Reason == ReasonCancelled) && e.Phase != PhaseTCP {
			d.res.Outcome = Info
		}
		return nil, d.res
	}
	d.res.Outcome = OK
	return c, d.res
}

// dialRun is the state of one Dial: its context, clock and result.
type dialRun struct {
	ctx   context.Context
	res   Result
	phase string
	t0    time.Time
	stop  func() bool
}

func (d *dialRun) begin(name string) {
	d.phase = name
	d.t0 = time.Now()
}

func (d *dialRun) end() {
	d.res.Phases = append(d.res.Phases, Phase{Name: d.phase, Dur: time.Since(d.t0)})
}

// classify turns whatever stopped the dial into an *Error with a Reason.
func (d *dialRun) classify(err error) *Error {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Offset: -1, Err: err}
	}
	if e.Phase == "" {
		e.Phase = d.phase
	}
	cerr := d.ctx.Err()
	if cerr == nil && errors.Is(err, os.ErrDeadlineExceeded) {
		// Dial only sets deadlines from ctx: the conn's deadline can fire
		// a moment before ctx's own timer marks it done.
		cerr = context.DeadlineExceeded
	}
	if cerr != nil && (e.Reason == "" || isNetErr(e.Err)) {
		// The deadline or cancel interrupted I/O: whatever error the I/O
		// returned, the cause is the context.
		e.Reason = ReasonTimeout
		if errors.Is(cerr, context.Canceled) {
			e.Reason = ReasonCancelled
		}
		if e.Err == nil || isNetErr(e.Err) {
			e.Err = cerr
		}
		return e
	}
	if e.Reason != "" {
		return e
	}
	switch {
	case d.phase == PhaseTCP || d.phase == PhaseX224:
		e.Reason = ReasonRefused
	case d.phase == PhaseTLS:
		e.Reason = ReasonTLS
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrClosedPipe):
		e.Reason = ReasonServerDisconnect
	default:
		e.Reason = ReasonProtocol
	}
	return e
}

func isNetErr(err error) bool {
	var ne net.Error
	return err != nil && (errors.As(err, &ne) || errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET))
}

type tcpTLS struct{}

func (tcpTLS) dial(ctx context.Context, addr string) (net.Conn, error) {
	var nd net.Dialer
	return nd.DialContext(ctx, "tcp", addr)
}

func (tcpTLS) upgrade(ctx context.Context, c net.Conn) (net.Conn, error) {
	// xrdp presents a self-signed certificate; there is nothing to verify
	// against, as with mstsc's "connect anyway".
	tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}) //nolint:gosec
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return tc, nil
}

func (d *dialRun) run(cfg Config) (*Conn, error) {
	tr := cfg.transport
	if tr == nil {
		tr = tcpTLS{}
	}
	c := &Conn{
		cfg:    cfg,
		notify: make(chan struct{}, 1),
		done:   make(chan struct{}),
		caps: capsConfig{width: cfg.Width, height: cfg.Height, bpp: cfg.BPP,
			keyboard: cfg.KeyboardLayout, orders: true, channels: len(cfg.Channels) > 0},
	}

	d.begin(PhaseTCP)
	raw, err := tr.dial(d.ctx, cfg.Addr)
	if err != nil {
		return nil, err
	}
	c.raw, c.rw = raw, raw
	if dl, ok := d.ctx.Deadline(); ok {
		_ = raw.SetDeadline(dl)
	}
	// Cancelling ctx interrupts any blocked read or write by moving the
	// deadline into the past; the I/O error is then classified by ctx.Err.
	d.stop = context.AfterFunc(d.ctx, func() { _ = raw.SetDeadline(time.Unix(1, 0)) })
	d.end()

	d.begin(PhaseX224)
	if err := c.write(x224ConnectionRequest(Cookie(cfg.User)), "X.224 Connection Request"); err != nil {
		return c, err
	}
	f, err := readFrame(raw, &c.buf, keepDial)
	if err != nil {
		return c, err
	}
	c.trace(false, "X.224 Connection Confirm", f.total)
	if _, perr := parseConnectionConfirm(f); perr != nil {
		return c, perr
	}
	d.end()

	d.begin(PhaseTLS)
	rw, err := tr.upgrade(d.ctx, raw)
	if err != nil {
		return c, err
	}
	c.rw = rw
	d.end()

	d.begin(PhaseMCS)
	if err := c.connectMCS(); err != nil {
		return c, err
	}
	d.end()

	d.begin(PhaseLogin)
	ci := clientInfo{domain: cfg.Domain, user: cfg.User, password: cfg.Password, clientAddr: hostOf(raw.LocalAddr())}
	if err := c.write(sendDataRequest(c.user, c.io, ci.pdu()), "Client Info PDU"); err != nil {
		return c, err
	}
	lic, err := c.readLicense()
	if err != nil {
		return c, err
	}
	d.end()

	d.begin(PhaseLicensing)
	if lic.msgType == licenseRequest {
		if err := c.write(sendDataRequest(c.user, c.io, newLicenseRequestPDU(cfg.User, cfg.ClientName)), "New License Request"); err != nil {
			return c, err
		}
		if lic, err = c.readLicense(); err != nil {
			return c, err
		}
	}
	if lic.msgType != errorAlert || lic.errorCode != statusValidClient {
		return c, protoErr(lic.String(), -1, "licensing did not end with STATUS_VALID_CLIENT")
	}
	d.end()

	d.begin(PhaseCapabilities)
	if err := c.activate(); err != nil {
		return c, err
	}
	d.end()

	d.begin(PhaseFirstUpdate)
	c.reading = true
	go c.readLoop()
	if err := d.awaitSession(c); err != nil {
		return c, err
	}
	return c, nil
}

// CookieLength is how many characters of the user name the fakeclient
// puts in its `Cookie: mstshash=` routing cookie: 9, as mstsc does.
// [MS-RDPBCGR] 2.2.1.1 leaves IDENTIFIER open; its product behaviour note
// on 3.2.5.3.1 says Microsoft's clients use "the login name of the user
// truncated to nine characters" (FreeRDP calls it MSTSC_COOKIE_MAX_LENGTH
// and sends up to 255 unless told to mimic mstsc). A balancer keyed on the
// cookie (HAProxy's balance rdp-cookie or stick on req.rdp_cookie) thus
// sees users whose names share their first 9 characters (xrdpuser01 and
// xrdpuser02) as one user.
const CookieLength = 9

// Cookie is the mstshash cookie mstsc derives from a user name: its first
// CookieLength printable ASCII characters.
func Cookie(user string) string {
	b := make([]byte, 0, CookieLength)
	for _, r := range user {
		if len(b) == CookieLength {
			break
		}
		if r > 0x20 && r < 0x7f {
			b = append(b, byte(r))
		}
	}
	return string(b)
}

func hostOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		if v4 := ta.IP.To4(); v4 != nil {
			return v4.String()
		}
		return ta.IP.String()
	}
	return "127.0.0.1"
}

func (c *Conn) trace(out bool, name string, n int) {
	if c.cfg.Trace != nil {
		c.cfg.Trace(TraceEvent{Time: time.Now(), Out: out, Name: name, Len: n})
	}
}

// write sends one complete PDU in one Write, so that a recording can count
// client PDUs by writes.
func (c *Conn) write(b []byte, name string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.trace(true, name, len(b))
	if _, err := c.rw.Write(b); err != nil {
		return fmt.Errorf("fakeclient: write %s: %w", name, err)
	}
	return nil
}
