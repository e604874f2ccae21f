package harness

import (
	"fmt"
	"time"
)

// Record is the history of one run: what the clients did, what the faults
// did, what the processes and logs inside each target showed. Checkers read
// only a Record, so a verdict can be recomputed from a saved JSON file.
type Record struct {
	Scenario string    `json:"scenario"`
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended"`
	// LabUp is when the lab was up (containers ready, images already
	// built); a run's own time counts from here. Zero: it never came up.
	LabUp time.Time `json:"labUp,omitzero"`
	// LoadStarted is when the lab was up and watched and the load began;
	// before it there was nothing to watch. Zero: the run never got there.
	LoadStarted time.Time `json:"loadStarted,omitzero"`
	// Partial is set when the run stopped before its plan ended (cancelled,
	// a target crashed, setup failed); Abort says why.
	Partial bool   `json:"partial,omitempty"`
	Abort   string `json:"abort,omitempty"`
	// Notes are things that went wrong without stopping the run (a load
	// executor's error, a sampler stream that broke).
	Notes []string `json:"notes,omitempty"`
	// LoadFailed is set when the load did not run as planned: an executor
	// returned an error (a fault step that could not be injected) or the
	// load was cut at MaxDuration. A note says which and why.
	LoadFailed bool `json:"loadFailed,omitempty"`
	// Config is the run's settings (scenario parameters).
	Config map[string]string `json:"config,omitempty"`

	Targets []TargetInfo  `json:"targets"`
	Ops     []Op          `json:"ops"`
	Faults  []FaultWindow `json:"faults"`
	Procs   []ProcEvent   `json:"procs"`
	Ticks   []Tick        `json:"ticks"`
	Logs    []LogLine     `json:"logs"`
	// Responses are timed user operations: inside the sessions (the
	// workload) and at the client (input to the next screen update).
	Responses []Response `json:"responses,omitempty"`
	// Levels are the load levels a capacity run stepped through.
	Levels []LevelMark `json:"levels,omitempty"`
	// HarnessCPU is the CPU time the harness process itself spent during
	// the load (its clients, the engine, reading the samplers): set against
	// the targets' CPU it shows whether the load side could be the
	// bottleneck.
	HarnessCPU time.Duration `json:"harnessCPU,omitempty"`
	// Panics are panics of executors, faults or watchers that the engine
	// recovered: the run did not happen as planned, so no verdict of it
	// can be valid (see PanicVerdicts).
	Panics []Panic `json:"panics,omitempty"`
}

// Panic is one recovered panic with the goroutine's stack.
type Panic struct {
	Time  time.Time `json:"t"`
	Where string    `json:"where"` // "load reconnect-storm(...)", "fault freeze-sesman", "checker zombies"
	Value string    `json:"value"`
	Stack string    `json:"stack"`
}

// TargetInfo describes one xrdp server of the lab as it was configured.
type TargetInfo struct {
	Name    string `json:"name"`    // node name used by every event of this target
	Version string `json:"version"` // upstream xrdp version, e.g. "0.9.21.1"
	Flavour string `json:"flavour"` // "debian", "source", "host" (ssh) or FlavourFront
	Image   string `json:"image"`
	// Sesman settings that checkers need to judge counts and ports.
	Policy        string `json:"policy"`
	MaxSessions   int    `json:"maxSessions"`
	DisplayOffset int    `json:"displayOffset"`
	Users         int    `json:"users"`
	// SessionProcess is the name sesman's per-session process runs under
	// on this version (containers.Features): "xrdp-sesman" on 0.9.x,
	// "xrdp-sesexec" on 0.10. Empty in a Record made before it was kept:
	// checkers then take either name.
	SessionProcess string `json:"sessionProcess,omitempty"`
	// Config holds every other knob as it was applied (ini overrides, reconnect
	// script timing, resource limits).
	Config map[string]string `json:"config,omitempty"`
	// Layered lists what the harness changed in the operator's own config
	// files (target.config, --config) to run them, read back from the
	// server: empty when the operator gave none or nothing changed.
	Layered []ConfigChange `json:"layered,omitempty"`
}

// FlavourFront is the Flavour of a balancer in front of a fleet's hosts
// (harness/fleet): clients dial it, it has no processes or logs of its own,
// and checkers judge the hosts behind it.
const FlavourFront = "front"

