package harness

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// panicTarget ticks once and waits: enough for the engine to start the load.
type panicTarget struct{}

func (panicTarget) Name() string       { return "fake" }
func (panicTarget) Info() TargetInfo   { return TargetInfo{Name: "fake"} }
func (panicTarget) RDPAddr() string    { return "127.0.0.1:1" }
func (panicTarget) SesmanAddr() string { return "" }
func (panicTarget) Users() []User      { return []User{{Name: "user1"}} }
func (panicTarget) Exec(context.Context, ...string) (int, string, error) {
	return 0, "", nil
}
func (panicTarget) Watch(ctx context.Context, s Sink) error {
	s.Tick(Tick{Time: time.Now()})
	<-ctx.Done()
	return ctx.Err()
}

type panicLab struct {
	upPanics bool
	downs    atomic.Int32
}

func (l *panicLab) Up(context.Context) ([]Target, error) {
	if l.upPanics {
		panic("up exploded")
	}
	return []Target{panicTarget{}}, nil
}
func (l *panicLab) Down(context.Context) error { l.downs.Add(1); return nil }

type panicky struct{}

func (panicky) Name() string                   { return "panicky" }
func (panicky) Run(context.Context, Env) error { panic("index out of range") }

type panicFault struct{ healed atomic.Bool }

func (*panicFault) Name() string { return "panic-fault" }
func (*panicFault) Inject(context.Context, Target) (string, error) {
	var m map[string]int
	m["x"] = 1 // nil map write
	return "", nil
}
func (f *panicFault) Heal(context.Context, Target) error { f.healed.Store(true); return nil }

type panicChecker struct{}

func (panicChecker) Name() string            { return "boom" }
func (panicChecker) Check(*Record) []Verdict { panic("checker bug") }

func TestPanicsBecomeUnknownAndTeardownRuns(t *testing.T) {
	lab := &panicLab{}
	f := &panicFault{}
	rec, err := Run(context.Background(), Plan{Name: "p", Lab: lab, Load: []Executor{panicky{}},
		Fault: []FaultStep{{Fault: f}}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if lab.downs.Load() != 1 {
		t.Errorf("lab down %d times", lab.downs.Load())
	}
	if !f.healed.Load() {
		t.Error("a fault whose inject panicked was not healed")
	}
	if len(rec.Panics) != 2 {
		t.Fatalf("panics %+v", rec.Panics)
	}
	vs := PanicVerdicts(rec)
	if len(vs) != 2 || vs[0].Valid != Unknown || !strings.Contains(vs[0].Evidence[0].What, "recover_test.go") {
		t.Errorf("verdicts %+v", vs)
	}
	cv := SafeCheck(panicChecker{}, rec)
	if len(cv) != 1 || cv[0].Valid != Unknown || !strings.Contains(cv[0].Summary, "checker boom panicked (checker bug)") {
		t.Errorf("checker verdict %+v", cv)
	}
}

func TestPanicInLabUpStillTearsDown(t *testing.T) {
	lab := &panicLab{upPanics: true}
	rec, err := Run(context.Background(), Plan{Name: "p", Lab: lab})
	if err == nil || rec == nil || !rec.Partial || len(rec.Panics) != 1 {
		t.Fatalf("rec %+v, err %v", rec, err)
	}
	if lab.downs.Load() != 1 {
		t.Errorf("lab down %d times", lab.downs.Load())
	}
}
