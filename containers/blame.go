package containers

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/containers/xrdpconf"
)

// startLog is one log a failed start leaves: the container's output or a
// daemon's log file, with the operator's file it reads ("" for none).
type startLog struct {
	name, reads, text string
}

// troubleRE picks the log lines that report a problem: xrdp's
// "[ERROR]"/"[WARN ]" levels and the words its fatal messages use
// ("error reading config", "trans_listen_address failed", "Cannot accept
// TLS connections", "quitting").
var troubleRE = regexp.MustCompile(`(?i)\[(error|warn)|\berror\b|\bfailed\b|\bcannot\b|can't|quitting`)

// startFailures are start failures whose log line names no value, tied to
// the key that causes them by the code that logs them.
var startFailures = []struct {
	file, text, section string
	keys                []string
	source              string
}{
	{"sesman.ini", "trans_listen_address failed", "Globals", []string{"ListenAddress", "ListenPort"},
		"xrdp v0.9.21.1 sesman/sesman.c:408-412: sesman cannot listen on ListenAddress:ListenPort"},
	{"xrdp.ini", "trans_listen_address failed", "Globals", []string{"port", "address"},
		"xrdp v0.9.21.1 xrdp/xrdp_listen.c:692: xrdp cannot listen on its port"},
}

// blame names the operator's settings a failed start's logs point at,
// each as "FILE line N ([Section] key=value)" with the log line that names
// it: a problem line holding one of the operator's values (a path, an
// address, a name of 4 characters or more, whole), or a known failure of
// the daemon reading that file (startFailures). It returns nothing when no
// log line names a setting.
func blame(d *xrdpconf.Dir, logs []startLog) []string {
	if d == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	add := func(file, section, key, value string, line int, l startLog, text string) {
		where := fmt.Sprintf("%s line %d ([%s] %s=%s)", file, line, section, key, value)
		if seen[where] {
			return
		}
		seen[where] = true
		out = append(out, fmt.Sprintf("%s, named by %s: %q", where, l.name, clip(strings.TrimSpace(text), 200)))
	}
	for _, l := range logs {
		for _, text := range strings.Split(l.text, "\n") {
			if !troubleRE.MatchString(text) {
				continue
			}
			for _, f := range d.Files {
				if !f.IsIni() {
					continue
				}
				for _, sec := range d.Ini(f.Name).Sections {
					for _, e := range sec.Entries {
						if len(e.Value) >= 4 && containsWhole(text, e.Value) {
							add(f.Name, sec.Name, e.Key, e.Value, e.Line, l, text)
						}
					}
				}
			}
			for _, k := range startFailures {
				if l.reads != k.file || !strings.Contains(text, k.text) {
					continue
				}
				f := d.Ini(l.reads)
				if f == nil {
					continue
				}
				for _, key := range k.keys {
					if e, ok := f.Get(k.section, key); ok {
						add(l.reads, k.section, e.Key, e.Value, e.Line, l, text+" ("+k.source+")")
					}
				}
			}
		}
	}
	return out
}

// containsWhole reports whether v occurs in s not inside a longer word
// (so "3350" is not found in "133502").
func containsWhole(s, v string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], v)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(v)
		if (start == 0 || !wordByte(s[start-1])) && (end == len(s) || !wordByte(s[end])) {
			return true
		}
		i = start + 1
	}
}

func wordByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// blameText words blame's answer for the start error.
func blameText(d *xrdpconf.Dir, logs []startLog) string {
	if b := blame(d, logs); len(b) > 0 {
		return "the logs point at " + strings.Join(b, "; ")
	}
	return "no log line names one of your settings (the logs follow)"
}
