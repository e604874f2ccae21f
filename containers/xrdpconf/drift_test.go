package xrdpconf

import (
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	op := &Dir{Path: "/srv/prod", Files: []File{{Name: "sesman.ini", Data: []byte(
		"[Globals]\nListenAddress=127.0.0.1\nListenPort=3350\nListenPrt=3351\n[Sessions]\nMaxSessions=20\nMaxDisplayNumber=80\n[SessionVariables]\nPULSE_SCRIPT=/x\n[Obsolete]\nk=v\n")}}}
	v09 := map[string][]byte{"sesman.ini": []byte("[Globals]\nListenAddress=127.0.0.1\nListenPort=3350\n[Sessions]\nX11DisplayOffset=10\nMaxSessions=50\nKillDisconnected=false\n[SessionVariables]\nPULSE_SCRIPT=/etc/xrdp/pulse/default.pa\n")}
	v010 := map[string][]byte{"sesman.ini": []byte("[Globals]\n#ListenPort=sesman.socket\n[Sessions]\nX11DisplayOffset=10\n#MaxDisplayNumber=63\nMaxSessions=50\nKillDisconnected=false\nIdleTimeLimit=0\n[SessionVariables]\nPULSE_SCRIPT=/etc/xrdp/pulse/default.pa\n")}

	// xrdp.ini differs too, but the operator leaves it to the package.
	v09["xrdp.ini"] = []byte("[Globals]\ngrey=dedede\n")
	v010["xrdp.ini"] = []byte("[Globals]\ngrey=e1e1e1\n")
	d := Compare(op, "0.9.21.1", v09, "0.10.1", v010)
	var unknown, defaults []string
	for _, k := range d.Unknown {
		unknown = append(unknown, k.String())
	}
	for _, c := range d.Defaults {
		defaults = append(defaults, c.String())
	}
	wantUnknown := []string{
		"sesman.ini [Globals] ListenAddress (line 2)", // 0.10's file neither sets nor documents it
		"sesman.ini [Globals] ListenPrt (line 4)",     // a typo
		"sesman.ini [Obsolete] (line 10)",
	}
	if strings.Join(unknown, "\n") != strings.Join(wantUnknown, "\n") {
		t.Fatalf("unknown:\n%s\nwant:\n%s", strings.Join(unknown, "\n"), strings.Join(wantUnknown, "\n"))
	}
	wantDefaults := []string{
		`sesman.ini [Globals] ListenAddress: "127.0.0.1" → unset (yours: "127.0.0.1", which still applies)`,
		`sesman.ini [Globals] ListenPort: "3350" → unset (yours: "3350", which still applies)`,
		`sesman.ini [Sessions] IdleTimeLimit: unset → "0" (you do not set it: the new default applies)`,
	}
	if strings.Join(defaults, "\n") != strings.Join(wantDefaults, "\n") {
		t.Fatalf("defaults:\n%s\nwant:\n%s", strings.Join(defaults, "\n"), strings.Join(wantDefaults, "\n"))
	}
	// MaxDisplayNumber is documented in 0.10's file (a comment) but not in 0.9's.
	d09 := Compare(op, "", nil, "0.9.21.1", v09)
	found := false
	for _, k := range d09.Unknown {
		found = found || k.Key == "MaxDisplayNumber"
	}
	if !found || len(d09.Defaults) != 0 {
		t.Fatalf("0.9.21.1 drift %+v: want MaxDisplayNumber unknown and no default changes without a previous version", d09)
	}
}
