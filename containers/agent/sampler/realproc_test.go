package sampler

import (
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/xrdp-harness/xrdp-harness/containers/agent"
	"github.com/xrdp-harness/xrdp-harness/harness"
)

const prSetChildSubreaper = 36

// watch samples the real /proc every 20ms until cond accepts an event or
// ctx ends.
func watch(ctx context.Context, t *testing.T, s *Sampler, cond func(agent.Event) bool) agent.Event {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, ev := range sample(t, s, time.Now()) {
			if cond(ev) {
				return ev
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("condition not met: %v", ctx.Err())
		case <-tick.C:
		}
	}
}

// TestRealProc runs against this machine's /proc, where the sampler holds
// each stat file open: a parent that never reaps its child makes a real
// zombie; killing the parent reparents the zombie to this test process (a
// child subreaper), and reaping it makes it exit.
func TestRealProc(t *testing.T) {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		t.Skipf("prctl(PR_SET_CHILD_SUBREAPER): %v", errno)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.fs.real {
		t.Fatal("/proc is not a procfs")
	}
	sample(t, s, time.Now())
	for _, p := range s.procs {
		if p.fd < 0 {
			t.Fatalf("pid %d: stat fd not held", p.pid)
		}
	}

	// sh forks "sleep 0.2", then execs "sleep 30", which never waits.
	parent := exec.Command("sh", "-c", "sleep 0.2 & exec sleep 30")
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	defer parent.Process.Kill()
	ppid := parent.Process.Pid

	zombie := watch(ctx, t, s, func(ev agent.Event) bool {
		p := ev.Proc
		return p != nil && p.PPID == ppid && p.State == "Z" &&
			(p.Kind == harness.ProcState || p.Kind == harness.ProcStart)
	}).Proc
	if zombie.Comm != "sleep" {
		t.Errorf("zombie comm = %q, want sleep", zombie.Comm)
	}
	s.Tick(time.Now(), 0)
	if tk := decodeAll(t, s)[0].Tick; tk.Zombies < 1 {
		t.Errorf("tick zombies = %d with a zombie present", tk.Zombies)
	}

	parent.Process.Kill()
	parent.Wait()
	watch(ctx, t, s, func(ev agent.Event) bool {
		p := ev.Proc
		return p != nil && p.Kind == harness.ProcReparent && p.PID == zombie.PID && p.PPID == os.Getpid()
	})

	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(zombie.PID, &ws, 0, nil); err != nil {
		t.Fatalf("reap zombie %d: %v", zombie.PID, err)
	}
	watch(ctx, t, s, func(ev agent.Event) bool {
		p := ev.Proc
		return p != nil && p.Kind == harness.ProcExit && p.PID == zombie.PID
	})
}

// TestRealProcListener: a listener this process opens is reported with
// this process as its owner, through netlink on a real /proc.
func TestRealProcListener(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sample(t, s, time.Now())

	var lc = &netListen{}
	port := lc.open(t)
	ev := watch(ctx, t, s, func(ev agent.Event) bool {
		return ev.Proc != nil && ev.Proc.Kind == harness.Listen && ev.Proc.Port == port
	}).Proc
	if ev.PID != os.Getpid() || ev.Addr != "127.0.0.1" {
		t.Fatalf("listen event %+v, want pid %d addr 127.0.0.1", ev, os.Getpid())
	}
	lc.close()
	watch(ctx, t, s, func(ev agent.Event) bool {
		return ev.Proc != nil && ev.Proc.Kind == harness.Unlisten && ev.Proc.Port == port
	})
}
