package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"time"
)

// cmdRelay forwards TCP connections from LISTEN to TARGET until killed.
//
// The harness publishes sesman through it: sesman (0.9.x) keeps its default
// ListenAddress=127.0.0.1, which a published port cannot reach, and which
// also tells chansrv to use its UNIX socket, where xrdp looks for it.
// Moving sesman itself to 0.0.0.0 would move chansrv to TCP 7200+D and
// leave every xrdp child retrying the socket for about 16 s after login.
func cmdRelay(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 2 {
		return usageError("want LISTEN and TARGET, e.g. 0.0.0.0:3351 localhost:3350")
	}
	listen, target := args[0], args[1]
	// One P keeps the relay at a steady few threads: a pids limit (a fault)
	// counts every thread of every process in the container.
	runtime.GOMAXPROCS(1)
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "{\"relaying\":%q,\"to\":%q}\n", ln.Addr().String(), target)
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			relayConn(ctx, c, target)
		}()
	}
}

// relayConn pipes one connection both ways; when the target cannot be
// reached the client's connection is closed at once, as a refused port
// would be.
func relayConn(ctx context.Context, c net.Conn, target string) {
	defer c.Close()
	d := net.Dialer{Timeout: 5 * time.Second}
	up, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		return
	}
	defer up.Close()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	select {
	case <-done:
		<-done
	case <-ctx.Done():
	}
}
