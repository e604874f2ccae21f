package fault_test

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness/fault"
)

// BenchmarkProxyEcho measures a proxied echo round trip of 32 KiB with no
// toxic on: the overhead the proxy adds to every RDP connection.
func BenchmarkProxyEcho(b *testing.B) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	p, err := fault.NewProxy(context.Background(), ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	msg := make([]byte, 32<<10)
	buf := make([]byte, len(msg))
	b.SetBytes(int64(2 * len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	}
}
