package knee

import (
	"fmt"
	"time"
)

// Level is what one load level measured.
type Level struct {
	Sessions int // sessions held during the level
	Start    time.Time
	End      time.Time
	// Logins and FailedLogins are the level's own logins.
	Logins, FailedLogins int
	// Capped: the level ended at its cap while the Short sessions still
	// lacked the samples levels wait for (LevelEnd).
	Capped bool
	Short  []string
	// Samples and Want: the judged samples the level counted and those it
	// waited for in all (LevelEnd.Total).
	Samples, Want int
	// Responses counts the timed operations of the level's window (every
	// session's), Errors those that failed or timed out.
	Responses, Errors int
	// Avg is the level's server-side response (inside the sessions): with
	// PerOp, the sum over the workload's operations of each one's mean in
	// the level (Login VSI's VSI response sums one loop's actions the same
	// way); Analyze fills it. Client is the mean client-side one (input to
	// the next screen update). Zero: no samples.
	Avg, Client time.Duration
	// PerOp holds each operation's mean and count in the level.
	PerOp         map[string]OpMean
	ClientSamples int
	// PerSession is each session's responses in the level, by user.
	PerSession []SessionLevel
	// Resources of the target over the level's window (zero: not measured).
	CPUCores  float64 // mean cores in use
	MemoryMiB float64 // mean working set
	Pids      float64 // mean tasks
	NetRxBps  float64 // bytes per second in
	NetTxBps  float64 // bytes per second out
	// Periods is how many CPU quota periods the level's window held (zero:
	// no CPU envelope or not measured), Throttled the share of them in
	// which the target ran out of quota and waited: how hard the envelope
	// held it back.
	Periods   int64
	Throttled float64
}

// OpMean is one operation's mean over a level.
type OpMean struct {
	Mean time.Duration
	N    int
}

// Samples are every successful server-side response of a run, by
// operation.
type Samples map[string][]time.Duration

// Baselines are each operation's Login VSI 4.1 baseline, and Total their
// sum: the baseline of a level's summed response.
func (s Samples) Baselines() (per map[string]time.Duration, total time.Duration) {
	per = map[string]time.Duration{}
	for op, ds := range s {
		if b, ok := Baseline(ds); ok {
			per[op] = b
			total += b
		}
	}
	return per, total
}

// summed is a level's response: each operation's mean in the level, or its
// baseline when the level has no sample of it (an operation still running
// when the level ended times out later, and counts as an error then).
func summed(l Level, base map[string]time.Duration) time.Duration {
	var sum time.Duration
	for op, b := range base {
		if m, ok := l.PerOp[op]; ok && m.N > 0 {
			sum += m.Mean
		} else {
			sum += b
		}
	}
	return sum
}

// ErrorRate is the share of the level's logins and operations that failed.
func (l Level) ErrorRate() float64 {
	n := l.Logins + l.Responses
	if n == 0 {
		return 0
	}
	return float64(l.FailedLogins+l.Errors) / float64(n)
}

// Rule is when a level is past the knee.
type Rule struct {
	// Threshold over the baseline (zero: 1s, Login VSI's VSImax v4 figure).
	Threshold time.Duration
	// MaxErrorRate of a level's logins and operations (zero: none may fail).
	MaxErrorRate float64
	// NeedResponses makes a level without any response past the knee (a
	// workload was running but nothing completed) once an earlier level
	// had responses; before that there is nothing to judge.
	NeedResponses bool
}

func (r Rule) threshold() time.Duration {
	if r.Threshold <= 0 {
		return time.Second
	}
	return r.Threshold
}

