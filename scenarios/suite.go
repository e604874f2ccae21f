package scenarios

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xrdp-harness/xrdp-harness/containers"
	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/check"
	"github.com/xrdp-harness/xrdp-harness/harness/knee"
	"github.com/xrdp-harness/xrdp-harness/harness/load"
	"github.com/xrdp-harness/xrdp-harness/reports"
)

// Version is one xrdp build of a suite, with the label reports use for it
// (two builds of one release, stock and patched, need different labels).
type Version struct {
	Label string
	Image containers.ImageSpec
}

// ParseVersion reads the CLI's version syntax (see containers.ParseImageSpec)
// and labels it: the release, plus "+<patch names>" for patched builds.
// The names of Builds (e.g. "0.9.21.1+sigchld-reap-one") are accepted too.
func ParseVersion(s string, patches []string) (Version, error) {
	if b, ok := namedBuilds[s]; ok {
		if len(patches) > 0 {
			return Version{}, fmt.Errorf("scenarios: version %s: a named build brings its own patches", s)
		}
		return b, nil
	}
	spec, err := containers.ParseImageSpec(s)
	if err != nil {
		return Version{}, err
	}
	label := spec.Version
	if spec.Source != nil {
		spec.Source.Patches = patches
		if label == "" {
			label = "source"
		}
		for _, p := range patches {
			label += "+" + strings.TrimSuffix(filepath.Base(p), ".patch")
		}
	} else if len(patches) > 0 {
		return Version{}, fmt.Errorf("scenarios: version %s: patches need a source build (VERSION@TARBALL)", s)
	}
	return Version{Label: label, Image: spec}, nil
}

// SuiteOptions says what RunSuite runs.
type SuiteOptions struct {
	Name      string
	Scenarios []Spec
	Versions  []Version
	Builder   *containers.Builder
	// Compare lists upgrade pairs (from label, to label) to compare.
	Compare [][2]string
	// Progress, when set, is called before each run and returns the channel
	// for the engine's live events and a func called with the run's result.
	Progress func(label string, expectedOps int) (chan<- harness.Progress, func(*harness.Record, error))
	// OnRun is called after each run, so the caller can write the partial
	// report as it grows (and keep it if the next run is interrupted).
	OnRun func(reports.Suite)
	// RunID labels every container of the suite.
	RunID string
	// Password, when set, is the test users' password on every container
	// the suite boots (default: a random one per lab). It never reaches a
	// Record or a report.
	Password string
	// Nodes are the node sizes capacity figures are projected onto (nil:
	// this host and 16c64g).
	Nodes []knee.Node
	// Placement, when set, limits scenarios to versions: scenario name →
	// version labels (a scenario it does not name runs on every version).
	Placement map[string][]string
	// Build, when set, is called when a version's image build starts; it
	// returns a func for each build step and one for the result.
	Build func(label string) (step func(image, step string), done func(containers.Image, error))
	// Parallel is how many runs may go on at once (0 or 1: one at a
	// time). Runs that must be alone (Spec.Alone: capacity) run after the
	// others, each by itself; each of the others boots its own lab, so two
	// of them share the machine's cores but nothing else.
	Parallel int
}

