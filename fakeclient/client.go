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

// Config describes one client. The zero value of every field but Addr and
// User is usable.
type Config struct {
	// Addr is the xrdp listener, host:port. Required.
	Addr string
	// User, Password and Domain go into the Client Info PDU with
	// INFO_AUTOLOGON. User is required; an empty Domain is what xrdp
	// expects when autorun names the session type.
	User, Password, Domain string
	// ClientName is sent in the GCC client core data; xrdp logs it as
	// "connected client computer name: NAME", which lets the harness match
	// server log lines to clients. At most 15 characters. Empty means
	// "fakeclient".
	ClientName string
	// Width and Height of the desktop. Zero means 1024x768. Policy=Default
	// ignores the size when it picks a session to reconnect to.
	Width, Height int
	// BPP is the color depth: 15, 16, 24 or 32. Zero means 32, the depth
	// FreeRDP asks for by default; sesman keys sessions on user and depth,
	// so a reconnect must use the same value.
	BPP int
	// Channels are the static virtual channels to announce and join (at
	// most 7 ASCII characters each, at most 30 of them). Nil announces
	// none; xrdp needs none to start the session.
	Channels []string
	// SettleTimeout is how long Dial keeps watching after the session's
	// first update for a failure signal (Set Error Info, disconnect, xrdp's
	// own login or log window) before it calls the login ok. Zero means
	// 300ms; a negative value means no settle window.
	SettleTimeout time.Duration
	// KeyboardLayout is the Windows input locale. Zero means 0x409 (US).
	KeyboardLayout uint32
	// Trace, when set, is called for each PDU sent or received, from the
	// goroutine that handled it. Tests and debugging only: it is called on
	// every update while a client idles.
	Trace func(TraceEvent)

	// transport replaces TCP dialing and TLS in tests (see replay_test.go).
	transport transport
}

// TraceEvent describes one PDU for Config.Trace.
type TraceEvent struct {
	Time time.Time
	Out  bool   // sent by the client
	Name string // e.g. "Demand Active PDU", "fast-path Bitmap"
	Len  int    // frame length on the wire (inside TLS)
}

// transport lets tests feed recorded server bytes without TCP or TLS.
type transport interface {
	dial(ctx context.Context, addr string) (net.Conn, error)
	upgrade(ctx context.Context, c net.Conn) (net.Conn, error)
}

const (
	defaultWidth      = 1024
	defaultHeight     = 768
	defaultBPP        = 32
	defaultClientName = "fakeclient"
	defaultSettle     = 300 * time.Millisecond
	defaultKeyboard   = 0x409
	maxClientName     = 15
	maxChannels       = 30
	maxInfoString     = 255 // characters xrdp keeps of user, password, domain

	// keepDial is how much of a frame is kept while the connection sequence
	// still parses whole PDUs (the largest is the Demand Active, < 1 KB
	// from xrdp); keepIdle is enough for every header read afterwards.
	keepDial = 16 << 10
	keepIdle = 128
)

// Validate reports every problem with c at once.
func (c Config) Validate() []error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("fakeclient: Addr is empty"))
	} else if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("fakeclient: Addr %q: %w", c.Addr, err))
	}
	if c.User == "" {
		errs = append(errs, errors.New("fakeclient: User is empty"))
	}
	for name, s := range map[string]string{"User": c.User, "Password": c.Password, "Domain": c.Domain} {
		if n := utf16len(s) / 2; n > maxInfoString {
			errs = append(errs, fmt.Errorf("fakeclient: %s has %d UTF-16 units, xrdp keeps %d", name, n, maxInfoString))
		}
	}
	if n := utf16len(c.ClientName) / 2; n > maxClientName {
		errs = append(errs, fmt.Errorf("fakeclient: ClientName %q has %d characters, GCC allows %d", c.ClientName, n, maxClientName))
	}
	if c.Width < 0 || c.Width > 8192 || c.Height < 0 || c.Height > 8192 {
		errs = append(errs, fmt.Errorf("fakeclient: desktop %dx%d out of range 1..8192", c.Width, c.Height))
	}
	switch c.BPP {
	case 0, 15, 16, 24, 32:
	default:
		errs = append(errs, fmt.Errorf("fakeclient: BPP %d, want 15, 16, 24 or 32", c.BPP))
	}
	if len(c.Channels) > maxChannels {
		errs = append(errs, fmt.Errorf("fakeclient: %d channels, at most %d", len(c.Channels), maxChannels))
	}
	for _, ch := range c.Channels {
		if ch == "" || len(ch) > 7 {
			errs = append(errs, fmt.Errorf("fakeclient: channel name %q must have 1 to 7 characters", ch))
			continue
		}
		for _, r := range ch {
			if r <= 0x20 || r > 0x7e {
				errs = append(errs, fmt.Errorf("fakeclient: channel name %q is not printable ASCII", ch))
				break
			}
		}
	}
	return errs
}

