package xrdpconf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	op := "[Globals]\nListenAddress=0.0.0.0\nListenPort=3350\n\n[Sessions]\nMaxSessions=77\nPolicy=UBD ; ours\n\n[Xvnc]\nparam=Xvnc\nparam=-bs\n"
	fin := "[Globals]\nListenAddress=127.0.0.1\nListenPort=3350\nReconnectScript=/etc/xrdp/reconnectwm.sh\n\n[Sessions]\nMaxSessions=77\nPolicy=UBD ; ours\n\n[Xvnc]\nparam=Xvnc\nparam=-bs\nparam=-x\n\n[Logging]\nLogFile=/var/log/xrdp-sesman.log\n"
	got := Diff("sesman.ini", []byte(op), []byte(fin))
	var s []string
	for _, c := range got {
		s = append(s, c.String())
	}
	want := []string{
		`sesman.ini [Globals] ListenAddress: "0.0.0.0" (line 2) → "127.0.0.1"`,
		`sesman.ini [Globals] ReconnectScript: not set → "/etc/xrdp/reconnectwm.sh"`,
		`sesman.ini [Xvnc] param: "Xvnc | -bs" (line 11) → "Xvnc | -bs | -x"`,
		`sesman.ini [Logging] LogFile: not set → "/var/log/xrdp-sesman.log"`,
	}
	if strings.Join(s, "\n") != strings.Join(want, "\n") {
		t.Fatalf("diff:\n%s\nwant:\n%s", strings.Join(s, "\n"), strings.Join(want, "\n"))
	}
	if d := Diff("x.ini", []byte(op), []byte(op)); len(d) != 0 {
		t.Fatalf("same file differs: %v", d)
	}
	if d := Diff("x.ini", []byte(op), []byte("[Globals]\nListenPort=3350\n")); !d[0].Removed {
		t.Fatalf("removed key not marked: %v", d)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "no config files") {
		t.Fatalf("empty dir: %v", err)
	}
	write("sesman.ini", "[Sessions]\nMaxSessions=7\n")
	write("km-00000407.ini", "[noshift]\n")
	write(".sesman.ini.swp", "x")
	d, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.Names(), ","); got != "km-00000407.ini,sesman.ini" {
		t.Fatalf("names %s", got)
	}
	if e, _ := d.Ini("sesman.ini").Get("Sessions", "MaxSessions"); e.Value != "7" {
		t.Fatalf("MaxSessions %q", e.Value)
	}
	write("xrdp.conf", "x")
	if err := os.Mkdir(filepath.Join(dir, "pulse"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = Load(dir)
	if err == nil || !strings.Contains(err.Error(), "xrdp.conf: not a file") || !strings.Contains(err.Error(), "pulse: not a file") {
		t.Fatalf("want both stray entries named: %v", err)
	}
}
