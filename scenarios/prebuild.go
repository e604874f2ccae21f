package scenarios

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/reports"
)

// prebuild makes the images of a suite's versions in the background, in
// run order and one at a time, so that version N+1's image builds while
// version N's scenarios run. A build that starts while a run is going on
// gets containers.BackgroundLimits (half a core, low CPU shares), so the run
// keeps its cores; a build the runs are waiting for takes the machine.
type prebuild struct {
	running atomic.Bool // a run is between lab up and lab down
	jobs    map[string]*buildJob
}

type buildJob struct {
	// desktops are the desktop layers the version's scenarios ask for
	// (built on its image as part of the job).
	desktops []containers.DesktopKind
	done     chan struct{}
	image    containers.Image
	err      error
	v        Version
	start    time.Time
}

// startPrebuild starts building versions' images, in order, on b, with
// the desktop layers of the scenarios each version runs.
func startPrebuild(ctx context.Context, o SuiteOptions, versions []Version, specs map[string][]Spec) *prebuild {
	p := &prebuild{jobs: map[string]*buildJob{}}
	var order []*buildJob
	for _, v := range versions {
		j := &buildJob{done: make(chan struct{}), v: v}
		for _, s := range specs[v.Label] {
			if k := s.Target.desktop().Kind; k != "" && !slices.Contains(j.desktops, k) {
				j.desktops = append(j.desktops, k)
			}
		}
		p.jobs[v.Label] = j
		order = append(order, j)
	}
	go func() {
		bctx := containers.WithThrottle(ctx, containers.BackgroundLimits, p.running.Load)
		for _, j := range order {
			j.start = time.Now()
			done := func(containers.Image, error) {}
			jctx := bctx
			if o.Build != nil {
				var step func(image, step string)
				step, done = o.Build(j.v.Label)
				jctx = containers.WithBuildSteps(bctx, step)
			}
			v, err := Materialize(j.v, o.Builder.CacheDir())
			if err == nil {
				j.image, err = o.Builder.Ensure(jctx, v.Image)
			}
			for _, k := range j.desktops {
				if err != nil {
					break
				}
				var d containers.Image
				start := time.Now()
				if d, err = o.Builder.EnsureDesktop(jctx, j.image, k); err == nil && d.Ref != j.image.Ref {
					j.image.Layers = append(j.image.Layers, containers.Layer{Ref: d.Ref, Built: d.Built,
						Took: time.Since(start), Size: d.Size})
					j.image.Took += time.Since(start)
				}
			}
			j.err = err
			done(j.image, err)
			close(j.done)
		}
	}()
	return p
}

// wait returns the version's image once it is built (or failed), and how
// long the suite waited for it.
func (p *prebuild) wait(ctx context.Context, label string) (containers.Image, time.Duration, error) {
	j, ok := p.jobs[label]
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
// that finished.
func (p *prebuild) images(order []Version) []reports.ImageBuild {
	var out []reports.ImageBuild
	for _, v := range order {
		j := p.jobs[v.Label]
		if j == nil {
			continue
		}
		select {
		case <-j.done:
		default:
			continue
		}
		ib := reports.ImageBuild{Version: v.Label, Image: j.image.Ref, Built: j.image.Built, Took: j.image.Took,
			Size: j.image.Size}
		if j.err != nil {
			ib.Err = j.err.Error()
		}
		for _, l := range j.image.Layers {
			ib.Layers = append(ib.Layers, reports.ImageLayer{Image: l.Ref, Built: l.Built, Took: l.Took, Size: l.Size})
		}
		out = append(out, ib)
	}
	return out
}
