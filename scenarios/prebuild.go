package scenarios

import (
	"cmp"
	"context"
	"slices"
	"sync/atomic"
	"time"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/reports"
)

// prebuild makes the images of a suite's versions in the background so
// that later versions' images build while earlier versions' scenarios run.
// It has two lanes, each building one image at a time in run order:
// packaged versions (a minute or two each) and source builds (minutes of
// compiling, so they start at once instead of after every packaged
// image). In each lane the plain images come first and the desktop layers
// (xfce4) after them: the scenarios that need no desktop (run first) do
// not wait for one. A build that starts while a run is going on gets
// containers.BackgroundLimits (at most a core, CPU shares 64 against the
// target's 1024), so the run keeps the CPU it asks for; builds the runs
// wait for take what is free.
type prebuild struct {
	running atomic.Int32 // runs between lab up and lab down
	jobs    map[jobKey]*buildJob
}

// imageMaker makes images: a containers.Builder (tests: a fake).
type imageMaker interface {
	Ensure(ctx context.Context, spec containers.ImageSpec) (containers.Image, error)
	EnsureDesktop(ctx context.Context, base containers.Image, kind containers.DesktopKind) (containers.Image, error)
	CacheDir() string
}

var _ imageMaker = (*containers.Builder)(nil)

// buildProgress is SuiteOptions.Build.
type buildProgress func(label string) (step func(image, step string), done func(containers.Image, error))

// jobKey names one image of the suite: a version's own, or a desktop layer
// on it.
type jobKey struct {
	label   string
	desktop containers.DesktopKind
}

type buildJob struct {
	done  chan struct{}
	image containers.Image
	err   error
}

// startPrebuild starts building versions' images, in order, on b, with
// the desktop layers of the scenarios each version runs.
func startPrebuild(ctx context.Context, b imageMaker, progress buildProgress, versions []Version, specs map[string][]Spec) *prebuild {
	p := &prebuild{jobs: map[jobKey]*buildJob{}}
	job := func(k jobKey) *buildJob {
		j := &buildJob{done: make(chan struct{})}
		p.jobs[k] = j
		return j
	}
	bctx := containers.WithThrottle(ctx, containers.BackgroundLimits, func() bool { return p.running.Load() > 0 })
	// Every job is in the map before a lane starts: the lanes and wait
	// only read it.
	var lanes []func()
	for _, source := range []bool{false, true} {
		var lane []Version
		for _, v := range versions {
			if (v.Image.Source != nil) == source {
				lane = append(lane, v)
				job(jobKey{label: v.Label})
			}
		}
		var desktops []jobKey
		for _, v := range lane {
			for _, sp := range specs[v.Label] {
				k := jobKey{v.Label, sp.Target.desktop().Kind}
				if k.desktop != "" && p.jobs[k] == nil {
					job(k)
					desktops = append(desktops, k)
				}
			}
		}
		if len(lane) > 0 {
			lanes = append(lanes, func() { p.runLane(bctx, b, progress, lane, desktops) })
		}
	}
	for _, run := range lanes {
		go run()
	}
	return p
}

// runLane builds the lane's versions' images, then its desktop layers.
func (p *prebuild) runLane(ctx context.Context, b imageMaker, progress buildProgress, lane []Version, desktops []jobKey) {
	dones := map[string]func(containers.Image, error){}
	jctxs := map[string]context.Context{}
	for _, v := range lane {
		j := p.jobs[jobKey{label: v.Label}]
		jctx, done := ctx, func(containers.Image, error) {}
		if progress != nil {
			var step func(image, step string)
			step, done = progress(v.Label)
			jctx = containers.WithBuildSteps(ctx, step)
		}
		mv, err := Materialize(v, b.CacheDir())
		if err == nil {
			j.image, err = b.Ensure(jctx, mv.Image)
		}
		j.err = err
		close(j.done)
		if len(desktops) == 0 || err != nil || !slices.ContainsFunc(desktops, func(k jobKey) bool { return k.label == v.Label }) {
			done(j.image, err)
			continue
		}
		// The progress line of the version stays open for its desktops.
		dones[v.Label], jctxs[v.Label] = done, jctx
	}
	for i, k := range desktops {
		base, j := p.jobs[jobKey{label: k.label}], p.jobs[k]
		start := time.Now()
		j.image, j.err = base.image, base.err
		if j.err == nil {
			var d containers.Image
			if d, j.err = b.EnsureDesktop(jctxs[k.label], base.image, k.desktop); j.err == nil && d.Ref != base.image.Ref {
				j.image.Layers = append(slices.Clone(j.image.Layers), containers.Layer{Ref: d.Ref, Built: d.Built,
					Took: time.Since(start), Size: d.Size})
				j.image.Took += time.Since(start)
			}
		}
		close(j.done)
		if last := !slices.ContainsFunc(desktops[i+1:], func(n jobKey) bool { return n.label == k.label }); last && dones[k.label] != nil {
			dones[k.label](j.image, j.err)
		}
	}
}

// wait returns the image a scenario needs on a version (its own, or the
// desktop layer on it) once it is built (or failed), and how long the
// suite waited for it.
func (p *prebuild) wait(ctx context.Context, label string, desktop containers.DesktopKind) (containers.Image, time.Duration, error) {
	j, ok := p.jobs[jobKey{label, desktop}]
	if !ok {
		return containers.Image{}, 0, nil
	}
	start := time.Now()
	select {
	case <-j.done:
		return j.image, time.Since(start), j.err
	case <-ctx.Done():
		return containers.Image{}, time.Since(start), ctx.Err()
	}
}

// images is the suite report's build table, in run order, for the builds
// that finished: each version's image with the desktop layers built on it
// so far.
func (p *prebuild) images(order []Version) []reports.ImageBuild {
	var out []reports.ImageBuild
	for _, v := range order {
		j := p.jobs[jobKey{label: v.Label}]
		if j == nil || !closed(j.done) {
			continue
		}
		img, err := j.image, j.err
		for k, d := range p.jobs {
			if k.label != v.Label || k.desktop == "" || !closed(d.done) {
				continue
			}
			if d.err != nil {
				err = cmp.Or(err, d.err)
			} else if len(d.image.Layers) > len(img.Layers) {
				img = d.image // the version's image with its desktop layer
			}
		}
		ib := reports.ImageBuild{Version: v.Label, Image: img.Ref, Built: img.Built, Took: img.Took, Size: img.Size}
		if err != nil {
			ib.Err = err.Error()
		}
		for _, l := range img.Layers {
			ib.Layers = append(ib.Layers, reports.ImageLayer{Image: l.Ref, Built: l.Built, Took: l.Took, Size: l.Size})
		}
		out = append(out, ib)
	}
	return out
}

func closed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
