package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// svgChart is one chart as plain data; the HTML template draws it, so every
// label and tooltip is escaped by html/template like the rest of the page.
// Coordinates are pre-formatted strings in viewBox units.
type svgChart struct {
	Title   string
	Note    string
	W, H    int
	Plot    svgRect // the plotting area, for its frame
	Bands   []svgBand
	Grid    []svgLine
	XTicks  []svgText
	YTicks  []svgText
	Y2Ticks []svgText
	YLabel  string
	Y2Label string
	Bars    []svgBar
	Paths   []svgPath
	Dots    []svgDot
	Legend  []svgLegend
}

type svgRect struct{ X, Y, W, H string }

// svgBand is a shaded fault window with its label.
type svgBand struct {
	svgRect
	Label, LX, LY, Title string
}

type svgLine struct{ X1, Y1, X2, Y2, Class string }

type svgText struct{ X, Y, Text, Anchor string }

type svgBar struct {
	svgRect
	Class, Title string
}

type svgPath struct{ D, Class, Title string }

type svgDot struct{ X, Y, Class, Title string }

type svgLegend struct{ Class, Label string }

// Chart geometry (viewBox units; CSS scales the SVG to the page).
const (
	chartW      = 640
	chartH      = 220
	chartLeft   = 46
	chartRight  = 62
	chartTop    = 22
	chartBottom = 28
)

func px(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// axis maps data values to viewBox coordinates.
type axis struct {
	lo, hi   float64 // data range
	from, to float64 // pixel range
}

func (a axis) at(v float64) float64 {
	if a.hi == a.lo {
		return a.from
	}
	return a.from + (v-a.lo)/(a.hi-a.lo)*(a.to-a.from)
}

func plotAxes(xmax, ymax float64) (x, y axis) {
	x = axis{0, xmax, chartLeft, chartW - chartRight}
	y = axis{0, ymax, chartH - chartBottom, chartTop}
	return x, y
}

func newChart(title string) svgChart {
	return svgChart{Title: title, W: chartW, H: chartH,
		Plot: svgRect{px(chartLeft), px(chartTop), px(chartW - chartLeft - chartRight), px(chartH - chartTop - chartBottom)}}
}

// niceStep is the tick step for a span: 1, 2 or 5 × 10^k giving at most n
// intervals.
func niceStep(span float64, n int) float64 {
	if span <= 0 {
		return 1
	}
	raw := span / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// headroom rounds v up to a whole step, leaving at least 5% above it so
// that the highest point does not sit on the frame.
func headroom(v, step float64) float64 {
	return math.Max(step, math.Ceil(v*1.05/step)*step)
}

// timeStep is a tick step in seconds that reads well on a clock.
func timeStep(span float64, n int) float64 {
	for _, s := range []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400} {
		if span/s <= float64(n) {
			return s
		}
	}
	return niceStep(span, n)
}

func fmtAxisSecs(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 3600 && math.Mod(v, 3600) == 0:
		return fmt.Sprintf("%.0fh", v/3600)
	case v >= 60 && math.Mod(v, 60) == 0:
		return fmt.Sprintf("%.0fm", v/60)
	case v >= 60:
		return fmt.Sprintf("%.0fm%02.0fs", math.Floor(v/60), math.Mod(v, 60))
	}
	return strconv.FormatFloat(v, 'f', -1, 64) + "s"
}

func fmtAxisNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// timeFrame adds the time axis (seconds from the run's start) and its
// grid.
func (c *svgChart) timeFrame(x axis) {
	step := timeStep(x.hi, 8)
	for v := 0.0; v <= x.hi+1e-9; v += step {
		c.XTicks = append(c.XTicks, svgText{X: px(x.at(v)), Y: px(chartH - chartBottom + 16), Text: fmtAxisSecs(v), Anchor: "middle"})
	}
}

// valueFrame adds a left value axis with horizontal grid lines.
func (c *svgChart) valueFrame(y axis, step float64, format func(float64) string) {
	for v := 0.0; v <= y.hi+1e-9; v += step {
		yy := px(y.at(v))
		c.Grid = append(c.Grid, svgLine{X1: px(chartLeft), Y1: yy, X2: px(chartW - chartRight), Y2: yy, Class: "grid"})
		c.YTicks = append(c.YTicks, svgText{X: px(chartLeft - 6), Y: px(y.at(v) + 4), Text: format(v), Anchor: "end"})
	}
}

