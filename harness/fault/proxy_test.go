package fault_test

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
)

// echoServer echoes every connection on 127.0.0.1:0 until closed.
type echoServer struct {
	ln       net.Listener
	accepted atomic.Int64
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
	readErrs chan error // how server-side reads ended
}

func newEchoServer() *echoServer {
	GinkgoHelper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	s := &echoServer{ln: ln, readErrs: make(chan error, 100)}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.accepted.Add(1)
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				_, err := io.Copy(c, c)
				if err == nil {
					err = io.EOF
				}
				select {
				case s.readErrs <- err:
				default:
				}
			}()
		}
	}()
	DeferCleanup(s.close)
	return s
}

func (s *echoServer) addr() string { return s.ln.Addr().String() }

func (s *echoServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func newProxy(upstream string) *fault.Proxy {
	GinkgoHelper()
	p, err := fault.NewProxy(context.Background(), upstream)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(p.Close)
	return p
}

func dial(addr string) net.Conn {
	GinkgoHelper()
	c, err := net.Dial("tcp", addr)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(c.Close)
	return c
}

// roundTrip writes msg and reads it back within d.
func roundTrip(c net.Conn, msg string, d time.Duration) (string, error) {
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	c.SetReadDeadline(time.Now().Add(d))
	defer c.SetReadDeadline(time.Time{})
	buf := make([]byte, len(msg))
	_, err := io.ReadFull(c, buf)
	return string(buf), err
}

// connectAndRead connects and reads one byte: the error of whichever
// fails (a reset right after accept can beat connect's return).
func connectAndRead(addr string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, err = c.Read(make([]byte, 1))
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// proxiedTarget is a bare target behind p.
func proxiedTarget(p *fault.Proxy) harness.Target {
	return fault.NewProxiedTarget(bareTarget{"echo"}, p)
}

var _ = Describe("Proxy", func() {
	It("forwards both ways and passes a half-close on", func() {
		echo := newEchoServer()
		p := newProxy(echo.addr())
		c := dial(p.Addr())
		Expect(roundTrip(c, "hello", 5*time.Second)).To(Equal("hello"))
		Expect(p.Conns()).To(Equal(1))
		Expect(c.(*net.TCPConn).CloseWrite()).To(Succeed())
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := c.Read(make([]byte, 1))
		Expect(n).To(BeZero())
		Expect(err).To(MatchError(io.EOF))
		Eventually(p.Conns).Should(BeZero())
	})

	It("refuses a bad upstream and resets clients when the upstream refuses", func() {
		_, err := fault.NewProxy(context.Background(), "nowhere")
		Expect(err).To(MatchError(ContainSubstring(`upstream "nowhere"`)))
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		dead := ln.Addr().String()
		ln.Close()
		Expect(connectAndRead(newProxy(dead).Addr())).To(MatchError(syscall.ECONNRESET))
	})

	It("delays by at least the latency each way, then heals", func() {
		echo := newEchoServer()
		p := newProxy(echo.addr())
		t := proxiedTarget(p)
		c := dial(p.Addr())
		f := &fault.Latency{Delay: 150 * time.Millisecond}
		detail, err := f.Inject(context.Background(), t)
		Expect(err).NotTo(HaveOccurred())
		Expect(detail).To(Equal("latency 150ms both ways at proxy " + p.Addr() + " -> " + echo.addr()))
		start := time.Now()
		Expect(roundTrip(c, "slow", 10*time.Second)).To(Equal("slow"))
		Expect(time.Since(start)).To(BeNumerically(">=", 300*time.Millisecond))
		Expect(f.Heal(context.Background(), t)).To(Succeed())
		Expect(roundTrip(c, "fast", 10*time.Second)).To(Equal("fast"))
	})

	It("blackholes open connections and holds new ones away from the server until healed", func() {
		echo := newEchoServer()
		p := newProxy(echo.addr())
		t := proxiedTarget(p)
		old := dial(p.Addr())
		Expect(roundTrip(old, "before", 5*time.Second)).To(Equal("before"))
		f := &fault.Blackhole{}
		_, err := f.Inject(context.Background(), t)
		Expect(err).NotTo(HaveOccurred())

		_, err = roundTrip(old, "lost", 300*time.Millisecond)
		Expect(isTimeout(err)).To(BeTrue(), "got %v", err)
		held := dial(p.Addr())
		Eventually(p.Conns).Should(Equal(2))
		_, err = roundTrip(held, "lost too", 300*time.Millisecond)
		Expect(isTimeout(err)).To(BeTrue(), "got %v", err)
		Expect(echo.accepted.Load()).To(BeEquivalentTo(1), "a held connection reached the server")

		Expect(f.Heal(context.Background(), t)).To(Succeed())
		Expect(roundTrip(dial(p.Addr()), "after", 5*time.Second)).To(Equal("after"))
		Expect(echo.accepted.Load()).To(BeEquivalentTo(2))
	})

	It("drops only the server's replies with a downstream blackhole", func() {
		echo := newEchoServer()
		p := newProxy(echo.addr())
		f := &fault.Blackhole{Direction: fault.Downstream}
		_, err := f.Inject(context.Background(), proxiedTarget(p))
		Expect(err).NotTo(HaveOccurred())
		c := dial(p.Addr())
		_, err = roundTrip(c, "one way", 300*time.Millisecond)
		Expect(isTimeout(err)).To(BeTrue(), "got %v", err)
		Expect(echo.accepted.Load()).To(BeEquivalentTo(1), "the request reached the server")
	})

	It("resets open connections on both sides and new ones while held", func() {
		echo := newEchoServer()
		p := newProxy(echo.addr())
		t := proxiedTarget(p)
		old := dial(p.Addr())
		Expect(roundTrip(old, "x", 5*time.Second)).To(Equal("x"))
		f := &fault.ResetPeer{}
		detail, err := f.Inject(context.Background(), t)
		Expect(err).NotTo(HaveOccurred())
		Expect(detail).To(HavePrefix("reset 1 open connections, reset new connections at proxy"))
		old.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = old.Read(make([]byte, 1))
		Expect(err).To(MatchError(syscall.ECONNRESET))
		Eventually(echo.readErrs).Should(Receive(MatchError(syscall.ECONNRESET)), "the server saw no reset")

		Expect(connectAndRead(p.Addr())).To(MatchError(syscall.ECONNRESET))
		Expect(f.Heal(context.Background(), t)).To(Succeed())
		Expect(roundTrip(dial(p.Addr()), "back", 5*time.Second)).To(Equal("back"))

		By("ResetExisting leaves new connections alone")
		g := &fault.ResetPeer{Scope: fault.ResetExisting}
		detail, err = g.Inject(context.Background(), t)
		Expect(err).NotTo(HaveOccurred())
		Expect(detail).To(HavePrefix("reset 1 open connections at proxy"))
		Expect(roundTrip(dial(p.Addr()), "new", 5*time.Second)).To(Equal("new"))
	})

	It("slices and rate-limits through a real connection without losing bytes", func() {
		echo := newEchoServer()
		p := newProxy(echo.addr())
		t := proxiedTarget(p)
		s, b := &fault.Slicer{Size: 7, Delay: time.Millisecond}, &fault.Bandwidth{Rate: 64 << 10}
		for _, f := range []harness.Fault{s, b} {
			_, err := f.Inject(context.Background(), t)
			Expect(err).NotTo(HaveOccurred())
		}
		msg := make([]byte, 3000)
		for i := range msg {
			msg[i] = byte(i)
		}
		Expect(roundTrip(dial(p.Addr()), string(msg), 20*time.Second)).To(Equal(string(msg)))
	})

	It("stops every goroutine at Close, even with toxics waiting and connections held", func() {
		echo := newEchoServer()
		before := runtime.NumGoroutine()
		p, err := fault.NewProxy(context.Background(), echo.addr())
		Expect(err).NotTo(HaveOccurred())
		t := proxiedTarget(p)
		var conns []net.Conn
		for range 3 {
			c := dial(p.Addr())
			Expect(roundTrip(c, "up", 5*time.Second)).To(Equal("up"))
			conns = append(conns, c)
		}
		_, err = (&fault.Latency{Delay: time.Hour}).Inject(context.Background(), t)
		Expect(err).NotTo(HaveOccurred())
		for _, c := range conns {
			_, err := c.Write([]byte("stuck in a toxic"))
			Expect(err).NotTo(HaveOccurred())
		}
		_, err = (&fault.Blackhole{}).Inject(context.Background(), t)
		Expect(err).NotTo(HaveOccurred())
		for range 2 {
			dial(p.Addr())
		}
		Eventually(p.Conns).Should(Equal(5))
		Expect(runtime.NumGoroutine()).To(BeNumerically(">", before))

		closed := make(chan error, 1)
		go func() { closed <- p.Close() }()
		Eventually(closed).WithTimeout(5 * time.Second).Should(Receive(BeNil()))
		Expect(p.Conns()).To(BeZero())
		Eventually(runtime.NumGoroutine).WithTimeout(5 * time.Second).Should(BeNumerically("<=", before))
		_, err = net.Dial("tcp", p.Addr())
		Expect(err).To(HaveOccurred(), "the proxy still listens")
		Expect(p.Close()).To(Succeed(), "a second Close is harmless")
	})

	It("rejects bad toxic settings and targets without a proxy", func() {
		Expect((&fault.Latency{Jitter: time.Second, Direction: 7}).Validate()).To(HaveLen(3))
		Expect((&fault.Bandwidth{}).Validate()).To(HaveLen(1))
		Expect((&fault.Slicer{Delay: -1}).Validate()).To(HaveLen(2))
		Expect((&fault.Blackhole{Direction: -1}).Validate()).To(HaveLen(1))
		Expect((&fault.ResetPeer{Scope: 9}).Validate()).To(HaveLen(1))
		for _, f := range []harness.Fault{&fault.Latency{Delay: 1}, &fault.Bandwidth{Rate: 1}, &fault.Slicer{Size: 1}, &fault.Blackhole{}, &fault.ResetPeer{}} {
			_, err := f.Inject(context.Background(), bareTarget{"bare"})
			var ce *fault.CapabilityError
			Expect(errors.As(err, &ce)).To(BeTrue(), f.Name())
			Expect(err).To(MatchError(ContainSubstring("wrap the lab with fault.Proxied")))
		}
	})
})

// stubLab brings up one bare target whose RDP endpoint is addr.
type stubLab struct {
	addr  string
	downs int
}

type addrTarget struct {
	bareTarget
	addr string
}

func (a addrTarget) RDPAddr() string { return a.addr }
func (a addrTarget) Info() harness.TargetInfo {
	return harness.TargetInfo{Name: a.name, Config: map[string]string{"k": "v"}}
}

func (l *stubLab) Up(context.Context) ([]harness.Target, error) {
	return []harness.Target{addrTarget{bareTarget{"stub"}, l.addr}}, nil
}
func (l *stubLab) Down(context.Context) error { l.downs++; return nil }

var _ = Describe("Proxied", func() {
	It("puts a proxy in front of every target and removes it at Down", func() {
		echo := newEchoServer()
		inner := &stubLab{addr: echo.addr()}
		lab := fault.Proxied(inner)
		ts, err := lab.Up(context.Background())
		Expect(err).NotTo(HaveOccurred())
		Expect(ts).To(HaveLen(1))
		t := ts[0]
		Expect(t.Name()).To(Equal("stub"))
		Expect(t.RDPAddr()).NotTo(Equal(echo.addr()))
		Expect(t.Info().Config).To(HaveKeyWithValue("rdp.proxy", t.RDPAddr()+" -> "+echo.addr()))
		Expect(t.Info().Config).To(HaveKeyWithValue("k", "v"))
		Expect(t.(fault.Unwrapper).Unwrap()).To(Equal(addrTarget{bareTarget{"stub"}, echo.addr()}))
		Expect(roundTrip(dial(t.RDPAddr()), "via lab", 5*time.Second)).To(Equal("via lab"))

		Expect(lab.Down(context.Background())).To(Succeed())
		Expect(inner.downs).To(Equal(1))
		_, err = net.Dial("tcp", t.RDPAddr())
		Expect(err).To(HaveOccurred())
		Expect(lab.Down(context.Background())).To(Succeed(), "Down twice")
	})
})

// Toxic timing is exact under fake time (testing/synctest): these are plain
// tests because a synctest bubble needs a *testing.T.

func collect(t *testing.T, tox fault.Toxic, c fault.Chunk) (pieces []string, at []time.Duration) {
	t.Helper()
	start := time.Now()
	err := tox.Pipe(t.Context(), c, func(c fault.Chunk) error {
		pieces = append(pieces, string(c.Data))
		at = append(at, time.Since(start))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pieces, at
}

func TestLatencyToxicDelaysFromReadTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tox := &fault.Latency{Delay: 200 * time.Millisecond, Direction: fault.Upstream}
		read := time.Now().Add(-50 * time.Millisecond) // the chunk waited in the queue
		_, at := collect(t, tox, fault.Chunk{Data: []byte("x"), Read: read, Dir: fault.Upstream})
		if at[0] != 150*time.Millisecond {
			t.Errorf("upstream chunk passed after %v, want 150ms (200ms from its read)", at[0])
		}
		_, at = collect(t, tox, fault.Chunk{Data: []byte("y"), Read: time.Now(), Dir: fault.Downstream})
		if at[0] != 0 {
			t.Errorf("downstream chunk delayed %v by an upstream toxic", at[0])
		}
		jit := &fault.Latency{Delay: 100 * time.Millisecond, Jitter: 40 * time.Millisecond}
		for range 50 {
			_, at := collect(t, jit, fault.Chunk{Data: []byte("z"), Read: time.Now()})
			if at[0] < 60*time.Millisecond || at[0] > 140*time.Millisecond {
				t.Fatalf("jittered delay %v outside 100ms±40ms", at[0])
			}
		}
	})
}

func TestBandwidthToxicPacesPieces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tox := &fault.Bandwidth{Rate: 100}
		pieces, at := collect(t, tox, fault.Chunk{Data: make([]byte, 1000), Read: time.Now()})
		if len(pieces) != 100 {
			t.Fatalf("%d pieces, want 100 of 10 bytes (a tenth of a second each)", len(pieces))
		}
		if at[99] != 9900*time.Millisecond {
			t.Errorf("last piece at %v, want 9.9s", at[99])
		}
		start := time.Now()
		collect(t, tox, fault.Chunk{Data: []byte("abc"), Read: time.Now()})
		if d := time.Since(start); d != 30*time.Millisecond {
			t.Errorf("3 bytes at 100 B/s took %v, want 30ms", d)
		}
	})
}

