package containers

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

func FuzzParseImageSpec(f *testing.F) {
	for _, s := range []string{"0.9.21.1", "0.9.22.1@/srv/x.tar.gz", "@/x.tar.gz", "0.9@http://x", "",
		"0.9.22.1@https://h/x.tar.gz#sha256=" + strings.Repeat("A", 64), "0.9.22.1@https://h/x#sha256=../../x", "x$(id)@y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := ParseImageSpec(s)
		if err != nil {
			return
		}
		if spec.Version != "" && !versionRE.MatchString(spec.Version) {
			t.Fatalf("%q: version %q accepted", s, spec.Version)
		}
		if spec.Source != nil {
			if err := checkTarballRef(*spec.Source); err == nil && spec.Source.SHA256 != "" && !sha256RE.MatchString(spec.Source.SHA256) {
				t.Fatalf("%q: sha256 %q passed", s, spec.Source.SHA256)
			}
		}
	})
}

// FuzzParseIniSetting: whatever the host accepts, the agent's editor
// (containers/agent/ini) accepts too, so no override fails inside the
// container after the image is built.
func FuzzParseIniSetting(f *testing.F) {
	for _, s := range []string{"sesman.ini:Sessions.MaxSessions=100", "sesman.ini:Sessions.#x=1", "xrdp.ini:Globals.;y=", "a:b.=c",
		"sesman.ini:Xvnc.param=-dpi 96", "../x.ini:a.b=c", "sesman.ini:a.b=c\nd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, err := ParseIniSetting(s)
		if err != nil {
			return
		}
		if _, err := editCheck(set); err != nil {
			t.Fatalf("%q: host accepts, agent refuses: %v", s, err)
		}
	})
}

// FuzzTarballVersion: any bytes give a version or an error, never a panic.
func FuzzTarballVersion(f *testing.F) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range map[string]string{"xrdp-0.9.21.1/configure": "#!/bin/sh\n", "xrdp-0.9.21.1/configure.ac": "AC_INIT([xrdp], [0.9.21.1])\n"} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body))})
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	f.Add(buf.Bytes())
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Add([]byte("not gzip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := tarballVersion(data)
		if err == nil && v == "" {
			t.Fatalf("accepted without a version")
		}
	})
}
