package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

func itoa(n int) string { return strconv.Itoa(n) }

// symbol is the mark every report uses for a validity.
// Marks are plain text symbols (U+2713, U+2717, ASCII "?"), which every
// common text font has: emoji show as empty boxes where no emoji font is.
func symbol(v harness.Validity) string {
	switch v {
	case harness.Valid:
		return "✓"
	case harness.Invalid:
		return "✗"
	case "":
		return "—"
	default:
		return "?"
	}
}

// fmtDur renders a duration the way people read run times: "850ms",
// "1.23s", "12.3s", "2m05s", "1h02m".
func fmtDur(d time.Duration) string {
	neg := ""
	if d < 0 {
		neg, d = "-", -d
	}
	switch {
	case d == 0:
		return "0s"
	case d < time.Second:
		return neg + strconv.FormatInt(d.Round(time.Millisecond).Milliseconds(), 10) + "ms"
	case d < 10*time.Second:
		return neg + strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
	case d < time.Minute:
		return neg + strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%s%dm%02ds", neg, int(d.Minutes()), int(d.Seconds())%60)
	default:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%s%dh%02dm", neg, int(d.Hours()), int(d.Minutes())%60)
	}
}

// fmtOffset renders t as seconds after base ("+12.3s"); times in a run's
// report are offsets from its start, as on the charts.
func fmtOffset(t, base time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if base.IsZero() {
		return t.UTC().Format("15:04:05.000")
	}
	s := t.Sub(base).Seconds()
	if s < 0 {
		return strconv.FormatFloat(s, 'f', 1, 64) + "s"
	}
	return "+" + strconv.FormatFloat(s, 'f', 1, 64) + "s"
}

// fmtTime renders an absolute time in UTC.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// fmtMetric renders a checker metric by its name's convention: "_s" is
// seconds, "rate" a fraction, anything else a count.
func fmtMetric(name string, v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'f', -1, 64)
	case strings.HasSuffix(name, "_s"):
		return fmtDur(seconds(v))
	case strings.Contains(name, "rate"):
		return strconv.FormatFloat(100*v, 'f', 1, 64) + "%"
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatInt(int64(v), 10)
	default:
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
}

// fmtMaybe renders an optional metric value.
func fmtMaybe(name string, v *float64) string {
	if v == nil {
		return "—"
	}
	return fmtMetric(name, *v)
}

// fmtMetricDelta renders "40 → 0".
func fmtMetricDelta(d MetricDelta) string {
	return fmtMaybe(d.Name, d.From) + " → " + fmtMaybe(d.Name, d.To)
}

// oneLine folds a text onto one line (log lines, errors).
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// truncate cuts s to n runes with an ellipsis.
func truncate(s string, n int) string {
	if n <= 0 || len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
