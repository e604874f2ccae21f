package fakeclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"
)

const (
	// shutdownWait bounds how long a graceful Close waits for Shutdown
	// Denied. xrdp answers it only while its own login screen is up; with a
	// session connected the request goes unanswered.
	shutdownWait = 250 * time.Millisecond
	// goodbyeWrite bounds the goodbye writes, so a full send buffer (a
	// server that stopped reading) cannot hang Close.
	goodbyeWrite = 2 * time.Second
	// wmOrders is how many drawing orders xrdp's window manager must draw
	// before the session's cursor for Dial to suspect its login or log
	// window. The success path draws one (a screen clear); the login window
	// with its log window draws about seventy.
	wmOrders = 16
)

// awaitSession waits, during Dial, for the reader goroutine to recognise the
// session's first update, then for the settle window to pass without a
// failure signal.
func (d *dialRun) awaitSession(c *Conn) error {
	var settle, wm <-chan time.Time
	for {
		select {
		case <-c.notify:
			c.mu.Lock()
			fail, sess, wmSeen := c.failure, !c.sessionAt.IsZero(), !c.wmAt.IsZero()
			c.mu.Unlock()
			if fail != nil {
				return fail
			}
			if wmSeen && !sess && wm == nil {
				t := time.NewTimer(max(c.cfg.SettleTimeout, defaultSettle))
				defer t.Stop()
				wm = t.C
			}
			if sess && settle == nil {
				d.end()
				if c.cfg.SettleTimeout < 0 {
					return d.up(c)
				}
				t := time.NewTimer(c.cfg.SettleTimeout)
				defer t.Stop()
				settle = t.C
			}
		case <-settle:
			return d.up(c)
		case <-wm:
			c.mu.Lock()
			sess, n := !c.sessionAt.IsZero(), c.orders
			c.mu.Unlock()
			if !sess {
				return &Error{Reason: ReasonNoSession, Offset: -1,
					Err: fmt.Errorf("xrdp drew its own window (%d drawing orders) and no session cursor followed: login failed or the session is unreachable", n)}
			}
		case <-c.done:
			c.mu.Lock()
			fail := c.failure
			c.mu.Unlock()
			if fail != nil {
				return fail
			}
			return &Error{Reason: ReasonServerDisconnect, Offset: -1, Err: errors.New("connection ended before the session showed")}
		case <-d.ctx.Done():
			c.mu.Lock()
			n, ups := c.orders, c.updates
			c.mu.Unlock()
			return &Error{Offset: -1, Err: fmt.Errorf("%w: no session cursor after %d updates (%d drawing orders)", d.ctx.Err(), ups, n)}
		}
	}
}

// up hands the connection over from Dial's context to the caller.
func (d *dialRun) up(c *Conn) error {
	if !d.stop() {
		return d.ctx.Err() // the cancel hook already ran
	}
	_ = c.raw.SetDeadline(time.Time{})
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.done:
		if c.failure != nil {
			return c.failure
		}
		return &Error{Reason: ReasonServerDisconnect, Offset: -1, Err: errors.New("connection ended during settle")}
	default:
	}
	if c.failure != nil {
		return c.failure
	}
	c.state = stateUp
	d.res.Updates = c.updates
	return nil
}

// poke tells a waiting Dial that the state changed.
func (c *Conn) poke() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// setFailure records the first failure signal.
func (c *Conn) setFailure(e *Error) {
	c.mu.Lock()
	if c.failure == nil {
		c.failure = e
	}
	c.mu.Unlock()
	c.poke()
}

// readLoop drains the server's output until the connection ends or the
// client vanishes. It owns c.buf.
func (c *Conn) readLoop() {
	defer close(c.done)
	c.buf = make([]byte, 0, keepIdle) // drop the connection sequence's larger buffer
	for {
		f, err := readFrame(c.rw, &c.buf, keepIdle)
		if err != nil {
			c.mu.Lock()
			st, stop := c.state, c.stopReading
			c.mu.Unlock()
			if stop || st == stateClosing || st == stateClosed {
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				e = &Error{Reason: ReasonServerDisconnect, Offset: -1, Err: err}
			}
			c.setFailure(e)
			return
		}
		c.gfx.frame(f.total)
		if e := c.handle(f); e != nil {
			c.setFailure(e)
			if e.Reason != ReasonNoSession {
				return
			}
		}
	}
}

// handle acts on one server frame after activation.
func (c *Conn) handle(f frame) *Error {
	if f.kind == frameFastPath {
		var arr [4]update
		ups, err := parseFastPath(f, arr[:0])
		for _, u := range ups {
			c.trace(false, u.String(), f.total)
			c.onUpdate(u)
		}
		return err
	}
	m, err := parseMCS(f, "server PDU")
	if err != nil {
		return err
	}
	switch {
	case m.typ == mcsDPUM:
		c.trace(false, pduDPUM, f.total)
		return &Error{Reason: ReasonServerDisconnect, PDU: pduDPUM, Offset: -1, Code: uint32(m.reason)}
	case m.typ != mcsSendDataIndication:
		return protoErr("server PDU", -1, "unexpected MCS PDU type %d", m.typ)
	case m.channel != c.io:
		c.trace(false, fmt.Sprintf("channel %d data", m.channel), f.total)
		return nil
	}
	r := m.data
	h, err := parseShare(r)
	if err != nil {
		return err
	}
	switch {
	case h.flowCtl:
		c.trace(false, h.name(), f.total)
	case h.pduType == pduTypeDemandActive:
		// Reactivation after Deactivate All (a resize, a reconnect to a
		// session of another size): confirm again with the same caps.
		c.trace(false, h.name(), f.total)
		if err := c.confirm(demandActive{shareID: h.shareID, source: h.source}); err != nil {
			return &Error{Reason: ReasonServerDisconnect, PDU: "Confirm Active PDU", Offset: -1, Err: err}
		}
	case h.pduType == pduTypeData:
		switch h.pduType2 {
		case pduType2Update, pduType2Pointer:
			u, err := parseSlowPathUpdate(r, h)
			if err != nil {
				return err
			}
			c.trace(false, u.String(), f.total)
			c.onUpdate(u)
		case pduType2SetErrorInfo:
			c.trace(false, h.name(), f.total)
			if e := errorInfoErr(r); e.Reason != ReasonServerDisconnect || e.Code != 0 {
				return e // ERRINFO_NONE (0) only clears a previous code
			}
		case pduType2ShutdownDenied:
			c.trace(false, h.name(), f.total)
			c.mu.Lock()
			if c.denied != nil {
				close(c.denied)
				c.denied = nil
			}
			c.mu.Unlock()
		default:
			c.trace(false, h.name(), f.total)
		}
	default:
		c.trace(false, h.name(), f.total)
	}
	return nil
}

