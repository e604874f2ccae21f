package scp

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// RefusedError: nothing listens at the address (connection refused).
type RefusedError struct {
	Addr string
	Err  error
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("scp: connect to sesman at %s: refused: %v", e.Addr, e.Err)
}
func (e *RefusedError) Unwrap() error { return e.Err }

// DeniedError: sesman answered and said no. For a session request Status is
// the ok field (0) and Display what sesman sent with it; for an
// authentication request (Auth set) Status is the PAM error code.
type DeniedError struct {
	Auth    bool
	Status  uint16
	Display uint16
}

func (e *DeniedError) Error() string {
	if e.Auth {
		return fmt.Sprintf("scp: authentication denied by sesman (code %d)", e.Status)
	}
	return fmt.Sprintf("scp: session denied by sesman (ok=%d display=%d)", e.Status, e.Display)
}

// ProtocolError: the bytes received are not a valid SCP v0 reply. Offset is
// where in the reply the problem is; Received holds what was read so far.
type ProtocolError struct {
	Offset   int
	Reason   string
	Received []byte
}

func (e *ProtocolError) Error() string {
	if len(e.Received) == 0 {
		return fmt.Sprintf("scp: bad reply at byte %d: %s (nothing received)", e.Offset, e.Reason)
	}
	return fmt.Sprintf("scp: bad reply at byte %d: %s (received % x)", e.Offset, e.Reason, e.Received)
}

// TimeoutError: the context's deadline passed during Phase ("connect to",
// "send request to", "receive reply from"). It unwraps to
// context.DeadlineExceeded.
type TimeoutError struct {
	Phase string
	Addr  string
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("scp: %s sesman at %s: timed out", e.Phase, e.Addr)
}
func (e *TimeoutError) Unwrap() error { return context.DeadlineExceeded }

// Reason maps an error from this package to the short cause a harness.Op
// records: "refused", "denied", "protocol", "timeout", "cancelled", "io",
// or "" for nil.
func Reason(err error) string {
	var (
		refused  *RefusedError
		denied   *DeniedError
		protocol *ProtocolError
		timeout  *TimeoutError
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &refused):
		return "refused"
	case errors.As(err, &denied):
		return "denied"
	case errors.As(err, &protocol):
		return "protocol"
	case errors.As(err, &timeout), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	return "io"
}
