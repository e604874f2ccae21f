package harness

import (
	"context"
	"errors"
	"testing"
)

// fakeLab is one target that ticks once and then watches until told to
// stop: enough for the engine to reach the load phase without Docker.
type fakeLab struct{}

func (fakeLab) Up(context.Context) ([]Target, error) { return []Target{fakeTarget{}}, nil }
func (fakeLab) Down(context.Context) error           { return nil }

type fakeTarget struct{}

func (fakeTarget) Name() string                                         { return "t1" }
func (fakeTarget) Info() TargetInfo                                     { return TargetInfo{Name: "t1"} }
func (fakeTarget) RDPAddr() string                                      { return "127.0.0.1:1" }
func (fakeTarget) SesmanAddr() string                                   { return "" }
func (fakeTarget) Users() []User                                        { return nil }
func (fakeTarget) Exec(context.Context, ...string) (int, string, error) { return 0, "", nil }
func (fakeTarget) Watch(ctx context.Context, s Sink) error {
	s.Tick(Tick{})
	<-ctx.Done()
	return ctx.Err()
}

type execFunc func(context.Context, Env) error

func (execFunc) Name() string                           { return "step" }
func (f execFunc) Run(ctx context.Context, e Env) error { return f(ctx, e) }

// TestLoadFailedIsTyped: an executor's error sets Record.LoadFailed (and
// notes why); a load that ran as planned leaves it unset.
func TestLoadFailedIsTyped(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{{"ok", nil, false}, {"failed", errors.New("inject: no such process"), true}} {
		t.Run(tc.name, func(t *testing.T) {
			plan := Plan{Name: "x", Lab: fakeLab{}, Load: []Executor{execFunc(func(context.Context, Env) error { return tc.err })}}
			rec, err := Run(t.Context(), plan)
			if err != nil {
				t.Fatal(err)
			}
			if rec.LoadFailed != tc.want || (len(rec.Notes) > 0) != tc.want {
				t.Errorf("LoadFailed %v, notes %q; want %v", rec.LoadFailed, rec.Notes, tc.want)
			}
		})
	}
}

// finishingLab is fakeLab with a RecordFinisher that sees the whole Record.
type finishingLab struct {
	fakeLab
	saw *int // ops in the Record it was given
}

func (l finishingLab) FinishRecord(r *Record) {
	*l.saw = len(r.Ops)
	r.Notes = append(r.Notes, "finished")
}

// TestRecordFinisherSeesTheWholeRecord: a lab that finishes Records is
// given the Record after the load, with every op in, and its changes are
// what Run returns.
func TestRecordFinisherSeesTheWholeRecord(t *testing.T) {
	saw := -1
	plan := Plan{Name: "x", Lab: finishingLab{saw: &saw}, Load: []Executor{execFunc(func(_ context.Context, e Env) error {
		e.Ops.Add(Op{Target: "t1", Kind: OpLogin, Outcome: OK})
		return nil
	})}}
	rec, err := Run(t.Context(), plan)
	if err != nil {
		t.Fatal(err)
	}
	if saw != 1 || len(rec.Notes) != 1 || rec.Notes[0] != "finished" {
		t.Errorf("finisher saw %d ops, Record notes %q; want 1 op and its note", saw, rec.Notes)
	}
}