// onUpdate feeds one graphics update to the discriminator.
func (c *Conn) onUpdate(u update) {
	c.gfx.update(time.Now(), u.frameMarker)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.updates++
	if c.state != stateDialing || !c.sessionAt.IsZero() {
		return
	}
	switch {
	case u.sessionPointer():
		c.sessionAt = time.Now()
		c.poke()
	case u.class == classOrders:
		c.orders += u.numOrders
		if c.orders >= wmOrders && c.wmAt.IsZero() {
			c.wmAt = time.Now()
			c.poke()
		}
	}
}

// Done is closed when the connection has ended: the server closed it, or
// Close returned.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err says why the server ended the connection (an *Error), or nil while it
// is up or when the client closed it.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failure == nil {
		return nil
	}
	return c.failure
}

// Close ends the connection in the given style and waits for the reader to
// stop. ctx bounds the graceful goodbye (Shutdown Denied is awaited at most
// 250ms). Vanish stops reading and keeps the socket
// open: call Release to free it.
func (c *Conn) Close(ctx context.Context, style DisconnectStyle) error {
	if style == "" {
		style = Graceful
	}
	c.mu.Lock()
	if c.state != stateUp {
		st := c.state
		c.mu.Unlock()
		if st == stateVanished && style != Vanish {
			return c.Release()
		}
		return fmt.Errorf("fakeclient: close %s: connection is not up", style)
	}
	switch style {
	case Vanish:
		c.state = stateVanished
		c.stopReading = true
	default:
		c.state = stateClosing
	}
	c.mu.Unlock()

	var err error
	switch style {
	case Graceful:
		err = c.goodbye(ctx)
	case Abrupt:
		err = c.reset()
	case Vanish:
		// A read deadline in the past stops the reader without touching
		// the socket; nothing reads it afterwards.
		err = c.raw.SetReadDeadline(time.Unix(1, 0))
		<-c.done
		return err
	default:
		err = fmt.Errorf("fakeclient: close: unknown style %q", string(style))
		_ = c.reset()
	}
	<-c.done
	c.mu.Lock()
	c.state = stateClosed
	c.mu.Unlock()
	return err
}

// goodbye sends Shutdown Request, waits for Shutdown Denied (or the server
// ending the connection), sends the DPUM and closes TLS then TCP.
func (c *Conn) goodbye(ctx context.Context) error {
	_ = c.raw.SetWriteDeadline(time.Now().Add(goodbyeWrite))
	wait := time.NewTimer(shutdownWait)
	defer wait.Stop()
	denied := make(chan struct{})
	c.mu.Lock()
	c.denied = denied
	c.mu.Unlock()
	var errs []error
	if err := c.write(sendDataRequest(c.user, c.io, shutdownRequestPDU(c.share, c.user)), "Shutdown Request PDU"); err != nil {
		errs = append(errs, err)
	} else {
		select {
		case <-denied:
		case <-c.done:
		case <-wait.C:
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("fakeclient: await shutdown denied: %w", ctx.Err()))
		}
	}
	select {
	case <-c.done:
	default:
		if err := c.write(disconnectProviderUltimatum(dpumUserRequested), pduDPUM); err != nil {
			errs = append(errs, err)
		}
	}
	// tls.Conn.Close sends close_notify, then closes the TCP socket (FIN).
	if err := c.rw.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		errs = append(errs, fmt.Errorf("fakeclient: close tls: %w", err))
	}
	return errors.Join(errs...)
}

// reset closes the TCP socket with SO_LINGER 0, so the kernel sends RST.
func (c *Conn) reset() error {
	if tc, ok := c.raw.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	if err := c.raw.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("fakeclient: reset tcp: %w", err)
	}
	return nil
}

// Release frees the socket of a vanished client with a TCP reset (the
// unread data in its receive buffer makes the kernel send RST anyway).
func (c *Conn) Release() error {
	c.mu.Lock()
	if c.state != stateVanished {
		c.mu.Unlock()
		return errors.New("fakeclient: release: connection has not vanished")
	}
	c.state = stateClosed
	c.mu.Unlock()
	return c.reset()
}

// closeNow tears down a connection whose Dial failed.
func (c *Conn) closeNow() {
	c.mu.Lock()
	c.state = stateClosing
	c.mu.Unlock()
	if _, ok := c.rw.(*tls.Conn); ok {
		_ = c.rw.SetDeadline(time.Now().Add(100 * time.Millisecond))
		_ = c.rw.Close()
	}
	_ = c.raw.Close()
	if c.reading {
		<-c.done // the reader exits on the closed socket
	}
}
