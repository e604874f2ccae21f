package harness

import "time"

// ResponseSource says who timed a response.
type ResponseSource string

const (
	// ServerSide: the workload inside the session timed an operation of the
	// desktop (a window shown, typed text run by the shell, a file opened).
	ServerSide ResponseSource = "server"
	// ClientSide: the RDP client timed its input to the first screen update
	// after it.
	ClientSide ResponseSource = "client"
)

// Response is one timed user operation.
type Response struct {
	Time    time.Time      `json:"t"` // when the operation ended
	Target  string         `json:"target"`
	User    string         `json:"user"`
	Display int            `json:"display,omitempty"`
	Source  ResponseSource `json:"src"`
	Op      string         `json:"op"` // terminal-start, type, editor-open, scroll, close, shell, keystroke …
	Dur     time.Duration  `json:"dur"`
	// Err is set when the operation did not complete (timed out, failed);
	// Dur is then how long it ran.
	Err string `json:"err,omitempty"`
}

// LevelMark is one load level of a capacity run: from Start the target held
// Sessions sessions (those that logged in), until End.
type LevelMark struct {
	Target   string    `json:"target"`
	Sessions int       `json:"sessions"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	// Logins and Failed count the level's own logins.
	Logins int `json:"logins"`
	Failed int `json:"failed"`
	// Capped: the level ended at its cap (the capacity load's maxEvery)
	// while the Short sessions still lacked the samples levels wait for
	// (knee.LevelEnd): its figures rest on fewer samples than asked.
	Capped bool     `json:"capped,omitempty"`
	Short  []string `json:"short,omitempty"`
	// Samples are the judged samples the level counted when it ended
	// (workload cycles, or keystrokes), Want those it waited for in all
	// (0: one per session was enough).
	Samples int `json:"samples,omitempty"`
	Want    int `json:"want,omitempty"`
}

// ResponseSink is a Sink that also takes timed responses; the engine's
// does. A target offers responses only to sinks that have this method.
type ResponseSink interface {
	Response(Response)
}

// ScreenStats is what an RDP client received while it was connected: the
// server's frames and graphics updates.
type ScreenStats struct {
	Bytes     int64         `json:"bytes"`
	Updates   int64         `json:"updates"`
	Connected time.Duration `json:"connected"`
	// UpdatesPerSec is the mean rate between the first and last update.
	UpdatesPerSec float64 `json:"updatesPerSec"`
	// FrameAcks says how frame acknowledgements went, e.g. "not
	// negotiated by xrdp's vnc backend" (see fakeclient.FrameAcksVNC);
	// FrameMarkers counts the frame markers received all the same.
	FrameAcks    string `json:"frameAcks,omitempty"`
	FrameMarkers int64  `json:"frameMarkers,omitempty"`
}
