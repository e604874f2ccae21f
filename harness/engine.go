package harness

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Progress is a live event for progress displays. The engine sends it
// without blocking: a slow reader misses events, never slows the run.
type Progress struct {
	Kind   ProgressKind
	Target string
	Op     *Op
	Fault  *FaultWindow
	Tick   *Tick
	Phase  string // for KindPhase: lab-up, load, settle, lab-down, done
}

// ProgressKind says which field of a Progress is set.
type ProgressKind string

const (
	KindPhase ProgressKind = "phase"
	KindOp    ProgressKind = "op"
	KindFault ProgressKind = "fault"
	KindTick  ProgressKind = "tick"
)

// RunOption configures Run.
type RunOption func(*runConfig)

type runConfig struct {
	progress     chan<- Progress
	downTimeout  time.Duration
	watchTimeout time.Duration
}

// WithProgress sends live events to ch (never blocking; see Progress).
func WithProgress(ch chan<- Progress) RunOption {
	return func(c *runConfig) { c.progress = ch }
}

// WithDownTimeout bounds the lab's teardown (default 2 minutes). Teardown
// runs even when the run's context was cancelled.
func WithDownTimeout(d time.Duration) RunOption {
	return func(c *runConfig) { c.downTimeout = d }
}

// WithWatchTimeout bounds the wait for every target's sampler to deliver its
// first snapshot before load starts (default 30s).
func WithWatchTimeout(d time.Duration) RunOption {
	return func(c *runConfig) { c.watchTimeout = d }
}

// Run executes a plan and returns its Record. The Record is returned even
// when the run fails or ctx is cancelled: then Partial is set and Abort says
// why, and the error repeats it. The lab is always taken down.
func Run(ctx context.Context, plan Plan, opts ...RunOption) (out *Record, outErr error) {
	cfg := runConfig{downTimeout: 2 * time.Minute, watchTimeout: 30 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	if errs := plan.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("harness: run: %w", errors.Join(errs...))
	}
	maxDur := plan.MaxDuration
	if maxDur == 0 {
		maxDur = 10 * time.Minute
	}
	rec := &recorder{rec: Record{Scenario: plan.Name, Started: time.Now(), Config: plan.Config}, progress: cfg.progress}
	if la, ok := plan.Lab.(LiveAttributor); ok {
		rec.live = la
	}
	// The lab always comes down, even when ctx was cancelled (Ctrl-C), and
	// before the Record is closed so that teardown problems are noted.
	var downOnce sync.Once
	down := func() {
		downOnce.Do(func() {
			rec.phase("lab-down")
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.downTimeout)
			defer cancel()
			if err := plan.Lab.Down(dctx); err != nil {
				rec.note("lab down: " + err.Error())
			}
		})
	}
	defer down() // also on panic
	// A panic of the engine's own goroutine (a lab's Up, a target's
	// method) still tears down and returns the partial Record.
	defer func() {
		if p := recovered("engine", recover()); p != nil {
			rec.panicked(*p)
			down()
			r := rec.snapshot()
			r.Ended, r.Partial, r.Abort = time.Now(), true, "panic: "+p.Value
			out, outErr = &r, fmt.Errorf("harness: run: panic: %s", p.Value)
		}
	}()
	finish := func(err error) (*Record, error) {
		// The run ends when watching ends; teardown is not observed, so
		// it must not look like a blind span to the checkers.
		ended := time.Now()
		down()
		r := rec.snapshot()
		r.Ended = ended
		if f, ok := plan.Lab.(RecordFinisher); ok {
			f.FinishRecord(&r)
		}
		if err == nil && ctx.Err() != nil {
			err = ctx.Err()
		}
		if err != nil {
			r.Partial = true
			if r.Abort == "" {
				r.Abort = err.Error()
			}
		}
		rec.phase("done")
		return &r, err
	}

	rec.phase("lab-up")
	targets, upErr := plan.Lab.Up(ctx)
	for _, t := range targets {
		rec.addTarget(t.Info())
	}
	if upErr != nil {
		return finish(fmt.Errorf("harness: lab up: %w", upErr))
	}
	rec.mu.Lock()
	rec.rec.LabUp = time.Now()
	rec.mu.Unlock()

	// Watch every target until the settle phase ends.
	watchCtx, stopWatch := context.WithCancel(ctx)
	var watchers sync.WaitGroup
	firstTick := make(map[string]chan struct{}, len(targets))
	for _, t := range targets {
		ch := make(chan struct{})
		firstTick[t.Name()] = ch
		sink := rec.sink(t.Name(), ch)
		watchers.Add(1)
		go func() {
			defer watchers.Done()
			defer func() {
				if p := recovered("watch "+t.Name(), recover()); p != nil {
					rec.panicked(*p)
				}
			}()
			err := t.Watch(watchCtx, sink)
			if watchCtx.Err() == nil {
				// The stream ended while the run was still watching: the
				// target (or its sampler) died.
				rec.note(fmt.Sprintf("watch %s: stream ended early: %v", t.Name(), err))
			}
		}()
	}
	stopWatching := func() {
		stopWatch()
		watchers.Wait()
	}
	if err := waitFirstTicks(ctx, firstTick, cfg.watchTimeout); err != nil {
		stopWatching()
		return finish(fmt.Errorf("harness: start watching: %w", err))
	}

	rec.phase("load")
	// Schedules count from the start of the load, not of the run: booting
	// the lab takes a varying time.
	loadStart := time.Now()
	cpuStart := processCPU()
	rec.mu.Lock()
	rec.rec.LoadStarted = loadStart
	rec.mu.Unlock()
	env := Env{Targets: targets, Started: loadStart, Ops: NewOpLog(rec.op), ClientSeq: new(atomic.Int64),
		RecordFault: rec.fault, RecordResponse: rec.response, RecordLevel: rec.level, Responses: rec.responses}
	loadCtx, cancelLoad := context.WithTimeout(ctx, maxDur)
	var work sync.WaitGroup
	for _, e := range plan.Load {
		work.Add(1)
		go func() {
			defer work.Done()
			// A panicking executor must not take the program (and the lab's
			// teardown) with it: it is recorded and the run goes on to down.
			defer func() {
				if p := recovered("load "+e.Name(), recover()); p != nil {
					rec.panicked(*p)
				}
			}()
			if err := e.Run(loadCtx, env); err != nil && loadCtx.Err() == nil {
				rec.loadFailed(fmt.Sprintf("load %s: %v", e.Name(), err))
			}
		}()
	}
	for _, step := range plan.Fault {
		work.Add(1)
		go func() {
			defer work.Done()
			runFault(loadCtx, env, step, rec)
		}()
	}
	work.Wait()
	harnessCPU := processCPU() - cpuStart
	rec.mu.Lock()
	rec.rec.HarnessCPU = harnessCPU
	rec.mu.Unlock()
	overran := errors.Is(loadCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	cancelLoad()
	if overran {
		rec.loadFailed(fmt.Sprintf("load did not finish within %v and was cancelled", maxDur))
	}

	if ctx.Err() == nil && plan.Settle > 0 {
		rec.phase("settle")
		Sleep(ctx, plan.Settle)
	}
	stopWatching()
	env.Ops.mu.Lock()
	rec.setOps(env.Ops.ops)
	env.Ops.mu.Unlock()
	if overran {
		return finish(fmt.Errorf("harness: load exceeded %v", maxDur))
	}
	return finish(nil)
}