// RunSuite runs every scenario on every version it applies to, up to
// o.Parallel runs at a time; capacity runs come last, each alone (a run
// beside it would be measured with it).
// On ctx cancel it stops, marks the suite interrupted and returns what it
// has with ctx's error.
func RunSuite(ctx context.Context, o SuiteOptions) (reports.Suite, error) {
	suite := reports.Suite{Name: o.Name, Started: time.Now(), Parallel: max(o.Parallel, 1)}
	if o.Builder == nil {
		return suite, errors.New("scenarios: run suite: no image builder")
	}
	type planned struct {
		v     Version
		specs []Spec
	}
	var plans []planned
	var versions []Version
	for _, v := range o.Versions {
		p := planned{v: v}
		for _, s := range o.Scenarios {
			if !s.AppliesTo(v.Image.Version) {
				continue
			}
			if on, ok := o.Placement[s.Name]; ok && !slices.Contains(on, v.Label) {
				continue
			}
			if s.NeedsSCP() && !containers.FeaturesOf(v.Image.Version).SCPTCP {
				suite.Notes = append(suite.Notes, fmt.Sprintf("%s skipped on %s: it drives sesman with SCP v0, which xrdp %s does not speak",
					s.Name, v.Label, v.Image.Version))
				continue
			}
			p.specs = append(p.specs, s)
		}
		// Scenarios on the version's own image first: a desktop layer
		// (xfce4) builds behind them.
		slices.SortStableFunc(p.specs, func(a, b Spec) int {
			return cmp.Compare(btoi(a.Target.desktop().Kind != ""), btoi(b.Target.desktop().Kind != ""))
		})
		if len(p.specs) > 0 {
			plans = append(plans, p)
			versions = append(versions, v)
		}
	}
	// Versions installed from Debian packages run first: their images
	// build in a minute or two, so the first verdict comes early while a
	// source build (minutes of compiling) goes on behind the runs. Reports
	// order versions by the comparisons, not by when they ran.
	slices.SortStableFunc(plans, func(a, b planned) int {
		return cmp.Compare(btoi(a.v.Image.Source != nil), btoi(b.v.Image.Source != nil))
	})
	versions = versions[:0]
	for _, p := range plans {
		versions = append(versions, p.v)
	}
	// Images build ahead of the runs (see prebuild); a run waits for the
	// image it needs only.
	bctx, stopBuilds := context.WithCancel(ctx)
	defer stopBuilds()
	specs := map[string][]Spec{}
	for _, p := range plans {
		specs[p.v.Label] = p.specs
	}
	pre := startPrebuild(bctx, o.Builder, o.Build, versions, specs)
	var jobs []suiteJob
	for _, p := range plans {
		for _, s := range p.specs {
			jobs = append(jobs, suiteJob{s: s, v: p.v, alone: s.Alone()})
		}
	}
	// Runs that measure (capacity) come after every other run, each one
	// alone; the rest keep their order.
	slices.SortStableFunc(jobs, func(a, b suiteJob) int { return cmp.Compare(btoi(a.alone), btoi(b.alone)) })
	results := make([]*reports.Run, len(jobs))
	var mu sync.Mutex
	record := func(i int, run reports.Run) {
		mu.Lock()
		defer mu.Unlock()
		results[i] = &run
		suite.Runs = suite.Runs[:0]
		for _, r := range results {
			if r != nil {
				suite.Runs = append(suite.Runs, *r)
			}
		}
		suite.Images = pre.images(versions)
		if o.OnRun != nil {
			o.OnRun(suite)
		}
	}
	// wait returns once job i's image is built (at once the second time).
	wait := func(i int) error {
		_, _, err := pre.wait(ctx, jobs[i].v.Label, jobs[i].s.Target.desktop().Kind)
		return err
	}
	do := func(i int) {
		j := jobs[i]
		buildErr := wait(i)
		if ctx.Err() != nil {
			return
		}
		if buildErr != nil {
			record(i, failedRun(j.s, j.v, fmt.Errorf("image for %s: %w", j.v.Label, buildErr)))
			return
		}
		record(i, runOne(ctx, o, j.s, j.v, &pre.running))
	}
	alone := make([]bool, len(jobs))
	for i, j := range jobs {
		alone[i] = j.alone
	}
	runJobs(ctx, alone, o.Parallel, func(i int) { _ = wait(i) }, do)
	mu.Lock()
	suite.Images = pre.images(versions)
	mu.Unlock()
	for _, c := range o.Compare {
		suite.Comparisons = append(suite.Comparisons, reports.Compare(suite, c[0], c[1]))
	}
	suite.Ended = time.Now()
	if ctx.Err() != nil {
		suite.Interrupted = true
		return suite, ctx.Err()
	}
	return suite, nil
}

