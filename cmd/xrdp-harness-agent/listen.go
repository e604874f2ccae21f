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
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", args[0])
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
