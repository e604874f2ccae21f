package fakeclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// recordedFrames splits the recorded server streams into frames, to seed
// the fuzzers with what a real xrdp sends.
func recordedFrames(f *testing.F) [][]byte {
	var frames [][]byte
	for _, tc := range replayCases {
		frames = append(frames, framesOf(f, tc.file)...)
	}
	if len(frames) < 10 {
		f.Fatalf("seed corpus: only %d frames", len(frames))
	}
	return frames
}

// framesOf splits one recording's server stream into whole frames.
func framesOf(t testing.TB, file string) [][]byte {
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatalf("recording: %v", err)
	}
	var rec recording
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatalf("recording: %v", err)
	}
	var stream []byte
	for _, ch := range rec.Chunks {
		stream = append(stream, ch.Data...)
	}
	var frames [][]byte
	r := bytes.NewReader(stream)
	var buf []byte
	for {
		start := len(stream) - r.Len()
		fr, err := readFrame(r, &buf, 1<<16)
		if err != nil {
			break
		}
		frames = append(frames, append([]byte(nil), stream[start:start+fr.total]...))
	}
	return frames
}

func FuzzReadFrame(f *testing.F) {
	for _, fr := range recordedFrames(f) {
		f.Add(fr, 64)
	}
	f.Add([]byte{3, 0, 0, 2}, 16)
	f.Add([]byte{0, 0x80}, 16)
	f.Fuzz(func(t *testing.T, b []byte, keep int) {
		keep &= 0xffff
		r := bytes.NewReader(b)
		var buf []byte
		for i := 0; i < len(b)+1; i++ {
			fr, err := readFrame(r, &buf, keep)
			if err != nil {
				return
			}
			if fr.total < len(fr.b) || len(fr.b) > max(keep, 4) {
				t.Fatalf("frame keeps %d of %d bytes with keep %d", len(fr.b), fr.total, keep)
			}
		}
		t.Fatalf("readFrame did not stop on %d bytes", len(b))
	})
}

// fuzzFrame reads one whole frame from b, or reports false.
func fuzzFrame(b []byte) (frame, bool) {
	var buf []byte
	fr, err := readFrame(bytes.NewReader(b), &buf, 1<<16)
	return fr, err == nil
}

func FuzzConnectionConfirm(f *testing.F) {
	f.Add([]byte{3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34, 0, 2, 0x1f, 8, 0, 1, 0, 0, 0})
	f.Add([]byte{3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34, 0, 3, 0, 8, 0, 5, 0, 0, 0})
	f.Add([]byte{3, 0, 0, 11, 6, 0xd0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		if fr, ok := fuzzFrame(b); ok {
			_, err := parseConnectionConfirm(fr)
			checkErr(t, err)
		}
	})
}

func FuzzConnectResponse(f *testing.F) {
	for _, fr := range recordedFrames(f) {
		f.Add(fr)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if fr, ok := fuzzFrame(b); ok && fr.kind == frameTPKT {
			_, err := parseConnectResponse(fr)
			checkErr(t, err)
		}
	})
}

// FuzzServerPDU feeds frames to everything that parses server output after
// the MCS connection: MCS domain PDUs, licensing, Demand Active, and the
// reader loop's handler (updates, error info, reactivation).
func FuzzServerPDU(f *testing.F) {
	for _, fr := range recordedFrames(f) {
		f.Add(fr)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, ok := fuzzFrame(b)
		if !ok {
			return
		}
		if fr.kind == frameTPKT {
			if m, err := parseMCS(fr, "fuzz"); err == nil && m.data != nil {
				d := *m.data
				r := &d
				r.secHeader()
				_, err := parseLicense(r)
				checkErr(t, err)
				d2 := *m.data
				if h, err := parseShare(&d2); err == nil && h.pduType == pduTypeDemandActive {
					_, err := parseDemandActive(&d2, h)
					checkErr(t, err)
				}
			}
		}
		c := &Conn{rw: discardConn{}, raw: discardConn{}, io: 1003, user: 1004, notify: make(chan struct{}, 1)}
		checkErr(t, c.handle(fr))
		// Frames trimmed to the idle read limit must parse as safely.
		if len(fr.b) > keepIdle {
			fr.b = fr.b[:keepIdle]
			checkErr(t, c.handle(fr))
		}
	})
}

func FuzzFastPath(f *testing.F) {
	for _, fr := range recordedFrames(f) {
		if fr[0]&3 == 0 {
			f.Add(fr)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, ok := fuzzFrame(b)
		if !ok || fr.kind != frameFastPath {
			return
		}
		ups, err := parseFastPath(fr, nil)
		checkErr(t, err)
		for _, u := range ups {
			if u.size < 0 || u.size > fr.total {
				t.Fatalf("update size %d in a %d-byte frame", u.size, fr.total)
			}
		}
	})
}

// FuzzDial runs the whole connection sequence against a server that sends
// arbitrary bytes: Dial must return (never panic or hang) with a typed
// reason.
func FuzzDial(f *testing.F) {
	frames := recordedFrames(f)
	var all []byte
	for _, fr := range frames {
		all = append(all, fr...)
	}
	f.Add(all)
	f.Add(all[:len(all)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		tr := &blobServer{data: b}
		c, res := Dial(ctx, Config{Addr: "fuzz:1", User: "u", Password: "p", transport: tr, SettleTimeout: -1})
		if c != nil {
			_ = c.Close(ctx, Abrupt)
		}
		if res.Err != nil {
			var e *Error
			if !errors.As(res.Err, &e) || e.Reason == "" {
				t.Fatalf("untyped error %v", res.Err)
			}
			if e.Reason == ReasonTimeout {
				t.Fatalf("dial hung on %d server bytes: %v", len(b), res.Err)
			}
		}
	})
}

// blobServer answers the client's first PDU with data, then closes.
type blobServer struct{ data []byte }

func (s *blobServer) dial(ctx context.Context, addr string) (net.Conn, error) {
	client, server := net.Pipe()
	go func() {
		defer server.Close()
		var buf []byte
		if _, err := readFrame(server, &buf, 1<<16); err != nil {
			return
		}
		go func() { _, _ = io.Copy(io.Discard, server) }()
		_, _ = server.Write(s.data)
	}()
	return client, nil
}

func (s *blobServer) upgrade(ctx context.Context, c net.Conn) (net.Conn, error) { return c, nil }

// checkErr fails on an error that is not a well-formed protocol error.
func checkErr(t *testing.T, err *Error) {
	t.Helper()
	if err == nil {
		return
	}
	if err.Reason == "" || err.Error() == "" {
		t.Fatalf("malformed error %#v", err)
	}
}

// discardConn swallows writes (reactivation answers) in FuzzServerPDU.
type discardConn struct{ net.Conn }

func (discardConn) Write(b []byte) (int, error) { return len(b), nil }
func (discardConn) Close() error                { return nil }
