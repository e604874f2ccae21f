package containers

import "testing"

func TestFeaturesOf(t *testing.T) {
	for _, tc := range []struct {
		version string
		want    Features
	}{
		{"0.9.17", Features{SCPTCP: true, SessionProcess: "xrdp-sesman"}},
		{"0.9.21.1", Features{SCPTCP: true, SessionProcess: "xrdp-sesman"}},
		{"0.10.1", Features{SessionProcess: "xrdp-sesexec", MaxDisplayNumber: 63}},
		{"0.10.6.1", Features{SessionProcess: "xrdp-sesexec", MaxDisplayNumber: 63}},
		{"1.0", Features{SessionProcess: "xrdp-sesexec", MaxDisplayNumber: 63}},
		{"", Features{SessionProcess: "xrdp-sesexec", MaxDisplayNumber: 63}},
	} {
		if got := FeaturesOf(tc.version); got != tc.want {
			t.Errorf("FeaturesOf(%q) = %+v, want %+v", tc.version, got, tc.want)
		}
	}
}
