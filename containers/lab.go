package containers

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/xrdp-harness/xrdp-harness/harness"
)

// Lab is a harness.Lab of xrdp containers: one per Node, started in order.
type Lab struct {
	Nodes []Node
	// Options apply to every node (before the node's own).
	Options []Option

	mu      sync.Mutex
	servers []*Server
}

// Node is one server of a lab.
type Node struct {
	Version string // an ImageSpec string
	Options []Option
}

var _ harness.Lab = (*Lab)(nil)

// Up boots every node. On error the servers that did start stay in the lab
// so that Down removes them.
func (l *Lab) Up(ctx context.Context) ([]harness.Target, error) {
	if len(l.Nodes) == 0 {
		return nil, errors.New("containers: lab up: no nodes")
	}
	var targets []harness.Target
	for i, n := range l.Nodes {
		opts := append(append([]Option{}, l.Options...), n.Options...)
		srv, err := Run(ctx, n.Version, opts...)
		if srv != nil {
			l.mu.Lock()
			l.servers = append(l.servers, srv)
			l.mu.Unlock()
		}
		if err != nil {
			return targets, fmt.Errorf("containers: lab up: node %d (%s): %w", i, n.Version, err)
		}
		targets = append(targets, srv)
	}
	return targets, nil
}

// Down removes every server Up started; safe to call twice.
func (l *Lab) Down(ctx context.Context) error {
	l.mu.Lock()
	servers := l.servers
	l.servers = nil
	l.mu.Unlock()
	var errs []error
	for _, s := range servers {
		errs = append(errs, s.Terminate(ctx))
	}
	return errors.Join(errs...)
}

// Servers are the lab's running servers.
func (l *Lab) Servers() []*Server {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*Server(nil), l.servers...)
}