// faultBands shades every fault window; an instantaneous or never-healed
// fault is a thin band at its injection.
func (c *svgChart) faultBands(faults []harness.FaultWindow, base time.Time, x axis) {
	for i, f := range sortedFaults(faults) {
		if f.Inject.IsZero() {
			continue
		}
		a := f.Inject.Sub(base).Seconds()
		b := a
		if !f.Heal.IsZero() {
			b = f.Heal.Sub(base).Seconds()
		}
		x1, x2 := x.at(max(a, 0)), x.at(min(b, x.hi))
		if x2-x1 < 2 {
			x2 = x1 + 2
		}
		heal := "never healed or instantaneous"
		if !f.Heal.IsZero() {
			heal = "healed " + fmtOffset(f.Heal, base)
		}
		title := fmt.Sprintf("%s on %s: injected %s, %s", f.Name, f.Target, fmtOffset(f.Inject, base), heal)
		if f.Detail != "" {
			title += " (" + oneLine(f.Detail) + ")"
		}
		if f.Err != "" {
			title += " error: " + oneLine(f.Err)
		}
		c.Bands = append(c.Bands, svgBand{
			svgRect: svgRect{X: px(x1), Y: px(chartTop), W: px(x2 - x1), H: px(chartH - chartTop - chartBottom)},
			Label:   f.Name, LX: px(x1 + 2), LY: px(chartTop - 4 - float64(i%2)*9), Title: title,
		})
	}
}

// recordSpan is the run's length in seconds from base: to Ended, or to the
// last tick or op when that is later.
func recordSpan(r *harness.Record, base time.Time) float64 {
	end := r.Ended
	for i := range r.Ticks {
		if r.Ticks[i].Time.After(end) {
			end = r.Ticks[i].Time
		}
	}
	for i := range r.Ops {
		if r.Ops[i].End.After(end) {
			end = r.Ops[i].End
		}
	}
	return max(end.Sub(base).Seconds(), 1)
}

type point struct {
	t float64 // seconds from base
	v float64
}

// tickChart draws one value of the sampler's ticks over time, a step line
// per target, broken where the sampler was blind (a gap of more than three
// times the usual tick interval). Long series are thinned to the extremes
// of each pixel column, so spikes survive.
func tickChart(title string, r *harness.Record, base time.Time, value func(harness.Tick) float64) svgChart {
	c := newChart(title)
	span := recordSpan(r, base)
	byTarget := map[string][]point{}
	var targets []string
	ymax := 1.0
	for _, t := range r.Ticks {
		if _, ok := byTarget[t.Target]; !ok {
			targets = append(targets, t.Target)
		}
		v := value(t)
		ymax = max(ymax, v)
		byTarget[t.Target] = append(byTarget[t.Target], point{t.Time.Sub(base).Seconds(), v})
	}
	slices.Sort(targets)
	step := max(1, niceStep(ymax, 4)) // counts: whole steps
	ymax = headroom(ymax, step)
	x, y := plotAxes(span, ymax)
	c.timeFrame(x)
	c.valueFrame(y, step, fmtAxisNum)
	c.faultBands(r.Faults, base, x)
	for i, tg := range targets {
		pts := byTarget[tg]
		slices.SortStableFunc(pts, func(a, b point) int { return cmp.Compare(a.t, b.t) })
		pts = thin(pts, x)
		cls := fmt.Sprintf("line s%d", i%6)
		c.Paths = append(c.Paths, svgPath{D: stepPath(pts, x, y, gapLimit(pts)), Class: cls, Title: tg})
		if len(targets) > 1 {
			c.Legend = append(c.Legend, svgLegend{Class: fmt.Sprintf("s%d", i%6), Label: tg})
		}
	}
	if len(r.Ticks) == 0 {
		c.Note = "no sampler ticks in the record"
	}
	return c
}

// gapLimit is the interval beyond which two ticks are not joined: three
// times the median interval, at least 2 s.
func gapLimit(pts []point) float64 {
	if len(pts) < 3 {
		return math.Inf(1)
	}
	d := make([]float64, 0, len(pts)-1)
	for i := 1; i < len(pts); i++ {
		d = append(d, pts[i].t-pts[i-1].t)
	}
	slices.Sort(d)
	return max(3*d[len(d)/2], 2)
}

