package containers

import (
	"context"
	"fmt"

	"github.com/moby/moby/client"
)

// BuildLimits bound the CPU an image build may take while something else
// (a run being measured) needs the machine. The engine applies them to the
// build's RUN containers (cgroup CPU quota and shares); the engine's own
// work for a build (sending the context, committing layers) is not bounded.
type BuildLimits struct {
	// CPUs is the quota in cores (0.5: half a core); 0 sets none.
	CPUs float64
	// Shares is the relative CPU weight (Docker's default is 1024); 0 keeps
	// the default.
	Shares int64
}

// BackgroundLimits are what a build gets while a run is going on, on a
// 2-core machine: at most one core (the run keeps the other one whatever
// happens), and a CPU weight of 64 against the target container's 1024, so
// that when both want the same core the target gets it.
var BackgroundLimits = BuildLimits{CPUs: 1, Shares: 64}

func (l BuildLimits) String() string {
	return fmt.Sprintf("cpu quota %.2g cores, cpu shares %d", l.CPUs, l.Shares)
}

func (l BuildLimits) apply(o *client.ImageBuildOptions) {
	if l.CPUs > 0 {
		o.CPUPeriod = 100000
		o.CPUQuota = int64(l.CPUs * 100000)
	}
	if l.Shares > 0 {
		o.CPUShares = l.Shares
	}
}

type throttleKey struct{}

// throttle holds the limits of builds started under a context and when
// they apply.
type throttle struct {
	limits BuildLimits
	busy   func() bool
}

func (t throttle) active() bool { return t.busy != nil && t.busy() }

func (t throttle) apply(o *client.ImageBuildOptions) { t.limits.apply(o) }

func (t throttle) String() string { return t.limits.String() }

// WithThrottle marks builds made under ctx as background work: each image
// build that starts while busy() is true gets limits. busy is asked once per
// image of the stack (runtime base, build dependencies, xrdp layer), when
// that image's build starts; a build keeps the limits it started with.
func WithThrottle(ctx context.Context, limits BuildLimits, busy func() bool) context.Context {
	return context.WithValue(ctx, throttleKey{}, throttle{limits: limits, busy: busy})
}

func throttleOf(ctx context.Context) throttle {
	t, _ := ctx.Value(throttleKey{}).(throttle)
	return t
}

type stepsKey struct{}

// WithBuildSteps has every build made under ctx report its steps (the
// "xrdp-harness-step:" markers of the Dockerfiles) to f, with the image they
// belong to ("runtime bookworm", "xrdp 0.9.24 (debian)").
func WithBuildSteps(ctx context.Context, f func(image, step string)) context.Context {
	return context.WithValue(ctx, stepsKey{}, f)
}

func stepsOf(ctx context.Context) func(image, step string) {
	f, _ := ctx.Value(stepsKey{}).(func(image, step string))
	return f
}
