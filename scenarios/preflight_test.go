package scenarios

import (
	"strings"
	"testing"
)

func TestPreflightDefaults(t *testing.T) {
	got, err := Preflight(PreflightRequest{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Specs) != len(DefaultOrder) || len(got.Versions) != 4 || got.Versions[0].Label != DefectBuild {
		t.Fatalf("specs %d, versions %+v", len(got.Specs), got.Versions)
	}
}

func TestPreflightRefusesEmptyAndUnmatched(t *testing.T) {
	_, err := Preflight(PreflightRequest{Scenarios: []string{"", "baseline"}, Versions: []string{" ", "0.9.99"}, CacheDir: t.TempDir()})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, w := range []string{`--scenario "": empty`, `--version " ": empty`, `--version 0.9.99`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	_, err = Preflight(PreflightRequest{Scenarios: []string{"high-display"}, Versions: []string{}, CacheDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "--version: none given") {
		t.Errorf("no versions: %v", err)
	}
	for _, v := range []string{"", " , ,", "a,,b"} {
		if _, err := SplitList(v); err == nil {
			t.Errorf("SplitList(%q) accepted", v)
		}
	}
}
