package lint

import "fmt"

// Evidence for the display ≥ 100 trap.
var displayEvidence = []string{
	`xrdp v0.9.21.1 sesman/session.c:200 g_sprintf(text, "59%2.2d", display) (and :211 "60%2.2d", :222 "62%2.2d"): the free-display check probes 59D/60D/62D, so for D ≥ 100 it tests 59118, not 5900+118 = 6018`,
	`xrdp v0.10.1 sesman/session_list.c:173 the same "59%2.2d" check (:184 "60%2.2d", :195 "62%2.2d")`,
	`xrdp v0.9.21.1 xrdp/xrdp_mm.c:507 (v0.10.1 :471) g_snprintf(text, 255, "%d", 5900 + self->display): xrdp dials 5900+D, which for D ≥ 100 is the X11 TCP port 6000+(D-100)`,
	`measured: scenarios/defaults/high-display.yaml on 0.9.21.1 (display 118, a squatter on 6018): Xvnc "failed to bind socket: Address already in use", sesman "Timed out waiting for X server on display 118", the login fails`,
}

// topDisplay is the highest display sesman may hand out. 0.9.x scans
// offset..offset+MaxSessions (sesman/session.c:342 at v0.9.21.1, "<="); 0.10
// scans offset..MaxDisplayNumber (sesman/session_list.c:277-278 at v0.10.1).
func topDisplay(c Config, v Version) (int, setting) {
	if v.newSesman() {
		m := maxDisplayNumber(c)
		return m.int(), m
	}
	m := maxSessions(c)
	return displayOffset(c).int() + m.int(), m
}

// displayPortClash rests on xrdp v0.9.21.1 sesman/session.c:200-222 (the
// "59%2.2d" free-display probe) and xrdp/xrdp_mm.c:507 (5900+D), the same
// in v0.10.1 sesman/session_list.c:173-195 and xrdp/xrdp_mm.c:471. Proof:
// high-display.
var displayPortClash = Rule{
	ID:       "display-port-clash",
	Summary:  "displays of 100 and more: sesman's free-display check probes the wrong port and Xvnc's 5900+D is X11's 6000+D'",
	Scenario: "high-display",
	Check: func(c Config, v Version) []Finding {
		off := displayOffset(c)
		top, bound := topDisplay(c, v)
		if top < 100 {
			return nil
		}
		if off.int() > top {
			return nil // no display in range at all: max-display-number says so
		}
		f := Finding{
			Evidence: displayEvidence,
			Fix:      "keep X11DisplayOffset + MaxSessions below 100 (e.g. X11DisplayOffset=10, MaxSessions ≤ 89); no release up to 0.10.1 fixes the check",
		}
		if off.int() >= 100 {
			f.Severity = Error
			f.Setting = off.String()
			f.Message = fmt.Sprintf("every display is ≥ 100 (from %d): a port already taken at 5900+D goes unnoticed, Xvnc cannot bind and the session times out while xrdp connects to whatever holds the port", off.int())
		} else {
			f.Severity = Warning
			f.Setting = join(off.String(), "+", bound.String())
			f.Message = fmt.Sprintf("displays up to %d can be handed out: those of 100 and more are not checked against 5900+D, so a taken port there makes the login fail", top)
		}
		return one(f)
	},
}

// maxDisplayNumberRule rests on xrdp v0.10.1
// sesman/libsesman/sesman_config.c:419 (default 63) and
// sesman/session_list.c:277-304 (the scan and its "no display in range").
var maxDisplayNumberRule = Rule{
	ID:       "max-display-number",
	Summary:  "0.10 refuses displays above MaxDisplayNumber (63 by default)",
	Scenario: "",
	Check: func(c Config, v Version) []Finding {
		if !v.newSesman() {
			return nil
		}
		off, ms, mdn := displayOffset(c), maxSessions(c), maxDisplayNumber(c)
		need := off.int() + ms.int() - 1
		f := Finding{
			Severity: Error,
			Evidence: []string{
				"xrdp v0.10.1 sesman/libsesman/sesman_config.c:419 se->max_display_number = 63 (the default without the key)",
				"xrdp v0.10.1 sesman/session_list.c:277-278 displays are scanned from X11DisplayOffset to max_display_number only; :299-304 logs \"X server -- no display in range (%d to %d) is available\"",
				"measured: 0.10.1 with X11DisplayOffset=118 logged \"X server -- no display in range (118 to 63)\" and refused every login",
			},
		}
		switch {
		case off.int() > mdn.int():
			f.Setting = join(off.String(), ">", mdn.String())
			f.Message = fmt.Sprintf("X11DisplayOffset %d is above MaxDisplayNumber %d: no session can start", off.int(), mdn.int())
			f.Fix = fmt.Sprintf("set [Sessions] MaxDisplayNumber=%d or more (or lower X11DisplayOffset)", off.int()+max(ms.int(), 1)-1)
		case ms.int() > 0 && need > mdn.int():
			f.Setting = join(off.String(), "+", ms.String(), ">", mdn.String())
			f.Message = fmt.Sprintf("MaxSessions %d from display %d needs displays up to %d, but MaxDisplayNumber is %d: sessions past the %dth are refused (\"no display in range\")",
				ms.int(), off.int(), need, mdn.int(), mdn.int()-off.int()+1)
			f.Fix = fmt.Sprintf("set [Sessions] MaxDisplayNumber=%d (or lower MaxSessions to %d)", need, mdn.int()-off.int()+1)
		default:
			return nil
		}
		return one(f)
	},
}
