package fakeclient

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// loopbackServer speaks xrdp's side of a login from a recording on a real
// TCP listener on 127.0.0.1: the X.224 Confirm in the clear, a real TLS
// handshake (a throwaway self-signed certificate, as xrdp's snakeoil one),
// then the recorded plaintext inside TLS, each chunk after the client PDU
// it answered. It then holds the connection, draining the client, until
// the client or the listener closes.
type loopbackServer struct {
	ln   net.Listener
	rec  recording
	tls  *tls.Config
	wg   sync.WaitGroup
	errs chan error
}

func newLoopbackServer(tb testing.TB, file string) *loopbackServer {
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		tb.Fatal(err)
	}
	var rec recording
	if err := json.Unmarshal(raw, &rec); err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &loopbackServer{ln: ln, rec: rec, tls: selfSigned(tb), errs: make(chan error, 16)}
	go s.accept()
	return s
}

func selfSigned(tb testing.TB) *tls.Config {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

func (s *loopbackServer) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := s.serve(c); err != nil {
				select {
				case s.errs <- err:
				default:
				}
			}
		}()
	}
}

func (s *loopbackServer) serve(raw net.Conn) error {
	defer raw.Close()
	var c net.Conn = raw
	seen := 0
	var buf []byte
	for _, ch := range s.rec.Chunks {
		// The client starts TLS right after the Confirm: the handshake
		// comes before its first PDU inside TLS.
		if ch.TLS && c == raw {
			tc := tls.Server(raw, s.tls)
			if err := tc.Handshake(); err != nil {
				return err
			}
			c = tc
		}
		for seen < ch.After {
			if _, err := readFrame(c, &buf, 1<<16); err != nil {
				return err
			}
			seen++
		}
		if _, err := c.Write(ch.Data); err != nil {
			return err
		}
	}
	buf = nil // a held connection keeps no login-sized buffer
	for {
		if _, err := readFrame(c, &buf, keepIdle); err != nil {
			return nil // the client left
		}
	}
}

func (s *loopbackServer) close() {
	s.ln.Close()
}

// BenchmarkLoopbackHeld5000 holds 5,000 fakeclients logged in at once in
// this process against a loopback server replaying a recorded real xrdp
// 0.9.21.1 login (testdata/replay-login-ok.json), with TCP and TLS as on
// the wire. It reports CPU per login and memory per held client; both
// include the replaying server's half (same process), so the client alone
// costs less. The load side is not the bottleneck while these stay far
// below what one login costs xrdp (≈ 0.3–0.5 s of CPU, Xvnc ≈ 25–50 MB).
func BenchmarkLoopbackHeld5000(b *testing.B) {
	const clients = 5000
	srv := newLoopbackServer(b, "replay-login-ok.json")
	defer srv.close()
	b.ReportAllocs()
	for range b.N {
		runtime.GC()
		heap0, rss0 := heapBytes(), rssBytes()
		cpu0 := selfCPU()
		conns := make([]*Conn, clients)
		sem := make(chan struct{}, 256) // logins in flight
		var wg sync.WaitGroup
		var mu sync.Mutex
		var failed int
		var firstErr error
		start := time.Now()
		for i := range clients {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				c, res := Dial(ctx, Config{Addr: srv.ln.Addr().String(), User: "u1", Password: "pass1",
					ClientName: "bench", SettleTimeout: -1})
				if c == nil {
					mu.Lock()
					failed++
					if firstErr == nil {
						firstErr = res.Err
					}
					mu.Unlock()
					return
				}
				conns[i] = c
			}()
		}
		wg.Wait()
		took := time.Since(start)
		cpu := selfCPU() - cpu0
		if failed > 0 {
			b.Fatalf("%d of %d logins failed; first: %v", failed, clients, firstErr)
		}
		runtime.GC()
		held := 0
		for _, c := range conns {
			if c != nil && c.Err() == nil {
				held++
			}
		}
		if held != clients {
			b.Fatalf("%d of %d clients still held", held, clients)
		}
		b.ReportMetric(float64(cpu.Microseconds())/1000/clients, "cpu-ms/login")
		b.ReportMetric(float64(heapBytes()-heap0)/1024/clients, "heap-KB/held")
		b.ReportMetric(float64(rssBytes()-rss0)/1024/clients, "rss-KB/held")
		b.ReportMetric(float64(runtime.NumGoroutine())/clients, "goroutines/held")
		b.ReportMetric(clients/took.Seconds(), "logins/s")
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		for _, c := range conns {
			_ = c.Close(ctx, Abrupt)
		}
		cancel()
	}
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapBytes() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse + m.StackInuse)
}

// rssBytes is the resident set from /proc/self/statm.
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}
