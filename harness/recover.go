package harness

import (
	"fmt"
	"runtime/debug"
	"time"
)

// recovered turns a panic value into a Panic (nil when there was none).
// Call it as `if p := recovered(where, recover()); p != nil`.
func recovered(where string, v any) *Panic {
	if v == nil {
		return nil
	}
	return &Panic{Time: time.Now(), Where: where, Value: fmt.Sprint(v), Stack: string(debug.Stack())}
}

// SafeCheck runs one checker; a panic becomes an unknown verdict naming the
// checker, with the stack as evidence, instead of ending the program.
func SafeCheck(c Checker, r *Record) (vs []Verdict) {
	defer func() {
		if p := recovered("checker "+c.Name(), recover()); p != nil {
			vs = []Verdict{panicVerdict(c.Name(), *p)}
		}
	}()
	return c.Check(r)
}

// PanicVerdicts are unknown verdicts for the panics the engine recovered
// during the run: what ran was not the plan.
func PanicVerdicts(r *Record) []Verdict {
	var out []Verdict
	for _, p := range r.Panics {
		out = append(out, panicVerdict("harness", p))
	}
	return out
}

func panicVerdict(checker string, p Panic) Verdict {
	return Verdict{Checker: checker, Valid: Unknown,
		Summary:  fmt.Sprintf("%s panicked (%s): a harness bug, the verdict cannot be judged; the stack is in the evidence", p.Where, p.Value),
		Evidence: []Evidence{{Time: p.Time, What: "panic: " + p.Value + "\n" + p.Stack}}}
}
