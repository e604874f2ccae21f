package scenarios

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Two jobs run at once, no more; an alone job waits for every earlier
// one and has nobody beside it; the job after it waits for it.
func TestRunJobsLanes(t *testing.T) {
	alone := []bool{false, false, false, true, false}
	var (
		mu       sync.Mutex
		active   int
		most     int
		finished = make([]bool, len(alone))
		problems []string
	)
	var pair sync.WaitGroup
	pair.Add(2)
	paired := make(chan struct{})
	go func() { pair.Wait(); close(paired) }()
	do := func(i int) {
		mu.Lock()
		active++
		most = max(most, active)
		for j := 0; j < i; j++ {
			if (alone[i] || alone[j]) && !finished[j] {
				problems = append(problems, "job "+string(rune('0'+i))+" started before job "+string(rune('0'+j))+" ended")
			}
		}
		mu.Unlock()
		if i < 2 {
			// Jobs 0 and 1 each wait for the other: they must run at once.
			pair.Done()
			select {
			case <-paired:
			case <-time.After(10 * time.Second):
				mu.Lock()
				problems = append(problems, "jobs 0 and 1 did not run at the same time")
				mu.Unlock()
			}
		}
		mu.Lock()
		active--
		finished[i] = true
		mu.Unlock()
	}
	runJobs(context.Background(), alone, 2, func(int) {}, do)
	for _, p := range problems {
		t.Error(p)
	}
	if most != 2 {
		t.Errorf("at most %d jobs at once, want 2", most)
	}
	for i, f := range finished {
		if !f {
			t.Errorf("job %d never ran", i)
		}
	}
}

// A job that is not ready holds no lane: with one lane, a later job that
// is ready runs first.
func TestRunJobsReadyFirst(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var ran []int
	ready := func(i int) {
		if i == 0 {
			select { // job 0's image comes when job 1 has run
			case <-release:
			case <-time.After(10 * time.Second):
			}
		}
	}
	runJobs(context.Background(), []bool{false, false}, 1, ready, func(i int) {
		mu.Lock()
		ran = append(ran, i)
		mu.Unlock()
		if i == 1 {
			close(release)
		}
	})
	if len(ran) != 2 || ran[0] != 1 || ran[1] != 0 {
		t.Fatalf("ran %v, want [1 0]: job 0 waited for its image holding the only lane", ran)
	}
}

// One lane runs one job at a time; after a cancel no job starts, the
// alone one included.
func TestRunJobsCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var ran []int
	runJobs(ctx, []bool{false, false, true, false}, 1, func(int) {}, func(i int) {
		mu.Lock()
		ran = append(ran, i)
		mu.Unlock()
		cancel()
	})
	if len(ran) != 1 || ran[0] > 1 {
		t.Fatalf("ran %v, want one of jobs 0 and 1 (nothing after the cancel)", ran)
	}
}
