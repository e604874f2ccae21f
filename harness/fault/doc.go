// Package fault is the catalog of faults the engine injects through the
// harness.Fault interface: one file per fault, each undone by its Heal (a
// kill or a signal has nothing to undo). Faults act through harness.Target
// (Exec inside the target), so they work on any target the lab provides;
// faults that need more find it through an optional capability interface
// checked with a type assertion, looking through wrapping targets
// (Unwrapper), and fail with a *CapabilityError when it is missing:
//
//	ResourceController  container limits; containers.Server provides it
//	Pauser              freeze the whole container; containers.Server provides it
//	Proxier             a Proxy in front of the RDP port; targets of Proxied(lab)
//
// Each fault validates its settings (Validate reports every problem at
// once), documents what its zero values mean, honours ctx in every wait,
// and returns a short detail (pids, ports, limits) for the Record. A fault
// value may be scheduled against several targets: what Heal needs is kept
// per target name.
//
// # Network faults
//
// The hosts this runs on have no sch_netem ("Specified qdisc kind is
// unknown"), so network faults are made in userspace the way Toxiproxy
// makes them: Proxied wraps a lab so that each target's RDPAddr is a TCP
// proxy in the harness process (127.0.0.1, port from the kernel), and the
// network faults switch toxics on and off on it. Toxic is a small interface
// (Pipe a chunk on, possibly later, split or not at all); ConnToxic lets a
// toxic hold or reset new connections. Only the client → xrdp path is
// proxied.
//
// # Catalog
//
// What each fault does, what heals it, what it needs, and what xrdp was
// seen to do (docker specs of this package, 0.9.21.1 and 0.9.24 from
// Debian; 0.10.1 checked by hand where noted):
//
//	freeze-sesman  SIGSTOP main sesman; heal SIGCONT. 0.9.21.1: logins hang
//	               (TCP 3350: connects past the listen backlog stay in
//	               progress) and all complete after the thaw. 0.10.1: sesman
//	               listens on sesman.socket (UNIX) with a backlog of 2; of 6
//	               logins 3 wait and complete after the thaw, 3 fail at once
//	               ("Error connecting to sesman on sesman.socket", EAGAIN).
//
//	end-sessions   SIGTERM the window manager of N sessions, lowest display
//	               first (a user logging out); nothing to heal. sesman
//	               must reap the session child and log "++ terminated
//	               session"; combined with sigchld-loss it does not.
//
//	kill-xvnc      SIGKILL the Xvnc of the lowest (or a given, or every)
//	               display; no heal. 0.9.21.1/0.9.24: the Xvnc stays a
//	               zombie under its session's sesman child, which waits only
//	               for the window manager; the session stays in sesman's
//	               list (no "++ terminated session"), its X lock and socket
//	               files remain, a reconnect gets "++ reconnected session"
//	               to the dead display and xrdp logs "VNC error - problem
//	               connecting" (client: fail/no-session). 0.10.1: sesexec
//	               reaps it ("X server pid N on display :D finished") but
//	               keeps the session: the reconnect fails the same way.
//
//	squat-port     hold a TCP listener (agent `listen`) on a port, by
//	               default the VNC port 5900+D of the next display; heal
//	               stops it. D < 100 (all versions seen): sesman logs "Found
//	               X server running at 59DD" and uses D+1; after heal D is
//	               handed out again. D = 118 (0.9.21.1/0.9.24): sesman's
//	               check probes 59118 and misses 6018, grants display 118,
//	               xrdp connects to the squatter at once ("VNC connecting to
//	               127.0.0.1 6018", "VNC error - problem connecting"), Xvnc
//	               dies with "vncExtInit: failed to bind socket: Address
//	               already in use", sesman logs "Timed out waiting for X
//	               server on display 118 to startup", the X server's exit
//	               code 1 and "++ terminated session" ~10 s later. 0.10.1
//	               has the same check but refuses offset 118 unless
//	               Sessions.MaxDisplayNumber >= 118 ("X server -- no
//	               display in range (118 to 63)").
//
//	signal         one signal to main xrdp-sesman or xrdp; no heal.
//	               0.9.21.1/0.9.24: HUP sesman reloads ("receiving SIGHUP",
//	               "configuration reloaded, log subsystem restarted"), same
//	               pid, sessions kept; HUP xrdp is ignored; TERM sesman
//	               exits ("sesman asked to terminate"), its session children
//	               are adopted by init and live on, and RDP logins then fail
//	               after ~15 s with "Error connecting to sesman on
//	               127.0.0.1:3350".
//
//	restart        stop main sesman or xrdp (TERM, or KILL); heal starts it
//	               again with its old command line, removing a stale pid
//	               file first. Sesman (0.9.21.1/0.9.24): SCP is refused
//	               while it is down; the new sesman does not know the old
//	               sessions, so a returning user gets a second session on
//	               the next display (two Xvnc for one user). xrdp after
//	               KILL: the pid file stays; connected clients keep their
//	               xrdp child (adopted by init) and stay connected.
//
//	resources      CPU, memory and pids limits for the hold (needs
//	               ResourceController); heal puts the old limits back.
//	               Docker 20.10 cannot unset CPU or memory limits, so a
//	               lifted limit is the host's size. Pids = current+3 on
//	               0.9.21.1 and 0.9.24: on the next session xauth and the
//	               chansrv fork fail with EAGAIN, the session ends, and
//	               sesman's session child calls kill(-1, SIGTERM) for the
//	               chansrv pid it never got ("Terminating the xrdp channel
//	               server (pid -1)"): every process of the container gets
//	               SIGTERM and the container exits 143. Other margins: +1
//	               fails the window manager fork and the session child runs
//	               on in sesman's main loop code; +2 fails the X server fork
//	               ("Timed out waiting for X server"). 0.10.1's sesexec only
//	               signals pids > 0 (source; not run).
//
//	pause-container
//	               docker pause (needs Pauser); heal unpauses. 0.9.21.1: the
//	               TCP connect completes, the X.224 request is never
//	               answered (info/timeout); logins work after the thaw.
//
//	latency        delay each chunk by Delay±Jitter from when it was read
//	bandwidth      at most Rate bytes/s per connection and direction
//	slicer         cut chunks into Size-byte pieces, Delay apart
//	blackhole      drop bytes; new connections are held, never dialled
//	reset-peer     RST open and/or new connections, on both sides
//	               All need Proxier; heal switches the toxic off.
//	               0.9.21.1/0.9.24: logins through a blackhole end
//	               info/timeout and no connection reaches xrdp; after heal
//	               they succeed. A reset client gets ECONNRESET at once,
//	               but its xrdp child notices only when it leaves its
//	               chansrv connect retries (~16 s) with "SSL_read: ...
//	               unexpected eof"; the session is kept and the user
//	               reconnects ("++ reconnected session"). With 100±20 ms
//	               each way a login took 2.6 s (1.5 s direct).
//
//	sigchld-loss   main sesman loses SIGCHLD (agent `sigdrop`: ptrace
//	               seize, suppress at delivery, probability p); heal
//	               detaches, optionally sending one SIGCHLD. Needs ptrace
//	               (root tracing root in the container worked without
//	               CAP_SYS_PTRACE under Docker 20.10's default seccomp
//	               profile; containers.Run now adds SYS_PTRACE to every
//	               container for the sampler; elsewhere the target needs it) and a daemon that catches SIGCHLD with a
//	               handler: 0.9.19+ set an event from one; a signal taken
//	               with sigwait() (older sesman) never stops a tracee, and
//	               Inject refuses such a daemon. 0.9.21.1/0.9.24: an ended
//	               session's sesman child stays a zombie under sesman and
//	               the session stays listed; the user is "reconnected" to
//	               the dead display and reconnectwm.sh becomes a zombie too
//	               (the 0.9.17 defect, on a fixed version); lost exits are
//	               not redelivered: after heal they wait for the next
//	               SIGCHLD, which reaps them all ("Process N has exited",
//	               "++ terminated session"). 0.10.1: the sesexec stays a
//	               zombie, but sesman learns of the end over its socket
//	               ("Session on display D has finished.") and the next login
//	               gets a fresh session: only a zombie leaks.
package fault
