package scp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"
)

// RequestSession sends one session request to the sesman at addr
// ("host:port" or "unix:PATH") and returns its reply. A granted request returns the
// display; a refusal returns a *DeniedError. Other failures are
// *RefusedError, *ProtocolError, *TimeoutError or a wrapped I/O error.
func RequestSession(ctx context.Context, addr string, req SessionRequest) (Reply, error) {
	msg, err := req.MarshalBinary()
	if err != nil {
		return Reply{}, err
	}
	rep, err := roundTrip(ctx, addr, msg)
	if err != nil {
		return Reply{}, err
	}
	return sessionReply(rep)
}

// Authenticate asks sesman only to check a user's credentials
// (SCP_GW_AUTHENTICATION, code 4): nil when sesman would let the user in, a
// *DeniedError with the PAM code otherwise. No session is created.
func Authenticate(ctx context.Context, addr, username, password string) error {
	msg, err := authRequest(username, password)
	if err != nil {
		return err
	}
	rep, err := roundTrip(ctx, addr, msg)
	if err != nil {
		return err
	}
	return authReply(rep)
}

// roundTrip is one connection: dial, send msg, read one reply. addr is
// "host:port", or "unix:PATH" for a UNIX socket (where xrdp 0.10 sesman
// listens; it speaks another protocol there, which this package reports).
func roundTrip(ctx context.Context, addr string, msg []byte) (reply, error) {
	var d net.Dialer
	network, dialAddr := "tcp", addr
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		network, dialAddr = "unix", path
	}
	conn, err := d.DialContext(ctx, network, dialAddr)
	if err != nil {
		return reply{}, ioError(ctx, "connect to", addr, err)
	}
	defer conn.Close()
	// Unblock reads and writes when ctx ends, whatever the reason.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if _, err := conn.Write(msg); err != nil {
		return reply{}, ioError(ctx, "send request to", addr, err)
	}
	rep, err := readReply(conn)
	if err != nil {
		var perr *ProtocolError
		if errors.As(err, &perr) {
			// A close forced by ctx looks like a truncated reply: say timeout.
			if ctx.Err() == nil {
				return reply{}, err
			}
		}
		return reply{}, ioError(ctx, "receive reply from", addr, err)
	}
	return rep, nil
}

// ioError classifies a network error: refused, timeout (ctx deadline or the
// conn deadline derived from it), cancelled, or plain I/O.
func ioError(ctx context.Context, phase, addr string, err error) error {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return &RefusedError{Addr: addr, Err: err}
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return &TimeoutError{Phase: phase, Addr: addr}
	case ctx.Err() != nil:
		return fmt.Errorf("scp: %s sesman at %s: %w", phase, addr, ctx.Err())
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &TimeoutError{Phase: phase, Addr: addr}
	}
	return fmt.Errorf("scp: %s sesman at %s: %w", phase, addr, err)
}
