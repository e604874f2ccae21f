package fakeclient

import (
	"errors"
	"fmt"
	"net"
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
