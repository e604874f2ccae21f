package check

import (
	"fmt"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// pidLog adds an xrdp line as written with EnableProcessId=true.
func (b *builder) pidLog(s float64, pid int, level, text string) *builder {
	return b.log(s, harness.LogXrdp, fmt.Sprintf("[%s] [%-5s] [pid:%d tid:%d] %s", at(s).Format(stampLayout), level, pid, 1000+pid, text))
}

func TestVNCErrors(t *testing.T) {
	runCases(t, func(c Config) harness.Checker { return VNCErrors{Config: c} }, []checkCase{
		{name: "clean connections", want: harness.Valid,
			build: func() *builder {
				return newBuilder().
					op(harness.OpLogin, "u1", 0, 2, harness.OK, client("C1")).
					xrdpLog(0.5, "Connected client computer name: C1").
					xrdpLog(1.0, "VNC connecting to 127.0.0.1 5910").
					xrdpLog(1.5, "VNC connection complete, connected ok").
					xrdpLog(1.6, "connected ok")
			},
			metrics: map[string]float64{"vnc_errors": 0, "rdp_connections": 1}},
		{name: "near miss: harmless lines that look alike", want: harness.Valid,
			build: func() *builder {
				return newBuilder().
					op(harness.OpLogin, "u1", 0, 2, harness.OK, client("C1")).
					xrdpLog(0.5, "connected client computer name: C1").
					xrdpLog(1.0, "handled some problem earlier, recovered").
					xrdpLog(1.1, "VNC server resize failed - error code 1 [Resize is administratively prohibited]").
					xrdpLog(1.2, "login successful for user u1 on display 10")
			}},
		{name: "by pid: the error belongs to its process, not the latest connection", want: harness.Invalid,
			build: func() *builder {
				return newBuilder().
					op(harness.OpLogin, "u1", 0, 5, harness.OK, client("C1")).
					op(harness.OpReconnect, "u2", 0, 5, harness.Fail, client("C2"), reason("server-disconnect")).
					pidLog(0.3, 201, "INFO", "Connected client computer name: C2").
					pidLog(0.4, 200, "INFO", "Connected client computer name: C1").
					pidLog(2.0, 201, "ERROR", "VNC error - problem connecting").
					pidLog(2.1, 201, "INFO", "some problem")
			},
			mention: "client C2, user u2, op 2 (reconnect fail/server-disconnect), matched by pid",
			metrics: map[string]float64{"vnc_errors": 2, "vnc_errors_unmatched": 0}},
		{name: "by time: the op window that holds the error", want: harness.Invalid,
			build: func() *builder {
				return newBuilder().
					op(harness.OpLogin, "u1", 0, 10, harness.OK, client("C1")).
					op(harness.OpLogin, "u2", 1, 3, harness.OK, client("C2")).
					xrdpLog(0.5, "Connected client computer name: C1").
					xrdpLog(1.5, "Connected client computer name: C2").
					xrdpLog(6, "VNC error - problem connecting")
			},
			mention: "client C1, user u1, op 1"},
		{name: "by time: a reused client name picks the op of the moment", want: harness.Invalid,
			build: func() *builder {
				return newBuilder().
					op(harness.OpLogin, "u1", 0, 3, harness.OK, client("C1")).
					op(harness.OpReconnect, "u1", 10, 13, harness.Fail, client("C1")).
					xrdpLog(0.5, "Connected client computer name: C1").
					xrdpLog(10.2, "Connected client computer name: C1").
					xrdpLog(11, "Error connecting to user session")
			},
			mention: "op 2 (reconnect fail)"},
		{name: "an error no connection explains", want: harness.Invalid,
			build: func() *builder {
				return newBuilder().
					op(harness.OpLogin, "u1", 0, 3, harness.OK, client("C1")).
					xrdpLog(0.5, "Connected client computer name: C1").
					xrdpLog(20, "VNC error - problem connecting")
			},
			mention: "no connection matched", metrics: map[string]float64{"vnc_errors_unmatched": 1}},
		{name: "RDP ops but no xrdp log", want: harness.Unknown,
			build: func() *builder {
				return newBuilder().op(harness.OpLogin, "u1", 0, 3, harness.OK, client("C1"))
			}},
		{name: "SCP-only run without xrdp log", want: harness.Valid,
			build: func() *builder {
				return newBuilder().op(harness.OpSCP, "u1", 0, 1, harness.OK)
			}},
	})
}

func TestVNCErrorKind(t *testing.T) {
	for msg, want := range map[string]string{
		"VNC error - problem connecting":            "problem connecting",
		"VNC error before sending share flag":       "vnc error",
		"VNC password failed":                       "vnc password",
		"some problem":                              "some problem",
		"Error connecting to user session":          "session connect",
		"VNC connection complete, connected ok":     "",
		"some problematic thing":                    "",
		"Error connecting to PAM":                   "",
		"connected client computer name: VNC error": "", // a client may call itself anything
	} {
		if got := vncErrorKind(msg); got != want {
			t.Errorf("vncErrorKind(%q) = %q, want %q", msg, got, want)
		}
	}
}
