package scenarios

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
	"github.com/xrdp-harness/xrdp-harness/harness/check"
	"github.com/xrdp-harness/xrdp-harness/harness/fault"
)

// faultMaker builds one fault from a scenario's params. Whether it needs the
// lab wrapped in a proxy is asked of the fault it builds (needsProxy).
type faultMaker struct {
	make   func(p params) (harness.Fault, error)
	params []string // accepted parameter names, for errors
}

// faultMakers is the catalog scenario files can name: one line per fault
// of harness/fault.
var faultMakers = map[string]faultMaker{
	"none":          {make: func(params) (harness.Fault, error) { return harness.NoFault{}, nil }},
	"freeze-sesman": {make: func(params) (harness.Fault, error) { return &fault.FreezeSesman{}, nil }},
	"end-sessions": {params: []string{"count"}, make: func(p params) (harness.Fault, error) {
		return &fault.EndSessions{Count: p.int("count", 0)}, p.err()
	}},
	"kill-xvnc": {params: []string{"display", "all"}, make: func(p params) (harness.Fault, error) {
		return &fault.KillXvnc{Display: p.int("display", 0), All: p.bool("all")}, p.err()
	}},
	"squat-port": {params: []string{"port", "addr"}, make: func(p params) (harness.Fault, error) {
		return &fault.SquatPort{Port: p.int("port", 0), Addr: p.str("addr")}, p.err()
	}},
	"signal": {params: []string{"process", "sig"}, make: func(p params) (harness.Fault, error) {
		return &fault.Signal{Process: p.str("process"), Sig: p.str("sig")}, p.err()
	}},
	"restart": {params: []string{"process", "sig"}, make: func(p params) (harness.Fault, error) {
		return &fault.Restart{Process: p.str("process"), Sig: p.str("sig")}, p.err()
	}},
	"resources": {params: []string{"cpus", "memoryMB", "pids"}, make: func(p params) (harness.Fault, error) {
		return &fault.Resources{CPUs: p.float("cpus"), MemoryMB: int64(p.int("memoryMB", 0)), Pids: int64(p.int("pids", 0))}, p.err()
	}},
	"pause-container": {make: func(params) (harness.Fault, error) { return &fault.PauseContainer{}, nil }},
	"sigchld-loss": {params: []string{"probability"}, make: func(p params) (harness.Fault, error) {
		prob := 1.0
		if _, ok := p.m["probability"]; ok {
			prob = p.float("probability")
		}
		return &fault.SIGCHLDLoss{Probability: prob}, p.err()
	}},
	"latency": {params: []string{"delay", "jitter"}, make: func(p params) (harness.Fault, error) {
		return &fault.Latency{Delay: p.dur("delay"), Jitter: p.dur("jitter")}, p.err()
	}},
	"bandwidth": {params: []string{"rate"}, make: func(p params) (harness.Fault, error) {
		return &fault.Bandwidth{Rate: int64(p.int("rate", 0))}, p.err()
	}},
	"slicer": {params: []string{"size", "delay"}, make: func(p params) (harness.Fault, error) {
		return &fault.Slicer{Size: p.int("size", 0), Delay: p.dur("delay")}, p.err()
	}},
	"blackhole":  {make: func(params) (harness.Fault, error) { return &fault.Blackhole{}, nil }},
	"reset-peer": {make: func(params) (harness.Fault, error) { return &fault.ResetPeer{}, nil }},
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

// FaultParams lists the params a fault kind accepts (nil for an unknown
// kind or one without params), for the scenario reference.
func FaultParams(kind string) []string {
	return slices.Clone(faultMakers[kind].params)
}

func knownFault(kind string) bool { _, ok := faultMakers[kind]; return ok }

// newFault builds a fault and validates it (faults with a Validate method
// report every bad field).
func newFault(f FaultSpec) (harness.Fault, error) {
	mk, ok := faultMakers[f.Kind]
	if !ok {
		return nil, fmt.Errorf("fault %q: unknown; one of %s", f.Kind, strings.Join(FaultKinds(), ", "))
	}
	for k := range f.Params {
		if !slices.Contains(mk.params, k) {
			return nil, fmt.Errorf("fault %s: unknown param %q (takes %s)", f.Kind, k, orNone(mk.params))
		}
	}
	ft, err := mk.make(params{kind: f.Kind, m: f.Params})
	if err != nil {
		return nil, err
	}
	if v, ok := ft.(interface{ Validate() []error }); ok {
		if errs := v.Validate(); len(errs) > 0 {
			return nil, fmt.Errorf("fault %s: %w", f.Kind, errors.Join(errs...))
		}
	}
	return ft, nil
}

// needsProxy reports whether the spec injects a network fault anywhere: a
// fault that is a fault.Toxic acts on the proxy every RDP client goes
// through (fault.Proxied).
func (s Spec) needsProxy() bool {
	var walk func([]LoadSpec) bool
	walk = func(ls []LoadSpec) bool {
		for _, l := range ls {
			if l.Fault != nil && isToxic(*l.Fault) || walk(l.Steps) {
				return true
			}
		}
		return false
	}
	for _, f := range s.Faults {
		if isToxic(f) {
			return true
		}
	}
	return walk(s.Load)
}

// isToxic says whether the fault f names acts on the proxied network.
func isToxic(f FaultSpec) bool {
	mk, ok := faultMakers[f.Kind]
	if !ok {
		return false
	}
	ft, _ := mk.make(params{kind: f.Kind, m: f.Params})
	_, toxic := ft.(fault.Toxic)
	return toxic
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "no params"
	}
	return strings.Join(s, ", ")
}

// params reads a fault's string parameters, collecting every bad one.
type params struct {
	kind string
	m    map[string]string
	errs []error
}

func (p *params) bad(key, v, want string) {
	p.errs = append(p.errs, fmt.Errorf("fault %s: param %s=%q: want %s", p.kind, key, v, want))
}

func (p *params) str(key string) string { return p.m[key] }

func (p *params) int(key string, def int) int {
	v, ok := p.m[key]
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		p.bad(key, v, "a whole number ≥ 0")
	}
	return n
}

func (p *params) float(key string) float64 {
	v, ok := p.m[key]
	if !ok {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= 0) || math.IsInf(f, 0) {
		p.bad(key, v, "a number ≥ 0")
	}
	return f
}

func (p *params) bool(key string) bool {
	v, ok := p.m[key]
	if !ok {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.bad(key, v, "true or false")
	}
	return b
}

func (p *params) dur(key string) time.Duration {
	v, ok := p.m[key]
	if !ok {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > maxSpan {
		p.bad(key, v, "a duration 0..24h such as 100ms")
	}
	return d
}

func (p *params) err() error { return errors.Join(p.errs...) }

// CheckerNames lists the checkers a scenario may skip: the names of
// harness/check's catalog (check.Default), in its order.
func CheckerNames() []string {
	cs, _ := check.Default() // no options: no option error
	names := make([]string, 0, len(cs))
	for _, c := range cs {
		names = append(names, c.Name())
	}
	return names
}

func knownChecker(name string) bool { return slices.Contains(CheckerNames(), name) }
