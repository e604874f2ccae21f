// Package sampler is the process, socket and log watcher that runs inside an
// xrdp target (as `xrdp-harness-agent sample`). It reads /proc at 10 Hz or
// faster and writes one JSON object per line: the first snapshot as start
// and listen events for everything present, then only changes, plus a tick
// once a second and one log event per new line of the followed log files.
// The wire format is described in package containers/agent, which decodes
// it on the harness side.
//
// It must cost little, because it runs beside the server under test: a
// process's /proc/PID/stat file is opened once and re-read with pread (2-3
// times cheaper than open/read/close), the pid list is read with one
// getdents buffer, cmdline is read only for new processes (or after an
// exec), and listening sockets come from a NETLINK_SOCK_DIAG dump of LISTEN
// sockets only. That last point matters: reading /proc/net/tcp walks the
// kernel's whole established-socket hash and cost ~4 ms per read on a 24 GB
// host, 100 times more than the netlink dump; /proc/net/tcp{,6} is only the
// fallback (read once a second) and the source for synthetic trees in tests.
//
// Linux only; it uses the standard library only so the agent binary stays
// small and static (CGO_ENABLED=0).
package sampler
