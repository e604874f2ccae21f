package agent

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

func TestDecode(t *testing.T) {
	ts := time.Date(2026, 11, 25, 3, 28, 28, 123456789, time.UTC)
	tests := []struct {
		line string
		want Event
	}{
		{
			line: `{"t":"2026-11-25T03:28:28.123456789Z","k":"start","pid":279,"ppid":277,"comm":"Xvnc","args":"Xvnc :10 -localhost","state":"S","born":"2026-11-25T03:28:28.5Z"}`,
			want: Event{Proc: &harness.ProcEvent{Time: ts, Kind: harness.ProcStart, PID: 279, PPID: 277, Comm: "Xvnc",
				Args: "Xvnc :10 -localhost", State: "S", Born: time.Date(2026, 11, 25, 3, 28, 28, 5e8, time.UTC)}},
		},
		{
			line: `{"t":"2026-11-25T03:28:28.123456789Z","k":"state","pid":300,"ppid":249,"comm":"reconnectwm.sh","state":"Z"}`,
			want: Event{Proc: &harness.ProcEvent{Time: ts, Kind: harness.ProcState, PID: 300, PPID: 249, Comm: "reconnectwm.sh", State: "Z"}},
		},
		{
			line: `{"t":"2026-11-25T03:28:28.123456789Z","k":"exec","pid":300,"ppid":249,"comm":"reconnectwm.sh","args":"/bin/sh /etc/xrdp/reconnectwm.sh"}`,
			want: Event{Proc: &harness.ProcEvent{Time: ts, Kind: ProcExec, PID: 300, PPID: 249, Comm: "reconnectwm.sh", Args: "/bin/sh /etc/xrdp/reconnectwm.sh"}},
		},
		{
			line: `{"t":"2026-11-25T03:28:28.123456789Z","k":"listen","pid":400,"comm":"xrdp-harness-ag","addr":"0.0.0.0","port":6018}`,
			want: Event{Proc: &harness.ProcEvent{Time: ts, Kind: harness.Listen, PID: 400, Comm: "xrdp-harness-ag", Addr: "0.0.0.0", Port: 6018}},
		},
		{
			line: `{"t":"2026-11-25T03:28:28.123456789Z","k":"tick","procs":12,"zombies":1,"sessions":2,"samples":10,"cpu":1500000}`,
			want: Event{Tick: &harness.Tick{Time: ts, Procs: 12, Zombies: 1, Sessions: 2, Samples: 10, CPU: 1500 * time.Microsecond}},
		},
		{
			line: `{"t":"2026-11-25T03:28:28.123456789Z","k":"log","src":"sesman","text":"[INFO ] ++ created session"}`,
			want: Event{Log: &harness.LogLine{Time: ts, Source: harness.LogSesman, Text: "[INFO ] ++ created session"}},
		},
		{
			line: `{"t":"2026-11-25T03:28:28.123456789Z","k":"hello","v":1,"pid":55,"interval":100000000,"sockets":"netlink","zombieSignal":"cgroup","root":"/proc"}` + "\n",
			want: Event{Hello: &Hello{Time: ts, Wire: 1, PID: 55, Interval: 100 * time.Millisecond, Sockets: "netlink", ZombieSignal: "cgroup", Root: "/proc"}},
		},
		{
			line: `{"t":"2026-11-25T03:28:28.123456789Z","k":"warn","text":"open log /x: permission denied"}`,
			want: Event{Warn: &Warning{Time: ts, Text: "open log /x: permission denied"}},
		},
	}
	for _, tt := range tests {
		got, err := Decode([]byte(tt.line))
		if err != nil {
			t.Fatalf("Decode(%s): %v", tt.line, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Fatalf("Decode(%s)\n got %+v\nwant %+v", tt.line, describe(got), describe(tt.want))
		}
		if !got.Time().Equal(ts) {
			t.Fatalf("Time() = %v, want %v", got.Time(), ts)
		}
		got.SetTarget("xrdp-0")
		if got.Proc != nil && got.Proc.Target != "xrdp-0" || got.Tick != nil && got.Tick.Target != "xrdp-0" || got.Log != nil && got.Log.Target != "xrdp-0" {
			t.Fatalf("SetTarget did not stamp %+v", describe(got))
		}
	}
}

func describe(e Event) any {
	switch {
	case e.Proc != nil:
		return *e.Proc
	case e.Tick != nil:
		return *e.Tick
	case e.Log != nil:
		return *e.Log
	case e.Hello != nil:
		return *e.Hello
	case e.Warn != nil:
		return *e.Warn
	}
	return nil
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ line, want string }{
		{`not json`, "invalid character"},
		{`{"t":"2026-11-25T03:28:28Z"}`, `no "k" field`},
		{`{"k":"banana"}`, `unknown kind "banana"`},
		{`{"k":"tick","procs":"many"}`, "decode tick line"},
		{`{"k":"start","t":"yesterday"}`, "decode start line"},
	}
	for _, tt := range tests {
		_, err := Decode([]byte(tt.line))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Decode(%s) err = %v, want %q", tt.line, err, tt.want)
		}
	}
}

func TestSampleArgs(t *testing.T) {
	got := SampleArgs{
		Interval:  50 * time.Millisecond,
		Logs:      map[string]string{"xrdp": "/var/log/xrdp.log", "sesman": "/var/log/xrdp-sesman.log"},
		AllStates: true,
	}.Argv()
	want := []string{DefaultBin, "sample", "-interval", "50ms",
		"-log", "sesman=/var/log/xrdp-sesman.log", "-log", "xrdp=/var/log/xrdp.log", "-all-states"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Argv = %q, want %q", got, want)
	}
	if got := (SampleArgs{Bin: "/a"}).Argv(); !reflect.DeepEqual(got, []string{"/a", "sample"}) {
		t.Fatalf("Argv of zero config = %q", got)
	}
}

func TestTailKeepsTheFirstBytes(t *testing.T) {
	tail := &Tail{N: 5}
	for _, s := range []string{"  ab", "cdef", "gh"} {
		if n, err := tail.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v: a tail takes every byte it is given", s, n, err)
		}
	}
	if got := tail.String(); got != "abc" {
		t.Fatalf("String() = %q, want the first 5 bytes trimmed, %q", got, "abc")
	}
	if err := StreamEnded(nil, tail); !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "(stderr: abc)") {
		t.Fatalf("StreamEnded = %v", err)
	}
}