// Over says whether a level is past the knee given the baseline, and why.
func (r Rule) Over(l Level, baseline time.Duration) (bool, string) {
	limit := baseline + r.threshold()
	switch {
	case l.ErrorRate() > r.MaxErrorRate:
		return true, fmt.Sprintf("error rate %.1f%% > %.1f%% (%d of %d logins, %d of %d operations failed)",
			100*l.ErrorRate(), 100*r.MaxErrorRate, l.FailedLogins, l.Logins, l.Errors, l.Responses)
	case r.NeedResponses && l.Responses == 0:
		return true, "no operation completed in the level"
	case l.Avg > limit:
		return true, fmt.Sprintf("average response %v > baseline %v + threshold %v",
			l.Avg.Round(time.Millisecond), baseline.Round(time.Millisecond), r.threshold())
	}
	return false, ""
}

// Result is the capacity of one run.
type Result struct {
	Baseline  time.Duration
	Threshold time.Duration
	Levels    []Level
	// Reached: a level went past the knee; Knee is then the sessions of the
	// last level before it (0 when the first level already was). Not
	// reached: Knee is the highest level measured, a lower bound.
	Reached bool
	Knee    int
	// Over is the index in Levels of the first level past the knee (-1:
	// none), Why what broke there.
	Over int
	Why  string
	// Marginal cost per session: CPU over the levels up to and including
	// the first one past the knee, memory over every level.
	CPU, Memory Fit
}

// Figure says the capacity in words.
func (r Result) Figure() string {
	switch {
	case len(r.Levels) == 0:
		return "no level was measured"
	case r.Reached && r.Knee == 0:
		return fmt.Sprintf("fails at the first level (%d sessions): %s", r.Levels[0].Sessions, r.Why)
	case r.Reached:
		return fmt.Sprintf("%d sessions (the next level, %d sessions: %s)", r.Knee, r.Levels[r.Over].Sessions, r.Why)
	}
	return fmt.Sprintf("not reached up to %d sessions (a lower bound)", r.Knee)
}

// Analyze finds the knee. samples are every server-side response of the
// run by operation (the baseline is taken over the whole test, as Login VSI
// does); levels are in the order they were run. A level with PerOp gets
// its Avg here: the sum of its operations' means.
func Analyze(levels []Level, samples Samples, rule Rule) Result {
	r := Result{Threshold: rule.threshold(), Over: -1}
	per, total := samples.Baselines()
	r.Baseline = total
	levels = append([]Level(nil), levels...)
	for i := range levels {
		if len(levels[i].PerOp) > 0 {
			levels[i].Avg = summed(levels[i], per)
		}
		if len(levels[i].PerSession) > 0 {
			ss := append([]SessionLevel(nil), levels[i].PerSession...)
			for j := range ss {
				if len(ss[j].PerOp) > 0 {
					ss[j].Response = summed(Level{PerOp: ss[j].PerOp}, per)
				}
			}
			levels[i].PerSession = ss
		}
	}
	r.Levels = levels
	answered := false // some earlier level had responses
	for i, l := range levels {
		if l.Responses == 0 && !answered && rule.NeedResponses {
			// Nothing to judge yet (the first sessions are still starting
			// their desktops and warming up): not evidence of a knee.
			r.Knee = l.Sessions
			continue
		}
		answered = answered || l.Responses > 0
		if bad, why := rule.Over(l, r.Baseline); bad {
			r.Reached, r.Over, r.Why = true, i, why
			break
		}
		r.Knee = l.Sessions
	}
	upto := len(levels)
	if r.Over >= 0 {
		upto = r.Over + 1
	}
	// CPU over the levels up to the first past the knee (beyond it the
	// envelope is saturated and cores stop growing), memory over all: it
	// keeps growing with sessions. With fewer than two levels under the
	// knee, CPU uses every level too.
	fit := func(ls []Level, y func(Level) float64) Fit {
		var xs, ys []float64
		for _, l := range ls {
			if v := y(l); v > 0 {
				xs, ys = append(xs, float64(l.Sessions)), append(ys, v)
			}
		}
		return LeastSquares(xs, ys)
	}
	cores := func(l Level) float64 { return l.CPUCores }
	if r.CPU = fit(levels[:upto], cores); !r.CPU.Valid() {
		r.CPU = fit(levels, cores)
	}
	r.Memory = fit(levels, func(l Level) float64 { return l.MemoryMiB })
	return r
}
