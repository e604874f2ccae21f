// Package harness is the engine of xrdp-harness: it turns a plan into a
// recorded run (client operations, fault windows, process events, log lines)
// and judges the Record afterwards with checkers.
//
// Data flows one way: plan → lab up → load + fault schedule → Record →
// checkers → verdicts. Nothing here prints or touches Docker directly; targets
// are reached through the small interfaces in this package (target.go:
// Target, Lab, Sink; plan.go: Plan, Executor, Fault; checker.go: Checker,
// Verdict). engine.go's Run always tears the lab down, returns a partial
// Record on cancel, heals faults on a context that survives the cancel, runs
// executors, faults and checkers under recover (recover.go), and never blocks
// on a progress reader.
//
// The Record (record.go) is all a checker reads. Typed signals live in it,
// never in notes: LoadFailed says the load did not run as planned; each
// TargetInfo carries the settings checkers need (Policy, MaxSessions,
// DisplayOffset, SessionProcess from containers.FeaturesOf).
//
// Sub-packages: load (executors and clients), fault (one fault per file),
// check (the detectors, pure functions of a Record), knee (capacity
// arithmetic), lint (operator config rules), fleet (many targets).
package harness
