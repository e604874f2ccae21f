package scenarios

import (
	"fmt"
	"slices"
	"sort"
	"strconv"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
)

// faultMakers turns a FaultSpec into a fault. Adding a fault to scenario
// files is one line here (and its file in harness/fault).
var faultMakers = map[string]func(params map[string]string) (harness.Fault, error){
	"none":          func(map[string]string) (harness.Fault, error) { return harness.NoFault{}, nil },
	"freeze-sesman": func(map[string]string) (harness.Fault, error) { return &fault.FreezeSesman{}, nil },
	"end-sessions": func(p map[string]string) (harness.Fault, error) {
		n, err := intParam(p, "count", 0)
		return &fault.EndSessions{Count: n}, err
	},
}

// intParam reads an integer fault parameter (def when absent).
func intParam(p map[string]string, key string, def int) (int, error) {
	v, ok := p[key]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("param %s=%q: want a whole number ≥ 0", key, v)
	}
	return n, nil
}

// FaultKinds lists the fault names scenario files accept.
func FaultKinds() []string {
	kinds := make([]string, 0, len(faultMakers))
	for k := range faultMakers {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}

func knownFault(kind string) bool { _, ok := faultMakers[kind]; return ok }

func newFault(f FaultSpec) (harness.Fault, error) {
	mk, ok := faultMakers[f.Kind]
	if !ok {
		return nil, fmt.Errorf("fault %q: unknown", f.Kind)
	}
	return mk(f.Params)
}

// checkerNames are the detectors of harness/check's catalog.
var checkerNames = []string{"zombies", "vnc-errors", "sesman-errors", "stale-sessions", "session-leaks",
	"port-conflicts", "recovery-time", "login-latency"}

func knownChecker(name string) bool { return slices.Contains(checkerNames, name) }
