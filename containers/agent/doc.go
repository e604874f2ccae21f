// Package agent is the harness side of xrdp-harness-agent, the small static
// program the harness copies into each xrdp target and runs with docker
// exec (cmd/xrdp-harness-agent; the in-container code is in
// agent/sampler and agent/ini). This package decodes what the agent prints
// and builds the binary; it does not touch Docker itself.
//
// # Wire format of `xrdp-harness-agent sample`
//
// One JSON object per line on stdout, each with "t" (RFC 3339 time with
// nanoseconds, UTC, when the agent saw it) and "k" (the kind). Decode turns
// a line into an Event holding the matching harness type; the harness then
// sets Target.
//
//	k         decodes to            fields
//	start     *harness.ProcEvent    pid ppid comm args state born
//	exit      *harness.ProcEvent    pid ppid comm
//	state     *harness.ProcEvent    pid ppid comm state
//	reparent  *harness.ProcEvent    pid ppid(new) comm
//	exec      *harness.ProcEvent    pid ppid comm args   (see below)
//	listen    *harness.ProcEvent    pid comm addr port   (pid, comm when found)
//	unlisten  *harness.ProcEvent    pid comm addr port
//	tick      *harness.Tick         procs zombies sessions samples cpu(ns)
//	log       *harness.LogLine      src text
//	hello     *Hello                v pid interval(ns) sockets zombieSignal root (first line)
//	warn      *Warning              text (non-fatal: a log unreadable, ...)
//
// Fields that are zero or empty are left out, as encoding/json's omitempty
// does. The first snapshot is reported as start and listen events for
// everything present, then only changes, so replaying the events in order
// rebuilds the process table at any time. Every event of one snapshot has
// the same "t". A tick follows the first snapshot and then one per second.
//
// Process fields: comm is the kernel's 15-byte name, args the command line
// joined by spaces and cut at 200 bytes (empty for zombies and for a
// process first seen as a zombie), state the /proc state letter, born the
// start time (boot time + starttime at 100 ticks/s; boot time is now
// minus /proc/uptime, so born is within ~10 ms).
//
// State events: by default only changes between classes are sent: running
// (R S D I W K P), stopped (T t), zombie (Z), dead (X x). A busy process
// flips R/S at every sample and would flood the stream; `-all-states`
// sends every letter change.
//
// Latency at the default 10 Hz: start, exit, a new zombie, and the
// reparenting of a dead process's children arrive within one interval (a
// zombie 0-100 ms after its exit, measured). A stop (T), an exec and any
// other change arrive within a second: to stay cheap, the agent reads every
// process's stat file once a second and in between only those the cgroup
// says may have died (see package sampler; `-full-every 1` reads every
// stat file every sample at about twice the CPU).
//
// exec is one more ProcEventKind than harness defines: a known pid changed
// its comm (execve, or prctl PR_SET_NAME), and comm/args are the new ones.
// It matters for xrdp because sesman forks and then execs its reconnect
// script; a process first seen between the fork and the exec would
// otherwise keep the name "xrdp-sesman" for life, also as a zombie.
package agent