func TestSlicerToxicCutsAndSpaces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pieces, at := collect(t, &fault.Slicer{Size: 4, Delay: 10 * time.Millisecond}, fault.Chunk{Data: []byte("abcdefghij")})
		want := []string{"abcd", "efgh", "ij"}
		if len(pieces) != 3 || pieces[0] != want[0] || pieces[1] != want[1] || pieces[2] != want[2] {
			t.Fatalf("pieces %q, want %q", pieces, want)
		}
		if at[0] != 0 || at[1] != 10*time.Millisecond || at[2] != 20*time.Millisecond {
			t.Errorf("pieces at %v, want 0, 10ms, 20ms", at)
		}
	})
}

func TestToxicWaitsEndWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() {
			done <- (&fault.Latency{Delay: time.Hour}).Pipe(ctx, fault.Chunk{Read: time.Now()}, func(fault.Chunk) error { return nil })
		}()
		synctest.Wait()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Pipe returned %v, want context.Canceled", err)
		}
	})
}

type finishing struct {
	harness.Lab
	called *bool
}

func (f finishing) FinishRecord(*harness.Record) { *f.called = true }

// TestProxiedLabPassesTheRecordOn: a proxied fleet still attributes its
// ops (the wrapped lab's RecordFinisher is called through the wrapper).
func TestProxiedLabPassesTheRecordOn(t *testing.T) {
	called := false
	lab := fault.Proxied(finishing{called: &called})
	f, ok := lab.(harness.RecordFinisher)
	if !ok {
		t.Fatal("a proxied lab is not a RecordFinisher")
	}
	f.FinishRecord(&harness.Record{})
	if !called {
		t.Error("the wrapped lab's FinishRecord was not called")
	}
}
