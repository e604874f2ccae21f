package lint

import (
	"fmt"
	"strings"
)

// maxSessionsRule rests on xrdp v0.9.21.1 sesman/session.c:464-467 and
// sesman/config.c:310, and v0.10.1 sesman/scp_process.c:451-452. Its proof,
// max-sessions-refused, logs three users in at once under MaxSessions=2.
var maxSessionsRule = Rule{
	ID:       "max-sessions",
	Summary:  "MaxSessions below the users that log in (0.9.x: 0 or unset refuses every login)",
	Scenario: "max-sessions-refused",
	Check: func(c Config, v Version) []Finding {
		ms := maxSessions(c)
		f := Finding{Severity: Error, Setting: ms.String(), Evidence: []string{
			`xrdp v0.9.21.1 sesman/session.c:464-467 if (g_session_count >= g_cfg->sess.max_sessions) LOG "max concurrent session limit exceeded. login for user %s denied"`,
			"xrdp v0.10.1 sesman/scp_process.c:451-452 the same limit, applied only when max_sessions > 0 (0 means no limit)",
			"measured (lint --prove, max-sessions-refused, 2026-12-01): 0.9.21.1 refused the third of three users (sesman: max concurrent session limit exceeded); 0.10.1 the same, logged by xrdp only (Can't create session for user user3 - Max session limit reached)",
			"measured (lint --prove, 2026-12-01): 0.9.21.1 with a sesman.ini that leaves MaxSessions out refused all 3 users (session-limit ×3)",
		}}
		if !v.newSesman() {
			if ms.int() <= 0 {
				f.Message = fmt.Sprintf("MaxSessions %d: 0.9.x refuses every login (session count ≥ %d from the start); sesman/config.c:310 makes an unset key 0", ms.int(), ms.int())
				f.Fix = "set [Sessions] MaxSessions to the number of sessions the host must hold (the packaged file has 50)"
				return one(f)
			}
		} else if ms.int() <= 0 {
			return nil
		}
		if c.Users > 0 && ms.int() < c.Users {
			f.Message = fmt.Sprintf("MaxSessions %d is below the %d users named: logins past the %dth are refused (\"max concurrent session limit exceeded\")", ms.int(), c.Users, ms.int())
			f.Fix = fmt.Sprintf("set [Sessions] MaxSessions=%d or more (one session per user and colour depth with Policy=Default)", c.Users)
			return one(f)
		}
		return nil
	},
}

// listenAddressChansrv rests on xrdp v0.9.21.1 sesman/chansrv/chansrv_config.c
// (use_unix_socket only for 127.0.0.1), sesman/chansrv/chansrv.c (TCP
// 7200+display otherwise) and xrdp/xrdp_mm.c (xrdp dials the UNIX socket
// for a local session, xrdp_mm.c:2319-2338 trying it for 16 s). Its proof,
// chansrv-tcp, sets ListenAddress=0.0.0.0 and is judged by the chansrv
// checker.
var listenAddressChansrv = Rule{
	ID:       "listen-address-chansrv",
	Summary:  "0.9.x sesman ListenAddress other than 127.0.0.1 moves chansrv to TCP and stalls logins ≈ 16 s",
	Scenario: "chansrv-tcp",
	Check: func(c Config, v Version) []Finding {
		if v.newSesman() {
			return nil
		}
		la := listenAddress(c)
		if strings.EqualFold(la.value, "127.0.0.1") { // chansrv's g_strcasecmp
			return nil
		}
		// xrdp dials chansrv on its UNIX socket when the session's ip is
		// 127.0.0.1 or empty: only then do the two disagree.
		if !localSessions(c) {
			return nil
		}
		return one(Finding{
			Severity: Warning,
			Setting:  la.String(),
			Message:  fmt.Sprintf("chansrv listens on TCP 7200+D because ListenAddress is %q, while xrdp looks for chansrv's UNIX socket (the session ip is 127.0.0.1): the xrdp process of every new connection waits ≈ 16 s for chansrv (the session frozen after its first screen), then runs without clipboard, drives and sound", la.value),
			Evidence: []string{
				"xrdp v0.9.21.1 sesman/chansrv/chansrv_config.c:110-114 only ListenAddress=127.0.0.1 sets use_unix_socket; the default (:38 DEFAULT_USE_UNIX_SOCKET 0) is TCP, and chansrv.c:1254 listens on 7200+display",
				"xrdp v0.9.21.1 sesman/config.c:106-108 an unset ListenAddress is 0.0.0.0",
				"xrdp v0.9.21.1 xrdp/xrdp_mm.c:2544-2549 xrdp connects to chansrv's UNIX socket when the session ip is empty or 127.0.0.1, else to 7200+display",
				"xrdp v0.9.21.1 xrdp/xrdp_mm.c:2319-2332 tries chansrv 4 times, each a trans_connect with a 3000 ms timeout (common/trans.c:739-770 retries the UNIX socket every 100 ms) then a 1 s sleep: 16 s before the login goes on without chansrv",
				"measured: harness/check/testdata/storm-0.9.21.1.json (real 0.9.21.1, sesman on 0.0.0.0): 18 connections could not reach chansrv, 3 gave up after ≈ 16 s (the chansrv checker); lint --prove runs scenarios/defaults/chansrv-tcp.yaml",
			},
			Fix: "keep [Globals] ListenAddress=127.0.0.1 and reach sesman from elsewhere through a relay or proxy, or point xrdp.ini's session ip at the same address",
		})
	},
}

