package fakeclient

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// scriptServer answers the i-th client PDU with replies[i] (nil: nothing),
// then either closes or keeps the connection open, silent.
type scriptServer struct {
	replies [][]byte
	close   bool
}

func (s *scriptServer) dial(ctx context.Context, addr string) (net.Conn, error) {
	client, server := net.Pipe()
	go func() {
		defer server.Close()
		var buf []byte
		for _, r := range s.replies {
			if _, err := readFrame(server, &buf, 1<<16); err != nil {
				return
			}
			if r != nil {
				if _, err := server.Write(r); err != nil {
					return
				}
			}
		}
		if s.close {
			return
		}
		for {
			if _, err := readFrame(server, &buf, 1<<16); err != nil {
				return
			}
		}
	}()
	return client, nil
}

func (s *scriptServer) upgrade(ctx context.Context, c net.Conn) (net.Conn, error) { return c, nil }

var (
	ccSSL     = []byte{3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34, 0, 2, 0x1f, 8, 0, 1, 0, 0, 0}
	ccFailure = []byte{3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34, 0, 3, 0, 8, 0, 5, 0, 0, 0}
	dpum      = disconnectProviderUltimatum(1) // rn-provider-initiated
	garbage   = []byte{3, 0, 0, 9, 2, 0xf0, 0x80, 0x7f, 0x99}
)

func TestOutcomes(t *testing.T) {
	refusedAddr := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close() // nothing listens there now
		return addr
	}()
	tests := []struct {
		name    string
		cfg     Config
		timeout time.Duration
		cancel  bool
		outcome Outcome
		reason  Reason
		phase   string
		code    uint32
		pdu     string
	}{
		{name: "config", cfg: Config{User: "u"}, outcome: Fail, reason: ReasonConfig},
		{name: "refused", cfg: Config{Addr: refusedAddr, User: "u"}, outcome: Fail, reason: ReasonRefused, phase: PhaseTCP},
		{name: "closed before X.224", cfg: Config{transport: &scriptServer{replies: [][]byte{nil}, close: true}},
			outcome: Fail, reason: ReasonRefused, phase: PhaseX224},
		{name: "negotiation failure", cfg: Config{transport: &scriptServer{replies: [][]byte{ccFailure}}},
			outcome: Fail, reason: ReasonNegotiation, phase: PhaseX224, code: 5, pdu: "RDP_NEG_FAILURE"},
		{name: "DPUM instead of Connect Response", cfg: Config{transport: &scriptServer{replies: [][]byte{ccSSL, dpum}}},
			outcome: Fail, reason: ReasonServerDisconnect, phase: PhaseMCS, code: 1, pdu: pduDPUM},
		{name: "DPUM instead of Attach User Confirm", cfg: Config{transport: &scriptServer{replies: [][]byte{ccSSL, connectResponseFrame(t), nil, dpum}}},
			outcome: Fail, reason: ReasonServerDisconnect, phase: PhaseMCS, code: 1, pdu: pduDPUM},
		{name: "garbage Connect Response", cfg: Config{transport: &scriptServer{replies: [][]byte{ccSSL, garbage}}},
			outcome: Fail, reason: ReasonProtocol, phase: PhaseMCS, pdu: "MCS Connect Response"},
		{name: "server closes mid-way", cfg: Config{transport: &scriptServer{replies: [][]byte{ccSSL}, close: true}},
			outcome: Fail, reason: ReasonServerDisconnect, phase: PhaseMCS},
		{name: "silent server", cfg: Config{transport: &scriptServer{replies: [][]byte{ccSSL}}}, timeout: 300 * time.Millisecond,
			outcome: Info, reason: ReasonTimeout, phase: PhaseMCS},
		{name: "cancelled", cfg: Config{transport: &scriptServer{replies: [][]byte{ccSSL}}}, cancel: true,
			outcome: Info, reason: ReasonCancelled, phase: PhaseMCS},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			if cfg.Addr == "" && cfg.transport != nil {
				cfg.Addr, cfg.User = "script:3389", "u"
			}
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			if tc.cancel {
				time.AfterFunc(100*time.Millisecond, cancel)
			}
			c, res := Dial(ctx, cfg)
			if c != nil {
				t.Fatalf("got a connection, want none")
			}
			var e *Error
			if !errors.As(res.Err, &e) {
				t.Fatalf("error %v is not an *Error", res.Err)
			}
			if res.Outcome != tc.outcome || res.Reason != tc.reason || e.Reason != tc.reason {
				t.Fatalf("%s/%s (%v), want %s/%s", res.Outcome, res.Reason, res.Err, tc.outcome, tc.reason)
			}
			if e.Phase != tc.phase {
				t.Errorf("phase %q, want %q (%v)", e.Phase, tc.phase, e)
			}
			if e.Code != tc.code {
				t.Errorf("code %d, want %d (%v)", e.Code, tc.code, e)
			}
			if tc.pdu != "" && e.PDU != tc.pdu {
				t.Errorf("PDU %q, want %q (%v)", e.PDU, tc.pdu, e)
			}
			if e.Reason == ReasonProtocol && e.PDU != "" && e.Offset < 0 && !strings.Contains(e.Error(), "expected") {
				t.Logf("protocol error without offset: %v", e)
			}
		})
	}
}

// connectResponseFrame is the MCS Connect Response from the ok recording.
func connectResponseFrame(t *testing.T) []byte {
	t.Helper()
	for _, fr := range framesOf(t, "replay-login-ok.json") {
		if len(fr) > 9 && fr[7] == 0x7f && fr[8] == 0x66 {
			return fr
		}
	}
	t.Fatal("no Connect Response in the recording")
	return nil
}
