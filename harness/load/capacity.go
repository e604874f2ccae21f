package load

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/knee"
)

// Capacity adds Step users' sessions every Every and keeps them all
// connected, until Max sessions or until a level degrades: one of the
// level's logins failed, or their p99 exceeded MaxP99. The level's logins
// are its probe: they measure what a new user meets at that load. Every
// session is closed gracefully at the end.
type Capacity struct {
	Client Client
	Target string
	Step   int
	Every  time.Duration
	Max    int
	// MaxP99 of a level's logins (zero: 10s); MaxErrorRate of a level's
	// logins (zero: none may fail).
	MaxP99       time.Duration
	MaxErrorRate float64
	// Knee, when set, judges levels on the responses of the sessions'
	// workloads instead of the logins: each level's window runs from its
	// logins until it has measured enough (see WaitFor), its average
	// response is held against the baseline of every response so far
	// (Login VSI 4.1) plus the rule's threshold, and the executor stops
	// one level past the first level over it. Every level is recorded
	// (Env.RecordLevel).
	Knee *knee.Rule
	// WaitFor, with Knee, is whose samples a level waits for after Every:
	// ServerSide, until every session held has run one workload cycle
	// inside the level; ClientSide, until each has timed a keystroke; ""
	// (no workload, no probes): a level lasts Every. MaxEvery caps a
	// level (zero: 4 × Every); a level that reaches it is recorded as
	// capped, with the sessions still short.
	WaitFor  harness.ResponseSource
	MaxEvery time.Duration
	// PerSession is the cycles (or keystrokes) each session must complete
	// inside a level (zero: 1): more give each level's figure more samples.
	PerSession int
	// MinLevelSamples is the cycles (or keystrokes) a level needs in all,
	// over its sessions (zero: PerSession each is enough).
	MinLevelSamples int
	// ProbeEvery, when > 0, has every session whose client can type (see
	// Typist) time a keystroke to the next screen update this often, into
	// the Record as client-side responses.
	ProbeEvery time.Duration
}

var _ harness.Executor = (*Capacity)(nil)

func (c *Capacity) Name() string {
	return fmt.Sprintf("capacity(+%d every %v up to %d)", c.Step, c.Every, c.Max)
}

// Level is what one step of a capacity run met.
type Level struct {
	Sessions  int // sessions the node held after this level's logins
	Logins    int
	Failed    int
	P50, P99  time.Duration
	ErrorRate float64
}

// Degraded says whether a level breaks the thresholds, and why.
func (c *Capacity) Degraded(l Level) (bool, string) {
	maxP99 := c.MaxP99
	if maxP99 == 0 {
		maxP99 = 10 * time.Second
	}
	switch {
	case l.ErrorRate > c.MaxErrorRate:
		return true, fmt.Sprintf("login error rate %.0f%% > %.0f%%", 100*l.ErrorRate, 100*c.MaxErrorRate)
	case l.P99 > maxP99:
		return true, fmt.Sprintf("login p99 %v > %v", l.P99.Round(time.Millisecond), maxP99)
	}
	return false, ""
}

// MeasureLevel summarises a level's login ops.
func MeasureLevel(ops []harness.Op, sessionsBefore int) Level {
	l := Level{Logins: len(ops)}
	var lat []time.Duration
	for _, o := range ops {
		if o.Outcome == harness.OK {
			lat = append(lat, o.Duration())
		} else {
			l.Failed++
		}
	}
	l.Sessions = sessionsBefore + len(lat)
	if l.Logins > 0 {
		l.ErrorRate = float64(l.Failed) / float64(l.Logins)
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		l.P50 = lat[(len(lat)-1)/2]
		l.P99 = lat[min(len(lat)-1, (len(lat)*99+99)/100-1)]
	}
	return l
}

// LevelEnd is the rule that ends each knee level.
func (c *Capacity) LevelEnd() knee.LevelEnd {
	maxEvery := c.MaxEvery
	if maxEvery == 0 {
		maxEvery = 4 * c.Every
	}
	return knee.LevelEnd{Min: c.Every, Max: maxEvery, Source: c.WaitFor, PerSession: c.PerSession, Total: c.MinLevelSamples}
}

