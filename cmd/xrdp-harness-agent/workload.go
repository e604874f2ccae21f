package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// cmdWorkload is the simulated user: sesman's startwm.sh starts it beside
// the desktop, as the session's user with its DISPLAY. It loops over timed
// operations with think time between them and appends one JSON line per
// operation to -out (see containers/agent.DecodeResponse). It stops when
// ctx ends, when its session ends (its parent is gone) or after -cycles.
func cmdWorkload(ctx context.Context, args []string, _ io.Writer) error {
	fs := flag.NewFlagSet("workload", flag.ContinueOnError)
	desktop := fs.String("desktop", "minimal", "the session's desktop: xfce4 drives windows, anything else runs the shell workload")
	think := fs.Duration("think", 2*time.Second, "pause between operations (±25% jitter)")
	out := fs.String("out", "/var/log/xrdp-harness/workload.log", "file to append timed operations to")
	timeout := fs.Duration("timeout", 30*time.Second, "longest wait for one operation")
	cycles := fs.Int("cycles", 0, "cycles to run (0: until the session ends)")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if *think < 0 || *timeout <= 0 || *cycles < 0 {
		return usageError("workload: -think ≥ 0, -timeout > 0 and -cycles ≥ 0")
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
	if err != nil {
		return fmt.Errorf("open %s: %w", *out, err)
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go watchParent(ctx, cancel)
	w := &worker{out: f, think: *think, timeout: *timeout, user: userName(), display: displayNumber(os.Getenv("DISPLAY"))}
	w.dir = filepath.Join(os.TempDir(), "xh-workload-"+w.user)
	if err := os.MkdirAll(w.dir, 0o700); err != nil {
		return fmt.Errorf("workload dir: %w", err)
	}
	if *desktop == "xfce4" {
		return w.desktopLoop(ctx, *cycles)
	}
	return w.shellLoop(ctx, *cycles)
}

// watchParent ends the workload when the session's process (its parent)
// is gone: the orphan is then re-parented to the container's init.
func watchParent(ctx context.Context, cancel func()) {
	parent := os.Getppid()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if os.Getppid() != parent {
				cancel()
				return
			}
		}
	}
}

type worker struct {
	// The current cycle's operations: their summed time is the cycle's
	// response (Login VSI's VSI response is such a sum over one loop).
	cycleSum time.Duration
	cycleOps int
	cycleErr error

	mu      sync.Mutex
	out     io.Writer
	think   time.Duration
	timeout time.Duration
	user    string
	display int
	dir     string
}

// responseLine is the wire form of one timed operation.
type responseLine struct {
	T       time.Time `json:"t"`
	User    string    `json:"user"`
	Display int       `json:"display"`
	Op      string    `json:"op"`
	Dur     int64     `json:"dur"` // nanoseconds
	Err     string    `json:"err,omitempty"`
}

// emit writes one line in a single write (O_APPEND keeps lines of
// concurrent sessions whole).
func (w *worker) emit(op string, start time.Time, err error) {
	w.emitDur(op, time.Since(start), err)
}

func (w *worker) emitDur(op string, d time.Duration, err error) {
	l := responseLine{T: time.Now(), User: w.user, Display: w.display, Op: op, Dur: int64(d)}
	if err != nil {
		l.Err = err.Error()
	}
	b, _ := json.Marshal(l)
	w.mu.Lock()
	_, _ = w.out.Write(append(b, '\n'))
	w.mu.Unlock()
}

// timed runs one operation under the per-operation timeout and records it.
func (w *worker) timed(ctx context.Context, op string, fn func(context.Context) error) error {
	octx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	start := time.Now()
	err := fn(octx)
	if ctx.Err() != nil {
		return ctx.Err() // the session ended: not a response
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("timeout after %v", w.timeout)
	}
	d := time.Since(start)
	w.emitDur(op, d, err)
	w.cycleSum += d
	w.cycleOps++
	if err != nil && w.cycleErr == nil {
		w.cycleErr = fmt.Errorf("%s: %w", op, err)
	}
	return err
}

