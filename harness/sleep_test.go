package harness

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

func TestSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		start := time.Now()
		if !Sleep(ctx, time.Second) || time.Since(start) != time.Second {
			t.Errorf("Sleep 1s: waited %v", time.Since(start))
		}
		if !Sleep(ctx, 0) || !SleepUntil(ctx, start) {
			t.Error("a wait already over did not elapse")
		}
		time.AfterFunc(300*time.Millisecond, cancel)
		start = time.Now()
		if SleepUntil(ctx, start.Add(time.Hour)) || time.Since(start) != 300*time.Millisecond {
			t.Errorf("cancel: returned after %v", time.Since(start))
		}
		if Sleep(ctx, 0) {
			t.Error("Sleep(0) on an ended ctx elapsed")
		}
	})
}