func (c *Capacity) Run(ctx context.Context, env harness.Env) error {
	if c.Client == nil || c.Step < 1 || c.Every <= 0 || c.Max < c.Step {
		return errors.New("capacity: want a client, step ≥ 1, every > 0, max ≥ step")
	}
	if errs := c.LevelEnd().Validate(); c.Knee != nil && len(errs) > 0 {
		return fmt.Errorf("capacity: %w", errors.Join(errs...))
	}
	t, err := env.Target(c.Target)
	if err != nil {
		return err
	}
	users, err := pickUsers(t, c.Max)
	if err != nil {
		return err
	}
	cr := newCrew(env)
	var (
		mu       sync.Mutex
		sessions []Session
	)
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		for _, s := range sessions {
			cr.ops.Add(s.Close(cctx, Graceful))
		}
	}()
	probes, stopProbes := context.WithCancel(ctx)
	var probing sync.WaitGroup
	defer probing.Wait()
	defer stopProbes()
	held, past := 0, false
	var marks []harness.LevelMark
	var heldUsers []string // users whose sessions logged in
	for next := 0; next < len(users) && ctx.Err() == nil; next += c.Step {
		level := users[next:min(next+c.Step, len(users))]
		levelStart := time.Now()
		ops := make([]harness.Op, len(level))
		var wg sync.WaitGroup
		for i, u := range level {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sess, op := c.Client.Login(ctx, t, u, cr.clientName())
				ops[i] = cr.ops.Add(op)
				if sess != nil {
					mu.Lock()
					sessions = append(sessions, sess)
					heldUsers = append(heldUsers, u.Name)
					mu.Unlock()
					if ty, ok := sess.(Typist); ok && c.ProbeEvery > 0 {
						probing.Add(1)
						go func() {
							defer probing.Done()
							probe(probes, env, t.Name(), u.Name, ty, c.ProbeEvery)
						}()
					}
				}
			}()
		}
		wg.Wait()
		l := MeasureLevel(ops, held)
		held = l.Sessions
		if c.Knee != nil {
			st, ok := c.waitLevel(ctx, env, t.Name(), slices.Clone(heldUsers), levelStart)
			if !ok {
				return nil
			}
			mark := harness.LevelMark{Target: t.Name(), Sessions: held, Start: levelStart, End: time.Now(),
				Logins: l.Logins, Failed: l.Failed, Capped: st.Capped, Short: st.Short, Samples: st.Total, Want: c.MinLevelSamples}
			if env.RecordLevel != nil {
				env.RecordLevel(mark)
			}
			if past {
				return nil // one level past the knee is measured; stop
			}
			marks = append(marks, mark)
			past = c.overKnee(env, marks)
			continue
		}
		if bad, _ := c.Degraded(l); bad {
			return nil // the level that broke is in the Record; stop adding
		}
		if !harness.Sleep(ctx, c.Every) {
			return nil
		}
	}
	return nil
}

// waitLevel holds a level until the level-end rule lets it end (checked
// once a second, when the sampler forwards the workloads' lines); false
// when ctx ended first.
func (c *Capacity) waitLevel(ctx context.Context, env harness.Env, target string, users []string, start time.Time) (knee.LevelState, bool) {
	end := c.LevelEnd()
	if !harness.SleepUntil(ctx, start.Add(end.Min)) {
		return knee.LevelState{}, false
	}
	for {
		var rs []harness.Response
		if env.Responses != nil && end.Source != "" {
			rs = env.Responses()
		}
		if st := end.State(rs, target, users, start, time.Now()); st.Done {
			return st, true
		}
		next := time.Now().Add(time.Second)
		if capAt := start.Add(end.Max); capAt.Before(next) {
			next = capAt
		}
		if !harness.SleepUntil(ctx, next) {
			return knee.LevelState{}, false
		}
	}
}

// overKnee judges the levels so far on the responses recorded so far, with
// the baseline of the test so far; the figure taken after the run uses the
// whole test's baseline, so it can differ from where the run stopped.
func (c *Capacity) overKnee(env harness.Env, marks []harness.LevelMark) bool {
	var rec harness.Record
	if env.Responses != nil {
		rec.Responses = env.Responses()
	}
	rec.Levels = marks
	levels, samples := knee.FromRecord(&rec, marks[0].Target)
	return knee.Analyze(levels, samples, *c.Knee).Over >= 0
}

// Typist is a session whose client can send a keystroke and time it to the
// first screen update that follows (fakeclient's fast-path input).
type Typist interface {
	Keystroke(ctx context.Context) (time.Duration, error)
}

// probe times a keystroke every `every` (±25%) until ctx ends.
func probe(ctx context.Context, env harness.Env, target, user string, ty Typist, every time.Duration) {
	for i := 0; ; i++ {
		d := every * time.Duration(75+(i*37)%50) / 100 // spread the probes of many sessions
		if !harness.Sleep(ctx, d) {
			return
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		dur, err := ty.Keystroke(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		r := harness.Response{Time: time.Now(), Target: target, User: user, Source: harness.ClientSide, Op: "keystroke", Dur: dur}
		if err != nil {
			r.Err = err.Error()
		}
		if env.RecordResponse != nil {
			env.RecordResponse(r)
		}
	}
}
