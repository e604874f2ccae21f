package containers

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	tcnetwork "github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"
)

// haproxySuite is the Debian release HAProxy comes from.
const haproxySuite = "bookworm"

// EnsureHAProxy returns the HAProxy image (Debian's haproxy package on the
// harness's own base), building it when missing; its tag is its recipe's
// content hash, as for xrdp images.
func (b *Builder) EnsureHAProxy(ctx context.Context) (string, error) {
	rel := DebianRelease{Suite: haproxySuite, Release: haproxySuite, Security: true}
	t, err := template.ParseFS(assets, "assets/Dockerfile.haproxy")
	if err != nil {
		return "", fmt.Errorf("containers: parse Dockerfile.haproxy: %w", err)
	}
	var df bytes.Buffer
	if err := t.Execute(&df, struct{ Suite, Base string }{haproxySuite, b.baseTag(haproxySuite)}); err != nil {
		return "", fmt.Errorf("containers: render Dockerfile.haproxy: %w", err)
	}
	r := recipe{version: "haproxy", flavour: "debian", files: map[string][]byte{
		"Dockerfile": df.Bytes(), "sources.list": []byte(rel.sourcesList(b.mirrors)), ".base-suite": []byte(haproxySuite)}}
	ref := "xrdp-harness/haproxy:" + haproxySuite + "-" + r.hash()[:12]
	unlock, err := b.lock(ctx, ref)
	if err != nil {
		return ref, err
	}
	defer unlock()
	ok, err := b.imageExists(ctx, ref)
	if err != nil || ok {
		return ref, err
	}
	b.logf("image %s: building HAProxy from Debian %s", ref, haproxySuite)
	r.tagOverride = ref
	return ref, b.build(ctx, r)
}

// Balancer is an HAProxy container in front of xrdp containers on a Docker
// network the run made; only its RDP port is published, on 127.0.0.1.
type Balancer struct {
	ctr  *testcontainers.DockerContainer
	addr string
}

// Addr is the balancer's RDP endpoint on the host, 127.0.0.1:port.
func (l *Balancer) Addr() string { return l.addr }

// HAProxyConfig is the configuration of an RDP balancer over servers
// (host:port as the balancer's network resolves them). Both ways a user's
// first connection goes to the next server in turn (`balance roundrobin`),
// once the X.224 Connection Request is in (`tcp-request content accept if
// RDP_COOKIE`). With persist, later connections carrying the same `Cookie:
// mstshash=USER` go where the first went: a stick table keyed on that
// cookie (`stick on req.rdp_cookie(mstshash)`, HAProxy's own example for
// RDP farms). `persist rdp-cookie` is not that: it reads the "msts" cookie
// a Windows connection broker hands out in token redirection mode, which
// xrdp never sends, so it would leave every connection to round robin; and
// `balance rdp-cookie` hashes the cookie, which keeps users put but may
// give every test user one server and so test nothing. The cookie is what
// the client sends: mstsc's first 9 characters of the user name
// (fakeclient.Cookie), so users sharing those share a server.
func HAProxyConfig(servers []string, persist bool) string {
	var b strings.Builder
	b.WriteString(`global
  log stdout format raw local0
defaults
  mode tcp
  log global
  option tcplog
  timeout connect 5s
  timeout client 10m
  timeout server 10m
frontend rdp
  bind :3389
  tcp-request inspect-delay 5s
  tcp-request content accept if RDP_COOKIE
  default_backend xrdp
backend xrdp
  balance roundrobin
`)
	if persist {
		b.WriteString("  stick-table type string len 32 size 10k expire 8h\n  stick on req.rdp_cookie(mstshash)\n")
	}
	for i, s := range servers {
		fmt.Fprintf(&b, "  server s%d %s\n", i+1, s)
	}
	return b.String()
}

// RunHAProxy starts the balancer on netName with cfg as haproxy.cfg.
// Like Run, it returns the half-made Balancer with an error.
func RunHAProxy(ctx context.Context, b *Builder, netName, cfg string) (*Balancer, error) {
	ref, err := b.EnsureHAProxy(ctx)
	if err != nil {
		return nil, err
	}
	port := network.MustParsePort("3389/tcp")
	ctr, err := testcontainers.Run(ctx, ref,
		testcontainers.WithExposedPorts(port.String()),
		testcontainers.WithLabels(ownerLabels(0)),
		testcontainers.WithFiles(testcontainers.ContainerFile{Reader: strings.NewReader(cfg), ContainerFilePath: "/etc/haproxy/haproxy.cfg", FileMode: 0o644}),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.PortBindings = network.PortMap{port: {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: "0"}}}
			hc.PublishAllPorts = false
		}),
		tcnetwork.WithNetworkName(nil, netName),
		testcontainers.WithWaitStrategy(haproxyReady{port: 3389}),
	)
	l := &Balancer{ctr: ctr}
	if err != nil {
		return l, fmt.Errorf("containers: run haproxy: %w", err)
	}
	mp, err := ctr.MappedPort(ctx, port.String())
	if err != nil {
		return l, fmt.Errorf("containers: haproxy port: %w", err)
	}
	l.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(int(mp.Num())))
	return l, nil
}

// haproxyReady waits until HAProxy listens on its port inside the
// container. A dial to the published port is not enough: Docker's proxy
// accepts it before HAProxy has bound, then resets the connection (seen as
// "connection reset by peer" on the first logins of the fleet spec).
type haproxyReady struct{ port int }

var _ wait.Strategy = haproxyReady{}

func (h haproxyReady) WaitUntilReady(ctx context.Context, t wait.StrategyTarget) error {
	return poll(ctx, t, 30*time.Second, fmt.Sprintf("haproxy to listen on %d", h.port), func(ctx context.Context) error {
		out, err := readProc(ctx, t, "/proc/net/tcp", "/proc/net/tcp6")
		if err != nil {
			return err
		}
		if !listening(out, h.port) {
			return fmt.Errorf("nothing listens on port %d yet", h.port)
		}
		return nil
	})
}

// Logs is HAProxy's output (its connection log), best effort.
func (l *Balancer) Logs(ctx context.Context) string {
	if l == nil || l.ctr == nil {
		return ""
	}
	rc, err := l.ctr.Logs(ctx)
	if err != nil {
		return ""
	}
	defer rc.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(rc)
	return b.String()
}

// Terminate removes the balancer; safe on nil and half-made ones.
func (l *Balancer) Terminate(ctx context.Context) error {
	if l == nil || l.ctr == nil {
		return nil
	}
	return l.ctr.Terminate(ctx, testcontainers.StopTimeout(3*time.Second))
}
