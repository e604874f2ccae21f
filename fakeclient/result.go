package fakeclient

import (
	"fmt"
	"time"
)

// Outcome of one Dial, as in Jepsen: ok, fail, or info when the client
// cannot tell whether the server acted (a timeout mid-way). The harness
// maps it into its own operation history (harness/load).
type Outcome string

const (
	OK   Outcome = "ok"
	Fail Outcome = "fail"
	Info Outcome = "info"
)

// Phase is one completed step of the connection sequence and how long it
// took.
type Phase struct {
	Name string // one of the Phase* names
	Dur  time.Duration
}

// Phase names, in the order Dial goes through them (see the package doc).
const (
	PhaseTCP          = "tcp"
	PhaseX224         = "x224"
	PhaseTLS          = "tls"
	PhaseMCS          = "mcs"
	PhaseLogin        = "login"
	PhaseLicensing    = "licensing"
	PhaseCapabilities = "capabilities"
	PhaseFirstUpdate  = "first-update"
)

// Result is the outcome of one Dial.
type Result struct {
	Outcome Outcome
	Reason  Reason  // empty when Outcome is ok
	Phases  []Phase // phases completed, in order (see the package doc)
	Err     error   // nil when ok, else an *Error
	// Updates counts the graphics updates seen before Dial returned.
	Updates int
}

// DisconnectStyle is how Close ends a connection. Its names are what
// scenario files write; the zero value is Graceful.
type DisconnectStyle string

const (
	// Graceful ends the connection as a user closing mstsc does: a
	// Shutdown Request PDU (answered by Shutdown Denied), an MCS Disconnect
	// Provider Ultimatum (rn-user-requested, as FreeRDP sends), TLS
	// close_notify, then TCP FIN.
	Graceful DisconnectStyle = "graceful"
	// Abrupt resets the TCP connection (SO_LINGER 0) without a goodbye.
	Abrupt DisconnectStyle = "abrupt"
	// Vanish stops reading and keeps the socket open until Release, like a
	// client whose machine froze: the server's sends eventually block.
	Vanish DisconnectStyle = "vanish"
)

// DisconnectStyles lists every style, Graceful first.
func DisconnectStyles() []DisconnectStyle { return []DisconnectStyle{Graceful, Abrupt, Vanish} }

// ParseDisconnectStyle reads a style name ("" is Graceful).
func ParseDisconnectStyle(s string) (DisconnectStyle, error) {
	if s == "" {
		return Graceful, nil
	}
	for _, d := range DisconnectStyles() {
		if string(d) == s {
			return d, nil
		}
	}
	return "", fmt.Errorf("disconnect style %q: want graceful, abrupt or vanish", s)
}

func (s DisconnectStyle) String() string {
	if s == "" {
		return string(Graceful)
	}
	return string(s)
}
