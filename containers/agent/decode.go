package agent

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// ProcExec is harness.ProcExec, kept under the agent's name for readers
// of the wire format.
const ProcExec = harness.ProcExec

// Event is one decoded line: exactly one field is set.
type Event struct {
	Proc  *harness.ProcEvent
	Tick  *harness.Tick
	Log   *harness.LogLine
	Hello *Hello
	Warn  *Warning
}

// Hello is the agent's first line: who it is and how it samples.
type Hello struct {
	Time     time.Time     `json:"t"`
	Wire     int           `json:"v"`   // wire format version
	PID      int           `json:"pid"` // the agent's pid inside the target
	Interval time.Duration `json:"interval"`
	Sockets  string        `json:"sockets"` // "netlink" or "procfs"
	// ZombieSignal is how zombie candidates are found between the
	// once-a-second full reads: "cgroup", "statm" or "stat" (every read).
	ZombieSignal string `json:"zombieSignal"`
	Root         string `json:"root"`
}

// Warning is a non-fatal problem the agent reports on the stream.
type Warning struct {
	Time time.Time `json:"t"`
	Text string    `json:"text"`
}

// Decode parses one line of `xrdp-harness-agent sample` output.
func Decode(line []byte) (Event, error) {
	var head struct {
		K string `json:"k"`
	}
	if err := json.Unmarshal(line, &head); err != nil {
		return Event{}, fmt.Errorf("agent: decode line %.80q: %w", line, err)
	}
	var ev Event
	var dst any
	switch head.K {
	case string(harness.ProcStart), string(harness.ProcExit), string(harness.ProcState),
		string(harness.ProcReparent), string(harness.Listen), string(harness.Unlisten), string(ProcExec):
		ev.Proc = &harness.ProcEvent{}
		dst = ev.Proc
	case "tick":
		ev.Tick = &harness.Tick{}
		dst = ev.Tick
	case "log":
		ev.Log = &harness.LogLine{}
		dst = ev.Log
	case "hello":
		ev.Hello = &Hello{}
		dst = ev.Hello
	case "warn":
		ev.Warn = &Warning{}
		dst = ev.Warn
	case "":
		return Event{}, fmt.Errorf("agent: decode line %.80q: no \"k\" field", line)
	default:
		return Event{}, fmt.Errorf("agent: decode line %.80q: unknown kind %q", line, head.K)
	}
	if err := json.Unmarshal(line, dst); err != nil {
		return Event{}, fmt.Errorf("agent: decode %s line %.80q: %w", head.K, line, err)
	}
	return ev, nil
}

// Time is when the agent saw the event.
func (e Event) Time() time.Time {
	switch {
	case e.Proc != nil:
		return e.Proc.Time
	case e.Tick != nil:
		return e.Tick.Time
	case e.Log != nil:
		return e.Log.Time
	case e.Hello != nil:
		return e.Hello.Time
	case e.Warn != nil:
		return e.Warn.Time
	}
	return time.Time{}
}

// SetTarget stamps the target name on the harness record types.
func (e Event) SetTarget(name string) {
	switch {
	case e.Proc != nil:
		e.Proc.Target = name
	case e.Tick != nil:
		e.Tick.Target = name
	case e.Log != nil:
		e.Log.Target = name
	}
}
