package load

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// visit is one user's stay: log in, hold the session, leave in a style. The
// login is recorded as a reconnect when the user had a session before in
// this run (Policy=Default gives it back).
type visit struct {
	client Client
	target harness.Target
	user   harness.User
	hold   time.Duration
	style  Style
}

// crew holds what executors share: naming, the users already seen, and the
// vanished sessions to release at the end.
type crew struct {
	ops      *harness.OpLog
	seq      *atomic.Int64
	mu       sync.Mutex
	seen     map[string]bool
	vanished []Session
}

func newCrew(env harness.Env) *crew {
	seq := env.ClientSeq
	if seq == nil {
		seq = new(atomic.Int64)
	}
	return &crew{ops: env.Ops, seq: seq, seen: map[string]bool{}}
}

// clientName is unique within a run and at most 15 characters (GCC limit).
func (c *crew) clientName() string {
	return fmt.Sprintf("xh%09d", c.seq.Add(1)%1e9)
}

// run performs one visit and records its operations. It reports whether the
// login succeeded.
func (c *crew) run(ctx context.Context, v visit) bool {
	sess, op := v.client.Login(ctx, v.target, v.user, c.clientName())
	c.mu.Lock()
	again := c.seen[v.target.Name()+"/"+v.user.Name]
	if op.Outcome == harness.OK {
		c.seen[v.target.Name()+"/"+v.user.Name] = true
	}
	c.mu.Unlock()
	if again && op.Kind == harness.OpLogin {
		op.Kind = harness.OpReconnect
	}
	c.ops.Add(op)
	if sess == nil {
		return false
	}
	if v.hold > 0 {
		t := time.NewTimer(v.hold)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	// Leave even when ctx ended: a run that stops must not strand sockets.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	c.ops.Add(sess.Close(cctx, v.style))
	if v.style == Vanish {
		c.mu.Lock()
		c.vanished = append(c.vanished, sess)
		c.mu.Unlock()
	}
	return op.Outcome == harness.OK
}

// release frees the sockets vanished sessions still hold.
func (c *crew) release() {
	c.mu.Lock()
	v := c.vanished
	c.vanished = nil
	c.mu.Unlock()
	for _, s := range v {
		s.Release()
	}
}

// pickUsers returns the first n users of a target (all when n is 0).
func pickUsers(t harness.Target, n int) ([]harness.User, error) {
	users := t.Users()
	if n == 0 {
		n = len(users)
	}
	if n > len(users) {
		return nil, fmt.Errorf("load: %d users wanted, target %s has %d", n, t.Name(), len(users))
	}
	return users[:n], nil
}