// ConfigChange is one difference between an operator's config file and
// the file the server ran with.
type ConfigChange struct {
	File    string `json:"file"`
	Section string `json:"section,omitempty"`
	Key     string `json:"key,omitempty"`
	// Operator is the operator's value, OperatorSet false when their file
	// lacks the key; Line is its line in their file.
	Operator    string `json:"operator,omitempty"`
	OperatorSet bool   `json:"operatorSet"`
	Line        int    `json:"line,omitempty"`
	// Harness is the value the server ran with (Removed: none).
	Harness string `json:"harness,omitempty"`
	Removed bool   `json:"removed,omitempty"`
	// Note explains a change that is not one key (a wrapped script).
	Note string `json:"note,omitempty"`
}

func (c ConfigChange) String() string {
	switch {
	case c.Note != "":
		return fmt.Sprintf("%s: %s", c.File, c.Note)
	case c.Removed:
		return fmt.Sprintf("%s [%s] %s: %q (line %d) removed", c.File, c.Section, c.Key, c.Operator, c.Line)
	case !c.OperatorSet:
		return fmt.Sprintf("%s [%s] %s: not set → %q", c.File, c.Section, c.Key, c.Harness)
	default:
		return fmt.Sprintf("%s [%s] %s: %q (line %d) → %q", c.File, c.Section, c.Key, c.Operator, c.Line, c.Harness)
	}
}

// Outcome of a client operation, as in Jepsen: ok, fail, or info when the
// client cannot tell whether the server acted (a timeout mid-way).
type Outcome string

const (
	OK   Outcome = "ok"
	Fail Outcome = "fail"
	Info Outcome = "info"
)

// OpKind names what a client operation did.
type OpKind string

const (
	OpLogin      OpKind = "login"      // RDP connect + autologon to a new or existing session
	OpReconnect  OpKind = "reconnect"  // RDP login of a user who had a session before
	OpDisconnect OpKind = "disconnect" // closing the RDP connection (graceful, abrupt, vanish)
	OpSCP        OpKind = "scp"        // SCP v0 session request straight to sesman
	OpRFB        OpKind = "rfb"        // VNC probe of a display's port inside the target
)

// Op is one client operation with its timing and outcome.
type Op struct {
	ID     int    `json:"id"`
	Target string `json:"target"`
	// Via is the balancer in front of a fleet (a target of Flavour
	// FlavourFront) the op went through; Target is then the host behind it
	// that served the connection (fleet.Attribute). Empty: the op dialled
	// Target itself, or no host could be found and Target is the front.
	Via     string    `json:"via,omitempty"`
	User    string    `json:"user"`
	Client  string    `json:"client,omitempty"` // RDP client name; xrdp logs it, so server lines can be matched
	Kind    OpKind    `json:"kind"`
	Style   string    `json:"style,omitempty"` // disconnect style: graceful, abrupt, vanish
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Outcome Outcome   `json:"outcome"`
	// Reason is a short machine-readable cause for fail and info outcomes
	// ("refused", "tls", "server-disconnect", "protocol", "timeout", ...).
	Reason  string `json:"reason,omitempty"`
	Err     string `json:"err,omitempty"`
	Display int    `json:"display"` // display the server reported; -1 when unknown
	// What a session request asked sesman for: colour depth, desktop size
	// and the client_ip string sesman was given ("" for RDP: xrdp passes
	// its peer's address, the same host for every client of a run). Policy
	// keys sessions on these (see check.Leaks). Zero: not a session op, or
	// a record from before these were kept.
	BPP      int     `json:"bpp,omitempty"`
	Width    int     `json:"width,omitempty"`
	Height   int     `json:"height,omitempty"`
	ClientIP string  `json:"clientIP,omitempty"`
	Phases   []Phase `json:"phases,omitempty"`
	// Screen is set on an RDP disconnect: what the client received while
	// the connection was up.
	Screen *ScreenStats `json:"screen,omitempty"`
}

// Duration is End-Start.
func (o Op) Duration() time.Duration { return o.End.Sub(o.Start) }

// Phase is the time one protocol phase of an operation took.
type Phase struct {
	Name string        `json:"name"` // tcp, x224, tls, mcs, login, licensing, capabilities, first-update
	Dur  time.Duration `json:"dur"`
}

