package reports

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// RunSummary is the end-of-run figures of one run, as k6 prints them after
// a test: what the clients did, how fast logins were, what the faults did,
// the verdict and whether it is what was expected.
type RunSummary struct {
	Label   string
	Ops     int     // client operations of every kind
	Errors  int     // fail + info outcomes
	ErrRate float64 // Errors/Ops, 0 when no op
	// Login latency of the successful logins and reconnects; zero when none.
	P50, P90, P99 time.Duration
	Logins        int
	Injected      int // faults that went in
	Healed        int // faults healed (a kill has nothing to heal)
	FaultErrors   int // faults whose inject or heal failed
	// Recovery is the slowest recovery after a fault the recovery checker
	// measured; negative when none was.
	Recovery time.Duration
	Validity harness.Validity
	Judged   RunJudgement
}

// Summarize computes every run's figures, in the order of s.Runs.
func Summarize(s Suite, j Judgement) []RunSummary {
	out := make([]RunSummary, 0, len(s.Runs))
	for i, r := range s.Runs {
		rs := RunSummary{Label: r.Label(), Validity: r.Outcome(), Recovery: -1}
		if i < len(j.Runs) {
			rs.Judged = j.Runs[i]
		}
		if rec := r.Record; rec != nil {
			var durs []time.Duration
			for _, op := range rec.Ops {
				rs.Ops++
				if op.Outcome != harness.OK {
					rs.Errors++
					continue
				}
				if op.Kind == harness.OpLogin || op.Kind == harness.OpReconnect {
					durs = append(durs, op.Duration())
				}
			}
			if rs.Ops > 0 {
				rs.ErrRate = float64(rs.Errors) / float64(rs.Ops)
			}
			slices.Sort(durs)
			rs.Logins = len(durs)
			rs.P50, rs.P90, rs.P99 = nearestRank(durs, 0.5), nearestRank(durs, 0.9), nearestRank(durs, 0.99)
			for _, f := range rec.Faults {
				if f.Err != "" {
					rs.FaultErrors++
				}
				if !f.Inject.IsZero() {
					rs.Injected++
				}
				if !f.Heal.IsZero() {
					rs.Healed++
				}
			}
		}
		for _, v := range r.Verdicts {
			if s, ok := v.Metrics["recovery_max_s"]; ok && !math.IsNaN(s) {
				rs.Recovery = max(rs.Recovery, time.Duration(s*float64(time.Second)))
			}
		}
		out = append(out, rs)
	}
	return out
}

// nearestRank is the nearest-rank q-quantile of sorted ds (as the latency
// checker computes it).
func nearestRank(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(ds)))) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

// Cells are the summary's columns as text, for the terminal and Markdown.
func (rs RunSummary) Cells() []string {
	lat := "-"
	if rs.Logins > 0 {
		lat = fmt.Sprintf("%s / %s / %s", roundDur(rs.P50), roundDur(rs.P90), roundDur(rs.P99))
	}
	faults := "-"
	if rs.Injected > 0 || rs.FaultErrors > 0 {
		faults = fmt.Sprintf("%d / %d", rs.Injected, rs.Healed)
		if rs.FaultErrors > 0 {
			faults += fmt.Sprintf(" (%d erred)", rs.FaultErrors)
		}
	}
	rec := "-"
	if rs.Recovery >= 0 {
		rec = roundDur(rs.Recovery)
	}
	errs := "-"
	if rs.Ops > 0 {
		errs = fmt.Sprintf("%.1f%%", 100*rs.ErrRate)
	}
	verdict := string(rs.Validity)
	if rs.Judged.Expect == ExpectDefect {
		verdict += " (FROM: defect expected)"
	}
	return []string{rs.Label, fmt.Sprint(rs.Ops), errs, lat, faults, rec, verdict, string(rs.Judged.Status)}
}

// SummaryHeader names the columns of Cells.
func SummaryHeader() []string {
	return []string{"run", "ops", "errors", "login p50 / p90 / p99", "faults in / healed", "recovery", "verdict", "as expected"}
}

func roundDur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	default:
		return d.Round(time.Millisecond).String()
	}
}

// WriteSummary prints the headline, then one line per run with its
// figures, then why each run that is not a plain pass is what it is.
func WriteSummary(w io.Writer, s Suite, j Judgement) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s: %s\n\n", s.Name, j.Headline)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  "+strings.Join(SummaryHeader(), "\t"))
	sums := Summarize(s, j)
	for _, rs := range sums {
		fmt.Fprintln(tw, "  "+strings.Join(rs.Cells(), "\t"))
	}
	tw.Flush()
	for _, rs := range sums {
		if rs.Judged.Status != Pass || rs.Judged.Expect == ExpectDefect {
			fmt.Fprintf(&b, "  %s %s: %s\n", rs.Judged.Status, rs.Label, rs.Judged.Why)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
