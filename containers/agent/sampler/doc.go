// Package sampler is the process, socket and log watcher that runs inside an
// xrdp target (as `xrdp-harness-agent sample`). It reads /proc at 10 Hz or
// faster and writes one JSON object per line: the first snapshot as start
// and listen events for everything present, then only changes, plus a tick
// once a second and one log event per new line of the followed log files.
// The wire format is described in package containers/agent, which decodes
// it on the harness side.
//
// It must cost little, because it runs beside the server under test. What
// a sample reads (measured in a 2-core Firecracker VM, 250 processes of 50
// Xvnc sessions, 10 Hz; an idle 10 Hz wake-up alone costs 0.15% there):
//
//   - Zombie candidates come from one read of the target's cgroup.procs:
//     the kernel takes an exiting task out of its cgroup before it becomes a
//     zombie, so a pid /proc knows but the cgroup does not is a zombie (or
//     a process of another cgroup, which is then simply read every
//     sample). Only candidates get their stat file read.
//   - /proc is listed (getdents) only when the last pid handed out, from
//     /proc/loadavg, moved (a fork, even of a child that died before this
//     sample) and at the full-read rate.
//   - Every stat file is read at least once a second (FullEvery), staggered
//     by pid, for changes that leave the cgroup alone: a stop (T), a
//     reparent not caused by a death seen here, an exec. The children of a
//     process that died are re-read in the same sample.
//   - Without a usable cgroup.procs, a change of /proc/PID/statm (half the
//     cost of stat; it turns to zeros when a process exits) is the signal.
//   - Stat files are opened once and re-read with pread (2-3 times cheaper
//     than open/read/close); cmdline is read only for new processes and
//     after a comm change (exec).
//   - Listening sockets come from a NETLINK_SOCK_DIAG dump of LISTEN
//     sockets only. Reading /proc/net/tcp instead walks the kernel's whole
//     established-socket hash: ~4 ms per read on a 24 GB host, 100 times
//     the netlink dump; it is only the fallback (read once a second) and the
//     source for synthetic trees in tests.
//
// Measured CPU of the agent there: 1.0% of a core with the cgroup signal,
// 1.8% with statm, 2.2-2.5% reading every stat file every sample. A zombie
// shows up in the stream 10-100 ms after its exit at 10 Hz.
//
// Linux only; it uses the standard library only so the agent binary stays
// small and static (CGO_ENABLED=0).
package sampler
