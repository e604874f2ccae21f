package containers

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// These tests pin what each image's tag depends on, without Docker: a
// change to a shared layer must rename everything built on it and nothing
// else.

func testBuilder(t *testing.T, opts ...BuilderOption) *Builder {
	t.Helper()
	b, err := NewBuilder(append([]BuilderOption{WithCacheDir(t.TempDir())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// fakeTarball writes the smallest file loadTarball takes for an xrdp release.
func fakeTarball(t *testing.T, version string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "xrdp-"+version+".tar.gz")
	writeRelease(t, p, version)
	return p
}

// stack is the tags of an xrdp image and of the layers under it.
type stack struct{ xrdp, runtime, builddeps string }

func stackOf(t *testing.T, b *Builder, spec ImageSpec) stack {
	t.Helper()
	r, err := b.recipe(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	s := stack{xrdp: r.tag()}
	for _, p := range r.parents {
		switch p.repo {
		case "xrdp-harness/runtime":
			s.runtime = p.tag()
		case "xrdp-harness/builddeps":
			s.builddeps = p.tag()
		default:
			t.Fatalf("unexpected parent %s", p.tag())
		}
	}
	return s
}

func TestFlavoursOfASuiteShareOneRuntime(t *testing.T) {
	b := testBuilder(t)
	deb21 := stackOf(t, b, ImageSpec{Version: "0.9.21.1"})
	deb24 := stackOf(t, b, ImageSpec{Version: "0.9.24"})
	deb101 := stackOf(t, b, ImageSpec{Version: "0.10.1"})
	src := stackOf(t, b, ImageSpec{Version: "0.9.21.1", Source: &Source{Tarball: fakeTarball(t, "0.9.21.1")}})

	if deb21.runtime == "" || deb21.runtime != deb24.runtime || deb21.runtime != src.runtime {
		t.Errorf("bookworm images should share one runtime base: 0.9.21.1 %s, 0.9.24 %s, source %s",
			deb21.runtime, deb24.runtime, src.runtime)
	}
	if !strings.HasPrefix(deb21.runtime, "xrdp-harness/runtime:bookworm-") || !strings.HasPrefix(deb101.runtime, "xrdp-harness/runtime:trixie-") {
		t.Errorf("runtime tags: %s, %s", deb21.runtime, deb101.runtime)
	}
	if deb21.builddeps != "" || !strings.HasPrefix(src.builddeps, "xrdp-harness/builddeps:bookworm-") {
		t.Errorf("only source builds use build dependencies: debian %q, source %q", deb21.builddeps, src.builddeps)
	}
	if deb21.xrdp == src.xrdp || deb21.xrdp == deb24.xrdp {
		t.Errorf("xrdp tags must differ per flavour and version: %s %s %s", deb21.xrdp, deb24.xrdp, src.xrdp)
	}
	// Two source builds share the build-dependency image too.
	src2 := stackOf(t, b, ImageSpec{Version: "0.10.1", Source: &Source{Tarball: fakeTarball(t, "0.10.1")}})
	if src2.builddeps != src.builddeps || src2.runtime != src.runtime {
		t.Errorf("source builds should share builddeps and runtime: %+v vs %+v", src, src2)
	}
}

func TestRuntimePackagesRenameTheRuntimeAndWhatIsOnIt(t *testing.T) {
	tarball := fakeTarball(t, "0.9.21.1")
	specs := []ImageSpec{{Version: "0.9.21.1"}, {Version: "0.10.1"}, {Version: "0.9.21.1", Source: &Source{Tarball: tarball}}}
	plain, desk := testBuilder(t), testBuilder(t, WithRuntimePackages("xfce4-session", "dbus-x11"))
	for _, spec := range specs {
		a, b := stackOf(t, plain, spec), stackOf(t, desk, spec)
		if a.runtime == b.runtime || a.xrdp == b.xrdp {
			t.Errorf("%s: a runtime package must rename the runtime and the xrdp image: %+v vs %+v", spec, a, b)
		}
		if a.builddeps != b.builddeps {
			t.Errorf("%s: runtime packages must not rebuild build dependencies: %s vs %s", spec, a.builddeps, b.builddeps)
		}
	}
}

func TestAFlavourChangeRenamesThatFlavourOnly(t *testing.T) {
	b := testBuilder(t)
	tarball := fakeTarball(t, "0.9.21.1")
	patch := filepath.Join(t.TempDir(), "x.patch")
	os.WriteFile(patch, []byte("--- a/x\n+++ b/x\n"), 0o644)
	stock := stackOf(t, b, ImageSpec{Version: "0.9.21.1", Source: &Source{Tarball: tarball}})
	patched := stackOf(t, b, ImageSpec{Version: "0.9.21.1", Source: &Source{Tarball: tarball, Patches: []string{patch}}})
	flags := stackOf(t, b, ImageSpec{Version: "0.9.21.1", Source: &Source{Tarball: tarball, ConfigureFlags: []string{"--enable-fuse"}}})
	if stock.xrdp == patched.xrdp || stock.xrdp == flags.xrdp || patched.xrdp == flags.xrdp {
		t.Errorf("patches and flags must rename the source image: %s %s %s", stock.xrdp, patched.xrdp, flags.xrdp)
	}
	if stock.runtime != patched.runtime || stock.builddeps != patched.builddeps || stock.builddeps != flags.builddeps {
		t.Errorf("a flavour's own change must leave the shared layers alone: %+v %+v %+v", stock, patched, flags)
	}
	// The same inputs give the same tags (the cache hits).
	if again := stackOf(t, b, ImageSpec{Version: "0.9.21.1", Source: &Source{Tarball: tarball}}); again != stock {
		t.Errorf("tags are not stable: %+v then %+v", stock, again)
	}
}

func TestTheMirrorRenamesEveryLayer(t *testing.T) {
	a := testBuilder(t)
	b := testBuilder(t, WithMirrors(Mirrors{Debian: "http://mirror.example.org/debian"}))
	spec := ImageSpec{Version: "0.9.21.1", Source: &Source{Tarball: fakeTarball(t, "0.9.21.1")}}
	x, y := stackOf(t, a, spec), stackOf(t, b, spec)
	if x.runtime == y.runtime || x.builddeps == y.builddeps || x.xrdp == y.xrdp {
		t.Errorf("a new mirror is a new base: every layer must be renamed: %+v vs %+v", x, y)
	}
}

func TestAParentChangeRenamesItsChildren(t *testing.T) {
	b := testBuilder(t)
	r, err := b.recipe(context.Background(), ImageSpec{Version: "0.9.24"})
	if err != nil {
		t.Fatal(err)
	}
	before := r.tag()
	// As if an asset of the runtime base (startwm.sh) changed.
	rt := r.parents[0]
	files := map[string][]byte{}
	for k, v := range rt.files {
		files[k] = v
	}
	files["harness/startwm.sh"] = append(files["harness/startwm.sh"], '\n')
	rt.files = files
	r.parents = []recipe{rt}
	if r.tag() == before {
		t.Errorf("the xrdp tag must follow its runtime base's content")
	}
}

func TestRuntimePackageNamesAreChecked(t *testing.T) {
	for _, bad := range []string{"xfce4; rm -rf /", "Xfce4", "", "-x"} {
		if _, err := NewBuilder(WithCacheDir(t.TempDir()), WithRuntimePackages(bad)); err == nil ||
			!strings.Contains(err.Error(), "not a Debian package name") {
			t.Errorf("WithRuntimePackages(%q): error %v, want a package-name error", bad, err)
		}
	}
}
