package check

import (
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// The lines as xrdp v0.9.21.1 logs them with sesman on ListenAddress=0.0.0.0
// (measured: chansrv-tcp on 0.9.21.1, xrdp_mm_chansrv_connect retries 4 s
// after "connected ok").
func TestChansrv(t *testing.T) {
	runCases(t, func(c Config) harness.Checker { return Chansrv{Config: c} }, []checkCase{
		{name: "chansrv reached", want: harness.Valid,
			build: func() *builder {
				return newBuilder().
					op(harness.OpLogin, "u1", 0, 2, harness.OK, client("C1")).
					pidLog(0.5, 149, "INFO", "Connected client computer name: C1").
					pidLog(1.5, 149, "INFO", "VNC: Clipboard (if available) is provided by chansrv facility").
					pidLog(1.6, 149, "INFO", "connected ok")
			},
			metrics: map[string]float64{"chansrv_failed_connections": 0}},
		{name: "gave up after 4 tries", want: harness.Invalid,
			build: func() *builder {
				return newBuilder().
					op(harness.OpLogin, "u1", 0, 2, harness.OK, client("C1")).
					op(harness.OpLogin, "u2", 0, 2, harness.OK, client("C2")).
					pidLog(0.5, 149, "INFO", "Connected client computer name: C1").
					pidLog(0.6, 150, "INFO", "Connected client computer name: C2").
					pidLog(1.6, 149, "INFO", "connected ok").
					pidLog(5.6, 149, "WARN", "xrdp_mm_chansrv_connect: connect failed trying again...").
					pidLog(9.6, 149, "WARN", "xrdp_mm_chansrv_connect: connect failed trying again...").
					pidLog(13.6, 149, "WARN", "xrdp_mm_chansrv_connect: connect failed trying again...").
					pidLog(17.6, 149, "WARN", "xrdp_mm_chansrv_connect: connect failed trying again...").
					pidLog(17.6, 149, "ERROR", "xrdp_mm_chansrv_connect: error in trans_connect chan").
					pidLog(6.0, 150, "WARN", "xrdp_mm_chansrv_connect: connect failed trying again...")
			},
			mention: "xrdp process 149, client C1: gave up on chansrv after 4 failed tries (≈ 16.0s frozen)",
			metrics: map[string]float64{"chansrv_failed_connections": 2, "chansrv_gave_up": 1, "chansrv_stall_max_seconds": 16}},
		// 0.10.1 in a reconnect storm (measured 2026-12-01, make run):
		// the user's session was ended while its xrdp connected to
		// chansrv; xrdp gave up after 10 s without a retry line and its
		// VNC server closed the connection at once.
		{name: "gave up as the session ended", want: harness.Valid,
			build: func() *builder {
				return newBuilder().
					op(harness.OpLogin, "u1", 0, 2, harness.OK, client("C1")).
					pidLog(0.5, 1212, "INFO", "Connected client computer name: C1").
					pidLog(2.0, 1212, "INFO", "xrdp_wm_log_msg: Connecting to chansrv").
					pidLog(12.0, 1212, "ERROR", "xrdp_mm_chansrv_connect: error in trans_connect chan").
					pidLog(12.03, 1212, "ERROR", "VNC server closed connection")
			},
			mention: "xrdp process 1212, client C1: gave up on chansrv as its session ended",
			metrics: map[string]float64{"chansrv_failed_connections": 0, "chansrv_session_ended": 1}},
		// Near miss: the VNC connection closed long after giving up (the
		// session ran on without chansrv, as in the trap).
		{name: "gave up, session closed much later", want: harness.Invalid,
			build: func() *builder {
				return newBuilder().
					op(harness.OpLogin, "u1", 0, 2, harness.OK, client("C1")).
					pidLog(0.5, 149, "INFO", "Connected client computer name: C1").
					pidLog(5.6, 149, "WARN", "xrdp_mm_chansrv_connect: connect failed trying again...").
					pidLog(17.6, 149, "ERROR", "xrdp_mm_chansrv_connect: error in trans_connect chan").
					pidLog(40, 149, "ERROR", "VNC server closed connection")
			},
			metrics: map[string]float64{"chansrv_failed_connections": 1, "chansrv_session_ended": 0}},
		{name: "near miss: lines that name chansrv without failing", want: harness.Valid,
			build: func() *builder {
				return newBuilder().
					op(harness.OpLogin, "u1", 0, 2, harness.OK, client("C1")).
					pidLog(1.5, 149, "INFO", "VNC: Clipboard (if available) is provided by chansrv facility").
					pidLog(1.6, 149, "DEBUG", "xrdp_mm_chansrv_connect: chansrv connect successful")
			}},
		{name: "no xrdp log", want: harness.Unknown,
			build: func() *builder {
				return newBuilder().op(harness.OpLogin, "u1", 0, 2, harness.OK, client("C1"))
			}},
	})
}
