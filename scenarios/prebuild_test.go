package scenarios

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/containers"
)

// fakeMaker makes images at once, except those with a gate: they wait for
// it to close. It logs the order of its calls.
type fakeMaker struct {
	mu    sync.Mutex
	calls []string
	gates map[string]chan struct{}
	fail  map[string]error
	// started, when set, gets each call's name as it starts.
	started chan string
}

func (f *fakeMaker) call(name string) error {
	f.mu.Lock()
	f.calls = append(f.calls, name)
	g, err := f.gates[name], f.fail[name]
	f.mu.Unlock()
	if f.started != nil {
		f.started <- name
	}
	if g != nil {
		<-g
	}
	return err
}

func (f *fakeMaker) Ensure(_ context.Context, spec containers.ImageSpec) (containers.Image, error) {
	name := spec.Version
	if spec.Source != nil {
		name += " source"
	}
	err := f.call(name)
	ref := "img:" + name
	return containers.Image{Ref: ref, Spec: spec, Layers: []containers.Layer{{Ref: ref}}}, err
}

func (f *fakeMaker) EnsureDesktop(_ context.Context, base containers.Image, kind containers.DesktopKind) (containers.Image, error) {
	err := f.call(base.Spec.Version + " " + string(kind))
	return containers.Image{Ref: base.Ref + "-" + string(kind)}, err
}

func (f *fakeMaker) CacheDir() string { return "" }

func (f *fakeMaker) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// waitFor fails the test when the image is not there within a minute (it
// should be at once: the fake builds nothing).
func waitFor(t *testing.T, p *prebuild, label string, desktop containers.DesktopKind) (containers.Image, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	img, _, err := p.wait(ctx, label, desktop)
	if ctx.Err() != nil {
		t.Fatalf("image %s %q: still waiting (calls so far %v)", label, desktop, err)
	}
	return img, err
}

func TestPrebuildLanes(t *testing.T) {
	packaged := func(v string) Version { return Version{Label: v, Image: containers.ImageSpec{Version: v}} }
	source := Version{Label: "0.9.21.1+fix", Image: containers.ImageSpec{Version: "0.9.21.1", Source: &containers.Source{}}}
	versions := []Version{packaged("0.9.21.1"), packaged("0.10.1"), source}
	storm, capacity := Spec{Name: "storm"}, Spec{Name: "capacity", Target: TargetSpec{Desktop: "xfce4"}}
	specs := map[string][]Spec{
		"0.9.21.1": {storm}, "0.10.1": {storm, capacity}, source.Label: {storm},
	}

	t.Run("a source build does not hold up the packaged images, nor a desktop layer the plain image", func(t *testing.T) {
		f := &fakeMaker{gates: map[string]chan struct{}{
			"0.9.21.1 source": make(chan struct{}), "0.10.1": make(chan struct{}), "0.10.1 xfce4": make(chan struct{}),
		}, started: make(chan string, 10)}
		p := startPrebuild(t.Context(), f, nil, versions, specs)
		// Both lanes build at once: the source build and 0.10.1 are both
		// under way, each held at its gate.
		seen := map[string]bool{}
		for !seen["0.9.21.1 source"] || !seen["0.10.1"] {
			select {
			case n := <-f.started:
				seen[n] = true
			case <-time.After(time.Minute):
				t.Fatalf("want the source build and 0.10.1 building at once, started %v", f.log())
			}
		}
		close(f.gates["0.10.1"])
		for _, v := range []string{"0.9.21.1", "0.10.1"} {
			if img, err := waitFor(t, p, v, ""); err != nil || img.Ref != "img:"+v {
				t.Fatalf("%s: %v %v", v, img.Ref, err)
			}
		}
		close(f.gates["0.10.1 xfce4"])
		img, err := waitFor(t, p, "0.10.1", "xfce4")
		if err != nil || len(img.Layers) != 2 || img.Layers[1].Ref != "img:0.10.1-xfce4" {
			t.Fatalf("desktop image %+v %v", img, err)
		}
		// The build table shows 0.10.1 with its desktop layer; the source
		// build, still going, is not in it yet.
		table := p.images(versions)
		if len(table) != 2 || table[1].Version != "0.10.1" || len(table[1].Layers) != 2 {
			t.Fatalf("images %+v", table)
		}
		close(f.gates["0.9.21.1 source"])
		if _, err := waitFor(t, p, source.Label, ""); err != nil {
			t.Fatal(err)
		}
		// One lane's order: plain images in run order, then desktops.
		var lane []string
		for _, c := range f.log() {
			if c != "0.9.21.1 source" {
				lane = append(lane, c)
			}
		}
		if want := []string{"0.9.21.1", "0.10.1", "0.10.1 xfce4"}; !slices.Equal(lane, want) {
			t.Fatalf("packaged lane built %v, want %v", lane, want)
		}
		if len(p.images(versions)) != 3 {
			t.Fatalf("images %+v", p.images(versions))
		}
	})

	t.Run("a failed image fails its desktop layer and is in the table with its error", func(t *testing.T) {
		boom := errors.New("apt: no mirror")
		f := &fakeMaker{fail: map[string]error{"0.10.1": boom}}
		p := startPrebuild(t.Context(), f, nil, versions, specs)
		if _, err := waitFor(t, p, "0.10.1", "xfce4"); !errors.Is(err, boom) {
			t.Fatalf("desktop of a failed image: %v", err)
		}
		if slices.Contains(f.log(), "0.10.1 xfce4") {
			t.Fatal("built a desktop layer on a failed image")
		}
		for _, ib := range p.images(versions) {
			if ib.Version == "0.10.1" && ib.Err == "" {
				t.Fatalf("0.10.1 without its error: %+v", ib)
			}
		}
	})

	t.Run("a version with no job is not waited for", func(t *testing.T) {
		p := startPrebuild(t.Context(), &fakeMaker{}, nil, versions, specs)
		if _, d, err := p.wait(t.Context(), "0.9.24", ""); err != nil || d != 0 {
			t.Fatalf("%v %v", d, err)
		}
	})
}
