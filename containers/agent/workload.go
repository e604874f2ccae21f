package agent

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// LogWorkload is the log source of the workload's lines: the sampler
// follows the workload's output file like a log, and Watch turns its lines
// into harness.Responses.
const LogWorkload harness.LogSource = "workload"

// DecodeResponse reads one line the agent's workload wrote (one timed
// operation inside a session).
func DecodeResponse(line string) (harness.Response, error) {
	var l struct {
		T       time.Time `json:"t"`
		User    string    `json:"user"`
		Display int       `json:"display"`
		Op      string    `json:"op"`
		Dur     int64     `json:"dur"`
		Err     string    `json:"err"`
	}
	if err := json.Unmarshal([]byte(line), &l); err != nil {
		return harness.Response{}, fmt.Errorf("agent: decode workload line %.80q: %w", line, err)
	}
	if l.Op == "" || l.T.IsZero() || l.Dur < 0 {
		return harness.Response{}, fmt.Errorf("agent: decode workload line %.80q: want t, op and dur ≥ 0", line)
	}
	return harness.Response{Time: l.T, User: l.User, Display: l.Display, Source: harness.ServerSide,
		Op: l.Op, Dur: time.Duration(l.Dur), Err: l.Err}, nil
}
