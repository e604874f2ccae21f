package containers

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	tcexec "github.com/testcontainers/testcontainers-go/exec"
	"github.com/testcontainers/testcontainers-go/wait"
)

// rdpReady waits until xrdp answers an X.224 Connection Request on the
// published RDP port with TLS selected. A bare TCP connect is not proof:
// the engine's port proxy accepts before anything listens inside.
type rdpReady struct {
	port    string
	timeout time.Duration
}

var _ wait.Strategy = (*rdpReady)(nil)
var _ wait.StrategyTimeout = (*rdpReady)(nil)

func (s *rdpReady) Timeout() *time.Duration { return &s.timeout }

func (s *rdpReady) WaitUntilReady(ctx context.Context, t wait.StrategyTarget) error {
	return poll(ctx, t, s.timeout, "RDP on "+s.port, func(ctx context.Context) error {
		p, err := t.MappedPort(ctx, s.port)
		if err != nil {
			return err
		}
		return ProbeRDP(ctx, net.JoinHostPort("127.0.0.1", fmt.Sprint(p.Num())))
	})
}

// poll runs probe until it succeeds, the container stops (fail fast, with
// its output) or timeout passes (with the last probe error).
func poll(ctx context.Context, t wait.StrategyTarget, timeout time.Duration, what string, probe func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(150 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := targetRunning(ctx, t); err != nil {
			return err
		}
		last := probe(ctx)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s: %w (last: %v)", what, ctx.Err(), last)
		case <-tick.C:
		}
	}
}

// readProc cats /proc files inside the target.
func readProc(ctx context.Context, t wait.StrategyTarget, files ...string) (string, error) {
	code, r, err := t.Exec(ctx, append([]string{"cat"}, files...), tcexec.Multiplexed())
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(r)
	if err == nil && code != 0 {
		err = fmt.Errorf("cat %s: exit %d", strings.Join(files, " "), code)
	}
	return string(b), err
}

// ProbeRDP sends an X.224 Connection Request asking for TLS and checks the
// Connection Confirm selects it ([MS-RDPBCGR] 2.2.1.1, 2.2.1.2).
func ProbeRDP(ctx context.Context, addr string) error {
	d := net.Dialer{Timeout: 2 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
	req := []byte{
		3, 0, 0, 19, // TPKT, length 19
		14, 0xE0, 0, 0, 0, 0, 0, // X.224 CR: LI 14, dst-ref, src-ref, class 0
		1, 0, 8, 0, 1, 0, 0, 0, // RDP_NEG_REQ: PROTOCOL_SSL
	}
	if _, err := conn.Write(req); err != nil {
		return err
	}
	resp := make([]byte, 19)
	if _, err := io.ReadFull(conn, resp); err != nil {
		return fmt.Errorf("read X.224 confirm: %w", err)
	}
	if resp[0] != 3 || resp[5]&0xF0 != 0xD0 {
		return fmt.Errorf("not an X.224 Connection Confirm: % x", resp)
	}
	if resp[11] != 2 {
		return fmt.Errorf("negotiation failed: type %d code %d", resp[11], binary.LittleEndian.Uint32(resp[15:]))
	}
	if sel := binary.LittleEndian.Uint32(resp[15:]); sel != 1 {
		return fmt.Errorf("server selected protocol %d, not TLS (1)", sel)
	}
	return nil
}

// sesmanReady waits until something listens on each of ports inside the
// container (read from /proc/net/tcp*, so the engine's proxy cannot fool
// it): sesman's own port and the relay that publishes it.
type sesmanReady struct {
	ports   []int
	timeout time.Duration
}

var _ wait.Strategy = (*sesmanReady)(nil)

func (s *sesmanReady) Timeout() *time.Duration { return &s.timeout }

func (s *sesmanReady) WaitUntilReady(ctx context.Context, t wait.StrategyTarget) error {
	return poll(ctx, t, s.timeout, fmt.Sprintf("sesman to listen on %v", s.ports), func(ctx context.Context) error {
		out, err := readProc(ctx, t, "/proc/net/tcp", "/proc/net/tcp6")
		if err != nil {
			return err
		}
		for _, p := range s.ports {
			if !listening(out, p) {
				return fmt.Errorf("nothing listens on port %d yet", p)
			}
		}
		return nil
	})
}

// listening finds a LISTEN socket on port in /proc/net/tcp text.
func listening(procNetTCP string, port int) bool {
	want := fmt.Sprintf(":%04X ", port)
	for _, line := range strings.Split(procNetTCP, "\n") {
		f := strings.Fields(line)
		// local_address is f[1], state f[3]; 0A is LISTEN.
		if len(f) > 3 && strings.HasSuffix(f[1]+" ", want) && f[3] == "0A" {
			return true
		}
	}
	return false
}

// targetRunning fails fast, with the container's output, when it exited.
func targetRunning(ctx context.Context, t wait.StrategyTarget) error {
	st, err := t.State(ctx)
	if err != nil {
		return fmt.Errorf("container state: %w", err)
	}
	if st.Running {
		return nil
	}
	out := ""
	if rc, err := t.Logs(ctx); err == nil {
		b, _ := io.ReadAll(io.LimitReader(rc, 64<<10))
		rc.Close()
		out = tailLines(string(b), 20)
	}
	return fmt.Errorf("container stopped during startup (status %s, exit code %d); its output:\n%s", st.Status, st.ExitCode, out)
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// sesmanSocketReady waits until sesman (0.10 and later) listens on its UNIX
// socket: a socket whose path ends in path shows in /proc/net/unix with the
// listening flag (__SO_ACCEPTCON, 00010000).
type sesmanSocketReady struct {
	path    string
	timeout time.Duration
}

var _ wait.Strategy = (*sesmanSocketReady)(nil)

func (s *sesmanSocketReady) Timeout() *time.Duration { return &s.timeout }

func (s *sesmanSocketReady) WaitUntilReady(ctx context.Context, t wait.StrategyTarget) error {
	return poll(ctx, t, s.timeout, "sesman to listen on its socket "+s.path, func(ctx context.Context) error {
		out, err := readProc(ctx, t, "/proc/net/unix")
		if err != nil {
			return err
		}
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			// Num RefCount Protocol Flags Type St Inode Path
			if len(f) >= 8 && f[3] == "00010000" && strings.HasSuffix(f[7], "/"+s.path) {
				return nil
			}
		}
		return fmt.Errorf("no listening %s yet", s.path)
	})
}
