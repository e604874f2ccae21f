package fault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The host kernel here has no sch_netem, so network faults are made in
// userspace the way Toxiproxy makes them: a TCP proxy in the harness
// process sits between the clients and the target's RDP port, and toxics
// switched on and off by faults change what it forwards.

// Direction says which way bytes flow through a Proxy.
type Direction int

const (
	// Both directions; the zero value.
	Both Direction = iota
	// Upstream is client to server.
	Upstream
	// Downstream is server to client.
	Downstream
)

func (d Direction) String() string {
	switch d {
	case Both:
		return "both ways"
	case Upstream:
		return "client to server"
	case Downstream:
		return "server to client"
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

// covers reports whether a toxic set for d acts on bytes flowing in c.
func (d Direction) covers(c Direction) bool { return d == Both || d == c }

func (d Direction) validate(fault string) error {
	if d < Both || d > Downstream {
		return fmt.Errorf("fault: %s: direction %d: want Both, Upstream or Downstream", fault, int(d))
	}
	return nil
}

// Chunk is one read's worth of bytes on its way through a Proxy.
type Chunk struct {
	Data []byte
	Read time.Time // when the proxy read it
	Dir  Direction // Upstream or Downstream
}

// Toxic changes the bytes a Proxy forwards. Pipe gets each chunk, in order,
// per connection and direction, and passes it on by calling next zero or
// more times (to drop, split or delay it); waits must end when ctx does.
// Toxics are told apart by identity: use pointers.
type Toxic interface {
	Pipe(ctx context.Context, c Chunk, next func(Chunk) error) error
}

// ConnAction is what a connection toxic does to a new client connection.
type ConnAction int

const (
	Forward ConnAction = iota // dial the server and forward (the default)
	Hold                      // keep the client connected, dial nothing, forward nothing
	Reset                     // reset the client's connection at once
)

// ConnToxic is the optional interface of toxics that act on whole
// connections: Accept decides each new client connection while the toxic
// is on. Reset wins over Hold, Hold over Forward.
type ConnToxic interface {
	Accept() ConnAction
}

// Proxy forwards TCP connections from a listener on 127.0.0.1 to an
// upstream address through the toxics that are on. Its zero value is not
// usable: make one with NewProxy.
type Proxy struct {
	upstream string
	ln       net.Listener
	ctx      context.Context // ends at Close
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	toxics   atomic.Pointer[[]Toxic] // copy-on-write: read per chunk

	mu     sync.Mutex
	links  map[*link]struct{}
	closed bool
}

// DialTimeout bounds the proxy's connection to the upstream server.
const DialTimeout = 10 * time.Second

// NewProxy listens on 127.0.0.1 (port chosen by the kernel) and forwards
// to upstream until Close. ctx bounds only the setup.
func NewProxy(ctx context.Context, upstream string) (*Proxy, error) {
	if _, _, err := net.SplitHostPort(upstream); err != nil {
		return nil, fmt.Errorf("fault: proxy: upstream %q: %w", upstream, err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fault: proxy: listen: %w", err)
	}
	p := &Proxy{upstream: upstream, ln: ln, links: map[*link]struct{}{}}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.toxics.Store(&[]Toxic{})
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is where clients connect: 127.0.0.1:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Upstream is the address the proxy forwards to.
func (p *Proxy) Upstream() string { return p.upstream }

// Conns counts the client connections the proxy holds now.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.links)
}

// Add switches a toxic on; toxics act in the order they were added.
func (p *Proxy) Add(t Toxic) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := append(slices.Clone(*p.toxics.Load()), t)
	p.toxics.Store(&ts)
}

// Remove switches a toxic off; it reports whether the toxic was on.
func (p *Proxy) Remove(t Toxic) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := slices.Clone(*p.toxics.Load())
	i := slices.Index(ts, t)
	if i < 0 {
		return false
	}
	ts = slices.Delete(ts, i, i+1)
	p.toxics.Store(&ts)
	return true
}

// ResetConns resets every connection the proxy holds, on both sides (TCP
// RST to the client and to the server); it returns how many it reset.
func (p *Proxy) ResetConns() int {
	p.mu.Lock()
	links := make([]*link, 0, len(p.links))
	for l := range p.links {
		links = append(links, l)
	}
	p.mu.Unlock()
	for _, l := range links {
		l.close(true)
	}
	return len(links)
}

// Close stops accepting, closes every connection and returns when every
// goroutine of the proxy has ended.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	links := make([]*link, 0, len(p.links))
	for l := range p.links {
		links = append(links, l)
	}
	p.mu.Unlock()
	p.cancel()
	err := p.ln.Close()
	for _, l := range links {
		l.close(false)
	}
	p.wg.Wait()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("fault: proxy: close: %w", err)
	}
	return nil
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if p.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			continue // a failed accept (EMFILE, aborted handshake) is not the end
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