func (c Config) withDefaults() Config {
	if c.Width == 0 {
		c.Width = defaultWidth
	}
	if c.Height == 0 {
		c.Height = defaultHeight
	}
	if c.BPP == 0 {
		c.BPP = defaultBPP
	}
	if c.ClientName == "" {
		c.ClientName = defaultClientName
	}
	if c.SettleTimeout == 0 {
		c.SettleTimeout = defaultSettle
	}
	if c.KeyboardLayout == 0 {
		c.KeyboardLayout = defaultKeyboard
	}
	return c
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
	if err := c.write(x224ConnectionRequest(cookieFor(cfg.User)), "X.224 Connection Request"); err != nil {
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

// cookieFor is the mstshash cookie mstsc derives from the user name (it
// keeps at most 9 characters).
func cookieFor(user string) string {
	b := make([]byte, 0, 9)
	for _, r := range user {
		if len(b) == 9 {
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

// readMCS reads the next TPKT frame as an MCS domain PDU; a DPUM becomes a
// server-disconnect error.
func (c *Conn) readMCS(pdu string) (mcsPDU, error) {
	f, err := readFrame(c.rw, &c.buf, keepDial)
	if err != nil {
		return mcsPDU{}, err
	}
	if f.kind != frameTPKT {
		return mcsPDU{}, protoErr(pdu, 0, "got a %s frame", f.kind)
	}
	m, perr := parseMCS(f, pdu)
	if perr != nil {
		return mcsPDU{}, perr
	}
	if m.typ == mcsDPUM {
		c.trace(false, pduDPUM, f.total)
		return mcsPDU{}, &Error{Reason: ReasonServerDisconnect, PDU: pduDPUM, Offset: -1, Code: uint32(m.reason)}
	}
	return m, nil
}

// connectMCS runs Connect-Initial/Response, Erect Domain, Attach User and
// the Channel Joins (user channel, I/O channel, each static channel, one
// request at a time as mstsc does).
func (c *Conn) connectMCS() error {
	cd := clientData{width: c.cfg.Width, height: c.cfg.Height, bpp: c.cfg.BPP, name: c.cfg.ClientName,
		keyboard: c.cfg.KeyboardLayout, channels: c.cfg.Channels}
	if err := c.write(mcsConnectInitial(cd.conferenceCreateRequest()), "MCS Connect Initial"); err != nil {
		return err
	}
	f, err := readFrame(c.rw, &c.buf, keepDial)
	if err != nil {
		return err
	}
	c.trace(false, "MCS Connect Response", f.total)
	sd, perr := parseConnectResponse(f)
	if perr != nil {
		return perr
	}
	if sd.encryptionMethod != 0 {
		return protoErr("TS_UD_SC_SEC1", -1, "server chose encryption method 0x%x inside TLS; only ENCRYPTION_METHOD_NONE is supported", sd.encryptionMethod)
	}
	if len(sd.channelIDs) != len(c.cfg.Channels) {
		return protoErr("TS_UD_SC_NET", -1, "server assigned %d channel IDs for %d requested channels", len(sd.channelIDs), len(c.cfg.Channels))
	}
	c.io = sd.ioChannel
	if err := c.write(erectDomainRequest(), "MCS Erect Domain Request"); err != nil {
		return err
	}
	if err := c.write(attachUserRequest(), "MCS Attach User Request"); err != nil {
		return err
	}
	m, err := c.readMCS("MCS Attach User Confirm")
	if err != nil {
		return err
	}
	c.trace(false, "MCS Attach User Confirm", 0)
	if m.typ != mcsAttachUserConfirm || m.result != 0 || m.user == 0 {
		return protoErr("MCS Attach User Confirm", -1, "type %d result %d user %d", m.typ, m.result, m.user)
	}
	c.user = m.user
	joins := make([]uint16, 0, 2+len(sd.channelIDs))
	joins = append(joins, c.user, c.io)
	joins = append(joins, sd.channelIDs...)
	for _, ch := range joins {
		if ch == 0 {
			continue // a channel the server refused to allocate
		}
		if err := c.write(channelJoinRequest(c.user, ch), "MCS Channel Join Request"); err != nil {
			return err
		}
		m, err := c.readMCS("MCS Channel Join Confirm")
		if err != nil {
			return err
		}
		c.trace(false, "MCS Channel Join Confirm", 0)
		if m.typ != mcsChannelJoinConfirm || m.result != 0 || m.requested != ch {
			return protoErr("MCS Channel Join Confirm", -1, "type %d result %d for channel %d (asked %d)", m.typ, m.result, m.requested, ch)
		}
	}
	return nil
}

// readIO reads frames until one arrives on the I/O channel and returns a
// reader over its payload. Static channel data is skipped.
func (c *Conn) readIO(pdu string) (*reader, frame, error) {
	for {
		m, err := c.readMCS(pdu)
		if err != nil {
			return nil, frame{}, err
		}
		if m.typ != mcsSendDataIndication {
			return nil, frame{}, protoErr(pdu, -1, "got MCS PDU type %d", m.typ)
		}
		if m.channel != c.io {
			c.trace(false, fmt.Sprintf("channel %d data", m.channel), 0)
			continue
		}
		return m.data, frame{}, nil
	}
}

// readLicense reads the next licensing PDU.
func (c *Conn) readLicense() (licensePDU, error) {
	r, _, err := c.readIO("Licensing PDU")
	if err != nil {
		return licensePDU{}, err
	}
	flags := r.secHeader()
	if r.err != nil {
		return licensePDU{}, r.err
	}
	if flags&secLicensePkt == 0 {
		return licensePDU{}, protoErr("Licensing PDU", r.pos()-4, "security flags 0x%04x lack SEC_LICENSE_PKT", flags)
	}
	l, perr := parseLicense(r)
	if perr != nil {
		return licensePDU{}, perr
	}
	c.trace(false, l.String(), 0)
	return l, nil
}

// activate waits for the Demand Active, answers with Confirm Active and the
// client finalization PDUs, and waits for the Font Map that ends
// finalization ([MS-RDPBCGR] 1.3.1.1 phases 9 and 10).
func (c *Conn) activate() error {
	for {
		r, _, err := c.readIO("Demand Active PDU")
		if err != nil {
			return err
		}
		h, perr := parseShare(r)
		if perr != nil {
			return perr
		}
		c.trace(false, h.name(), 0)
		if h.flowCtl {
			continue
		}
		if h.pduType == pduTypeData && h.pduType2 == pduType2SetErrorInfo {
			if e := errorInfoErr(r); e.Code != 0 || e.Reason != ReasonServerDisconnect {
				return e
			}
			continue
		}
		if h.pduType != pduTypeDemandActive {
			return protoErr(h.name(), -1, "expected Demand Active PDU")
		}
		da, perr := parseDemandActive(r, h)
		if perr != nil {
			return perr
		}
		if err := c.confirm(da); err != nil {
			return err
		}
		break
	}
	for {
		r, _, err := c.readIO("Font Map PDU")
		if err != nil {
			return err
		}
		h, perr := parseShare(r)
		if perr != nil {
			return perr
		}
		c.trace(false, h.name(), 0)
		switch {
		case h.flowCtl:
		case h.pduType == pduTypeData && h.pduType2 == pduType2FontMap:
			return nil
		case h.pduType == pduTypeData && h.pduType2 == pduType2SetErrorInfo:
			if e := errorInfoErr(r); e.Code != 0 || e.Reason != ReasonServerDisconnect {
				return e
			}
		case h.pduType == pduTypeData && (h.pduType2 == pduType2Synchronize || h.pduType2 == pduType2Control):
		case h.pduType == pduTypeData && (h.pduType2 == pduType2Update || h.pduType2 == pduType2Pointer):
			// xrdp may paint before the Font Map; the reader loop judges
			// updates, here they only count.
			c.updates++
		case h.pduType == pduTypeData:
		default:
			return protoErr(h.name(), -1, "unexpected during finalization")
		}
	}
}

// confirm answers a Demand Active: Confirm Active, Synchronize, Control
// (cooperate), Control (request control), Font List.
func (c *Conn) confirm(da demandActive) error {
	c.share, c.source = da.shareID, da.source
	ca := c.caps.confirmActivePDU(c.share, c.user)
	for _, p := range []struct {
		b    []byte
		name string
	}{
		{ca, "Confirm Active PDU"},
		{synchronizePDU(c.share, c.user), "Synchronize PDU"},
		{controlPDU(c.share, c.user, ctrlActionCooperate), "Control PDU (cooperate)"},
		{controlPDU(c.share, c.user, ctrlActionRequestControl), "Control PDU (request control)"},
		{fontListPDU(c.share, c.user), "Font List PDU"},
	} {
		if err := c.write(sendDataRequest(c.user, c.io, p.b), p.name); err != nil {
			return err
		}
	}
	return nil
}

func errorInfoErr(r *reader) *Error {
	code := r.u32le()
	if r.err != nil {
		return r.err
	}
	return &Error{Reason: ReasonServerDisconnect, PDU: pduSetErrorInfo, Offset: -1, Code: code}
}
