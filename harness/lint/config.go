package lint

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xrdp-harness/xrdp-harness/containers/agent/ini"
)

// Config is what the rules read. A nil file means the operator did not give
// it: the version's packaged file applies, whose values the rules know.
type Config struct {
	Sesman *ini.File
	Xrdp   *ini.File
	// Users is how many users the operator or the scenario names (0:
	// unknown, the MaxSessions rule stays quiet).
	Users int
}

// setting is one key as a version sees it: from the operator's file, or
// the packaged file's value, or the compiled-in default of a given file
// that leaves the key out.
type setting struct {
	file, section, key string
	value              string
	line               int  // 0: not in the operator's file
	given              bool // the operator's file exists
	set                bool // the key is in it
}

func (s setting) String() string {
	switch {
	case s.set:
		return fmt.Sprintf("%s [%s] %s=%s (line %d)", s.file, s.section, s.key, s.value, s.line)
	case s.given:
		return fmt.Sprintf("%s [%s] %s not set (default %s)", s.file, s.section, s.key, s.value)
	default:
		return fmt.Sprintf("%s [%s] %s=%s (the packaged file; none given)", s.file, s.section, s.key, s.value)
	}
}

func (s setting) int() int { return atoi(s.value) }

// bool reads a value like xrdp's g_text2bool (common/string_calls.c:134 at
// v0.9.21.1): a non-zero number, true, on or yes (any case).
func (s setting) bool() bool {
	v := strings.TrimSpace(s.value)
	return atoi(v) != 0 || strings.EqualFold(v, "true") || strings.EqualFold(v, "on") || strings.EqualFold(v, "yes")
}

// atoi is C's atoi, which xrdp's g_atoi calls: leading blanks, a sign,
// then digits up to the first non-digit; no digits read as 0.
func atoi(v string) int {
	v = strings.TrimLeft(v, " \t")
	neg := false
	if v != "" && (v[0] == '-' || v[0] == '+') {
		neg = v[0] == '-'
		v = v[1:]
	}
	end := 0
	for end < len(v) && v[end] >= '0' && v[end] <= '9' {
		end++
	}
	n, _ := strconv.Atoi(v[:end])
	if neg {
		return -n
	}
	return n
}

// lookup finds key in file f. packaged is the value of the packaged file
// (used when f is nil); compiled is the daemon's default when the file
// leaves the key out.
func lookup(f *ini.File, file, section, key, packaged, compiled string) setting {
	s := setting{file: file, section: section, key: key, given: f != nil}
	if f == nil {
		s.value = packaged
		return s
	}
	if e, ok := f.Get(section, key); ok {
		s.value, s.line, s.set = e.Value, e.Line, true
		return s
	}
	s.value = compiled
	return s
}

// The sesman values the rules read, with the packaged values of
// sesman/sesman.ini and the compiled defaults of sesman/config.c (v0.9.21.1)
// and sesman/libsesman/sesman_config.c (v0.10.1).

func displayOffset(c Config) setting {
	return lookup(c.Sesman, "sesman.ini", "Sessions", "X11DisplayOffset", "10", "10")
}

// maxSessions: packaged 50; compiled 0 in both (0.9: refuse all; 0.10: no limit).
func maxSessions(c Config) setting {
	return lookup(c.Sesman, "sesman.ini", "Sessions", "MaxSessions", "50", "0")
}

func maxDisplayNumber(c Config) setting {
	return lookup(c.Sesman, "sesman.ini", "Sessions", "MaxDisplayNumber", "63", "63")
}

func policy(c Config) setting {
	return lookup(c.Sesman, "sesman.ini", "Sessions", "Policy", "Default", "Default")
}

func killDisconnected(c Config) setting {
	return lookup(c.Sesman, "sesman.ini", "Sessions", "KillDisconnected", "false", "false")
}

// listenAddress: packaged 127.0.0.1 (0.9); compiled "0.0.0.0" (0.9.21.1
// sesman/config.c:106-108), and chansrv's own default is TCP.
func listenAddress(c Config) setting {
	return lookup(c.Sesman, "sesman.ini", "Globals", "ListenAddress", "127.0.0.1", "0.0.0.0")
}

func listenPort(c Config, v Version) setting {
	if v.newSesman() {
		return lookup(c.Sesman, "sesman.ini", "Globals", "ListenPort", "sesman.socket", "sesman.socket")
	}
	return lookup(c.Sesman, "sesman.ini", "Globals", "ListenPort", "3350", "3350")
}

// xvncSessions reports whether xrdp.ini offers Xvnc sessions (lib=libvnc.so;
// the packaged xrdp.ini does, and the harness always uses them).
func xvncSessions(c Config) bool {
	return c.Xrdp == nil || len(sessionSections(c.Xrdp, "libvnc.so")) > 0
}

// sessionSections lists the xrdp.ini sections whose lib is lib.
func sessionSections(f *ini.File, lib string) []ini.Section {
	var out []ini.Section
	for _, s := range f.Sections {
		if e, ok := s.Get("lib"); ok && strings.EqualFold(e.Value, lib) {
			out = append(out, s)
		}
	}
	return out
}
