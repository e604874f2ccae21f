package sampler

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestGatedStatReads: with full reads every 10 samples, a change that
// leaves the zombie signal alone (SIGSTOP) shows up on the process's
// full-read turn, while a zombie and the reparenting of a dead parent's
// children show up at once. The signal is statm turning to zeros, or the
// pid leaving cgroup.procs.
func TestGatedStatReads(t *testing.T) {
	t.Run("statm", func(t *testing.T) { testGated(t, false) })
	t.Run("cgroup", func(t *testing.T) { testGated(t, true) })
}

func testGated(t *testing.T, cgroup bool) {
	f := newFakeProc(t)
	pids := []int{1, 7, 249, 250, 277, 278, 279, 300}
	for _, pid := range pids {
		f.write(fmt.Sprintf("%d/statm", pid), "2000 500 400 10 0 300 0\n")
	}
	opts := Options{Root: f.root, FullEvery: 10, CgroupProcs: "none"}
	cgFile := f.root + "/../cgroup.procs"
	setLive := func(pids ...int) {
		var b strings.Builder
		for _, p := range pids {
			fmt.Fprintf(&b, "%d\n", p)
		}
		if err := os.WriteFile(cgFile, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lastPID := 300
	bumpPID := func(pid int) { // a fork: /proc/loadavg shows the new last pid
		lastPID = pid
		f.write("loadavg", fmt.Sprintf("0.10 0.20 0.30 1/99 %d\n", lastPID))
	}
	if cgroup {
		setLive(pids...)
		opts.CgroupProcs = cgFile
		bumpPID(300)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := map[bool]string{false: "statm", true: "cgroup"}[cgroup]
	if got := s.ZombieSignal(); got != want {
		t.Fatalf("ZombieSignal = %q, want %q", got, want)
	}
	now := t0
	step := func() []string {
		now = now.Add(100 * time.Millisecond)
		return procEvents(sample(t, s, now))
	}
	sample(t, s, now)

	t.Run("a stop waits for the full read", func(t *testing.T) {
		// xrdp (pid 250) gets its full read when (sample number + pid) % 10
		// is 0: sample 10 here (the first snapshot was sample 0).
		f.stat(250, "xrdp", 'T', 1, 201)
		for k := 1; k < 10; k++ {
			if ev := step(); len(ev) > 0 {
				t.Fatalf("sample %d: events %q before xrdp's turn: stat was read though statm did not change", k, ev)
			}
		}
		if ev := step(); len(ev) != 1 || ev[0] != "state 250 ppid=1 xrdp T []" {
			t.Fatalf("sample 10: events %q, want the stop", ev)
		}
	})

	t.Run("a zombie shows up at once", func(t *testing.T) {
		f.stat(278, "sleep", 'Z', 277, 1001)
		f.write("278/statm", "0 0 0 0 0 0 0\n")
		if cgroup { // leave the statm alone: only the cgroup may tell
			f.write("278/statm", "2000 500 400 10 0 300 0\n")
			setLive(1, 7, 249, 250, 277, 279, 300)
		}
		expectEvents(t, sample(t, s, now.Add(time.Second)), "state 278 ppid=277 sleep Z []")
	})

	if cgroup {
		t.Run("a new process is seen at once", func(t *testing.T) {
			f.stat(700, "xrdp-sesman", 'S', 249, 7000)
			f.write("700/statm", "2000 500 400 10 0 300 0\n")
			f.write("700/cmdline", "xrdp-sesman\x00")
			bumpPID(700)
			setLive(1, 7, 249, 250, 277, 279, 300, 700)
			expectEvents(t, sample(t, s, now.Add(1100*time.Millisecond)), "start 700 ppid=249 xrdp-sesman S [xrdp-sesman]")
			// sesman's child execs its script: a young process is read
			// every sample, so the exec does not wait for the full read.
			f.stat(700, "reconnectwm.sh", 'S', 249, 7000)
			f.write("700/cmdline", "/bin/sh\x00/etc/xrdp/reconnectwm.sh\x00")
			expectEvents(t, sample(t, s, now.Add(1150*time.Millisecond)), "exec 700 ppid=249 reconnectwm.sh  [/bin/sh /etc/xrdp/reconnectwm.sh]")
		})
		t.Run("a child that died before any sample is seen at once as a zombie", func(t *testing.T) {
			f.stat(701, "reconnectwm.sh", 'Z', 700, 7001)
			f.write("701/statm", "0 0 0 0 0 0 0\n")
			bumpPID(701) // never in cgroup.procs: it lived between two samples
			expectEvents(t, sample(t, s, now.Add(1200*time.Millisecond)), "start 701 ppid=700 reconnectwm.sh Z []")
		})
		t.Run("a reaped zombie exits at once, without listing /proc", func(t *testing.T) {
			f.remove("701")
			expectEvents(t, sample(t, s, now.Add(1300*time.Millisecond)), "exit 701 ppid=700 reconnectwm.sh  []")
		})
		t.Run("nothing forked: /proc is not listed", func(t *testing.T) {
			// A process the listing would find but the cgroup does not
			// list stays unseen until the once-a-second listing.
			f.stat(702, "outsider", 'S', 1, 7002)
			var k int
			for k = 1; k <= 10; k++ {
				if ev := procEvents(sample(t, s, now.Add(time.Duration(1300+100*k)*time.Millisecond))); len(ev) > 0 {
					break
				}
			}
			if k == 1 || k > 10 {
				t.Fatalf("the outsider was seen at sample %d of 10: want a later sample, at the full listing", k)
			}
		})
	}

	t.Run("children of a dead parent are reparented in the same sample", func(t *testing.T) {
		f.remove("277")
		if cgroup {
			setLive(1, 7, 249, 250, 279, 300, 700)
		}
		f.stat(278, "sleep", 'Z', 1, 1001)
		f.stat(279, "Xvnc", 'S', 1, 1002)
		expectEvents(t, sample(t, s, now.Add(2*time.Second)),
			"exit 277 ppid=249 xrdp-sesman  []",
			"reparent 278 ppid=1 sleep  []",
			"reparent 279 ppid=1 Xvnc  []",
		)
	})
}

// TestCgroupOutsider: a live process that is not in the cgroup (another
// cgroup) is read every sample, and that costs reads, not false events.
func TestCgroupOutsider(t *testing.T) {
	f := newFakeProc(t)
	cg := f.root + "/../cgroup.procs"
	os.WriteFile(cg, []byte("1\n7\n249\n250\n277\n278\n279\n"), 0o644) // 300 elsewhere
	s, err := New(Options{Root: f.root, FullEvery: 10, CgroupProcs: cg})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sample(t, s, t0)
	for i := 1; i <= 3; i++ {
		expectEvents(t, sample(t, s, t0.Add(time.Duration(i)*time.Second)))
	}
	f.stat(300, "weird) name (x", 'T', 249, 1500)
	expectEvents(t, sample(t, s, t0.Add(5*time.Second)), "state 300 ppid=249 weird) name (x T []")

	os.Remove(cg)
	got := sample(t, s, t0.Add(6*time.Second))
	if len(got) != 1 || got[0].Warn == nil || !strings.Contains(got[0].Warn.Text, "cgroup.procs") {
		t.Fatalf("a vanished cgroup.procs should give one warning, got %+v", got)
	}
}
