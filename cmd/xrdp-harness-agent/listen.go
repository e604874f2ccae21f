package main

import (
	"context"
	"fmt"
	"io"
	"net"
)

// cmdListen holds a TCP listener open until the context ends, accepting
// and closing connections: a port squatter for tests and faults that needs
// nothing in the image.
func cmdListen(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return usageError("want exactly one ADDR, e.g. 127.0.0.1:6018 or :6018")
	}
	// Bind exactly the family asked for: Go turns "tcp" on 0.0.0.0 into a
	// dual-stack [::] socket, which is not what a squatter on 0.0.0.0 is.
	network := "tcp"
	if host, _, err := net.SplitHostPort(args[0]); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.To4() != nil {
			network = "tcp4"
		} else if ip != nil {
			network = "tcp6"
		}
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, network, args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "{\"listening\":%q}\n", ln.Addr().String())
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		c.Close()
	}
}
