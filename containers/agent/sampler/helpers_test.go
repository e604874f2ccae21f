package sampler

import (
	"net"
	"testing"
)

type netListen struct{ ln net.Listener }

func (n *netListen) open(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n.ln = ln
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

func (n *netListen) close() { n.ln.Close() }
