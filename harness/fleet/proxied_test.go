package fleet

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
)

// stubTarget is a host whose RDP endpoint is a test backend.
type stubTarget struct{ name, addr string }

func (s stubTarget) Name() string                                         { return s.name }
func (s stubTarget) Info() harness.TargetInfo                             { return harness.TargetInfo{Name: s.name} }
func (s stubTarget) RDPAddr() string                                      { return s.addr }
func (s stubTarget) SesmanAddr() string                                   { return "" }
func (s stubTarget) Users() []harness.User                                { return nil }
func (s stubTarget) Exec(context.Context, ...string) (int, string, error) { return 0, "", nil }
func (s stubTarget) Watch(ctx context.Context, _ harness.Sink) error      { <-ctx.Done(); return ctx.Err() }

type stubLab []harness.Target

func (l stubLab) Up(context.Context) ([]harness.Target, error) { return l, nil }
func (l stubLab) Down(context.Context) error                   { return nil }

// TestSpreadDialsTheHostsProxies: with the network faults' proxies put
// before each host (fault.Proxied inside Spread, as scenarios plans a
// fleet), the balancer dials the proxies, so a fault on a host's proxy
// acts on that host's clients.
func TestSpreadDialsTheHostsProxies(t *testing.T) {
	b0, b1 := backend(t, 0), backend(t, 1)
	lab := Spread(fault.Proxied(stubLab{stubTarget{"h0", b0}, stubTarget{"h1", b1}}))
	ts, err := lab.Up(t.Context())
	defer lab.Down(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 3 || ts[0].Name() != FrontName {
		t.Fatalf("targets %v: want the front and two hosts", ts)
	}
	for i, want := range []string{b0, b1} {
		p, ok := ts[i+1].(fault.Proxier)
		if !ok || p.Proxy().Upstream() != want {
			t.Fatalf("host %d: %T, want a proxied target in front of %s", i, ts[i+1], want)
		}
	}
	rr := lab.(*spreadLab).rr
	if rr.targets[0] != ts[1].RDPAddr() || rr.targets[1] != ts[2].RDPAddr() {
		t.Errorf("the balancer dials %v, want the hosts' proxies %s %s", rr.targets, ts[1].RDPAddr(), ts[2].RDPAddr())
	}
	c, err := net.Dial("tcp", ts[0].RDPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(crFor("user1")); err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(c); string(b) != "0" {
		t.Errorf("through the front and h0's proxy: got %q, want backend 0", b)
	}
}
