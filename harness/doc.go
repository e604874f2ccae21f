// Package harness is the engine of xrdp-harness: it turns a plan into a
// recorded run (client operations, fault windows, process events, log lines)
// and judges the Record afterwards with checkers.
//
// Data flows one way: plan → lab up → load + fault schedule → Record →
// checkers → verdicts. Nothing here prints or touches Docker directly; targets
// are reached through the small interfaces in this package.
package harness