// localSessions reports whether xrdp.ini's session sections use the local
// sesman (ip 127.0.0.1 or empty); the packaged file does.
func localSessions(c Config) bool {
	if c.Xrdp == nil {
		return true
	}
	secs := append(sessionSections(c.Xrdp, "libvnc.so"), sessionSections(c.Xrdp, "libxup.so")...)
	if len(secs) == 0 {
		return true
	}
	for _, s := range secs {
		if e, ok := s.Get("ip"); !ok || e.Value == "" || e.Value == "127.0.0.1" {
			return true
		}
	}
	return false
}

// scpPortIgnored rests on xrdp v0.10.1 libipm/scp.c:133-140.
var scpPortIgnored = Rule{
	ID:      "scp-port-ignored",
	Summary: "0.10 ignores a TCP ListenPort: sesman listens on a UNIX socket only",
	Check: func(c Config, v Version) []Finding {
		if !v.newSesman() {
			return nil
		}
		lp := listenPort(c, v)
		if !lp.set || atoi(lp.value) <= 0 || fmt.Sprint(atoi(lp.value)) != lp.value {
			return nil
		}
		return one(Finding{
			Severity: Warning,
			Setting:  lp.String(),
			Message:  fmt.Sprintf("ListenPort %s is a TCP port: 0.10 logs \"Ignoring obsolete SCP port value\" and listens on /run/xrdp/sockdir/sesman.socket; anything that dials TCP %s (monitoring, scripts, a remote xrdp) gets no answer", lp.value, lp.value),
			Evidence: []string{
				"xrdp v0.10.1 libipm/scp.c:133-140 a positive integer ListenPort is logged \"Ignoring obsolete SCP port value '%s'\" and replaced by sesman.socket",
				"measured (xrdp-notes, 2026-12-01): 0.10.1 logged \"Ignoring obsolete SCP port value\" and listened on the UNIX socket only",
			},
			Fix: "remove ListenPort (or set a socket name such as sesman.socket); SCP in 0.10 is local only",
		})
	},
}

// listenAddressObsolete rests on xrdp v0.10.1
// sesman/libsesman/sesman_config.c:223-229.
var listenAddressObsolete = Rule{
	ID:      "listen-address-obsolete",
	Summary: "0.10 ignores [Globals] ListenAddress",
	Check: func(c Config, v Version) []Finding {
		la := listenAddress(c)
		if !v.newSesman() || !la.set {
			return nil
		}
		return one(Finding{
			Severity: Info,
			Setting:  la.String(),
			Message:  "0.10 ignores ListenAddress and logs \"Obsolete setting' ListenAddress' in [Globals] should be removed.\"",
			Evidence: []string{"xrdp v0.10.1 sesman/libsesman/sesman_config.c:223-229 ListenAddress only logs the obsolete-setting warnings"},
			Fix:      "remove [Globals] ListenAddress for 0.10",
		})
	},
}
