package containers

import "testing"

// MaxSessions in effect (the Record's TargetInfo): the harness's, the
// operator's, sesman's compiled 0 when their sesman.ini leaves it out, the
// packaged 50 without one.
func TestMaxSessionsInEffect(t *testing.T) {
	withKey := blameDir(t, map[string]string{"sesman.ini": "[Sessions]\nMaxSessions=12\n"})
	without := blameDir(t, map[string]string{"sesman.ini": "[Sessions]\nX11DisplayOffset=10\n"})
	xrdpOnly := blameDir(t, map[string]string{"xrdp.ini": "[Globals]\nport=3389\n"})
	for _, tc := range []struct {
		name string
		cfg  config
		want int
	}{
		{"the harness's", config{maxSessions: 3, configDir: withKey}, 3},
		{"the operator's", config{configDir: withKey}, 12},
		{"left out of the operator's sesman.ini", config{configDir: without}, 0},
		{"no operator sesman.ini: the packaged file", config{configDir: xrdpOnly}, 50},
		{"no config dir", config{}, 50},
	} {
		if got := (&Server{cfg: tc.cfg}).MaxSessions(); got != tc.want {
			t.Errorf("%s: MaxSessions %d, want %d", tc.name, got, tc.want)
		}
	}
}
