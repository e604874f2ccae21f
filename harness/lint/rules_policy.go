package lint

import (
	"fmt"
	"strings"
)

// policy09 are the values 0.9.x knows (sesman/config.c:347-377 at
// v0.9.21.1, compared without case); anything else silently becomes
// Default.
var policy09 = []string{"Default", "UBD", "UBI", "UBC", "UBDI", "UBDC"}

// matching is what a reconnect must match to find its session again.
type matching struct {
	perConnection bool   // never matches: every connection a new session
	also          string // "D", "I", "DI": display size and/or IP must match too
	ignored       string // why the written value is not what applies ("" when it is)
}

func policyMatching(p string, v Version) matching {
	if !v.newSesman() {
		for _, k := range policy09 {
			if strings.EqualFold(p, k) {
				if k == "Default" {
					return matching{}
				}
				u := strings.ToUpper(p)
				return matching{perConnection: strings.Contains(u, "C"), also: strings.Trim(strings.TrimPrefix(u, "UB"), "C")}
			}
		}
		return matching{ignored: fmt.Sprintf("0.9.x knows only %s: %q silently becomes Default", strings.Join(policy09, ", "), p)}
	}
	switch {
	case strings.EqualFold(p, "Default"):
		return matching{}
	case strings.EqualFold(p, "Separate"):
		return matching{perConnection: true}
	}
	var m matching
	var bad []string
	for _, r := range strings.ToUpper(p) {
		switch r {
		case 'U', 'B':
		case 'D', 'I':
			m.also += string(r)
		default:
			bad = append(bad, string(r))
		}
	}
	if len(bad) > 0 {
		m.ignored = fmt.Sprintf("0.10 ignores %s in %q (C is gone: use Separate)", strings.Join(bad, ""), p)
	}
	return m
}

// policyIgnored rests on xrdp v0.9.21.1 sesman/config.c:347-377 (unknown
// values become Default) and v0.10.1 sesman/libsesman/sesman_config.c:116-131
// (unknown letters dropped, C gone).
var policyIgnored = Rule{
	ID:      "policy-ignored",
	Summary: "a Policy value the version does not know is silently replaced",
	Check: func(c Config, v Version) []Finding {
		p := policy(c)
		m := policyMatching(p.value, v)
		if m.ignored == "" {
			return nil
		}
		f := Finding{Severity: Warning, Setting: p.String(), Message: m.ignored}
		if v.newSesman() {
			f.Evidence = []string{"xrdp v0.10.1 sesman/libsesman/sesman_config.c:116-131 unknown Policy letters are logged and dropped; \"Character 'C' is no longer used in session allocation policies - use 'Separate'\""}
			f.Fix = "write Default, Separate, or letters from UBDI"
		} else {
			f.Evidence = []string{"xrdp v0.9.21.1 sesman/config.c:374-377 \"silently ignore typos\": any other value is SESMAN_CFG_SESS_POLICY_DFLT"}
			f.Fix = "write one of " + strings.Join(policy09, ", ")
		}
		return one(f)
	},
}

