package rfb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// Option configures a probe.
type Option func(*config) error

type config struct {
	password string
}

// WithPassword makes the probe answer VNC authentication. For an xrdp
// session use scp.Reply.VNCPassword (or scp.VNCPassword of the GUID hex).
// Only the first 8 bytes of a VNC password count.
func WithPassword(pw string) Option {
	return func(c *config) error {
		if pw == "" {
			return errors.New("rfb: password is empty")
		}
		c.password = pw
		return nil
	}
}

// Probe connects to the VNC server at addr and runs the handshake as far
// as it can: banner, security types, authentication when a password is
// given (or None when offered), ServerInit. The returned Result holds
// everything learnt, also when err is not nil. Give ctx a deadline: a
// stopped Xvnc accepts connections and never answers.
func Probe(ctx context.Context, addr string, opts ...Option) (Result, error) {
	var cfg config
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return Result{}, err
		}
	}
	var res Result
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return res, fmt.Errorf("rfb: connect to %s: %w", addr, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if err := handshake(conn, cfg.password, &res); err != nil {
		if ctx.Err() != nil {
			return res, fmt.Errorf("rfb: probe %s: %w", addr, ctx.Err())
		}
		// The only deadline on conn is ctx's, and it can fire before ctx
		// notices: report it as the context's.
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return res, fmt.Errorf("rfb: probe %s: %w", addr, context.DeadlineExceeded)
		}
		return res, fmt.Errorf("rfb: probe %s: %w", addr, err)
	}
	return res, nil
}