// FaultWindow is one injected fault: when it went in and when it was healed.
// Heal is zero when the fault was never healed (the run ended first) or is
// instantaneous (a kill).
type FaultWindow struct {
	Name   string    `json:"name"`
	Target string    `json:"target"`
	Detail string    `json:"detail,omitempty"` // what exactly was hit (pid, port, display)
	Inject time.Time `json:"inject"`
	Heal   time.Time `json:"heal,omitzero"`
	Err    string    `json:"err,omitempty"` // set when injecting or healing failed
}

// ProcEventKind says what changed in a target's process table or sockets.
type ProcEventKind string

const (
	// ProcStart: a process was first seen. PID, PPID, Comm, Args, State and
	// Born (the process start time from /proc) are set.
	ProcStart ProcEventKind = "start"
	// ProcExit: a process was seen no more (it exited and was reaped).
	ProcExit ProcEventKind = "exit"
	// ProcState: a process's state letter changed; a change to "Z" is a new
	// zombie (exited, not reaped by its parent).
	ProcState ProcEventKind = "state"
	// ProcReparent: a process's parent changed (its parent died).
	ProcReparent ProcEventKind = "reparent"
	// ProcExec: a process replaced its program (same pid, new Comm and
	// Args), as sesman's forked children do when they exec Xvnc, chansrv or
	// the window manager.
	ProcExec ProcEventKind = "exec"
	// Listen / Unlisten: a TCP socket in LISTEN state appeared or went away.
	// Port, Addr and, when it could be found, PID are set.
	Listen   ProcEventKind = "listen"
	Unlisten ProcEventKind = "unlisten"
)

// ProcEvent is one change seen by the sampler inside a target. The first
// snapshot of a run is reported as ProcStart/Listen events for everything
// present, so replaying the events in order rebuilds the table at any time.
type ProcEvent struct {
	Time   time.Time     `json:"t"`
	Target string        `json:"target"`
	Kind   ProcEventKind `json:"k"`
	PID    int           `json:"pid,omitempty"`
	PPID   int           `json:"ppid,omitempty"`
	Comm   string        `json:"comm,omitempty"`
	Args   string        `json:"args,omitempty"`
	State  string        `json:"state,omitempty"`
	Born   time.Time     `json:"born,omitzero"`
	Addr   string        `json:"addr,omitempty"`
	Port   int           `json:"port,omitempty"`
}

// Tick is the sampler's periodic heartbeat: it proves the sampler was
// watching (a checker says "unknown" across gaps) and gives cheap series for
// charts.
type Tick struct {
	Time     time.Time     `json:"t"`
	Target   string        `json:"target"`
	Procs    int           `json:"procs"`
	Zombies  int           `json:"zombies"`
	Sessions int           `json:"sessions"` // live Xvnc processes
	Samples  int           `json:"samples"`  // snapshots taken since the previous tick
	CPU      time.Duration `json:"cpu"`      // sampler's own CPU time so far
	// The target's resources from its cgroup and network namespace (zero:
	// not readable): CPU time of all its processes since it started,
	// memory working set (usage minus inactive file cache), tasks, and
	// bytes on its interfaces but loopback.
	TargetCPU time.Duration `json:"cgCPU,omitempty"`
	MemoryWS  int64         `json:"memWS,omitempty"`
	Pids      int           `json:"pids,omitempty"`
	NetRx     int64         `json:"netRx,omitempty"`
	NetTx     int64         `json:"netTx,omitempty"`
	// CPUPeriods and CPUThrottled count the CPU quota's periods since the
	// target started and those it spent throttled, out of quota (zero: no
	// CPU envelope, or not readable).
	CPUPeriods   int64 `json:"cgPeriods,omitempty"`
	CPUThrottled int64 `json:"cgThrottled,omitempty"`
}

// LogSource names the log a line came from.
type LogSource string

const (
	LogXrdp      LogSource = "xrdp"
	LogSesman    LogSource = "sesman"
	LogReconnect LogSource = "reconnect" // lines written by the harness's reconnect script
)

// LogLine is one line of a target's log, stamped when the sampler read it
// (xrdp's own stamps have one-second resolution).
type LogLine struct {
	Time   time.Time `json:"t"`
	Target string    `json:"target"`
	Source LogSource `json:"src"`
	Text   string    `json:"text"`
}