func waitFirstTicks(ctx context.Context, ticks map[string]chan struct{}, timeout time.Duration) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for name, ch := range ticks {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			return fmt.Errorf("no sampler tick from %s within %v", name, timeout)
		}
	}
	return nil
}

// runFault injects at step.At, holds, heals. Healing uses its own context so
// that a cancelled run still leaves the target un-frozen before teardown
// (a SIGSTOPped sesman would otherwise stay stopped in a kept container).
func runFault(ctx context.Context, env Env, step FaultStep, rec *recorder) {
	t, err := env.Target(step.Target)
	if err != nil {
		rec.note(err.Error())
		return
	}
	if !SleepUntil(ctx, env.Started.Add(step.At)) {
		return
	}
	w := FaultWindow{Name: step.Fault.Name(), Target: t.Name(), Inject: time.Now()}
	heal := func() {
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		defer func() {
			if p := recovered("heal "+w.Name, recover()); p != nil {
				rec.panicked(*p)
				w.Err = "heal: panicked: " + p.Value
			}
		}()
		if err := step.Fault.Heal(hctx, t); err != nil {
			w.Err = "heal: " + err.Error()
		}
	}
	detail, p, err := injectSafely(ctx, step.Fault, t)
	w.Detail = detail
	if p != nil {
		// Half an injection may be in place: heal what can be healed.
		rec.panicked(*p)
		w.Err = "inject: panicked: " + p.Value
		heal()
		w.Heal = time.Now()
		rec.fault(w)
		return
	}
	if err != nil {
		w.Err = "inject: " + err.Error()
		rec.fault(w)
		return
	}
	rec.progressFault(w)
	SleepUntil(ctx, w.Inject.Add(step.Hold))
	heal()
	w.Heal = time.Now()
	rec.fault(w)
}

func injectSafely(ctx context.Context, f Fault, t Target) (detail string, p *Panic, err error) {
	defer func() { p = recovered("fault "+f.Name(), recover()) }()
	detail, err = f.Inject(ctx, t)
	return detail, nil, err
}

