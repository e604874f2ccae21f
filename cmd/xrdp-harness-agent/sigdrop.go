package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ptrace requests and events the syscall package does not name.
const (
	ptraceSeize     = 0x4206
	ptraceInterrupt = 0x4207
	ptraceListen    = 0x4208
	ptraceEventStop = 128
)

// cmdSigdrop makes a process lose signals: it ptrace-seizes every thread of
// PID and, at each signal-delivery-stop for the chosen signal, suppresses
// the signal with the given probability; every other signal passes. On
// SIGTERM it detaches and prints what it did. It needs CAP_SYS_PTRACE.
//
// A signal that a thread takes with sigwait() is never delivered, so it
// never stops the tracee: only signals that reach a handler can be dropped.
// The command refuses a process that has no handler for the signal.
func cmdSigdrop(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sigdrop", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	sigName := fs.String("signal", "CHLD", "signal to drop (name without SIG)")
	prob := fs.Float64("probability", 1, "chance that each such signal is dropped, 0..1")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) != 1 {
		return usageError("want exactly one PID")
	}
	pid, err := strconv.Atoi(pos[0])
	if err != nil || pid <= 0 {
		return usageError(fmt.Sprintf("pid %q: want a positive number", pos[0]))
	}
	sig, ok := signalNumbers[strings.TrimPrefix(strings.ToUpper(*sigName), "SIG")]
	if !ok {
		return usageError(fmt.Sprintf("signal %q: unknown", *sigName))
	}
	if *prob < 0 || *prob > 1 {
		return usageError(fmt.Sprintf("probability %g: want 0..1", *prob))
	}
	if caught, err := catches(pid, sig); err != nil {
		return err
	} else if !caught {
		return fmt.Errorf("pid %d has no handler for SIG%s (SigCgt): a signal it takes with sigwait() or ignores cannot be dropped with ptrace",
			pid, strings.ToUpper(*sigName))
	}

	// ptrace requests must come from the thread that attached.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// The kernel tells a tracer of its tracees' stops with SIGCHLD.
	wake := make(chan os.Signal, 1)
	signal.Notify(wake, syscall.SIGCHLD)
	defer signal.Stop(wake)

	t := &tracer{sig: sig, prob: *prob, threads: map[int]bool{}}
	if err := t.seizeAll(pid); err != nil {
		t.detach()
		return err
	}
	enc := json.NewEncoder(stdout)
	_ = enc.Encode(map[string]any{"attached": t.tids(), "pid": pid, "signal": *sigName, "probability": *prob})

	tick := time.NewTicker(100 * time.Millisecond) // in case a wake-up coalesced
	defer tick.Stop()
	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-wake:
		case <-tick.C:
		}
		if err := t.drain(); err != nil {
			runErr = err
			break
		}
	}
	t.detach()
	_ = enc.Encode(map[string]any{"dropped": t.dropped, "passed": t.passed, "detached": true})
	return runErr
}

var signalNumbers = map[string]syscall.Signal{
	"CHLD": syscall.SIGCHLD, "HUP": syscall.SIGHUP, "TERM": syscall.SIGTERM, "INT": syscall.SIGINT,
	"USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "PIPE": syscall.SIGPIPE, "ALRM": syscall.SIGALRM,
}

// catches reads whether pid has a handler for sig (SigCgt in its status).
func catches(pid int, sig syscall.Signal) (bool, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return false, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "SigCgt:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return false, fmt.Errorf("pid %d: SigCgt %q: %w", pid, v, err)
			}
			return mask&(1<<(uint(sig)-1)) != 0, nil
		}
	}
	return false, fmt.Errorf("pid %d: no SigCgt line in its status", pid)
}

type tracer struct {
	sig             syscall.Signal
	prob            float64
	threads         map[int]bool // tid → still traced
	dropped, passed int
}

