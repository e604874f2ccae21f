package fakeclient

import (
	"errors"
	"fmt"
	"strings"
)

// Reason is a short machine-readable cause of a failed or uncertain login.
// The harness copies it into harness.Op.Reason.
type Reason string

const (
	// ReasonConfig: the Config was rejected before anything was sent.
	ReasonConfig Reason = "config"
	// ReasonRefused: TCP connect refused, or the connection was reset or
	// closed before the X.224 Connection Confirm arrived.
	ReasonRefused Reason = "refused"
	// ReasonNegotiation: the server answered with RDP_NEG_FAILURE (Code holds
	// failureCode, [MS-RDPBCGR] 2.2.1.2.2) or selected a protocol other
	// than TLS.
	ReasonNegotiation Reason = "negotiation"
	// ReasonTLS: the TLS handshake failed.
	ReasonTLS Reason = "tls"
	// ReasonServerDisconnect: the server ended the connection: an MCS
	// Disconnect Provider Ultimatum (Code = reason), a Set Error Info PDU
	// (Code = errorInfo) or a plain close/reset (Code = 0).
	ReasonServerDisconnect Reason = "server-disconnect"
	// ReasonProtocol: a PDU could not be parsed or was not the one the
	// connection sequence allows here (PDU and Offset say where).
	ReasonProtocol Reason = "protocol"
	// ReasonNoSession: the connection is up but xrdp drew its own login
	// screen or log window instead of the user's session (wrong password,
	// sesman refusal, "VNC error - problem connecting").
	ReasonNoSession Reason = "no-session"
	// ReasonTimeout: the context deadline passed mid-way; the server may or
	// may not have acted (outcome info).
	ReasonTimeout Reason = "timeout"
	// ReasonCancelled: the context was cancelled mid-way (outcome info).
	ReasonCancelled Reason = "cancelled"
)

// Error is the error of a failed or uncertain Dial, and of a connection the
// server ended. Use errors.As to get it from Result.Err or Conn.Err.
type Error struct {
	Reason Reason
	Phase  string // phase it happened in (see the package doc), "" after Dial
	PDU    string // PDU being parsed or awaited, "" when none
	Offset int    // byte offset of a parse error inside that PDU's frame, -1 when not a parse error
	Code   uint32 // failureCode, DPUM reason or errorInfo, by Reason
	Err    error  // underlying error, may be nil
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("fakeclient: ")
	if e.Phase != "" {
		b.WriteString(e.Phase)
		b.WriteString(": ")
	}
	b.WriteString(string(e.Reason))
	if e.PDU != "" {
		b.WriteString(" in ")
		b.WriteString(e.PDU)
	}
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " at byte %d", e.Offset)
	}
	if e.Code != 0 || e.Reason == ReasonNegotiation && e.Err == nil {
		fmt.Fprintf(&b, " (code 0x%x", e.Code)
		if n := codeName(e); n != "" {
			b.WriteString(" ")
			b.WriteString(n)
		}
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// codeName names the well-known codes so a log line is readable without the
// spec at hand.
func codeName(e *Error) string {
	code := e.Code
	switch {
	case e.Reason == ReasonNegotiation:
		switch code {
		case 1:
			return "SSL_REQUIRED_BY_SERVER"
		case 2:
			return "SSL_NOT_ALLOWED_BY_SERVER"
		case 3:
			return "SSL_CERT_NOT_ON_SERVER"
		case 4:
			return "INCONSISTENT_FLAGS"
		case 5:
			return "HYBRID_REQUIRED_BY_SERVER"
		case 6:
			return "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER"
		}
	case e.PDU == pduDPUM:
		if code < uint32(len(dpumReasons)) {
			return dpumReasons[code]
		}
	case e.PDU == pduSetErrorInfo:
		return errorInfoName(code)
	}
	return ""
}

// protoErr builds a protocol error for a PDU; off < 0 when no offset applies.
func protoErr(pdu string, off int, format string, args ...any) *Error {
	return &Error{Reason: ReasonProtocol, PDU: pdu, Offset: off, Err: fmt.Errorf(format, args...)}
}

// errShort is the cause of every "PDU ended early" parse error.
var errShort = errors.New("truncated")