// thin keeps, per pixel column, the first point and the lowest and highest
// ones, in time order.
func thin(pts []point, x axis) []point {
	cols := int(x.to - x.from)
	if len(pts) <= 2*cols {
		return pts
	}
	out := make([]point, 0, 3*cols)
	for i := 0; i < len(pts); {
		col := int(x.at(pts[i].t))
		j := i
		lo, hi := i, i
		for j < len(pts) && int(x.at(pts[j].t)) == col {
			if pts[j].v < pts[lo].v {
				lo = j
			}
			if pts[j].v > pts[hi].v {
				hi = j
			}
			j++
		}
		keep := []int{i, lo, hi, j - 1}
		slices.Sort(keep)
		keep = slices.Compact(keep)
		for _, k := range keep {
			out = append(out, pts[k])
		}
		i = j
	}
	return out
}

// stepPath draws a step line: a value holds until the next sample. Runs of
// equal values are one segment; a gap longer than gap starts a new subpath.
func stepPath(pts []point, x, y axis, gap float64) string {
	var b strings.Builder
	drawnTo := -1 // index of the last point the path has reached
	for i, p := range pts {
		newSeg := i == 0 || p.t-pts[i-1].t > gap
		if newSeg {
			if i > 0 && drawnTo != i-1 {
				b.WriteString("H" + px(x.at(pts[i-1].t)))
			}
			b.WriteString("M" + px(x.at(p.t)) + " " + px(y.at(p.v)))
			drawnTo = i
			continue
		}
		if p.v != pts[i-1].v {
			b.WriteString("H" + px(x.at(p.t)) + "V" + px(y.at(p.v)))
			drawnTo = i
		}
	}
	if n := len(pts); n > 0 && drawnTo != n-1 {
		b.WriteString("H" + px(x.at(pts[n-1].t)))
	}
	return b.String()
}

// latencyChart scatters session ops (login, reconnect, scp): start time
// against duration, coloured by outcome, with the p50/p99 the latency
// checker measured as dashed lines. At most maxDots are drawn: every
// failure first, then successes evenly spread; the note says so.
func latencyChart(r *harness.Record, base time.Time, verdicts []harness.Verdict, maxDots int) svgChart {
	c := newChart("Login latency (session ops: login, reconnect, scp)")
	span := recordSpan(r, base)
	var ok, bad []int
	other := 0
	ymax := 0.5
	for i := range r.Ops {
		op := &r.Ops[i]
		if op.Kind != harness.OpLogin && op.Kind != harness.OpReconnect && op.Kind != harness.OpSCP {
			other++
			continue
		}
		ymax = max(ymax, op.Duration().Seconds())
		if op.Outcome == harness.OK {
			ok = append(ok, i)
		} else {
			bad = append(bad, i)
		}
	}
	total := len(ok) + len(bad)
	pick := bad
	if len(pick) > maxDots {
		pick = spread(pick, maxDots)
	}
	if room := maxDots - len(pick); room > 0 {
		pick = append(pick, spread(ok, room)...)
	}
	slices.Sort(pick)
	step := niceStep(ymax, 4)
	ymax = headroom(ymax, step)
	x, y := plotAxes(span, ymax)
	c.timeFrame(x)
	c.valueFrame(y, step, func(v float64) string { return fmtAxisNum(v) + "s" })
	c.faultBands(r.Faults, base, x)
	lastLabel := math.Inf(1)
	for _, m := range []struct{ name, label string }{{"latency_p50_s", "p50"}, {"latency_p99_s", "p99"}} {
		if v, ok := runMetric(Run{Verdicts: verdicts}, m.name); ok && v <= ymax {
			yy := y.at(v)
			c.Grid = append(c.Grid, svgLine{X1: px(chartLeft), Y1: px(yy), X2: px(chartW - chartRight), Y2: px(yy), Class: "ref"})
			ly := min(yy+4, lastLabel-11) // p99 sits above p50; keep the labels apart
			lastLabel = ly
			c.Y2Ticks = append(c.Y2Ticks, svgText{X: px(chartW - chartRight + 4), Y: px(ly),
				Text: m.label + " " + fmtDur(seconds(v)), Anchor: "start"})
		}
	}
	for _, i := range pick {
		op := &r.Ops[i]
		title := fmt.Sprintf("op %d %s %s %s at %s took %s", op.ID, op.Kind, op.User, op.Outcome,
			fmtOffset(op.Start, base), fmtDur(op.Duration()))
		if op.Reason != "" {
			title += " (" + op.Reason + ")"
		}
		if op.Err != "" {
			title += ": " + truncate(oneLine(op.Err), 120)
		}
		c.Dots = append(c.Dots, svgDot{X: px(x.at(op.Start.Sub(base).Seconds())), Y: px(y.at(op.Duration().Seconds())),
			Class: "dot " + string(op.Outcome), Title: title})
	}
	c.Legend = []svgLegend{{"ok", "ok"}, {"fail", "fail"}, {"info", "info (outcome unknown)"}}
	var notes []string
	if total == 0 {
		notes = append(notes, "no session op in the record")
	}
	if len(pick) < total {
		notes = append(notes, fmt.Sprintf("%d of %d ops drawn (every failure first)", len(pick), total))
	}
	if other > 0 {
		notes = append(notes, fmt.Sprintf("%d other ops (disconnect, rfb) not drawn", other))
	}
	c.Note = strings.Join(notes, "; ")
	return c
}

