package fakeclient

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var updateFlag = flag.Bool("update", false, "re-record testdata/replay-*.json against the xrdp at XRDP_ADDR")

// recording is what a real xrdp sent during one login: every chunk of bytes
// the client read (before TLS: the X.224 Connection Confirm; after: the
// plaintext inside TLS), each tagged with how many client PDUs had been
// written when it was read. Client bytes are not stored: they hold the
// password, and the replay regenerates them.
type recording struct {
	Name     string  `json:"name"`
	Server   string  `json:"server"`
	User     string  `json:"user"`
	Recorded string  `json:"recorded"`
	Chunks   []chunk `json:"chunks"`
}

type chunk struct {
	After int    `json:"after"` // client PDUs written before this chunk
	TLS   bool   `json:"tls"`   // read inside TLS
	Data  []byte `json:"data"`
}

// recorder wraps the real transport and records what the client reads.
type recorder struct {
	mu     sync.Mutex
	writes int
	chunks []chunk
	stop   bool
}

func (rc *recorder) dial(ctx context.Context, addr string) (net.Conn, error) {
	c, err := tcpTLS{}.dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	return &recConn{Conn: c, rc: rc}, nil
}

func (rc *recorder) upgrade(ctx context.Context, c net.Conn) (net.Conn, error) {
	rec := c.(*recConn)
	rec.tls = true // the handshake's own bytes are not recorded
	rec.mute = true
	tc := tls.Client(rec, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}) //nolint:gosec
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return &recConn{Conn: tc, rc: rc, tls: true}, nil
}

func (rc *recorder) finish() []chunk {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.stop = true
	return rc.chunks
}

// recConn counts client writes and records server reads.
type recConn struct {
	net.Conn
	rc   *recorder
	tls  bool
	mute bool // raw socket under TLS: neither counted nor recorded
}

func (c *recConn) Write(b []byte) (int, error) {
	if !c.mute {
		c.rc.mu.Lock()
		c.rc.writes++
		c.rc.mu.Unlock()
	}
	return c.Conn.Write(b)
}

func (c *recConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 && !c.mute {
		c.rc.mu.Lock()
		if !c.rc.stop {
			c.rc.chunks = append(c.rc.chunks, chunk{After: c.rc.writes, TLS: c.tls, Data: append([]byte(nil), b[:n]...)})
		}
		c.rc.mu.Unlock()
	}
	return n, err
}

// replayer plays a recording as the server over net.Pipe; TLS is bypassed.
type replayer struct {
	rec  recording
	errc chan error
}

func (rp *replayer) dial(ctx context.Context, addr string) (net.Conn, error) {
	client, server := net.Pipe()
	rp.errc = make(chan error, 1)
	go func() { rp.errc <- rp.serve(server) }()
	return client, nil
}

func (rp *replayer) upgrade(ctx context.Context, c net.Conn) (net.Conn, error) { return c, nil }

// serve waits for the client's PDUs and answers each with the chunks
// recorded after it, then drains the client until it closes.
func (rp *replayer) serve(c net.Conn) error {
	defer c.Close()
	seen := 0
	var buf []byte
	for _, ch := range rp.rec.Chunks {
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
	for {
		if _, err := readFrame(c, &buf, 1<<16); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil
			}
			return err
		}
	}
}

type replayCase struct {
	file     string
	user     string
	password string
	outcome  Outcome
	reason   Reason
	phases   int
	pdus     []string // must appear in the trace, in this order
}

var replayCases = []replayCase{
	{
		file: "replay-login-ok.json", user: "u1", password: "pass1",
		outcome: OK, phases: 8,
		pdus: []string{"X.224 Connection Confirm", "MCS Connect Response", "MCS Attach User Confirm",
			"MCS Channel Join Confirm", "License Request", "License Error Alert (STATUS_VALID_CLIENT)",
			"Demand Active PDU", "Font Map PDU", "fast-path Pointer(0xb idx=2)"},
	},
	{
		file: "replay-bad-password.json", user: "u2", password: "wrong-password",
		outcome: Fail, reason: ReasonNoSession, phases: 7,
		pdus: []string{"X.224 Connection Confirm", "License Request", "Demand Active PDU", "Font Map PDU",
			"fast-path Pointer(0xb idx=0)", "fast-path Orders"},
	},
}

func TestReplay(t *testing.T) {
	for _, tc := range replayCases {
		t.Run(strings.TrimSuffix(tc.file, ".json"), func(t *testing.T) {
			path := filepath.Join("testdata", tc.file)
			if *updateFlag {
				recordLive(t, path, tc)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read recording: %v (run with -update and XRDP_ADDR to record)", err)
			}
			var rec recording
			if err := json.Unmarshal(raw, &rec); err != nil {
				t.Fatalf("decode %s: %v", path, err)
			}
			rp := &replayer{rec: rec}
			var mu sync.Mutex
			var names []string
			cfg := Config{Addr: "replay:3389", User: tc.user, Password: tc.password, ClientName: "replay",
				transport: rp, Trace: func(e TraceEvent) {
					if !e.Out {
						mu.Lock()
						names = append(names, e.Name)
						mu.Unlock()
					}
				}}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, res := Dial(ctx, cfg)
			if c != nil {
				if err := c.Close(ctx, Graceful); err != nil {
					t.Errorf("close: %v", err)
				}
			}
			if res.Outcome != tc.outcome || res.Reason != tc.reason {
				t.Fatalf("outcome %s/%q, want %s/%q (err %v)", res.Outcome, res.Reason, tc.outcome, tc.reason, res.Err)
			}
			if len(res.Phases) != tc.phases {
				t.Errorf("%d phases %v, want %d", len(res.Phases), res.Phases, tc.phases)
			}
			for i, p := range res.Phases {
				if want := allPhases[i]; p.Name != want {
					t.Errorf("phase %d is %q, want %q", i, p.Name, want)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			next := 0
			for _, n := range names {
				if next < len(tc.pdus) && strings.HasPrefix(n, tc.pdus[next]) {
					next++
				}
			}
			if next < len(tc.pdus) {
				t.Errorf("PDU %q not recognised in order; trace: %q", tc.pdus[next], names)
			}
			select {
			case err := <-rp.errc:
				if err != nil {
					t.Errorf("replay server: %v", err)
				}
			case <-ctx.Done():
				t.Errorf("replay server did not finish")
			}
		})
	}
}

var allPhases = []string{PhaseTCP, PhaseX224, PhaseTLS, PhaseMCS, PhaseLogin, PhaseLicensing, PhaseCapabilities, PhaseFirstUpdate}

// recordLive logs in against XRDP_ADDR and saves what the server sent.
func recordLive(t *testing.T, path string, tc replayCase) {
	addr := os.Getenv("XRDP_ADDR")
	if addr == "" {
		t.Log("XRDP_ADDR unset: keeping the stored recording")
		return
	}
	rc := &recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, res := Dial(ctx, Config{Addr: addr, User: tc.user, Password: tc.password, ClientName: "recorder", transport: rc})
	chunks := rc.finish()
	if c != nil {
		_ = c.Close(ctx, Graceful)
	}
	if res.Outcome != tc.outcome {
		t.Fatalf("live login: outcome %s, want %s (err %v)", res.Outcome, tc.outcome, res.Err)
	}
	rec := recording{Name: tc.file, Server: "xrdp " + os.Getenv("XRDP_VERSION"), User: tc.user,
		Recorded: time.Now().UTC().Format(time.RFC3339), Chunks: chunks}
	b, err := json.MarshalIndent(rec, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d chunks to %s", len(chunks), path)
}