// connAction asks the connection toxics about a new connection.
func (p *Proxy) connAction() ConnAction {
	a := Forward
	for _, t := range *p.toxics.Load() {
		if ct, ok := t.(ConnToxic); ok {
			a = max(a, ct.Accept())
		}
	}
	return a
}

// pipe runs a chunk through the toxics on, then write.
func (p *Proxy) pipe(ctx context.Context, c Chunk, write func(Chunk) error) error {
	ts := *p.toxics.Load()
	var next func(i int, c Chunk) error
	next = func(i int, c Chunk) error {
		if i == len(ts) {
			return write(c)
		}
		return ts[i].Pipe(ctx, c, func(c Chunk) error { return next(i+1, c) })
	}
	return next(0, c)
}

func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	l := &link{client: client}
	l.ctx, l.cancel = context.WithCancel(p.ctx)
	defer l.close(false)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.links[l] = struct{}{}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.links, l)
		p.mu.Unlock()
	}()

	switch p.connAction() {
	case Reset:
		l.close(true)
		return
	case Hold:
		// Read and drop until the client gives up or the proxy closes.
		_, _ = io.Copy(io.Discard, client)
		return
	}
	dctx, cancel := context.WithTimeout(l.ctx, DialTimeout)
	var d net.Dialer
	server, err := d.DialContext(dctx, "tcp", p.upstream)
	cancel()
	if err != nil {
		l.close(true) // the client sees a reset, as if refused
		return
	}
	if !l.setServer(server) {
		return
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); l.pump(p, Upstream, client, server) }()
	go func() { defer wg.Done(); l.pump(p, Downstream, server, client) }()
	wg.Wait()
}

// link is one client connection and, once dialled, its server connection.
type link struct {
	ctx    context.Context
	cancel context.CancelFunc
	client net.Conn

	mu     sync.Mutex
	server net.Conn
	done   bool
}

// setServer records the server side; false when the link closed meanwhile.
func (l *link) setServer(s net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		s.Close()
		return false
	}
	l.server = s
	return true
}

// close ends the link; reset sends TCP RSTs instead of FINs.
func (l *link) close(reset bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return
	}
	l.done = true
	l.cancel()
	for _, c := range []net.Conn{l.client, l.server} {
		if c == nil {
			continue
		}
		if tc, ok := c.(*net.TCPConn); ok && reset {
			_ = tc.SetLinger(0)
		}
		_ = c.Close()
	}
}

// pump forwards src to dst in one direction: a reader goroutine queues
// chunks so that a toxic's wait does not stop reading (latency delays each
// chunk from when it was read, it does not serialise round trips).
func (l *link) pump(p *Proxy, dir Direction, src, dst net.Conn) {
	chunks := make(chan Chunk, 64)
	readDone := make(chan error, 1)
	go func() {
		defer close(chunks)
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				select {
				case chunks <- Chunk{Data: slices.Clone(buf[:n]), Read: time.Now(), Dir: dir}:
				case <-l.ctx.Done():
					readDone <- l.ctx.Err()
					return
				}
			}
			if err != nil {
				readDone <- err
				return
			}
		}
	}()
	write := func(c Chunk) error {
		_, err := dst.Write(c.Data)
		return err
	}
	for c := range chunks {
		if err := p.pipe(l.ctx, c, write); err != nil {
			l.close(false)
			for range chunks { // let the reader finish
			}
			return
		}
	}
	if err := <-readDone; !errors.Is(err, io.EOF) {
		l.close(false)
		return
	}
	// The source said goodbye: pass the FIN on and let the other
	// direction finish.
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}
