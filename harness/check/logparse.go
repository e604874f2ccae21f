package check

import (
	"strconv"
	"strings"
	"time"
)

// Line is one xrdp or sesman log line taken apart. xrdp 0.9.x writes
// (common/log.c)
//
//	[20261125-03:20:48] [INFO ] [pid:123 tid:456] [func(file.c:12)] message
//
// and 0.10.x the same with an ISO 8601 stamp, [2026-11-25T03:20:48.123+0000].
//
// The pid field is there only with EnableProcessId=true, the location only
// for lines logged with one (developer builds). Every part is optional to the
// parser: a line it cannot take apart is all message.
type Line struct {
	// Stamp is xrdp's own stamp, read as UTC (the container's zone is not
	// known here); zero when the line has none. It has one-second
	// resolution: detectors order lines by harness.LogLine.Time instead.
	Stamp time.Time
	// Level is CORE, ERROR, WARN, INFO, DEBUG or TRACE; empty when absent.
	Level string
	// PID and TID come from "[pid:N tid:M]"; zero when absent.
	PID int
	TID int64
	// Where is "function(file:line)" for lines logged with a location.
	Where string
	// Msg is the rest of the line, trailing blanks removed.
	Msg string
}

// stampLayout is xrdp 0.9's "[%.4d%.2d%.2d-%.2d:%.2d:%.2d]" without
// brackets; stampLayout010 is 0.10's ISO 8601 stamp with milliseconds and
// zone, as the Debian 0.10.1 package writes it (seen in its xrdp.log and
// xrdp-sesman.log: "[2026-12-01T14:58:52.692+0000] [ERROR] [pid:1212
// tid:…] …"). Without it no part of a 0.10 line was taken apart.
const (
	stampLayout    = "20060102-15:04:05"
	stampLayout010 = "2006-01-02T15:04:05.000-0700"
)

// ParseLine takes one log line apart. It never fails: what it cannot
// recognise stays in Msg.
func ParseLine(s string) Line {
	var l Line
	rest := strings.TrimRight(s, " \t\r\n")
	if in, after, ok := bracketed(rest); ok {
		for _, layout := range []string{stampLayout, stampLayout010} {
			if t, err := time.Parse(layout, in); err == nil {
				l.Stamp = t.UTC()
				rest = trimBlank(after)
				break
			}
		}
	}
	if lvl, after, ok := bracketed(rest); ok && isLevel(strings.TrimSpace(lvl)) {
		l.Level = strings.TrimSpace(lvl)
		rest = trimBlank(after)
	}
	if in, after, ok := bracketed(rest); ok && strings.HasPrefix(in, "pid:") {
		if pid, tid, ok := parsePidTid(in); ok {
			l.PID, l.TID = pid, tid
			rest = trimBlank(after)
		}
	}
	if in, after, ok := bracketed(rest); ok && isLocation(in) {
		l.Where = in
		rest = trimBlank(after)
	}
	l.Msg = rest
	return l
}

func trimBlank(s string) string { return strings.TrimLeft(s, " \t") }

// bracketed splits "[inside] rest" at the first ']'.
func bracketed(s string) (inside, rest string, ok bool) {
	if !strings.HasPrefix(s, "[") {
		return "", s, false
	}
	i := strings.IndexByte(s, ']')
	if i < 0 {
		return "", s, false
	}
	return s[1:i], s[i+1:], true
}

func isLevel(s string) bool {
	switch s {
	case "CORE", "ERROR", "WARN", "INFO", "DEBUG", "TRACE":
		return true
	}
	return false
}

// parsePidTid reads "pid:N tid:M".
func parsePidTid(s string) (int, int64, bool) {
	p, t, ok := strings.Cut(s, " ")
	if !ok || !strings.HasPrefix(p, "pid:") || !strings.HasPrefix(t, "tid:") {
		return 0, 0, false
	}
	pid, err := strconv.Atoi(p[len("pid:"):])
	if err != nil || pid <= 0 {
		return 0, 0, false
	}
	tid, err := strconv.ParseInt(t[len("tid:"):], 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return pid, tid, true
}

// isLocation recognises "function(file:line)".
func isLocation(s string) bool {
	open := strings.IndexByte(s, '(')
	if open <= 0 || !strings.HasSuffix(s, ")") {
		return false
	}
	colon := strings.LastIndexByte(s, ':')
	if colon < open {
		return false
	}
	_, err := strconv.Atoi(s[colon+1 : len(s)-1])
	return err == nil
}

// ReconnectLine is one line of the harness's reconnect script log
// (containers/assets/reconnectwm.sh):
//
//	1764040848.123456789 start pid=812 user=u3 display=:12
type ReconnectLine struct {
	Time    time.Time // the script's own stamp (epoch, so zone-free)
	Phase   string    // "start" or "end"
	PID     int
	User    string
	Display int // -1 when DISPLAY was empty or unreadable
}

// ParseReconnectLine reads one reconnect script line; ok is false when the
// line does not have that shape.
func ParseReconnectLine(s string) (ReconnectLine, bool) {
	f := strings.Fields(s)
	if len(f) < 2 || (f[1] != "start" && f[1] != "end") {
		return ReconnectLine{}, false
	}
	t, ok := parseEpoch(f[0])
	if !ok {
		return ReconnectLine{}, false
	}
	rl := ReconnectLine{Time: t, Phase: f[1], Display: -1}
	for _, kv := range f[2:] {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "pid":
			rl.PID, _ = strconv.Atoi(v)
		case "user":
			rl.User = v
		case "display":
			if d, ok := parseDisplay(v); ok {
				rl.Display = d
			}
		}
	}
	return rl, true
}

// parseEpoch reads "seconds[.fraction]" as printed by date +%s.%N.
func parseEpoch(s string) (time.Time, bool) {
	sec, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		return time.Time{}, false
	}
	var ns int64
	if frac != "" {
		if len(frac) > 9 {
			frac = frac[:9]
		}
		v, err := strconv.ParseInt(frac, 10, 64)
		if err != nil || v < 0 {
			return time.Time{}, false
		}
		for i := len(frac); i < 9; i++ {
			v *= 10
		}
		ns = v
	}
	return time.Unix(n, ns).UTC(), true
}

// parseDisplay reads an X display name (":10", ":10.0", "host:10.0") or a
// bare number.
func parseDisplay(s string) (int, bool) {
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i]
	}
	d, err := strconv.Atoi(s)
	if err != nil || d < 0 || s == "" || s[0] == '+' || s[0] == '-' {
		return 0, false
	}
	return d, true
}

// intAfter reads the decimal number that follows the first occurrence of
// prefix in s.
func intAfter(s, prefix string) (int, bool) {
	i := strings.Index(s, prefix)
	if i < 0 {
		return 0, false
	}
	s = s[i+len(prefix):]
	j := 0
	for j < len(s) && j < 9 && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(s[:j])
	return n, err == nil
}

// wordAfter returns the run of characters after prefix up to the first
// blank, comma or end of s.
func wordAfter(s, prefix string) (string, bool) {
	i := strings.Index(s, prefix)
	if i < 0 {
		return "", false
	}
	s = s[i+len(prefix):]
	j := strings.IndexAny(s, " \t,")
	if j < 0 {
		j = len(s)
	}
	if j == 0 {
		return "", false
	}
	return s[:j], true
}
