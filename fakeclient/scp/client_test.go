package scp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// fakeSesman accepts one connection, reads one request, then lets handle
// answer; it returns the address and a channel with the request bytes.
func fakeSesman(t *testing.T, handle func(c net.Conn)) (string, <-chan []byte) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		var hdr [8]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		size := int(hdr[4])<<24 | int(hdr[5])<<16 | int(hdr[6])<<8 | int(hdr[7])
		body := make([]byte, size-8)
		if _, err := io.ReadFull(c, body); err != nil {
			return
		}
		got <- append(hdr[:], body...)
		handle(c)
	}()
	return ln.Addr().String(), got
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestRequestSessionGranted(t *testing.T) {
	guid := bytes.Repeat([]byte{0xab}, 16)
	addr, got := fakeSesman(t, func(c net.Conn) {
		c.Write(msg(append([]byte{0, 3, 0, 1, 0, 12}, guid...)...))
	})
	req := SessionRequest{Username: "u1", Password: "pass1", ClientIP: "192.0.2.10"}
	rep, err := RequestSession(ctxTimeout(t, 5*time.Second), addr, req)
	if err != nil {
		t.Fatalf("RequestSession: %v", err)
	}
	if rep.Display != 12 || !rep.HasGUID || rep.GUIDHex() != strings.Repeat("ab", 16) {
		t.Fatalf("reply = %+v", rep)
	}
	want, _ := req.MarshalBinary()
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("server received % x, want % x", b, want)
	}
}

func TestRequestSessionFailures(t *testing.T) {
	tests := []struct {
		name       string
		handle     func(c net.Conn)
		wantReason string
		check      func(t *testing.T, err error)
	}{
		{
			name:       "denied",
			handle:     func(c net.Conn) { c.Write(msg(0, 3, 0, 0, 0, 0)) },
			wantReason: "denied",
		},
		{
			name:       "closed without reply (0.10 sesman)",
			handle:     func(c net.Conn) {},
			wantReason: "protocol",
			check: func(t *testing.T, err error) {
				if !strings.Contains(err.Error(), "does not speak SCP v0") {
					t.Errorf("error %q should say the server may not speak v0", err)
				}
			},
		},
		{
			// What xrdp 0.10.1 sesman does with a v0 request on its socket
			// (it logs "Unexpected version number 0 from IPM"), and what
			// docker-proxy does when nothing listens in the container.
			name: "reset without reply",
			handle: func(c net.Conn) {
				c.(*net.TCPConn).SetLinger(0)
				c.Close()
			},
			wantReason: "protocol",
			check: func(t *testing.T, err error) {
				if !strings.Contains(err.Error(), "connection reset after 0 bytes") || !strings.Contains(err.Error(), "does not speak SCP v0") {
					t.Errorf("error %q should say the connection was reset and why that may be", err)
				}
			},
		},
		{
			name:       "other protocol version",
			handle:     func(c net.Conn) { c.Write([]byte{0, 0, 0, 2, 0, 0, 0, 14, 0, 3, 0, 1, 0, 10}) },
			wantReason: "protocol",
			check: func(t *testing.T, err error) {
				if !strings.Contains(err.Error(), "00 00 00 02") {
					t.Errorf("error %q should show the bytes received", err)
				}
			},
		},
		{
			name: "never answers",
			handle: func(c net.Conn) {
				c.Read(make([]byte, 1)) // blocks until the client gives up
			},
			wantReason: "timeout",
			check: func(t *testing.T, err error) {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("timeout error %v should unwrap to context.DeadlineExceeded", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, _ := fakeSesman(t, tt.handle)
			_, err := RequestSession(ctxTimeout(t, 300*time.Millisecond), addr, SessionRequest{Username: "u1", Password: "x"})
			if err == nil {
				t.Fatal("RequestSession: want error")
			}
			if got := Reason(err); got != tt.wantReason {
				t.Fatalf("Reason(%v) = %q, want %q", err, got, tt.wantReason)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func TestRequestSessionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = RequestSession(ctxTimeout(t, 5*time.Second), addr, SessionRequest{Username: "u1"})
	var refused *RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("err = %v, want *RefusedError", err)
	}
}

func TestRequestSessionCancelled(t *testing.T) {
	addr, got := fakeSesman(t, func(c net.Conn) { c.Read(make([]byte, 1)) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := RequestSession(ctx, addr, SessionRequest{Username: "u1"})
		done <- err
	}()
	<-got // the request reached the server: now cancel mid-read
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) || Reason(err) != "cancelled" {
		t.Fatalf("err = %v (reason %q), want context.Canceled", err, Reason(err))
	}
}

func TestAuthenticate(t *testing.T) {
	addr, got := fakeSesman(t, func(c net.Conn) { c.Write(msg(0, 4, 0, 0, 0, 0)) })
	if err := Authenticate(ctxTimeout(t, 5*time.Second), addr, "u1", "pass1"); err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if b := <-got; b[9] != 4 {
		t.Fatalf("request code = %d, want 4", b[9])
	}
}
