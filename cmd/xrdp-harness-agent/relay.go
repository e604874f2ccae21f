package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
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
//
// LISTEN "gateway:PORT" binds only what the published port needs: the
// container's address on its default route's interface, taking connections
// from that route's gateway alone. Docker's proxy for a port published on
// the host's 127.0.0.1 connects from there (the network's bridge address);
// any other peer (another container on the network) is refused and logged,
// so nobody but the harness can talk SCP to sesman.
func cmdRelay(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("relay", flag.ContinueOnError)
	logFile := fs.String("log", "", "append the relay's JSON lines (listening, refused peers) to this file, not stdout")
	args, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(args) != 2 {
		return usageError("want [-log FILE] LISTEN TARGET, e.g. gateway:3351 localhost:3350")
	}
	listen, target := args[0], args[1]
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		stdout = f
	}
	var only net.IP
	if port, ok := strings.CutPrefix(listen, "gateway:"); ok {
		f, err := os.Open("/proc/net/route")
		if err != nil {
			return err
		}
		iface, gw, err := defaultRoute(f)
		f.Close()
		if err != nil {
			return err
		}
		addr, err := interfaceIPv4(iface)
		if err != nil {
			return err
		}
		listen, only = net.JoinHostPort(addr.String(), port), gw
	}
	// One P keeps the relay at a steady few threads: a pids limit (a fault)
	// counts every thread of every process in the container.
	runtime.GOMAXPROCS(1)
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", listen)
	if err != nil {
		return err
	}
	var mu sync.Mutex // stdout is shared by the connections' refusals
	emit := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(stdout, format, args...)
	}
	if only != nil {
		emit("{\"relaying\":%q,\"to\":%q,\"only\":%q}\n", ln.Addr().String(), target, only.String())
	} else {
		emit("{\"relaying\":%q,\"to\":%q}\n", ln.Addr().String(), target)
	}
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
		if only != nil {
			if peer, ok := c.RemoteAddr().(*net.TCPAddr); !ok || !peer.IP.Equal(only) {
				emit("{\"refused\":%q}\n", c.RemoteAddr().String())
				c.Close()
				continue
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			relayConn(ctx, c, target)
		}()
	}
}

// defaultRoute reads /proc/net/route (its format: a header line, then
// whitespace-separated Iface, Destination, Gateway, Flags, ... with the
// addresses in hex, host byte order) and returns the interface and gateway
// of the IPv4 default route.
func defaultRoute(r io.Reader) (string, net.IP, error) {
	sc := bufio.NewScanner(r)
	for first := true; sc.Scan(); first = false {
		f := strings.Fields(sc.Text())
		if first || len(f) < 4 || f[1] != "00000000" {
			continue
		}
		flags, err := strconv.ParseUint(f[3], 16, 32)
		if err != nil || flags&0x3 != 0x3 { // RTF_UP|RTF_GATEWAY
			continue
		}
		gw, err := strconv.ParseUint(f[2], 16, 32)
		if err != nil {
			return "", nil, fmt.Errorf("route: gateway %q: %w", f[2], err)
		}
		ip := make(net.IP, 4)
		binary.LittleEndian.PutUint32(ip, uint32(gw))
		return f[0], ip, nil
	}
	if err := sc.Err(); err != nil {
		return "", nil, err
	}
	return "", nil, errors.New("route: no IPv4 default route")
}

// interfaceIPv4 is the first IPv4 address of the named interface.
func interfaceIPv4(name string) (net.IP, error) {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return nil, err
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
			return n.IP.To4(), nil
		}
	}
	return nil, fmt.Errorf("interface %s: no IPv4 address", name)
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
