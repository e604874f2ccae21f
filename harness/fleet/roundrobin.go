package fleet

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/xrdp-harness/xrdp-harness/fakeclient"
	"github.com/xrdp-harness/xrdp-harness/harness"
)

// RoundRobin is a balancer the harness runs itself, on 127.0.0.1: it reads
// the user from the `Cookie: mstshash=USER` of each connection's X.224
// Connection Request ([MS-RDPBCGR] 2.2.1.1) and sends every connection of
// one user to the same target, users given to the targets in turn as they
// first appear. So the fleet's users are spread round robin and each keeps
// their host, the way an operator's balancer with RDP-cookie persistence
// does. A connection without a cookie goes to the next target in turn.
//
// The key is the cookie as the client sends it: mstsc and the fakeclient
// send the first 9 characters of the user name (fakeclient.Cookie), so
// users whose names share them (xrdpuser01, xrdpuser02) are one user here
// and share a host, as behind any cookie-keyed balancer. Scenarios refuse
// such users on a round-robin fleet (scenarios.Spec.Validate).
type RoundRobin struct {
	ln      net.Listener
	targets []string // RDP addresses
	wg      sync.WaitGroup

	mu    sync.Mutex
	next  int
	owner map[string]int // user → target index
	conns map[net.Conn]bool
}

// NewRoundRobin listens on 127.0.0.1:0 in front of the RDP addresses.
func NewRoundRobin(addrs []string) (*RoundRobin, error) {
	if len(addrs) == 0 {
		return nil, errors.New("fleet: round robin: no targets")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fleet: round robin: %w", err)
	}
	r := &RoundRobin{ln: ln, targets: addrs, owner: map[string]int{}, conns: map[net.Conn]bool{}}
	r.wg.Add(1)
	go r.serve()
	return r, nil
}

// Addr is where clients connect.
func (r *RoundRobin) Addr() string { return r.ln.Addr().String() }

// Assigned returns the target index each user was given.
func (r *RoundRobin) Assigned() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.owner))
	for u, i := range r.owner {
		out[u] = i
	}
	return out
}

// Owner returns the target index given to the user with this cookie.
func (r *RoundRobin) Owner(cookie string) (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i, ok := r.owner[cookie]
	return i, ok
}

func (r *RoundRobin) pick(user string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i, ok := r.owner[user]; ok && user != "" {
		return i
	}
	i := r.next % len(r.targets)
	r.next++
	if user != "" {
		r.owner[user] = i
	}
	return i
}

func (r *RoundRobin) serve() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.handle(c)
		}()
	}
}

// firstPDU reads one TPKT ([T.123] 8: version 3, reserved, 16-bit length)
// whole.
func firstPDU(br *bufio.Reader) ([]byte, error) {
	hdr, err := br.Peek(4)
	if err != nil {
		return nil, err
	}
	if hdr[0] != 3 {
		return nil, fmt.Errorf("not a TPKT (version %d)", hdr[0])
	}
	n := int(hdr[2])<<8 | int(hdr[3])
	if n < 4 {
		return nil, fmt.Errorf("TPKT length %d", n)
	}
	pdu := make([]byte, n)
	_, err = io.ReadFull(br, pdu)
	return pdu, err
}

// cookieUser finds "Cookie: mstshash=USER\r\n" in a Connection Request.
func cookieUser(pdu []byte) string {
	const tag = "Cookie: mstshash="
	i := bytes.Index(pdu, []byte(tag))
	if i < 0 {
		return ""
	}
	rest := pdu[i+len(tag):]
	if j := bytes.Index(rest, []byte("\r\n")); j >= 0 {
		return string(rest[:j])
	}
	return ""
}

func (r *RoundRobin) track(c net.Conn, on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if on {
		r.conns[c] = true
	} else {
		delete(r.conns, c)
	}
}

func (r *RoundRobin) handle(c net.Conn) {
	defer c.Close()
	r.track(c, true)
	defer r.track(c, false)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	pdu, err := firstPDU(br)
	if err != nil {
		return
	}
	c.SetReadDeadline(time.Time{})
	up, err := net.DialTimeout("tcp", r.targets[r.pick(cookieUser(pdu))], 10*time.Second)
	if err != nil {
		return
	}
	defer up.Close()
	if _, err := up.Write(pdu); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, br); up.Close(); done <- struct{}{} }()
	go func() { io.Copy(c, up); c.Close(); done <- struct{}{} }()
	<-done
	<-done
}

// Close stops the balancer and ends its connections.
func (r *RoundRobin) Close() error {
	err := r.ln.Close()
	r.mu.Lock()
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
	return err
}

// Spread wraps lab in a RoundRobin front: users are given to the targets in
// turn and each keeps theirs. The targets must share their test users.
func Spread(lab harness.Lab) harness.Lab {
	s := &spreadLab{}
	s.frontLab = frontLab{lab: lab, addr: s.start}
	return s
}

type spreadLab struct {
	frontLab
	mu    sync.Mutex
	rr    *RoundRobin
	hosts []string // target names, in the balancer's order
}

var _ harness.LiveAttributor = (*spreadLab)(nil)

func (s *spreadLab) start(_ context.Context, targets []harness.Target) (string, error) {
	addrs := make([]string, len(targets))
	hosts := make([]string, len(targets))
	for i, t := range targets {
		addrs[i], hosts[i] = t.RDPAddr(), t.Name()
	}
	rr, err := NewRoundRobin(addrs)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.rr, s.hosts = rr, hosts
	s.mu.Unlock()
	return rr.Addr(), nil
}

// LiveTarget names the host the balancer gave op's user (keyed by the
// user's cookie, as the balancer reads it), for an op made through the
// front ("" before the user's first connection reached it).
func (s *spreadLab) LiveTarget(op harness.Op) string {
	s.mu.Lock()
	rr, hosts := s.rr, s.hosts
	s.mu.Unlock()
	if rr == nil || op.Target != FrontName {
		return ""
	}
	if i, ok := rr.Owner(fakeclient.Cookie(op.User)); ok && i < len(hosts) {
		return hosts[i]
	}
	return ""
}

func (s *spreadLab) Down(ctx context.Context) error {
	s.mu.Lock()
	rr := s.rr
	s.rr = nil
	s.mu.Unlock()
	var errs []error
	if rr != nil {
		errs = append(errs, rr.Close())
	}
	errs = append(errs, s.frontLab.Down(ctx))
	return errors.Join(errs...)
}
