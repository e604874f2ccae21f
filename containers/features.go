package containers

import (
	"strconv"
	"strings"
)

// Features is what one xrdp release does differently, as far as the
// harness must know. Code asks Features(version) instead of matching the
// version string; a new xrdp version with a new behaviour changes this
// file alone.
type Features struct {
	// SCPTCP: sesman serves SCP v0 on a TCP port ([Globals] ListenAddress
	// and ListenPort, sesman/config.c at v0.9.21.1), which the harness
	// relays and publishes. False: 0.10 speaks its own SCP on the UNIX
	// socket /run/xrdp/sockdir/sesman.socket only and ignores a TCP
	// ListenPort ("Ignoring obsolete SCP port value", v0.10.1).
	SCPTCP bool
	// SessionProcess is the process that holds one session under the main
	// sesman: 0.9.x sesman forks itself (xrdp-sesman); 0.10 runs
	// xrdp-sesexec (sesman/sesexec/ at v0.10.1).
	SessionProcess string
	// MaxDisplayNumber is sesman's default highest display
	// ([Sessions] MaxDisplayNumber, 63; sesman/session_list.c at v0.10.1
	// refuses displays above it). 0: no such bound (0.9.x).
	MaxDisplayNumber int
}

// FeaturesOf returns the features of an upstream xrdp version ("0.9.21.1",
// "0.10.1"). A version that does not parse is taken as the newest
// behaviour known here (0.10).
func FeaturesOf(version string) Features {
	if major, minor, ok := majorMinor(version); ok && major == 0 && minor < 10 {
		return Features{SCPTCP: true, SessionProcess: "xrdp-sesman"}
	}
	return Features{SessionProcess: "xrdp-sesexec", MaxDisplayNumber: 63}
}

func majorMinor(v string) (int, int, bool) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	return major, minor, err1 == nil && err2 == nil
}