// runJobs calls do(i) for each job, up to parallel at once (at least one),
// each once ready(i) has returned (its image is built): a job whose image
// is still building holds no lane, so a later job that is ready takes it.
// A job that must be alone starts once every job before it has returned,
// and the next starts once it has. After ctx is done no job starts;
// runJobs returns when every started one has returned.
func runJobs(ctx context.Context, alone []bool, parallel int, ready, do func(i int)) {
	lanes := make(chan struct{}, max(parallel, 1))
	var running sync.WaitGroup
	defer running.Wait()
	for i := range alone {
		if alone[i] {
			running.Wait()
			if ready(i); ctx.Err() != nil {
				return
			}
			do(i)
			continue
		}
		if ctx.Err() != nil {
			return
		}
		running.Add(1)
		go func() {
			defer running.Done()
			ready(i)
			select {
			case lanes <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-lanes }()
			if ctx.Err() == nil {
				do(i)
			}
		}()
	}
}

// suiteJob is one run of a suite: a scenario on a version; alone, it
// runs with no other run beside it (Spec.Alone).
type suiteJob struct {
	s     Spec
	v     Version
	alone bool
}

// Alone says whether a run of s must have the machine to itself: a
// capacity run measures response times and CPU, which a run beside it
// would change; a run on an existing host (ssh) shares that host with any
// other run of the suite on it. Storms and faults on containers are judged
// on what xrdp did (processes, logs, sessions) with latency and recovery
// limits of seconds, which a second run on the other core stays inside
// (see SuiteOptions.Parallel).
func (s Spec) Alone() bool {
	if s.capacityLoad() != nil {
		return true
	}
	for _, t := range append([]TargetSpec{s.Target}, s.Targets...) {
		if t.kind() != KindContainer {
			return true
		}
	}
	return false
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func failedRun(s Spec, v Version, err error) reports.Run {
	r := reports.NewRun(nil, nil, err)
	r.Scenario, r.Description, r.Version, r.Flavour = s.Name, s.Description, v.Label, v.Image.Flavour()
	r.Started, r.Ended = time.Now(), time.Now()
	return r
}

// runOne runs s on v, whose image is already built; running is set
// while the lab is up, so that background builds take a back seat.
func runOne(ctx context.Context, o SuiteOptions, s Spec, v Version, running *atomic.Int32) reports.Run {
	v, err := Materialize(v, o.Builder.CacheDir())
	if err != nil {
		r := reports.NewRun(nil, nil, err)
		r.Scenario, r.Description, r.Version = s.Name, s.Description, v.Label
		return r
	}
	opts := []containers.Option{containers.WithBuilder(o.Builder), containers.WithTargetName("xrdp-" + v.Label)}
	if v.Image.Source != nil {
		opts = append(opts, containers.WithSource(*v.Image.Source))
	}
	if o.RunID != "" {
		opts = append(opts, containers.WithRunID(o.RunID))
	}
	if o.Password != "" {
		opts = append(opts, containers.WithPassword(o.Password))
	}
	failed := func(err error) reports.Run { return failedRun(s, v, err) }
	plan, checkers, err := s.Plan(v.Image.Version, opts...)
	if err != nil {
		return failed(err)
	}
	var runOpts []harness.RunOption
	done := func(*harness.Record, error) {}
	if o.Progress != nil {
		var ch chan<- harness.Progress
		ch, done = o.Progress(s.Name+" @ "+v.Label, s.ExpectedOps())
		runOpts = append(runOpts, harness.WithProgress(ch))
	}
	running.Add(1)
	rec, err := harness.Run(ctx, plan, runOpts...)
	running.Add(-1)
	done(rec, err)
	if rec == nil {
		return failed(err)
	}
	var verdicts []harness.Verdict
	for _, c := range checkers {
		verdicts = append(verdicts, harness.SafeCheck(c, rec)...)
	}
	verdicts = append(verdicts, check.FleetVerdicts(rec, verdicts)...)
	verdicts = append(verdicts, harness.PanicVerdicts(rec)...)
	run := reports.NewRun(rec, verdicts, err)
	if rec.LoadFailed {
		// A load step that failed (a fault that could not be injected)
		// means the plan did not run as written: the verdict cannot be
		// a clean valid.
		run.Partial = true
	}
	run.Description = s.Description
	run.Version = v.Label
	if run.Flavour == "" { // cut short before the target came up
		run.Flavour = v.Image.Flavour()
	}
	run.Capacity = s.CapacityOf(rec, o.Nodes)
	return run
}

// CapacityOf is the capacity figure of a run of s (nil when s has no
// capacity load): the knee, its notes and a projection per node (nil
// nodes: the host and 16c64g) when s judges on response times. judge uses
// it to work the figure out again from a saved Record.
func (s Spec) CapacityOf(rec *harness.Record, nodes []knee.Node) *reports.Capacity {
	cp := s.capacityLoad()
	switch {
	case cp == nil || rec == nil:
		return nil
	case cp.Knee != nil:
		if nodes == nil {
			nodes = knee.DefaultNodes()
		}
		return KneeFigure(rec, *cp.Knee, s.envelope(), s.Target.Resources.CPUs, nodes).Capacity()
	}
	return reports.CapacityFromRecord(rec, cp)
}

// ExpectedOps estimates how many operations the load records (for progress
// bars; 0 when it cannot tell, e.g. a capacity run that stops early).
func (s Spec) ExpectedOps() int {
	users := s.Target.Users
	if users == 0 {
		users = defaultUsers
	}
	n := 0
	for _, l := range s.Load {
		n += l.expectedOps(users)
	}
	return n
}

func (s Spec) capacityLoad() *load.Capacity {
	for _, l := range s.Load {
		if l.Kind == "capacity" {
			e, err := l.executor(s.Checks, s.Target)
			if err == nil {
				return e.(*load.Capacity)
			}
		}
	}
	return nil
}

// KneeFigure finds the knee of a capacity run judged on response times.
func KneeFigure(rec *harness.Record, rule knee.Rule, envelope string, envelopeCores float64, nodes []knee.Node) *reports.Knee {
	levels, samples := knee.FromRecord(rec, "")
	k := reports.NewKnee(knee.Analyze(levels, samples, rule), envelope, envelopeCores, nodes)
	// The targets' CPU over the load: the growth of each one's cgroup CPU
	// time between its first and last tick.
	first, last := map[string]time.Duration{}, map[string]time.Duration{}
	for _, t := range rec.Ticks {
		if t.TargetCPU == 0 || t.Time.Before(rec.LoadStarted) {
			continue
		}
		if _, ok := first[t.Target]; !ok {
			first[t.Target] = t.TargetCPU
		}
		last[t.Target] = t.TargetCPU
	}
	var target time.Duration
	for n, c := range last {
		target += c - first[n]
	}
	if target > 0 && rec.HarnessCPU > 0 {
		k.HarnessCPUShare = float64(rec.HarnessCPU) / float64(target)
	}
	for _, o := range rec.Ops {
		if o.Screen != nil {
			k.ScreenClients++
			k.FrameMarkers += o.Screen.FrameMarkers
			if k.FrameAcks == "" {
				k.FrameAcks = o.Screen.FrameAcks
			}
		}
	}
	return k
}

// envelope names the target's resource limits, e.g. "cpus=1 memory=4096MB".
func (s Spec) envelope() string {
	r := s.Target.Resources
	var parts []string
	if r.CPUs > 0 {
		parts = append(parts, fmt.Sprintf("cpus=%g", r.CPUs))
	}
	if r.MemoryMB > 0 {
		parts = append(parts, fmt.Sprintf("memory=%dMB", r.MemoryMB))
	}
	if r.PidsLimit > 0 {
		parts = append(parts, fmt.Sprintf("pids=%d", r.PidsLimit))
	}
	return strings.Join(parts, " ")
}
