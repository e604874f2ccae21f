package reports

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness/knee"
)

// Knee is a response-time capacity figure: the levels a capacity run
// stepped through with the responses its users met, the Login VSI 4.1
// baseline, the threshold, the knee, what each session costs and what that
// means for nodes of other sizes.
type Knee struct {
	// Figure says it in words: "6 sessions (…)", "not reached up to 12
	// sessions (a lower bound)", "fails at the first level (…)".
	Figure string `json:"figure"`
	// Reached: a level went past the knee and Sessions is the last level
	// under it; otherwise Sessions is a lower bound.
	Reached   bool          `json:"reached"`
	Sessions  int           `json:"sessions"`
	Baseline  time.Duration `json:"baseline"`
	Threshold time.Duration `json:"threshold"`
	// Over is the index in Levels of the first level past the knee (-1:
	// none); Why what broke there.
	Over     int         `json:"over"`
	Why      string      `json:"why,omitempty"`
	Envelope string      `json:"envelope,omitempty"` // the target's limits, e.g. "cpus=1 memory=4096MB"
	Levels   []KneeLevel `json:"levels"`
	// CPU (cores) and Memory (MiB) per session: a least-squares line over
	// the levels up to the first past the knee.
	CPU         CostFit      `json:"cpu"`
	Memory      CostFit      `json:"memory"`
	Projections []Projection `json:"projections,omitempty"`
	// HarnessCPUShare is the harness process's CPU during the load over the
	// target's (0: not measured); the load side must stay far below 1.
	HarnessCPUShare float64 `json:"harnessCPUShare,omitempty"`
	// FrameAcks is how the RDP clients' frame acknowledgements went (e.g.
	// "not negotiated by xrdp's vnc backend"), FrameMarkers the frame
	// markers they received all the same, over ScreenClients clients that
	// reported their screen ("" and 0: no RDP client reported).
	// BaselineNote warns when the baseline is above the lowest judged
	// level's own response ("" otherwise): see baselineNote.
	BaselineNote string `json:"baselineNote,omitempty"`
	// EnvelopeNote warns when the level past the knee was hardly throttled
	// by the CPU envelope ("" otherwise): see envelopeNote.
	EnvelopeNote string `json:"envelopeNote,omitempty"`
	// SaturatedNote warns when the first judged level already ran out of
	// its CPU quota ("" otherwise): see saturatedNote.
	SaturatedNote string `json:"saturatedNote,omitempty"`
	FrameAcks     string `json:"frameAcks,omitempty"`
	FrameMarkers  int64  `json:"frameMarkers"`
	ScreenClients int    `json:"screenClients,omitempty"`
}

// FrameAcksText is the report's line on frame acknowledgements ("" when no
// client reported its screen).
func (k *Knee) FrameAcksText() string {
	if k.FrameAcks == "" {
		return ""
	}
	return fmt.Sprintf("Frame acknowledgements: %s (%d RDP clients reported their screen; %d frame markers received)",
		k.FrameAcks, k.ScreenClients, k.FrameMarkers)
}

