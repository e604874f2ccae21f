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
	// Responses counts the timed operations of the level's window (every
	// session's), Errors those that failed or timed out.
	Responses, Errors int
	// Avg is the mean server-side response (inside the sessions); Client
	// the mean client-side one (input to the next screen update). Zero: no
	// samples.
	Avg, Client   time.Duration
	ClientSamples int
	// Resources of the target over the level's window (zero: not measured).
	CPUCores  float64 // mean cores in use
	MemoryMiB float64 // mean working set
	Pids      float64 // mean tasks
	NetRxBps  float64 // bytes per second in
	NetTxBps  float64 // bytes per second out
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
	// workload was running but nothing completed).
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
	// Marginal cost per session over the levels up to and including the
	// first one past the knee.
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
// run (the baseline is taken over the whole test, as Login VSI does);
// levels are in the order they were run.
func Analyze(levels []Level, samples []time.Duration, rule Rule) Result {
	r := Result{Threshold: rule.threshold(), Levels: levels, Over: -1}
	r.Baseline, _ = Baseline(samples)
	for i, l := range levels {
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
	var x, cpu, mem []float64
	for _, l := range levels[:upto] {
		if l.CPUCores > 0 || l.MemoryMiB > 0 {
			x = append(x, float64(l.Sessions))
			cpu = append(cpu, l.CPUCores)
			mem = append(mem, l.MemoryMiB)
		}
	}
	r.CPU, r.Memory = LeastSquares(x, cpu), LeastSquares(x, mem)
	return r
}