// recorder assembles the Record from concurrent sources.
type recorder struct {
	mu       sync.Mutex
	rec      Record
	progress chan<- Progress
	live     LiveAttributor // nil: ops go out as recorded
}

func (r *recorder) send(p Progress) {
	if r.progress == nil {
		return
	}
	select {
	case r.progress <- p:
	default:
	}
}

func (r *recorder) phase(name string) { r.send(Progress{Kind: KindPhase, Phase: name}) }

func (r *recorder) note(s string) {
	r.mu.Lock()
	r.rec.Notes = append(r.rec.Notes, s)
	r.mu.Unlock()
}

// loadFailed notes why the load did not run as planned and says so in
// the Record's LoadFailed.
func (r *recorder) loadFailed(why string) {
	r.mu.Lock()
	r.rec.Notes = append(r.rec.Notes, why)
	r.rec.LoadFailed = true
	r.mu.Unlock()
}

func (r *recorder) panicked(p Panic) {
	r.mu.Lock()
	r.rec.Panics = append(r.rec.Panics, p)
	r.mu.Unlock()
}

func (r *recorder) addTarget(t TargetInfo) {
	r.mu.Lock()
	r.rec.Targets = append(r.rec.Targets, t)
	r.mu.Unlock()
}

func (r *recorder) op(o Op) {
	if r.progress == nil {
		return
	}
	if r.live != nil {
		if t := r.live.LiveTarget(o); t != "" && t != o.Target {
			o.Via, o.Target = o.Target, t
		}
	}
	r.send(Progress{Kind: KindOp, Target: o.Target, Op: &o})
}

func (r *recorder) setOps(ops []Op) {
	sorted := append([]Op(nil), ops...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	r.mu.Lock()
	r.rec.Ops = sorted
	r.mu.Unlock()
}

func (r *recorder) progressFault(w FaultWindow) {
	r.send(Progress{Kind: KindFault, Target: w.Target, Fault: &w})
}

func (r *recorder) fault(w FaultWindow) {
	r.mu.Lock()
	r.rec.Faults = append(r.rec.Faults, w)
	r.mu.Unlock()
	r.progressFault(w)
}

func (r *recorder) snapshot() Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.rec
	out.Targets = append([]TargetInfo(nil), r.rec.Targets...)
	out.Ops = append([]Op(nil), r.rec.Ops...)
	out.Faults = append([]FaultWindow(nil), r.rec.Faults...)
	out.Procs = append([]ProcEvent(nil), r.rec.Procs...)
	out.Ticks = append([]Tick(nil), r.rec.Ticks...)
	out.Logs = append([]LogLine(nil), r.rec.Logs...)
	out.Notes = append([]string(nil), r.rec.Notes...)
	out.Responses = append([]Response(nil), r.rec.Responses...)
	out.Levels = append([]LevelMark(nil), r.rec.Levels...)
	out.Panics = append([]Panic(nil), r.rec.Panics...)
	return out
}

// targetSink stamps a target's events with its name.
type targetSink struct {
	r     *recorder
	name  string
	first chan struct{}
	once  sync.Once
}

func (r *recorder) sink(name string, first chan struct{}) *targetSink {
	return &targetSink{r: r, name: name, first: first}
}

var _ Sink = (*targetSink)(nil)

func (s *targetSink) Proc(e ProcEvent) {
	e.Target = s.name
	s.r.mu.Lock()
	s.r.rec.Procs = append(s.r.rec.Procs, e)
	s.r.mu.Unlock()
}

func (s *targetSink) Tick(t Tick) {
	t.Target = s.name
	s.r.mu.Lock()
	s.r.rec.Ticks = append(s.r.rec.Ticks, t)
	s.r.mu.Unlock()
	s.once.Do(func() { close(s.first) })
	s.r.send(Progress{Kind: KindTick, Target: s.name, Tick: &t})
}

func (r *recorder) response(x Response) {
	r.mu.Lock()
	r.rec.Responses = append(r.rec.Responses, x)
	r.mu.Unlock()
}

func (r *recorder) responses() []Response {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Response(nil), r.rec.Responses...)
}

func (r *recorder) level(l LevelMark) {
	r.mu.Lock()
	r.rec.Levels = append(r.rec.Levels, l)
	r.mu.Unlock()
}

var _ ResponseSink = (*targetSink)(nil)

// Response records a response timed inside the target.
func (s *targetSink) Response(x Response) {
	x.Target = s.name
	s.r.response(x)
}

func (s *targetSink) Log(l LogLine) {
	l.Target = s.name
	s.r.mu.Lock()
	s.r.rec.Logs = append(s.r.rec.Logs, l)
	s.r.mu.Unlock()
}