// KneeLevel is one level of a knee run.
type KneeLevel struct {
	Sessions     int       `json:"sessions"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	Logins       int       `json:"logins"`
	FailedLogins int       `json:"failedLogins"`
	// Capped: the level ended at its cap (the load's maxEvery) while the
	// Short sessions had not yet run a workload cycle (or timed a
	// keystroke) inside it: its figures rest on fewer samples than asked.
	Capped bool     `json:"capped,omitempty"`
	Short  []string `json:"short,omitempty"`
	// Samples and Want: the judged cycles (or keystrokes) the level counted
	// and those it waited for in all (0: one per session).
	Samples int `json:"samples,omitempty"`
	Want    int `json:"want,omitempty"`
	// Responses and Errors count the workload's operations in the level;
	// Avg is their mean, Client the mean client-side keystroke response.
	Responses     int           `json:"responses"`
	Errors        int           `json:"errors"`
	Avg           time.Duration `json:"avg"`
	Client        time.Duration `json:"client"`
	ClientSamples int           `json:"clientSamples"`
	ErrorRate     float64       `json:"errorRate"`
	CPUCores      float64       `json:"cpuCores"`
	MemoryMiB     float64       `json:"memoryMiB"`
	Pids          float64       `json:"pids"`
	NetRxBps      float64       `json:"netRxBps"`
	NetTxBps      float64       `json:"netTxBps"`
	// Periods and Throttled: the CPU quota periods of the level and the
	// share of them the target spent throttled (0: no CPU envelope or not
	// measured).
	Periods   int64   `json:"periods,omitempty"`
	Throttled float64 `json:"throttled,omitempty"`
	Over      bool    `json:"over"` // past the knee
	// PerSession is each session's own responses in the level, by user.
	PerSession []KneeSession `json:"perSession,omitempty"`
}

// KneeSession is one session's responses in one level: its workload's
// operations (server side, after its warm-up cycle) and its client's
// keystrokes (end to end).
type KneeSession struct {
	User string `json:"user"`
	// Response is the session's own response, summed over the operations
	// like the level's avg (its baseline for an operation it has no sample
	// of): comparable with the limit. Zero: no judged operation.
	Response time.Duration `json:"response"`
	Server   ResponseDist  `json:"server"`
	Client   ResponseDist  `json:"client"`
}

// ResponseDist is a count of responses with the mean and p90 of the
// successful ones; Errors counts the failed ones.
type ResponseDist struct {
	N      int           `json:"n"`
	Errors int           `json:"errors"`
	Mean   time.Duration `json:"mean"`
	P90    time.Duration `json:"p90"`
}

func responseDist(d knee.Dist) ResponseDist {
	return ResponseDist{N: d.N, Errors: d.Errors, Mean: d.Mean, P90: d.P90}
}

// Slowest is the user whose response (its server-side mean when the
// response is unknown) is the level's highest, when it is at least 1.5 ×
// the level's median session ("" otherwise): the session an operator looks
// at first.
func (l KneeLevel) Slowest() string {
	var means []time.Duration
	top, who := time.Duration(0), ""
	for _, s := range l.PerSession {
		if s.Server.N == 0 {
			continue
		}
		v := s.Response
		if v == 0 {
			v = s.Server.Mean
		}
		means = append(means, v)
		if v > top {
			top, who = v, s.User
		}
	}
	if len(means) < 2 {
		return ""
	}
	slices.Sort(means)
	if med := means[(len(means)-1)/2]; float64(top) < 1.5*float64(med) {
		return ""
	}
	return who
}

// CostFit is the marginal cost per session: y = Fixed + PerSession·sessions,
// with its R² (both 0 and Points < 2 when it could not be fitted).
type CostFit struct {
	PerSession float64 `json:"perSession"`
	Fixed      float64 `json:"fixed"`
	R2         float64 `json:"r2"`
	Points     int     `json:"points"`
	Valid      bool    `json:"valid"`
}

// Projection is how many sessions a node of a size holds.
type Projection struct {
	Node      string  `json:"node"`
	Cores     float64 `json:"cores"`
	MemGiB    float64 `json:"memGiB"`
	Sessions  int     `json:"sessions"`
	LimitedBy string  `json:"limitedBy"` // CPU or memory; "" when no fit
	ByCPU     int     `json:"byCPU"`     // -1: unknown
	ByMemory  int     `json:"byMemory"`
	Text      string  `json:"text"`
}

func costFit(f knee.Fit) CostFit {
	if !f.Valid() || math.IsNaN(f.R2) {
		return CostFit{Points: f.N}
	}
	return CostFit{PerSession: f.Slope, Fixed: f.Intercept, R2: f.R2, Points: f.N, Valid: true}
}

// NewKnee turns the arithmetic's result into the report's figure, with a
// projection per node.
func NewKnee(r knee.Result, envelope string, envelopeCores float64, nodes []knee.Node) *Knee {
	k := &Knee{Figure: r.Figure(), Reached: r.Reached, Sessions: r.Knee, Baseline: r.Baseline, Threshold: r.Threshold,
		Over: r.Over, Why: r.Why, Envelope: envelope, CPU: costFit(r.CPU), Memory: costFit(r.Memory), Levels: []KneeLevel{}}
	for i, l := range r.Levels {
		var per []KneeSession
		for _, s := range l.PerSession {
			per = append(per, KneeSession{User: s.User, Response: s.Response, Server: responseDist(s.Server), Client: responseDist(s.Client)})
		}
		k.Levels = append(k.Levels, KneeLevel{PerSession: per, Sessions: l.Sessions, Start: l.Start, End: l.End, Logins: l.Logins,
			FailedLogins: l.FailedLogins, Capped: l.Capped, Short: l.Short, Samples: l.Samples, Want: l.Want, Responses: l.Responses, Errors: l.Errors, Avg: l.Avg, Client: l.Client,
			ClientSamples: l.ClientSamples, ErrorRate: l.ErrorRate(), CPUCores: l.CPUCores, MemoryMiB: l.MemoryMiB,
			Pids: l.Pids, NetRxBps: l.NetRxBps, NetTxBps: l.NetTxBps, Periods: l.Periods, Throttled: l.Throttled, Over: r.Over >= 0 && i >= r.Over})
	}
	k.BaselineNote = baselineNote(r)
	k.EnvelopeNote = envelopeNote(r, envelopeCores)
	k.SaturatedNote = saturatedNote(r)
	for _, n := range nodes {
		p := knee.Project(r, n, envelopeCores)
		k.Projections = append(k.Projections, Projection{Node: n.Name, Cores: n.Cores, MemGiB: n.MemGiB,
			Sessions: p.Sessions, LimitedBy: p.LimitedBy, ByCPU: p.ByCPU, ByMemory: p.ByMemory, Text: p.String()})
	}
	return k
}

// Capacity fills the older login-level view from the knee, so every report
// format shows the run.
func (k *Knee) Capacity() *Capacity {
	c := &Capacity{Sessions: k.Sessions, Knee: k}
	if k.Reached {
		c.Limit = k.Why
	}
	for _, l := range k.Levels {
		c.Levels = append(c.Levels, CapacityLevel{Sessions: l.Sessions, P50: l.Avg, P99: l.Avg, ErrorRate: l.ErrorRate,
			MemoryMB: l.MemoryMiB * (1 << 20) / 1e6, Held: !l.Over, Why: map[bool]string{true: "past the knee"}[l.Over]})
	}
	return c
}

// baselineNote says when the baseline came out more than 10% above the
// first judged level's response: the baseline sums each operation's 15 lowest samples
// of the whole test (minus 2), so when the first level holds fewer than 15
// of an operation, samples of loaded levels enter it and the limit rises
// with them. Longer first levels (a higher every) give it more samples.
func baselineNote(r knee.Result) string {
	for _, l := range r.Levels {
		if l.Responses == 0 || l.Avg <= 0 {
			continue
		}
		// Dropping the 2 lowest puts a baseline of one level's samples a
		// little above that level's mean: only a clear gap is flagged.
		if float64(r.Baseline) <= 1.1*float64(l.Avg) {
			return ""
		}
		fewest, op := -1, ""
		for name, m := range l.PerOp {
			if fewest < 0 || m.N < fewest || (m.N == fewest && name < op) {
				fewest, op = m.N, name
			}
		}
		why := ""
		if fewest >= 0 && fewest < 15 {
			why = fmt.Sprintf(": that level held as few as %d samples of %s, fewer than the 15 lowest the baseline takes, so samples of loaded levels entered it", fewest, op)
		}
		return fmt.Sprintf("the baseline (%s) is above the %d-session level's own response (%s)%s; the limit is higher than an unloaded baseline would give",
			fmtDur(r.Baseline), l.Sessions, fmtDur(l.Avg), why)
	}
	return ""
}

// throttledBound is the share of its CPU quota periods below which the
// level past the knee was not held back by the envelope. Average cores
// cannot tell: a workload of bursts (a terminal starting, an editor
// opening) queues on its quota at 0.6 of a core, and a target that waits
// on something else (other work on the host: the envelope caps the
// target's CPU, it does not reserve it) shows the same average. The
// cgroup says which: a target the envelope holds back is throttled in
// the periods its bursts run out of quota.
const throttledBound = 0.05

// envelopeNote says when the knee was reached while the CPU envelope did
// not hold the target back: the level past it was throttled in fewer than
// throttledBound of its quota periods. "" when the knee was not reached,
// no CPU envelope was set or throttling was not measured.
func envelopeNote(r knee.Result, envelopeCores float64) string {
	if !r.Reached || r.Over < 0 || r.Over >= len(r.Levels) || envelopeCores <= 0 {
		return ""
	}
	l := r.Levels[r.Over]
	if l.Periods == 0 || l.Throttled >= throttledBound {
		return ""
	}
	return fmt.Sprintf("the %d-session level past the knee was throttled in %.1f%% of its CPU quota periods "+
		"(%.2f of the envelope's %g cores in use): the envelope did not hold the target back, so something else "+
		"set the knee — other work on this host (the envelope caps the target's CPU, it does not reserve it), I/O, "+
		"or the desktop's own waits; run it again on an idle host before projecting it",
		l.Sessions, 100*l.Throttled, l.CPUCores, envelopeCores)
}

// saturatedBound is the share of its CPU quota periods throttled from which
// a level is taken as saturated: the envelope held it back most of the time.
// Measured on 0.9.21.1 with the default workload (2026-12-01): the first
// level of two Xfce users was throttled in 36–59% of its periods in one
// core (knees at 2 and 4 sessions) and in 88% in half a core.
const saturatedBound = 0.8

// saturatedNote says when the first judged level was already saturated:
// the Login VSI baseline is then a loaded response, and every level after
// it is judged against a limit that saturation already raised, so the knee
// says little (in half a core the knee came out at the same 2 sessions as
// in one core, and its projection at twice the cores' one).
func saturatedNote(r knee.Result) string {
	for _, l := range r.Levels {
		if l.Responses == 0 {
			continue
		}
		if l.Periods == 0 || l.Throttled < saturatedBound {
			return ""
		}
		return fmt.Sprintf("the first judged level (%d sessions) was throttled in %.0f%% of its CPU quota periods: the "+
			"envelope was saturated before the test had an unloaded level, so the baseline (%s) is a loaded response and "+
			"the knee and its projection are not to be trusted; start lower (a smaller step) or give the target more CPU",
			l.Sessions, 100*l.Throttled, fmtDur(r.Baseline))
	}
	return ""
}

// CappedNote says what a level that ended at its cap lacked ("" for a
// level that ended on its samples).
func (l KneeLevel) CappedNote() string {
	if !l.Capped {
		return ""
	}
	short := fmt.Sprintf("%d judged samples of the %d it waits for in all", l.Samples, l.Want)
	if len(l.Short) > 0 {
		short = fmt.Sprintf("%d session(s) short of a judged sample (a workload cycle run inside the level, or a keystroke): %s",
			len(l.Short), strings.Join(l.Short, ", "))
	}
	return fmt.Sprintf("the %d-session level ended at its cap after %s with %s; its figures rest on fewer samples",
		l.Sessions, fmtDur(l.End.Sub(l.Start).Round(time.Second)), short)
}

func fmtCost(f CostFit, unit string) string {
	if !f.Valid {
		return fmt.Sprintf("not fitted (%d levels)", f.Points)
	}
	return fmt.Sprintf("%.3g %s per session + %.3g fixed (R² %.2f over %d levels)", f.PerSession, unit, f.Fixed, f.R2, f.Points)
}

// CPUText is the level's cores in use, with the share of its CPU quota
// periods it was throttled in when measured: "0.61" or "0.61 (12% throttled)".
func (l KneeLevel) CPUText() string {
	if l.Periods == 0 {
		return fmt.Sprintf("%.2f", l.CPUCores)
	}
	return fmt.Sprintf("%.2f (%.0f%% throttled)", l.CPUCores, 100*l.Throttled)
}
