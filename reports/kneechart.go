package reports

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// kneeChart draws the response per session level as a line, with the
// baseline and the limit (baseline + threshold) as horizontal lines, the
// client's keystroke response as a second line, and the knee marked.
func kneeChart(k *Knee) svgChart {
	ch := newChart("Response vs sessions: baseline, threshold and knee")
	if len(k.Levels) == 0 {
		ch.Note = "no level measured"
		return ch
	}
	limit := k.Baseline + k.Threshold
	ymax := max(0.5, limit.Seconds()*1.1)
	for _, l := range k.Levels {
		ymax = max(ymax, l.Avg.Seconds(), l.Client.Seconds())
	}
	step := niceStep(ymax, 4)
	ymax = headroom(ymax, step)
	_, y := plotAxes(1, ymax)
	ch.valueFrame(y, step, func(v float64) string { return fmtAxisNum(v) + "s" })
	ch.YLabel = "response"
	slot := float64(chartW-chartLeft-chartRight) / float64(len(k.Levels))
	hline := func(d time.Duration, class, title string) {
		yy := px(y.at(d.Seconds()))
		ch.Paths = append(ch.Paths, svgPath{D: "M" + px(chartLeft) + " " + yy + "L" + px(chartW-chartRight) + " " + yy, Class: class, Title: title})
	}
	hline(k.Baseline, "line p50", "baseline "+fmtDur(k.Baseline))
	hline(limit, "line broke", fmt.Sprintf("limit: baseline + %s = %s", fmtDur(k.Threshold), fmtDur(limit)))
	var server, client strings.Builder
	for i, l := range k.Levels {
		mid := px(chartLeft + slot*(float64(i)+0.5))
		sy := px(y.at(l.Avg.Seconds()))
		server.WriteString(map[bool]string{true: "M", false: "L"}[i == 0] + mid + " " + sy)
		class, state := "dot ok", "under the limit"
		switch {
		case l.Over:
			class, state = "dot fail", "past the knee"
		case k.Reached && l.Sessions == k.Sessions:
			class, state = "dot info", "the knee"
		}
		ch.Dots = append(ch.Dots, svgDot{X: mid, Y: sy, Class: class,
			Title: fmt.Sprintf("%d sessions: response %s (%s); %.2f cores, %.0f MiB", l.Sessions, fmtDur(l.Avg), state, l.CPUCores, l.MemoryMiB)})
		if l.ClientSamples > 0 {
			cy := px(y.at(l.Client.Seconds()))
			client.WriteString(map[bool]string{true: "M", false: "L"}[client.Len() == 0] + mid + " " + cy)
			ch.Dots = append(ch.Dots, svgDot{X: mid, Y: cy, Class: "dot rate",
				Title: fmt.Sprintf("%d sessions: keystroke to screen update %s", l.Sessions, fmtDur(l.Client))})
		}
		ch.XTicks = append(ch.XTicks, svgText{X: mid, Y: px(chartH - chartBottom + 16), Text: strconv.Itoa(l.Sessions), Anchor: "middle"})
	}
	ch.Paths = append(ch.Paths, svgPath{D: server.String(), Class: "line p99", Title: "response inside the sessions"})
	if client.Len() > 0 {
		ch.Paths = append(ch.Paths, svgPath{D: client.String(), Class: "line rate", Title: "keystroke to screen update (client)"})
	}
	ch.Legend = []svgLegend{{"p99", "response (sum of the workload's operations)"}, {"rate", "client keystroke"},
		{"p50", "baseline"}, {"broke", "baseline + threshold"}}
	ch.Note = "sessions per level on the horizontal axis; " + k.Figure
	return ch
}
