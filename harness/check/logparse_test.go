package check

import (
	"strings"
	"testing"
	"time"
)

func TestParseLine(t *testing.T) {
	stamp := time.Date(2026, 11, 25, 3, 20, 48, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want Line
	}{
		{"[20261125-03:20:48] [INFO ] connected client computer name: C7",
			Line{Stamp: stamp, Level: "INFO", Msg: "connected client computer name: C7"}},
		{"[20261125-03:20:48] [ERROR] [pid:123 tid:140234] VNC error - problem connecting\n",
			Line{Stamp: stamp, Level: "ERROR", PID: 123, TID: 140234, Msg: "VNC error - problem connecting"}},
		{"[20261125-03:20:48] [DEBUG] [pid:9 tid:9] [xrdp_mm_connect(xrdp_mm.c:2500)] some problem",
			Line{Stamp: stamp, Level: "DEBUG", PID: 9, TID: 9, Where: "xrdp_mm_connect(xrdp_mm.c:2500)", Msg: "some problem"}},
		// 0.10.1 (Debian trixie), as it logged in a make run.
		{"[2026-11-25T03:20:48.692+0000] [ERROR] [pid:1212 tid:140655076906816] xrdp_mm_chansrv_connect: error in trans_connect chan",
			Line{Stamp: stamp.Add(692 * time.Millisecond), Level: "ERROR", PID: 1212, TID: 140655076906816, Msg: "xrdp_mm_chansrv_connect: error in trans_connect chan"}},
		{"[2026-11-25T04:20:48.000+0100] [INFO ] zone", Line{Stamp: stamp, Level: "INFO", Msg: "zone"}},
		{"[WARN ] no stamp", Line{Level: "WARN", Msg: "no stamp"}},
		{"plain text", Line{Msg: "plain text"}},
		{"[20261399-03:20:48] [INFO ] bad month", Line{Msg: "[20261399-03:20:48] [INFO ] bad month"}},
		{"[20261125-03:20:48] [NOPE ] x", Line{Stamp: stamp, Msg: "[NOPE ] x"}},
		{"[20261125-03:20:48] [INFO ] [pid:x tid:1] m", Line{Stamp: stamp, Level: "INFO", Msg: "[pid:x tid:1] m"}},
		{"[20261125-03:20:48] [INFO ] [not a location] m", Line{Stamp: stamp, Level: "INFO", Msg: "[not a location] m"}},
		{"", Line{}},
	} {
		if got := ParseLine(tc.in); got != tc.want {
			t.Errorf("ParseLine(%q)\n got %+v\nwant %+v", tc.in, got, tc.want)
		}
	}
}

func TestParseReconnectLine(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ReconnectLine
		ok   bool
	}{
		{"1764040848.250000000 start pid=812 user=u3 display=:12",
			ReconnectLine{Time: time.Unix(1764040848, 250000000).UTC(), Phase: "start", PID: 812, User: "u3", Display: 12}, true},
		{"1764040848.5 end pid=812 user=u3 display=:12.0",
			ReconnectLine{Time: time.Unix(1764040848, 500000000).UTC(), Phase: "end", PID: 812, User: "u3", Display: 12}, true},
		{"1764040848 start pid=1 user=u1 display=",
			ReconnectLine{Time: time.Unix(1764040848, 0).UTC(), Phase: "start", PID: 1, User: "u1", Display: -1}, true},
		{"1764040848 begin pid=1", ReconnectLine{}, false},
		{"yesterday start pid=1", ReconnectLine{}, false},
		{"", ReconnectLine{}, false},
	} {
		got, ok := ParseReconnectLine(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseReconnectLine(%q) = %+v %v, want %+v %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseDisplayAndFields(t *testing.T) {
	for in, want := range map[string]int{":10": 10, ":10.0": 10, "host:7.1": 7, "118": 118, ":-1": -1, ":": -1, ":+3": -1, "": -1} {
		d, ok := parseDisplay(in)
		if !ok {
			d = -1
		}
		if d != want {
			t.Errorf("parseDisplay(%q) = %d, want %d", in, d, want)
		}
	}
	if n, ok := intAfter("Timed out waiting for X server on display 118 to startup", "on display "); !ok || n != 118 {
		t.Errorf("intAfter = %d %v", n, ok)
	}
	if w, ok := wordAfter("++ reconnected session: username u3, display :12.0", "username "); !ok || w != "u3" {
		t.Errorf("wordAfter = %q %v", w, ok)
	}
}

// FuzzParseLine: garbage never panics, and what the parser returns is a
// faithful split of its input.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		"[20261125-03:20:48] [INFO ] [pid:123 tid:456] [f(x.c:1)] text",
		"[20261125-03:20:48] [ERROR] VNC error - problem connecting",
		"[", "[]", "[pid:", "[20261125-03:20:48]", "[INFO ] [pid:1 tid:", "\x00\xff[",
		"1764040848.25 start pid=1 user=u display=:1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l := ParseLine(s)
		if !strings.HasSuffix(strings.TrimRight(s, " \t\r\n"), l.Msg) {
			t.Fatalf("Msg %q is not the tail of %q", l.Msg, s)
		}
		if l.PID < 0 || (l.PID == 0 && l.TID != 0) {
			t.Fatalf("pid/tid inconsistent: %+v", l)
		}
		if !l.Stamp.IsZero() && !strings.HasPrefix(s, "[") {
			t.Fatalf("stamp without a leading bracket in %q", s)
		}
		if l.Level != "" && !isLevel(l.Level) {
			t.Fatalf("level %q", l.Level)
		}
		rl, ok := ParseReconnectLine(s)
		if ok && rl.Phase != "start" && rl.Phase != "end" {
			t.Fatalf("phase %q", rl.Phase)
		}
		parseDisplay(s)
		intAfter(s, "display ")
		wordAfter(s, "user=")
	})
}
