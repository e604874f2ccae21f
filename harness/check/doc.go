// Package check holds the detectors that judge a harness.Record after a run:
// zombies, VNC connect errors, sesman errors, stale sessions, leaked
// sessions, port conflicts, recovery time and login latency. Each detector
// is a pure function of the Record (Jepsen's checkers): it never touches a
// container, so a saved Record always gives the same verdicts. Every
// detector answers once per target: valid, invalid with the evidence that
// shows it, or unknown when the Record lacks the data to decide (the sampler
// was not watching, a log is missing, no operation ran).
//
// Shared pieces: Replayer rebuilds a target's process table from
// Record.Procs in one forward pass and answers the xrdp-shaped questions
// (main sesman, session children, a session's display, zombies); Coverage
// turns the sampler's ticks into watched and blind spans; ParseLine takes
// xrdp and sesman log lines apart. Thresholds are set with functional
// Options; Default returns the whole catalog as a value.
//
// Two conventions the detectors rely on:
//   - Stamps trail events. A process is seen some time after it changed and a
//     log line is read some time after it was written; Config.LogSlack bounds
//     that delay and every time comparison allows for it.
//   - Fault windows excuse. A process-table violation that exists only while a
//     fault is active on the target (between Inject and Heal) is the fault's
//     doing: grace periods for zombies, stale sessions and leaks start again
//     at Heal. Config.StrictDuringFaults turns this off.
package check
