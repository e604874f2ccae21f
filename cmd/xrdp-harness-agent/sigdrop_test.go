package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestSigdropUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"sigdrop"}, "exactly one PID"},
		{[]string{"sigdrop", "x"}, `pid "x"`},
		{[]string{"sigdrop", "1", "-probability", "1.5"}, "probability 1.5"},
		{[]string{"sigdrop", "1", "-signal", "BOGUS"}, `signal "BOGUS"`},
	}
	for _, tt := range tests {
		code, _, stderr := runCmd(t, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("run(%q) = %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

func TestSigdropRefusesAProcessWithoutHandler(t *testing.T) {
	sleep := exec.Command("sleep", "60")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleep.Process.Kill(); sleep.Wait() }()
	code, _, stderr := runCmd(t, "sigdrop", fmt.Sprint(sleep.Process.Pid))
	if code != 1 || !strings.Contains(stderr, "no handler for SIGCHLD") {
		t.Errorf("sigdrop on sleep = %d, %q; want 1 and 'no handler for SIGCHLD'", code, stderr)
	}
}

// TestSigdropHelper is the traced process of TestSigdropDropsAndDetaches:
// it runs /bin/true every 5ms and prints, every 20ms, "runs chlds".
func TestSigdropHelper(t *testing.T) {
	if os.Getenv("XH_SIGDROP_HELPER") != "1" {
		t.Skip("helper process only")
	}
	ch := make(chan os.Signal, 1024)
	signal.Notify(ch, syscall.SIGCHLD)
	runs, chlds := 0, 0
	tick := time.NewTicker(20 * time.Millisecond)
	pace := time.NewTicker(5 * time.Millisecond)
	for range pace.C {
		if err := exec.Command("/bin/true").Run(); err == nil {
			runs++
		}
	drain:
		for {
			select {
			case <-ch:
				chlds++
			default:
				break drain
			}
		}
		select {
		case <-tick.C:
			fmt.Printf("%d %d\n", runs, chlds)
		default:
		}
	}
}

func TestSigdropDropsAndDetaches(t *testing.T) {
	helper := exec.Command(os.Args[0], "-test.run=^TestSigdropHelper$")
	helper.Env = append(os.Environ(), "XH_SIGDROP_HELPER=1")
	stdout, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { helper.Process.Kill(); helper.Wait() }()
	var mu sync.Mutex
	var runs, chlds int
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var r, c int
			if _, err := fmt.Sscan(sc.Text(), &r, &c); err == nil {
				mu.Lock()
				runs, chlds = r, c
				mu.Unlock()
			}
		}
	}()
	counts := func() (int, int) { mu.Lock(); defer mu.Unlock(); return runs, chlds }
	waitFor := func(what string, cond func(r, c int) bool) {
		t.Helper()
		deadline := time.After(20 * time.Second)
		poll := time.NewTicker(10 * time.Millisecond)
		defer poll.Stop()
		for r, c := counts(); !cond(r, c); r, c = counts() {
			select {
			case <-deadline:
				t.Fatalf("%s: runs %d, SIGCHLDs %d", what, r, c)
			case <-poll.C:
			}
		}
	}
	waitFor("the helper sees SIGCHLDs", func(r, c int) bool { return c > 5 })

	ctx, cancel := context.WithCancel(t.Context())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- cmdSigdrop(ctx, []string{fmt.Sprint(helper.Process.Pid)}, out) }()
	waitFor("sigdrop attaches", func(int, int) bool {
		select {
		case err := <-done:
			if errors.Is(err, syscall.EPERM) {
				t.Skipf("ptrace is not allowed here: %v", err)
			}
			t.Fatalf("sigdrop ended: %v", err)
		default:
		}
		return strings.Contains(out.String(), `"attached"`)
	})
	// Signals delivered just before the attach reach the helper's count
	// a little later: let them settle.
	r0, _ := counts()
	waitFor("ten more children", func(r, c int) bool { return r >= r0+10 })
	r0, c0 := counts()
	waitFor("fifty more children", func(r, c int) bool { return r >= r0+50 })
	if _, c := counts(); c > c0+1 {
		t.Errorf("SIGCHLDs went from %d to %d while dropped", c0, c)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("sigdrop: %v", err)
	}
	if !strings.Contains(out.String(), `"detached":true`) {
		t.Fatalf("no clean detach: %s", out)
	}
	_, c1 := counts()
	waitFor("SIGCHLDs flow again after detaching", func(r, c int) bool { return c > c1+5 })
	t.Logf("sigdrop output: %s", out)
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
