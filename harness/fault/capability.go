package fault

import (
	"fmt"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Unwrapper is implemented by targets that wrap another one (the targets of
// Proxied do): capability lookups look through the wrapper, so that a
// proxied container still offers its container controls.
type Unwrapper interface {
	Unwrap() harness.Target
}

// CapabilityError says that a fault needs something from the target that
// this target does not offer (a container control, a proxy in front).
type CapabilityError struct {
	Fault      string // the fault's name
	Target     string // the target's name
	Capability string // the interface the fault looks for, e.g. "fault.ResourceController"
	Hint       string // what provides it
}

func (e *CapabilityError) Error() string {
	return fmt.Sprintf("fault: %s: target %s has no %s (%s)", e.Fault, e.Target, e.Capability, e.Hint)
}

// capability finds C on t or on a target t wraps.
func capability[C any](t harness.Target) (C, bool) {
	for t != nil {
		if c, ok := t.(C); ok {
			return c, true
		}
		u, ok := t.(Unwrapper)
		if !ok {
			break
		}
		t = u.Unwrap()
	}
	var zero C
	return zero, false
}
