package containers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xrdp-harness/xrdp-harness/containers/xrdpconf"
)

func blameDir(t *testing.T, files map[string]string) *xrdpconf.Dir {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := xrdpconf.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A failed start names the operator's file, line and setting the daemons'
// logs point at: by a value the log line holds, or by a failure tied to a
// key in the source; a near miss (the value inside a longer word, a value
// on a line that reports no problem) names nothing.
func TestBlame(t *testing.T) {
	xrdpIni := "[Globals]\nport=3389\nsecurity_layer=negotiate\ncertificate=/etc/xrdp/prod/cert.pem\nkey_file=/etc/xrdp/prod/key.pem\n[Xvnc]\nname=Xvnc\nlib=libvnc.so\n"
	sesmanIni := "[Globals]\nListenAddress=192.0.2.7\nListenPort=3350\n[Sessions]\nMaxSessions=50\n"
	d := blameDir(t, map[string]string{"xrdp.ini": xrdpIni, "sesman.ini": sesmanIni})
	for _, tc := range []struct {
		name string
		logs []startLog
		want []string
	}{
		{"certificate not readable (xrdp v0.9.21.1 libxrdp/xrdp_iso.c:164)", []startLog{{name: XrdpLog, reads: "xrdp.ini",
			text: "[20261201-13:20:01] [INFO ] starting xrdp with pid 12\n[20261201-13:20:02] [WARN ] Cannot accept TLS connections because certificate or private key file is not readable. certificate file: [/etc/xrdp/prod/cert.pem], private key file: [/etc/xrdp/prod/key.pem]\n"}},
			[]string{"xrdp.ini line 4 ([Globals] certificate=/etc/xrdp/prod/cert.pem), named by /var/log/xrdp.log: \"[20261201-13:20:02] [WARN ] Cannot accept TLS",
				"xrdp.ini line 5 ([Globals] key_file=/etc/xrdp/prod/key.pem)"}},
		{"sesman cannot listen: the key from the source", []startLog{{name: SesmanLog, reads: "sesman.ini",
			text: "[20261201-13:20:01] [ERROR] sesman_create_listening_transport: trans_listen_address failed\n"}},
			[]string{"sesman.ini line 2 ([Globals] ListenAddress=192.0.2.7), named by /var/log/xrdp-sesman.log", "sesman.ini line 3 ([Globals] ListenPort=3350)", "sesman/sesman.c:408-412"}},
		{"the value in the container output", []startLog{{name: "container output", text: "xrdp-sesman: error: cannot bind 192.0.2.7: Cannot assign requested address\n"}},
			[]string{"sesman.ini line 2 ([Globals] ListenAddress=192.0.2.7), named by container output"}},
		{"near miss: the value inside a longer number", []startLog{{name: SesmanLog, reads: "sesman.ini", text: "[ERROR] pid 133502 failed\n"}}, nil},
		{"near miss: the value on a line without a problem", []startLog{{name: XrdpLog, reads: "xrdp.ini", text: "[INFO ] using certificate /etc/xrdp/prod/cert.pem\n"}}, nil},
		{"near miss: a listen failure outside the daemons' logs", []startLog{{name: "container output", text: "[ERROR] trans_listen_address failed\n"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(blame(d, tc.logs), "\n")
			if tc.want == nil {
				if got != "" {
					t.Fatalf("blamed %q", got)
				}
				return
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("blame %q lacks %q", got, w)
				}
			}
		})
	}
	if got := blameText(d, nil); !strings.Contains(got, "no log line names one of your settings") {
		t.Errorf("blameText without logs: %q", got)
	}
}
