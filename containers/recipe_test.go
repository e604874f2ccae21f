package containers

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeRelease writes a gzip tar laid out like an xrdp release tarball.
func writeRelease(t *testing.T, path, version string) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range map[string]string{
		"xrdp-" + version + "/configure":    "#!/bin/sh\n",
		"xrdp-" + version + "/configure.ac": "AC_INIT([xrdp], [" + version + "], [xrdp-devel@googlegroups.com])\n",
	} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Nothing the user names (tarball file name, configure flags, CFLAGS, patch
// names) may reach the Dockerfile: they go in as build-context files under
// fixed names and reach configure as argv entries.
func TestRecipeKeepsUserInputOutOfTheDockerfile(t *testing.T) {
	dir := t.TempDir()
	b := &Builder{mirrors: Mirrors{}.withDefaults(), catalog: DefaultCatalog(), cacheDir: dir}
	patch := filepath.Join(dir, "a$(id).patch")
	if err := os.WriteFile(patch, []byte("--- a/x\n+++ b/x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"x$(id>&2);y.tar.gz", "x\nRUN id\n.tar.gz"} {
		path := filepath.Join(dir, name)
		writeRelease(t, path, "0.9.21.1")
		src := Source{Tarball: path, Patches: []string{patch},
			ConfigureFlags: []string{"--with-x=$(id)", "--with-name=a b"}, CFLAGS: `-DX="$(id)" -O1`}
		r, err := b.recipe(context.Background(), ImageSpec{Version: "0.9.21.1", Source: &src})
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		df := string(r.files["Dockerfile"])
		for _, bad := range []string{"$(id", "RUN id", "name=a b", "-O1"} {
			if strings.Contains(df, bad) {
				t.Errorf("%q: Dockerfile contains %q", name, bad)
			}
		}
		if _, ok := r.files["src/"+tarballFile]; !ok {
			t.Errorf("%q: tarball not under its fixed name", name)
		}
		if got := string(r.files["src/configure-flags"]); got != "--with-x=$(id)\n--with-name=a b\n" {
			t.Errorf("configure flags file %q", got)
		}
		if got := string(r.files["src/cflags"]); !strings.HasSuffix(got, `-DX="$(id)" -O1`+"\n") {
			t.Errorf("cflags file %q", got)
		}
		for n := range r.files {
			if strings.Contains(n, "id") && n != "src/configure-flags" {
				t.Errorf("build context file %q carries a user-given name", n)
			}
		}
	}
}

func TestBuildOptionsRefused(t *testing.T) {
	for _, src := range []Source{
		{Tarball: "/x.tar.gz", ConfigureFlags: []string{"--a\n--b"}},
		{Tarball: "/x.tar.gz", ConfigureFlags: []string{"--a > /etc/passwd"}},
		{Tarball: "/x.tar.gz", ConfigureFlags: []string{"#--a"}},
		{Tarball: "/x.tar.gz", CFLAGS: "-O2\nRUN id"},
		{Tarball: "http://host/x.tar.gz"},
		{Tarball: "https://host/x.tar.gz"},
		{Tarball: "https://host/x.tar.gz", SHA256: "../../etc/passwd"},
		{Tarball: "/x.tar.gz", Patches: []string{"/nonexistent.patch"}},
	} {
		if err := CheckBuildOptions(src); err == nil {
			t.Errorf("%+v: accepted", src)
		}
	}
	if err := CheckBuildOptions(Source{Tarball: "/x.tar.gz", ConfigureFlags: []string{"--enable-fuse", "--with-x=/usr", "PKG_CONFIG=pkgconf"}, CFLAGS: "-O0 -g"}); err != nil {
		t.Errorf("good options refused: %v", err)
	}
}

func TestDownloadRefusesASumThatIsAPath(t *testing.T) {
	dir := t.TempDir()
	if _, err := download(context.Background(), "https://127.0.0.1:1/x.tar.gz", "../../x", dir); err == nil || !strings.Contains(err.Error(), "64 hex digits") {
		t.Fatalf("err %v", err)
	}
}
