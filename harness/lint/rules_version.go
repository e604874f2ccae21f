package lint

import (
	"fmt"

	"github.com/xrdp-harness/xrdp-harness/containers/agent/ini"
)

// fixedReaping is the first release whose sesman reaps every exited child.
var fixedReaping = MustVersion("0.9.19")

// DefectBuild is the harness's 0.9.21.1 with the SIGCHLD fix reverted
// (scenarios.DefectBuild, scenarios/patches/sigchld-reap-one.patch): its
// sesman reaps one child per signal as 0.9.17 did, so the rule applies to it
// and proofs of older releases, whose tarballs are not served here, run on it.
const DefectBuild = "0.9.21.1+sigchld-reap-one"

var sigchldReaping = Rule{
	ID:      "sigchld-reaping",
	Summary: "sesman before 0.9.19 reaps one child per SIGCHLD: zombies pile up and ended sessions go unnoticed",
	// reconnect-storm aligns the reconnect scripts' exits so their SIGCHLDs
	// merge: the version's own reaping is judged (zombies, stale sessions,
	// VNC errors), no fault injected; measured invalid on DefectBuild and
	// valid on 0.9.21.1 (scenarios/scenarios_test.go).
	Scenario: "reconnect-storm",
	StandIn:  DefectBuild,
	Check: func(c Config, v Version) []Finding {
		setting := fmt.Sprintf("xrdp %s", v.Label)
		switch {
		case v.Label == DefectBuild:
			setting += " (0.9.21.1 with the fix of #2146/#2151/#2168 reverted)"
		case !v.Less(fixedReaping):
			return nil
		}
		return one(Finding{
			Severity: Error,
			Setting:  setting,
			Message:  "sesman reaps one child per SIGCHLD: when children exit together (reconnect scripts, sessions ending at once) zombies accumulate, a session's end can go unnoticed, users are \"reconnected\" to a dead display (VNC error) and the session count never drops until MaxSessions",
			Evidence: []string{
				"xrdp v0.9.17 sesman/sig.c sig_sesman_session_end: one pid = g_waitchild() per signal",
				"fixed in v0.9.19 (neutrinolabs/xrdp #2146, #2151, #2168); v0.9.21.1 sesman/sig.c:96-107 reaps in a do { g_waitchild() } while (pid > 0) loop",
				"measured (xrdp-notes): real 0.9.17, 10 users × 20 rounds of aligned reconnects: zombies grew 1, 6, 11 … 40 and never fell; 0.9.21.1 and 0.9.22.1: none",
			},
			Fix: "upgrade to 0.9.19 or later (Debian bookworm has 0.9.21.1)",
		})
	},
}

// unreadLines rests on xrdp v0.9.21.1 and v0.10.1 common/file.c (2048-byte
// lines, the 32 KiB read, keys before the first section).
var unreadLines = Rule{
	ID:      "unread-lines",
	Summary: "lines xrdp does not read (too long, past 32 KiB, outside a section)",
	Check: func(c Config, v Version) []Finding {
		var out []Finding
		for _, file := range []struct {
			name string
			f    *ini.File
		}{{"sesman.ini", c.Sesman}, {"xrdp.ini", c.Xrdp}} {
			if file.f == nil {
				continue
			}
			for _, p := range file.f.Ignored {
				out = append(out, Finding{
					Severity: Error,
					Setting:  fmt.Sprintf("%s line %d", file.name, p.Line),
					Message:  fmt.Sprintf("xrdp does not read %s line %d: %s", file.name, p.Line, p.Reason),
					Evidence: []string{"xrdp v0.9.21.1 and v0.10.1 common/file.c:32 FILE_MAX_LINE_BYTES 2048 (a longer line ends the read), the \"32 K file size limit\" of l_file_read_section, and keys before the first [section] belong to none"},
					Fix:      "shorten or move the line into its section, and keep the file under 32 KiB",
				})
			}
		}
		return out
	},
}