func ptrace(req, tid int, data uintptr) error {
	_, _, e := syscall.Syscall6(syscall.SYS_PTRACE, uintptr(req), uintptr(tid), 0, data, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func (t *tracer) tids() []int {
	var ids []int
	for id := range t.threads {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// seizeAll attaches to every thread of pid, listing again until no new
// thread shows up (threads made after a seize are traced automatically).
func (t *tracer) seizeAll(pid int) error {
	for {
		entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		if err != nil {
			return fmt.Errorf("list threads of %d: %w", pid, err)
		}
		added := false
		for _, e := range entries {
			tid, err := strconv.Atoi(e.Name())
			if err != nil || t.threads[tid] {
				continue
			}
			if err := ptrace(ptraceSeize, tid, syscall.PTRACE_O_TRACECLONE); err != nil {
				if errors.Is(err, syscall.EPERM) {
					return fmt.Errorf("ptrace seize %d: %w (needs CAP_SYS_PTRACE: run the container with it)", tid, err)
				}
				return fmt.Errorf("ptrace seize %d: %w", tid, err)
			}
			t.threads[tid] = true
			added = true
		}
		if !added {
			return nil
		}
	}
}

// drain handles every pending stop without blocking.
func (t *tracer) drain() error {
	for {
		var ws syscall.WaitStatus
		tid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG|syscall.WALL, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if errors.Is(err, syscall.ECHILD) || tid == 0 {
			return nil
		}
		if err != nil {
			return fmt.Errorf("wait: %w", err)
		}
		t.handle(tid, ws, false)
		if len(t.threads) == 0 {
			return errors.New("the traced process exited")
		}
	}
}

// handle resumes (or, detaching, releases) a thread after one stop.
func (t *tracer) handle(tid int, ws syscall.WaitStatus, detaching bool) {
	if ws.Exited() || ws.Signaled() {
		delete(t.threads, tid)
		return
	}
	if !ws.Stopped() {
		return
	}
	t.threads[tid] = true // a new thread's first stop
	sig := ws.StopSignal()
	var pass syscall.Signal
	// WaitStatus.TrapCause only reads events of SIGTRAP stops; a
	// group-stop's PTRACE_EVENT_STOP comes with the stopping signal.
	switch event := int(uint32(ws)>>16) & 0xff; event {
	case ptraceEventStop:
		if !detaching && (sig == syscall.SIGSTOP || sig == syscall.SIGTSTP || sig == syscall.SIGTTIN || sig == syscall.SIGTTOU) {
			// Group-stop: stay stopped, but hear SIGCONT.
			_ = ptrace(ptraceListen, tid, 0)
			return
		}
	case 0: // signal-delivery-stop
		pass = sig
		if sig == t.sig && !detaching && rand.Float64() < t.prob {
			pass = 0
			t.dropped++
		} else if sig == t.sig {
			t.passed++
		}
	}
	// Other events (a clone) resume with no signal.
	if detaching {
		_ = ptrace(syscall.PTRACE_DETACH, tid, uintptr(pass))
		delete(t.threads, tid)
		return
	}
	_ = syscall.PtraceCont(tid, int(pass))
}

// detach stops every thread with PTRACE_INTERRUPT and lets it go; a signal
// it was about to get is passed on. Threads that do not stop within a
// second are released by the kernel when this process exits.
func (t *tracer) detach() {
	for tid := range t.threads {
		if err := ptrace(ptraceInterrupt, tid, 0); err != nil {
			delete(t.threads, tid) // gone already
		}
	}
	deadline := time.Now().Add(time.Second)
	for len(t.threads) > 0 && time.Now().Before(deadline) {
		var ws syscall.WaitStatus
		tid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG|syscall.WALL, nil)
		if err != nil && !errors.Is(err, syscall.EINTR) {
			return
		}
		if tid <= 0 {
			time.Sleep(time.Millisecond)
			continue
		}
		t.handle(tid, ws, true)
	}
}