// policyReconnectLeak rests on xrdp v0.9.21.1 sesman/session.c:150-159
// (session matching per Policy) and :705-710 (KillDisconnected only reaches
// the X server), v0.10.1 sesman/session_list.c:350-410 and
// sesman/sesexec/session.c:364-370. Proof (per-connection Policy only):
// reconnect-leak.
var policyReconnectLeak = Rule{
	ID:      "policy-reconnect-leak",
	Summary: "a Policy that makes a new session on reconnect, with disconnected sessions never ended, leaks sessions",
	Check: func(c Config, v Version) []Finding {
		p, kd := policy(c), killDisconnected(c)
		m := policyMatching(p.value, v)
		if !m.perConnection && m.also == "" {
			return nil
		}
		// Disconnected sessions end only when the X server ends them:
		// xorgxrdp reads KillDisconnected, Xvnc does not (killDisconnectedXvnc).
		if kd.bool() && !xvncSessions(c) {
			return nil
		}
		why := "KillDisconnected is off"
		if kd.bool() {
			why = "Xvnc sessions ignore KillDisconnected"
		}
		f := Finding{Setting: join(p.String(), "with", kd.String())}
		if v.newSesman() {
			f.Evidence = []string{"xrdp v0.10.1 sesman/session_list.c:350-355 Separate never matches (\"No matches possible\"); :395-410 D and I compare the start size and IP"}
		} else {
			f.Evidence = []string{"xrdp v0.9.21.1 sesman/session.c:150-159 a session matches only when, per Policy, size (D), IP (I) and the whole connection description (C: IP and source port, new on every connection) are equal"}
		}
		f.Evidence = append(f.Evidence,
			"xrdp v0.9.21.1 sesman/session.c:705-710 (v0.10.1 sesman/sesexec/session.c:364-370) KillDisconnected and DisconnectedTimeLimit only reach the X server as XRDP_SESMAN_* variables",
			"measured (xrdp-notes): KillDisconnected/DisconnectedTimeLimit had no effect with Xvnc on 0.9.21.1")
		if m.perConnection {
			f.Evidence = append(f.Evidence, "measured (lint --prove, reconnect-leak, 2026-12-01): 2 users reconnecting 3 times left 6 sessions on 0.9.21.1 with Policy=UBC, and 5 (MaxSessions=5) on 0.10.1 with Policy=Separate")
			// reconnect-leak reconnects the same users at the same size and
			// depth under the operator's Policy: only a per-connection
			// Policy makes that a new session. The D and I cases need a
			// reconnect at another size or from another address, which the
			// harness's clients do not make yet: no proof.
			f.Scenario = "reconnect-leak"
			f.Severity = Error
			f.Message = fmt.Sprintf("Policy %s gives every connection a new session and %s: each reconnect leaves the old session behind until MaxSessions is reached", p.value, why)
		} else {
			f.Severity = Warning
			f.Message = fmt.Sprintf("Policy %s makes a new session when a user reconnects with another %s, and %s: the old session stays until MaxSessions is reached", p.value, alsoWords(m.also), why)
		}
		f.Fix = "use Policy=Default (one session per user and colour depth), or end disconnected sessions (KillDisconnected=true with DisconnectedTimeLimit on Xorg sessions; Xvnc needs an external reaper)"
		return one(f)
	},
}

func alsoWords(also string) string {
	var w []string
	if strings.Contains(also, "D") {
		w = append(w, "screen size")
	}
	if strings.Contains(also, "I") {
		w = append(w, "IP address")
	}
	return strings.Join(w, " or ")
}

// killDisconnectedXvnc rests on xrdp v0.9.21.1 sesman/session.c:705-710
// and v0.10.1 sesman/sesexec/session.c:364-370 (the limits are only
// XRDP_SESMAN_* variables for the X server, which Xvnc ignores).
var killDisconnectedXvnc = Rule{
	ID:      "kill-disconnected-xvnc",
	Summary: "KillDisconnected, DisconnectedTimeLimit and IdleTimeLimit do nothing for Xvnc sessions",
	Check: func(c Config, v Version) []Finding {
		if !xvncSessions(c) {
			return nil
		}
		kd := killDisconnected(c)
		dl := lookup(c.Sesman, "sesman.ini", "Sessions", "DisconnectedTimeLimit", "0", "0")
		il := lookup(c.Sesman, "sesman.ini", "Sessions", "IdleTimeLimit", "0", "0")
		var set []string
		for _, s := range []setting{kd, dl, il} {
			if s.set && s.bool() {
				set = append(set, s.String())
			}
		}
		if len(set) == 0 {
			return nil
		}
		return one(Finding{
			Severity: Warning,
			Setting:  strings.Join(set, ", "),
			Message:  "these reach only the X server (as XRDP_SESMAN_* variables): xorgxrdp acts on them, Xvnc does not, so Xvnc sessions are never ended or disconnected by them",
			Evidence: []string{
				"xrdp v0.9.21.1 sesman/session.c:705-710 and v0.10.1 sesman/sesexec/session.c:364-370: sesman only exports XRDP_SESMAN_MAX_IDLE_TIME, _MAX_DISC_TIME and _KILL_DISCONNECTED to the X server",
				"measured (xrdp-notes): KillDisconnected/DisconnectedTimeLimit had no effect with Xvnc on 0.9.21.1",
			},
			Fix: "use Xorg (xorgxrdp) sessions for these limits, or end idle Xvnc sessions from outside (a cron job, xrdp-sesadmin)",
		})
	},
}