// endCycle emits the cycle's response: the sum of its operations' times
// (think time left out). A session's first cycle is its warm-up (cold
// caches, each program's first start) and is named so, to be left out of
// the knee. A cycle cut short by a failed operation is an error.
func (w *worker) endCycle(n, want int) {
	op := "cycle"
	if n == 1 {
		op = "warmup-cycle"
	}
	err := w.cycleErr
	if err == nil && w.cycleOps < want {
		err = fmt.Errorf("%d of %d operations ran", w.cycleOps, want)
	}
	if w.cycleOps > 0 {
		w.emitDur(op, w.cycleSum, err)
	}
	w.cycleSum, w.cycleOps, w.cycleErr = 0, 0, nil
}

func (w *worker) pause(ctx context.Context) bool {
	d := w.think
	if d > 0 {
		d = time.Duration(float64(d) * (0.75 + 0.5*rand.Float64()))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// shellLoop is the workload of a session without a desktop: a shell that
// runs a small loop, and a file written and read back.
func (w *worker) shellLoop(ctx context.Context, cycles int) error {
	block := bytes.Repeat([]byte("xrdp-harness workload\n"), 1<<15) // ≈ 700 KiB
	for n := 1; cycles == 0 || n <= cycles; n++ {
		_ = w.timed(ctx, "shell", func(ctx context.Context) error {
			return exec.CommandContext(ctx, "/bin/sh", "-c", `i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done`).Run()
		})
		if !w.pause(ctx) {
			return nil
		}
		_ = w.timed(ctx, "file", func(ctx context.Context) error {
			p := filepath.Join(w.dir, "file.txt")
			if err := os.WriteFile(p, block, 0o600); err != nil {
				return err
			}
			b, err := os.ReadFile(p)
			if err == nil && len(b) != len(block) {
				err = fmt.Errorf("read back %d of %d bytes", len(b), len(block))
			}
			return err
		})
		w.endCycle(n, 2)
		if !w.pause(ctx) {
			return nil
		}
	}
	return nil
}

// desktopLoop drives Xfce like a user: open a terminal and wait for its
// window, type a command into it and wait until the shell has run it, open
// a file in the editor and wait for its window, scroll it, close both and
// wait until their windows are gone.
func (w *worker) desktopLoop(ctx context.Context, cycles int) error {
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	err := poll(wctx, func() (bool, error) {
		out, err := x(wctx, "xprop", "-root", "_NET_SUPPORTING_WM_CHECK")
		return err == nil && strings.Contains(out, "window id"), nil
	})
	cancel()
	if ctx.Err() != nil {
		return nil
	}
	w.emit("desktop-start", start, err)
	if err != nil {
		return err
	}
	doc := strings.Repeat("The quick brown fox jumps over the lazy dog. 0123456789\n", 3000)
	for n := 1; cycles == 0 || n <= cycles; n++ {
		var term, edit *exec.Cmd
		var termWin, editWin string
		title := fmt.Sprintf("xhterm-%d-%d", os.Getpid(), n)
		err := w.timed(ctx, "terminal-start", func(ctx context.Context) error {
			term = exec.Command("xfce4-terminal", "--disable-server", "--title="+title, "--hide-menubar", "--hide-toolbar")
			if err := term.Start(); err != nil {
				return err
			}
			var err error
			termWin, err = findWindow(ctx, "^"+title+"$")
			return err
		})
		if err == nil && w.pause(ctx) {
			marker := filepath.Join(w.dir, fmt.Sprintf("typed-%d", n))
			_ = w.timed(ctx, "type", func(ctx context.Context) error {
				if _, err := x(ctx, "xdotool", "windowactivate", "--sync", termWin); err != nil {
					return err
				}
				if _, err := x(ctx, "xdotool", "type", "--delay", "15", "echo typed "+strconv.Itoa(n)+" > "+marker); err != nil {
					return err
				}
				if _, err := x(ctx, "xdotool", "key", "Return"); err != nil {
					return err
				}
				return poll(ctx, func() (bool, error) {
					_, err := os.Stat(marker)
					return err == nil, nil
				})
			})
		}
		if ctx.Err() == nil && w.pause(ctx) {
			name := fmt.Sprintf("xhdoc-%d-%d.txt", os.Getpid(), n)
			file := filepath.Join(w.dir, name)
			err = os.WriteFile(file, []byte(doc), 0o600)
			if err == nil {
				err = w.timed(ctx, "editor-open", func(ctx context.Context) error {
					edit = exec.Command("mousepad", file)
					if err := edit.Start(); err != nil {
						return err
					}
					var err error
					editWin, err = findWindow(ctx, name)
					return err
				})
			}
			if err == nil && w.pause(ctx) {
				_ = w.timed(ctx, "scroll", func(ctx context.Context) error {
					if _, err := x(ctx, "xdotool", "windowactivate", "--sync", editWin); err != nil {
						return err
					}
					keys := []string{"key", "--delay", "40"}
					for range 8 {
						keys = append(keys, "Page_Down")
					}
					keys = append(keys, "ctrl+End", "ctrl+Home")
					_, err := x(ctx, "xdotool", keys...)
					return err
				})
			}
		}
		if ctx.Err() == nil && w.pause(ctx) {
			_ = w.timed(ctx, "close", func(ctx context.Context) error {
				var wins []string
				// The editor is killed: typed probes may have marked its
				// buffer modified, and a save prompt would hold the window.
				for c, sig := range map[*exec.Cmd]syscall.Signal{term: syscall.SIGTERM, edit: syscall.SIGKILL} {
					if c != nil && c.Process != nil {
						_ = c.Process.Signal(sig)
					}
				}
				for _, win := range []string{termWin, editWin} {
					if win != "" {
						wins = append(wins, win)
					}
				}
				return poll(ctx, func() (bool, error) {
					for _, win := range wins {
						if _, err := x(ctx, "xdotool", "getwindowname", win); err == nil {
							return false, nil
						}
					}
					return true, nil
				})
			})
		}
		for _, c := range []*exec.Cmd{term, edit} {
			if c != nil && c.Process != nil {
				_ = c.Process.Kill()
				_ = c.Wait()
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		w.endCycle(n, 5)
		_ = os.RemoveAll(w.dir)
		_ = os.MkdirAll(w.dir, 0o700)
		if !w.pause(ctx) {
			return nil
		}
	}
	return nil
}

// findWindow polls until a window whose name matches pattern exists and
// returns its id.
func findWindow(ctx context.Context, pattern string) (string, error) {
	var id string
	err := poll(ctx, func() (bool, error) {
		out, err := x(ctx, "xdotool", "search", "--name", pattern)
		if err != nil {
			return false, nil // xdotool exits 1 while nothing matches
		}
		id = strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
		return id != "", nil
	})
	return id, err
}

// poll calls cond every 50ms until it is true, fails or ctx ends.
func poll(ctx context.Context, cond func() (bool, error)) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		ok, err := cond()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// x runs an X tool and returns its output.
func x(ctx context.Context, name string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return string(out), fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return string(out), nil
}

func userName() string {
	for _, k := range []string{"USER", "LOGNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "uid" + strconv.Itoa(os.Getuid())
}

// displayNumber reads ":10.0" or "host:10" as 10; -1 when unset.
func displayNumber(d string) int {
	i := strings.LastIndex(d, ":")
	if i < 0 {
		return -1
	}
	d = d[i+1:]
	if j := strings.IndexByte(d, '.'); j >= 0 {
		d = d[:j]
	}
	n, err := strconv.Atoi(d)
	if err != nil {
		return -1
	}
	return n
}