// spread picks n of idx evenly, keeping the first and the last.
func spread(idx []int, n int) []int {
	if n >= len(idx) {
		return idx
	}
	if n <= 0 {
		return nil
	}
	if n == 1 {
		return idx[:1]
	}
	out := make([]int, n)
	for k := range n {
		out[k] = idx[k*(len(idx)-1)/(n-1)]
	}
	return out
}

// capacityChart draws p50 and p99 bars per session level (left axis) and
// the error rate as a line (right axis); levels that did not hold are red.
func capacityChart(c Capacity) svgChart {
	if c.Knee != nil {
		return kneeChart(c.Knee)
	}
	ch := newChart("Login time and error rate per session level")
	if len(c.Levels) == 0 {
		ch.Note = "no level measured"
		return ch
	}
	ymax, rmax := 0.5, 0.01
	for _, l := range c.Levels {
		ymax = max(ymax, l.P99.Seconds(), l.P50.Seconds())
		rmax = max(rmax, l.ErrorRate)
	}
	step := niceStep(ymax, 4)
	ymax = headroom(ymax, step)
	rstep := niceStep(rmax, 4)
	rmax = headroom(rmax, rstep)
	_, y := plotAxes(1, ymax)
	ry := axis{0, rmax, chartH - chartBottom, chartTop}
	ch.valueFrame(y, step, func(v float64) string { return fmtAxisNum(v) + "s" })
	for v := 0.0; v <= rmax+1e-9; v += rstep {
		ch.Y2Ticks = append(ch.Y2Ticks, svgText{X: px(chartW - chartRight + 4), Y: px(ry.at(v) + 4),
			Text: strconv.FormatFloat(100*v, 'f', -1, 64) + "%", Anchor: "start"})
	}
	ch.YLabel, ch.Y2Label = "login time", "error rate"
	slot := float64(chartW-chartLeft-chartRight) / float64(len(c.Levels))
	bw := min(slot*0.3, 28)
	var rate strings.Builder
	for i, l := range c.Levels {
		mid := chartLeft + slot*(float64(i)+0.5)
		bottom := y.at(0)
		state := "held"
		if !l.Held {
			state = "broke"
		}
		for k, b := range []struct {
			v     time.Duration
			name  string
			class string
		}{{l.P50, "p50", "bar p50"}, {l.P99, "p99", "bar p99 " + state}} {
			top := y.at(l.P99.Seconds())
			if k == 0 {
				top = y.at(l.P50.Seconds())
			}
			xx := mid - bw + float64(k)*bw
			title := fmt.Sprintf("%d sessions: %s %s", l.Sessions, b.name, fmtDur(b.v))
			if !l.Held && l.Why != "" {
				title += " — " + l.Why
			}
			ch.Bars = append(ch.Bars, svgBar{svgRect: svgRect{X: px(xx), Y: px(top), W: px(bw - 2), H: px(bottom - top)},
				Class: b.class, Title: title})
		}
		ch.XTicks = append(ch.XTicks, svgText{X: px(mid), Y: px(chartH - chartBottom + 16), Text: strconv.Itoa(l.Sessions), Anchor: "middle"})
		rx, rr := px(mid), px(ry.at(l.ErrorRate))
		if i == 0 {
			rate.WriteString("M" + rx + " " + rr)
		} else {
			rate.WriteString("L" + rx + " " + rr)
		}
		ch.Dots = append(ch.Dots, svgDot{X: rx, Y: rr, Class: "dot rate",
			Title: fmt.Sprintf("%d sessions: error rate %.1f%%", l.Sessions, 100*l.ErrorRate)})
	}
	ch.Paths = append(ch.Paths, svgPath{D: rate.String(), Class: "line rate", Title: "error rate"})
	ch.Legend = []svgLegend{{"p50", "p50"}, {"p99", "p99"}, {"broke", "p99, level did not hold"}, {"rate", "error rate (right axis)"}}
	ch.Note = "sessions per level on the horizontal axis"
	return ch
}
