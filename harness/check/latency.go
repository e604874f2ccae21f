package check

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Latency judges logins: the p50/p90/p99/max time of ok ops of
// Config.LatencyKinds (login and reconnect by default) and the error rate
// (fail + info) / total over those ops. Ops with Reason ExpectedAuthFail are
// left out: their failure is the plan's. With Config.LatencyIgnoreFaults,
// ops that overlap a fault window of the target are left out too.
//
// Invalid: the error rate is above Config.MaxErrorRate (default 0: any
// failed login), or p99 is above Config.MaxP99 when that is set.
//
// Unknown: no op to measure.
//
// A fleet's front (Flavour harness.FlavourFront) gets a verdict of its own
// only when ops stayed on it (fleet.Attribute found no host that logged
// them): logins that never reached a host, which the hosts cannot judge.
type Latency struct{ Config Config }

var _ harness.Checker = Latency{}

// Name is "login-latency".
func (Latency) Name() string { return "login-latency" }

// Check returns one verdict per target.
func (c Latency) Check(r *harness.Record) []harness.Verdict {
	out := perTarget(r, c.Name(), c.Config, c.check)
	if r != nil {
		cfg := c.Config.withDefaults()
		for _, f := range frontsWithOps(r) {
			out = append(out, c.check(r, f, cfg))
		}
	}
	return out
}

// percentile is the nearest-rank q-quantile of sorted ds.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(ds)))) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

func (c Latency) check(r *harness.Record, target string, cfg Config) harness.Verdict {
	v := harness.Verdict{Checker: c.Name(), Target: target}
	ev := newEvidence(target, cfg.MaxEvidence)
	f := newFaults(r, target, true)
	var durs []time.Duration
	var okOps []harness.Op
	total, skipped := 0, 0
	type failKey struct {
		outcome harness.Outcome
		reason  string
	}
	fails := map[failKey][]harness.Op{}
	for _, op := range r.Ops {
		if op.Target != target || !slices.Contains(cfg.LatencyKinds, op.Kind) || op.Reason == ExpectedAuthFail {
			continue
		}
		if cfg.LatencyIgnoreFaults && f.overlaps(op.Start, op.End) {
			skipped++
			continue
		}
		total++
		if op.Outcome == harness.OK {
			durs = append(durs, op.Duration())
			okOps = append(okOps, op)
			continue
		}
		k := failKey{op.Outcome, op.Reason}
		fails[k] = append(fails[k], op)
	}
	if total == 0 {
		v.Valid = harness.Unknown
		v.Summary = "no login op to measure"
		if skipped > 0 {
			v.Summary += fmt.Sprintf(" outside fault windows (%d inside)", skipped)
		}
		return v
	}
	slices.Sort(durs)
	failed := total - len(durs)
	rate := float64(failed) / float64(total)
	p50, p90, p99 := percentile(durs, 0.5), percentile(durs, 0.9), percentile(durs, 0.99)
	var maxD time.Duration
	if len(durs) > 0 {
		maxD = durs[len(durs)-1]
	}
	v.Metrics = map[string]float64{
		"ops":        float64(total),
		"ops_failed": float64(failed),
		"error_rate": rate,
	}
	if len(durs) > 0 {
		v.Metrics["latency_p50_s"] = p50.Seconds()
		v.Metrics["latency_p90_s"] = p90.Seconds()
		v.Metrics["latency_p99_s"] = p99.Seconds()
		v.Metrics["latency_max_s"] = maxD.Seconds()
	}
	keys := make([]failKey, 0, len(fails))
	for k := range fails {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b failKey) int {
		return cmp.Or(cmp.Compare(len(fails[b]), len(fails[a])), cmp.Compare(a.outcome, b.outcome), cmp.Compare(a.reason, b.reason))
	})
	for _, k := range keys {
		ops := fails[k]
		ids := make([]string, 0, 10)
		for i, op := range ops {
			if i == 10 {
				ids = append(ids, "…")
				break
			}
			ids = append(ids, fmt.Sprintf("%d (%s)", op.ID, op.User))
		}
		ev.add(ops[0].Start, "%s%s ×%d: ops %s", k.outcome, reasonSuffix(k.reason), len(ops), strings.Join(ids, ", "))
	}
	slowP99 := cfg.MaxP99 > 0 && len(durs) > 0 && p99 > cfg.MaxP99
	if slowP99 {
		slices.SortFunc(okOps, func(a, b harness.Op) int { return cmp.Compare(b.Duration(), a.Duration()) })
		for _, op := range okOps[:min(5, len(okOps))] {
			ev.add(op.Start, "slow %s of %s: op %d took %s", op.Kind, op.User, op.ID, secs(op.Duration()))
		}
	}
	lat := "no successful login"
	if len(durs) > 0 {
		lat = fmt.Sprintf("p50 %s p90 %s p99 %s max %s", secs(p50), secs(p90), secs(p99), secs(maxD))
	}
	v.Summary = fmt.Sprintf("%s, %d/%d failed (%.1f%%)", lat, failed, total, 100*rate)
	switch {
	case rate > cfg.MaxErrorRate || slowP99:
		v.Valid = harness.Invalid
		var why []string
		if rate > cfg.MaxErrorRate {
			why = append(why, fmt.Sprintf("error rate above %.1f%%", 100*cfg.MaxErrorRate))
		}
		if slowP99 {
			why = append(why, "p99 above "+secs(cfg.MaxP99))
		}
		v.Summary += ": " + strings.Join(why, ", ")
	default:
		v.Valid = harness.Valid
	}
	v.Evidence = ev.list()
	return v
}
